// secp256k1 (SEC 2 §2.4.1) for host and device: the field F_p, the scalars mod n, and
// points in Jacobian coordinates; the fixed-base table of G and the double-scalar
// multiplication u1*G + u2*P that ECDSA verification and recovery need.
//
// Variable time throughout (kernels/u256.cuh says why that is right here). Points:
// Jacobian (X, Y, Z) stands for (X/Z^2, Y/Z^3); Z == 0 is the point at infinity. The
// curve is y^2 = x^3 + 7 (a = 0), so doubling uses dbl-2009-l and additions add-2007-bl
// and madd-2007-bl of the Explicit-Formulas Database, with the exceptional cases
// (P = Q, P = -Q, infinity) handled explicitly.
// kernels/secp256k1_test.cc checks all of this on the host against OpenSSL and
// libsecp256k1.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/u256.cuh"

namespace chainaccel::kernels {

// p = 2^256 - 2^32 - 977.
struct Secp256k1Field {
  static constexpr int kCLimbs = 2;
  static constexpr bool kPseudoMersenne = true;  // c = 2^32 + 977
  CHAINACCEL_HD static uint32_t C(int i) { return i == 0 ? 977u : 1u; }
  CHAINACCEL_HD static U256 Modulus() {
    U256 m;
    m.w[0] = 0xFFFFFC2F;
    m.w[1] = 0xFFFFFFFE;
    CHAINACCEL_UNROLL
    for (int i = 2; i < 8; ++i) m.w[i] = 0xFFFFFFFF;
    return m;
  }
};

// n = FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFE BAAEDCE6 AF48A03B BFD25E8C D0364141;
// c = 2^256 - n = 1 4551231950B75FC4 402DA1732FC9BEBF (129 bits).
struct Secp256k1Order {
  static constexpr int kCLimbs = 5;
  static constexpr bool kPseudoMersenne = false;
  CHAINACCEL_HD static uint32_t C(int i) {
    switch (i) {
      case 0: return 0x2FC9BEBF;
      case 1: return 0x402DA173;
      case 2: return 0x50B75FC4;
      case 3: return 0x45512319;
      default: return 1;
    }
  }
  CHAINACCEL_HD static U256 Modulus() {
    U256 m;
    m.w[0] = 0xD0364141;
    m.w[1] = 0xBFD25E8C;
    m.w[2] = 0xAF48A03B;
    m.w[3] = 0xBAAEDCE6;
    m.w[4] = 0xFFFFFFFE;
    m.w[5] = 0xFFFFFFFF;
    m.w[6] = 0xFFFFFFFF;
    m.w[7] = 0xFFFFFFFF;
    return m;
  }
};

using Fp = Secp256k1Field;
using Fn = Secp256k1Order;

// n / 2 (floor): a signature's s is "low" when s <= n / 2.
CHAINACCEL_HD U256 Secp256k1HalfOrder() {
  U256 h;
  h.w[0] = 0x681B20A0;
  h.w[1] = 0xDFE92F46;
  h.w[2] = 0x57A4501D;
  h.w[3] = 0x5D576E73;
  h.w[4] = 0xFFFFFFFF;
  h.w[5] = 0xFFFFFFFF;
  h.w[6] = 0xFFFFFFFF;
  h.w[7] = 0x7FFFFFFF;
  return h;
}

// The endomorphism of secp256k1 (GLV; libsecp256k1's constants, re-derived and checked
// by kernels/secp256k1_test.cc): beta, a cube root of 1 mod p, and lambda, one mod n,
// with (beta x, y) = lambda (x, y) for every point.
CHAINACCEL_HD U256 Secp256k1Beta() {
  const uint32_t w[8] = {0x719501EE, 0xC1396C28, 0x12F58995, 0x9CF04975,
                         0xAC3434E9, 0x6E64479E, 0x657C0710, 0x7AE96A2B};
  return U256FromLimbs(w);
}

CHAINACCEL_HD U256 Secp256k1Lambda() {
  const uint32_t w[8] = {0x1B23BD72, 0xDF02967C, 0x20816678, 0x122E22EA,
                         0x8812645A, 0xA5261C02, 0xC05C30E0, 0x5363AD4C};
  return U256FromLimbs(w);
}

// k = k1 + k2 lambda (mod n) with |k1|, |k2| < 2^128, as magnitudes and signs: k_i =
// neg_i ? n - m_i : m_i.
struct LambdaSplit {
  U256 m1, m2;
  bool neg1, neg2;
};

// round(k g / 2^384) for k, g < 2^256: the top 128 bits of the product, rounded by bit 383.
CHAINACCEL_HD U256 MulShift384(const U256& k, const U256& g) {
  uint32_t t[16];
  U256MulWide(k, g, t);
  U256 r = U256Zero();
  CHAINACCEL_UNROLL
  for (int i = 0; i < 4; ++i) r.w[i] = t[12 + i];
  U256Add(r, U256Small(t[11] >> 31), r);
  return r;
}

// The split of libsecp256k1's secp256k1_scalar_split_lambda (GLV's lattice basis (a1,
// b1), (a2, b2) of the kernel of k -> k1 + k2 lambda; g1 = round(2^384 b2 / n), g2 =
// round(2^384 (-b1) / n)): c1 = round(k g1 / 2^384), c2 = round(k g2 / 2^384), k2 = c1
// (-b1) + c2 (-b2), k1 = k - k2 lambda, all mod n. The bound |k_i| < 2^128 holds for
// every k < n (secp256k1_test.cc checks it on edge and random scalars).
CHAINACCEL_HD LambdaSplit ScalarSplitLambda(const U256& k) {
  const uint32_t g1[8] = {0x45DBB031, 0xE893209A, 0x71E8CA7F, 0x3DAA8A14,
                          0x9284EB15, 0xE86C90E4, 0xA7D46BCD, 0x3086D221};
  const uint32_t g2[8] = {0x8AC47F71, 0x1571B4AE, 0x9DF506C6, 0x221208AC,
                          0x0ABFE4C4, 0x6F547FA9, 0x010E8828, 0xE4437ED6};
  const uint32_t minus_b1[8] = {0x0ABFE4C3, 0x6F547FA9, 0x010E8828, 0xE4437ED6, 0, 0, 0, 0};
  const uint32_t minus_b2[8] = {0x3DB1562C, 0xD765CDA8, 0x0774346D, 0x8A280AC5,
                                0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF};
  const U256 c1 = MulShift384(k, U256FromLimbs(g1));
  const U256 c2 = MulShift384(k, U256FromLimbs(g2));
  const U256 k2 = ModAdd<Fn>(ModMul<Fn>(c1, U256FromLimbs(minus_b1)),
                             ModMul<Fn>(c2, U256FromLimbs(minus_b2)));
  const U256 k1 = ModSub<Fn>(k, ModMul<Fn>(k2, Secp256k1Lambda()));
  LambdaSplit s;
  s.neg1 = U256Less(Secp256k1HalfOrder(), k1);
  s.neg2 = U256Less(Secp256k1HalfOrder(), k2);
  s.m1 = s.neg1 ? ModNeg<Fn>(k1) : k1;
  s.m2 = s.neg2 ? ModNeg<Fn>(k2) : k2;
  return s;
}

struct AffinePoint {
  U256 x, y;
};

struct JacobianPoint {
  U256 x, y, z;
};

CHAINACCEL_HD JacobianPoint JacobianInfinity() {
  return JacobianPoint{U256Small(1), U256Small(1), U256Zero()};
}

CHAINACCEL_HD bool IsInfinity(const JacobianPoint& p) { return U256IsZero(p.z); }

CHAINACCEL_HD JacobianPoint ToJacobian(const AffinePoint& a) {
  return JacobianPoint{a.x, a.y, U256Small(1)};
}

// The generator G.
CHAINACCEL_HD AffinePoint Secp256k1Generator() {
  AffinePoint g;
  const uint32_t x[8] = {0x16F81798, 0x59F2815B, 0x2DCE28D9, 0x029BFCDB,
                         0xCE870B07, 0x55A06295, 0xF9DCBBAC, 0x79BE667E};
  const uint32_t y[8] = {0xFB10D4B8, 0x9C47D08F, 0xA6855419, 0xFD17B448,
                         0x0E1108A8, 0x5DA4FBFC, 0x26A3C465, 0x483ADA77};
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) {
    g.x.w[i] = x[i];
    g.y.w[i] = y[i];
  }
  return g;
}

