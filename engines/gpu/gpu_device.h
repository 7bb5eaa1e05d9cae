// GpuDevice: one CUDA device as the GPU engine's operators use it (hash_operator.h,
// merkle_operator.h, signature_operator.h): its EngineInfo, the lane pairs that batches
// stream through, the copy threads, the fixed-base tables of the signature kernels,
// health and fault accounting, and the engine's counters. GpuEngine (gpu_engine.h) is the
// Engine in front of it.
//
// A batch streams through the device in chunks over a pair of lanes. A lane is a stream,
// an event and page-locked (pinned) input/offsets/output staging buffers with their
// device twins, all allocated once by Create and reused by every batch. For each chunk
// the calling thread stages the chunk's items into the lane's pinned input, then enqueues
// the copy in, the kernels, the copy out into pinned output, and records the lane's event
// (Batch::RunChunks). Before a lane takes its next chunk the thread waits for that event
// and takes the results out of the pinned output. With two lanes the host copies of one
// chunk overlap the device work (copies and kernels) of the other. The device never
// touches the caller's memory, so a batch that fails leaves nothing in flight that could
// write into the task afterwards.
//
// Batches at once: GpuOptions::concurrent_batches lane pairs. A Batch holds one pair for
// its scope (blocking until one is free), so that while one batch's kernels run, another
// thread stages the next batch (gathers, packs records, copies in) and its kernels start
// as soon as SMs free up: small batches, each of which leaves most of the SMs idle for a
// whole verification's latency, then overlap on the device.
//
// Thread-safety: a Batch and its lanes belong to the thread that holds it; info, options,
// the tables, health, the counters and stats may be used from any thread.
#pragma once

#include <cuda_runtime_api.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/mutex.h"
#include "core/status.h"
#include "core/thread_annotations.h"
#include "core/thread_pool.h"
#include "engines/engine.h"
#include "engines/gpu/cuda_resources.h"
#include "engines/gpu/gpu_device_hooks.h"
#include "engines/gpu/gpu_options.h"
#include "kernels/cuda_status.h"

namespace chainaccel {

class GpuDevice {
 public:
  struct Lane {
    // Declared first so that it is destroyed after the buffers used on it.
    CudaStream stream;
    CudaEvent done;  // recorded after the lane's last copy out
    PinnedBuffer input;
    PinnedBuffer offsets;  // chunk_items + 1 uint64_t, rebased to the chunk
    PinnedBuffer output;   // chunk_items * 32 digest bytes
    DeviceBuffer device_input;
    DeviceBuffer device_offsets;
    DeviceBuffer device_output;
    // The chunk in flight on this lane: task items [first, first + count); count == 0
    // when the lane is idle.
    size_t first = 0;
    size_t count = 0;
  };

  // What a batch is for: a task of GpuEngine::Run, whose chunks are counted and offered
  // to the hooks, or a self-test, whose chunks are neither.
  enum class BatchKind { kTask, kSelfTest };

  // A batch's pair of lanes, held for the Batch's scope (the constructor blocks until
  // one of the device's GpuOptions::concurrent_batches pairs is free, or none can be:
  // ok() is false then). A pair whose chunk hung (GpuOptions::hang_seconds) is retired,
  // never reused. Holding a Batch is
  // what lets an operator use lanes: operators take one as their first argument.
  class Batch {
   public:
    Batch(GpuDevice& device, BatchKind kind);
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

    GpuDevice& device() const { return device_; }
    // False when the device has no lane pair left (every one retired after a hang):
    // nothing may run then.
    bool ok() const { return lanes_ != nullptr; }
    // Lane k (0 or 1) of this batch's pair.
    Lane& lane(size_t k) { return lanes_[k]; }

    // The two-lane chunk loop of a batch of n items: plan(first) -> items of the chunk
    // starting at `first` (at least one); stage(lane, first, count) -> Status enqueues
    // the chunk on the lane (copies in, kernels, copy out into the lane's pinned
    // output); drain(lane, first, count) takes its results once the lane's event has
    // passed. Chunk k runs on lane k % 2. `what` names the launch for the hooks
    // (OnChunkLaunch). Returns the first error; the lanes are then idle again
    // (synchronised).
    template <class Plan, class Stage, class Drain>
    Status RunChunks(size_t n, const char* what, const Plan& plan, const Stage& stage,
                     const Drain& drain);

