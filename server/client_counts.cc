#include "server/client_counts.h"

namespace chainaccel::server {

uint64_t ClientCounts::Add(const std::string& client) {
  MutexLock lock(mu_);
  return ++in_flight_[client];
}

void ClientCounts::Remove(const std::string& client) {
  MutexLock lock(mu_);
  const auto it = in_flight_.find(client);
  if (it != in_flight_.end() && --it->second == 0) in_flight_.erase(it);
}

std::string ClientOfPeer(std::string_view peer) {
  // ipv4:HOST:PORT and ipv6:[HOST]:PORT end in the port; unix:PATH has none.
  if (peer.rfind("ipv4:", 0) == 0 || peer.rfind("ipv6:", 0) == 0) {
    const size_t colon = peer.rfind(':');
    if (colon > 4) return std::string(peer.substr(0, colon));
  }
  return std::string(peer);
}

}  // namespace chainaccel::server
