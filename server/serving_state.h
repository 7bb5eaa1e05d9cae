// ServingState: what every RPC handler shares — the scheduler, metrics, limits and the
// counters AdminService reports. Owned by Server; handlers hold a reference.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "engines/scheduler/hybrid_scheduler.h"
#include "engines/scheduler/scheduler.h"
#include "core/task.h"
#include "server/authorizer.h"
#include "server/client_counts.h"
#include "server/field_buffer_pool.h"
#include "server/limits.h"
#include "server/metrics.h"

namespace chainaccel::server {

// Counters of one task type, or one ExecutionService method, since start
// (AdminService.GetStatus).
struct TaskCounters {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> failed_requests{0};
  std::atomic<uint64_t> items{0};
};

// ExecutionService's methods: counted in AdminService.GetStatus after the task types.
enum class ExecutionCall : uint8_t { kDeployContract, kExecuteBlock, kCall, kGetState };
inline constexpr size_t kExecutionCallCount = 4;

// "deploy_contract", "execute_block", "call", "get_state": the `task` of its counters.
inline std::string_view ExecutionCallName(ExecutionCall call) {
  switch (call) {
    case ExecutionCall::kDeployContract: return "deploy_contract";
    case ExecutionCall::kExecuteBlock: return "execute_block";
    case ExecutionCall::kCall: return "call";
    case ExecutionCall::kGetState: return "get_state";
  }
  return "unknown";
}

struct ServingState {
  Scheduler* scheduler = nullptr;
  // The same scheduler, for AdminService.GetScheduler.
  HybridScheduler* hybrid_scheduler = nullptr;
  Metrics* metrics = nullptr;
  // Storage for requests' large bytes fields, kept between requests
  // (server/field_buffer_pool.h); null: none kept.
  std::shared_ptr<FieldBufferPool> field_buffers;
  // Who may call the guarded methods; null: every method open.
  const Authorizer* authorizer = nullptr;
  // AdminService.SetEngineEnabled answers only when set (config admin_engine_control).
  bool engine_control = false;
  Limits limits;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<uint64_t> in_flight{0};
  // Set on shutdown: new work calls get UNAVAILABLE while in-flight ones drain (health and
  // admin calls are still answered; health says NOT_SERVING).
  std::atomic<bool> draining{false};
  // Requests in flight per client (only kept when limits.max_inflight_per_client is set).
  ClientCounts clients;
  std::array<TaskCounters, kTaskTypeCount> counters;
  std::array<TaskCounters, kExecutionCallCount> execution_counters;

  TaskCounters& counters_of(ExecutionCall call) {
    return execution_counters[static_cast<size_t>(call)];
  }
};

}  // namespace chainaccel::server
