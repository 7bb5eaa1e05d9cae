#include "server/config.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

namespace chainaccel::server {
namespace {

std::string WriteTemp(const std::string& text) {
  static int n = 0;
  auto path = std::filesystem::temp_directory_path() /
              ("chainaccel_config_test_" + std::to_string(::getpid()) + "_" +
               std::to_string(n++) + ".yaml");
  std::ofstream(path) << text;
  return path.string();
}

TEST_CASE("LoadConfigFile reads every key over the defaults", "[config]") {
  Config c;
  const std::string path = WriteTemp(
      "listen: 0.0.0.0:7000\nmetrics_listen: ''\nthreads: 3\ndata_dir: /tmp/x\n"
      "shutdown_grace_seconds: 5\ngpu_wait_spin_us: 200\nexecution_warm_state_cache: false\n"
      "request_buffer_cache_bytes: 0\n"
      "scheduler:\n  placement: load_balance\n  batching: false\n  max_queue_delay_ms: 2.5\n"
      "  max_batch_items:\n    signature_verify: 4096\n  max_queued_items: 999\n"
      "  calibration_seconds: 0\n  auto_cpu_max_host_load: 0.75\n  auto_cpu_time_ratio: 0.8\n"
      "  load_balance_cpu_min_share: 0.05\n"
      "limits:\n  max_message_bytes: 8388608\n  max_batch_items: 10\n"
      "  max_inflight_requests: 7\nlog:\n  level: debug\n  format: json\n");
  REQUIRE(LoadConfigFile(path, &c).ok());
  CHECK(c.listen == "0.0.0.0:7000");
  CHECK(c.metrics_listen.empty());
  CHECK(c.threads == 3);
  CHECK(c.data_dir == "/tmp/x");
  CHECK(c.shutdown_grace_seconds == 5);
  CHECK(c.gpu_wait_spin_us == 200);
  CHECK_FALSE(c.execution_warm_state_cache);
  CHECK(c.request_buffer_cache_bytes == 0);
  CHECK(c.scheduler.placement == "load_balance");
  CHECK_FALSE(c.scheduler.batching);
  CHECK(c.scheduler.max_queue_delay_ms == 2.5);
  CHECK(c.scheduler.max_batch_items_signature_verify == 4096);
  CHECK(c.scheduler.max_batch_items_hash == 0);
  CHECK(c.scheduler.max_queued_items == 999);
  CHECK(c.scheduler.calibration_seconds == 0);
  CHECK(c.scheduler.auto_cpu_max_host_load == 0.75);
  CHECK(c.scheduler.auto_cpu_time_ratio == 0.8);
  CHECK(c.scheduler.load_balance_cpu_min_share == 0.05);
  CHECK(c.limits.max_message_bytes == 8388608);
  CHECK(c.limits.max_batch_items == 10);
  CHECK(c.limits.max_inflight_requests == 7);
  CHECK(c.log_level == "debug");
  CHECK(c.log_format == "json");
  CHECK(ValidateConfig(c).ok());
}

TEST_CASE("LoadConfigFile rejects unknown keys and bad values", "[config]") {
  Config c;
  Status s = LoadConfigFile(WriteTemp("listn: x\n"), &c);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("unknown key 'listn'"));
  s = LoadConfigFile(WriteTemp("threads: many\n"), &c);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("key 'threads'"));
  s = LoadConfigFile(WriteTemp("limits:\n  max_items: 3\n"), &c);
  CHECK_THAT(s.message(), Catch::Contains("unknown key 'max_items'"));
  s = LoadConfigFile("/nonexistent/chainaccel.yaml", &c);
  CHECK(s.code() == Status::Code::kNotFound);
}

TEST_CASE("ValidateConfig rejects bad levels and limits", "[config]") {
  Config c;
  c.log_level = "loud";
  CHECK(ValidateConfig(c).code() == Status::Code::kInvalidArgument);
  c = Config{};
  c.limits.max_message_bytes = 1024;
  CHECK(ValidateConfig(c).code() == Status::Code::kInvalidArgument);
  c = Config{};
  c.log_format = "xml";
  CHECK(ValidateConfig(c).code() == Status::Code::kInvalidArgument);
  c = Config{};
  c.executor = "optimistic";
  CHECK(ValidateConfig(c).code() == Status::Code::kInvalidArgument);
  for (const double spin : {-1.0, 2e6}) {
    c = Config{};
    c.gpu_wait_spin_us = spin;
    CHECK(ValidateConfig(c).code() == Status::Code::kInvalidArgument);
  }
  // AUTO's fractions: within (0, 1].
  for (double SchedulerConfig::*fraction :
       {&SchedulerConfig::auto_cpu_max_host_load, &SchedulerConfig::auto_cpu_time_ratio}) {
    for (const double bad : {0.0, -0.5, 1.01, 1.5}) {
      c = Config{};
      c.scheduler.*fraction = bad;
      CHECK(ValidateConfig(c).code() == Status::Code::kInvalidArgument);
    }
    c.scheduler.*fraction = 1;
    CHECK(ValidateConfig(c).ok());
  }
  // LOAD_BALANCE's CPU share: within [0, 1).
  for (const double bad : {-0.1, 1.0, 1.5}) {
    c = Config{};
    c.scheduler.load_balance_cpu_min_share = bad;
    CHECK(ValidateConfig(c).code() == Status::Code::kInvalidArgument);
  }
  c.scheduler.load_balance_cpu_min_share = 0;
  CHECK(ValidateConfig(c).ok());
}

