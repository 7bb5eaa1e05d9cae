// The host-and-device pieces of the G1 MSM's algorithm (msm_kernels.cuh runs them in its
// kernels; msm_digits_test.cc runs them on the host against crypto/bn254): the signed
// c-bit digits of a scalar, the weighted sum of one segment of buckets, and the windows'
// combination. Pure functions, thread-safe.
#pragma once

#include <cstdint>

#include "kernels/host_device.h"
#include "kernels/zk/bn254_g1.cuh"

namespace chainaccel::kernels::zk {

// Windows of c bits for scalars below 2^254: W·c >= 255 leaves the top window room for
// the last carry of the signed digits.
CHAINACCEL_HD int MsmWindowCount(int c) { return 254 / c + 1; }

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

// Σ_{b in [lo, lo + length)} (b + 1)·B_b for buckets B (at `buckets`, XYZZ, 16 limbs each):
// a running sum from the top gives Σ (b - lo + 1)·B_b, plus lo·Σ B_b.
CHAINACCEL_HD G1XyzzPoint MsmSegmentSum(const uint64_t* buckets, uint32_t lo, uint32_t length) {
  G1XyzzPoint running = G1XyzzPoint::Infinity(), total = G1XyzzPoint::Infinity();
  for (uint32_t b = lo + length; b-- > lo;) {
    running = G1Add(running, G1XyzzPoint::Load(buckets + kG1XyzzLimbs * static_cast<size_t>(b)));
    total = G1Add(total, running);
  }
  return G1Add(total, G1MulSmall(running, lo));
}

// Σ_w 2^(c·w)·window_sums[w] by Horner's rule.
CHAINACCEL_HD G1XyzzPoint MsmCombineWindows(const uint64_t* window_sums, int windows, int c) {
  G1XyzzPoint acc = G1XyzzPoint::Infinity();
  for (int w = windows - 1; w >= 0; --w) {
    for (int k = 0; k < c; ++k) acc = G1Double(acc);
    acc = G1Add(acc, G1XyzzPoint::Load(window_sums + kG1XyzzLimbs * static_cast<size_t>(w)));
  }
  return acc;
}

}  // namespace chainaccel::kernels::zk
