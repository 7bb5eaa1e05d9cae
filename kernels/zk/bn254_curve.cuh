// BN254's G1 (y^2 = x^3 + 3 over Fp) and G2 (the twist y^2 = x^3 + 3/(9 + u) over Fp2)
// for the GPU kernels, host-compilable for the tests. Both curves have a = 0, and no
// formula below uses b, so one template over the coordinate field F serves both:
// F = Fp (bn254_field.cuh) is G1, F = Fp2 (bn254_fp2.cuh) is G2.
//
// Forms (F::kLimbs limbs a coordinate: 4 for Fp, 8 for Fp2):
//   AffinePoint<F>: (x, y) in Montgomery form, the layout of the prover contract
//     (core/groth16_circuit.h: G1 8 limbs x then y; G2 16 limbs x.c0, x.c1, y.c0, y.c1);
//     the point at infinity is all-zero limbs ((0, 0) is on neither curve, since b != 0).
//   XyzzPoint<F>: extended Jacobian "XYZZ" coordinates (X, Y, ZZ, ZZZ) standing for
//     (X/ZZ, Y/ZZZ) with ZZ^3 = ZZZ^2; ZZ = 0 is the point at infinity. Chosen over
//     Jacobian because the mixed addition that fills the MSM's buckets costs 8M + 2S
//     (madd-2008-s) against Jacobian's 7M + 4S plus more additions, and its special
//     cases are cheap to detect (P = U2 - X1 and R = S2 - Y1, both computed anyway).
//   JacobianPoint<F>: (X, Y, Z) standing for (X/Z^2, Y/Z^3), Z = 0 at infinity: the MSM's
//     output (G1 12 limbs, G2 24 limbs), crypto/bn254's G1 and G2 form.
//
// Every addition handles every case by branching: either side at infinity, P + P (the
// doubling formula), P + (-P) (infinity). Formulas: hyperelliptic.org/EFD, "xyzz" for
// short Weierstrass curves with a = 0: add-2008-s, madd-2008-s, dbl-2008-s-1.
// All functions are pure and thread-safe; variable time (public data only).
#pragma once

#include <cstdint>

#include "kernels/host_device.h"
#include "kernels/zk/bn254_field.cuh"
#include "kernels/zk/bn254_fp2.cuh"

namespace chainaccel::kernels::zk {

template <class F>
struct AffinePoint {
  F x, y;

  static constexpr int kLimbs = 2 * F::kLimbs;

  CHAINACCEL_HD bool IsInfinity() const { return x.IsZero() && y.IsZero(); }
  CHAINACCEL_HD static AffinePoint Load(const uint64_t* p) {
    return {F::Load(p), F::Load(p + F::kLimbs)};
  }
  CHAINACCEL_HD void Store(uint64_t* p) const {
    x.Store(p);
    y.Store(p + F::kLimbs);
  }
  // (x, -y); infinity stays infinity (-0 = 0).
  CHAINACCEL_HD AffinePoint Negated() const { return {x, -y}; }
};

template <class F>
struct JacobianPoint {
  F x, y, z;

  static constexpr int kLimbs = 3 * F::kLimbs;

  CHAINACCEL_HD void Store(uint64_t* p) const {
    x.Store(p);
    y.Store(p + F::kLimbs);
    z.Store(p + 2 * F::kLimbs);
  }
  CHAINACCEL_HD static JacobianPoint Load(const uint64_t* p) {
    return {F::Load(p), F::Load(p + F::kLimbs), F::Load(p + 2 * F::kLimbs)};
  }
};

template <class F>
struct XyzzPoint {
  F x, y, zz, zzz;

  static constexpr int kLimbs = 4 * F::kLimbs;
  using Affine = AffinePoint<F>;

  CHAINACCEL_HD static XyzzPoint Infinity() { return {F::Zero(), F::Zero(), F::Zero(), F::Zero()}; }
  CHAINACCEL_HD static XyzzPoint FromAffine(const Affine& a) {
    if (a.IsInfinity()) return Infinity();
    return {a.x, a.y, F::One(), F::One()};
  }
  CHAINACCEL_HD bool IsInfinity() const { return zz.IsZero(); }
  CHAINACCEL_HD XyzzPoint Negated() const { return {x, -y, zz, zzz}; }

