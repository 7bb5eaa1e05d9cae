// CallFrame: one unary RPC from arrival to finish — the one way every service of the
// daemon (but AdminService and health) serves a call.
//
// Methods are registered "raw": gRPC hands over the request bytes and the frame parses
// them itself, so that bytes that are not a valid request message get INVALID_ARGUMENT
// naming the message type (gRPC's own parse failure answers the misleading
// UNIMPLEMENTED). The frame owns the parsed request and the response (on its arena),
// accounts for the call (the in-flight limit and gauge, the RPC metrics, the
// AdminService counters), maps its Status to a grpc::Status once (ToGrpcStatus), and
// deletes itself when it finishes.
//
// Two paths run the work between parse and finish:
//   - batches: BatchCall (server/batch_call.h) submits a Task to the scheduler;
//   - closures: RunOn / ServeOnWorkers (below) run the work on a service's own threads
//     (ExecutionService: a block can take seconds, never on gRPC's callback threads).
// Either way a call whose client has given up by the time its turn comes is not run: it
// finishes DEADLINE_EXCEEDED (its deadline has passed) or CANCELLED.
#pragma once

#include <google/protobuf/arena.h>
#include <google/protobuf/message.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/status.h"
#include "core/thread_pool.h"
#include "server/call_admission.h"
#include "server/metrics.h"
#include "server/pooled_fields.h"
#include "server/serving_state.h"

namespace chainaccel::server {

class CallFrame {
 public:
  // `method` is the RPC name used in metrics ("Hash"); `counters` are the AdminService
  // counters the call adds to (a task type's, an ExecutionService method's); both must
  // outlive the call. Counts the call in flight and decides whether it may run
  // (server/call_admission.h). `raw_response` (owned by gRPC) gets the serialized response.
  CallFrame(ServingState& state, grpc::CallbackServerContext* context, std::string_view method,
            TaskCounters& counters, const grpc::ByteBuffer& raw_request,
            grpc::ByteBuffer* raw_response);

  CallFrame(const CallFrame&) = delete;
  CallFrame& operator=(const CallFrame&) = delete;

  // OK; UNAVAILABLE while the daemon drains; RESOURCE_EXHAUSTED when the daemon already
  // serves its limit of requests; UNAUTHENTICATED or PERMISSION_DENIED when `method` is
  // guarded and the call lacks the credentials (server/authorizer.h).
  const Status& admission() const { return admission_.status(); }

  // Parses the request bytes into a new M on the call's arena (*out), its large bytes
  // fields into buffers of the state's field_buffers pool, given back when the call ends
  // (server/pooled_fields.h). Called once. INVALID_ARGUMENT
  // names the field ("transactions[1].function is not valid UTF-8") when a `string`
  // field is not valid UTF-8, else the message type when the bytes are not one.
  template <typename M>
  Status ParseRequest(const M** out);
  // The request's bytes, copied out of gRPC's buffer (for error reports).
  std::string RequestBytes() const;
  // A new, empty M on the call's arena: the response Finish serializes.
  template <typename M>
  M* NewResponse();

  // Makes a bytes field of the response `size` zero bytes, in a kept buffer when it is
  // large (PooledFields::SizeBytes), given back when the call ends.
  void SizeResponseBytes(std::string* field, size_t size) {
    pooled_fields_.SizeBytes(field, size, state_.field_buffers.get());
  }

  // The items the call adds to its counters when it finishes OK (default 0).
  void set_items(uint64_t items) { items_ = items; }

  // Finishes the RPC with `status` now (serializing the response when OK) and accounts
  // for it. Deletes this; returns the reactor the handler must return.
  grpc::ServerUnaryReactor* Finish(const Status& status);

  // Runs `work` on `workers` and finishes with its status; without running it when the
  // client has given up by then (GivenUp). Deletes this when done; returns the reactor.
  grpc::ServerUnaryReactor* RunOn(ThreadPool& workers, std::function<Status()> work);

 protected:
  virtual ~CallFrame() = default;

  ServingState& state() const { return state_; }
  grpc::CallbackServerContext* context() const { return context_; }
  grpc::ServerUnaryReactor* reactor() const { return reactor_; }

 private:
  // Per-item metrics of a call that finished OK, beyond its counters (batches: items by
  // status, chainaccel_items_total).
  virtual void RecordItems(Metrics& metrics, std::string_view method) const;
  // DEADLINE_EXCEEDED once the call's deadline has passed (by this machine's clock),
  // CANCELLED once the client has cancelled it, else OK.
  Status GivenUp() const;

  google::protobuf::Arena arena_;
  PooledFields pooled_fields_;  // of the request on arena_, so destroyed before it
  ServingState& state_;
  grpc::CallbackServerContext* context_;
  grpc::ServerUnaryReactor* reactor_;
  std::string_view method_;
  TaskCounters& counters_;
  grpc::ByteBuffer raw_request_;  // a reference-counted view of gRPC's buffer
  grpc::ByteBuffer* raw_response_;
  google::protobuf::Message* response_ = nullptr;
  std::chrono::steady_clock::time_point started_;
  CallAdmission admission_;
  uint64_t items_ = 0;
};

// One call run as a closure on `workers`, from start to finish: admission, parsing,
// run(request, response) -> Status on a worker (decode, validate, call the core,
// encode), serialization. `items(request)` is what a successful call adds to the items
// of `counters`. Returns the reactor the handler must return.
template <typename Request, typename Response, typename Items, typename Run>
grpc::ServerUnaryReactor* ServeOnWorkers(ServingState& state, grpc::CallbackServerContext* context,
                                         std::string_view method, TaskCounters& counters,
                                         ThreadPool& workers, const grpc::ByteBuffer* raw_request,
                                         grpc::ByteBuffer* raw_response, Items items, Run run);

}  // namespace chainaccel::server

#include "server/call_frame_inl.h"