// x^3 + 7 mod p.
CHAINACCEL_HD U256 CurveRhs(const U256& x) {
  return ModAdd<Fp>(ModMul<Fp>(ModSqr<Fp>(x), x), U256Small(7));
}

// a^((p + 1) / 4) mod p by libsecp256k1's addition chain (secp256k1_fe_sqrt): the
// exponent's binary form is runs of 223, 22 and 2 ones, built from a^(2^j - 1) for j = 2,
// 3, 6, 9, 11, 22, 44, 88, 176, 220, 223: 253 squarings and 13 products, where the
// 4-bit window of ModPow took 252 and ~76 (kernels/secp256k1_test.cc compares the two).
CHAINACCEL_HD U256 FieldPowQuarterPPlus1(const U256& a) {
  const U256 x2 = ModMul<Fp>(ModSqr<Fp>(a), a);
  const U256 x3 = ModMul<Fp>(ModSqr<Fp>(x2), a);
  const U256 x6 = ModMul<Fp>(ModSqrTimes<Fp>(x3, 3), x3);
  const U256 x9 = ModMul<Fp>(ModSqrTimes<Fp>(x6, 3), x3);
  const U256 x11 = ModMul<Fp>(ModSqrTimes<Fp>(x9, 2), x2);
  const U256 x22 = ModMul<Fp>(ModSqrTimes<Fp>(x11, 11), x11);
  const U256 x44 = ModMul<Fp>(ModSqrTimes<Fp>(x22, 22), x22);
  const U256 x88 = ModMul<Fp>(ModSqrTimes<Fp>(x44, 44), x44);
  const U256 x176 = ModMul<Fp>(ModSqrTimes<Fp>(x88, 88), x88);
  const U256 x220 = ModMul<Fp>(ModSqrTimes<Fp>(x176, 44), x44);
  const U256 x223 = ModMul<Fp>(ModSqrTimes<Fp>(x220, 3), x3);
  U256 t = ModMul<Fp>(ModSqrTimes<Fp>(x223, 23), x22);
  t = ModMul<Fp>(ModSqrTimes<Fp>(t, 6), x2);
  return ModSqrTimes<Fp>(t, 2);
}

