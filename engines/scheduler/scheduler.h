// Scheduler: where the server hands batches to the engine layer.
//
// Asynchronous: Submit returns at once and the completion runs later on a worker
// thread, so that no server thread blocks per in-flight request. Implementations decide
// which engine runs a task (RoutingScheduler: by placement and batch size; later the
// hybrid scheduler coalesces requests and routes by measured cost).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engines/engine.h"
#include "core/status.h"
#include "core/task.h"

namespace chainaccel {

// Where a task may run (the API's Placement).
enum class Placement : uint8_t { kAuto = 0, kCpu = 1, kGpu = 2 };

class Scheduler {
 public:
  // status: the batch's outcome; engine: the name of the engine that ran it ("cpu").
  using Completion = std::function<void(const Status& status, const std::string& engine)>;

  virtual ~Scheduler() = default;

  // Tells whether the caller has given up on a task (its client cancelled or its
  // deadline passed); must be cheap and callable from any thread.
  using Cancelled = std::function<bool()>;

  // Runs `task` and then calls `done` exactly once, from a scheduler thread (never from
  // inside Submit). The task must stay alive and untouched until `done` is called.
  // A task that cannot be placed (PLACEMENT_GPU without a GPU) completes with
  // FAILED_PRECONDITION; after Shutdown, tasks complete with UNAVAILABLE. A task whose
  // `cancelled` (if given) is true when its turn comes completes with CANCELLED without
  // running, so that work nobody waits for does not delay the rest.
  virtual void Submit(Task* task, Placement placement, Completion done,
                      Cancelled cancelled = nullptr) = 0;

  // Stops taking tasks and waits until every submitted task has completed.
  virtual void Shutdown() = 0;

  // The engines this scheduler dispatches to (for AdminService.GetDevices).
  virtual std::vector<const Engine*> engines() const = 0;
};

}  // namespace chainaccel
