// Template definitions for server/batch_call.h.
#pragma once

#include <utility>

#include "chainaccel/v1/common.pb.h"
#include "server/batch_call.h"
#include "server/decode.h"

namespace chainaccel::server {

template <typename T, typename Decode, typename Encode>
grpc::ServerUnaryReactor* ServeBatch(ServingState& state, grpc::CallbackServerContext* context,
                                     std::string_view method, TaskType type,
                                     const google::protobuf::Message& request,
                                     google::protobuf::Message* response,
                                     int placement_value, Decode decode, Encode encode) {
  auto* call = new BatchCall(state, context, method, type, request, response);
  T& task = call->task().template emplace<T>();
  Placement placement = Placement::kAuto;
  Status s = call->admission();
  if (s.ok()) s = DecodePlacement(static_cast<v1::Placement>(placement_value), &placement);
  if (s.ok()) s = decode(task, call->item_statuses());
  if (!s.ok()) return call->Finish(s);
  return call->Submit(placement, [call, &task, encode = std::move(encode)](
                                     const std::string& engine) {
    encode(task, call->item_statuses(), engine);
  });
}

}  // namespace chainaccel::server
