// The prime fields of BN254 for the GPU kernels: Fp (coordinates of G1) and Fr (scalars,
// the NTT), in the layout of the Groth16 prover contract (docs: /work/helpers/prover-api.md,
// mirrored by crypto/bn254/field.h):
//
//   an element is four uint64 limbs, least significant first, holding a·R mod m in
//   Montgomery form with R = 2^256, fully reduced (< m): exactly bn254::Fp/Fr's
//   raw_montgomery(). Zero is all-zero limbs.
//
// Multiplication is CIOS Montgomery multiplication with the "no-carry" shortcut (both
// moduli have a top limb below 2^63 - 1, so the running sum never needs a sixth limb).
// On the device each of its eight multiply-accumulate rows is one PTX carry chain of
// mad.lo.cc / madc.hi.cc on 64-bit limbs (ptxas expands them into 32-bit IMAD.WIDE
// sequences); on the host the same algorithm runs on unsigned __int128, so the CPU tests
// (bn254_field_test.cc, against crypto/bn254) check the algorithm and the device tests check
// the PTX. Add, Sub, Neg and Double reduce with one conditional subtraction (a branch-free
// select). Nothing is constant-time: these kernels prove with public or prover-chosen
// data whose timing is no secret.
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>

#include "kernels/host_device.h"

namespace chainaccel::kernels::zk {

// p = 21888242871839275222246405745257275088696311157297823662689037894645226208583
struct FpParams {
  static constexpr uint64_t kM0 = 0x3c208c16d87cfd47ULL, kM1 = 0x97816a916871ca8dULL,
                            kM2 = 0xb85045b68181585dULL, kM3 = 0x30644e72e131a029ULL;
  static constexpr uint64_t kInv = 0x87d20782e4866389ULL;  // -p^-1 mod 2^64
  // R mod p (one in Montgomery form) and R^2 mod p (converts canonical to Montgomery).
  static constexpr uint64_t kOne0 = 0xd35d438dc58f0d9dULL, kOne1 = 0x0a78eb28f5c70b3dULL,
                            kOne2 = 0x666ea36f7879462cULL, kOne3 = 0x0e0a77c19a07df2fULL;
  static constexpr uint64_t kRR0 = 0xf32cfc5b538afa89ULL, kRR1 = 0xb5e71911d44501fbULL,
                            kRR2 = 0x47ab1eff0a417ff6ULL, kRR3 = 0x06d89f71cab8351fULL;
};

// r = 21888242871839275222246405745257275088548364400416034343698204186575808495617
struct FrParams {
  static constexpr uint64_t kM0 = 0x43e1f593f0000001ULL, kM1 = 0x2833e84879b97091ULL,
                            kM2 = 0xb85045b68181585dULL, kM3 = 0x30644e72e131a029ULL;
  static constexpr uint64_t kInv = 0xc2e1f593efffffffULL;  // -r^-1 mod 2^64
  static constexpr uint64_t kOne0 = 0xac96341c4ffffffbULL, kOne1 = 0x36fc76959f60cd29ULL,
                            kOne2 = 0x666ea36f7879462eULL, kOne3 = 0x0e0a77c19a07df2fULL;
  static constexpr uint64_t kRR0 = 0x1bb8e645ae216da7ULL, kRR1 = 0x53fe3ab1e35c59e3ULL,
                            kRR2 = 0x8c49833d53bb8085ULL, kRR3 = 0x0216d0b17f4e44a5ULL;
};

static_assert(FpParams::kM3 < 0x7fffffffffffffffULL && FrParams::kM3 < 0x7fffffffffffffffULL,
              "the no-carry CIOS multiplication needs a spare top bit");

template <class P>
struct FieldElement {
  uint64_t l[4];

  static constexpr int kLimbs = 4;