// A square root of a mod p, if a is a square: p = 3 mod 4, so a^((p + 1) / 4) is one
// whenever one exists; checked by squaring it back.
CHAINACCEL_HD bool FieldSqrt(const U256& a, U256& root) {
  root = FieldPowQuarterPPlus1(a);
  return U256Equal(ModSqr<Fp>(root), a);
}

// The point (x, y) with y of parity `odd`, if x < p is the abscissa of a curve point.
CHAINACCEL_HD bool DecompressPoint(const U256& x, bool odd, AffinePoint& out) {
  U256 y;
  if (!FieldSqrt(CurveRhs(x), y)) return false;
  if ((y.w[0] & 1) != static_cast<uint32_t>(odd)) y = ModNeg<Fp>(y);
  out = AffinePoint{x, y};
  return true;
}

// 2P (dbl-2009-l; a = 0).
CHAINACCEL_HD_CALLED JacobianPoint PointDouble(JacobianPoint p) {
  if (IsInfinity(p) || U256IsZero(p.y)) return JacobianInfinity();
  const U256 a = ModSqr<Fp>(p.x);
  const U256 b = ModSqr<Fp>(p.y);
  const U256 c = ModSqr<Fp>(b);
  U256 d = ModSub<Fp>(ModSub<Fp>(ModSqr<Fp>(ModAdd<Fp>(p.x, b)), a), c);
  d = ModAdd<Fp>(d, d);
  const U256 e = ModAdd<Fp>(ModAdd<Fp>(a, a), a);
  const U256 f = ModSqr<Fp>(e);
  JacobianPoint r;
  r.x = ModSub<Fp>(f, ModAdd<Fp>(d, d));
  U256 c8 = ModAdd<Fp>(c, c);
  c8 = ModAdd<Fp>(c8, c8);
  c8 = ModAdd<Fp>(c8, c8);
  r.y = ModSub<Fp>(ModMul<Fp>(e, ModSub<Fp>(d, r.x)), c8);
  const U256 yz = ModMul<Fp>(p.y, p.z);
  r.z = ModAdd<Fp>(yz, yz);
  return r;
}

