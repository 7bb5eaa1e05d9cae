// ExecutionService: decode → ExecutionEngine → encode for chainaccel.v1.ExecutionService.
//
// Every call goes through the shared call frame (server/call_frame.h): the in-flight
// limit, the RPC metrics, the AdminService counters, cancellation, one status mapping.
// The work runs on the service's own threads (a block can take seconds), never on
// gRPC's callback threads. Blocks and deployments are serialized by the engine.
#pragma once

#include "chainaccel/v1/execution.grpc.pb.h"
#include "core/thread_pool.h"
#include "execution/execution_engine.h"
#include "server/serving_state.h"

namespace chainaccel::server {

// Methods are raw (see server/call_frame.h): they parse the request themselves.
class ExecutionServiceImpl final
    : public v1::ExecutionService::WithRawCallbackMethod_DeployContract<
          v1::ExecutionService::WithRawCallbackMethod_ExecuteBlock<
              v1::ExecutionService::WithRawCallbackMethod_Call<
                  v1::ExecutionService::WithRawCallbackMethod_GetState<
                      v1::ExecutionService::Service>>>> {
 public:
  // `state` and `engine` must outlive the service. Each RPC is recorded in the request
  // metrics and its AdminService counters; each committed block in the execution
  // metrics (docs/metrics.md). The calls run on `workers` threads of the service's own:
  // four, so that two blocks in flight (one committing, the next executing on it: the
  // engine's pipeline) do not hold up calls and state reads (tests take one).
  ExecutionServiceImpl(ServingState& state, exec::ExecutionEngine& engine, size_t workers = 4);
  ~ExecutionServiceImpl() override;

  grpc::ServerUnaryReactor* DeployContract(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ExecuteBlock(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Call(grpc::CallbackServerContext* context,
                                 const grpc::ByteBuffer* request,
                                 grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetState(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override;

 private:
  ServingState& state_;
  exec::ExecutionEngine& engine_;
  ThreadPool workers_;
};

}  // namespace chainaccel::server