  CHAINACCEL_HD static FieldElement Zero() { return {{0, 0, 0, 0}}; }
  CHAINACCEL_HD static FieldElement One() { return {{P::kOne0, P::kOne1, P::kOne2, P::kOne3}}; }
  CHAINACCEL_HD static FieldElement Modulus() { return {{P::kM0, P::kM1, P::kM2, P::kM3}}; }
  CHAINACCEL_HD static FieldElement RSquared() {
    return {{P::kRR0, P::kRR1, P::kRR2, P::kRR3}};
  }
  // Four limbs at `p` (no check that they are < m).
  CHAINACCEL_HD static FieldElement Load(const uint64_t* p) { return {{p[0], p[1], p[2], p[3]}}; }
  CHAINACCEL_HD void Store(uint64_t* p) const {
    p[0] = l[0];
    p[1] = l[1];
    p[2] = l[2];
    p[3] = l[3];
  }
  CHAINACCEL_HD bool IsZero() const { return (l[0] | l[1] | l[2] | l[3]) == 0; }
  CHAINACCEL_HD friend bool operator==(const FieldElement& a, const FieldElement& b) {
    return ((a.l[0] ^ b.l[0]) | (a.l[1] ^ b.l[1]) | (a.l[2] ^ b.l[2]) | (a.l[3] ^ b.l[3])) == 0;
  }
  CHAINACCEL_HD friend bool operator!=(const FieldElement& a, const FieldElement& b) {
    return !(a == b);
  }
};

using Fp = FieldElement<FpParams>;
using Fr = FieldElement<FrParams>;

namespace field_detail {

// d = a - b over four limbs; returns the borrow (0 or 1).
CHAINACCEL_HD uint64_t Sub4(const uint64_t* a, const uint64_t* b, uint64_t* d) {
  uint64_t borrow = 0;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 4; ++i) {
    const uint64_t x = a[i], y = b[i];
    const uint64_t t = x - y;
    const uint64_t b1 = x < y;
    d[i] = t - borrow;
    borrow = b1 | (t < borrow);
  }
  return borrow;
}

// s = a + b over four limbs; returns the carry (0 or 1).
CHAINACCEL_HD uint64_t Add4(const uint64_t* a, const uint64_t* b, uint64_t* s) {
  uint64_t carry = 0;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 4; ++i) {
    const uint64_t t = a[i] + b[i];
    const uint64_t c1 = t < a[i];
    s[i] = t + carry;
    carry = c1 | (s[i] < t);
  }
  return carry;
}

// v - m when v >= m, else v; REQUIRES v < 2m (< 2^256).
template <class P>
CHAINACCEL_HD FieldElement<P> ReduceOnce(const FieldElement<P>& v) {
  const FieldElement<P> m = FieldElement<P>::Modulus();
  FieldElement<P> d;
  const uint64_t keep = 0 - Sub4(v.l, m.l, d.l);  // all ones when v < m
  FieldElement<P> out;
  CHAINACCEL_UNROLL
  for (int i = 0; i < 4; ++i) out.l[i] = (v.l[i] & keep) | (d.l[i] & ~keep);
  return out;
}

#if defined(__CUDA_ARCH__)
// t[0..4] += a[0..3]·b as one carry chain of low halves then one of high halves. Exact: the
// caller's bound keeps the sum below 2^320.
__device__ __forceinline__ void MulAccumulateRow(uint64_t& t0, uint64_t& t1, uint64_t& t2,
                                                 uint64_t& t3, uint64_t& t4, uint64_t a0,
                                                 uint64_t a1, uint64_t a2, uint64_t a3,
                                                 uint64_t b) {
  asm("mad.lo.cc.u64 %0, %5, %9, %0;\n\t"
      "madc.lo.cc.u64 %1, %6, %9, %1;\n\t"
      "madc.lo.cc.u64 %2, %7, %9, %2;\n\t"
      "madc.lo.cc.u64 %3, %8, %9, %3;\n\t"
      "addc.u64 %4, %4, 0;\n\t"
      "mad.hi.cc.u64 %1, %5, %9, %1;\n\t"
      "madc.hi.cc.u64 %2, %6, %9, %2;\n\t"
      "madc.hi.cc.u64 %3, %7, %9, %3;\n\t"
      "madc.hi.u64 %4, %8, %9, %4;"
      : "+l"(t0), "+l"(t1), "+l"(t2), "+l"(t3), "+l"(t4)
      : "l"(a0), "l"(a1), "l"(a2), "l"(a3), "l"(b));
}
#endif

