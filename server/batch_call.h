// BatchCall: one unary batch RPC from arrival to finish.
//
// A handler creates one per call, fills its task from the request, and either finishes
// it at once (bad input) or submits it to the scheduler; the call then encodes the
// response on the scheduler's thread and finishes the reactor. The call accounts for
// itself (in-flight limit, metrics, AdminService counters) and deletes itself when it
// finishes. The request and response (owned by gRPC) outlive it.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/message.h>

#include "engines/scheduler/scheduler.h"
#include "engines/task.h"
#include "server/serving_state.h"

namespace chainaccel::server {

class BatchCall {
 public:
  // Fills the response once the task has run on `engine`.
  using Encode = std::function<void(const std::string& engine)>;

  // `method` is the RPC name used in metrics ("Hash"). Counts the call in flight and
  // checks the in-flight limit (see admission()).
  BatchCall(ServingState& state, grpc::CallbackServerContext* context, std::string_view method,
            TaskType type, const google::protobuf::Message& request,
            google::protobuf::Message* response);

  BatchCall(const BatchCall&) = delete;
  BatchCall& operator=(const BatchCall&) = delete;

  // OK, or RESOURCE_EXHAUSTED when the daemon already serves its limit of requests.
  const Status& admission() const { return admission_; }

  // The task to fill; its inputs may point into the request.
  Task& task() { return task_; }
  // Per-item statuses for tasks that have them (the task points into this vector).
  std::vector<ItemStatus>& item_statuses() { return item_statuses_; }

  // Finishes the RPC with `status` now. Deletes this.
  grpc::ServerUnaryReactor* Finish(const Status& status);

  // Runs the task through the scheduler; on success calls `encode` and finishes OK,
  // otherwise finishes with the scheduler's status. Deletes this when done.
  grpc::ServerUnaryReactor* Submit(Placement placement, Encode encode);

 private:
  ~BatchCall() = default;
  void RecordItems();

  ServingState& state_;
  grpc::CallbackServerContext* context_;
  grpc::ServerUnaryReactor* reactor_;
  std::string_view method_;
  TaskType type_;
  const google::protobuf::Message& request_;
  google::protobuf::Message* response_;
  std::chrono::steady_clock::time_point started_;
  Status admission_;
  Task task_;
  std::vector<ItemStatus> item_statuses_;
  Encode encode_;
};

// One batch RPC from start to finish: admission, placement, `decode`, submit, `encode`.
//   decode(T& task, std::vector<ItemStatus>& item_statuses) -> Status fills the task from
//     the request (and sizes outputs in the response);
//   encode(const T& task, const std::vector<ItemStatus>& item_statuses,
//          const std::string& engine) fills the response once the task has run.
// Returns the reactor the handler must return.
template <typename T, typename Decode, typename Encode>
grpc::ServerUnaryReactor* ServeBatch(ServingState& state, grpc::CallbackServerContext* context,
                                     std::string_view method, TaskType type,
                                     const google::protobuf::Message& request,
                                     google::protobuf::Message* response,
                                     int placement_value, Decode decode, Encode encode);

}  // namespace chainaccel::server

#include "server/batch_call_inl.h"
