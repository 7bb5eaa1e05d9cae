// 256-bit unsigned integers and arithmetic modulo a 256-bit prime of the form
// 2^256 - c with a short c (secp256k1's field prime and group order), for host and device.
//
// A U256 is eight 32-bit limbs, least significant first. Products are schoolbook 8 x 8
// into 16 limbs: on the host with 64-bit accumulators, squares 36 products; on the device
// as PTX carry chains, two instructions a limb product (u256_chains.cuh, generated and
// simulated by gen_u256_chains.py; ~12 % faster signature kernels on the H100);
// reduction folds the high half back in with 2^256 = c (mod m) until it is gone (two
// fixed folds for c = 2^32 + c0, secp256k1's p), then subtracts m at most twice.
// Inversion is the binary extended Euclid algorithm (ModInv).
//
// Variable time: these functions serve signature *verification* and public-key
// *recovery*, whose inputs are all public, so branches and loop counts may depend on the
// data. Never use them on secrets.
//
// All functions are pure; kernels/secp256k1_test.cc runs them on the host against
// OpenSSL's BIGNUM arithmetic.
#pragma once

#include <cstdint>

#include "kernels/host_device.h"

namespace chainaccel::kernels {

struct U256 {
  uint32_t w[8];
};

}  // namespace chainaccel::kernels

#if defined(__CUDA_ARCH__) && !defined(CHAINACCEL_U256_NO_CHAINS)
#define CHAINACCEL_U256_CHAINS 1
#include "kernels/u256_chains.cuh"
#else
#define CHAINACCEL_U256_CHAINS 0
#endif

namespace chainaccel::kernels {

CHAINACCEL_HD U256 U256Zero() {
  U256 r;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) r.w[i] = 0;
  return r;
}

// The eight limbs w, least significant first.
CHAINACCEL_HD U256 U256FromLimbs(const uint32_t (&w)[8]) {
  U256 r;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) r.w[i] = w[i];
  return r;
}

CHAINACCEL_HD U256 U256Small(uint32_t v) {
  U256 r = U256Zero();
  r.w[0] = v;
  return r;
}

// The big-endian 32 bytes at p (any alignment).
CHAINACCEL_HD U256 U256FromBytesBE(const uint8_t* p) {
  U256 r;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) {
    const uint8_t* q = p + 4 * (7 - i);
    r.w[i] = static_cast<uint32_t>(q[0]) << 24 | static_cast<uint32_t>(q[1]) << 16 |
             static_cast<uint32_t>(q[2]) << 8 | q[3];
  }
  return r;
}

CHAINACCEL_HD void U256ToBytesBE(const U256& a, uint8_t* p) {
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) {
    uint8_t* q = p + 4 * (7 - i);
    q[0] = static_cast<uint8_t>(a.w[i] >> 24);
    q[1] = static_cast<uint8_t>(a.w[i] >> 16);
    q[2] = static_cast<uint8_t>(a.w[i] >> 8);
    q[3] = static_cast<uint8_t>(a.w[i]);
  }
}

CHAINACCEL_HD bool U256IsZero(const U256& a) {
  uint32_t any = 0;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) any |= a.w[i];
  return any == 0;
}

CHAINACCEL_HD bool U256Equal(const U256& a, const U256& b) {
  uint32_t diff = 0;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) diff |= a.w[i] ^ b.w[i];
  return diff == 0;
}

// a < b.
CHAINACCEL_HD bool U256Less(const U256& a, const U256& b) {
  for (int i = 7; i >= 0; --i) {
    if (a.w[i] != b.w[i]) return a.w[i] < b.w[i];
  }
  return false;
}

CHAINACCEL_HD bool U256Bit(const U256& a, int bit) { return (a.w[bit / 32] >> (bit % 32)) & 1; }

// 4-bit digit `i` (0 = least significant) of a.
CHAINACCEL_HD uint32_t U256Nibble(const U256& a, int i) { return (a.w[i / 8] >> (4 * (i % 8))) & 15; }

