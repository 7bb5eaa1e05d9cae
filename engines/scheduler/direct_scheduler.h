// DirectScheduler: runs every task on the CPU engine, one pool task per batch.
//
// The first Scheduler: no coalescing across requests and no GPU routing (those come with
// the hybrid scheduler). PLACEMENT_GPU completes with FAILED_PRECONDITION since no GPU
// engine exists yet. Thread-safe.
#pragma once

#include <condition_variable>
#include <mutex>

#include "engines/cpu/cpu_engine.h"
#include "engines/scheduler/scheduler.h"

namespace chainaccel {

class DirectScheduler final : public Scheduler {
 public:
  // `cpu` must outlive the scheduler.
  explicit DirectScheduler(CpuEngine* cpu) : cpu_(cpu) {}
  ~DirectScheduler() override { Shutdown(); }

  void Submit(Task* task, Placement placement, Completion done,
              Cancelled cancelled = nullptr) override;
  void Shutdown() override;
  std::vector<const Engine*> engines() const override { return {cpu_}; }

 private:
  void Finished();

  CpuEngine* const cpu_;

  std::mutex mu_;
  // Guarded by mu_.
  std::condition_variable idle_;
  size_t in_flight_ = 0;
  bool stopping_ = false;
};

}  // namespace chainaccel
