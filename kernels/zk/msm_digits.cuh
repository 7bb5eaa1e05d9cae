// The host-and-device pieces of the MSM's algorithm (G1 and G2) (msm_kernels.cuh runs them in its
// kernels; msm_digits_test.cc runs them on the host against crypto/bn254): the signed
// c-bit digits of a scalar, the buckets' offsets, the chunked bucket filling, the weighted sum of one segment of
// buckets, and the windows' combination. Pure functions, thread-safe.
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

// Where bucket b starts among the pairs sorted by bucket: the first position whose key is
// >= b (the zero digits' sentinel key, the total bucket count, sorts after every bucket, so
// b = total gives the number of non-zero pairs). Binary search over [0, pairs).
CHAINACCEL_HD uint32_t MsmBucketOffset(const uint32_t* sorted_keys, uint32_t pairs, uint32_t b) {
  uint32_t lo = 0, hi = pairs;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (sorted_keys[mid] < b) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// Chunked bucket filling: the pairs sorted by bucket (the non-zero ones, positions
// [0, pairs)) are cut into chunks of `chunk_length` consecutive positions, one thread
// each, so that every thread adds the same number of points whatever the buckets' sizes.
// A chunk adds its points bucket by bucket and stores each run's sum as one piece: a run
// that starts where its bucket starts is the bucket's first piece (firsts[bucket]); the
// run at the chunk's start inside a bucket is the chunk's head (heads[chunk]). Bucket b is
// then firsts[b] plus the heads of the chunks that start strictly inside it
// (MsmBucketFromPieces). Points are affine over F (AffinePoint<F>::kLimbs limbs each,
// `bases`), a value is a point index with bit 31 set for a negated point; pieces are XYZZ
// (XyzzPoint<F>::kLimbs limbs each).
inline constexpr uint32_t kMsmNegativeBit = 0x80000000u;

template <class F>
CHAINACCEL_HD void MsmChunkSum(const uint64_t* bases, const uint32_t* sorted_keys,
                               const uint32_t* sorted_values, const uint32_t* bucket_offsets,
                               uint32_t pairs, uint32_t chunk, uint32_t chunk_length,
                               uint64_t* firsts, uint64_t* heads) {
  using Point = XyzzPoint<F>;
  using Affine = AffinePoint<F>;
  const uint32_t start = chunk * chunk_length;
  if (start >= pairs) return;
  const uint32_t end = pairs - start < chunk_length ? pairs : start + chunk_length;
  uint32_t bucket = sorted_keys[start];
  bool head = bucket_offsets[bucket] != start;
  Point acc = Point::Infinity();
  for (uint32_t j = start; j < end; ++j) {
    const uint32_t key = sorted_keys[j];
    if (key != bucket) {
      acc.Store(head ? heads + Point::kLimbs * static_cast<size_t>(chunk)
                     : firsts + Point::kLimbs * static_cast<size_t>(bucket));
      head = false;
      bucket = key;
      acc = Point::Infinity();
    }
    const uint32_t v = sorted_values[j];
    Affine p = Affine::Load(bases + Affine::kLimbs * static_cast<size_t>(v & ~kMsmNegativeBit));
    if (v & kMsmNegativeBit) p = p.Negated();
    acc = PointAddMixed(acc, p);
  }
  acc.Store(head ? heads + Point::kLimbs * static_cast<size_t>(chunk)
                 : firsts + Point::kLimbs * static_cast<size_t>(bucket));
}

// Bucket b's sum from MsmChunkSum's pieces: infinity when the bucket is empty.
template <class F>
CHAINACCEL_HD XyzzPoint<F> MsmBucketFromPieces(uint32_t b, const uint32_t* bucket_offsets,
                                               uint32_t chunk_length, const uint64_t* firsts,
                                               const uint64_t* heads) {
  using Point = XyzzPoint<F>;
  const uint32_t lo = bucket_offsets[b], hi = bucket_offsets[b + 1];
  if (lo == hi) return Point::Infinity();
  Point acc = Point::Load(firsts + Point::kLimbs * static_cast<size_t>(b));
  for (uint32_t chunk = lo / chunk_length + 1; chunk * chunk_length < hi; ++chunk) {
    acc = PointAdd(acc, Point::Load(heads + Point::kLimbs * static_cast<size_t>(chunk)));
  }
  return acc;
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