// P + Q with Q affine (madd-2007-bl). When z_ratio is not null it receives Z3 / Z1 (2H;
// 2Y1 when P = Q; zero when the sum is infinity or P is).
CHAINACCEL_HD_CALLED JacobianPoint PointAddMixed(JacobianPoint p, AffinePoint q,
                                                 U256* z_ratio = nullptr) {
  if (IsInfinity(p)) {
    if (z_ratio != nullptr) *z_ratio = U256Zero();
    return ToJacobian(q);
  }
  const U256 z1z1 = ModSqr<Fp>(p.z);
  const U256 u2 = ModMul<Fp>(q.x, z1z1);
  const U256 s2 = ModMul<Fp>(ModMul<Fp>(q.y, p.z), z1z1);
  const U256 h = ModSub<Fp>(u2, p.x);
  const U256 s_diff = ModSub<Fp>(s2, p.y);
  if (U256IsZero(h)) {
    // Same x: P = Q (double: Z3 = 2 Y1 Z1) or P = -Q (infinity).
    const bool same = U256IsZero(s_diff);
    if (z_ratio != nullptr) *z_ratio = same ? ModAdd<Fp>(p.y, p.y) : U256Zero();
    return same ? PointDouble(p) : JacobianInfinity();
  }
  const U256 hh = ModSqr<Fp>(h);
  U256 i = ModAdd<Fp>(hh, hh);
  i = ModAdd<Fp>(i, i);
  const U256 j = ModMul<Fp>(h, i);
  const U256 r = ModAdd<Fp>(s_diff, s_diff);
  const U256 v = ModMul<Fp>(p.x, i);
  JacobianPoint out;
  out.x = ModSub<Fp>(ModSub<Fp>(ModSqr<Fp>(r), j), ModAdd<Fp>(v, v));
  const U256 y1j = ModMul<Fp>(p.y, j);
  out.y = ModSub<Fp>(ModMul<Fp>(r, ModSub<Fp>(v, out.x)), ModAdd<Fp>(y1j, y1j));
  out.z = ModSub<Fp>(ModSub<Fp>(ModSqr<Fp>(ModAdd<Fp>(p.z, h)), z1z1), hh);
  if (z_ratio != nullptr) *z_ratio = ModAdd<Fp>(h, h);
  return out;
}

// P + Q (add-2007-bl).
CHAINACCEL_HD_CALLED JacobianPoint PointAdd(JacobianPoint p, JacobianPoint q) {
  if (IsInfinity(p)) return q;
  if (IsInfinity(q)) return p;
  const U256 z1z1 = ModSqr<Fp>(p.z);
  const U256 z2z2 = ModSqr<Fp>(q.z);
  const U256 u1 = ModMul<Fp>(p.x, z2z2);
  const U256 u2 = ModMul<Fp>(q.x, z1z1);
  const U256 s1 = ModMul<Fp>(ModMul<Fp>(p.y, q.z), z2z2);
  const U256 s2 = ModMul<Fp>(ModMul<Fp>(q.y, p.z), z1z1);
  const U256 h = ModSub<Fp>(u2, u1);
  const U256 s_diff = ModSub<Fp>(s2, s1);
  if (U256IsZero(h)) {
    return U256IsZero(s_diff) ? PointDouble(p) : JacobianInfinity();
  }
  const U256 h2 = ModAdd<Fp>(h, h);
  const U256 i = ModSqr<Fp>(h2);
  const U256 j = ModMul<Fp>(h, i);
  const U256 r = ModAdd<Fp>(s_diff, s_diff);
  const U256 v = ModMul<Fp>(u1, i);
  JacobianPoint out;
  out.x = ModSub<Fp>(ModSub<Fp>(ModSqr<Fp>(r), j), ModAdd<Fp>(v, v));
  const U256 s1j = ModMul<Fp>(s1, j);
  out.y = ModSub<Fp>(ModMul<Fp>(r, ModSub<Fp>(v, out.x)), ModAdd<Fp>(s1j, s1j));
  const U256 zz = ModSub<Fp>(ModSub<Fp>(ModSqr<Fp>(ModAdd<Fp>(p.z, q.z)), z1z1), z2z2);
  out.z = ModMul<Fp>(zz, h);
  return out;
}

