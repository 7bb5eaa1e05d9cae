// Half-size scalars for Ed25519 verification (kernels/NOTES.md, "Next for Ed25519"): for
// k < 2^253, a pair (c, d) with d ≡ c k (mod 8L), c odd and |c|, d below 2^133, so that
// [c]([S]B - [k]A - R) = [c S mod L]B - [d]A - [c]R is the identity exactly when
// [S]B - [k]A - R is (the cofactorless equation libsodium checks): a non-zero point of
// the Ed25519 group has order 2, 4 or 8, which cannot divide an odd c, or a multiple of L,
// which is larger than |c|; and modulo 8L, not L, because A and R may carry a torsion
// component (their orders divide 8L). The variable-base part then takes ~127 doublings
// instead of 253.
//
// The truncated extended Euclid of Antipa et al. on (8L, k): r_-1 = 8L, r_0 = k, t_-1 = 0,
// t_0 = 1, r_i+1 = r_i-1 - q r_i, t_i+1 = t_i-1 - q t_i (t_i has the sign (-1)^i, so the
// magnitudes add: |t_i+1| = |t_i-1| + q |t_i|); r_i ≡ t_i k (mod 8L) at every step. At
// the first r_i < 2^128, |t_i| <= 8L / r_i-1 < 2^127.01. When t_i is even, t_i-1 is odd
// (consecutive t are coprime), and so is every t_i-1 - m t_i: the pair is the one of
// (t_i-1 - m t_i, r_i-1 - m r_i) that balances its two sizes. When (t_i, r_i) is much
// shorter than 2^127 (k = L - 1 gives (-8, 8)) no short pair with c odd exists; past
// 2^133 the result says !ok and the caller uses the full-size equation. Variable time (the
// quotients' bits), like the rest of verification.
//
// Status: a host-tested building block (kernels/ed25519_half_scalars_test.cc); no kernel
// uses it yet.
#pragma once

#include <cstdint>

#include "kernels/ed25519.cuh"

namespace chainaccel::kernels {

// The bound on |c| and d. The pair with c odd is ~2^127.5 for most k; it is longer when
// the lattice's shortest vector has c even and is short (a chance of ~1/x^2 for a vector
// x times below 2^127.5): with 2^130 as the bound 0.65 % of random k found none, so 2^133
// (27 signed 5-bit windows hold it).
inline constexpr int kEdHalfScalarBits = 133;

struct EdHalfScalars {
  U256 c;           // |c|, odd
  U256 d;           // d >= 0
  bool c_negative;  // c = -|c|
  bool ok;          // false: no pair below 2^kEdHalfScalarBits (use the full-size equation)
};

// The index of the highest set bit plus one (0 for 0).
CHAINACCEL_HD int U256BitLength(const U256& a) {
  for (int i = 7; i >= 0; --i) {
    if (a.w[i] == 0) continue;
#if defined(__CUDA_ARCH__)
    return 32 * i + 32 - __clz(static_cast<int>(a.w[i]));
#else
    return 32 * i + 32 - __builtin_clz(a.w[i]);
#endif
  }
  return 0;
}

// a << s for 0 <= s < 256 (bits past 255 are lost).
CHAINACCEL_HD U256 U256ShiftLeft(const U256& a, int s) {
  U256 out = U256Zero();
  const int limbs = s / 32, bits = s % 32;
  for (int i = 7; i >= limbs; --i) {
    uint32_t v = a.w[i - limbs] << bits;
    if (bits != 0 && i - limbs - 1 >= 0) v |= a.w[i - limbs - 1] >> (32 - bits);
    out.w[i] = v;
  }
  return out;
}

CHAINACCEL_HD bool U256Below2Pow(const U256& a, int bits) { return U256BitLength(a) <= bits; }

// 8L = 2^255 + 8 (L - 2^252), below 2^256.
CHAINACCEL_HD U256 Ed25519EightOrder() { return U256ShiftLeft(Ed25519Order(), 3); }

// One Euclid step on magnitudes: r_prev := r_prev mod r, t_prev := t_prev + q t, where
// q = floor(r_prev / r) (shift and subtract). REQUIRES r != 0.
CHAINACCEL_HD void EdEuclidStep(U256& r_prev, U256& t_prev, const U256& r, const U256& t) {
  for (int s = U256BitLength(r_prev) - U256BitLength(r); s >= 0; --s) {
    const U256 shifted = U256ShiftLeft(r, s);
    if (!U256Less(r_prev, shifted)) {
      U256Sub(r_prev, shifted, r_prev);
      U256Add(t_prev, U256ShiftLeft(t, s), t_prev);
    }
  }
}

// The pair for k < 2^253 (see above).
CHAINACCEL_HD EdHalfScalars EdReduceHalfScalars(const U256& k) {
  // The Euclid of two 256-bit numbers takes at most ~370 steps; the cap only guards the
  // loop.
  constexpr int kMaxSteps = 512;
  U256 r_prev = Ed25519EightOrder(), t_prev = U256Zero();
  U256 r = k, t = U256Small(1);
  int step = 0;  // t has the sign (-1)^step
  while (!U256Below2Pow(r, 128) && step < kMaxSteps) {
    EdEuclidStep(r_prev, t_prev, r, t);
    const U256 r_next = r_prev, t_next = t_prev;
    r_prev = r;
    t_prev = t;
    r = r_next;
    t = t_next;
    ++step;
  }
  EdHalfScalars out{t, r, (step & 1) != 0, step < kMaxSteps};
  if (!out.ok || U256Bit(t, 0)) return out;
  // t_i even, so t_i-1 is odd, and so is every t_i-1 - m t_i: take the m that balances
  // |c| = |t_i-1| + m |t_i| against d = r_i-1 - m r_i, m = floor((r_i-1 - |t_i-1|) /
  // (r_i + |t_i|)) or one more.
  // (step >= 1 here: t_0 = 1 is odd.)
  U256 numerator, denominator, m = U256Zero();
  if (U256Sub(r_prev, t_prev, numerator) != 0) numerator = U256Zero();
  U256Add(r, t, denominator);
  EdEuclidStep(numerator, m, denominator, U256Small(1));  // m = quotient
  out.ok = false;
  U256 best_max;
  for (int extra = 0; extra < 2; ++extra) {
    U256 candidate_m;
    U256Add(m, U256Small(static_cast<uint32_t>(extra)), candidate_m);
    uint32_t mt[16], mr[16];
    U256MulWide(candidate_m, t, mt);
    U256MulWide(candidate_m, r, mr);
    bool fits = true;
    for (int w = 8; w < 16; ++w) fits = fits && mt[w] == 0 && mr[w] == 0;
    U256 c, d, mt_low, mr_low;
    for (int w = 0; w < 8; ++w) {
      mt_low.w[w] = mt[w];
      mr_low.w[w] = mr[w];
    }
    fits = fits && U256Add(t_prev, mt_low, c) == 0 && U256Sub(r_prev, mr_low, d) == 0;
    if (!fits) continue;
    const U256 larger = U256Less(c, d) ? d : c;
    if (!out.ok || U256Less(larger, best_max)) {
      out = EdHalfScalars{c, d, ((step - 1) & 1) != 0, true};
      best_max = larger;
    }
  }
  out.ok = out.ok && U256Below2Pow(out.c, kEdHalfScalarBits) &&
           U256Below2Pow(out.d, kEdHalfScalarBits);
  return out;
}

}  // namespace chainaccel::kernels
