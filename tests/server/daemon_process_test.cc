// chainacceld as a process: ready file, graceful shutdown on SIGTERM with a request in
// flight, exit codes for bad configuration.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "reference.h"
#include "test_pki.h"
#include "test_server.h"

namespace chainaccel::server {
namespace {

namespace fs = std::filesystem;

// A chainacceld child process; killed (SIGKILL) if still running at destruction.
class Daemon {
 public:
  explicit Daemon(std::vector<std::string> extra_args) {
    dir_ = fs::temp_directory_path() / ("chainacceld-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(counter_++));
    fs::create_directories(dir_);
    std::vector<std::string> args{CHAINACCELD_PATH,
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--metrics-listen",
                                  "127.0.0.1:0",
                                  "--data-dir",
                                  (dir_ / "data").string(),
                                  "--ready-file",
                                  (dir_ / "ready").string(),
                                  "--log-level",
                                  "info"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Daemon() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Waits for the ready file; returns the gRPC address, or "" if the process exited.
  std::string WaitReady() {
    for (int i = 0; i < 600; ++i) {
      std::ifstream in(dir_ / "ready");
      std::string line;
      if (std::getline(in, line) && line.rfind("grpc=", 0) == 0) return line.substr(5);
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        exit_status_ = status;
        return "";
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "";
  }

  // Waits for exit (up to `seconds`); returns the wait status or -1 on time-out.
  int WaitExit(int seconds) {
    if (exited_) return exit_status_;
    for (int i = 0; i < seconds * 20; ++i) {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        exit_status_ = status;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }

  void Signal(int sig) { kill(pid_, sig); }

  // The daemon's current thread count, from /proc.
  int Threads() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
    }
    return -1;
  }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_status_ = 0;
};

// Runs a shell command; returns its exit status and standard output.
std::pair<int, std::string> Shell(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST_CASE("SIGTERM lets the in-flight request finish, then exits 0", "[process]") {
  Daemon daemon({"--threads", "1"});
  const std::string address = daemon.WaitReady();
  REQUIRE_FALSE(address.empty());
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto signatures = v1::SignatureService::NewStub(channel);
  auto admin = v1::AdminService::NewStub(channel);

  // About a second of Ed25519 work on one thread.
  std::mt19937_64 rng(7);
  const size_t n = 20000;
  const v1::VerifyRequest request = RepeatedEd25519Batch(rng, n);
  auto pending = std::async(std::launch::async, [&] {
    v1::VerifyResponse response;
    grpc::Status status = signatures->Verify(Context().get(), request, &response);
    return std::make_pair(status, response.valid_count());
  });
  // Wait until the daemon has the request in flight, then ask it to stop.
  bool in_flight = false;
  for (int i = 0; i < 400 && !in_flight; ++i) {
    v1::GetStatusResponse status;
    if (admin->GetStatus(Context().get(), {}, &status).ok()) {
      in_flight = status.in_flight_requests() == 1;
    }
    if (!in_flight) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(in_flight);
  daemon.Signal(SIGTERM);
  // While the request drains, the listener stays open: health answers NOT_SERVING
  // (regression: probes saw a refused connection) and new work gets UNAVAILABLE.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto [health_rc, health] = Shell(std::string(CHAINACCEL_CLI_PATH) + " --address " + address +
                                   " health");
  CHECK(health_rc == 1);
  CHECK_THAT(health, Catch::Contains("NOT_SERVING"));
  {
    auto hash = v1::HashService::NewStub(channel);
    v1::HashRequest late;
    late.set_algorithm(v1::HASH_ALGORITHM_SHA256);
    late.mutable_messages()->set_data("abc");
    late.mutable_messages()->set_item_size(3);
    v1::HashResponse late_response;
    const grpc::Status refused = hash->Hash(Context().get(), late, &late_response);
    CHECK(refused.error_code() == grpc::StatusCode::UNAVAILABLE);
  }
  auto [status, valid] = pending.get();
  INFO(status.error_code() << ": " << status.error_message());
  CHECK(status.ok());
  CHECK(valid == n);
  const int wait_status = daemon.WaitExit(60);
  REQUIRE(wait_status != -1);
  CHECK(WIFEXITED(wait_status));
  CHECK(WEXITSTATUS(wait_status) == 0);
}

// n Ed25519 verification requests of `items` valid signatures each, sent at once with the
// callback API; returns the statuses once all have finished.
std::vector<grpc::Status> VerifyConcurrently(const std::string& address, int n, size_t items) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  auto stub = v1::SignatureService::NewStub(channel);
  std::mt19937_64 rng(11);
  const v1::VerifyRequest request = RepeatedEd25519Batch(rng, items);
  std::vector<grpc::Status> statuses(n);
  std::vector<v1::VerifyResponse> responses(n);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  for (int i = 0; i < n; ++i) {
    contexts.push_back(Context());
    stub->async()->Verify(contexts.back().get(), &request, &responses[i],
                          [&, i](grpc::Status status) {
                            if (status.ok() && responses[i].valid_count() != items) {
                              status = grpc::Status(grpc::StatusCode::DATA_LOSS, "wrong verdicts");
                            }
                            std::lock_guard lock(mu);
                            statuses[i] = status;
                            if (++done == n) cv.notify_all();
                          });
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done == n; });
  return statuses;
}

TEST_CASE("A thousand concurrent requests do not take a thousand threads", "[process]") {
  Daemon daemon({"--threads", "2"});
  const std::string address = daemon.WaitReady();
  REQUIRE_FALSE(address.empty());
  const int idle_threads = daemon.Threads();
  std::atomic<bool> running{true};
  std::atomic<int> peak{0};
  std::thread sampler([&] {
    while (running) {
      peak = std::max(peak.load(), daemon.Threads());
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  const auto statuses = VerifyConcurrently(address, 1000, 100);
  running = false;
  sampler.join();
  for (const auto& s : statuses) {
    INFO(s.error_code() << ": " << s.error_message());
    REQUIRE(s.ok());
  }
  INFO("idle threads " << idle_threads << ", peak " << peak.load());
  // gRPC's own pollers and executor plus our 2 workers: a few dozen at most.
  CHECK(peak.load() < 100);
}

TEST_CASE("Requests over the in-flight limit get RESOURCE_EXHAUSTED, others succeed",
          "[process]") {
  Daemon daemon({"--threads", "1", "--max-inflight-requests", "8"});
  const std::string address = daemon.WaitReady();
  REQUIRE_FALSE(address.empty());
  const auto statuses = VerifyConcurrently(address, 200, 200);
  int ok = 0, exhausted = 0;
  for (const auto& s : statuses) {
    if (s.ok()) {
      ++ok;
    } else {
      INFO(s.error_code() << ": " << s.error_message());
      REQUIRE(s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
      CHECK_THAT(s.error_message(), Catch::Contains("limit of 8 requests"));
      ++exhausted;
    }
  }
  CHECK(ok >= 8);
  CHECK(exhausted > 0);
  // Healthy afterwards: everything fits again.
  const auto again = VerifyConcurrently(address, 4, 10);
  for (const auto& s : again) CHECK(s.ok());
}


TEST_CASE("The chainaccel CLI talks to the daemon", "[process]") {
  Daemon daemon({});
  const std::string address = daemon.WaitReady();
  REQUIRE_FALSE(address.empty());
  const std::string cli = std::string(CHAINACCEL_CLI_PATH) + " --address " + address;
  auto [rc, out] = Shell("printf '616263\\n\\n' | " + cli + " hash --algo sha256");
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains(
                      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  std::tie(rc, out) = Shell(cli + " health");
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("SERVING"));
  std::tie(rc, out) = Shell(cli + " devices");
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("cpu"));
  std::tie(rc, out) = Shell(cli + " scheduler");
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("signature_verify/ed25519"));
  // Regression: a misspelt required option was reported as missing, not as unknown.
  std::tie(rc, out) = Shell(std::string(CHAINACCEL_CLI_PATH) + " --version");
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("."));
  std::tie(rc, out) = Shell(cli + " hash --algoo sha256 2>&1");
  CHECK(rc == 2);
  CHECK_THAT(out, Catch::Contains("unknown option or argument: --algoo"));
}

TEST_CASE("The CLI speaks mutual TLS with a token, and SIGHUP re-reads the token file",
          "[process][security]") {
  testing::TestPki pki;
  pki.MakeCa("ca");
  pki.MakeLeaf("server", "ca", "chainacceld.test", "DNS:chainacceld.test");
  pki.MakeLeaf("client", "ca", "client", "");
  pki.MakeLeaf("node", "ca", "node-1", "URI:spiffe://chain/node");
  pki.Write("token", "first\n");
  pki.Write("bad.wasm", "not wasm");
  Daemon daemon({"--tls-cert", pki.Path("server.pem"), "--tls-key", pki.Path("server.key"),
                 "--tls-client-ca", pki.Path("ca.pem"), "--auth-token-file", pki.Path("token"),
                 "--auth-allowed-identity", "CN=ops,URI:spiffe://chain/node"});
  const std::string address = daemon.WaitReady();
  REQUIRE_FALSE(address.empty());
  const std::string cli = std::string(CHAINACCEL_CLI_PATH) + " --address " + address;
  const std::string tls = " --tls-ca " + pki.Path("ca.pem") + " --tls-cert " +
                          pki.Path("client.pem") + " --tls-key " + pki.Path("client.key") +
                          " --tls-server-name chainacceld.test";
  auto [rc, out] = Shell(cli + tls + " health");
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("SERVING"));
  std::tie(rc, out) = Shell(cli + " health 2>&1");  // plaintext
  CHECK(rc == 2);
  CHECK_THAT(out, Catch::Contains("UNAVAILABLE"));
  std::tie(rc, out) = Shell(cli + " --tls-ca " + pki.Path("ca.pem") +
                            " --tls-server-name chainacceld.test health 2>&1");  // no client cert
  CHECK(rc == 2);
  // A deploy of bytes that are no WebAssembly: INVALID_ARGUMENT once authorized.
  const std::string deploy = tls + " deploy " + pki.Path("bad.wasm") + " 2>&1";
  // The client certificate passes the handshake but is no allowed identity.
  std::tie(rc, out) = Shell(cli + deploy);
  CHECK(rc == 2);
  CHECK_THAT(out, Catch::Contains("PERMISSION_DENIED: chainaccel.v1.ExecutionService/"
                                  "DeployContract: the client certificate (CN=client) is not "
                                  "one of auth.allowed_identities"));
  std::tie(rc, out) = Shell(cli + " --token-file " + pki.Path("token") + deploy);
  CHECK_THAT(out, Catch::Contains("INVALID_ARGUMENT: malformed wasm"));
  // An allowed identity (the second of --auth-allowed-identity) needs no token.
  std::tie(rc, out) = Shell(cli + " --tls-ca " + pki.Path("ca.pem") + " --tls-cert " +
                            pki.Path("node.pem") + " --tls-key " + pki.Path("node.key") +
                            " --tls-server-name chainacceld.test deploy " +
                            pki.Path("bad.wasm") + " 2>&1");
  CHECK_THAT(out, Catch::Contains("INVALID_ARGUMENT: malformed wasm"));

  pki.Write("old-token", pki.Read("token"));
  pki.Write("token", "second\n");
  daemon.Signal(SIGHUP);
  bool reloaded = false;
  for (int i = 0; i < 50 && !reloaded; ++i) {
    std::tie(rc, out) = Shell(cli + " --token-file " + pki.Path("token") + deploy);
    reloaded = out.find("INVALID_ARGUMENT") != std::string::npos;
    if (!reloaded) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(reloaded);
  std::tie(rc, out) = Shell(cli + " --token-file " + pki.Path("old-token") + deploy);
  CHECK_THAT(out, Catch::Contains("UNAUTHENTICATED: chainaccel.v1.ExecutionService/"
                                  "DeployContract: the bearer token is not the daemon's"));
  // Still serving after SIGHUP; SIGTERM still stops it.
  std::tie(rc, out) = Shell(cli + tls + " health");
  CHECK(rc == 0);
  daemon.Signal(SIGTERM);
  const int wait_status = daemon.WaitExit(30);
  REQUIRE(wait_status != -1);
  CHECK(WIFEXITED(wait_status));
  CHECK(WEXITSTATUS(wait_status) == 0);
}

TEST_CASE("CLI TLS options that cannot work exit 2 naming the problem", "[process][security]") {
  const std::string cli = std::string(CHAINACCEL_CLI_PATH) + " --address 127.0.0.1:1";
  auto [rc, out] = Shell(cli + " --tls-ca /nonexistent/ca.pem health 2>&1");
  CHECK(rc == 2);
  CHECK_THAT(out, Catch::Contains("CA file /nonexistent/ca.pem cannot be read"));
  std::tie(rc, out) = Shell(cli + " --tls-cert /tmp/x.pem health 2>&1");
  CHECK(rc == 2);
  CHECK_THAT(out, Catch::Contains("a client certificate and its key go together"));
  std::tie(rc, out) = Shell(cli + " --tls-server-name x health 2>&1");
  CHECK(rc == 2);
  CHECK_THAT(out, Catch::Contains("--tls-server-name needs TLS"));
  std::tie(rc, out) = Shell(cli + " --token-file /nonexistent/token health 2>&1");
  CHECK(rc == 2);
  CHECK_THAT(out, Catch::Contains("token file /nonexistent/token cannot be read"));
}

TEST_CASE("SIGINT on an idle daemon exits 0", "[process]") {
  Daemon daemon({});
  REQUIRE_FALSE(daemon.WaitReady().empty());
  daemon.Signal(SIGINT);
  const int wait_status = daemon.WaitExit(30);
  REQUIRE(wait_status != -1);
  CHECK(WIFEXITED(wait_status));
  CHECK(WEXITSTATUS(wait_status) == 0);
}

TEST_CASE("A bad configuration exits 2 before serving", "[process]") {
  Daemon daemon({"--log-format", "xml"});
  CHECK(daemon.WaitReady().empty());
  const int wait_status = daemon.WaitExit(10);
  CHECK(WIFEXITED(wait_status));
  CHECK(WEXITSTATUS(wait_status) == 2);
}

TEST_CASE("Bad flags and flag values exit 2, as documented", "[process]") {
  // Regression: CLI11's own codes came out (109 for an unknown flag, 105 for a value that
  // does not convert, 104 for a missing one).
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--no-such-flag"}, std::vector<std::string>{"--threads", "many"},
        std::vector<std::string>{"--threads"}}) {
    INFO(args.front() << (args.size() > 1 ? " " + args[1] : ""));
    Daemon daemon(args);
    CHECK(daemon.WaitReady().empty());
    const int wait_status = daemon.WaitExit(10);
    CHECK(WIFEXITED(wait_status));
    CHECK(WEXITSTATUS(wait_status) == 2);
  }
}

TEST_CASE("TLS and auth flags that do not go together exit 2, unusable files exit 1",
          "[process][security]") {
  const std::pair<std::vector<std::string>, int> cases[] = {
      {{"--tls-cert", "/nonexistent/a.pem"}, 2},
      {{"--auth", "sometimes"}, 2},
      {{"--auth-allowed-identity", "CN=ops"}, 2},  // no client CA
      {{"--tls-cert", "/nonexistent/a.pem", "--tls-key", "/nonexistent/a.key"}, 1},
      {{"--auth-token-file", "/nonexistent/token"}, 1}};
  for (const auto& [args, code] : cases) {
    INFO(args.front() << " " << args[1]);
    Daemon daemon(args);
    CHECK(daemon.WaitReady().empty());
    const int wait_status = daemon.WaitExit(10);
    CHECK(WIFEXITED(wait_status));
    CHECK(WEXITSTATUS(wait_status) == code);
  }
}

TEST_CASE("An address already in use exits 1", "[process]") {
  Daemon first({});
  const std::string address = first.WaitReady();
  REQUIRE_FALSE(address.empty());
  Daemon second({"--listen", address});
  CHECK(second.WaitReady().empty());
  const int wait_status = second.WaitExit(10);
  CHECK(WIFEXITED(wait_status));
  CHECK(WEXITSTATUS(wait_status) == 1);
}

}  // namespace
}  // namespace chainaccel::server
