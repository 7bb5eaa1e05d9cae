#include "client/cli/load_generator.h"

#include <catch2/catch.hpp>

#include "client/cli/command.h"
#include "client/testing/fake_daemon.h"

namespace chainaccel::cli {
namespace {

LoadOptions ShortRun(const std::string& address) {
  LoadOptions options;
  options.target = address;
  options.concurrency = 4;
  options.channels = 2;
  options.duration = std::chrono::milliseconds(300);
  options.warmup = std::chrono::milliseconds(100);
  return options;
}

TEST_CASE("RunLoad keeps calls in flight and checks every response", "[bench]") {
  testing::FakeDaemon daemon;
  const Workload workload = MakeWorkload(WorkloadSpec{BenchOp::kSha256, 100, 16});
  CHECK(workload.method == "/chainaccel.v1.HashService/Hash");
  CHECK(workload.items == 100);
  const LoadReport report = RunLoad(workload, ShortRun(daemon.address()));
  CHECK(report.errors == 0);
  CHECK(report.requests > 4);
  CHECK(report.elapsed_seconds > 0.2);
  CHECK(report.p50_ms <= report.p99_ms);
  CHECK(report.p99_ms <= report.max_ms);
  CHECK(report.engines == std::vector<std::string>{"fake"});
}

TEST_CASE("RunLoad counts responses that do not check as errors", "[bench]") {
  testing::FakeDaemon daemon;
  Workload workload = MakeWorkload(WorkloadSpec{BenchOp::kSha256, 10, 16});
  workload.check = [](grpc::ByteBuffer*, std::string*) { return std::string("wrong"); };
  const LoadReport report = RunLoad(workload, ShortRun(daemon.address()));
  CHECK(report.requests == 0);
  CHECK(report.errors > 0);
  CHECK(report.first_error == "wrong");
}

TEST_CASE("RunLoad counts calls to a missing method as errors", "[bench]") {
  testing::FakeDaemon daemon;
  const Workload workload = MakeWorkload(WorkloadSpec{BenchOp::kMerkleBitcoin, 10});
  const LoadReport report = RunLoad(workload, ShortRun(daemon.address()));
  CHECK(report.requests == 0);
  CHECK(report.errors > 0);
  CHECK(report.first_error.rfind("UNIMPLEMENTED", 0) == 0);
}

TEST_CASE("RunLoad fails fast when the daemon cannot be reached", "[bench]") {
  const Workload workload = MakeWorkload(WorkloadSpec{BenchOp::kSha256, 1});
  LoadOptions options = ShortRun("127.0.0.1:1");
  options.client.timeout = std::chrono::milliseconds(500);
  CHECK_THROWS_AS(RunLoad(workload, options), CliError);
}

TEST_CASE("MakeWorkload rejects message sizes ECDSA cannot sign", "[bench]") {
  CHECK_THROWS_AS(MakeWorkload(WorkloadSpec{BenchOp::kEcdsa, 1, 64}), CliError);
}

}  // namespace
}  // namespace chainaccel::cli