// The Montgomery product a·b·R^-1 mod m of reduced a, b (CIOS, no-carry).
template <class P>
CHAINACCEL_HD FieldElement<P> MontgomeryMul(const FieldElement<P>& a, const FieldElement<P>& b) {
  uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
#if defined(__CUDA_ARCH__)
  CHAINACCEL_UNROLL
  for (int i = 0; i < 4; ++i) {
    // Entering, t < 2m; t + a·b_i + q·m < 2m + 2·m·2^64 < 2^320: five limbs suffice.
    MulAccumulateRow(t0, t1, t2, t3, t4, a.l[0], a.l[1], a.l[2], a.l[3], b.l[i]);
    const uint64_t q = t0 * P::kInv;
    MulAccumulateRow(t0, t1, t2, t3, t4, P::kM0, P::kM1, P::kM2, P::kM3, q);
    t0 = t1;  // the low limb is now zero: shift down one limb
    t1 = t2;
    t2 = t3;
    t3 = t4;
    t4 = 0;
  }
#else
  using u128 = unsigned __int128;
  const uint64_t m[4] = {P::kM0, P::kM1, P::kM2, P::kM3};
  for (int i = 0; i < 4; ++i) {
    uint64_t t[5] = {t0, t1, t2, t3, t4};
    u128 carry = 0;
    for (int j = 0; j < 4; ++j) {
      carry += static_cast<u128>(a.l[j]) * b.l[i] + t[j];
      t[j] = static_cast<uint64_t>(carry);
      carry >>= 64;
    }
    t[4] += static_cast<uint64_t>(carry);
    const uint64_t q = t[0] * P::kInv;
    carry = 0;
    for (int j = 0; j < 4; ++j) {
      carry += static_cast<u128>(q) * m[j] + t[j];
      t[j] = static_cast<uint64_t>(carry);
      carry >>= 64;
    }
    t[4] += static_cast<uint64_t>(carry);
    t0 = t[1];
    t1 = t[2];
    t2 = t[3];
    t3 = t[4];
    t4 = 0;
  }
#endif
  return ReduceOnce<P>(FieldElement<P>{{t0, t1, t2, t3}});
}

}  // namespace field_detail

template <class P>
CHAINACCEL_HD FieldElement<P> operator+(const FieldElement<P>& a, const FieldElement<P>& b) {
  FieldElement<P> s;
  field_detail::Add4(a.l, b.l, s.l);  // < 2m < 2^256: no carry out
  return field_detail::ReduceOnce<P>(s);
}

template <class P>
CHAINACCEL_HD FieldElement<P> operator-(const FieldElement<P>& a, const FieldElement<P>& b) {
  FieldElement<P> d;
  const uint64_t mask = 0 - field_detail::Sub4(a.l, b.l, d.l);  // all ones on a borrow
  const FieldElement<P> m = FieldElement<P>::Modulus();
  const FieldElement<P> add_back = {{m.l[0] & mask, m.l[1] & mask, m.l[2] & mask, m.l[3] & mask}};
  field_detail::Add4(d.l, add_back.l, d.l);
  return d;
}

template <class P>
CHAINACCEL_HD FieldElement<P> operator-(const FieldElement<P>& a) {
  return FieldElement<P>::Zero() - a;
}

template <class P>
CHAINACCEL_HD FieldElement<P> operator*(const FieldElement<P>& a, const FieldElement<P>& b) {
  return field_detail::MontgomeryMul<P>(a, b);
}

template <class P>
CHAINACCEL_HD FieldElement<P> Double(const FieldElement<P>& a) {
  return a + a;
}

template <class P>
CHAINACCEL_HD FieldElement<P> Square(const FieldElement<P>& a) {
  return field_detail::MontgomeryMul<P>(a, a);
}

// The canonical integer v (< m) in Montgomery form, and back.
template <class P>
CHAINACCEL_HD FieldElement<P> ToMontgomery(const FieldElement<P>& canonical) {
  return canonical * FieldElement<P>::RSquared();
}
template <class P>
CHAINACCEL_HD FieldElement<P> FromMontgomery(const FieldElement<P>& a) {
  return a * FieldElement<P>{{1, 0, 0, 0}};
}

// a^e for the little-endian exponent limbs e[0..limbs) (square and multiply, variable
// time in e).
template <class P>
CHAINACCEL_HD FieldElement<P> Pow(const FieldElement<P>& a, const uint64_t* e, int limbs) {
  FieldElement<P> result = FieldElement<P>::One();
  for (int i = limbs * 64 - 1; i >= 0; --i) {
    result = Square(result);
    if ((e[i / 64] >> (i % 64)) & 1) result = result * a;
  }
  return result;
}

// a^(m - 2) = a^-1 (Fermat); zero gives zero.
template <class P>
CHAINACCEL_HD FieldElement<P> Inverse(const FieldElement<P>& a) {
  const uint64_t e[4] = {P::kM0 - 2, P::kM1, P::kM2, P::kM3};  // kM0 is odd and > 2
  return Pow(a, e, 4);
}

}  // namespace chainaccel::kernels::zk
