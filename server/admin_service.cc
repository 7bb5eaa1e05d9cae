#include "server/admin_service.h"

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

}  // namespace

grpc::ServerUnaryReactor* AdminServiceImpl::GetDevices(grpc::CallbackServerContext* context,
                                                       const v1::GetDevicesRequest*,
                                                       v1::GetDevicesResponse* response) {
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
