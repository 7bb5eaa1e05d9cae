// Ed25519 verification (RFC 8032) with libsodium 1.0.18's crypto_sign_verify_detached
// acceptance rules, for host and device, and the CPU engine's classification of a
// rejection (crypto/signatures.h: VerifyEd25519).
//
// Field F_p, p = 2^255 - 19, in the U256 arithmetic of kernels/u256.cuh (2^256 = 38 mod p);
// points on -x^2 + y^2 = 1 + d x^2 y^2 in extended coordinates (X : Y : Z : T), T = XY/Z,
// with the complete addition and doubling formulas of Hisil-Wong-Carter-Dawson
// (add-2008-hwcd-3, dbl-2008-hwcd; a = -1), so no case needs special handling.
// Variable time (kernels/u256.cuh says why that is right here).
//
// A record (kEd25519RecordBytes) staged per item on the host: [0, 32) the public key,
// [32, 96) the signature R || S, 96 flags (kEd25519FlagBadKeySize: the key is not 32
// bytes; kEd25519FlagBadSignatureSize: the signature is not 64 bytes). The message stays
// where the host put it (any length).
#pragma once

#include <cstdint>
#include <vector>

#include "core/task.h"
#include "kernels/item_message.cuh"
#include "kernels/sha512.cuh"
#include "kernels/split_verify.cuh"
#include "kernels/u256.cuh"

namespace chainaccel::kernels {

inline constexpr int kEd25519RecordBytes = 112;
inline constexpr uint8_t kEd25519FlagBadKeySize = 1;
inline constexpr uint8_t kEd25519FlagBadSignatureSize = 2;

// p = 2^255 - 19: 2^256 = 2p + 38, so the fold of kernels/u256.cuh uses c = 38.
struct Ed25519Field {
  static constexpr int kCLimbs = 1;
  static constexpr bool kPseudoMersenne = false;
  CHAINACCEL_HD static uint32_t C(int) { return 38; }
  CHAINACCEL_HD static U256 Modulus() {
    U256 m;
    m.w[0] = 0xFFFFFFED;
    CHAINACCEL_UNROLL
    for (int i = 1; i < 7; ++i) m.w[i] = 0xFFFFFFFF;
    m.w[7] = 0x7FFFFFFF;
    return m;
  }
};
using Fe = Ed25519Field;

// d = -121665 / 121666, 2d, sqrt(-1) = 2^((p - 1) / 4), the group order L.
CHAINACCEL_HD U256 Ed25519D() {
  const uint32_t w[8] = {0x135978A3, 0x75EB4DCA, 0x4141D8AB, 0x00700A4D,
                         0x7779E898, 0x8CC74079, 0x2B6FFE73, 0x52036CEE};
  return U256FromLimbs(w);
}
CHAINACCEL_HD U256 Ed25519D2() {
  const uint32_t w[8] = {0x26B2F159, 0xEBD69B94, 0x8283B156, 0x00E0149A,
                         0xEEF3D130, 0x198E80F2, 0x56DFFCE7, 0x2406D9DC};
  return U256FromLimbs(w);
}
CHAINACCEL_HD U256 Ed25519SqrtM1() {
  const uint32_t w[8] = {0x4A0EA0B0, 0xC4EE1B27, 0xAD2FE478, 0x2F431806,
                         0x3DFBD7A7, 0x2B4D0099, 0x4FC1DF0B, 0x2B832480};
  return U256FromLimbs(w);
}
CHAINACCEL_HD U256 Ed25519Order() {
  const uint32_t w[8] = {0x5CF5D3ED, 0x5812631A, 0xA2F79CD6, 0x14DEF9DE,
                         0x00000000, 0x00000000, 0x00000000, 0x10000000};
  return U256FromLimbs(w);
}

// The little-endian 32 bytes at p.
CHAINACCEL_HD U256 U256FromBytesLE(const uint8_t* p) {
  U256 r;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) {
    r.w[i] = static_cast<uint32_t>(p[4 * i]) | static_cast<uint32_t>(p[4 * i + 1]) << 8 |
             static_cast<uint32_t>(p[4 * i + 2]) << 16 | static_cast<uint32_t>(p[4 * i + 3]) << 24;
  }
  return r;
}

struct EdPoint {
  U256 x, y, z, t;
};

// An affine point pre-added for mixed addition: y + x, y - x, 2d x y.
struct EdPrecomputed {
  U256 y_plus_x, y_minus_x, t2d;
};

CHAINACCEL_HD EdPoint EdIdentity() { return EdPoint{U256Zero(), U256Small(1), U256Small(1), U256Zero()}; }