  CHAINACCEL_HD static XyzzPoint Load(const uint64_t* p) {
    return {F::Load(p), F::Load(p + F::kLimbs), F::Load(p + 2 * F::kLimbs),
            F::Load(p + 3 * F::kLimbs)};
  }
  CHAINACCEL_HD void Store(uint64_t* p) const {
    x.Store(p);
    y.Store(p + F::kLimbs);
    zz.Store(p + 2 * F::kLimbs);
    zzz.Store(p + 3 * F::kLimbs);
  }
};

using G1AffinePoint = AffinePoint<Fp>;
using G1JacobianPoint = JacobianPoint<Fp>;
using G1XyzzPoint = XyzzPoint<Fp>;
using G2AffinePoint = AffinePoint<Fp2>;
using G2JacobianPoint = JacobianPoint<Fp2>;
using G2XyzzPoint = XyzzPoint<Fp2>;

inline constexpr int kG1XyzzLimbs = G1XyzzPoint::kLimbs;          // 16
inline constexpr int kG1JacobianLimbs = G1JacobianPoint::kLimbs;  // 12
inline constexpr int kG1AffineLimbs = G1AffinePoint::kLimbs;      // 8
inline constexpr int kG2XyzzLimbs = G2XyzzPoint::kLimbs;          // 32
inline constexpr int kG2JacobianLimbs = G2JacobianPoint::kLimbs;  // 24
inline constexpr int kG2AffineLimbs = G2AffinePoint::kLimbs;      // 16

// 2·P (dbl-2008-s-1, a = 0: 6M + 3S); infinity stays infinity.
// y = 0 has no point of prime order r on either curve (it would have order 2), so the
// formula needs no other case for points of the groups.
template <class F>
CHAINACCEL_HD XyzzPoint<F> PointDouble(const XyzzPoint<F>& p) {
  if (p.IsInfinity()) return p;
  const F u = Double(p.y);
  const F v = Square(u);
  const F w = u * v;
  const F s = p.x * v;
  const F x2 = Square(p.x);
  const F m = Double(x2) + x2;
  const F x3 = Square(m) - Double(s);
  const F y3 = m * (s - x3) - w * p.y;
  return {x3, y3, v * p.zz, w * p.zzz};
}

// 2·Q for an affine Q, through PointDouble (the rare P = Q case of the mixed addition:
// two products by ZZ = ZZZ = 1 more than mdbl-2008-s-1, one formula less).
template <class F>
CHAINACCEL_HD XyzzPoint<F> PointDoubleAffine(const AffinePoint<F>& q) {
  return PointDouble(XyzzPoint<F>::FromAffine(q));
}

// P + Q for an affine Q (madd-2008-s), every case handled.
template <class F>
CHAINACCEL_HD XyzzPoint<F> PointAddMixed(const XyzzPoint<F>& p, const AffinePoint<F>& q) {
  if (q.IsInfinity()) return p;
  if (p.IsInfinity()) return XyzzPoint<F>::FromAffine(q);
  const F u2 = q.x * p.zz;
  const F s2 = q.y * p.zzz;
  const F pp_ = u2 - p.x;  // "P" of the formula
  const F r = s2 - p.y;
  if (pp_.IsZero()) {
    if (r.IsZero()) return PointDoubleAffine(q);  // P = Q
    return XyzzPoint<F>::Infinity();              // P = -Q
  }
  const F pp = Square(pp_);
  const F ppp = pp_ * pp;
  const F q_ = p.x * pp;
  const F x3 = Square(r) - ppp - Double(q_);
  const F y3 = r * (q_ - x3) - p.y * ppp;
  return {x3, y3, p.zz * pp, p.zzz * ppp};
}

// P + Q (add-2008-s), every case handled.
template <class F>
CHAINACCEL_HD XyzzPoint<F> PointAdd(const XyzzPoint<F>& p, const XyzzPoint<F>& q) {
  if (q.IsInfinity()) return p;
  if (p.IsInfinity()) return q;
  const F u1 = p.x * q.zz;
  const F u2 = q.x * p.zz;
  const F s1 = p.y * q.zzz;
  const F s2 = q.y * p.zzz;
  const F pp_ = u2 - u1;
  const F r = s2 - s1;
  if (pp_.IsZero()) {
    if (r.IsZero()) return PointDouble(p);
    return XyzzPoint<F>::Infinity();
  }
  const F pp = Square(pp_);
  const F ppp = pp_ * pp;
  const F q_ = u1 * pp;
  const F x3 = Square(r) - ppp - Double(q_);
  const F y3 = r * (q_ - x3) - s1 * ppp;
  return {x3, y3, p.zz * q.zz * pp, p.zzz * q.zzz * ppp};
}

// k·P for a small non-negative k (double and add from k's top set bit down).
template <class F>
CHAINACCEL_HD XyzzPoint<F> PointMulSmall(const XyzzPoint<F>& p, uint32_t k) {
  XyzzPoint<F> acc = XyzzPoint<F>::Infinity();
  int top = 31;
  while (top >= 0 && ((k >> top) & 1) == 0) --top;
  for (int bit = top; bit >= 0; --bit) {
    acc = PointDouble(acc);
    if ((k >> bit) & 1) acc = PointAdd(acc, p);
  }
  return acc;
}

// The same point in Jacobian coordinates, without an inversion: with x = X/ZZ and
// y = Y/ZZZ, Z' = ZZ·ZZZ gives X' = x·Z'^2 = X·ZZ·ZZZ^2 and Y' = y·Z'^3 = Y·ZZ^3·ZZZ^2.
// Infinity maps to (0, 0, 0) (Z' = 0).
template <class F>
CHAINACCEL_HD JacobianPoint<F> ToJacobian(const XyzzPoint<F>& p) {
  const F zzz2 = Square(p.zzz);
  const F zz_zzz2 = p.zz * zzz2;
  const F zz2 = Square(p.zz);
  return {p.x * zz_zzz2, p.y * zz_zzz2 * zz2, p.zz * p.zzz};
}

// The affine form (one inversion); infinity gives all zero.
template <class F>
CHAINACCEL_HD AffinePoint<F> ToAffine(const XyzzPoint<F>& p) {
  if (p.IsInfinity()) return {F::Zero(), F::Zero()};
  const F zzz_inv = Inverse(p.zzz);  // 1/ZZZ = 1/Z^3
  const F z_inv = p.zz * zzz_inv;    // ZZ/ZZZ = 1/Z
  const F zz_inv = Square(z_inv);    // 1/Z^2
  return {p.x * zz_inv, p.y * zzz_inv};
}

}  // namespace chainaccel::kernels::zk
