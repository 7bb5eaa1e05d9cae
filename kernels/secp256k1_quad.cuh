// secp256k1 point operations on a quad of lanes (kernels/quad_u256.cuh), for the split
// layout's halves (GlvHalfMul): a Jacobian point spread over the quad, lane k holding
// coordinate k of (X, Y, Z) (lane 3 idle). A doubling (dbl-2009-l) is three rounds of at
// most three independent products where one thread computes seven in a row, a mixed
// addition (madd-2007-bl) five rounds where one thread computes eleven: a half-scalar's
// ladder of 125 doublings and ~26 additions is ~505 product latencies deep instead of
// ~1,160 (counted). Every function takes the same branches and computes the same canonical
// residues as its one-thread twin in secp256k1.cuh, so the results are the same
// coordinates exactly (kernels/secp256k1_quad_test.cc checks it).
//
// The split layout's kSplitQuad runs the halves on it (Secp256k1QuadHalves,
// kernels/secp256k1_split.cuh).
#pragma once

#include <cstdint>

#include "kernels/quad_u256.cuh"
#include "kernels/secp256k1.cuh"

namespace chainaccel::kernels {

using JacobianQuad = quad::Quad<U256>;  // lane k: X, Y, Z; lane 3 zero

CHAINACCEL_HD JacobianQuad JacobianQuadFrom(const JacobianPoint& p) {
  return quad::Select(p.x, p.y, p.z, U256Zero());
}

CHAINACCEL_HD JacobianPoint JacobianQuadTo(const JacobianQuad& q) {
  return JacobianPoint{quad::Broadcast(q, 0), quad::Broadcast(q, 1), quad::Broadcast(q, 2)};
}

// PointDouble in three rounds: X^2, Y^2, Y Z; then B^2, (X + B)^2, (3A)^2; then E (D - X3).
CHAINACCEL_HD JacobianQuad QuadPointDouble(const JacobianQuad& pq) {
  const JacobianPoint p = JacobianQuadTo(pq);
  if (IsInfinity(p) || U256IsZero(p.y)) return JacobianQuadFrom(JacobianInfinity());
  const U256 zero = U256Zero();
  const quad::Quad<U256> r1 =
      quad::Mul<Fp>(quad::Select(p.x, p.y, p.y, zero), quad::Select(p.x, p.y, p.z, zero));
  const U256 a = quad::Broadcast(r1, 0), b = quad::Broadcast(r1, 1), yz = quad::Broadcast(r1, 2);
  const U256 e = ModAdd<Fp>(ModAdd<Fp>(a, a), a);
  const quad::Quad<U256> r2 = quad::Sqr<Fp>(quad::Select(b, ModAdd<Fp>(p.x, b), e, zero));
  const U256 c = quad::Broadcast(r2, 0), t = quad::Broadcast(r2, 1), f = quad::Broadcast(r2, 2);
  U256 d = ModSub<Fp>(ModSub<Fp>(t, a), c);
  d = ModAdd<Fp>(d, d);
  const U256 x3 = ModSub<Fp>(f, ModAdd<Fp>(d, d));
  U256 c8 = ModAdd<Fp>(c, c);
  c8 = ModAdd<Fp>(c8, c8);
  c8 = ModAdd<Fp>(c8, c8);
  const quad::Quad<U256> r3 = quad::Mul<Fp>(quad::Select(e, zero, zero, zero),
                                            quad::Select(ModSub<Fp>(d, x3), zero, zero, zero));
  const U256 y3 = ModSub<Fp>(quad::Broadcast(r3, 0), c8);
  return quad::Select(x3, y3, ModAdd<Fp>(yz, yz), zero);
}

// PointAddMixed (P + Q, Q affine) in five rounds: Z1^2, Y2 Z1; U2, S2; H^2, (Z1 + H)^2;
// H I, X1 I, r^2; r (V - X3), Y1 J. z_ratio as PointAddMixed's.
CHAINACCEL_HD JacobianQuad QuadPointAddMixed(const JacobianQuad& pq, const AffinePoint& q,
                                             U256* z_ratio = nullptr) {
  const JacobianPoint p = JacobianQuadTo(pq);
  if (IsInfinity(p)) {
    if (z_ratio != nullptr) *z_ratio = U256Zero();
    return JacobianQuadFrom(ToJacobian(q));
  }
  const U256 zero = U256Zero();
  const quad::Quad<U256> r1 =
      quad::Mul<Fp>(quad::Select(p.z, q.y, zero, zero), quad::Select(p.z, p.z, zero, zero));
  const U256 z1z1 = quad::Broadcast(r1, 0), y2z1 = quad::Broadcast(r1, 1);
  const quad::Quad<U256> r2 =
      quad::Mul<Fp>(quad::Select(q.x, y2z1, zero, zero), quad::Select(z1z1, z1z1, zero, zero));
  const U256 h = ModSub<Fp>(quad::Broadcast(r2, 0), p.x);
  const U256 s_diff = ModSub<Fp>(quad::Broadcast(r2, 1), p.y);
  if (U256IsZero(h)) {
    const bool same = U256IsZero(s_diff);
    if (z_ratio != nullptr) *z_ratio = same ? ModAdd<Fp>(p.y, p.y) : U256Zero();
    return same ? QuadPointDouble(pq) : JacobianQuadFrom(JacobianInfinity());
  }
  const quad::Quad<U256> r3 = quad::Sqr<Fp>(quad::Select(h, ModAdd<Fp>(p.z, h), zero, zero));
  const U256 hh = quad::Broadcast(r3, 0), w = quad::Broadcast(r3, 1);
  U256 i = ModAdd<Fp>(hh, hh);
  i = ModAdd<Fp>(i, i);
  const U256 r = ModAdd<Fp>(s_diff, s_diff);
  const quad::Quad<U256> r4 =
      quad::Mul<Fp>(quad::Select(h, p.x, r, zero), quad::Select(i, i, r, zero));
  const U256 j = quad::Broadcast(r4, 0), v = quad::Broadcast(r4, 1), rr = quad::Broadcast(r4, 2);
  const U256 x3 = ModSub<Fp>(ModSub<Fp>(rr, j), ModAdd<Fp>(v, v));
  const quad::Quad<U256> r5 = quad::Mul<Fp>(quad::Select(r, p.y, zero, zero),
                                            quad::Select(ModSub<Fp>(v, x3), j, zero, zero));
  const U256 y1j = quad::Broadcast(r5, 1);
  const U256 y3 = ModSub<Fp>(quad::Broadcast(r5, 0), ModAdd<Fp>(y1j, y1j));
  const U256 z3 = ModSub<Fp>(ModSub<Fp>(w, z1z1), hh);
  if (z_ratio != nullptr) *z_ratio = ModAdd<Fp>(h, h);
  return quad::Select(x3, y3, z3, zero);
}

// GlvHalfMul on a quad: the multiples' chain and the ladder by the quad operations, the
// global-Z scaling and phi's products spread over the lanes; the same coordinates as
// GlvHalfMul.
CHAINACCEL_HD JacobianPoint QuadGlvHalfMul(const U256& m, bool negate, bool endomorphism,
                                           const AffinePoint& p) {
  AffinePoint base = p;
  if (negate) base.y = ModNeg<Fp>(p.y);
  // MultiplesWithGlobalZ: the chain d P = (d - 1) P + P with its ratios, then each
  // multiple scaled to the last one's Z.
  AffinePoint multiples[kVariableWindowMultiples];
  U256 ratio[kVariableWindowMultiples];
  JacobianQuad multiple = JacobianQuadFrom(ToJacobian(base));
  multiples[0] = base;
  for (int d = 2; d <= kVariableWindowMultiples; ++d) {
    multiple = QuadPointAddMixed(multiple, base, &ratio[d - 1]);
    const JacobianPoint jd = JacobianQuadTo(multiple);
    multiples[d - 1] = AffinePoint{jd.x, jd.y};
  }
  const U256 global_z = JacobianQuadTo(multiple).z;
  const U256 zero = U256Zero();
  U256 scale = ratio[kVariableWindowMultiples - 1];
  for (int d = kVariableWindowMultiples - 1; d >= 1; --d) {
    // scale^2 and the next scale; then x scale^2 and scale^3; then y scale^3.
    const U256 next_ratio = d > 1 ? ratio[d - 1] : zero;
    const quad::Quad<U256> s1 = quad::Mul<Fp>(quad::Select(scale, scale, zero, zero),
                                              quad::Select(scale, next_ratio, zero, zero));
    const U256 scale2 = quad::Broadcast(s1, 0);
    const quad::Quad<U256> s2 = quad::Mul<Fp>(quad::Select(multiples[d - 1].x, scale2, zero, zero),
                                              quad::Select(scale2, scale, zero, zero));
    multiples[d - 1].x = quad::Broadcast(s2, 0);
    const quad::Quad<U256> s3 =
        quad::Mul<Fp>(quad::Select(multiples[d - 1].y, zero, zero, zero),
                      quad::Select(quad::Broadcast(s2, 1), zero, zero, zero));
    multiples[d - 1].y = quad::Broadcast(s3, 0);
    if (d > 1) scale = quad::Broadcast(s1, 1);
  }
  if (endomorphism) {
    const U256 beta = Secp256k1Beta();
    for (int d = 0; d < kVariableWindowMultiples; d += quad::kQuadLanes) {
      const quad::Quad<U256> bx = quad::Mul<Fp>(
          quad::Select(multiples[d].x, multiples[d + 1].x, multiples[d + 2].x, multiples[d + 3].x),
          quad::Select(beta, beta, beta, beta));
      for (int k = 0; k < quad::kQuadLanes; ++k) multiples[d + k].x = quad::Broadcast(bx, k);
    }
  }
  int top = kVariableWindowDigits - 1;
  while (top >= 0 && U256BoothDigit5(m, top) == 0) --top;
  JacobianQuad acc = JacobianQuadFrom(JacobianInfinity());
  for (int i = top; i >= 0; --i) {
    if (!IsInfinity(JacobianQuadTo(acc))) {
      for (int k = 0; k < 5; ++k) acc = QuadPointDouble(acc);
    }
    const int d = U256BoothDigit5(m, i);
    if (d != 0) {
      AffinePoint q = multiples[(d < 0 ? -d : d) - 1];
      if (d < 0) q.y = ModNeg<Fp>(q.y);
      acc = QuadPointAddMixed(acc, q);
    }
  }
  JacobianPoint out = JacobianQuadTo(acc);
  out.z = ModMul<Fp>(out.z, global_z);
  return out;
}

}  // namespace chainaccel::kernels