// The field operations of the point formulas below, in two precisions. FeExact: results
// below p (u256.cuh's ModMul and the rest), for points that are compared, encoded or
// handed to other code. FeWeak: results below 2p, congruent mod p (u256.cuh's weak
// arithmetic), for the inner steps of a ladder, whose point EdReduceWeak brings below p
// at its end. Either takes the other's values.
struct FeExact {
  CHAINACCEL_HD static U256 Mul(const U256& a, const U256& b) { return ModMul<Fe>(a, b); }
  CHAINACCEL_HD static U256 Sqr(const U256& a) { return ModSqr<Fe>(a); }
  CHAINACCEL_HD static U256 Add(const U256& a, const U256& b) { return ModAdd<Fe>(a, b); }
  CHAINACCEL_HD static U256 Sub(const U256& a, const U256& b) { return ModSub<Fe>(a, b); }
  CHAINACCEL_HD static U256 Neg(const U256& a) { return ModNeg<Fe>(a); }
};
struct FeWeak {
  CHAINACCEL_HD static U256 Mul(const U256& a, const U256& b) { return ModMulWeak<Fe>(a, b); }
  CHAINACCEL_HD static U256 Sqr(const U256& a) { return ModSqrWeak<Fe>(a); }
  CHAINACCEL_HD static U256 Add(const U256& a, const U256& b) { return ModAddWeak<Fe>(a, b); }
  CHAINACCEL_HD static U256 Sub(const U256& a, const U256& b) { return ModSubWeak<Fe>(a, b); }
  CHAINACCEL_HD static U256 Neg(const U256& a) { return ModSubWeak<Fe>(U256Zero(), a); }
};

// A point cached for repeated addition: Y + X, Y - X, 2d T, 2Z.
struct EdCached {
  U256 y_plus_x, y_minus_x, t2d, z2;
};

CHAINACCEL_HD EdCached EdToCached(const EdPoint& p) {
  return EdCached{ModAdd<Fe>(p.y, p.x), ModSub<Fe>(p.y, p.x), ModMul<Fe>(p.t, Ed25519D2()),
                  ModAdd<Fe>(p.z, p.z)};
}

// P + Q with Q cached (add-2008-hwcd-3, complete): 8 products. negate: P - Q instead (Y + X
// and Y - X of Q trade places, 2dT changes sign), without a copy of Q.
template <class F = FeExact>
CHAINACCEL_HD EdPoint EdAddCached(const EdPoint& p, const EdCached& q, bool negate = false) {
  const U256 a = F::Mul(F::Sub(p.y, p.x), negate ? q.y_plus_x : q.y_minus_x);
  const U256 b = F::Mul(F::Add(p.y, p.x), negate ? q.y_minus_x : q.y_plus_x);
  U256 c = F::Mul(p.t, q.t2d);
  if (negate) c = F::Neg(c);
  const U256 d = F::Mul(p.z, q.z2);
  const U256 e = F::Sub(b, a), f = F::Sub(d, c), g = F::Add(d, c), h = F::Add(b, a);
  return EdPoint{F::Mul(e, f), F::Mul(g, h), F::Mul(f, g), F::Mul(e, h)};
}

// P + Q (complete).
CHAINACCEL_HD EdPoint EdAdd(const EdPoint& p, const EdPoint& q) {
  return EdAddCached(p, EdToCached(q));
}

// P + Q with Q precomputed (Z = 1): 7 products.
template <class F = FeExact>
CHAINACCEL_HD EdPoint EdAddPrecomputed(const EdPoint& p, const EdPrecomputed& q) {
  const U256 a = F::Mul(F::Sub(p.y, p.x), q.y_minus_x);
  const U256 b = F::Mul(F::Add(p.y, p.x), q.y_plus_x);
  const U256 c = F::Mul(p.t, q.t2d);
  const U256 d = F::Add(p.z, p.z);
  const U256 e = F::Sub(b, a), f = F::Sub(d, c), g = F::Add(d, c), h = F::Add(b, a);
  return EdPoint{F::Mul(e, f), F::Mul(g, h), F::Mul(f, g), F::Mul(e, h)};
}

// 2P (dbl-2008-hwcd with a = -1; it reads X, Y, Z only). kWithT = false leaves T unset
// (zero), saving a product, for a result that is only doubled again.
template <bool kWithT = true, class F = FeExact>
CHAINACCEL_HD EdPoint EdDouble(const EdPoint& p) {
  const U256 a = F::Sqr(p.x);
  const U256 b = F::Sqr(p.y);
  const U256 zz = F::Sqr(p.z);
  const U256 c = F::Add(zz, zz);
  const U256 d = F::Neg(a);
  const U256 e = F::Sub(F::Sub(F::Sqr(F::Add(p.x, p.y)), a), b);
  const U256 g = F::Add(d, b);
  const U256 f = F::Sub(g, c);
  const U256 h = F::Sub(d, b);
  return EdPoint{F::Mul(e, f), F::Mul(g, h), F::Mul(f, g), kWithT ? F::Mul(e, h) : U256Zero()};
}