// (X / Z^2, Y / Z^3) given zi = Z^-1 (computed elsewhere, such as with a warp's others:
// WarpModInv). REQUIRES: p is not infinity.
CHAINACCEL_HD AffinePoint AffineWithInverse(const JacobianPoint& p, const U256& zi) {
  const U256 zi2 = ModSqr<Fp>(zi);
  return AffinePoint{ModMul<Fp>(p.x, zi2), ModMul<Fp>(p.y, ModMul<Fp>(zi2, zi))};
}

// (X / Z^2, Y / Z^3). REQUIRES: p is not infinity.
CHAINACCEL_HD AffinePoint ToAffine(const JacobianPoint& p) {
  return AffineWithInverse(p, ModInv<Fp>(p.z));
}

// The fixed-base table of G: entry [255 * j + d - 1] (j < 32, 1 <= d <= 255) is
// d * 2^(8j) * G, affine. 8 160 points, 522 240 bytes (it stays in the GPU's L2 cache):
// u1 * G is then one mixed addition per non-zero byte of u1 (32 at most) and no
// doubling. With 4-bit windows it would be 64 additions from a 61 KiB table. Built once
// per process on the host (Secp256k1GeneratorTable) and copied to device memory.
inline constexpr int kGeneratorTableWindowBits = 8;
inline constexpr int kGeneratorTableWindows = 256 / kGeneratorTableWindowBits;
inline constexpr int kGeneratorTableDigits = (1 << kGeneratorTableWindowBits) - 1;
inline constexpr int kGeneratorTableEntries = kGeneratorTableDigits * kGeneratorTableWindows;

// The table's kGeneratorTableEntries points, built on the host at the first call
// (~8 000 additions and inversions, ~0.3 s) and kept for the process. Host only;
// thread-safe.
inline const std::vector<AffinePoint>& Secp256k1GeneratorTable() {
  static const std::vector<AffinePoint> table = [] {
    std::vector<AffinePoint> t(kGeneratorTableEntries);
    JacobianPoint base = ToJacobian(Secp256k1Generator());  // 2^(8j) * G
    for (int j = 0; j < kGeneratorTableWindows; ++j) {
      const AffinePoint base_affine = ToAffine(base);
      JacobianPoint multiple = ToJacobian(base_affine);
      for (int d = 1; d <= kGeneratorTableDigits; ++d) {
        t[kGeneratorTableDigits * j + d - 1] = ToAffine(multiple);
        multiple = PointAddMixed(multiple, base_affine);
      }
      base = multiple;  // 256 * 2^(8j) * G
    }
    return t;
  }();
  return table;
}

// The variable base's window: signed 5-bit digits (U256BoothDigit5) over a half-scalar
// below 2^128, 26 digits (130 bits; the top digit's bit 129 is 0), each added from the
// multiples 1..16 of the base (the sign flips Y).
inline constexpr int kVariableWindowDigits = 26;
inline constexpr int kVariableWindowMultiples = 16;