// Signed 5-bit digit `i` of a (Booth recoding, as BoringSSL's ec_GFp_nistp_recode_scalar_bits):
// d_i = bits 5i..5i+4 of a + bit 5i-1 - 32 * bit 5i+4, in [-16, 16]; sum_i d_i 2^(5i) = a
// whenever the top digit's bit 5i+4 is 0. Stateless (no carry from digit to digit), so a
// loop from the top digit down reads each digit when it needs it. REQUIRES: 5i + 4 < 256.
CHAINACCEL_HD int U256BoothDigit5(const U256& a, int i) {
  uint32_t v;  // bits 5i-1 .. 5i+4
  if (i == 0) {
    v = (a.w[0] << 1) & 63;
  } else {
    const int pos = 5 * i - 1, word = pos / 32, offset = pos % 32;
    v = a.w[word] >> offset;
    if (offset > 26) v |= a.w[word + 1] << (32 - offset);
    v &= 63;
  }
  return static_cast<int>((v >> 1) + (v & 1)) - static_cast<int>(32 * (v >> 5));
}

// out = a + b; returns the carry out of bit 255. On the device: a PTX carry chain
// (u256_chains.cuh), one instruction a limb, where nvcc's PTX of this loop has a 64-bit
// sum, shift and mask a limb.
CHAINACCEL_HD uint32_t U256Add(const U256& a, const U256& b, U256& out) {
#if CHAINACCEL_U256_CHAINS
  return U256AddChains(a, b, out);
#else
  uint64_t carry = 0;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) {
    carry += static_cast<uint64_t>(a.w[i]) + b.w[i];
    out.w[i] = static_cast<uint32_t>(carry);
    carry >>= 32;
  }
  return static_cast<uint32_t>(carry);
#endif
}

// out = a - b; returns the borrow (1 when a < b). On the device: a PTX borrow chain.
CHAINACCEL_HD uint32_t U256Sub(const U256& a, const U256& b, U256& out) {
#if CHAINACCEL_U256_CHAINS
  return U256SubChains(a, b, out);
#else
  int64_t borrow = 0;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) {
    const int64_t d = static_cast<int64_t>(a.w[i]) - b.w[i] + borrow;
    out.w[i] = static_cast<uint32_t>(d);
    borrow = d >> 32;  // 0 or -1
  }
  return static_cast<uint32_t>(-borrow);
#endif
}

// r += x for a one-limb x. REQUIRES: the sum is below 2^256. On the device a carry chain
// with no carry out (u256_chains.cuh).
CHAINACCEL_HD void U256AddSmall(U256& r, uint32_t x) {
#if CHAINACCEL_U256_CHAINS
  U256AddSmallChains(r.w, x);
#else
  U256Add(r, U256Small(x), r);
#endif
}

// `if_true` when `pick`, else `if_false`, limb by limb without a branch (the lanes of a
// warp take both sides of a data-dependent branch one after the other).
CHAINACCEL_HD U256 U256Select(bool pick, const U256& if_true, const U256& if_false) {
  const uint32_t mask = 0u - static_cast<uint32_t>(pick);
  U256 r;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) r.w[i] = (if_true.w[i] & mask) | (if_false.w[i] & ~mask);
  return r;
}

// t[0, 16) = a * b. On the device: the PTX carry chains of u256_chains.cuh (unless built
// with CHAINACCEL_U256_NO_CHAINS, the comparison build of kernels/NOTES.md).
CHAINACCEL_HD void U256MulWide(const U256& a, const U256& b, uint32_t t[16]) {
#if CHAINACCEL_U256_CHAINS
  U256MulWideChains(a, b, t);
#else
  CHAINACCEL_UNROLL
  for (int i = 0; i < 16; ++i) t[i] = 0;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) {
    uint64_t carry = 0;
    CHAINACCEL_UNROLL
    for (int j = 0; j < 8; ++j) {
      carry += static_cast<uint64_t>(a.w[i]) * b.w[j] + t[i + j];
      t[i + j] = static_cast<uint32_t>(carry);
      carry >>= 32;
    }
    t[i + 8] = static_cast<uint32_t>(carry);
  }
#endif
}

// t[0, 16) = a * a: the 28 cross products once, doubled, plus the 8 squares (36
// multiplications instead of 64).
CHAINACCEL_HD void U256SqrWide(const U256& a, uint32_t t[16]) {
#if CHAINACCEL_U256_CHAINS
  U256SqrWideChains(a, t);
#else
  CHAINACCEL_UNROLL
  for (int i = 0; i < 16; ++i) t[i] = 0;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) {
    uint64_t carry = 0;
    CHAINACCEL_UNROLL
    for (int j = i + 1; j < 8; ++j) {
      carry += static_cast<uint64_t>(a.w[i]) * a.w[j] + t[i + j];
      t[i + j] = static_cast<uint32_t>(carry);
      carry >>= 32;
    }
    t[i + 8] = static_cast<uint32_t>(carry);
  }
  uint32_t top = 0;  // doubling: shift left by one bit
  CHAINACCEL_UNROLL
  for (int i = 0; i < 16; ++i) {
    const uint32_t next = t[i] >> 31;
    t[i] = t[i] << 1 | top;
    top = next;
  }
  uint64_t carry = 0;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) {
    const uint64_t square = static_cast<uint64_t>(a.w[i]) * a.w[i];
    carry += static_cast<uint64_t>(t[2 * i]) + static_cast<uint32_t>(square);
    t[2 * i] = static_cast<uint32_t>(carry);
    carry >>= 32;
    carry += static_cast<uint64_t>(t[2 * i + 1]) + (square >> 32);
    t[2 * i + 1] = static_cast<uint32_t>(carry);
    carry >>= 32;
  }
