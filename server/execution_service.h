// ExecutionService: decode → ExecutionEngine → encode for chainaccel.v1.ExecutionService.
//
// The work runs on the service's own threads (a block can take seconds), never on
// gRPC's callback threads. Blocks and deployments are serialized by the engine.
#pragma once

#include <memory>

#include "chainaccel/v1/execution.grpc.pb.h"
#include "engines/cpu/thread_pool.h"
#include "engines/exec/execution_engine.h"
#include "server/metrics.h"

namespace chainaccel::server {

class ExecutionServiceImpl final : public v1::ExecutionService::CallbackService {
 public:
  // `engine` and `metrics` must outlive the service. Each RPC is recorded in the request
  // metrics; each committed block in the execution metrics (docs/metrics.md).
  ExecutionServiceImpl(exec::ExecutionEngine& engine, Metrics& metrics);
  ~ExecutionServiceImpl() override;

  grpc::ServerUnaryReactor* DeployContract(grpc::CallbackServerContext* context,
                                           const v1::DeployContractRequest* request,
                                           v1::DeployContractResponse* response) override;
  grpc::ServerUnaryReactor* ExecuteBlock(grpc::CallbackServerContext* context,
                                         const v1::ExecuteBlockRequest* request,
                                         v1::ExecuteBlockResponse* response) override;
  grpc::ServerUnaryReactor* Call(grpc::CallbackServerContext* context,
                                 const v1::CallRequest* request,
                                 v1::CallResponse* response) override;
  grpc::ServerUnaryReactor* GetState(grpc::CallbackServerContext* context,
                                     const v1::GetStateRequest* request,
                                     v1::GetStateResponse* response) override;

 private:
  exec::ExecutionEngine& engine_;
  Metrics& metrics_;
  // Two threads: a long block does not hold up calls and state reads.
  ThreadPool workers_{2};
};

}  // namespace chainaccel::server
