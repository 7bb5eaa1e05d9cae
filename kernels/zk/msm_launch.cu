#include "kernels/zk/msm_launch.h"

#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_scan.cuh>

#include <algorithm>
#include <string>

#include "kernels/cuda_status.h"
#include "kernels/launch_check.h"
#include "kernels/zk/msm_kernels.cuh"

namespace chainaccel::kernels::zk {
namespace {

constexpr int kMinWindowBits = 2;
constexpr int kMaxWindowBits = 20;
// Buckets one running-sum thread walks: 32 keeps the segment threads' serial chain short
// (64 additions) while the lo·(Σ B) correction stays a ~20-bit multiplication.
constexpr uint32_t kSegmentLength = 32;
constexpr int kThreadsPerBlock = 128;
constexpr size_t kRegionAlignment = 256;

int WindowsFor(int c) { return MsmWindowCount(c); }  // W·c >= 255: room for the carry

// Where each array of the workspace lies, and the sizes behind them.
struct MsmPlan {
  int c = 0, windows = 0, key_bits = 0;
  uint32_t buckets_per_window = 0, total_buckets = 0, segment_length = 0,
           segments_per_window = 0;
  size_t pairs = 0, max_tasks = 0;
  size_t keys[2] = {}, values[2] = {}, bucket_counts = 0, bucket_offsets = 0,
         tasks_per_bucket = 0, task_offsets = 0, task_bucket = 0, task_start = 0,
         partials = 0, buckets = 0, segments = 0, window_sums = 0, cub_temp = 0;
  size_t cub_temp_bytes = 0, total_bytes = 0;
};

// Appends a region of `bytes` to the plan's running size; returns its offset.
size_t Carve(size_t* size, size_t bytes) {
  const size_t at = (*size + kRegionAlignment - 1) / kRegionAlignment * kRegionAlignment;
  *size = at + bytes;
  return at;
}

void PlanShape(size_t n, int window_bits, MsmPlan* plan) {
  plan->c = window_bits;
  plan->windows = WindowsFor(plan->c);
  plan->buckets_per_window = 1u << (plan->c - 1);
  plan->total_buckets = plan->buckets_per_window * static_cast<uint32_t>(plan->windows);
  plan->key_bits = 1;
  while ((uint64_t{1} << plan->key_bits) <= plan->total_buckets) ++plan->key_bits;
  plan->segment_length = std::min(kSegmentLength, plan->buckets_per_window);
  plan->segments_per_window = plan->buckets_per_window / plan->segment_length;
  plan->pairs = n * static_cast<size_t>(plan->windows);
  plan->max_tasks = plan->pairs / kMsmPointsPerTask +
                    std::min<size_t>(plan->total_buckets, plan->pairs) + 1;
}

Status PlanCubTemp(MsmPlan* plan) {
  size_t sort_bytes = 0, scan_bytes = 0;
  cub::DoubleBuffer<uint32_t> keys(nullptr, nullptr), values(nullptr, nullptr);
  cudaError_t error = cub::DeviceRadixSort::SortPairs(
      nullptr, sort_bytes, keys, values, static_cast<int>(plan->pairs), 0, plan->key_bits);
  if (error != cudaSuccess) return CudaStatus(error, "MsmG1WorkspaceBytes(sort)");
  error = cub::DeviceScan::ExclusiveSum(nullptr, scan_bytes, static_cast<uint32_t*>(nullptr),
                                        static_cast<uint32_t*>(nullptr),
                                        static_cast<int>(plan->total_buckets) + 1);
  if (error != cudaSuccess) return CudaStatus(error, "MsmG1WorkspaceBytes(scan)");
  plan->cub_temp_bytes = std::max(sort_bytes, scan_bytes);
  return Status::Ok();
}

void PlanRegions(MsmPlan* plan) {
  size_t size = 0;
  const size_t pair_bytes = plan->pairs * sizeof(uint32_t);
  const size_t bucket_words = (plan->total_buckets + size_t{1}) * sizeof(uint32_t);
  const size_t point_bytes = kG1XyzzLimbs * sizeof(uint64_t);
  for (int i = 0; i < 2; ++i) plan->keys[i] = Carve(&size, pair_bytes);
  for (int i = 0; i < 2; ++i) plan->values[i] = Carve(&size, pair_bytes);
  plan->bucket_counts = Carve(&size, bucket_words);
  plan->bucket_offsets = Carve(&size, bucket_words);
  plan->tasks_per_bucket = Carve(&size, bucket_words);
  plan->task_offsets = Carve(&size, bucket_words);
  plan->task_bucket = Carve(&size, plan->max_tasks * sizeof(uint32_t));
  plan->task_start = Carve(&size, plan->max_tasks * sizeof(uint32_t));
  plan->partials = Carve(&size, plan->max_tasks * point_bytes);
  plan->buckets = Carve(&size, plan->total_buckets * point_bytes);
  plan->segments =
      Carve(&size, size_t{plan->segments_per_window} * plan->windows * point_bytes);
  plan->window_sums = Carve(&size, plan->windows * point_bytes);
  plan->cub_temp = Carve(&size, plan->cub_temp_bytes);
  plan->total_bytes = size;
}

Status MakePlan(size_t n, int window_bits, MsmPlan* plan) {
  PlanShape(n, window_bits, plan);
  if (Status s = PlanCubTemp(plan); !s.ok()) return s;
  PlanRegions(plan);
  return Status::Ok();
}

// Typed views of the workspace regions.
struct MsmArrays {
  uint32_t *keys[2], *values[2], *bucket_counts, *bucket_offsets, *tasks_per_bucket,
      *task_offsets, *task_bucket, *task_start;
  uint64_t *partials, *buckets, *segments, *window_sums;
  void* cub_temp;
};

MsmArrays ViewWorkspace(const MsmPlan& plan, void* workspace) {
  char* base = static_cast<char*>(workspace);
  auto u32 = [base](size_t at) { return reinterpret_cast<uint32_t*>(base + at); };
  auto u64 = [base](size_t at) { return reinterpret_cast<uint64_t*>(base + at); };
  return {{u32(plan.keys[0]), u32(plan.keys[1])},
          {u32(plan.values[0]), u32(plan.values[1])},
          u32(plan.bucket_counts), u32(plan.bucket_offsets), u32(plan.tasks_per_bucket),
          u32(plan.task_offsets), u32(plan.task_bucket), u32(plan.task_start),
          u64(plan.partials), u64(plan.buckets), u64(plan.segments), u64(plan.window_sums),
          base + plan.cub_temp};
}

unsigned Blocks(size_t threads) { return GridBlocks(threads, kThreadsPerBlock); }

// Digits, sort by bucket, bucket offsets: the sorted point indices of every bucket.
Status EnqueueSortByBucket(const MsmPlan& plan, const MsmArrays& a, const uint64_t* scalars,
                           size_t n, const uint32_t** sorted_values, cudaStream_t stream) {
  cudaError_t error = cudaMemsetAsync(a.bucket_counts, 0,
                                      (plan.total_buckets + size_t{1}) * sizeof(uint32_t), stream);
  if (error != cudaSuccess) return CudaStatus(error, "LaunchMsmG1(memset)");
  ClearLastCudaError();
  MsmDigitsKernel<<<Blocks(n), kThreadsPerBlock, 0, stream>>>(
      scalars, static_cast<uint32_t>(n), plan.c, plan.windows, a.keys[0], a.values[0],
      a.bucket_counts);
  if (Status s = CheckLaunch("LaunchMsmG1(digits)", stream); !s.ok()) return s;
  size_t temp_bytes = plan.cub_temp_bytes;
  cub::DoubleBuffer<uint32_t> keys(a.keys[0], a.keys[1]), values(a.values[0], a.values[1]);
  error = cub::DeviceRadixSort::SortPairs(a.cub_temp, temp_bytes, keys, values,
                                          static_cast<int>(plan.pairs), 0, plan.key_bits, stream);
  if (error != cudaSuccess) return CudaStatus(error, "LaunchMsmG1(sort)");
  *sorted_values = values.Current();
  temp_bytes = plan.cub_temp_bytes;
  error = cub::DeviceScan::ExclusiveSum(a.cub_temp, temp_bytes, a.bucket_counts,
                                        a.bucket_offsets,
                                        static_cast<int>(plan.total_buckets) + 1, stream);
  if (error != cudaSuccess) return CudaStatus(error, "LaunchMsmG1(bucket offsets)");
  return Status::Ok();
}

// Tasks of at most kMsmPointsPerTask points, their partial sums, the bucket sums.
Status EnqueueFillBuckets(const MsmPlan& plan, const MsmArrays& a, const uint64_t* bases,
                          const uint32_t* sorted_values, cudaStream_t stream) {
  const uint32_t total = plan.total_buckets;
  cudaError_t error = cudaMemsetAsync(a.tasks_per_bucket, 0,
                                      (total + size_t{1}) * sizeof(uint32_t), stream);
  if (error != cudaSuccess) return CudaStatus(error, "LaunchMsmG1(memset)");
  ClearLastCudaError();
  MsmTaskCountKernel<<<Blocks(total), kThreadsPerBlock, 0, stream>>>(
      a.bucket_counts, total, kMsmPointsPerTask, a.tasks_per_bucket);
  if (Status s = CheckLaunch("LaunchMsmG1(task count)", stream); !s.ok()) return s;
  size_t temp_bytes = plan.cub_temp_bytes;
  error = cub::DeviceScan::ExclusiveSum(a.cub_temp, temp_bytes, a.tasks_per_bucket,
                                        a.task_offsets, static_cast<int>(total) + 1, stream);
  if (error != cudaSuccess) return CudaStatus(error, "LaunchMsmG1(task offsets)");
  ClearLastCudaError();
  MsmTaskListKernel<<<Blocks(total), kThreadsPerBlock, 0, stream>>>(
      a.bucket_offsets, a.task_offsets, total, kMsmPointsPerTask, a.task_bucket, a.task_start);
  if (Status s = CheckLaunch("LaunchMsmG1(task list)", stream); !s.ok()) return s;
  MsmAccumulateKernel<<<Blocks(plan.max_tasks), kThreadsPerBlock, 0, stream>>>(
      bases, sorted_values, a.bucket_offsets, a.task_offsets, a.task_bucket, a.task_start,
      total, kMsmPointsPerTask, a.partials);
  if (Status s = CheckLaunch("LaunchMsmG1(accumulate)", stream); !s.ok()) return s;
  MsmBucketSumKernel<<<Blocks(total), kThreadsPerBlock, 0, stream>>>(a.partials, a.task_offsets,
                                                                     total, a.buckets);
  return CheckLaunch("LaunchMsmG1(bucket sums)", stream);
}

// Σ (b+1)·B_b per window, then the windows combined into the result.
Status EnqueueReduce(const MsmPlan& plan, const MsmArrays& a, uint64_t* result,
                     cudaStream_t stream) {
  const size_t segment_threads = size_t{plan.segments_per_window} * plan.windows;
  ClearLastCudaError();
  MsmSegmentKernel<<<Blocks(segment_threads), kThreadsPerBlock, 0, stream>>>(
      a.buckets, plan.windows, plan.buckets_per_window, plan.segment_length, a.segments);
  if (Status s = CheckLaunch("LaunchMsmG1(segments)", stream); !s.ok()) return s;
  MsmWindowReduceKernel<<<static_cast<unsigned>(plan.windows), kMsmReduceThreads, 0, stream>>>(
      a.segments, plan.segments_per_window, a.window_sums);
  if (Status s = CheckLaunch("LaunchMsmG1(window sums)", stream); !s.ok()) return s;
  MsmCombineKernel<<<1, 1, 0, stream>>>(a.window_sums, plan.windows, plan.c, result);
  return CheckLaunch("LaunchMsmG1(combine)", stream);
}

Status EnqueueMsm(const MsmPlan& plan, const MsmArrays& arrays, const uint64_t* bases,
                  const uint64_t* scalars, size_t n, uint64_t* result, cudaStream_t stream) {
  const uint32_t* sorted_values = nullptr;
  if (Status s = EnqueueSortByBucket(plan, arrays, scalars, n, &sorted_values, stream); !s.ok()) {
    return s;
  }
  if (Status s = EnqueueFillBuckets(plan, arrays, bases, sorted_values, stream); !s.ok()) {
    return s;
  }
  return EnqueueReduce(plan, arrays, result, stream);
}

// The checks that need no plan (no CUDA call).
Status CheckMsmArguments(int window_bits, const uint64_t* bases, const uint64_t* scalars,
                         size_t n, const uint64_t* result, const void* workspace) {
  if (result == nullptr) return Status::InvalidArgument("LaunchMsmG1: result is null");
  if (n > kMsmMaxPoints) {
    return Status::InvalidArgument("LaunchMsmG1: n = " + std::to_string(n) + " exceeds 2^26");
  }
  if (window_bits < kMinWindowBits || window_bits > kMaxWindowBits) {
    return Status::InvalidArgument("LaunchMsmG1: window_bits = " + std::to_string(window_bits) +
                                   " is outside [2, 20]");
  }
  if (n != 0 && (bases == nullptr || scalars == nullptr || workspace == nullptr)) {
    return Status::InvalidArgument("LaunchMsmG1: bases, scalars or workspace is null");
  }
  return Status::Ok();
}

}  // namespace

int MsmG1WindowBits(size_t n) {
  int best = kMinWindowBits;
  double best_cost = 0;
  for (int c = kMinWindowBits; c <= kMaxWindowBits; ++c) {
    const double cost =
        WindowsFor(c) * (static_cast<double>(n) + static_cast<double>(uint64_t{1} << (c + 1)));
    if (c == kMinWindowBits || cost < best_cost) {
      best = c;
      best_cost = cost;
    }
  }
  return best;
}

Status MsmG1WorkspaceBytes(size_t n, size_t* bytes) {
  return MsmG1WorkspaceBytesForWindow(n, MsmG1WindowBits(n), bytes);
}

Status MsmG1WorkspaceBytesForWindow(size_t n, int window_bits, size_t* bytes) {
  if (bytes == nullptr) return Status::InvalidArgument("MsmG1WorkspaceBytes: bytes is null");
  if (n == 0 || n > kMsmMaxPoints) {
    return Status::InvalidArgument("MsmG1WorkspaceBytes: n = " + std::to_string(n) +
                                   " is outside [1, 2^26]");
  }
  if (window_bits < kMinWindowBits || window_bits > kMaxWindowBits) {
    return Status::InvalidArgument("MsmG1WorkspaceBytes: window_bits = " +
                                   std::to_string(window_bits) + " is outside [2, 20]");
  }
  MsmPlan plan;
  if (Status s = MakePlan(n, window_bits, &plan); !s.ok()) return s;
  *bytes = plan.total_bytes;
  return Status::Ok();
}

Status LaunchMsmG1(const uint64_t* bases, const uint64_t* scalars, size_t n, uint64_t* result,
                   void* workspace, size_t workspace_bytes, cudaStream_t stream) {
  int c = MsmG1WindowBits(n);
  if (Status s = CheckMsmArguments(c, bases, scalars, n, result, workspace); !s.ok()) return s;
  // A workspace sized for m > n points holds the layout of m's (wider or equal) window,
  // which also fits n points: take the first width from n's own up whose layout fits.
  for (int wider = c; n != 0 && wider <= kMaxWindowBits; ++wider) {
    MsmPlan plan;
    if (!MakePlan(n, wider, &plan).ok()) break;
    if (plan.total_bytes <= workspace_bytes) {
      c = wider;
      break;
    }
  }
  return LaunchMsmG1WithWindow(c, bases, scalars, n, result, workspace, workspace_bytes, stream);
}

Status LaunchMsmG1WithWindow(int window_bits, const uint64_t* bases, const uint64_t* scalars,
                             size_t n, uint64_t* result, void* workspace, size_t workspace_bytes,
                             cudaStream_t stream) {
  if (Status s = CheckMsmArguments(window_bits, bases, scalars, n, result, workspace); !s.ok()) {
    return s;
  }
  if (n == 0) {
    const cudaError_t error =
        cudaMemsetAsync(result, 0, kG1JacobianLimbs * sizeof(uint64_t), stream);
    return CudaStatus(error, "LaunchMsmG1(infinity)");
  }
  MsmPlan plan;
  if (Status s = MakePlan(n, window_bits, &plan); !s.ok()) return s;
  if (workspace_bytes < plan.total_bytes) {
    return Status::InvalidArgument("LaunchMsmG1: workspace of " + std::to_string(workspace_bytes) +
                                   " bytes, " + std::to_string(plan.total_bytes) + " needed");
  }
  return EnqueueMsm(plan, ViewWorkspace(plan, workspace), bases, scalars, n, result, stream);
}

}  // namespace chainaccel::kernels::zk