// P with every coordinate below p (a point of the FeWeak formulas, made exact).
CHAINACCEL_HD EdPoint EdReduceWeak(const EdPoint& p) {
  return EdPoint{ModReduceWeak<Fe>(p.x), ModReduceWeak<Fe>(p.y), ModReduceWeak<Fe>(p.z),
                 ModReduceWeak<Fe>(p.t)};
}

CHAINACCEL_HD EdPoint EdNegate(const EdPoint& p) {
  return EdPoint{ModNeg<Fe>(p.x), p.y, p.z, ModNeg<Fe>(p.t)};
}

CHAINACCEL_HD bool EdIsIdentity(const EdPoint& p) {
  return U256IsZero(p.x) && U256Equal(p.y, p.z);
}

// z^(2^250 - 1) and z^11, the common head of FeInvert and FePow22523, both weak (below 2p,
// congruent mod p; their callers' last product is exact): the addition chain 2, 9, 11,
// 2^5 - 1, 2^10 - 1, 2^20 - 1, 2^40 - 1, 2^50 - 1, 2^100 - 1, 2^200 - 1, 2^250 - 1 (254
// squarings and 11 products; a 4-bit window takes 252 and 77).
CHAINACCEL_HD U256 FePow2p250m1(const U256& z, U256& z11) {
  const U256 z2 = ModSqrWeak<Fe>(z);
  const U256 z9 = ModMulWeak<Fe>(ModSqrTimes<Fe, Reduction::kWeak>(z2, 2), z);
  z11 = ModMulWeak<Fe>(z9, z2);
  const U256 e5 = ModMulWeak<Fe>(ModSqrWeak<Fe>(z11), z9);  // 2^5 - 1
  const U256 e10 = ModMulWeak<Fe>(ModSqrTimes<Fe, Reduction::kWeak>(e5, 5), e5);
  const U256 e20 = ModMulWeak<Fe>(ModSqrTimes<Fe, Reduction::kWeak>(e10, 10), e10);
  const U256 e40 = ModMulWeak<Fe>(ModSqrTimes<Fe, Reduction::kWeak>(e20, 20), e20);
  const U256 e50 = ModMulWeak<Fe>(ModSqrTimes<Fe, Reduction::kWeak>(e40, 10), e10);
  const U256 e100 = ModMulWeak<Fe>(ModSqrTimes<Fe, Reduction::kWeak>(e50, 50), e50);
  const U256 e200 = ModMulWeak<Fe>(ModSqrTimes<Fe, Reduction::kWeak>(e100, 100), e100);
  return ModMulWeak<Fe>(ModSqrTimes<Fe, Reduction::kWeak>(e200, 50), e50);
}

// z^(p - 2) = z^-1 (0 for 0). Not u256.cuh's binary Euclid ModInv: that one saves ~6 % of
// a verification's counted limb products here, but on the H200 it measured no faster
// (2^20 items 95.3 -> 96.2 ms, 1,024 items 3.35 -> 3.48 ms, 2026-12-04, kernels/NOTES.md):
// mod 2^255 - 19 the chain's squares take the cheap reduction, and the lanes of a warp
// wait for the slowest lane's Euclid loop.
CHAINACCEL_HD U256 FeInvert(const U256& z) {
  U256 z11;
  const U256 e250 = FePow2p250m1(z, z11);
  return ModMul<Fe>(ModSqrTimes<Fe, Reduction::kWeak>(e250, 5), z11);  // 2^255 - 32 + 11
}

// z^((p - 5) / 8) = z^(2^252 - 3), the exponent of the square root in decoding.
CHAINACCEL_HD U256 FePow22523(const U256& z) {
  U256 z11;
  const U256 e250 = FePow2p250m1(z, z11);
  return ModMul<Fe>(ModSqrTimes<Fe, Reduction::kWeak>(e250, 2), z);  // 2^252 - 4 + 1
}

// The 32-byte encoding: y little-endian, the sign (parity) of x in the top bit.
CHAINACCEL_HD void EdEncode(const EdPoint& p, uint8_t out[32]) {
  const U256 zi = FeInvert(p.z);
  const U256 x = ModMul<Fe>(p.x, zi);
  const U256 y = ModMul<Fe>(p.y, zi);
  for (int i = 0; i < 8; ++i) {
    for (int k = 0; k < 4; ++k) out[4 * i + k] = static_cast<uint8_t>(y.w[i] >> (8 * k));
  }
  out[31] |= static_cast<uint8_t>((x.w[0] & 1) << 7);
}