    // A chunk is being launched: in a task batch, counts it and asks the hooks
    // (GpuDeviceHooks::OnChunkLaunch, with `lane`'s stream), whose status is returned;
    // OK in a self-test.
    Status OnChunkLaunch(const char* what, Lane& lane);

    // Waits for `lane`'s event (recorded by the caller after the lane's work) at most
    // the device's hang timeout plus `extra`. DEADLINE_EXCEEDED after that: the pair is
    // hung, and it is retired when the Batch ends (never given back, never waited on
    // again). For operators with their own chunk loop; RunChunks waits with it.
    Status WaitForLane(Lane& lane, std::chrono::steady_clock::duration extra = {});
    // True once a wait of this batch has timed out.
    bool hung() const { return poisoned_; }

   private:
    // The lane's chunk is done (or abandoned): uncounted from the device's chunk items
    // in flight, count = 0.
    void ReleaseChunk(Lane& lane);

    GpuDevice& device_;
    const bool count_chunks_;
    Lane* lanes_;            // the pair taken from the device
    bool poisoned_ = false;  // a chunk hung: the pair is not given back
  };

  // Opens device `ordinal`: checks the ordinal and options, reads its properties (the
  // EngineInfo: name "gpu:N", kind kGpu, product name, global memory, SMs, compute
  // capability), allocates both lanes and uploads the fixed-base tables. `hooks`: not
  // owned, never null, outlives the device. Returns OK and sets *out, or INVALID_ARGUMENT
  // for a bad ordinal or options, UNAVAILABLE where CUDA or the device cannot be used, or
  // the CUDA error of an allocation.
  static Status Create(int ordinal, const GpuOptions& options, GpuDeviceHooks* hooks,
                       std::unique_ptr<GpuDevice>* out);
  ~GpuDevice();

  GpuDevice(const GpuDevice&) = delete;
  GpuDevice& operator=(const GpuDevice&) = delete;

  int ordinal() const { return ordinal_; }
  const GpuOptions& options() const { return options_; }
  const EngineInfo& info() const { return info_; }
  // How long a chunk may take before the device counts as hung (GpuOptions).
  std::chrono::steady_clock::duration hang_timeout() const {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(options_.hang_seconds));
  }
  // How long a wait for a chunk yields before it sleeps between polls (GpuOptions).
  std::chrono::steady_clock::duration wait_spin() const {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(options_.wait_spin_seconds));
  }

  // ---- Host copies (any thread) ----------------------------------------------------

  // memcpy spread over the copy threads (when there are any) and the calling thread.
  void Copy(void* destination, const void* source, size_t bytes);
  // body(begin, end) over [0, count), on the copy threads when there are enough items.
  void ForEachItem(size_t count, const std::function<void(size_t, size_t)>& body);

  // The fixed-base table of secp256k1's G (kernels/secp256k1.cuh), uploaded by Create.
  const DeviceBuffer& generator_table() const { return generator_table_; }
  // The fixed-base table of Ed25519's B (kernels/ed25519.cuh), when GpuOptions::ed25519
  // (empty otherwise).
  const DeviceBuffer& ed25519_table() const { return ed25519_table_; }

  // ---- Health, faults and counters -------------------------------------------------

  bool healthy() const { return healthy_.load(); }
  // Marks the device healthy; returns whether it was unhealthy.
  bool MarkHealthy() { return !healthy_.exchange(true); }
  // Records a fault: unhealthy, counted, logged (spdlog, error level) as a CUDA fault
  // during `during`.
  void RecordFault(const Status& cause, const char* during);
  // RecordFault, then the status a batch hands back: UNAVAILABLE for an UNAVAILABLE
  // cause, INTERNAL otherwise, its message prefixed with the device's name.
  Status Fault(const Status& cause, const char* during);
  // Faults since Create.
  uint64_t faults() const { return faults_.load(std::memory_order_relaxed); }

  // Counts a batch that completed OK.
  void CountBatch(uint64_t items, std::chrono::steady_clock::duration busy);
  // Batches holding a lane pair now (the caller's included, when it holds one): a batch
  // alone on the device may trade work for latency (signature_operator.cc's layout).
  int batches_held() const { return batches_held_.load(std::memory_order_relaxed); }
  // Items of the chunks that RunChunks has staged and not yet drained, over every batch
  // and task (a chunk being staged included): how full the device is about to be
  // (signature_operator.cc's layout).
  uint64_t chunk_items_in_flight() const {
    return chunk_items_in_flight_.load(std::memory_order_relaxed);
  }
  // The counters, health and the device's free memory (cudaMemGetInfo, which makes the
  // device current on the calling thread).
  EngineStats stats() const;

 private:
  GpuDevice(int ordinal, const GpuOptions& options, GpuDeviceHooks* hooks, EngineInfo info);

  // REQUIRES: the device is current (Create set it); no batch can run yet.
  Status AllocateLanes();
  // A free lane pair (blocking until one is), and its return.
  // Null when every pair has been retired.
  Lane* TakeLanes() CHAINACCEL_EXCLUDES(lanes_mu_);
  void RetireLanes() CHAINACCEL_EXCLUDES(lanes_mu_);
  void ReturnLanes(Lane* lanes) CHAINACCEL_EXCLUDES(lanes_mu_);
  Status UploadTables();

  const int ordinal_;
  const GpuOptions options_;
  const EngineInfo info_;
  GpuDeviceHooks* const hooks_;
  std::unique_ptr<ThreadPool> copy_pool_;  // null when GpuOptions::copy_threads == 0

  std::atomic<bool> healthy_{true};
  std::atomic<uint64_t> faults_{0};
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> items_{0};
  std::atomic<uint64_t> busy_nanos_{0};
  std::atomic<int> batches_held_{0};
  std::atomic<uint64_t> chunk_items_in_flight_{0};

  // Every lane pair, allocated by Create (pairs_[i] holds 2 lanes), and the free ones.
  std::vector<std::unique_ptr<Lane[]>> pairs_;
  Mutex lanes_mu_;
  CondVar lane_freed_;  // waited on with lanes_mu_: a pair went back to free_
  std::vector<Lane*> free_ CHAINACCEL_GUARDED_BY(lanes_mu_);
  size_t retired_ CHAINACCEL_GUARDED_BY(lanes_mu_) = 0;  // pairs lost to hangs
  // Chunks of task batches launched since Create (the hooks' chunk numbers).
  std::atomic<uint64_t> chunks_launched_{0};
  // Written by Create only, then read-only.
  DeviceBuffer generator_table_;
  DeviceBuffer ed25519_table_;
};

