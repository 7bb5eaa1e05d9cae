// BN254's G1 (y^2 = x^3 + 3 over Fp) for the GPU kernels, host-compilable for the tests.
//
// Forms:
//   G1AffinePoint: (x, y) in Montgomery form, the layout of the prover contract (8 limbs,
//     x then y); the point at infinity is all-zero limbs ((0, 0) is not on the curve,
//     since 3 is not 0).
//   G1XyzzPoint: extended Jacobian "XYZZ" coordinates (X, Y, ZZ, ZZZ) standing for
//     (X/ZZ, Y/ZZZ) with ZZ^3 = ZZZ^2; ZZ = 0 is the point at infinity. Chosen over
//     Jacobian because the mixed addition that fills the MSM's buckets costs 8M + 2S
//     (madd-2008-s) against Jacobian's 7M + 4S plus more additions, and its special
//     cases are cheap to detect (P = U2 - X1 and R = S2 - Y1, both computed anyway).
//   G1JacobianPoint: (X, Y, Z) standing for (X/Z^2, Y/Z^3), Z = 0 at infinity: the MSM's
//     output (12 limbs), bn254::G1's form.
//
// Every addition handles every case by branching: either side at infinity, P + P (the
// doubling formula), P + (-P) (infinity). Formulas: hyperelliptic.org/EFD, "xyzz" for
// short Weierstrass curves with a = 0: add-2008-s, madd-2008-s, dbl-2008-s-1, mdbl-2008-s-1.
// All functions are pure and thread-safe; variable time (public data only).
#pragma once

#include <cstdint>

#include "kernels/host_device.h"
#include "kernels/zk/bn254_field.cuh"

namespace chainaccel::kernels::zk {

struct G1AffinePoint {
  Fp x, y;

  CHAINACCEL_HD bool IsInfinity() const { return x.IsZero() && y.IsZero(); }
  CHAINACCEL_HD static G1AffinePoint Load(const uint64_t* p) {
    return {Fp::Load(p), Fp::Load(p + 4)};
  }
  CHAINACCEL_HD void Store(uint64_t* p) const {
    x.Store(p);
    y.Store(p + 4);
  }
  // (x, -y); infinity stays infinity (-0 = 0).
  CHAINACCEL_HD G1AffinePoint Negated() const { return {x, -y}; }
};

struct G1JacobianPoint {
  Fp x, y, z;

  CHAINACCEL_HD void Store(uint64_t* p) const {
    x.Store(p);
    y.Store(p + 4);
    z.Store(p + 8);
  }
  CHAINACCEL_HD static G1JacobianPoint Load(const uint64_t* p) {
    return {Fp::Load(p), Fp::Load(p + 4), Fp::Load(p + 8)};
  }
};

struct G1XyzzPoint {
  Fp x, y, zz, zzz;

  CHAINACCEL_HD static G1XyzzPoint Infinity() {
    return {Fp::Zero(), Fp::Zero(), Fp::Zero(), Fp::Zero()};
  }
  CHAINACCEL_HD static G1XyzzPoint FromAffine(const G1AffinePoint& a) {
    if (a.IsInfinity()) return Infinity();
    return {a.x, a.y, Fp::One(), Fp::One()};
  }
  CHAINACCEL_HD bool IsInfinity() const { return zz.IsZero(); }
  CHAINACCEL_HD G1XyzzPoint Negated() const { return {x, -y, zz, zzz}; }

