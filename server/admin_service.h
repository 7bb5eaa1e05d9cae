// AdminService: engines and GPUs (GetDevices), version, uptime and counters (GetStatus):
// one TaskCounters per task type, then one per ExecutionService method
// ("deploy_contract", "execute_block", "call", "get_state"); the hybrid scheduler's cost
// model and queues (GetScheduler): these three only read, and are open unless
// auth.methods names them (server/authorizer.h). SetEngineEnabled takes a GPU engine out
// of service and back: refused unless the config sets admin_engine_control, and guarded
// by auth.methods by default.
#pragma once

#include <vector>

#include "chainaccel/v1/admin.grpc.pb.h"
#include "engines/gpu/gpu_probe.h"
#include "server/serving_state.h"

namespace chainaccel::server {

class AdminServiceImpl final : public v1::AdminService::CallbackService {
 public:
  // `gpus`: CUDA devices seen at start that no engine runs (disabled, not listed, or
  // failed to open); listed with no tasks and unhealthy.
  AdminServiceImpl(ServingState& state, std::vector<GpuFacts> gpus)
      : state_(state), gpus_(std::move(gpus)) {}

  grpc::ServerUnaryReactor* GetDevices(grpc::CallbackServerContext* context,
                                       const v1::GetDevicesRequest* request,
                                       v1::GetDevicesResponse* response) override;
  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* context,
                                      const v1::GetStatusRequest* request,
                                      v1::GetStatusResponse* response) override;
  grpc::ServerUnaryReactor* GetScheduler(grpc::CallbackServerContext* context,
                                         const v1::GetSchedulerRequest* request,
                                         v1::GetSchedulerResponse* response) override;
  grpc::ServerUnaryReactor* SetEngineEnabled(grpc::CallbackServerContext* context,
                                             const v1::SetEngineEnabledRequest* request,
                                             v1::SetEngineEnabledResponse* response) override;

 private:
  ServingState& state_;
  const std::vector<GpuFacts> gpus_;
};

}  // namespace chainaccel::server
