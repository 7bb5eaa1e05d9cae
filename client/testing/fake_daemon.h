// FakeDaemon: an in-process gRPC server for client tests, on 127.0.0.1:0.
//
// It serves HashService with a digest of each message that is not a real hash but is
// easy to predict (byte 0: the message size, the rest zero), records the last request,
// with its `authorization` metadata, and serves the standard health service (SERVING).
// Thread-safe.
#pragma once

#include <grpcpp/server.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "chainaccel/v1/hash.grpc.pb.h"

namespace chainaccel::testing {

class FakeDaemon {
 public:
  FakeDaemon();
  ~FakeDaemon();

  // "127.0.0.1:PORT".
  const std::string& address() const { return address_; }

  // The last HashRequest served, and the `authorization` metadata it came with.
  v1::HashRequest last_hash_request() const;
  std::vector<std::string> last_authorization() const;

 private:
  class HashService;

  std::unique_ptr<HashService> hash_service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace chainaccel::testing
