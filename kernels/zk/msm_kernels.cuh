// The __global__ kernels of the G1 and G2 multi-scalar multiplications (msm_launch.cu
// drives them; the algorithm and its layout are described there and in kernels/zk/NOTES.md).
// The point kernels are templates over the coordinate field F: Fp for G1, Fp2 for G2.
//
// Terms: c = window bits, W windows, B = 2^(c-1) buckets per window; a "pair" is one
// (window, point) digit: its key is w·B + |digit| - 1 (the sentinel W·B for a zero digit,
// which sorts last and is never read), its value the point index with bit 31 set when the
// digit is negative.
#pragma once

#include <cstdint>

#include "kernels/zk/bn254_curve.cuh"
#include "kernels/zk/msm_digits.cuh"

namespace chainaccel::kernels::zk {

// The signed c-bit digits of scalar i (MsmSignedDigit), windows 0..W-1, least significant
// first. Writes key and value of pair (w, i) at w·n + i. REQUIRES: scalars < 2^254
// (W·c >= 255 leaves the top window room for the last carry).
__global__ void MsmDigitsKernel(const uint64_t* __restrict__ scalars, uint32_t n, int c,
                                int windows, uint32_t* __restrict__ keys,
                                uint32_t* __restrict__ values) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  uint64_t s[4];
  CHAINACCEL_UNROLL
  for (int k = 0; k < 4; ++k) s[k] = scalars[4 * static_cast<size_t>(i) + k];
  const uint32_t half = 1u << (c - 1);
  const uint32_t zero_key = static_cast<uint32_t>(windows) * half;
  uint32_t carry = 0;
  for (int w = 0; w < windows; ++w) {
    bool negative = false;
    const uint32_t digit = MsmSignedDigit(MsmWindowBits(s, w * c, c), c, &carry, &negative);
    const size_t at = static_cast<size_t>(w) * n + i;
    keys[at] = digit == 0 ? zero_key : static_cast<uint32_t>(w) * half + digit - 1;
    values[at] = i | (negative ? kMsmNegativeBit : 0u);
  }
}

// bucket_offsets[b] = MsmBucketOffset(b) for b in [0, total_buckets]: the last entry is the
// number of non-zero pairs.
__global__ void MsmBucketOffsetsKernel(const uint32_t* __restrict__ sorted_keys, uint32_t pairs,
                                       uint32_t total_buckets,
                                       uint32_t* __restrict__ bucket_offsets) {
  const uint32_t b = blockIdx.x * blockDim.x + threadIdx.x;
  if (b > total_buckets) return;
  bucket_offsets[b] = MsmBucketOffset(sorted_keys, pairs, b);
}

// Chunk t of MsmChunkSum: the pieces of the sorted pairs [t·K, t·K + K). `pairs` is read
// on the device (the non-zero pairs, bucket_offsets[total_buckets]); threads past the last
// chunk exit.
template <class F>
__global__ void MsmChunkSumKernel(const uint64_t* __restrict__ bases,
                                  const uint32_t* __restrict__ sorted_keys,
                                  const uint32_t* __restrict__ sorted_values,
                                  const uint32_t* __restrict__ bucket_offsets,
                                  uint32_t total_buckets, uint32_t chunk_length,
                                  uint64_t* __restrict__ firsts, uint64_t* __restrict__ heads) {
  const uint32_t chunk = blockIdx.x * blockDim.x + threadIdx.x;
  MsmChunkSum<F>(bases, sorted_keys, sorted_values, bucket_offsets,
                 bucket_offsets[total_buckets], chunk, chunk_length, firsts, heads);
}

// buckets[b] = MsmBucketFromPieces(b), in place over the first pieces (`buckets` holds
// firsts on entry; each thread reads and writes only its own bucket).
template <class F>
__global__ void MsmBucketSumKernel(const uint32_t* __restrict__ bucket_offsets,
                                   uint32_t total_buckets, uint32_t chunk_length,
                                   const uint64_t* __restrict__ heads, uint64_t* buckets) {
  const uint32_t b = blockIdx.x * blockDim.x + threadIdx.x;
  if (b >= total_buckets) return;
  MsmBucketFromPieces<F>(b, bucket_offsets, chunk_length, buckets, heads)
      .Store(buckets + XyzzPoint<F>::kLimbs * static_cast<size_t>(b));
}

// One thread per (window, segment of L buckets [lo, lo + L)): Σ_{b in segment} (b+1)·B_b
// by a running sum from the top (Σ (b - lo + 1)·B_b) plus lo·(Σ B_b).
template <class F>
__global__ void MsmSegmentKernel(const uint64_t* __restrict__ buckets, int windows,
                                 uint32_t buckets_per_window, uint32_t segment_length,
                                 uint64_t* __restrict__ segments) {
  const uint32_t segments_per_window = buckets_per_window / segment_length;
  const uint32_t id = blockIdx.x * blockDim.x + threadIdx.x;
  if (id >= static_cast<uint32_t>(windows) * segments_per_window) return;
  const uint32_t w = id / segments_per_window, s = id % segments_per_window;
  const uint32_t lo = s * segment_length;
  constexpr int kLimbs = XyzzPoint<F>::kLimbs;
  const uint64_t* base = buckets + kLimbs * (static_cast<size_t>(w) * buckets_per_window);
  MsmSegmentSum<F>(base, lo, segment_length).Store(segments + kLimbs * static_cast<size_t>(id));
}

inline constexpr int kMsmReduceThreads = 128;

// One block per window: window_sums[w] = Σ of the window's segment results (strided
// serial sums, then a tree in shared memory).
template <class F>
__global__ void __launch_bounds__(kMsmReduceThreads)
    MsmWindowReduceKernel(const uint64_t* __restrict__ segments, uint32_t segments_per_window,
                          uint64_t* __restrict__ window_sums) {
  using Point = XyzzPoint<F>;
  __shared__ uint64_t shared[kMsmReduceThreads * Point::kLimbs];
  const uint64_t* base = segments + Point::kLimbs * (static_cast<size_t>(blockIdx.x) * segments_per_window);
  Point acc = Point::Infinity();
  for (uint32_t s = threadIdx.x; s < segments_per_window; s += blockDim.x) {
    acc = PointAdd(acc, Point::Load(base + Point::kLimbs * static_cast<size_t>(s)));
  }
  acc.Store(shared + Point::kLimbs * threadIdx.x);
  for (unsigned stride = blockDim.x / 2; stride > 0; stride /= 2) {
    __syncthreads();
    if (threadIdx.x < stride) {
      acc = PointAdd(acc, Point::Load(shared + Point::kLimbs * (threadIdx.x + stride)));
      acc.Store(shared + Point::kLimbs * threadIdx.x);
    }
  }
  if (threadIdx.x == 0) acc.Store(window_sums + Point::kLimbs * static_cast<size_t>(blockIdx.x));
}

// One thread: Σ_w 2^(c·w)·window_sums[w] by Horner's rule, as a Jacobian point.
template <class F>
__global__ void MsmCombineKernel(const uint64_t* __restrict__ window_sums, int windows, int c,
                                 uint64_t* __restrict__ result) {
  if (blockIdx.x != 0 || threadIdx.x != 0) return;
  ToJacobian(MsmCombineWindows<F>(window_sums, windows, c)).Store(result);
}

}  // namespace chainaccel::kernels::zk
