// The prime fields of BN254 (alt_bn128, the curve of EIP-196/197, circom and snarkjs):
//
//   Fp, the base field:   p = 21888242871839275222246405745257275088696311157297823662689037894645226208583
//   Fr, the scalar field: r = 21888242871839275222246405745257275088548364400416034343698204186575808495617
//
// Representation. An element is four 64-bit limbs, least significant first, holding
// a·R mod m in Montgomery form with R = 2^256. Every value held is fully reduced (< m),
// so equality is limb equality and raw_montgomery() is ffjavascript's Montgomery form:
// the 32 little-endian bytes snarkjs writes for .zkey point coordinates (toRprLEM) are
// ToMontgomeryBytesLE / FromMontgomeryBytesLE. (A .zkey's section-4 coefficients are
// written as v·R^2 mod r, "Montgomery of Montgomery": docs/zk.md says how to read them.)
// A default-constructed element is zero. Elements are plain values: copy freely, no
// heap, no shared state; every function is thread-safe.
//
// Input contract. Everything that reads a value from outside (limbs or bytes, canonical
// or Montgomery) rejects an encoding >= m by returning std::nullopt; it never reduces
// silently. FromU256Reduced is the one function that reduces an arbitrary 256-bit
// integer mod m, for callers that want that on purpose (hashing to a field, random
// elements).
//
// Timing. Nothing in this library is constant-time; it is for public data (proofs,
// verification keys, public inputs) and for provers whose timing is not a secret.
// Functions named ...Var branch on their inputs in data-dependent ways and vary in time
// by a large factor: InverseVar (binary extended Euclid), PowVar, SqrtVar,
// BatchInverseVar. Add/Sub/Mul/Square do not branch on their operands (the final
// conditional subtraction is a mask), but that is not a constant-time guarantee.
//
// Multiplication is CIOS Montgomery multiplication on unsigned __int128 with the
// "no-carry" shortcut, valid because both moduli's top limbs are below 2^63 - 1
// (static_assert below); the compiler emits mul/adc (no mulx/adx intrinsics, so the
// code stays portable C++; building with -mbmi2 -madx, which lets GCC emit mulx, made
// no difference beyond the noise on the dev VM). bench/bn254_bench.cc measures it
// against the SOS variant kept here as MulSos: on the dev VM (AMD EPYC 2.6 GHz, GCC 12
// -O2, 2026-12-03) CIOS took 20-25 ns and SOS 27-41 ns per dependent multiplication
// (docs/zk.md). Square() is Mul(a, a): no dedicated squaring yet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "crypto/bn254/bigint.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace chainaccel::bn254 {

namespace detail {

// 2^k mod m, by doubling (compile time only).
constexpr U256 PowerOfTwoMod(const U256& m, int k) {
  U256 v{1, 0, 0, 0};
  for (int i = 0; i < k; ++i) {
    uint64_t carry = bigint::AddTo(v, v);
    if (carry != 0 || bigint::Compare(v, m) >= 0) bigint::SubFrom(v, m);
  }
  return v;
}

// a + b and a - b on four limbs, returning the carry (borrow) out, for the field's
// additions, subtractions and final reductions. On x86-64 they are the add/adc and
// sub/sbb chains (_addcarry_u64, _subborrow_u64: no ADX needed): GCC 12 compiles
// bigint::AddTo/SubFrom's 128-bit sums to about 40 instructions instead of 4, and those
// were 23% of a G1 MSM's profile (perf, 2026-12-03); elsewhere the portable loops.
inline uint64_t AddLimbs(U256& a, const U256& b) {
#if defined(__x86_64__)
  unsigned long long r0, r1, r2, r3;
  unsigned char c = _addcarry_u64(0, a[0], b[0], &r0);
  c = _addcarry_u64(c, a[1], b[1], &r1);
  c = _addcarry_u64(c, a[2], b[2], &r2);
  c = _addcarry_u64(c, a[3], b[3], &r3);
  a = {r0, r1, r2, r3};
  return c;
#else
  return bigint::AddTo(a, b);
#endif
}
inline uint64_t SubLimbs(U256& a, const U256& b) {
#if defined(__x86_64__)
  unsigned long long r0, r1, r2, r3;
  unsigned char c = _subborrow_u64(0, a[0], b[0], &r0);
  c = _subborrow_u64(c, a[1], b[1], &r1);
  c = _subborrow_u64(c, a[2], b[2], &r2);
  c = _subborrow_u64(c, a[3], b[3], &r3);
  a = {r0, r1, r2, r3};
  return c;
#else
  return bigint::SubFrom(a, b);
#endif
}

// -m^-1 mod 2^64 by Newton's iteration (m odd).
constexpr uint64_t NegInverse64(uint64_t m0) {
  uint64_t inv = 1;
  for (int i = 0; i < 7; ++i) inv *= 2 - m0 * inv;
  return ~inv + 1;
}

}  // namespace detail

