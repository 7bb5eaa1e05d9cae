// CallAdmission: whether the daemon takes one call now, and the call's place in the
// in-flight accounting while it lasts — what every RPC path shares (the unary
// CallFrame, the streamed ProofService.RegisterCircuit).
//
// Construction counts the call in flight (the in-flight gauge, the per-client counts)
// and decides: UNAVAILABLE while the daemon drains; RESOURCE_EXHAUSTED over
// limits.max_inflight_requests or the client's limits.max_inflight_per_client;
// UNAUTHENTICATED or PERMISSION_DENIED when `method` is guarded and the call lacks the
// credentials (server/authorizer.h). Destruction takes the call out again, whatever
// was decided. Not thread-safe (one per call).
#pragma once

#include <grpcpp/server_context.h>

#include <string>
#include <string_view>

#include "core/status.h"
#include "server/serving_state.h"

namespace chainaccel::server {

class CallAdmission {
 public:
  CallAdmission(ServingState& state, const grpc::CallbackServerContext& context,
                std::string_view method);
  ~CallAdmission();

  CallAdmission(const CallAdmission&) = delete;
  CallAdmission& operator=(const CallAdmission&) = delete;

  // OK when the call may run.
  const Status& status() const { return status_; }

 private:
  ServingState& state_;
  std::string client_;  // counted in state_.clients when not empty
  Status status_;
};

}  // namespace chainaccel::server