// libsodium's ge25519_is_canonical: the y encoded (sign bit aside) is below p.
CHAINACCEL_HD bool EdIsCanonical(const uint8_t s[32]) {
  U256 y = U256FromBytesLE(s);
  y.w[7] &= 0x7FFFFFFF;
  return U256Less(y, Fe::Modulus());
}

// libsodium's ge25519_has_small_order: the encoding (sign bit aside) is one of the seven
// y values of the points of order 1, 2, 4 and 8, canonical or not: 0 (order 4), 1
// (identity), the two order-8 y, p - 1 (order 2), p and p + 1 (0 and 1 again).
CHAINACCEL_HD bool EdHasSmallOrder(const uint8_t s[32]) {
  U256 y = U256FromBytesLE(s);
  y.w[7] &= 0x7FFFFFFF;
  const uint32_t order8_a[8] = {0x8F95E826, 0xB027B2C2, 0x89F4C345, 0xF098EFF2,
                                0x05ACDFD5, 0x3933C6D3, 0x880238B1, 0x05FC536D};
  const uint32_t order8_b[8] = {0x706A17C7, 0x4FD84D3D, 0x760B3CBA, 0x0F67100D,
                                0xFA53202A, 0xC6CC392C, 0x77FDC74E, 0x7A03AC92};
  if (U256Equal(y, U256FromLimbs(order8_a)) || U256Equal(y, U256FromLimbs(order8_b))) {
    return true;
  }
  U256 p_minus_1;
  U256Sub(Fe::Modulus(), U256Small(1), p_minus_1);
  U256 diff;  // y - (p - 1) in {0, 1, 2} for p - 1, p, p + 1
  if (U256Sub(y, p_minus_1, diff) == 0 && U256Less(diff, U256Small(3))) return true;
  return U256Less(y, U256Small(2));  // 0 or 1
}

// Decodes s into (x, y) with x's parity from the top bit (libsodium's decoding: y is
// taken mod p, x = sqrt((y^2 - 1) / (d y^2 + 1)) by the exponent (p - 5) / 8 and a
// fix-up by sqrt(-1)); false when no x exists. REQUIRES nothing about canonicity.
CHAINACCEL_HD bool EdDecode(const uint8_t s[32], EdPoint& out) {
  U256 y = U256FromBytesLE(s);
  y.w[7] &= 0x7FFFFFFF;
  y = ModReduce<Fe>(y);
  const U256 yy = ModSqr<Fe>(y);
  const U256 u = ModSub<Fe>(yy, U256Small(1));
  const U256 v = ModAdd<Fe>(ModMul<Fe>(Ed25519D(), yy), U256Small(1));
  const U256 v3 = ModMul<Fe>(ModSqr<Fe>(v), v);
  const U256 v7 = ModMul<Fe>(ModSqr<Fe>(v3), v);
  U256 x = ModMul<Fe>(ModMul<Fe>(u, v3), FePow22523(ModMul<Fe>(u, v7)));
  const U256 vxx = ModMul<Fe>(v, ModSqr<Fe>(x));
  if (!U256Equal(vxx, u)) {
    if (!U256Equal(vxx, ModNeg<Fe>(u))) return false;
    x = ModMul<Fe>(x, Ed25519SqrtM1());
  }
  if ((x.w[0] & 1) != static_cast<uint32_t>(s[31] >> 7)) x = ModNeg<Fe>(x);
  out = EdPoint{x, y, U256Small(1), ModMul<Fe>(x, y)};
  return true;
}

// The base point B.
CHAINACCEL_HD EdPoint Ed25519Base() {
  const uint32_t x[8] = {0x8F25D51A, 0xC9562D60, 0x9525A7B2, 0x692CC760,
                         0xFDD6DC5C, 0xC0A4E231, 0xCD6E53FE, 0x216936D3};
  const uint32_t y[8] = {0x66666658, 0x66666666, 0x66666666, 0x66666666,
                         0x66666666, 0x66666666, 0x66666666, 0x66666666};
  const U256 bx = U256FromLimbs(x), by = U256FromLimbs(y);
  return EdPoint{bx, by, U256Small(1), ModMul<Fe>(bx, by)};
}

// The fixed-base table of B: entry [255 * j + d - 1] is d * 2^(8j) * B (j < 32,
// 1 <= d <= 255), precomputed for mixed addition. 8 160 entries, 783 360 bytes.
inline constexpr int kEd25519TableWindows = 32;
inline constexpr int kEd25519TableDigits = 255;
inline constexpr int kEd25519TableEntries = kEd25519TableWindows * kEd25519TableDigits;

CHAINACCEL_HD EdPrecomputed EdPrecompute(const EdPoint& p) {
  const U256 zi = FeInvert(p.z);
  const U256 x = ModMul<Fe>(p.x, zi), y = ModMul<Fe>(p.y, zi);
  return EdPrecomputed{ModAdd<Fe>(y, x), ModSub<Fe>(y, x),
                       ModMul<Fe>(ModMul<Fe>(x, y), Ed25519D2())};
}