// The parameters of one prime field; Params supplies kModulus (odd, < 2^255) and kName.
template <class Params>
class MontgomeryField {
 public:
  static constexpr U256 kModulus = Params::kModulus;
  static constexpr uint64_t kInv = detail::NegInverse64(kModulus[0]);
  static constexpr U256 kR = detail::PowerOfTwoMod(kModulus, 256);   // 1 in Montgomery form
  static constexpr U256 kR2 = detail::PowerOfTwoMod(kModulus, 512);  // to Montgomery form
  static constexpr U256 kR3 = detail::PowerOfTwoMod(kModulus, 768);  // fixes up inversion
  static constexpr size_t kBytes = 32;
  static_assert(kModulus[0] & 1, "Montgomery form needs an odd modulus");
  static_assert(kModulus[3] < 0x7fffffffffffffffULL,
                "the no-carry CIOS multiplication needs a spare top bit");

  constexpr MontgomeryField() = default;

  static constexpr MontgomeryField Zero() { return MontgomeryField(); }
  static constexpr MontgomeryField One() { return FromRawUnchecked(kR); }
  static MontgomeryField FromUint64(uint64_t v) { return FromCanonicalUnchecked({v, 0, 0, 0}); }

  // The canonical integer v; nullopt when v >= m.
  static std::optional<MontgomeryField> FromCanonical(const U256& v) {
    if (bigint::Compare(v, kModulus) >= 0) return std::nullopt;
    return FromCanonicalUnchecked(v);
  }
  // v mod m, for any 256-bit v.
  static MontgomeryField FromU256Reduced(U256 v) {
    while (bigint::Compare(v, kModulus) >= 0) bigint::SubFrom(v, kModulus);
    return FromCanonicalUnchecked(v);
  }
  // Limbs already in Montgomery form (a·R mod m); nullopt when they are >= m.
  static std::optional<MontgomeryField> FromRawMontgomery(const U256& raw) {
    if (bigint::Compare(raw, kModulus) >= 0) return std::nullopt;
    return FromRawUnchecked(raw);
  }
  // REQUIRES: v < m (constants, values already checked).
  static MontgomeryField FromCanonicalUnchecked(const U256& v) {
    return FromRawUnchecked(v) * FromRawUnchecked(kR2);
  }
  static constexpr MontgomeryField FromRawUnchecked(const U256& raw) {
    MontgomeryField f;
    f.v_ = raw;
    return f;
  }

  // 32 bytes, canonical integer, little-endian (snarkjs's "normal" form) or big-endian
  // (EIP-196/197 and Solidity); nullopt when the integer is >= m.
  static std::optional<MontgomeryField> FromBytesLE(std::span<const uint8_t, kBytes> bytes);
  static std::optional<MontgomeryField> FromBytesBE(std::span<const uint8_t, kBytes> bytes);
  // 32 bytes little-endian of a·R mod m, as in .zkey and .wtns files; nullopt when >= m.
  static std::optional<MontgomeryField> FromMontgomeryBytesLE(
      std::span<const uint8_t, kBytes> bytes);

  U256 ToCanonical() const { return Mul(v_, U256{1, 0, 0, 0}); }
  const U256& raw_montgomery() const { return v_; }
  void ToBytesLE(std::span<uint8_t, kBytes> out) const;
  void ToBytesBE(std::span<uint8_t, kBytes> out) const;
  void ToMontgomeryBytesLE(std::span<uint8_t, kBytes> out) const;

  bool IsZero() const { return bigint::IsZero(v_); }
  bool IsOne() const { return v_ == kR; }
  friend bool operator==(const MontgomeryField& a, const MontgomeryField& b) {
    return a.v_ == b.v_;
  }