// d * base for d = 1..16 with one common Z ("global Z", as libsecp256k1's
// secp256k1_ge_table_set_globalz), returned: table[d - 1] = (X_d, Y_d) are then affine
// points of the isomorphic curve y^2 = x^3 + 7 Z^6, on which doubling and mixed addition
// (neither uses b) run unchanged, so the scalar multiplication adds them with the mixed
// formula (11 field operations, not the 16 of a Jacobian addition); its result (X, Y, Z')
// there is (X, Y, Z' Z) on secp256k1. No inversion: the chain d P = (d - 1) P + P keeps
// each step's ratio Z_d / Z_(d-1), and every earlier point is scaled to the last one's Z
// by their products (~5 operations a point). base has prime order n, so no step of the
// chain past 2P meets the exceptional cases.
CHAINACCEL_HD U256 MultiplesWithGlobalZ(const AffinePoint& base,
                                        AffinePoint (&table)[kVariableWindowMultiples]) {
  U256 ratio[kVariableWindowMultiples];  // ratio[d - 1] = Z_d / Z_(d-1), d >= 2
  JacobianPoint multiple = ToJacobian(base);
  table[0] = base;
  for (int d = 2; d <= kVariableWindowMultiples; ++d) {
    multiple = PointAddMixed(multiple, base, &ratio[d - 1]);
    table[d - 1] = AffinePoint{multiple.x, multiple.y};
  }
  U256 scale = ratio[kVariableWindowMultiples - 1];  // Z_16 / Z_d, d = 15 first
  for (int d = kVariableWindowMultiples - 1; d >= 1; --d) {
    const U256 scale2 = ModSqr<Fp>(scale);
    table[d - 1].x = ModMul<Fp>(table[d - 1].x, scale2);
    table[d - 1].y = ModMul<Fp>(table[d - 1].y, ModMul<Fp>(scale2, scale));
    if (d > 1) scale = ModMul<Fp>(scale, ratio[d - 1]);
  }
  return multiple.z;
}

// u1 * G for u1 < 2^256 from Secp256k1GeneratorTable's points: one mixed addition per
// non-zero byte of u1, no doubling.
CHAINACCEL_HD JacobianPoint FixedBaseMul(const U256& u1, const AffinePoint* table) {
  static_assert(kGeneratorTableWindowBits == 8, "the digits below are the bytes of u1");
  JacobianPoint fixed = JacobianInfinity();
  for (int j = 0; j < kGeneratorTableWindows; ++j) {
    const uint32_t d = (u1.w[j / 4] >> (8 * (j % 4))) & 0xFF;  // byte j of u1
    if (d != 0) fixed = PointAddMixed(fixed, table[kGeneratorTableDigits * j + d - 1]);
  }
  return fixed;
}

// u1 * G + u2 * P. `table` holds Secp256k1GeneratorTable's points; u1, u2 < n.
// u2 * P by the endomorphism (GLV): u2 = k1 + k2 lambda with |k1|, |k2| < 2^128, so u2 P =
// k1 P + k2 phi(P), phi(x, y) = (beta x, y): one pass of signed 5-bit windows over 130
// bits, 125 doublings and up to 52 mixed additions from the multiples 1..16 of +-P with a
// global Z (the multiples of phi(+-P) are theirs with X times beta, Y negated when the
// signs differ). The windows are fixed, not wNAF: the lanes of a warp add at the same
// steps (with wNAF's sparse digits a warp would wait on an addition at almost every
// bit). u1 * G: up to 32 mixed additions from the table into a second sum, added to the
// first at the end.
CHAINACCEL_HD JacobianPoint DoubleScalarMul(const U256& u1, const U256& u2, const AffinePoint& p,
                                            const AffinePoint* table) {
  const LambdaSplit split = ScalarSplitLambda(u2);
  AffinePoint base = p;  // k1's sign: multiples of +-P
  if (split.neg1) base.y = ModNeg<Fp>(p.y);
  AffinePoint multiples[kVariableWindowMultiples];
  const U256 global_z = MultiplesWithGlobalZ(base, multiples);
  const U256 beta = Secp256k1Beta();
  const bool flip = split.neg1 != split.neg2;
  int top = kVariableWindowDigits - 1;
  while (top >= 0 &&
         (U256BoothDigit5(split.m1, top) | U256BoothDigit5(split.m2, top)) == 0) {
    --top;
  }
  JacobianPoint acc = JacobianInfinity();  // on the isomorphic curve of the multiples
  for (int i = top; i >= 0; --i) {
    if (!IsInfinity(acc)) {
      for (int k = 0; k < 5; ++k) acc = PointDouble(acc);
    }
    const int d1 = U256BoothDigit5(split.m1, i);
    if (d1 != 0) {
      AffinePoint q = multiples[(d1 < 0 ? -d1 : d1) - 1];
      if (d1 < 0) q.y = ModNeg<Fp>(q.y);
      acc = PointAddMixed(acc, q);
    }
    const int d2 = U256BoothDigit5(split.m2, i);
    if (d2 != 0) {
      AffinePoint q = multiples[(d2 < 0 ? -d2 : d2) - 1];
      q.x = ModMul<Fp>(q.x, beta);
      if ((d2 < 0) != flip) q.y = ModNeg<Fp>(q.y);
      acc = PointAddMixed(acc, q);
    }
  }
  acc.z = ModMul<Fp>(acc.z, global_z);  // back on secp256k1 (infinity stays Z = 0)
  return PointAdd(acc, FixedBaseMul(u1, table));
}

