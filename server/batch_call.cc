#include "server/batch_call.h"

#include <spdlog/spdlog.h>

#include <array>

#include <grpcpp/impl/codegen/proto_utils.h>

#include "server/grpc_status.h"

namespace chainaccel::server {

BatchCall::BatchCall(ServingState& state, grpc::CallbackServerContext* context,
                     std::string_view method, TaskType type, const grpc::ByteBuffer& raw_request,
                     grpc::ByteBuffer* raw_response)
    : state_(state),
      context_(context),
      reactor_(context->DefaultReactor()),
      method_(method),
      type_(type),
      raw_request_(raw_request),
      raw_response_(raw_response),
      started_(std::chrono::steady_clock::now()) {
  const uint64_t in_flight = state_.in_flight.fetch_add(1, std::memory_order_relaxed) + 1;
  state_.metrics->AddInFlight(1);
  if (in_flight > state_.limits.max_inflight_requests) {
    admission_ = Status::ResourceExhausted(
        "the daemon is serving its limit of " +
        std::to_string(state_.limits.max_inflight_requests) + " requests; retry later");
  }
}

grpc::ServerUnaryReactor* BatchCall::Finish(const Status& given) {
  Status status = given;
  if (status.ok()) {
    bool own_buffer = false;
    const grpc::Status serialized = grpc::SerializationTraits<google::protobuf::Message>::Serialize(
        *response_, raw_response_, &own_buffer);
    if (!serialized.ok()) {
      status = Status::Internal("cannot serialize the response: " + serialized.error_message());
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  TaskCounters& counters = state_.counters[static_cast<size_t>(type_)];
  counters.requests.fetch_add(1, std::memory_order_relaxed);
  if (status.ok()) {
    counters.items.fetch_add(TaskItemCount(task_), std::memory_order_relaxed);
    RecordItems();
  } else {
    counters.failed_requests.fetch_add(1, std::memory_order_relaxed);
    if (status.code() == Status::Code::kInternal) {
      spdlog::warn("{} failed: {}", method_, status.ToString());
    } else {
      spdlog::debug("{} rejected: {}", method_, status.ToString());
    }
  }
  const size_t bytes_out = status.ok() ? raw_response_->Length() : 0;
  state_.metrics->RecordRequest(method_, StatusCodeName(status.code()), seconds,
                                raw_request_.Length(), bytes_out);
  state_.metrics->AddInFlight(-1);
  state_.in_flight.fetch_sub(1, std::memory_order_relaxed);
  grpc::ServerUnaryReactor* reactor = reactor_;
  delete this;  // before Finish: gRPC's buffers die with the RPC
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* BatchCall::Submit(Placement placement, Encode encode) {
  encode_ = std::move(encode);
  grpc::ServerUnaryReactor* reactor = reactor_;
  // After Submit the completion may run (and delete this) at any moment.
  state_.scheduler->Submit(
      &task_, placement,
      [this](const Status& status, const std::string& engine) {
        if (status.ok()) encode_(engine);
        Finish(status);
      },
      [context = context_] { return context->IsCancelled(); });
  return reactor;
}

void BatchCall::RecordItems() {
  if (item_statuses_.empty()) {
    state_.metrics->RecordItems(method_, ItemStatus::kOk, TaskItemCount(task_));
    return;
  }
  std::array<uint64_t, 256> counts{};
  for (ItemStatus s : item_statuses_) ++counts[static_cast<uint8_t>(s)];
  for (size_t i = 0; i < counts.size(); ++i) {
    state_.metrics->RecordItems(method_, static_cast<ItemStatus>(i), counts[i]);
  }
}

}  // namespace chainaccel::server