  CHAINACCEL_HD static G1XyzzPoint Load(const uint64_t* p) {
    return {Fp::Load(p), Fp::Load(p + 4), Fp::Load(p + 8), Fp::Load(p + 12)};
  }
  CHAINACCEL_HD void Store(uint64_t* p) const {
    x.Store(p);
    y.Store(p + 4);
    zz.Store(p + 8);
    zzz.Store(p + 12);
  }
};

inline constexpr int kG1XyzzLimbs = 16;
inline constexpr int kG1JacobianLimbs = 12;
inline constexpr int kG1AffineLimbs = 8;

// 2·P (dbl-2008-s-1, a = 0: 6M + 3S); infinity stays infinity.
// y = 0 has no point on G1 (odd order), so the formula needs no other case.
CHAINACCEL_HD G1XyzzPoint G1Double(const G1XyzzPoint& p) {
  if (p.IsInfinity()) return p;
  const Fp u = Double(p.y);
  const Fp v = Square(u);
  const Fp w = u * v;
  const Fp s = p.x * v;
  const Fp x2 = Square(p.x);
  const Fp m = Double(x2) + x2;
  const Fp x3 = Square(m) - Double(s);
  const Fp y3 = m * (s - x3) - w * p.y;
  return {x3, y3, v * p.zz, w * p.zzz};
}

// 2·Q for an affine Q (mdbl-2008-s-1); REQUIRES Q not at infinity.
CHAINACCEL_HD G1XyzzPoint G1DoubleAffine(const G1AffinePoint& q) {
  const Fp u = Double(q.y);
  const Fp v = Square(u);
  const Fp w = u * v;
  const Fp s = q.x * v;
  const Fp x2 = Square(q.x);
  const Fp m = Double(x2) + x2;
  const Fp x3 = Square(m) - Double(s);
  const Fp y3 = m * (s - x3) - w * q.y;
  return {x3, y3, v, w};
}

// P + Q for an affine Q (madd-2008-s), every case handled.
CHAINACCEL_HD G1XyzzPoint G1AddMixed(const G1XyzzPoint& p, const G1AffinePoint& q) {
  if (q.IsInfinity()) return p;
  if (p.IsInfinity()) return G1XyzzPoint::FromAffine(q);
  const Fp u2 = q.x * p.zz;
  const Fp s2 = q.y * p.zzz;
  const Fp pp_ = u2 - p.x;  // "P" of the formula
  const Fp r = s2 - p.y;
  if (pp_.IsZero()) {
    if (r.IsZero()) return G1DoubleAffine(q);  // P = Q
    return G1XyzzPoint::Infinity();            // P = -Q
  }
  const Fp pp = Square(pp_);
  const Fp ppp = pp_ * pp;
  const Fp q_ = p.x * pp;
  const Fp x3 = Square(r) - ppp - Double(q_);
  const Fp y3 = r * (q_ - x3) - p.y * ppp;
  return {x3, y3, p.zz * pp, p.zzz * ppp};
}

// P + Q (add-2008-s), every case handled.
CHAINACCEL_HD G1XyzzPoint G1Add(const G1XyzzPoint& p, const G1XyzzPoint& q) {
  if (q.IsInfinity()) return p;
  if (p.IsInfinity()) return q;
  const Fp u1 = p.x * q.zz;
  const Fp u2 = q.x * p.zz;
  const Fp s1 = p.y * q.zzz;
  const Fp s2 = q.y * p.zzz;
  const Fp pp_ = u2 - u1;
  const Fp r = s2 - s1;
  if (pp_.IsZero()) {
    if (r.IsZero()) return G1Double(p);
    return G1XyzzPoint::Infinity();
  }
  const Fp pp = Square(pp_);
  const Fp ppp = pp_ * pp;
  const Fp q_ = u1 * pp;
  const Fp x3 = Square(r) - ppp - Double(q_);
  const Fp y3 = r * (q_ - x3) - s1 * ppp;
  return {x3, y3, p.zz * q.zz * pp, p.zzz * q.zzz * ppp};
}

// k·P for a small non-negative k (double and add from k's top set bit down).
CHAINACCEL_HD G1XyzzPoint G1MulSmall(const G1XyzzPoint& p, uint32_t k) {
  G1XyzzPoint acc = G1XyzzPoint::Infinity();
  int top = 31;
  while (top >= 0 && ((k >> top) & 1) == 0) --top;
  for (int bit = top; bit >= 0; --bit) {
    acc = G1Double(acc);
    if ((k >> bit) & 1) acc = G1Add(acc, p);
  }
  return acc;
}

// The same point in Jacobian coordinates, without an inversion: with x = X/ZZ and
// y = Y/ZZZ, Z' = ZZ·ZZZ gives X' = x·Z'^2 = X·ZZ·ZZZ^2 and Y' = y·Z'^3 = Y·ZZ^3·ZZZ^2.
// Infinity maps to (0, 0, 0) (Z' = 0).
CHAINACCEL_HD G1JacobianPoint G1XyzzToJacobian(const G1XyzzPoint& p) {
  const Fp zzz2 = Square(p.zzz);
  const Fp zz_zzz2 = p.zz * zzz2;
  const Fp zz2 = Square(p.zz);
  return {p.x * zz_zzz2, p.y * zz_zzz2 * zz2, p.zz * p.zzz};
}

// The affine form (one Fermat inversion); infinity gives all zero.
CHAINACCEL_HD G1AffinePoint G1XyzzToAffine(const G1XyzzPoint& p) {
  if (p.IsInfinity()) return {Fp::Zero(), Fp::Zero()};
  const Fp zzz_inv = Inverse(p.zzz);        // 1/ZZZ = 1/Z^3
  const Fp z_inv = p.zz * zzz_inv;          // ZZ/ZZZ = 1/Z
  const Fp zz_inv = Square(z_inv);          // 1/Z^2
  return {p.x * zz_inv, p.y * zzz_inv};
}

}  // namespace chainaccel::kernels::zk