// The table's kEd25519TableEntries entries, built on the host at the first call (~0.5 s)
// and kept for the process. Host only; thread-safe.
inline const std::vector<EdPrecomputed>& Ed25519BaseTable() {
  static const std::vector<EdPrecomputed> table = [] {
    std::vector<EdPrecomputed> t(kEd25519TableEntries);
    EdPoint base = Ed25519Base();  // 2^(8j) * B
    for (int j = 0; j < kEd25519TableWindows; ++j) {
      EdPoint multiple = base;
      for (int d = 1; d <= kEd25519TableDigits; ++d) {
        t[kEd25519TableDigits * j + d - 1] = EdPrecompute(multiple);
        multiple = EdAdd(multiple, base);
      }
      base = multiple;  // 256 * 2^(8j) * B
    }
    return t;
  }();
  return table;
}

// The variable base's window: signed 5-bit digits (U256BoothDigit5) over b < 2^254, 51
// digits (255 bits; the top digit's bit 254 is 0), each added from the cached multiples
// 1..16 of P (a negative digit subtracts it: EdAddCached's negate).
inline constexpr int kEdVariableWindowDigits = 51;
inline constexpr int kEdVariableWindowMultiples = 16;

// The cached multiples 1..16 of P, for EdWindowedMul.
CHAINACCEL_HD void EdCachedMultiples(const EdPoint& p,
                                     EdCached (&multiples)[kEdVariableWindowMultiples]) {
  multiples[0] = EdToCached(p);
  EdPoint multiple = p;
  for (int d = 2; d <= kEdVariableWindowMultiples; ++d) {
    multiple = EdAddCached(multiple, multiples[0]);
    multiples[d - 1] = EdToCached(multiple);
  }
}

// [32]P, one window's doublings: four of the five skip T (only an addition reads it).
template <class F = FeExact>
CHAINACCEL_HD EdPoint EdWindowDoublings(EdPoint p) {
  p = EdDouble<false, F>(p);
  p = EdDouble<false, F>(p);
  p = EdDouble<false, F>(p);
  p = EdDouble<false, F>(p);
  return EdDouble<true, F>(p);
}

// b * P for b < 2^254 (little-endian limbs) from P's cached multiples: signed 5-bit
// windows (at most 51 additions where unsigned 4-bit windows took 64; four of each five
// doublings skip T). The windows are fixed, not wNAF, so the lanes of a warp add at the
// same steps. The ladder's steps are weak (FeWeak); the result is exact.
CHAINACCEL_HD EdPoint EdWindowedMul(const U256& b,
                                    const EdCached (&multiples)[kEdVariableWindowMultiples]) {
  EdPoint acc = EdIdentity();
  for (int i = kEdVariableWindowDigits - 1; i >= 0; --i) {
    acc = EdWindowDoublings<FeWeak>(acc);
    const int d = U256BoothDigit5(b, i);
    // One addition for either sign, so that lanes of both signs add together.
    if (d != 0) acc = EdAddCached<FeWeak>(acc, multiples[(d < 0 ? -d : d) - 1], d < 0);
  }
  return EdReduceWeak(acc);
}

// acc + a * B for a < 2^256 from the table (Ed25519BaseTable's entries): one mixed
// addition per non-zero byte of a, weak (FeWeak); the result is exact.
CHAINACCEL_HD EdPoint EdAddFixedBaseMul(EdPoint acc, const U256& a, const EdPrecomputed* table) {
  for (int j = 0; j < kEd25519TableWindows; ++j) {
    const uint32_t d = (a.w[j / 4] >> (8 * (j % 4))) & 0xFF;
    if (d != 0) acc = EdAddPrecomputed<FeWeak>(acc, table[kEd25519TableDigits * j + d - 1]);
  }
  return EdReduceWeak(acc);
}

// a * B + b * P for scalars a < 2^256 and b < 2^254: EdWindowedMul, then a * B added.
CHAINACCEL_HD EdPoint EdDoubleScalarMul(const U256& a, const U256& b, const EdPoint& p,
                                        const EdPrecomputed* table) {
  EdCached multiples[kEdVariableWindowMultiples];
  EdCachedMultiples(p, multiples);
  return EdAddFixedBaseMul(EdWindowedMul(b, multiples), a, table);
}

