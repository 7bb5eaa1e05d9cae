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
      "shutdown_grace_seconds: 5\n"
      "scheduler:\n  placement: load_balance\n  batching: false\n  max_queue_delay_ms: 2.5\n"
      "  max_batch_items:\n    signature_verify: 4096\n  max_queued_items: 999\n"
      "  calibration_seconds: 0\n"
      "limits:\n  max_message_bytes: 8388608\n  max_batch_items: 10\n"
      "  max_inflight_requests: 7\nlog:\n  level: debug\n  format: json\n");
  REQUIRE(LoadConfigFile(path, &c).ok());
  CHECK(c.listen == "0.0.0.0:7000");
  CHECK(c.metrics_listen.empty());
  CHECK(c.threads == 3);
  CHECK(c.data_dir == "/tmp/x");
  CHECK(c.shutdown_grace_seconds == 5);
  CHECK(c.scheduler.placement == "load_balance");
  CHECK_FALSE(c.scheduler.batching);
  CHECK(c.scheduler.max_queue_delay_ms == 2.5);
  CHECK(c.scheduler.max_batch_items_signature_verify == 4096);
  CHECK(c.scheduler.max_batch_items_hash == 0);
  CHECK(c.scheduler.max_queued_items == 999);
  CHECK(c.scheduler.calibration_seconds == 0);
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
}

TEST_CASE("The shipped default config loads and validates", "[config]") {
  Config c;
  REQUIRE(LoadConfigFile(std::string(CHAINACCEL_SOURCE_DIR) + "/deploy/chainacceld.yaml", &c).ok());
  CHECK(ValidateConfig(c).ok());
  CHECK(c.listen == "127.0.0.1:50051");
  CHECK(c.metrics_listen == "127.0.0.1:9464");
  CHECK(c.executor == "adaptive");
  CHECK(c.execution_db.empty());
}

}  // namespace
}  // namespace chainaccel::server
