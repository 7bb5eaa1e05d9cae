// Server: the chainacceld daemon as a library — engines, scheduler, gRPC services,
// health, reflection and metrics — so that tests can run it in-process.
//
// Lifecycle: Start() once, then Shutdown() once (also done by the destructor).
// Not thread-safe except that Shutdown may be called from any thread.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "server/config.h"

namespace chainaccel::server {

class Server {
 public:
  explicit Server(Config config);
  ~Server();

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Creates the engines and binds the gRPC and metrics addresses. UNAVAILABLE when an
  // address cannot be bound; INVALID_ARGUMENT for a bad config, or a TLS or token file
  // that cannot be read or does not fit (naming it); INTERNAL when the data directory
  // cannot be created; FAILED_PRECONDITION when execution_aot is on and the ahead-of-time
  // tier's tools (wasm2c, the C compiler, wasm-rt.h) are missing.
  Status Start();

  // The addresses actually bound (port 0 resolved); metrics is "" when disabled.
  const std::string& grpc_address() const { return grpc_address_; }
  const std::string& metrics_address() const { return metrics_address_; }

  // Re-reads what the daemon re-reads on SIGHUP: the auth token file. INVALID_ARGUMENT
  // (the previous token stays in force) when it cannot be read or is empty. TLS
  // certificates are re-read by gRPC on their own (tls.reload_seconds).
  // REQUIRES: Start() returned OK.
  Status Reload();

  // Graceful: reports NOT_SERVING, stops accepting, lets in-flight requests finish (up
  // to the configured grace, then cancels them), drains the engines.
  void Shutdown();

 private:
  struct Impl;
  Config config_;
  std::string grpc_address_;
  std::string metrics_address_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chainaccel::server