  friend MontgomeryField operator+(const MontgomeryField& a, const MontgomeryField& b) {
    U256 sum = a.v_;
    detail::AddLimbs(sum, b.v_);  // < 2m < 2^256: no carry out
    return FromRawUnchecked(ReduceOnce(sum));
  }
  friend MontgomeryField operator-(const MontgomeryField& a, const MontgomeryField& b) {
    U256 d = a.v_;
    const uint64_t mask = ~(detail::SubLimbs(d, b.v_) - 1);  // all ones on a borrow
    const U256 add_back = {kModulus[0] & mask, kModulus[1] & mask, kModulus[2] & mask,
                           kModulus[3] & mask};
    detail::AddLimbs(d, add_back);
    return FromRawUnchecked(d);
  }
  MontgomeryField operator-() const {
    if (IsZero()) return *this;
    MontgomeryField r = FromRawUnchecked(kModulus);
    bigint::SubFrom(r.v_, v_);
    return r;
  }
  friend MontgomeryField operator*(const MontgomeryField& a, const MontgomeryField& b) {
    return FromRawUnchecked(Mul(a.v_, b.v_));
  }
  MontgomeryField& operator+=(const MontgomeryField& b) { return *this = *this + b; }
  MontgomeryField& operator-=(const MontgomeryField& b) { return *this = *this - b; }
  MontgomeryField& operator*=(const MontgomeryField& b) { return *this = *this * b; }
  MontgomeryField Double() const { return *this + *this; }
  MontgomeryField Square() const { return FromRawUnchecked(Mul(v_, v_)); }

  // a^e for the little-endian exponent limbs e (any length; e = 0 gives 1). Variable-time.
  MontgomeryField PowVar(std::span<const uint64_t> exponent) const;
  // a^-1 by the binary extended Euclidean algorithm on a·R, then one multiplication by
  // R^3 to return to Montgomery form. Variable-time. Zero has no inverse: returns zero.
  MontgomeryField InverseVar() const;
  // A square root when one exists (nullopt otherwise): a^((m+1)/4) for m ≡ 3 (mod 4)
  // (Fp), Tonelli-Shanks otherwise (Fr). Which of the two roots is returned is
  // unspecified; callers that need a sign rule apply it. Variable-time.
  std::optional<MontgomeryField> SqrtVar() const;
  // Legendre symbol a^((m-1)/2) == 1 (zero counts as a square). Variable-time.
  bool IsSquareVar() const;

  // The Montgomery product a·b·R^-1 mod m of fully reduced limbs (CIOS, no-carry).
  static U256 Mul(const U256& a, const U256& b);
  // The same product by SOS (a full 512-bit product, then four reduction rounds); kept
  // for bench/bn254_bench.cc's comparison and cross-checked in the tests.
  static U256 MulSos(const U256& a, const U256& b);

  // v - m when v >= m, else v, for v < 2m; without a branch (the comparison is a coin
  // toss on random data: a branch there costs a misprediction every other call).
  static U256 ReduceOnce(const U256& v) {
    U256 d = v;
    const uint64_t keep = ~(detail::SubLimbs(d, kModulus) - 1);  // all ones: v < m
    return {(v[0] & keep) | (d[0] & ~keep), (v[1] & keep) | (d[1] & ~keep),
            (v[2] & keep) | (d[2] & ~keep), (v[3] & keep) | (d[3] & ~keep)};
  }

 private:
  U256 v_{};
};

struct FpParams {
  static constexpr U256 kModulus = bigint::Dec(
      "21888242871839275222246405745257275088696311157297823662689037894645226208583");
};
struct FrParams {
  static constexpr U256 kModulus = bigint::Dec(
      "21888242871839275222246405745257275088548364400416034343698204186575808495617");
};

using Fp = MontgomeryField<FpParams>;
using Fr = MontgomeryField<FrParams>;

// ---- Fr's evaluation domains (the NTT and snarkjs's Groth16 prover) -----------------
//
// r - 1 = 2^28 · t with t odd. snarkjs computes its domains with ffjavascript's
// WasmField1 (src/wasm_field1.js): nqr = the smallest integer >= 2 that is not a
// square mod r, which is 5; w[28] = nqr^t; w[i] = w[i+1]^2; shift = nqr^2 = 25.
// Its Groth16 prover (src/groth16_prove.js) evaluates A, B, C on the coset
// inc·<w[power]> with inc = w[power + 1] for a domain of 2^power points, or
// inc = shift when power == 28.
inline constexpr int kFrTwoAdicity = 28;
// 5, the quadratic non-residue that generates the 2-adic roots (ffjavascript's Fr.nqr).
Fr FrNonResidue();
// A primitive 2^log_n-th root of unity: ffjavascript's Fr.w[log_n] (w[0] = 1).
// REQUIRES: 0 <= log_n <= kFrTwoAdicity.
Fr FrRootOfUnity(int log_n);
// 25, ffjavascript's Fr.shift: snarkjs's coset generator for a 2^28-point domain.
Fr FrCosetShift();