TEST_CASE("LoadConfigFile reads the tls and auth sections", "[config][security]") {
  Config c;
  CHECK(c.auth.mode == "auto");
  CHECK(c.auth.methods == std::vector<std::string>{"chainaccel.v1.ExecutionService/DeployContract",
                                                   "chainaccel.v1.ExecutionService/ExecuteBlock",
                                                   "chainaccel.v1.AdminService/SetEngineEnabled",
                                                   "chainaccel.v1.ProofService/RegisterCircuit"});
  CHECK_FALSE(c.admin_engine_control);
  const std::string path = WriteTemp(
      "tls:\n  cert_file: /etc/c.pem\n  key_file: /etc/c.key\n  client_ca_file: /etc/ca.pem\n"
      "  client_cert: optional\n  reload_seconds: 30\n"
      "auth:\n  mode: on\n  token_file: /etc/token\n"
      "  allowed_identities: [CN=ops, 'URI:spiffe://chain/node']\n"
      "  methods: [chainaccel.v1.AdminService/GetStatus]\n");
  REQUIRE(LoadConfigFile(path, &c).ok());
  CHECK(c.tls.cert_file == "/etc/c.pem");
  CHECK(c.tls.key_file == "/etc/c.key");
  CHECK(c.tls.client_ca_file == "/etc/ca.pem");
  CHECK(c.tls.client_cert == "optional");
  CHECK(c.tls.reload_seconds == 30);
  CHECK(c.auth.mode == "on");
  CHECK(c.auth.token_file == "/etc/token");
  CHECK(c.auth.allowed_identities ==
        std::vector<std::string>{"CN=ops", "URI:spiffe://chain/node"});
  CHECK(c.auth.methods == std::vector<std::string>{"chainaccel.v1.AdminService/GetStatus"});
  CHECK(ValidateConfig(c).ok());
  const Status s = LoadConfigFile(WriteTemp("tls:\n  cert: x\n"), &c);
  CHECK_THAT(s.message(), Catch::Contains("tls: unknown key 'cert'"));
}

TEST_CASE("ValidateConfig rejects TLS and auth settings that do not go together",
          "[config][security]") {
  auto problem = [](void (*edit)(Config&)) {
    Config c;
    c.tls.cert_file = "/c.pem";
    c.tls.key_file = "/c.key";
    c.tls.client_ca_file = "/ca.pem";
    edit(c);
    const Status s = ValidateConfig(c);
    CHECK(s.code() == (s.ok() ? Status::Code::kOk : Status::Code::kInvalidArgument));
    return s.message();
  };
  CHECK(problem([](Config&) {}).empty());
  CHECK_THAT(problem([](Config& c) { c.tls.key_file.clear(); }),
             Catch::Contains("tls.cert_file and tls.key_file go together"));
  CHECK_THAT(problem([](Config& c) { c.tls.cert_file.clear(), c.tls.key_file.clear(); }),
             Catch::Contains("tls.client_ca_file needs TLS"));
  CHECK_THAT(problem([](Config& c) { c.tls.client_cert = "maybe"; }),
             Catch::Contains("tls.client_cert 'maybe' is not require or optional"));
  CHECK_THAT(problem([](Config& c) { c.tls.reload_seconds = 0; }),
             Catch::Contains("tls.reload_seconds must be at least 1"));
  CHECK_THAT(problem([](Config& c) { c.auth.mode = "yes"; }),
             Catch::Contains("auth.mode 'yes' is not auto, on or off"));
  CHECK_THAT(problem([](Config& c) {
               c.tls.client_ca_file.clear();
               c.auth.allowed_identities = {"CN=ops"};
             }),
             Catch::Contains("auth.allowed_identities needs client certificates"));
  CHECK_THAT(problem([](Config& c) { c.auth.allowed_identities = {"SAN:ops"}; }),
             Catch::Contains("'SAN:ops' is not CN=<name>"));
  CHECK_THAT(problem([](Config& c) { c.auth.methods = {"AdminService/GetStatus"}; }),
             Catch::Contains("'AdminService/GetStatus' is not a method of the API"));
}

TEST_CASE("The proof section sets ProofService's limits", "[config]") {
  Config c;
  CHECK(c.proof.check_key_points);
  REQUIRE(LoadConfigFile(WriteTemp("proof:\n  max_zkey_bytes: 1000\n  max_circuit_bytes: 2000\n"
                                   "  check_key_points: false\n"),
                         &c).ok());
  CHECK(c.proof.max_zkey_bytes == 1000);
  CHECK(c.proof.max_circuit_bytes == 2000);
  CHECK_FALSE(c.proof.check_key_points);
  const Status s = LoadConfigFile(WriteTemp("proof:\n  max_keys: 3\n"), &c);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("unknown key 'max_keys'"));
}

TEST_CASE("The shipped default config loads and validates", "[config]") {
  Config c;
  REQUIRE(LoadConfigFile(std::string(CHAINACCEL_SOURCE_DIR) + "/deploy/chainacceld.yaml", &c).ok());
  CHECK(ValidateConfig(c).ok());
  CHECK(c.listen == "127.0.0.1:50051");
  CHECK(c.metrics_listen == "127.0.0.1:9464");
  CHECK(c.executor == "adaptive");
  CHECK(c.execution_db.empty());
  CHECK(c.execution_warm_state_cache);
  CHECK(c.proof.max_circuit_bytes == (8ull << 30));
}

}  // namespace
}  // namespace chainaccel::server
