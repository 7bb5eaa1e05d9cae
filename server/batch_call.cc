#include "server/batch_call.h"

#include <array>
#include <utility>

namespace chainaccel::server {

BatchCall::BatchCall(ServingState& state, grpc::CallbackServerContext* context,
                     std::string_view method, TaskType type, const grpc::ByteBuffer& raw_request,
                     grpc::ByteBuffer* raw_response)
    : CallFrame(state, context, method, state.counters[static_cast<size_t>(type)], raw_request,
                raw_response) {}

grpc::ServerUnaryReactor* BatchCall::Submit(Placement placement, Encode encode) {
  encode_ = std::move(encode);
  grpc::ServerUnaryReactor* reactor = this->reactor();
  grpc::CallbackServerContext* context = this->context();
  // After Submit the completion may run (and delete this) at any moment.
  state().scheduler->Submit(
      &task_, placement,
      [this](const Status& status, const std::string& engine) {
        if (status.ok()) {
          encode_(engine);
          set_items(TaskItemCount(task_));
        }
        Finish(status);
      },
      [context] { return context->IsCancelled(); });
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