// ---- The parts of u1 * G + u2 * P, one a thread (the split kernels' latency path) ------
// u1 * G + u2 * P = u1 * G + k1 * P + k2 * phi(P) (u2 = k1 + k2 lambda): three scalar
// multiplications with no doubling in common, so three threads can compute them at once
// and one adds them up (SumOfParts). The joint ladder of DoubleScalarMul shares its 125
// doublings between both halves and so does less work in all; the parts finish sooner.
// kernels/secp256k1_split.cuh runs them.

// GlvHalfMul's ladder over `multiples`, MultiplesWithGlobalZ's table of +P (which
// returned global_z): k1 * P (endomorphism false) or k2 * phi(P) (true) for one half of a
// LambdaSplit, the half's magnitude m < 2^128 and sign (negate: -m), by the signed 5-bit
// windows of DoubleScalarMul. -(d P) is d P with Y negated on the same curve of the
// global Z, so a digit's sign and the half's combine into one negation (the coordinates
// differ from a table built from -P, the points do not);
// phi's multiples are P's with X times beta, taken as each is added. `multiples` may be
// in shared memory (the split kernels' key role builds it while the scalar role inverts).
CHAINACCEL_HD JacobianPoint GlvHalfLadder(const U256& m, bool negate, bool endomorphism,
                                          const AffinePoint* multiples, const U256& global_z) {
  int top = kVariableWindowDigits - 1;
  while (top >= 0 && U256BoothDigit5(m, top) == 0) --top;
  JacobianPoint acc = JacobianInfinity();  // on the isomorphic curve of the multiples
  for (int i = top; i >= 0; --i) {
    if (!IsInfinity(acc)) {
      for (int k = 0; k < 5; ++k) acc = PointDouble(acc);
    }
    const int d = U256BoothDigit5(m, i);
    if (d != 0) {
      AffinePoint q = multiples[(d < 0 ? -d : d) - 1];
      if (endomorphism) q.x = ModMul<Fp>(q.x, Secp256k1Beta());
      if ((d < 0) != negate) q.y = ModNeg<Fp>(q.y);
      acc = PointAddMixed(acc, q);
    }
  }
  acc.z = ModMul<Fp>(acc.z, global_z);
  return acc;
}

// k1 * P (endomorphism false) or k2 * phi(P) (true) for one half of a LambdaSplit: the
// half's magnitude m < 2^128 and sign (negate: -m), by the signed 5-bit windows of
// DoubleScalarMul over the multiples of P with a global Z (GlvHalfLadder).
CHAINACCEL_HD JacobianPoint GlvHalfMul(const U256& m, bool negate, bool endomorphism,
                                       const AffinePoint& p) {
  AffinePoint multiples[kVariableWindowMultiples];
  const U256 global_z = MultiplesWithGlobalZ(p, multiples);
  return GlvHalfLadder(m, negate, endomorphism, multiples, global_z);
}

// The sum of the three parts (any of them may be infinity).
CHAINACCEL_HD JacobianPoint SumOfParts(const JacobianPoint& fixed, const JacobianPoint& first,
                                       const JacobianPoint& second) {
  return PointAdd(PointAdd(first, second), fixed);
}

}  // namespace chainaccel::kernels