// The 64-byte little-endian number h mod L: Barrett's reduction (Handbook of Applied
// Cryptography, 14.42) with base 2^32 and k = 8 limbs: q = floor(floor(h / 2^224) mu /
// 2^288), mu = floor(2^512 / L) (260 bits), then h - q L mod 2^288, which is below 3L,
// less L at most twice. ~150 limb products where bitwise long division took ~20,000
// instructions (512 shifts, compares and subtractions of 8 limbs).
CHAINACCEL_HD U256 Ed25519ReduceWide(const uint8_t h[64]) {
  constexpr int kLimbs = 9;  // k + 1
  const uint32_t mu[kLimbs] = {0x0A2C131B, 0xED9CE5A3, 0x086329A7, 0x2106215D, 0xFFFFFFEB,
                               0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0x0000000F};
  const U256 h_low = U256FromBytesLE(h), h_high = U256FromBytesLE(h + 32);
  uint32_t x[16];
  for (int i = 0; i < 8; ++i) {
    x[i] = h_low.w[i];
    x[8 + i] = h_high.w[i];
  }
  // q2 = q1 mu, q1 = x[7..15]; only limbs 9.. of q2 (q3) are kept, but the lower ones carry.
  uint32_t q2[2 * kLimbs] = {};
  for (int i = 0; i < kLimbs; ++i) {
    uint64_t carry = 0;
    for (int j = 0; j < kLimbs; ++j) {
      const uint64_t t = static_cast<uint64_t>(x[7 + i]) * mu[j] + q2[i + j] + carry;
      q2[i + j] = static_cast<uint32_t>(t);
      carry = t >> 32;
    }
    q2[i + kLimbs] = static_cast<uint32_t>(carry);
  }
  const uint32_t* q3 = q2 + kLimbs;
  // r2 = q3 L mod 2^288.
  const U256 l = Ed25519Order();
  uint32_t r2[kLimbs] = {};
  for (int i = 0; i < kLimbs; ++i) {
    uint64_t carry = 0;
    for (int j = 0; i + j < kLimbs; ++j) {
      const uint64_t t = static_cast<uint64_t>(q3[i]) * (j < 8 ? l.w[j] : 0u) + r2[i + j] + carry;
      r2[i + j] = static_cast<uint32_t>(t);
      carry = t >> 32;
    }
  }
  // r = x mod 2^288 - r2 (mod 2^288: a borrow out of the top limb is dropped).
  uint32_t r[kLimbs];
  uint32_t borrow = 0;
  for (int i = 0; i < kLimbs; ++i) {
    const uint64_t t = static_cast<uint64_t>(x[i]) - r2[i] - borrow;
    r[i] = static_cast<uint32_t>(t);
    borrow = static_cast<uint32_t>(t >> 63);
  }
  for (int round = 0; round < 2; ++round) {  // r < 3L
    U256 low;
    for (int i = 0; i < 8; ++i) low.w[i] = r[i];
    if (r[8] == 0 && U256Less(low, l)) break;
    uint32_t b = U256Sub(low, l, low);
    for (int i = 0; i < 8; ++i) r[i] = low.w[i];
    r[8] -= b;
  }
  U256 out;
  for (int i = 0; i < 8; ++i) out.w[i] = r[i];
  return out;
}

// What VerifyEd25519Record checks before the equation, from the record's bytes alone
// (EdCheckEncodings), and whether A decodes (set by the caller that decodes it).
struct EdChecks {
  ItemStatus size_verdict;  // ITEM_OK unless the key or the signature has a wrong size
  bool s_canonical;         // S < L
  bool key_canonical;       // A's y below p
  bool encodings_ok;        // S < L, R and A not of small order, A canonical
  bool key_decodes;
  U256 s;
  // libsodium tries the equation: every check above passes and A decodes.
  CHAINACCEL_HD bool Attempt() const {
    return size_verdict == ItemStatus::kOk && encodings_ok && key_decodes;
  }
};

CHAINACCEL_HD EdChecks EdCheckEncodings(const uint8_t* record) {
  EdChecks c{ItemStatus::kOk, false, false, false, false, U256Zero()};
  const uint8_t flags = record[96];
  if (flags & kEd25519FlagBadKeySize) {
    c.size_verdict = ItemStatus::kMalformedPublicKey;
  } else if (flags & kEd25519FlagBadSignatureSize) {
    c.size_verdict = ItemStatus::kMalformedSignature;
  }
  if (c.size_verdict != ItemStatus::kOk) return c;
  const uint8_t* key = record;
  c.s = U256FromBytesLE(record + 64);
  c.s_canonical = U256Less(c.s, Ed25519Order());
  c.key_canonical = EdIsCanonical(key);
  c.encodings_ok = c.s_canonical && !EdHasSmallOrder(record + 32) && c.key_canonical &&
                   !EdHasSmallOrder(key);
  return c;
}

// EdCheckEncodings, and A decoded into `a` (key_decodes) when the sizes are right (else
// `a` is the identity).
CHAINACCEL_HD EdChecks EdCheckRecord(const uint8_t* record, EdPoint& a) {
  EdChecks c = EdCheckEncodings(record);
  a = EdIdentity();
  if (c.size_verdict == ItemStatus::kOk) c.key_decodes = EdDecode(record, a);
  return c;
}

