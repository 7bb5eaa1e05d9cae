// BatchCall: one unary batch RPC from arrival to finish.
//
// The batch services register their methods "raw": gRPC hands over the request bytes
// and the call parses them itself, so that bytes that are not a valid request message
// get INVALID_ARGUMENT naming the message type (gRPC's own parse failure answers the
// misleading UNIMPLEMENTED). The call owns the parsed request and the response (on its
// arena), fills its task from the request, and either finishes at once (bad input) or
// submits the task to the scheduler; it then encodes and serializes the response on the
// scheduler's thread and finishes the reactor. It accounts for itself (in-flight limit,
// metrics, AdminService counters) and deletes itself when it finishes.
#pragma once

#include <google/protobuf/arena.h>
#include <google/protobuf/message.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/scheduler/scheduler.h"
#include "engines/task.h"
#include "server/serving_state.h"

namespace chainaccel::server {

class BatchCall {
 public:
  // Fills the response once the task has run on `engine`.
  using Encode = std::function<void(const std::string& engine)>;

  // `method` is the RPC name used in metrics ("Hash"). Counts the call in flight and
  // checks the in-flight limit (see admission()). `raw_response` (owned by gRPC) gets
  // the serialized response.
  BatchCall(ServingState& state, grpc::CallbackServerContext* context, std::string_view method,
            TaskType type, const grpc::ByteBuffer& raw_request, grpc::ByteBuffer* raw_response);

  BatchCall(const BatchCall&) = delete;
  BatchCall& operator=(const BatchCall&) = delete;

  // OK, or RESOURCE_EXHAUSTED when the daemon already serves its limit of requests.
  const Status& admission() const { return admission_; }

  // Parses the request bytes into a new M on the call's arena (*out). INVALID_ARGUMENT
  // names the message type when the bytes are not one.
  template <typename M>
  Status ParseRequest(const M** out);
  // A new, empty M on the call's arena: the response Finish serializes.
  template <typename M>
  M* NewResponse();

  // The task to fill; its inputs may point into the request.
  Task& task() { return task_; }
  // Per-item statuses for tasks that have them (the task points into this vector).
  std::vector<ItemStatus>& item_statuses() { return item_statuses_; }

  // Finishes the RPC with `status` now (serializing the response when OK). Deletes this.
  grpc::ServerUnaryReactor* Finish(const Status& status);

  // Runs the task through the scheduler; on success calls `encode` and finishes OK,
  // otherwise finishes with the scheduler's status. Deletes this when done.
  grpc::ServerUnaryReactor* Submit(Placement placement, Encode encode);

 private:
  ~BatchCall() = default;
  void RecordItems();

  google::protobuf::Arena arena_;
  ServingState& state_;
  grpc::CallbackServerContext* context_;
  grpc::ServerUnaryReactor* reactor_;
  std::string_view method_;
  TaskType type_;
  grpc::ByteBuffer raw_request_;  // a reference-counted view of gRPC's buffer
  grpc::ByteBuffer* raw_response_;
  google::protobuf::Message* response_ = nullptr;
  std::chrono::steady_clock::time_point started_;
  Status admission_;
  Task task_;
  std::vector<ItemStatus> item_statuses_;
  Encode encode_;
};

// One batch RPC from start to finish: admission, parsing, placement, `decode`, submit,
// `encode`, serialization.
//   decode(const Request&, Response*, T& task, std::vector<ItemStatus>& item_statuses)
//     -> Status fills the task from the request (and sizes outputs in the response);
//   encode(const T& task, const std::vector<ItemStatus>& item_statuses,
//          const std::string& engine, Response*) fills the response once the task ran.
// Returns the reactor the handler must return.
template <typename Request, typename Response, typename T, typename Decode, typename Encode>
grpc::ServerUnaryReactor* ServeBatch(ServingState& state, grpc::CallbackServerContext* context,
                                     std::string_view method, TaskType type,
                                     const grpc::ByteBuffer* raw_request,
                                     grpc::ByteBuffer* raw_response, Decode decode,
                                     Encode encode);

}  // namespace chainaccel::server

#include "server/batch_call_inl.h"
