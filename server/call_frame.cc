#include "server/call_frame.h"

#include <spdlog/spdlog.h>

#include <string>
#include <utility>

#include "server/grpc_status.h"

namespace chainaccel::server {

std::string CallFrame::RequestBytes() const {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!raw_request_.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

CallFrame::CallFrame(ServingState& state, grpc::CallbackServerContext* context,
                     std::string_view method, TaskCounters& counters,
                     const grpc::ByteBuffer& raw_request, grpc::ByteBuffer* raw_response)
    : state_(state),
      context_(context),
      reactor_(context->DefaultReactor()),
      method_(method),
      counters_(counters),
      raw_request_(raw_request),
      raw_response_(raw_response),
      started_(std::chrono::steady_clock::now()),
      admission_(state, *context, method) {}

grpc::ServerUnaryReactor* CallFrame::Finish(const Status& given) {
  Status status = given;
  if (status.ok()) {
    if (!SerializeWithPool(*response_, state_.field_buffers, raw_response_)) {
      status = Status::Internal("cannot serialize the response");
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  counters_.requests.fetch_add(1, std::memory_order_relaxed);
  if (status.ok()) {
    counters_.items.fetch_add(items_, std::memory_order_relaxed);
    RecordItems(*state_.metrics, method_);
  } else {
    counters_.failed_requests.fetch_add(1, std::memory_order_relaxed);
    if (status.code() == Status::Code::kInternal) {
      spdlog::warn("{} failed: {}", method_, status.ToString());
    } else {
      spdlog::debug("{} rejected: {}", method_, status.ToString());
    }
  }
  const size_t bytes_out = status.ok() ? raw_response_->Length() : 0;
  state_.metrics->RecordRequest(method_, StatusCodeName(status.code()), seconds,
                                raw_request_.Length(), bytes_out);
  grpc::ServerUnaryReactor* reactor = reactor_;
  delete this;  // before Finish: gRPC's buffers die with the RPC; leaves the in-flight count
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* CallFrame::RunOn(ThreadPool& workers, std::function<Status()> work) {
  grpc::ServerUnaryReactor* reactor = reactor_;
  // After Post the work may run (and delete this) at any moment.
  workers.Post([this, work = std::move(work)] {
    Status given_up = GivenUp();
    Finish(given_up.ok() ? work() : given_up);
  });
  return reactor;
}

Status CallFrame::GivenUp() const {
  // The deadline is checked on our own clock: gRPC marks the call cancelled when its
  // deadline timer runs, which on a loaded machine can be later than the worker's turn.
  if (std::chrono::system_clock::now() >= context_->deadline()) {
    return Status::DeadlineExceeded("the deadline passed before the call ran");
  }
  if (context_->IsCancelled()) return Status::Cancelled("the client gave up before the call ran");
  return Status::Ok();
}

void CallFrame::RecordItems(Metrics&, std::string_view) const {}

}  // namespace chainaccel::server
