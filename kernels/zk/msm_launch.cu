#include "kernels/zk/msm_launch.h"

#include <cub/device/device_radix_sort.cuh>

#include <algorithm>
#include <string>

#include "kernels/cuda_status.h"
#include "kernels/launch_check.h"
#include "kernels/zk/msm_kernels.cuh"

namespace chainaccel::kernels::zk {
namespace {

constexpr int kMinWindowBits = 2;
constexpr int kMaxWindowBits = 20;
// Buckets one running-sum thread walks (H200, 2026-12-03): with few buckets the segment
// kernel is latency-bound, and 16 halves its serial chain (32 running-sum additions, plus
// the lo·(Σ B) correction; MSM 2^16: 4.73 -> 4.13 ms); from 2^19 buckets it is bound by
// throughput, and 32 halves the corrections (c = 17, 2^24: 2.45 ms against 3.68 with 16).
constexpr uint32_t kShortSegmentLength = 16, kLongSegmentLength = 32;
constexpr uint32_t kLongSegmentBuckets = uint32_t{1} << 19;
constexpr size_t kLongChunkPairs = size_t{1} << 27;
constexpr int kThreadsPerBlock = 128;
constexpr size_t kRegionAlignment = 256;
// MsmWindowWidth's cost model, in mixed additions: a bucket costs
// about six additions (its partial sums, two running-sum additions, its share of the
// segment correction; fitted to the H200 window sweep of 2026-12-03, bench/RESULTS.md);
// an addition one thread must make in sequence costs what the whole device does in
// parallel meanwhile (~2^17 threads in flight on 132 SMs).
constexpr double kBucketCost = 6;
constexpr double kSerialAdditionCost = double{1 << 17};

// Where each array of the workspace lies, and the sizes behind them.
struct MsmPlan {
  int c = 0, windows = 0, key_bits = 0;
  size_t point_bytes = 0;  // one XYZZ point: 128 (G1) or 256 (G2) bytes
  uint32_t buckets_per_window = 0, total_buckets = 0, segment_length = 0,
           segments_per_window = 0, chunk_length = 0;
  size_t pairs = 0, chunks = 0;
  size_t keys[2] = {}, values[2] = {}, bucket_offsets = 0, heads = 0,
         buckets = 0, segments = 0, window_sums = 0, cub_temp = 0;
  size_t cub_temp_bytes = 0, total_bytes = 0;
};

// Appends a region of `bytes` to the plan's running size; returns its offset.
size_t Carve(size_t* size, size_t bytes) {
  const size_t at = (*size + kRegionAlignment - 1) / kRegionAlignment * kRegionAlignment;
  *size = at + bytes;
  return at;
}

void PlanShape(size_t n, int window_bits, size_t point_bytes, MsmPlan* plan) {
  plan->c = window_bits;
  plan->point_bytes = point_bytes;
  plan->windows = MsmWindowCount(plan->c);
  plan->buckets_per_window = 1u << (plan->c - 1);
  plan->total_buckets = plan->buckets_per_window * static_cast<uint32_t>(plan->windows);
  plan->key_bits = 1;
  while ((uint64_t{1} << plan->key_bits) <= plan->total_buckets) ++plan->key_bits;
  const uint32_t segment_length =
      plan->total_buckets >= kLongSegmentBuckets ? kLongSegmentLength : kShortSegmentLength;
  plan->segment_length = std::min(segment_length, plan->buckets_per_window);
  plan->segments_per_window = plan->buckets_per_window / plan->segment_length;
  plan->pairs = n * static_cast<size_t>(plan->windows);
  plan->chunk_length = MsmChunkLength(plan->pairs);
  plan->chunks = (plan->pairs + plan->chunk_length - 1) / plan->chunk_length;
}

Status PlanCubTemp(MsmPlan* plan) {
  cub::DoubleBuffer<uint32_t> keys(nullptr, nullptr), values(nullptr, nullptr);
  const cudaError_t error =
      cub::DeviceRadixSort::SortPairs(nullptr, plan->cub_temp_bytes, keys, values,
                                      static_cast<int>(plan->pairs), 0, plan->key_bits);
  if (error != cudaSuccess) return CudaStatus(error, "MsmWorkspaceBytes(sort)");
  return Status::Ok();
}

void PlanRegions(MsmPlan* plan) {
  size_t size = 0;
  const size_t pair_bytes = plan->pairs * sizeof(uint32_t);
  const size_t bucket_words = (plan->total_buckets + size_t{1}) * sizeof(uint32_t);
  const size_t point_bytes = plan->point_bytes;
  for (int i = 0; i < 2; ++i) plan->keys[i] = Carve(&size, pair_bytes);
  for (int i = 0; i < 2; ++i) plan->values[i] = Carve(&size, pair_bytes);
  plan->bucket_offsets = Carve(&size, bucket_words);
  plan->heads = Carve(&size, plan->chunks * point_bytes);
  plan->buckets = Carve(&size, plan->total_buckets * point_bytes);
  plan->segments =
      Carve(&size, size_t{plan->segments_per_window} * plan->windows * point_bytes);
  plan->window_sums = Carve(&size, plan->windows * point_bytes);
  plan->cub_temp = Carve(&size, plan->cub_temp_bytes);
  plan->total_bytes = size;
}

template <class F>
Status MakePlan(size_t n, int window_bits, MsmPlan* plan) {
  PlanShape(n, window_bits, XyzzPoint<F>::kLimbs * sizeof(uint64_t), plan);
  if (Status s = PlanCubTemp(plan); !s.ok()) return s;
  PlanRegions(plan);
  return Status::Ok();
}

// Typed views of the workspace regions.
struct MsmArrays {
  uint32_t *keys[2], *values[2], *bucket_offsets;
  uint64_t *heads, *buckets, *segments, *window_sums;
  void* cub_temp;
};

MsmArrays ViewWorkspace(const MsmPlan& plan, void* workspace) {
  char* base = static_cast<char*>(workspace);
  auto u32 = [base](size_t at) { return reinterpret_cast<uint32_t*>(base + at); };
  auto u64 = [base](size_t at) { return reinterpret_cast<uint64_t*>(base + at); };
  return {{u32(plan.keys[0]), u32(plan.keys[1])},
          {u32(plan.values[0]), u32(plan.values[1])},
          u32(plan.bucket_offsets),
          u64(plan.heads), u64(plan.buckets), u64(plan.segments), u64(plan.window_sums),
          base + plan.cub_temp};
}

unsigned Blocks(size_t threads) { return GridBlocks(threads, kThreadsPerBlock); }

// The pairs sorted by bucket.
struct SortedPairs {
  const uint32_t* keys = nullptr;    // bucket of each pair (the zero digits' sentinel last)
  const uint32_t* values = nullptr;  // point index | sign bit
};

// Digits, sort by bucket, bucket offsets.
Status EnqueueSortByBucket(const MsmPlan& plan, const MsmArrays& a, const uint64_t* scalars,
                           size_t n, SortedPairs* sorted, cudaStream_t stream) {
  ClearLastCudaError();
  MsmDigitsKernel<<<Blocks(n), kThreadsPerBlock, 0, stream>>>(
      scalars, static_cast<uint32_t>(n), plan.c, plan.windows, a.keys[0], a.values[0]);
  if (Status s = CheckLaunch("LaunchMsm(digits)", stream); !s.ok()) return s;
  size_t temp_bytes = plan.cub_temp_bytes;
  cub::DoubleBuffer<uint32_t> keys(a.keys[0], a.keys[1]), values(a.values[0], a.values[1]);
  const cudaError_t error =
      cub::DeviceRadixSort::SortPairs(a.cub_temp, temp_bytes, keys, values,
                                      static_cast<int>(plan.pairs), 0, plan.key_bits, stream);
  if (error != cudaSuccess) return CudaStatus(error, "LaunchMsm(sort)");
  *sorted = {keys.Current(), values.Current()};
  ClearLastCudaError();
  MsmBucketOffsetsKernel<<<Blocks(plan.total_buckets + size_t{1}), kThreadsPerBlock, 0, stream>>>(
      sorted->keys, static_cast<uint32_t>(plan.pairs), plan.total_buckets, a.bucket_offsets);
  return CheckLaunch("LaunchMsm(bucket offsets)", stream);
}

// Chunks of plan.chunk_length sorted pairs, one thread each, then each bucket from its
// pieces (msm_digits.cuh, MsmChunkSum).
template <class F>
Status EnqueueFillBuckets(const MsmPlan& plan, const MsmArrays& a, const uint64_t* bases,
                          const SortedPairs& sorted, cudaStream_t stream) {
  const uint32_t total = plan.total_buckets;
  ClearLastCudaError();
  MsmChunkSumKernel<F><<<Blocks(plan.chunks), kThreadsPerBlock, 0, stream>>>(
      bases, sorted.keys, sorted.values, a.bucket_offsets, total, plan.chunk_length, a.buckets,
      a.heads);
  if (Status s = CheckLaunch("LaunchMsm(chunk sums)", stream); !s.ok()) return s;
  MsmBucketSumKernel<F><<<Blocks(total), kThreadsPerBlock, 0, stream>>>(
      a.bucket_offsets, total, plan.chunk_length, a.heads, a.buckets);
  return CheckLaunch("LaunchMsm(bucket sums)", stream);
}

// Σ (b+1)·B_b per window, then the windows combined into the result.
template <class F>
Status EnqueueReduce(const MsmPlan& plan, const MsmArrays& a, uint64_t* result,
                     cudaStream_t stream) {
  const size_t segment_threads = size_t{plan.segments_per_window} * plan.windows;
  ClearLastCudaError();
  MsmSegmentKernel<F><<<Blocks(segment_threads), kThreadsPerBlock, 0, stream>>>(
      a.buckets, plan.windows, plan.buckets_per_window, plan.segment_length, a.segments);
  if (Status s = CheckLaunch("LaunchMsm(segments)", stream); !s.ok()) return s;
  MsmWindowReduceKernel<F><<<static_cast<unsigned>(plan.windows), kMsmReduceThreads, 0, stream>>>(
      a.segments, plan.segments_per_window, a.window_sums);
  if (Status s = CheckLaunch("LaunchMsm(window sums)", stream); !s.ok()) return s;
  MsmCombineKernel<F><<<1, 1, 0, stream>>>(a.window_sums, plan.windows, plan.c, result);
  return CheckLaunch("LaunchMsm(combine)", stream);
}

template <class F>
Status EnqueueMsm(const MsmPlan& plan, const MsmArrays& arrays, const uint64_t* bases,
                  const uint64_t* scalars, size_t n, uint64_t* result, cudaStream_t stream) {
  SortedPairs sorted;
  if (Status s = EnqueueSortByBucket(plan, arrays, scalars, n, &sorted, stream); !s.ok()) {
    return s;
  }
  if (Status s = EnqueueFillBuckets<F>(plan, arrays, bases, sorted, stream); !s.ok()) {
    return s;
  }
  return EnqueueReduce<F>(plan, arrays, result, stream);
}

template <class F>
constexpr const char* MsmName() {
  return sizeof(F) == sizeof(Fp) ? "LaunchMsmG1" : "LaunchMsmG2";
}

// The checks that need no plan (no CUDA call).
template <class F>
Status CheckMsmArguments(int window_bits, const uint64_t* bases, const uint64_t* scalars,
                         size_t n, const uint64_t* result, const void* workspace) {
  const std::string name = MsmName<F>();
  if (result == nullptr) return Status::InvalidArgument(name + ": result is null");
  if (n > kMsmMaxPoints) {
    return Status::InvalidArgument(name + ": n = " + std::to_string(n) + " exceeds 2^26");
  }
  if (window_bits < kMinWindowBits || window_bits > kMaxWindowBits) {
    return Status::InvalidArgument(name + ": window_bits = " + std::to_string(window_bits) +
                                   " is outside [2, 20]");
  }
  if (n != 0 && (bases == nullptr || scalars == nullptr || workspace == nullptr)) {
    return Status::InvalidArgument(name + ": bases, scalars or workspace is null");
  }
  return Status::Ok();
}

template <class F>
Status WorkspaceBytesForWindow(size_t n, int window_bits, size_t* bytes) {
  const std::string name = std::string(MsmName<F>() + 6) + "WorkspaceBytes";  // "MsmG1..."
  if (bytes == nullptr) return Status::InvalidArgument(name + ": bytes is null");
  if (n == 0 || n > kMsmMaxPoints) {
    return Status::InvalidArgument(name + ": n = " + std::to_string(n) + " is outside [1, 2^26]");
  }
  if (window_bits < kMinWindowBits || window_bits > kMaxWindowBits) {
    return Status::InvalidArgument(name + ": window_bits = " + std::to_string(window_bits) +
                                   " is outside [2, 20]");
  }
  MsmPlan plan;
  if (Status s = MakePlan<F>(n, window_bits, &plan); !s.ok()) return s;
  *bytes = plan.total_bytes;
  return Status::Ok();
}

template <class F>
Status LaunchWithWindow(int window_bits, const uint64_t* bases, const uint64_t* scalars, size_t n,
                        uint64_t* result, void* workspace, size_t workspace_bytes,
                        cudaStream_t stream) {
  if (Status s = CheckMsmArguments<F>(window_bits, bases, scalars, n, result, workspace); !s.ok()) {
    return s;
  }
  if (n == 0) {
    const cudaError_t error =
        cudaMemsetAsync(result, 0, JacobianPoint<F>::kLimbs * sizeof(uint64_t), stream);
    return CudaStatus(error, std::string(MsmName<F>()) + "(infinity)");
  }
  MsmPlan plan;
  if (Status s = MakePlan<F>(n, window_bits, &plan); !s.ok()) return s;
  if (workspace_bytes < plan.total_bytes) {
    return Status::InvalidArgument(std::string(MsmName<F>()) + ": workspace of " +
                                   std::to_string(workspace_bytes) + " bytes, " +
                                   std::to_string(plan.total_bytes) + " needed");
  }
  return EnqueueMsm<F>(plan, ViewWorkspace(plan, workspace), bases, scalars, n, result, stream);
}

// The plan for n points at width c if its layout fits `workspace_bytes`, else at the
// nearest width that fits, wider first: a workspace sized for m > n points holds m's
// width's layout, which also fits n points, and m's width may be narrower than n's (the
// choice is not monotonic in n). False when none fits.
template <class F>
bool FitPlan(size_t n, int c, size_t workspace_bytes, MsmPlan* plan) {
  for (int k = 0; k <= kMaxWindowBits - kMinWindowBits; ++k) {
    for (const int candidate : {c + k, c - k}) {
      if (candidate < kMinWindowBits || candidate > kMaxWindowBits) continue;
      if (MakePlan<F>(n, candidate, plan).ok() && plan->total_bytes <= workspace_bytes) return true;
    }
  }
  return false;
}

template <class F>
Status Launch(const uint64_t* bases, const uint64_t* scalars, size_t n, uint64_t* result,
              void* workspace, size_t workspace_bytes, cudaStream_t stream) {
  const int c = MsmWindowWidth(n);
  if (Status s = CheckMsmArguments<F>(c, bases, scalars, n, result, workspace); !s.ok()) return s;
  MsmPlan plan;
  if (n != 0 && FitPlan<F>(n, c, workspace_bytes, &plan)) {
    return EnqueueMsm<F>(plan, ViewWorkspace(plan, workspace), bases, scalars, n, result, stream);
  }
  // n == 0 (the point at infinity), or no width fits: LaunchWithWindow says which.
  return LaunchWithWindow<F>(c, bases, scalars, n, result, workspace, workspace_bytes, stream);
}

}  // namespace

uint32_t MsmChunkLength(size_t pairs) { return pairs >= kLongChunkPairs ? 128 : 64; }

int MsmWindowWidth(size_t n) {
  int best = kMinWindowBits;
  double best_cost = 0;
  for (int c = kMinWindowBits; c <= kMaxWindowBits; ++c) {
    const int windows = MsmWindowCount(c);
    // The top window holds the scalar's last `top_bits` bits and the carry: its digits
    // fall into about 2^top_bits buckets, each of about n / 2^top_bits points whose
    // n / (2^top_bits · chunk length) pieces one thread adds in sequence.
    const int top_bits = kMsmScalarBits - (windows - 1) * c;
    const double serial_chain = std::max(
        0.0, static_cast<double>(n) /
                     (static_cast<double>(uint64_t{1} << top_bits) *
                      MsmChunkLength(n * static_cast<size_t>(windows))) - 1);
    const double cost = windows * (static_cast<double>(n) +
                                   kBucketCost * static_cast<double>(uint64_t{1} << c)) +
                        kSerialAdditionCost * serial_chain;
    if (c == kMinWindowBits || cost < best_cost) {
      best = c;
      best_cost = cost;
    }
  }
  return best;
}

Status MsmG1WorkspaceBytes(size_t n, size_t* bytes) {
  return WorkspaceBytesForWindow<Fp>(n, MsmWindowWidth(n), bytes);
}
Status MsmG2WorkspaceBytes(size_t n, size_t* bytes) {
  return WorkspaceBytesForWindow<Fp2>(n, MsmWindowWidth(n), bytes);
}
Status MsmG1WorkspaceBytesForWindow(size_t n, int window_bits, size_t* bytes) {
  return WorkspaceBytesForWindow<Fp>(n, window_bits, bytes);
}
Status MsmG2WorkspaceBytesForWindow(size_t n, int window_bits, size_t* bytes) {
  return WorkspaceBytesForWindow<Fp2>(n, window_bits, bytes);
}

Status LaunchMsmG1(const uint64_t* bases, const uint64_t* scalars, size_t n, uint64_t* result,
                   void* workspace, size_t workspace_bytes, cudaStream_t stream) {
  return Launch<Fp>(bases, scalars, n, result, workspace, workspace_bytes, stream);
}
Status LaunchMsmG2(const uint64_t* bases, const uint64_t* scalars, size_t n, uint64_t* result,
                   void* workspace, size_t workspace_bytes, cudaStream_t stream) {
  return Launch<Fp2>(bases, scalars, n, result, workspace, workspace_bytes, stream);
}

Status LaunchMsmG1WithWindow(int window_bits, const uint64_t* bases, const uint64_t* scalars,
                             size_t n, uint64_t* result, void* workspace, size_t workspace_bytes,
                             cudaStream_t stream) {
  return LaunchWithWindow<Fp>(window_bits, bases, scalars, n, result, workspace, workspace_bytes,
                              stream);
}
Status LaunchMsmG2WithWindow(int window_bits, const uint64_t* bases, const uint64_t* scalars,
                             size_t n, uint64_t* result, void* workspace, size_t workspace_bytes,
                             cudaStream_t stream) {
  return LaunchWithWindow<Fp2>(window_bits, bases, scalars, n, result, workspace, workspace_bytes,
                               stream);
}

}  // namespace chainaccel::kernels::zk
