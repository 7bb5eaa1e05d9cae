#include "server/batch_call.h"

#include <array>
#include <chrono>
#include <utility>

namespace chainaccel::server {

BatchCall::BatchCall(ServingState& state, grpc::CallbackServerContext* context,
                     std::string_view method, TaskType type, const grpc::ByteBuffer& raw_request,
                     grpc::ByteBuffer* raw_response)
    : CallFrame(state, context, method, state.counters[static_cast<size_t>(type)], raw_request,
                raw_response) {}

namespace {

// The client's deadline on the scheduler's clock (none: time_point::max()).
SchedulerClock::time_point SchedulerDeadline(const grpc::CallbackServerContext& context) {
  const std::chrono::system_clock::time_point deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return SchedulerClock::time_point::max();
  }
  const auto left = deadline - std::chrono::system_clock::now();
  // gRPC reports "no deadline" as a time far in the future: keep it infinite.
  if (left > std::chrono::hours(24 * 365)) return SchedulerClock::time_point::max();
  return SchedulerClock::now() + std::chrono::duration_cast<SchedulerClock::duration>(left);
}

}  // namespace

grpc::ServerUnaryReactor* BatchCall::Submit(Placement placement, Priority priority,
                                            Encode encode) {
  encode_ = std::move(encode);
  grpc::ServerUnaryReactor* reactor = this->reactor();
  grpc::CallbackServerContext* context = this->context();
  Scheduler::SubmitOptions options;
  options.placement = placement;
  options.priority = priority;
  options.deadline = SchedulerDeadline(*context);
  options.cancelled = [context] { return context->IsCancelled(); };
  // After Submit the completion may run (and delete this) at any moment.
  state().scheduler->Submit(&task_, std::move(options),
                            [this](const Status& status, const std::string& engine) {
                              if (status.ok()) {
                                encode_(engine);
                                set_items(TaskItemCount(task_));
                              }
                              Finish(status);
                            });
  return reactor;
}

void BatchCall::RecordItems(Metrics& metrics, std::string_view method) const {
  if (item_statuses_.empty()) {
    metrics.RecordItems(method, ItemStatus::kOk, TaskItemCount(task_));
    return;
  }
  std::array<uint64_t, 256> counts{};
  for (ItemStatus s : item_statuses_) ++counts[static_cast<uint8_t>(s)];
  for (size_t i = 0; i < counts.size(); ++i) {
    metrics.RecordItems(method, static_cast<ItemStatus>(i), counts[i]);
  }
}

}  // namespace chainaccel::server