// ---- batch inversion ------------------------------------------------------------
//
// Replaces every element of `values` by its inverse with one InverseVar and about
// 3·n multiplications (Montgomery's trick). Zeros are left zero (they have no inverse)
// and do not spoil the others. Works for any field type of this library (Fp, Fr, Fp2,
// Fp6, Fp12). Variable-time.
template <class F>
void BatchInverseVar(std::span<F> values) {
  std::vector<F> prefix(values.size());
  F acc = F::One();
  for (size_t i = 0; i < values.size(); ++i) {
    prefix[i] = acc;
    if (!values[i].IsZero()) acc *= values[i];
  }
  F inv = acc.InverseVar();
  for (size_t i = values.size(); i-- > 0;) {
    if (values[i].IsZero()) continue;
    F value = values[i];
    values[i] = inv * prefix[i];
    inv *= value;
  }
}

// ---- inline definitions ------------------------------------------------------------

template <class Params>
inline U256 MontgomeryField<Params>::Mul(const U256& a, const U256& b) {
  constexpr const U256& m = kModulus;
  uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    const uint64_t bi = b[i];
    uint128 acc = static_cast<uint128>(a[0]) * bi + t0;
    uint64_t carry_a = static_cast<uint64_t>(acc >> 64);
    const uint64_t lo = static_cast<uint64_t>(acc);
    const uint64_t q = lo * kInv;
    uint128 red = static_cast<uint128>(q) * m[0] + lo;
    uint64_t carry_m = static_cast<uint64_t>(red >> 64);

    acc = static_cast<uint128>(a[1]) * bi + t1 + carry_a;
    carry_a = static_cast<uint64_t>(acc >> 64);
    red = static_cast<uint128>(q) * m[1] + static_cast<uint64_t>(acc) + carry_m;
    carry_m = static_cast<uint64_t>(red >> 64);
    t0 = static_cast<uint64_t>(red);

    acc = static_cast<uint128>(a[2]) * bi + t2 + carry_a;
    carry_a = static_cast<uint64_t>(acc >> 64);
    red = static_cast<uint128>(q) * m[2] + static_cast<uint64_t>(acc) + carry_m;
    carry_m = static_cast<uint64_t>(red >> 64);
    t1 = static_cast<uint64_t>(red);

    acc = static_cast<uint128>(a[3]) * bi + t3 + carry_a;
    carry_a = static_cast<uint64_t>(acc >> 64);
    red = static_cast<uint128>(q) * m[3] + static_cast<uint64_t>(acc) + carry_m;
    carry_m = static_cast<uint64_t>(red >> 64);
    t2 = static_cast<uint64_t>(red);

    t3 = carry_a + carry_m;  // cannot overflow: the modulus has a spare top bit
  }
  return ReduceOnce(U256{t0, t1, t2, t3});
}

template <class Params>
inline U256 MontgomeryField<Params>::MulSos(const U256& a, const U256& b) {
  constexpr const U256& m = kModulus;
  uint64_t t[9] = {};
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    uint64_t carry = 0;
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      uint128 x = static_cast<uint128>(a[j]) * b[i] + t[i + j] + carry;
      t[i + j] = static_cast<uint64_t>(x);
      carry = static_cast<uint64_t>(x >> 64);
    }
    t[i + 4] = carry;
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    const uint64_t q = t[i] * kInv;
    uint64_t carry = 0;
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      uint128 x = static_cast<uint128>(q) * m[j] + t[i + j] + carry;
      t[i + j] = static_cast<uint64_t>(x);
      carry = static_cast<uint64_t>(x >> 64);
    }
    for (int k = i + 4; carry != 0 && k < 9; ++k) {
      uint128 x = static_cast<uint128>(t[k]) + carry;
      t[k] = static_cast<uint64_t>(x);
      carry = static_cast<uint64_t>(x >> 64);
    }
  }
  return ReduceOnce(U256{t[4], t[5], t[6], t[7]});  // t[8] = 0: the result is < 2m < 2^256
}

extern template class MontgomeryField<FpParams>;
extern template class MontgomeryField<FrParams>;

}  // namespace chainaccel::bn254
