// SchedulerObserver: what the hybrid scheduler reports as it works, for metrics.
//
// The scheduler calls these from its own threads, never while holding its lock; an
// implementation must be thread-safe and quick (it runs on the dispatch path).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "core/task.h"

namespace chainaccel {

// One device batch that ran.
struct BatchReport {
  TaskType type = TaskType::kHash;
  std::string_view engine;             // "cpu", "gpu:0"
  size_t items = 0;
  size_t requests = 0;                 // request ranges coalesced into the batch
  std::span<const double> queue_wait;  // seconds each range waited, queued to formed
  double gather_seconds = 0;           // copying the ranges' inputs into the batch
  double run_seconds = 0;              // the engine's run
  double scatter_seconds = 0;          // copying the results back into each request
  double predicted_seconds = 0;        // the cost model's prediction when it was formed
  bool ok = true;                      // false: the engine failed it (re-run elsewhere)
};

class SchedulerObserver {
 public:
  virtual ~SchedulerObserver() = default;

  virtual void OnBatch(const BatchReport& batch) = 0;
  // A request refused at Submit. reason: "queue_items", "queue_bytes", "no_engine",
  // "deadline", "shutdown".
  virtual void OnRejected(TaskType type, std::string_view reason) = 0;
  // A queued request dropped before (all of) it ran. reason: "deadline", "cancelled".
  virtual void OnDropped(TaskType type, std::string_view reason) = 0;
};

}  // namespace chainaccel
