// RoutingScheduler: runs each task on the CPU engine or on a GPU engine.
//
// The rule until the hybrid scheduler (cost-based, coalescing) lands:
//   PLACEMENT_CPU  -> the CPU engine;
//   PLACEMENT_GPU  -> a healthy GPU engine that supports the task, else FAILED_PRECONDITION;
//   PLACEMENT_AUTO -> a healthy GPU engine that supports the task when the batch has at
//                     least `gpu_min_batch_items` items (`gpu_min_signature_items` for
//                     signature batches), else the CPU engine.
// GPUs are taken round-robin. Each GPU engine has one dispatch thread of its own (a GPU
// batch blocks its thread while it streams through the device, and must not take a CPU
// worker). When a GPU batch fails (the engine reports a device fault), the batch is run
// again on the CPU engine, so no request is lost; the completion then names "cpu".
// Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "core/thread_pool.h"
#include "engines/cpu/cpu_engine.h"
#include "engines/scheduler/scheduler.h"

namespace chainaccel {

class RoutingScheduler final : public Scheduler {
 public:
  struct Options {
    // PLACEMENT_AUTO sends hash and Merkle batches of at least this many items to a GPU.
    // Below it the copies to and from the device cost more than the CPU engine needs.
    size_t gpu_min_batch_items = 16384;
    // The same for signature batches (verify and recover), whose items cost the CPU
    // thousands of times more. A GPU batch takes at least one signature's time on one
    // GPU thread: measured on an H100 (bench/RESULTS.md, 2026-11-27), 5.0 ms for ECDSA
    // and 3.4 ms for Ed25519 from 64 items up to ~4,000; the CPU engine on 16 cores
    // needs 6.3 ms (ECDSA) and 9.8 ms (Ed25519) for 1,024 items, 66 / 78 ms for 10,000
    // (where the GPU takes 5.6 / 4.1 ms). Hosts with fewer cores cross over earlier.
    size_t gpu_min_signature_items = 1024;
  };

  // `cpu` and every engine in `gpus` must outlive the scheduler.
  RoutingScheduler(CpuEngine* cpu, std::vector<Engine*> gpus, const Options& options);
  ~RoutingScheduler() override;

  void Submit(Task* task, Placement placement, Completion done,
              Cancelled cancelled = nullptr) override CHAINACCEL_EXCLUDES(mu_);
  void Shutdown() override CHAINACCEL_EXCLUDES(mu_);
  std::vector<const Engine*> engines() const override;

  // GPU batches that failed and were run again on the CPU.
  uint64_t gpu_fallbacks() const { return gpu_fallbacks_.load(std::memory_order_relaxed); }

 private:
  // A healthy GPU that accepts `task` (Engine::Accepts), round-robin; -1 when there is
  // none.
  int PickGpu(const Task& task);
  // The size from which PLACEMENT_AUTO sends a batch of `type` to a GPU.
  size_t GpuMinItems(TaskType type) const;
  void RunOnCpu(Task* task, Completion done, Cancelled cancelled);
  // A task's completion has run: counts it out of in_flight_.
  void Finished() CHAINACCEL_EXCLUDES(mu_);

  CpuEngine* const cpu_;
  const std::vector<Engine*> gpus_;
  const Options options_;
  std::vector<std::unique_ptr<ThreadPool>> gpu_dispatch_;  // one thread per GPU
  std::atomic<uint64_t> next_gpu_{0};
  std::atomic<uint64_t> gpu_fallbacks_{0};

  Mutex mu_;
  CondVar idle_;  // waited on with mu_: in_flight_ fell to 0
  size_t in_flight_ CHAINACCEL_GUARDED_BY(mu_) = 0;
  bool stopping_ CHAINACCEL_GUARDED_BY(mu_) = false;
};

}  // namespace chainaccel
