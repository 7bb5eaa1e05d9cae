#include "server/admin_service.h"

#include <spdlog/spdlog.h>

#include "engines/scheduler/batch_key.h"
#include "engines/scheduler/hybrid_scheduler.h"
#include "server/grpc_status.h"
#include "server/version.h"

namespace chainaccel::server {
namespace {

void AddCounters(std::string_view task, const TaskCounters& c, v1::GetStatusResponse* response) {
  v1::TaskCounters* out = response->add_tasks();
  out->set_task(std::string(task));
  out->set_requests(c.requests.load(std::memory_order_relaxed));
  out->set_failed_requests(c.failed_requests.load(std::memory_order_relaxed));
  out->set_items(c.items.load(std::memory_order_relaxed));
}

// When the authorizer refuses the call (a method guarded by auth.methods), finishes it
// with the refusal and returns its reactor; null when the call may go on.
grpc::ServerUnaryReactor* Refused(const ServingState& state, grpc::CallbackServerContext* context,
                                  std::string_view method) {
  if (state.authorizer == nullptr) return nullptr;
  const Status s = state.authorizer->Check(*context, method);
  if (s.ok()) return nullptr;
  spdlog::warn("{} from {} refused: {}", method, context->peer(), s.ToString());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(s));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* AdminServiceImpl::GetScheduler(grpc::CallbackServerContext* context,
                                                         const v1::GetSchedulerRequest*,
                                                         v1::GetSchedulerResponse* response) {
  if (auto* refused = Refused(state_, context, "GetScheduler")) return refused;
  auto* reactor = context->DefaultReactor();
  const HybridScheduler* scheduler = state_.hybrid_scheduler;
  if (scheduler == nullptr) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no hybrid scheduler"));
    return reactor;
  }
  const HybridScheduler::Options& options = scheduler->options();
  response->set_default_placement(static_cast<v1::Placement>(options.default_placement));
  response->set_batching(options.batching);
  response->set_max_queue_delay_seconds(
      std::chrono::duration<double>(options.max_queue_delay).count());
  response->set_gpu_fallbacks(scheduler->gpu_fallbacks());
  const std::vector<const Engine*> engines = scheduler->engines();
  for (const HybridScheduler::Row& row : scheduler->Snapshot()) {
    v1::SchedulerEntry* e = response->add_entries();
    e->set_task(std::string(TaskTypeName(CostClassKey(row.cost_class).type)));
    e->set_variant(std::string(CostClassVariant(row.cost_class)));
    e->set_engine(engines[row.engine]->info().name);
    e->set_accepts(row.accepts);
    e->set_fixed_latency_seconds(row.estimate.fixed_seconds);
    e->set_per_unit_seconds(row.estimate.per_unit_seconds);
    e->set_crossover_units(row.crossover_units);
    e->set_calibrated(row.estimate.calibrated);
    e->set_observed_batches(row.estimate.observations);
    e->set_queued_items(row.queued_items);
    e->set_queued_requests(row.queued_requests);
    e->set_queued_bytes(row.queued_bytes);
    e->set_load_balance_scale(row.split_scale);
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* AdminServiceImpl::SetEngineEnabled(
    grpc::CallbackServerContext* context, const v1::SetEngineEnabledRequest* request,
    v1::SetEngineEnabledResponse* response) {
  if (auto* refused = Refused(state_, context, "SetEngineEnabled")) return refused;
  auto* reactor = context->DefaultReactor();
  Status s;
  uint64_t moved = 0;
  if (!state_.engine_control) {
    s = Status::FailedPrecondition("engine control is off: set admin_engine_control: true in "
                                   "the daemon's config to allow it");
  } else if (state_.hybrid_scheduler == nullptr) {
    s = Status::Unimplemented("no hybrid scheduler");
  } else {
    s = state_.hybrid_scheduler->SetEngineEnabled(request->engine(), request->enabled(), &moved);
  }
  if (s.ok()) {
    spdlog::warn("SetEngineEnabled from {}: {} {}", context->peer(), request->engine(),
                 request->enabled() ? "enabled" : "disabled");
    response->set_engine(request->engine());
    response->set_enabled(request->enabled());
    response->set_moved_parts(moved);
  }
  reactor->Finish(ToGrpcStatus(s));
  return reactor;
}

grpc::ServerUnaryReactor* AdminServiceImpl::GetDevices(grpc::CallbackServerContext* context,
                                                       const v1::GetDevicesRequest*,
                                                       v1::GetDevicesResponse* response) {
  if (auto* refused = Refused(state_, context, "GetDevices")) return refused;
  for (const Engine* engine : state_.scheduler->engines()) {
    const EngineInfo& info = engine->info();
    const EngineStats stats = engine->stats();
    v1::Device* d = response->add_devices();
    d->set_name(info.name);
    d->set_kind(info.kind == EngineKind::kCpu ? "cpu" : "gpu");
    d->set_model(info.model);
    d->set_threads(info.threads);
    d->set_memory_bytes(info.memory_bytes);
    d->set_multiprocessors(info.multiprocessors);
    d->set_compute_capability(info.compute_capability);
    d->set_healthy(stats.healthy);
    for (size_t t = 0; t < kTaskTypeCount; ++t) {
      if (engine->Supports(static_cast<TaskType>(t))) {
        d->add_tasks(std::string(TaskTypeName(static_cast<TaskType>(t))));
      }
    }
    d->set_batches(stats.batches);
    d->set_busy_seconds(stats.busy_seconds);
    d->set_faults(stats.faults);
    d->set_memory_free_bytes(stats.memory_free_bytes);
  }
  // GPUs present but not run by an engine: listed with no tasks.
  for (const GpuFacts& gpu : gpus_) {
    v1::Device* d = response->add_devices();
    d->set_name("gpu:" + std::to_string(gpu.ordinal));
    d->set_kind("gpu");
    d->set_model(gpu.name);
    d->set_memory_bytes(gpu.memory_bytes);
    d->set_multiprocessors(gpu.multiprocessors);
    d->set_compute_capability(gpu.compute_capability);
    d->set_healthy(false);
  }
  auto* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* AdminServiceImpl::GetStatus(grpc::CallbackServerContext* context,
                                                      const v1::GetStatusRequest*,
                                                      v1::GetStatusResponse* response) {
  if (auto* refused = Refused(state_, context, "GetStatus")) return refused;
  response->set_version(std::string(kVersion));
  response->set_uptime_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - state_.started).count());
  for (size_t t = 0; t < kTaskTypeCount; ++t) {
    AddCounters(TaskTypeName(static_cast<TaskType>(t)), state_.counters[t], response);
  }
  // ExecutionService's calls, after the task types.
  for (size_t c = 0; c < kExecutionCallCount; ++c) {
    AddCounters(ExecutionCallName(static_cast<ExecutionCall>(c)), state_.execution_counters[c],
                response);
  }
  response->set_in_flight_requests(state_.in_flight.load(std::memory_order_relaxed));
  auto* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace chainaccel::server
