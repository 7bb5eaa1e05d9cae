#include "engines/scheduler/scheduled_engine.h"

#include <future>
#include <string>

namespace chainaccel {

ScheduledEngine::ScheduledEngine(Scheduler& scheduler) : scheduler_(scheduler) {
  info_.name = "scheduler";
  info_.kind = EngineKind::kCpu;
}

Status ScheduledEngine::Run(Task& task) {
  std::promise<Status> done;
  std::future<Status> result = done.get_future();
  batches_.fetch_add(1, std::memory_order_relaxed);
  items_.fetch_add(TaskItemCount(task), std::memory_order_relaxed);
  Scheduler::SubmitOptions options;
  options.priority = Priority::kHigh;
  scheduler_.Submit(&task, std::move(options),
                    [&done](const Status& status, const std::string&) { done.set_value(status); });
  return result.get();
}

EngineStats ScheduledEngine::stats() const {
  EngineStats s;
  s.batches = batches_.load();
  s.items = items_.load();
  return s;
}

}  // namespace chainaccel
