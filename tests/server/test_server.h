// TestServer: the daemon in-process on free loopback ports, with stubs for every service.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <random>
#include <string>

#include "chainaccel/v1/admin.grpc.pb.h"
#include "chainaccel/v1/execution.grpc.pb.h"
#include "chainaccel/v1/hash.grpc.pb.h"
#include "chainaccel/v1/merkle.grpc.pb.h"
#include "chainaccel/v1/proof.grpc.pb.h"
#include "chainaccel/v1/signature.grpc.pb.h"
#include "server/server.h"

namespace chainaccel::server {

class TestServer {
 public:
  // Starts the server (REQUIRE-fails the test if it cannot).
  explicit TestServer(Config config = DefaultConfig());
  ~TestServer();

  static Config DefaultConfig();

  Server& server() { return *server_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

  std::unique_ptr<v1::HashService::Stub> hash;
  std::unique_ptr<v1::MerkleService::Stub> merkle;
  std::unique_ptr<v1::SignatureService::Stub> signature;
  std::unique_ptr<v1::AdminService::Stub> admin;
  std::unique_ptr<v1::ExecutionService::Stub> execution;
  std::unique_ptr<v1::ProofService::Stub> proof;

  // True when grpc.health.v1.Health/Check answers SERVING.
  bool Serving();

 private:
  std::string exec_db_;  // removed at destruction when DefaultConfig made it
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

// Calls `method` ("/pkg.Service/Method") with raw request bytes; returns the status and
// the raw response bytes. For requests that no typed stub can send (garbage bytes) and
// services whose protos we do not generate (grpc.health.v1).
std::pair<grpc::Status, std::string> RawUnaryCall(const std::shared_ptr<grpc::Channel>& channel,
                                                  const std::string& method,
                                                  const std::string& request);

// Plain HTTP/1.0 GET on loopback (`host_port` "127.0.0.1:9464"); returns the whole
// response.
std::string HttpGet(const std::string& host_port, const std::string& path);

// A VerifyRequest of n copies of one valid Ed25519 signature (fixed layout), made with
// a key and message drawn from rng: CPU work of a known size whose verdicts are all ITEM_OK.
v1::VerifyRequest RepeatedEd25519Batch(std::mt19937_64& rng, size_t n);

// The random seed of a test: CHAINACCEL_TEST_SEED (decimal) when set, else a fresh one;
// reported with the test's failures so that any run can be replayed.
uint64_t TestSeed();

// A ClientContext with a 60 s deadline.
std::unique_ptr<grpc::ClientContext> Context();

}  // namespace chainaccel::server
