// ScheduledEngine: an Engine whose Run hands the task to the daemon's Scheduler (with
// PLACEMENT_AUTO at high priority) and waits for it, so that engine-layer users outside
// the RPC handlers (the execution engine's signature batches and state-root trees) go
// through the same queues as every request, ahead of normal-priority (mempool) work.
//
// Run blocks its caller until the scheduler completes the task: call it from threads of
// your own (ExecutionService's workers), never from the scheduler's or the CPU engine's.
// Thread-safe.
#pragma once

#include <atomic>

#include "engines/engine.h"
#include "engines/scheduler/scheduler.h"

namespace chainaccel {

class ScheduledEngine final : public Engine {
 public:
  // `scheduler` must outlive this object.
  explicit ScheduledEngine(Scheduler& scheduler);

  const EngineInfo& info() const override { return info_; }
  // Every task type: the scheduler finds an engine.
  bool Supports(TaskType) const override { return true; }
  // The scheduler's completion status (UNAVAILABLE after its shutdown).
  Status Run(Task& task) override;
  EngineStats stats() const override;

 private:
  Scheduler& scheduler_;
  EngineInfo info_;
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> items_{0};
};

}  // namespace chainaccel