// The verdict when the equation is not tried or does not hold (the CPU engine's
// classification of libsodium's rejection): the size's; ITEM_MALFORMED_PUBLIC_KEY when A
// is never acceptable (y >= p, no curve point, or [8]A the identity); else
// ITEM_MALFORMED_SIGNATURE when S >= L; else ITEM_INVALID. `a` is A when it decodes.
CHAINACCEL_HD ItemStatus EdFailure(const EdChecks& c, const EdPoint& a) {
  if (c.size_verdict != ItemStatus::kOk) return c.size_verdict;
  if (!c.key_canonical || !c.key_decodes || EdIsIdentity(EdDouble(EdDouble(EdDouble(a))))) {
    return ItemStatus::kMalformedPublicKey;
  }
  if (!c.s_canonical) return ItemStatus::kMalformedSignature;
  return ItemStatus::kInvalid;
}

// k = SHA-512(R || A || M) mod L.
CHAINACCEL_HD U256 Ed25519Challenge(const uint8_t* record, const uint8_t* message,
                                    uint64_t message_size) {
  uint8_t digest[64];
  Sha512Segments(record + 32, 32, record, 32, message, message_size, digest);
  return Ed25519ReduceWide(digest);
}

// VerifyEd25519 of the CPU engine (libsodium 1.0.18's verdict, then its classification):
// sizes; libsodium accepts when S < L, R is not of small order, A is canonical, not of
// small order and decodes, and the encoding of [S]B - [k]A, k = SHA-512(R || A || M)
// mod L, equals R byte for byte (the cofactorless equation, as libsodium checks it);
// otherwise EdFailure's verdict.
CHAINACCEL_HD ItemStatus VerifyEd25519Record(const uint8_t* record, const uint8_t* message,
                                             uint64_t message_size,
                                             const EdPrecomputed* table) {
  EdPoint a;
  const EdChecks c = EdCheckRecord(record, a);
  if (c.Attempt()) {
    const U256 k = Ed25519Challenge(record, message, message_size);
    const EdPoint check = EdDoubleScalarMul(c.s, k, EdNegate(a), table);
    uint8_t encoded[32];
    EdEncode(check, encoded);
    bool equal = true;
    for (int i = 0; i < 32; ++i) equal = equal && encoded[i] == record[32 + i];
    if (equal) return ItemStatus::kOk;
  }
  return EdFailure(c, a);
}

// ---- The split layout (kernels/split_verify.cuh) ---------------------------------------
// VerifyEd25519Record's work on three threads:
//   phase 1  warp 1: A decoded and the cached multiples of -A (kept in the thread);
//            warp 2: k = SHA-512(R || A || M) mod L;
//            warp 0: the checks and EdFailure's verdict (A decoded again, for the
//            [8]A rule), and [S]B;
//   phase 2  warp 1: [k](-A); warp 2: R decoded, for a comparison without an inversion;
//   phase 3  warp 0: [S]B + [k](-A) compared with R, the statuses of VerifyEd25519Record.
// The hash, [S]B's additions and the final inversion of EdEncode leave the critical path.
// The comparison: the encoding of a point P equals R's 32 bytes exactly when R's y is
// below p, R decodes, R's x is not zero with the sign bit set (an encoding never has
// that), and P = (x_R, y_R): X = x_R Z and Y = y_R Z (Z is never zero in these
// coordinates).

// What an item's threads hand each other (shared memory on the device).
struct EdSplitParts {
  U256 k;              // warp 2, phase 1, when k_ok
  EdPoint scaled_key;  // [k](-A): warp 1, phase 2, when product_ok
  U256 r_x, r_y;       // R decoded: warp 2, phase 2, when r_ok
  bool k_ok, product_ok, r_ok;
};

// Warp 1's multiples of -A, from phase 1 to phase 2.
struct EdSplitCarried {
  EdCached multiples[kEdVariableWindowMultiples];
  bool ok;
};

// Warp 0's part: whether the equation is tried, the verdict when it fails, and [S]B.
struct EdSplitFixed {
  bool attempt;
  ItemStatus failure;
  EdPoint s_b;
};

// The encoding's rule for R as a point: canonical y, decodes, not x = 0 with the sign set.
CHAINACCEL_HD bool EdDecodeForComparison(const uint8_t r_bytes[32], U256& x, U256& y) {
  EdPoint r;
  if (!EdIsCanonical(r_bytes) || !EdDecode(r_bytes, r)) return false;
  if (U256IsZero(r.x) && (r_bytes[31] >> 7) != 0) return false;
  x = r.x;
  y = r.y;
  return true;
}

