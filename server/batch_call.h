// BatchCall: the call frame's batch path (server/call_frame.h) — one unary batch RPC
// whose work is a Task run by the scheduler.
//
// The call fills its task from the request and either finishes at once (bad input) or
// submits the task to the scheduler; it then encodes and serializes the response on the
// scheduler's thread and finishes the reactor. Beyond the frame's accounting it records
// the batch's items by status (chainaccel_items_total).
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/task.h"
#include "engines/scheduler/scheduler.h"
#include "server/call_frame.h"
#include "server/serving_state.h"

namespace chainaccel::server {

class BatchCall final : public CallFrame {
 public:
  // Fills the response once the task has run on `engine`.
  using Encode = std::function<void(const std::string& engine)>;

  // As CallFrame's; the call counts in the counters of task type `type`.
  BatchCall(ServingState& state, grpc::CallbackServerContext* context, std::string_view method,
            TaskType type, const grpc::ByteBuffer& raw_request, grpc::ByteBuffer* raw_response);

  // The task to fill; its inputs may point into the request.
  Task& task() { return task_; }
  // Per-item statuses for tasks that have them (the task points into this vector).
  std::vector<ItemStatus>& item_statuses() { return item_statuses_; }

  // Runs the task through the scheduler, with the client's deadline and cancellation;
  // on success calls `encode` and finishes OK, otherwise finishes with the scheduler's
  // status (CANCELLED or DEADLINE_EXCEEDED when the client gave up or ran out of time
  // while the batch was queued). Deletes this when done.
  grpc::ServerUnaryReactor* Submit(Placement placement, Priority priority, Encode encode);

 private:
  ~BatchCall() override = default;
  void RecordItems(Metrics& metrics, std::string_view method) const override;

  Task task_;
  std::vector<ItemStatus> item_statuses_;
  Encode encode_;
};

// One batch RPC from start to finish: admission, parsing, placement, `decode`, submit,
// `encode`, serialization.
//   decode(const Request&, Response*, T& task, std::vector<ItemStatus>& item_statuses
//          [, const SizeBytesField& size_bytes]) -> Status fills the task from the request
//     (and sizes outputs in the response: with size_bytes, when it takes it, a large one
//     goes into the call's kept buffers, CallFrame::SizeResponseBytes);
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
