#include "server/call_admission.h"

#include <spdlog/spdlog.h>

namespace chainaccel::server {

CallAdmission::CallAdmission(ServingState& state, const grpc::CallbackServerContext& context,
                             std::string_view method)
    : state_(state) {
  const uint64_t in_flight = state_.in_flight.fetch_add(1, std::memory_order_relaxed) + 1;
  state_.metrics->AddInFlight(1);
  if (state_.draining.load(std::memory_order_relaxed)) {
    status_ = Status::Unavailable("the daemon is shutting down; send to another replica");
  } else if (in_flight > state_.limits.max_inflight_requests) {
    status_ = Status::ResourceExhausted(
        "the daemon is serving its limit of " +
        std::to_string(state_.limits.max_inflight_requests) + " requests; retry later");
  }
  if (status_.ok() && state_.authorizer != nullptr) {
    status_ = state_.authorizer->Check(context, method);
    if (!status_.ok()) {
      spdlog::warn("{} from {} refused: {}", method, context.peer(), status_.ToString());
    }
  }
  const size_t per_client = state_.limits.max_inflight_per_client;
  if (per_client != 0) {
    client_ = ClientOfPeer(context.peer());
    const uint64_t mine = state_.clients.Add(client_);
    if (mine > per_client && status_.ok()) {
      status_ = Status::ResourceExhausted(
          "client " + client_ + " has " + std::to_string(mine - 1) +
          " requests in flight, its limit (limits.max_inflight_per_client) is " +
          std::to_string(per_client) + "; retry later");
    }
  }
}

CallAdmission::~CallAdmission() {
  state_.metrics->AddInFlight(-1);
  state_.in_flight.fetch_sub(1, std::memory_order_relaxed);
  if (!client_.empty()) state_.clients.Remove(client_);
}

}  // namespace chainaccel::server
