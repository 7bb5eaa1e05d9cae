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

inline constexpr uint32_t kMsmNegativeBit = 0x80000000u;

// The signed c-bit digits of scalar i (MsmSignedDigit), windows 0..W-1, least significant
// first. Writes key and value of pair (w, i) at w·n + i and counts
// the non-zero digits per bucket. REQUIRES: scalars < 2^254 (W·c >= 255 leaves the top
// window room for the last carry).
__global__ void MsmDigitsKernel(const uint64_t* __restrict__ scalars, uint32_t n, int c,
                                int windows, uint32_t* __restrict__ keys,
                                uint32_t* __restrict__ values,
                                uint32_t* __restrict__ bucket_counts) {
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
    const uint32_t value = i | (negative ? kMsmNegativeBit : 0u);
    const size_t at = static_cast<size_t>(w) * n + i;
    if (digit == 0) {
      keys[at] = zero_key;
    } else {
      const uint32_t key = static_cast<uint32_t>(w) * half + digit - 1;
      keys[at] = key;
      atomicAdd(&bucket_counts[key], 1u);
    }
    values[at] = value;
  }
}

// tasks_per_bucket[b] = ceil(count[b] / points_per_task).
__global__ void MsmTaskCountKernel(const uint32_t* __restrict__ bucket_counts,
                                   uint32_t total_buckets, uint32_t points_per_task,
                                   uint32_t* __restrict__ tasks_per_bucket) {
  const uint32_t b = blockIdx.x * blockDim.x + threadIdx.x;
  if (b >= total_buckets) return;
  tasks_per_bucket[b] = (bucket_counts[b] + points_per_task - 1) / points_per_task;
}

// Writes bucket b's tasks: task_offsets[b] + t runs from bucket_offsets[b] + t·K.
__global__ void MsmTaskListKernel(const uint32_t* __restrict__ bucket_offsets,
                                  const uint32_t* __restrict__ task_offsets,
                                  uint32_t total_buckets, uint32_t points_per_task,
                                  uint32_t* __restrict__ task_bucket,
                                  uint32_t* __restrict__ task_start) {
  const uint32_t b = blockIdx.x * blockDim.x + threadIdx.x;
  if (b >= total_buckets) return;
  const uint32_t first = task_offsets[b], last = task_offsets[b + 1];
  for (uint32_t t = first; t < last; ++t) {
    task_bucket[t] = b;
    task_start[t] = bucket_offsets[b] + (t - first) * points_per_task;
  }
}

// partials[t] = the sum of task t's (signed) points: at most K of one bucket's run in the
// sorted values. Threads past the actual task count (task_offsets[total_buckets]) exit.
template <class F>
__global__ void MsmAccumulateKernel(const uint64_t* __restrict__ bases,
                                    const uint32_t* __restrict__ sorted_values,
                                    const uint32_t* __restrict__ bucket_offsets,
                                    const uint32_t* __restrict__ task_offsets,
                                    const uint32_t* __restrict__ task_bucket,
                                    const uint32_t* __restrict__ task_start,
                                    uint32_t total_buckets, uint32_t points_per_task,
                                    uint64_t* __restrict__ partials) {
  const uint32_t t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= task_offsets[total_buckets]) return;
  const uint32_t b = task_bucket[t];
  const uint32_t start = task_start[t];
  const uint32_t end = min(start + points_per_task, bucket_offsets[b + 1]);
  using Affine = AffinePoint<F>;
  XyzzPoint<F> acc = XyzzPoint<F>::Infinity();
  for (uint32_t j = start; j < end; ++j) {
    const uint32_t v = sorted_values[j];
    Affine p = Affine::Load(bases + Affine::kLimbs * static_cast<size_t>(v & ~kMsmNegativeBit));
    if (v & kMsmNegativeBit) p = p.Negated();
    acc = PointAddMixed(acc, p);
  }
  acc.Store(partials + XyzzPoint<F>::kLimbs * static_cast<size_t>(t));
}

// buckets[b] = the sum of bucket b's partials (infinity for an empty bucket).
template <class F>
__global__ void MsmBucketSumKernel(const uint64_t* __restrict__ partials,
                                   const uint32_t* __restrict__ task_offsets,
                                   uint32_t total_buckets, uint64_t* __restrict__ buckets) {
  const uint32_t b = blockIdx.x * blockDim.x + threadIdx.x;
  if (b >= total_buckets) return;
  using Point = XyzzPoint<F>;
  Point acc = Point::Infinity();
  for (uint32_t t = task_offsets[b]; t < task_offsets[b + 1]; ++t) {
    acc = PointAdd(acc, Point::Load(partials + Point::kLimbs * static_cast<size_t>(t)));
  }
  acc.Store(buckets + Point::kLimbs * static_cast<size_t>(b));
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