#endif
}

// A modulus m = 2^256 - c with c < 2^160 (kCLimbs limbs): the constants of a modular
// arithmetic, as a traits type.
//   static constexpr int kCLimbs;                   1..5
//   static constexpr bool kPseudoMersenne;          c = 2^32 + C(0) (ModReduceWide's fast path)
//   static U256 Modulus(); static uint32_t C(int i); i < kCLimbs
// The functions below take the traits as a template parameter.

// a mod m for any 256-bit a.
template <class M>
CHAINACCEL_HD U256 ModReduce(const U256& a) {
  U256 r = a;
  const U256 m = M::Modulus();
  while (!U256Less(r, m)) U256Sub(r, m, r);
  return r;
}

// t mod m for m = 2^256 - 2^32 - c0 (kCLimbs == 2, C(1) == 1: secp256k1's p). Two folds
// of the high half, H * 2^256 = H * (2^32 + c0), with no loop over limb counts: the first
// leaves at most 34 bits above 2^256, the second at most a carry, which a third,
// constant, fold absorbs.
template <class M>
CHAINACCEL_HD U256 ModReduceWidePseudoMersenne(const uint32_t t[16]) {
  const uint64_t c0 = M::C(0);
  uint32_t r[8];
  uint64_t carry = 0;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) {
    carry += static_cast<uint64_t>(t[i]) + static_cast<uint64_t>(t[8 + i]) * c0 +
             (i > 0 ? t[7 + i] : 0u);
    r[i] = static_cast<uint32_t>(carry);
    carry >>= 32;
  }
  uint64_t top = carry + t[15];  // the part above 2^256: < 2^34
  carry = static_cast<uint64_t>(r[0]) + top * c0;
  r[0] = static_cast<uint32_t>(carry);
  carry >>= 32;
  carry += static_cast<uint64_t>(r[1]) + top;
  r[1] = static_cast<uint32_t>(carry);
  carry >>= 32;
  CHAINACCEL_UNROLL
  for (int i = 2; i < 8; ++i) {
    carry += r[i];
    r[i] = static_cast<uint32_t>(carry);
    carry >>= 32;
  }
  if (carry != 0) {  // one more 2^256: add 2^32 + c0 (the low limbs are now small)
    carry = static_cast<uint64_t>(r[0]) + c0;
    r[0] = static_cast<uint32_t>(carry);
    carry >>= 32;
    carry += static_cast<uint64_t>(r[1]) + 1;
    r[1] = static_cast<uint32_t>(carry);
    carry >>= 32;
    for (int i = 2; carry != 0 && i < 8; ++i) {
      carry += r[i];
      r[i] = static_cast<uint32_t>(carry);
      carry >>= 32;
    }
  }
  U256 out;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) out.w[i] = r[i];
  return ModReduce<M>(out);  // one subtraction at most here
}