template <class Plan, class Stage, class Drain>
Status GpuDevice::Batch::RunChunks(size_t n, const char* what, const Plan& plan, const Stage& stage,
                            const Drain& drain) {
  Status s = CudaStatus(cudaSetDevice(device_.ordinal_), "cudaSetDevice");
  size_t next = 0;
  size_t chunk = 0;  // chunk k runs on lanes_[k % 2]
  const auto drain_lane = [&](Lane& lane) -> Status {
    if (lane.count == 0) return Status::Ok();
    Status done = WaitForLane(lane);
    if (done.ok()) drain(lane, lane.first, lane.count);
    ReleaseChunk(lane);
    return done;
  };
  while (s.ok() && next < n) {
    Lane& lane = lanes_[chunk % 2];
    s = drain_lane(lane);  // the lane's chunk before last: its buffers are reused now
    if (!s.ok()) break;
    const size_t count = plan(next);
    // Counted before staging: the chunk's own layout sees it.
    lane.first = next;
    lane.count = count;
    device_.chunk_items_in_flight_.fetch_add(count, std::memory_order_relaxed);
    s = stage(lane, next, count);
    if (s.ok()) s = OnChunkLaunch(what, lane);
    if (s.ok()) s = lane.done.Record(lane.stream.get());
    if (!s.ok()) break;  // synchronised and uncounted below
    next += count;
    ++chunk;
  }
  // The older of the two chunks in flight is on lanes_[chunk % 2].
  for (size_t k = 0; k < 2 && s.ok(); ++k) s = drain_lane(lanes_[(chunk + k) % 2]);
  // A hang (WaitForLane retires the pair): the lanes' work may never finish, and it may
  // still write into their buffers. They never serve another batch, and nothing waits on
  // them; the caller's memory was never the device's to write.
  if (!s.ok() && !poisoned_) {
    // Leave nothing in flight: the next batch (after a successful self-test) starts
    // from idle lanes.
    for (size_t k = 0; k < 2; ++k) {
      Lane& lane = lanes_[k];
      cudaStreamSynchronize(lane.stream.get());
      ReleaseChunk(lane);
    }
  }
  return s;
}

}  // namespace chainaccel
