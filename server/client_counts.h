// ClientCounts: requests in flight per client, for limits.max_inflight_per_client.
//
// A client is the peer's address without its port ("ipv4:10.0.0.7", "ipv6:[::1]"): the
// connections of one host count together. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/mutex.h"
#include "core/thread_annotations.h"

namespace chainaccel::server {

class ClientCounts {
 public:
  // Counts one more request of `client`; returns how many it has in flight now.
  uint64_t Add(const std::string& client) CHAINACCEL_EXCLUDES(mu_);
  // Counts one of `client`'s requests out. REQUIRES: an Add of it not yet removed.
  void Remove(const std::string& client) CHAINACCEL_EXCLUDES(mu_);

 private:
  Mutex mu_;
  std::unordered_map<std::string, uint64_t> in_flight_ CHAINACCEL_GUARDED_BY(mu_);
};

// The client of a gRPC peer string ("ipv4:127.0.0.1:5021" -> "ipv4:127.0.0.1").
std::string ClientOfPeer(std::string_view peer);

}  // namespace chainaccel::server