// t mod m for m = 2^255 - c0 / 2 with a one-limb c0 (kCLimbs == 1: Ed25519's 2^255 - 19,
// c0 = 38, so 2^256 = 2m + c0 and 2^255 = m + c0 / 2), in two steps:
// ModReduceWideOneLimbWeak: H * 2^256 = H * c0: one fold leaves t < 2^256 + c0 * 2^256,
// whose bits from 255 up (q <= 2 c0 + 1) fold again as q * c0 / 2 into the low 255 bits:
// r < 2^255 + (c0 + 1) c0, congruent to t (below 2m: a weak result, which products
// and ModAddWeak / ModSubWeak take as they are). ModReduceOneLimbFinal: r >= m exactly
// when r + c0 / 2 has bit 255 set, and r - m is that sum without the bit. No branch: a
// loop subtracting m while r >= m (ModReduce) made the lanes of a warp part after every
// product, about half of them subtracting. On the device the folds are PTX carry chains
// (u256_chains.cuh). Fully unrolled: no limb array is indexed by a runtime value, so
// nothing goes to local memory (the generic loop below did, and ran Ed25519
// verification at 40% of this speed on the H100).
template <class M>
CHAINACCEL_HD U256 ModReduceWideOneLimbWeak(const uint32_t t[16]) {
  static_assert(M::kCLimbs == 1);
  const uint32_t c0 = M::C(0);
  uint32_t r[9];  // t folded once: below 2^256 (c0 + 1)
#if CHAINACCEL_U256_CHAINS
  U256FoldOneLimbChains(t, c0, r);
#else
  uint64_t carry = 0;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) {
    carry += static_cast<uint64_t>(t[i]) + static_cast<uint64_t>(t[8 + i]) * c0;
    r[i] = static_cast<uint32_t>(carry);
    carry >>= 32;
  }
  r[8] = static_cast<uint32_t>(carry);
#endif
  const uint32_t q = r[8] << 1 | r[7] >> 31;  // the value's bits from 255 up
  U256 low;  // r's low 255 bits, with the bits above folded in
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) low.w[i] = r[i];
  low.w[7] &= 0x7FFFFFFF;
  U256AddSmall(low, q * (c0 / 2));
  return low;
}

// r mod m for r < 2^255 + (c0 + 1) c0 (ModReduceWideOneLimbWeak's results).
template <class M>
CHAINACCEL_HD U256 ModReduceOneLimbFinal(const U256& r) {
  U256 r_minus_m = r;  // r + c0 / 2, bit 255 then cleared
  U256AddSmall(r_minus_m, M::C(0) / 2);
  const bool at_least_m = (r_minus_m.w[7] >> 31) != 0;
  r_minus_m.w[7] &= 0x7FFFFFFF;
  return U256Select(at_least_m, r_minus_m, r);
}

template <class M>
CHAINACCEL_HD U256 ModReduceWideOneLimb(const uint32_t t[16]) {
  return ModReduceOneLimbFinal<M>(ModReduceWideOneLimbWeak<M>(t));
}

// t mod m for any other m = 2^256 - c (c of up to five limbs: secp256k1's group order).
// Fold: t = L + H * 2^256 = L + H * c (mod m), while H != 0. H shrinks from 256 bits to
// at most 161, then 66, then a few bits, then 0: a handful of rounds at most.
template <class M>
CHAINACCEL_HD U256 ModReduceWideFolding(uint32_t t[16]) {
  for (;;) {
    int top = 15;
    while (top >= 8 && t[top] == 0) --top;
    if (top < 8) break;
    uint32_t h[8];
    CHAINACCEL_UNROLL
    for (int i = 0; i < 8; ++i) {
      h[i] = t[8 + i];
      t[8 + i] = 0;
    }
    const int h_limbs = top - 7;
    for (int i = 0; i < h_limbs; ++i) {
      uint64_t carry = 0;
      CHAINACCEL_UNROLL
      for (int j = 0; j < M::kCLimbs; ++j) {
        carry += static_cast<uint64_t>(h[i]) * M::C(j) + t[i + j];
        t[i + j] = static_cast<uint32_t>(carry);
        carry >>= 32;
      }
      for (int k = i + M::kCLimbs; carry != 0 && k < 16; ++k) {
        carry += t[k];
        t[k] = static_cast<uint32_t>(carry);
        carry >>= 32;
      }
    }
  }
  U256 r;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) r.w[i] = t[i];
  return ModReduce<M>(r);
}

// t (16 limbs, any value) mod m.
template <class M>
CHAINACCEL_HD U256 ModReduceWide(uint32_t t[16]) {
  if constexpr (M::kPseudoMersenne) {
    return ModReduceWidePseudoMersenne<M>(t);
  } else if constexpr (M::kCLimbs == 1) {
    return ModReduceWideOneLimb<M>(t);
  } else {
    return ModReduceWideFolding<M>(t);
  }
}