// Statuses as VerifyEd25519Record's, written to statuses[i]; messages as
// LaunchEd25519Verify takes them (digests + 32 i when digests is not null, else bytes
// [offsets[i], offsets[i + 1]) of messages).
struct Ed25519VerifyRoles {
  using Parts = EdSplitParts;
  using Carried = EdSplitCarried;
  using Fixed = EdSplitFixed;

  const uint8_t* records;
  const uint8_t* messages;
  const uint64_t* offsets;
  const uint8_t* digests;
  const EdPrecomputed* table;
  uint8_t* statuses;

  CHAINACCEL_HD const uint8_t* Record(uint64_t i) const {
    return records + kEd25519RecordBytes * i;
  }

  CHAINACCEL_HD void FirstPhase(int role, uint64_t i, EdSplitParts& parts,
                                EdSplitCarried& carried) const {
    if (role == 1) {
      EdPoint a;
      carried.ok = DecodeKey(i, a);
      if (carried.ok) EdCachedMultiples(EdNegate(a), carried.multiples);
      return;
    }
    ChallengeRole(i, parts);
  }
  CHAINACCEL_HD void SecondPhase(int role, uint64_t i, EdSplitParts& parts,
                                 EdSplitCarried& carried) const {
    if (role == 1) {
      parts.product_ok = carried.ok && parts.k_ok;
      if (parts.product_ok) parts.scaled_key = EdWindowedMul(parts.k, carried.multiples);
      return;
    }
    DecodeRRole(i, parts);
  }
  // Role 1, phase 1: A decoded, when the equation is to be tried.
  CHAINACCEL_HD bool DecodeKey(uint64_t i, EdPoint& a) const {
    const uint8_t* record = Record(i);
    const EdChecks c = EdCheckEncodings(record);
    return c.size_verdict == ItemStatus::kOk && c.encodings_ok && EdDecode(record, a);
  }
  // Role 2, phase 1: k, when the equation is to be tried.
  CHAINACCEL_HD void ChallengeRole(uint64_t i, EdSplitParts& parts) const {
    const uint8_t* record = Record(i);
    const EdChecks c = EdCheckEncodings(record);
    parts.k_ok = c.size_verdict == ItemStatus::kOk && c.encodings_ok;
    if (!parts.k_ok) return;
    const ItemMessage message = MessageOfItem(messages, offsets, digests, i);
    parts.k = Ed25519Challenge(record, message.data, message.size);
  }
  // Role 2, phase 2: R decoded for the comparison.
  CHAINACCEL_HD void DecodeRRole(uint64_t i, EdSplitParts& parts) const {
    U256 x, y;
    parts.r_ok = parts.k_ok && EdDecodeForComparison(Record(i) + 32, x, y);
    if (parts.r_ok) {
      parts.r_x = x;
      parts.r_y = y;
    }
  }
  CHAINACCEL_HD EdSplitFixed FixedRole(uint64_t i) const {
    const uint8_t* record = Record(i);
    EdPoint a;
    const EdChecks c = EdCheckRecord(record, a);
    EdSplitFixed f{c.Attempt(), EdFailure(c, a), EdIdentity()};
    if (f.attempt) f.s_b = EdAddFixedBaseMul(EdIdentity(), c.s, table);
    return f;
  }
  CHAINACCEL_HD void Finish(uint64_t i, const EdSplitFixed& fixed, const EdSplitParts& parts,
                            bool store) const {
    ItemStatus status = fixed.failure;
    if (fixed.attempt && parts.product_ok && parts.r_ok) {
      const EdPoint p = EdAdd(parts.scaled_key, fixed.s_b);
      if (U256Equal(p.x, ModMul<Fe>(parts.r_x, p.z)) &&
          U256Equal(p.y, ModMul<Fe>(parts.r_y, p.z))) {
        status = ItemStatus::kOk;
      }
    }
    if (store) statuses[i] = static_cast<uint8_t>(status);
  }
};

// Host: writes item i of an ED25519 SignatureVerifyTask as a record (sizes into flags).
// The message to verify is the item's message, or its pre-hash digest when the task
// asks for one.
inline void StageEd25519Record(const SignatureVerifyTask& task, size_t i, uint8_t* record) {
  for (int k = 0; k < kEd25519RecordBytes; ++k) record[k] = 0;
  const ByteView key = task.public_keys[i];
  const ByteView signature = task.signatures[i];
  uint8_t flags = 0;
  if (key.size() == 32) {
    for (int k = 0; k < 32; ++k) record[k] = key[k];
  } else {
    flags |= kEd25519FlagBadKeySize;
  }
  if (signature.size() == 64) {
    for (int k = 0; k < 64; ++k) record[32 + k] = signature[k];
  } else {
    flags |= kEd25519FlagBadSignatureSize;
  }
  record[96] = flags;
}

}  // namespace chainaccel::kernels
