// Template definitions for server/batch_call.h.
#pragma once

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "server/batch_call.h"
#include "server/decode.h"

namespace chainaccel::server {

template <typename Request, typename Response, typename T, typename Decode, typename Encode>
grpc::ServerUnaryReactor* ServeBatch(ServingState& state, grpc::CallbackServerContext* context,
                                     std::string_view method, TaskType type,
                                     const grpc::ByteBuffer* raw_request,
                                     grpc::ByteBuffer* raw_response, Decode decode,
                                     Encode encode) {
  auto* call = new BatchCall(state, context, method, type, *raw_request, raw_response);
  Response* response = call->NewResponse<Response>();
  T& task = call->task().template emplace<T>();
  const Request* request = nullptr;
  Placement placement = Placement::kAuto;
  Priority priority = Priority::kNormal;
  Status s = call->admission();
  if (s.ok()) s = call->ParseRequest(&request);
  if (s.ok()) s = DecodePlacement(request->placement(), &placement);
  if (s.ok()) s = DecodePriority(request->priority(), &priority);
  if (s.ok()) {
    if constexpr (std::is_invocable_v<Decode, const Request&, Response*, T&,
                                      std::vector<ItemStatus>&, const SizeBytesField&>) {
      const SizeBytesField size_bytes = [call](std::string* field, size_t size) {
        call->SizeResponseBytes(field, size);
      };
      s = decode(*request, response, task, call->item_statuses(), size_bytes);
    } else {
      s = decode(*request, response, task, call->item_statuses());
    }
  }
  if (!s.ok()) return call->Finish(s);
  return call->Submit(placement, priority, [call, &task, response, encode = std::move(encode)](
                                     const std::string& engine) {
    encode(task, call->item_statuses(), engine, response);
  });
}

}  // namespace chainaccel::server
