// ServingState: what every RPC handler shares — the scheduler, metrics, limits and the
// counters AdminService reports. Owned by Server; handlers hold a reference.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

#include "engines/scheduler/scheduler.h"
#include "engines/task.h"
#include "server/limits.h"
#include "server/metrics.h"

namespace chainaccel::server {

// Counters of one task type since start (AdminService.GetStatus).
struct TaskCounters {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> failed_requests{0};
  std::atomic<uint64_t> items{0};
};

struct ServingState {
  Scheduler* scheduler = nullptr;
  Metrics* metrics = nullptr;
  Limits limits;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<uint64_t> in_flight{0};
  std::array<TaskCounters, kTaskTypeCount> counters;
};

}  // namespace chainaccel::server
