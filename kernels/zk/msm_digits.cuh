// The host-and-device pieces of the MSM's algorithm (G1 and G2) (msm_kernels.cuh runs them in its
// kernels; msm_digits_test.cc runs them on the host against crypto/bn254): the signed
// c-bit digits of a scalar, the weighted sum of one segment of buckets, and the windows'
// combination. Pure functions, thread-safe.
#pragma once

#include <cstdint>

#include "kernels/host_device.h"
#include "kernels/zk/bn254_curve.cuh"

namespace chainaccel::kernels::zk {

// Scalars are below r < 2^254.
inline constexpr int kMsmScalarBits = 254;

// Windows of c bits for scalars below 2^254: W·c >= 255 leaves the top window room for
// the last carry of the signed digits.
CHAINACCEL_HD int MsmWindowCount(int c) { return kMsmScalarBits / c + 1; }

// The c bits of the 4-limb scalar s starting at bit `bit` (zero past bit 255).
CHAINACCEL_HD uint32_t MsmWindowBits(const uint64_t* s, int bit, int c) {
  if (bit >= 256) return 0;
  const int limb = bit / 64, shift = bit % 64;
  uint64_t bits = s[limb] >> shift;
  if (shift + c > 64 && limb < 3) bits |= s[limb + 1] << (64 - shift);
  return static_cast<uint32_t>(bits) & ((1u << c) - 1);
}

// One signed digit: window bits plus the incoming carry, in [0, 2^c]; above 2^(c-1) it
// becomes d - 2^c (negative, returned as its magnitude with *negative set) and carries one
// into the next window. Digits lie in [-(2^(c-1) - 1), 2^(c-1)].
CHAINACCEL_HD uint32_t MsmSignedDigit(uint32_t window_bits, int c, uint32_t* carry,
                                      bool* negative) {
  const uint32_t half = 1u << (c - 1);
  uint32_t digit = window_bits + *carry;
  *negative = digit > half;
  *carry = *negative ? 1 : 0;
  if (*negative) digit = (1u << c) - digit;
  return digit;
}

// Σ_{b in [lo, lo + length)} (b + 1)·B_b for buckets B (at `buckets`, XYZZ over F,
// XyzzPoint<F>::kLimbs limbs each): a running sum from the top gives Σ (b - lo + 1)·B_b,
// plus lo·Σ B_b.
template <class F>
CHAINACCEL_HD XyzzPoint<F> MsmSegmentSum(const uint64_t* buckets, uint32_t lo, uint32_t length) {
  using Point = XyzzPoint<F>;
  Point running = Point::Infinity(), total = Point::Infinity();
  for (uint32_t b = lo + length; b-- > lo;) {
    running = PointAdd(running, Point::Load(buckets + Point::kLimbs * static_cast<size_t>(b)));
    total = PointAdd(total, running);
  }
  return PointAdd(total, PointMulSmall(running, lo));
}

// Σ_w 2^(c·w)·window_sums[w] by Horner's rule.
template <class F>
CHAINACCEL_HD XyzzPoint<F> MsmCombineWindows(const uint64_t* window_sums, int windows, int c) {
  using Point = XyzzPoint<F>;
  Point acc = Point::Infinity();
  for (int w = windows - 1; w >= 0; --w) {
    for (int k = 0; k < c; ++k) acc = PointDouble(acc);
    acc = PointAdd(acc, Point::Load(window_sums + Point::kLimbs * static_cast<size_t>(w)));
  }
  return acc;
}

}  // namespace chainaccel::kernels::zk
