#include "client/client.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "client/testing/fake_daemon.h"

namespace chainaccel {
namespace {

TEST_CASE("Client::Hash sends a packed batch and returns the digests", "[client]") {
  testing::FakeDaemon daemon;
  const Client client(daemon.address());
  const std::vector<std::string> messages = {"a", "bcd", ""};
  const Result<Digests> digests =
      client.Hash(v1::HASH_ALGORITHM_KECCAK256, PackBatch(messages), v1::PLACEMENT_CPU);
  REQUIRE(digests.ok());
  CHECK(digests->engine == "fake");
  REQUIRE(digests->size() == 3);
  CHECK(digests->digest(1)[0] == 3);

  const v1::HashRequest request = daemon.last_hash_request();
  CHECK(request.algorithm() == v1::HASH_ALGORITHM_KECCAK256);
  CHECK(request.placement() == v1::PLACEMENT_CPU);
  CHECK(request.messages().data() == "abcd");
  CHECK(request.messages().item_size() == 0);
  CHECK(std::vector<uint64_t>(request.messages().offsets().begin(),
                              request.messages().offsets().end()) ==
        std::vector<uint64_t>{0, 1, 4, 4});
}

TEST_CASE("Client sends batches larger than gRPC's default 4 MiB limit", "[client]") {
  testing::FakeDaemon daemon;
  const Client client(daemon.address());
  const size_t n = 200000;  // 200000 * 64 bytes = 12.8 MB out, 6.4 MB back
  const Result<Digests> digests =
      client.Hash(v1::HASH_ALGORITHM_SHA256, PackedBatch::Fixed(std::string(n * 64, 'x'), 64));
  REQUIRE(digests.ok());
  CHECK(digests->size() == n);
}

TEST_CASE("Client::CheckHealth reads grpc.health.v1", "[client]") {
  testing::FakeDaemon daemon;
  const Client client(daemon.address());
  const Result<HealthStatus> health = client.CheckHealth();
  REQUIRE(health.ok());
  CHECK(*health == HealthStatus::kServing);
  CHECK(HealthStatusName(*health) == "SERVING");

  const Result<HealthStatus> unknown = client.CheckHealth("no.such.Service");
  REQUIRE(unknown.ok());
  CHECK(*unknown == HealthStatus::kServiceUnknown);
}

TEST_CASE("Client calls fail with the gRPC status when no daemon listens", "[client]") {
  ClientOptions options;
  options.timeout = std::chrono::seconds(5);
  // Port 1 on loopback: nothing listens there.
  const Client client("127.0.0.1:1", options);
  const Result<DaemonStatus> status = client.GetStatus();
  REQUIRE_FALSE(status.ok());
  CHECK(status.status().error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(FormatStatus(status.status()).rfind("UNAVAILABLE: ", 0) == 0);
}

TEST_CASE("Client reports UNIMPLEMENTED for a service the server lacks", "[client]") {
  testing::FakeDaemon daemon;
  const Client client(daemon.address());
  const Result<std::vector<DeviceInfo>> devices = client.GetDevices();
  REQUIRE_FALSE(devices.ok());
  CHECK(devices.status().error_code() == grpc::StatusCode::UNIMPLEMENTED);
  CHECK(StatusCodeName(devices.status().error_code()) == "UNIMPLEMENTED");
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("chainaccel_client_test_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

TEST_CASE("ClientOptions::token goes with every call as a bearer token", "[client][security]") {
  testing::FakeDaemon daemon;
  ClientOptions options;
  std::string token;
  REQUIRE(LoadTokenFile(WriteTemp("token", "\n  s3cret \n"), &token).ok());
  CHECK(token == "s3cret");
  options.token = token;
  const Client client(daemon.address(), options);
  REQUIRE(client.Hash(v1::HASH_ALGORITHM_SHA256, PackBatch(std::vector<std::string>{"a"})).ok());
  CHECK(daemon.last_authorization() == std::vector<std::string>{"Bearer s3cret"});
  REQUIRE(Client(daemon.address()).Hash(v1::HASH_ALGORITHM_SHA256,
                                        PackBatch(std::vector<std::string>{"a"})).ok());
  CHECK(daemon.last_authorization().empty());
}

TEST_CASE("LoadTokenFile and LoadClientTlsFiles name the file they cannot use",
          "[client][security]") {
  std::string token;
  grpc::Status s = LoadTokenFile("/nonexistent/token", &token);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(s.error_message() == "token file /nonexistent/token cannot be read");
  const std::string blank = WriteTemp("blank", " \n");
  s = LoadTokenFile(blank, &token);
  CHECK(s.error_message() == "token file " + blank + " is empty");

  ClientTlsOptions tls;
  s = LoadClientTlsFiles("/nonexistent/ca.pem", "", "", &tls);
  CHECK(s.error_message() == "CA file /nonexistent/ca.pem cannot be read");
  CHECK_FALSE(tls.enabled);
  const std::string not_pem = WriteTemp("not.pem", "hello");
  s = LoadClientTlsFiles(not_pem, "", "", &tls);
  CHECK(s.error_message() == "CA file " + not_pem + " is not PEM");
  s = LoadClientTlsFiles("", not_pem, "", &tls);
  CHECK_THAT(s.error_message(), Catch::Contains("a client certificate and its key go together"));
  const std::string pem = WriteTemp("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  REQUIRE(LoadClientTlsFiles(pem, "", "", &tls).ok());
  CHECK(tls.enabled);
  CHECK(tls.root_certs_pem == "-----BEGIN CERTIFICATE-----\n");
  // With no CA file: TLS on, the default roots.
  ClientTlsOptions defaults;
  REQUIRE(LoadClientTlsFiles("", "", "", &defaults).ok());
  CHECK(defaults.enabled);
  CHECK(defaults.root_certs_pem.empty());
}

TEST_CASE("MerkleTree::Proofs splits the proofs", "[client]") {
  MerkleTree tree;
  tree.proof_hashes = std::string(32, 'a') + std::string(64, 'b');
  tree.proof_lengths = {1, 0, 2};
  const std::vector<std::string_view> proofs = tree.Proofs();
  REQUIRE(proofs.size() == 3);
  CHECK(proofs[0] == std::string(32, 'a'));
  CHECK(proofs[1].empty());
  CHECK(proofs[2] == std::string(64, 'b'));
}

TEST_CASE("VerifyProofsArgs::AddProof appends a proof", "[client]") {
  VerifyProofsArgs args;
  args.AddProof(std::string(32, 'l'), 5, std::string(64, 'h'));
  args.AddProof(std::string(32, 'm'), 6, "");
  CHECK(args.leaves.size() == 64);
  CHECK(args.leaf_indices == std::vector<uint64_t>{5, 6});
  CHECK(args.proof_lengths == std::vector<uint32_t>{2, 0});
  CHECK(args.proof_hashes.size() == 64);
}

}  // namespace
}  // namespace chainaccel
