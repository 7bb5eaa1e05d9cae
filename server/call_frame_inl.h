// Template definitions for server/call_frame.h.
#pragma once

#include <utility>

#include "server/call_frame.h"
#include "server/utf8_fields.h"

namespace chainaccel::server {

template <typename M>
Status CallFrame::ParseRequest(const M** out) {
  M* message = google::protobuf::Arena::CreateMessage<M>(&arena_);
  if (!pooled_fields_.Parse(raw_request_, message, state_.field_buffers.get())) {
    // protobuf refuses `string` fields that are not valid UTF-8: name the field.
    const std::string field = FindInvalidUtf8Field(*message->GetDescriptor(), RequestBytes());
    if (!field.empty()) return Status::InvalidArgument(field + " is not valid UTF-8");
    return Status::InvalidArgument("request: the bytes are not a valid " +
                                   message->GetDescriptor()->full_name() +
                                   " (truncated or malformed protobuf)");
  }
  *out = message;
  return Status::Ok();
}

template <typename M>
M* CallFrame::NewResponse() {
  M* message = google::protobuf::Arena::CreateMessage<M>(&arena_);
  response_ = message;
  return message;
}

template <typename Request, typename Response, typename Items, typename Run>
grpc::ServerUnaryReactor* ServeOnWorkers(ServingState& state, grpc::CallbackServerContext* context,
                                         std::string_view method, TaskCounters& counters,
                                         ThreadPool& workers, const grpc::ByteBuffer* raw_request,
                                         grpc::ByteBuffer* raw_response, Items items, Run run) {
  auto* call = new CallFrame(state, context, method, counters, *raw_request, raw_response);
  Response* response = call->NewResponse<Response>();
  const Request* request = nullptr;
  Status s = call->admission();
  if (s.ok()) s = call->ParseRequest(&request);
  if (!s.ok()) return call->Finish(s);
  call->set_items(items(*request));
  return call->RunOn(workers, [request, response, run = std::move(run)] {
    return run(*request, response);
  });
}

}  // namespace chainaccel::server