// Operation counts for bench/signature_op_count.cc, which defines CHAINACCEL_COUNT_MOD_OPS
// (host only, one translation unit): products and squares per modulus kind.
#if defined(CHAINACCEL_COUNT_MOD_OPS) && !defined(__CUDA_ARCH__)
struct ModOpCounts {
  uint64_t field_mul = 0, field_sqr = 0, scalar_mul = 0, scalar_sqr = 0;
};
inline thread_local ModOpCounts mod_op_counts;
// A field is a modulus with c of one or two limbs (2^255 - 19, secp256k1's p); a group
// order has a longer c (secp256k1's n: five).
#define CHAINACCEL_COUNT_MOD_OP(M, kind)                                       \
  do {                                                                         \
    if constexpr (M::kCLimbs <= 2) ++mod_op_counts.field_##kind;               \
    else ++mod_op_counts.scalar_##kind;                                        \
  } while (0)
#else
#define CHAINACCEL_COUNT_MOD_OP(M, kind) \
  do {                                   \
  } while (0)
#endif

// How a product comes back: below m (kFull), or weak (kWeak, one-limb m only: below 2m,
// congruent mod m; ModMulWeak below).
enum class Reduction { kFull, kWeak };

template <class M, Reduction R>
CHAINACCEL_HD U256 ModReduceWideTo(uint32_t t[16]) {
  if constexpr (R == Reduction::kWeak) {
    return ModReduceWideOneLimbWeak<M>(t);
  } else {
    return ModReduceWide<M>(t);
  }
}

template <class M, Reduction R = Reduction::kFull>
CHAINACCEL_HD U256 ModMul(const U256& a, const U256& b) {
  CHAINACCEL_COUNT_MOD_OP(M, mul);
  uint32_t t[16];
  U256MulWide(a, b, t);
  return ModReduceWideTo<M, R>(t);
}

template <class M, Reduction R = Reduction::kFull>
CHAINACCEL_HD U256 ModSqr(const U256& a) {
  CHAINACCEL_COUNT_MOD_OP(M, sqr);
  uint32_t t[16];
  U256SqrWide(a, t);
  return ModReduceWideTo<M, R>(t);
}


// Weak arithmetic for a one-limb modulus m = 2^255 - c0 / 2 (Ed25519's field): values
// below 2m = 2^256 - c0, congruent mod m, for the inner steps of a ladder or a power,
// where a full reduction after every operation is work no one reads (~20 of a product's
// ~300 instructions on the device). A weak value must be brought below m
// (ModReduceWeak) before it is compared, tested for zero or encoded.
// a * b and a * a, for any a, b < 2^256: below 2^255 + (c0 + 1) c0 < 2m.
template <class M>
CHAINACCEL_HD U256 ModMulWeak(const U256& a, const U256& b) {
  return ModMul<M, Reduction::kWeak>(a, b);
}

template <class M>
CHAINACCEL_HD U256 ModSqrWeak(const U256& a) {
  return ModSqr<M, Reduction::kWeak>(a);
}

// a + b for a, b < 2m: below 2m. a + b < 4m; when it reaches 2m = 2^256 - c0, adding c0
// carries out of bit 255 (or a + b did already), and that sum's low 256 bits are a + b - 2m.
template <class M>
CHAINACCEL_HD U256 ModAddWeak(const U256& a, const U256& b) {
  U256 sum, less_2m;
  const uint32_t carry = U256Add(a, b, sum);
  const uint32_t carry_c0 = U256Add(sum, U256Small(M::C(0)), less_2m);
  return U256Select((carry | carry_c0) != 0, less_2m, sum);
}

// a - b for a, b < 2m: below 2m. When a < b, a - b + 2m is in (0, 2m); the wrapped
// difference a - b + 2^256 is at least c0 + 1, so taking c0 from it does not borrow.
template <class M>
CHAINACCEL_HD U256 ModSubWeak(const U256& a, const U256& b) {
  U256 difference;
  const uint32_t borrow = U256Sub(a, b, difference);
  U256Sub(difference, U256Small(borrow * M::C(0)), difference);
  return difference;
}

// a mod m for any a < 2^256 (a weak value brought below m): bit 255 folded as c0 / 2,
// then ModReduceOneLimbFinal.
template <class M>
CHAINACCEL_HD U256 ModReduceWeak(const U256& a) {
  U256 r = a;
  const uint32_t top = r.w[7] >> 31;
  r.w[7] &= 0x7FFFFFFF;
  U256AddSmall(r, top * (M::C(0) / 2));
  return ModReduceOneLimbFinal<M>(r);
}

// REQUIRES (these three): a, b < m.
// a + b - m is taken when a + b carried out of 2^256 or did not borrow from m: both the
// sum and the difference are computed and one selected, with no branch.
template <class M>
CHAINACCEL_HD U256 ModAdd(const U256& a, const U256& b) {
  U256 sum, reduced;
  const uint32_t carry = U256Add(a, b, sum);
  const uint32_t borrow = U256Sub(sum, M::Modulus(), reduced);
  return U256Select((carry | (borrow ^ 1u)) != 0, reduced, sum);
}

