// Scheduler: where the server (and the execution layer) hands batches to the engines.
//
// Asynchronous: Submit returns at once and the completion runs later on a scheduler
// thread, so that no server thread blocks per in-flight request. HybridScheduler
// (hybrid_scheduler.h) is the implementation: it queues requests per device, coalesces
// them into device batches and places them by measured cost.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/task.h"
#include "engines/engine.h"

namespace chainaccel {

// Where a task may run (the API's Placement; same values).
enum class Placement : uint8_t {
  // The engine that is predicted to finish it first (queue backlog + fixed latency +
  // items x per-item cost), from the measured cost model.
  kAuto = 0,
  kCpu = 1,
  // The GPU predicted to finish it first; FAILED_PRECONDITION when no healthy GPU runs it.
  kGpu = 2,
  // Split over the CPU and every GPU in proportion to their measured rates, so that the
  // parts finish together (tasks that cannot be split run as AUTO).
  kLoadBalance = 3,
};

// Queued work of the high class is always taken before normal work (the API's Priority).
enum class Priority : uint8_t { kNormal = 0, kHigh = 1 };

using SchedulerClock = std::chrono::steady_clock;

class Scheduler {
 public:
  // status: the batch's outcome; engine: the engine(s) that ran it ("cpu", "gpu:0",
  // "cpu+gpu:0" when a request was split over several).
  using Completion = std::function<void(const Status& status, const std::string& engine)>;
  // Tells whether the caller has given up on a task (its client cancelled); must be
  // cheap, non-blocking, callable from any thread and must not call the scheduler.
  using Cancelled = std::function<bool()>;

  struct SubmitOptions {
    Placement placement = Placement::kAuto;
    Priority priority = Priority::kNormal;
    // A task still queued at this time completes with DEADLINE_EXCEEDED and never runs.
    SchedulerClock::time_point deadline = SchedulerClock::time_point::max();
    // Polled while the task is queued: once true, its queued work is dropped and it
    // completes with CANCELLED.
    Cancelled cancelled;
  };

  virtual ~Scheduler() = default;

  // Runs `task` and then calls `done` exactly once, from a scheduler thread (never from
  // inside Submit). The task must stay alive and untouched until `done` is called; its
  // outputs are complete when `done` gets OK.
  // Statuses: FAILED_PRECONDITION for a placement no engine can honour (GPU without a
  // healthy GPU that runs the task); RESOURCE_EXHAUSTED when the task's queue is full
  // (the message says when to retry); DEADLINE_EXCEEDED / CANCELLED as above;
  // UNAVAILABLE after Shutdown; else the engine's status.
  virtual void Submit(Task* task, SubmitOptions options, Completion done) = 0;

  // Stops taking tasks and waits until every submitted task has completed.
  virtual void Shutdown() = 0;

  // The engines this scheduler dispatches to (for AdminService.GetDevices).
  virtual std::vector<const Engine*> engines() const = 0;

  // Shorthand for a normal-priority task without deadline.
  void Submit(Task* task, Placement placement, Completion done, Cancelled cancelled = nullptr) {
    SubmitOptions options;
    options.placement = placement;
    options.cancelled = std::move(cancelled);
    Submit(task, std::move(options), std::move(done));
  }
};

}  // namespace chainaccel
