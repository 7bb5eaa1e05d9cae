#include "test_server.h"

#include "reference.h"

#include <grpcpp/generic/generic_stub.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <random>

namespace chainaccel::server {

Config TestServer::DefaultConfig() {
  Config c;
  c.listen = "127.0.0.1:0";
  c.metrics_listen = "127.0.0.1:0";
  c.threads = 2;
  // No start-up calibration: its batches would count in the engines' statistics that the
  // tests check (the calibration test turns it on).
  c.scheduler.calibration_seconds = 0;
  c.data_dir = (std::filesystem::temp_directory_path() / "chainaccel-test-data").string();
  // The execution database is locked by the server that opens it: one per test server
  // (ctest runs test processes in parallel), removed when the server goes.
  static std::atomic<int> servers{0};
  c.execution_db = (std::filesystem::temp_directory_path() /
                    ("chainaccel-test-exec-" + std::to_string(::getpid()) + "-" +
                     std::to_string(servers++)))
                       .string();
  c.log_level = "warn";
  return c;
}

TestServer::TestServer(Config config)
    : exec_db_(config.execution_db), server_(std::make_unique<Server>(std::move(config))) {
  Status s = server_->Start();
  INFO(s.ToString());
  REQUIRE(s.ok());
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  channel_ = grpc::CreateCustomChannel(server_->grpc_address(),
                                       grpc::InsecureChannelCredentials(), args);
  hash = v1::HashService::NewStub(channel_);
  merkle = v1::MerkleService::NewStub(channel_);
  signature = v1::SignatureService::NewStub(channel_);
  admin = v1::AdminService::NewStub(channel_);
  execution = v1::ExecutionService::NewStub(channel_);
  proof = v1::ProofService::NewStub(channel_);
}

TestServer::~TestServer() {
  server_->Shutdown();
  server_.reset();
  if (exec_db_.find("chainaccel-test-exec-") != std::string::npos) {
    std::error_code ec;
    std::filesystem::remove_all(exec_db_, ec);
  }
}

bool TestServer::Serving() {
  // grpc.health.v1.HealthCheckRequest{service: ""} is the empty message; the response's
  // field 1 (status) is SERVING = 1, encoded 08 01.
  auto [status, response] = RawUnaryCall(channel_, "/grpc.health.v1.Health/Check", "");
  return status.ok() && response == std::string("\x08\x01", 2);
}

std::pair<grpc::Status, std::string> RawUnaryCall(const std::shared_ptr<grpc::Channel>& channel,
                                                  const std::string& method,
                                                  const std::string& request) {
  grpc::GenericStub stub(channel);
  grpc::Slice slice(request.data(), request.size());
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  auto ctx = Context();
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(ctx.get(), method, grpc::StubOptions(), &request_buffer, &response_buffer,
                 [&](grpc::Status s) {
                   std::lock_guard lock(mu);
                   status = s;
                   done = true;
                   cv.notify_all();
                 });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
  std::string bytes;
  if (status.ok()) {
    std::vector<grpc::Slice> slices;
    response_buffer.Dump(&slices);
    for (auto& sl : slices) bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
  }
  return {status, bytes};
}

// Plain HTTP/1.0 GET on loopback; returns the whole response.
std::string HttpGet(const std::string& host_port, const std::string& path) {
  const auto colon = host_port.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(host_port.substr(colon + 1))));
  inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &addr.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n";
  REQUIRE(write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

v1::VerifyRequest RepeatedEd25519Batch(std::mt19937_64& rng, size_t n) {
  testing::Ed25519Signer signer(rng);
  const std::string msg = testing::RandomBytes(rng, 32);
  const std::string sig = signer.Sign(msg);
  v1::VerifyRequest request;
  request.set_scheme(v1::SIGNATURE_SCHEME_ED25519);
  request.mutable_messages()->set_item_size(32);
  request.mutable_public_keys()->set_item_size(32);
  request.mutable_signatures()->set_item_size(64);
  for (size_t i = 0; i < n; ++i) {
    request.mutable_messages()->mutable_data()->append(msg);
    request.mutable_public_keys()->mutable_data()->append(signer.public_key);
    request.mutable_signatures()->mutable_data()->append(sig);
  }
  return request;
}

uint64_t TestSeed() {
  const char* env = std::getenv("CHAINACCEL_TEST_SEED");
  const uint64_t seed = env ? std::strtoull(env, nullptr, 10) : std::random_device{}();
  UNSCOPED_INFO("CHAINACCEL_TEST_SEED=" << seed);
  return seed;
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  return ctx;
}

}  // namespace chainaccel::server