template <class M>
CHAINACCEL_HD U256 ModSub(const U256& a, const U256& b) {
  U256 difference, wrapped;
  const uint32_t borrow = U256Sub(a, b, difference);
  U256Add(difference, M::Modulus(), wrapped);
  return U256Select(borrow != 0, wrapped, difference);
}

// -a mod m: 0 - a wraps to m - a, and 0 stays 0 (no borrow), so no test of a is needed.
template <class M>
CHAINACCEL_HD U256 ModNeg(const U256& a) {
  return ModSub<M>(U256Zero(), a);
}

// z^(2^k) mod m (k squarings; with Reduction::kWeak, weak squares: ModSqrWeak).
template <class M, Reduction R = Reduction::kFull>
CHAINACCEL_HD U256 ModSqrTimes(U256 z, int k) {
  for (int i = 0; i < k; ++i) z = ModSqr<M, R>(z);
  return z;
}

// a^e mod m, e public (4-bit fixed window).
template <class M>
CHAINACCEL_HD U256 ModPow(const U256& a, const U256& e) {
  U256 table[16];
  table[0] = U256Small(1);
  table[1] = a;
  for (int i = 2; i < 16; ++i) table[i] = ModMul<M>(table[i - 1], a);
  U256 r = U256Small(1);
  for (int i = 63; i >= 0; --i) {
    if (i != 63) {
      r = ModSqr<M>(r);
      r = ModSqr<M>(r);
      r = ModSqr<M>(r);
      r = ModSqr<M>(r);
    }
    const uint32_t d = U256Nibble(e, i);
    if (d != 0) r = ModMul<M>(r, table[d]);
  }
  return r;
}

// a >> 1 with `top` shifted in as bit 255.
CHAINACCEL_HD U256 U256HalveWithTop(const U256& a, uint32_t top) {
  U256 r;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 7; ++i) r.w[i] = a.w[i] >> 1 | a.w[i + 1] << 31;
  r.w[7] = a.w[7] >> 1 | top << 31;
  return r;
}

// x / 2 mod m for x < m, m odd: x >> 1 when x is even, else (x + m) >> 1 (257 bits before
// the shift, the carry shifted back in).
template <class M>
CHAINACCEL_HD U256 ModHalve(const U256& x) {
  if ((x.w[0] & 1) == 0) return U256HalveWithTop(x, 0);
  U256 sum;
  const uint32_t carry = U256Add(x, M::Modulus(), sum);
  return U256HalveWithTop(sum, carry);
}

CHAINACCEL_HD bool U256IsOne(const U256& a) {
  uint32_t high = 0;
  CHAINACCEL_UNROLL
  for (int i = 1; i < 8; ++i) high |= a.w[i];
  return high == 0 && a.w[0] == 1;
}

// a^-1 mod m (m an odd prime), by the binary extended Euclid algorithm; 0 for a == 0.
// REQUIRES: a < m. Invariants: x1 a = u and x2 a = v (mod m), u and v odd after their
// halvings, gcd(u, v) = 1; each round halves u or v or takes the smaller from the larger
// (which leaves it even), so it ends within ~2 * 256 halvings and 256 subtractions:
// ~15-30 instructions each on 8 limbs, where Fermat's power (315 modular products and
// squares; mod n, each with the folding reduction) costs ten times more.
template <class M>
CHAINACCEL_HD U256 ModInv(const U256& a) {
  if (U256IsZero(a)) return a;
  U256 u = a, v = M::Modulus(), x1 = U256Small(1), x2 = U256Zero();
  while (!U256IsOne(u) && !U256IsOne(v)) {
    while ((u.w[0] & 1) == 0) {
      u = U256HalveWithTop(u, 0);
      x1 = ModHalve<M>(x1);
    }
    while ((v.w[0] & 1) == 0) {
      v = U256HalveWithTop(v, 0);
      x2 = ModHalve<M>(x2);
    }
    if (U256Less(u, v)) {
      U256Sub(v, u, v);
      x2 = ModSub<M>(x2, x1);
    } else {
      U256Sub(u, v, u);
      x1 = ModSub<M>(x1, x2);
    }
  }
  return U256IsOne(u) ? x1 : x2;
}

}  // namespace chainaccel::kernels
