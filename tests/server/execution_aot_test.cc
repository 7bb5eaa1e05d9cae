// The ahead-of-time contract tier in the daemon (docs/execution.md, "Contract tiers";
// execution_aot in docs/configuration.md): a compute-heavy contract deployed through
// ExecutionService is built in the background, the build shows in the metrics, calls
// move to the compiled tier, and every receipt and state root equals those of a daemon
// with execution_aot: off on the same blocks.
#include <catch2/catch.hpp>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <filesystem>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "client/cli/transaction_proto.h"
#include "execution/aot_module.h"
#include "execution/testing/temp_dir.h"
#include "execution/testing/transactions.h"
#include "execution/testing/wat.h"
#include "test_server.h"

namespace chainaccel::server {
namespace {

// An FNV-1a-style hash over 16 KiB of memory seeded from the input, its result stored
// under "h" and returned: about 200k gas units of straight compute per call.
constexpr std::string_view kHashWat = R"(
(module
  (import "env" "input_read" (func $input_read (param i32)))
  (import "env" "storage_write" (func $storage_write (param i32 i32 i32 i32)))
  (import "env" "return_data" (func $ret (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 65000) "h")
  (func (export "hash") (local $i i32) (local $h i64)
    (call $input_read (i32.const 0))
    (local.set $h (i64.const 0xcbf29ce484222325))
    (loop $l
      (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load8_u (local.get $i)))
                             (i64.const 0x100000001b3)))
      (i64.store8 (local.get $i) (local.get $h))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                          (i32.const 16384))))
    (i64.store (i32.const 64000) (local.get $h))
    (call $storage_write (i32.const 65000) (i32.const 1) (i32.const 64000) (i32.const 8))
    (call $ret (i32.const 64000) (i32.const 8))))
)";

// The value of `name{labels}` in a Prometheus text exposition, 0 when absent.
double MetricValue(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::stod(text.substr(at + series.size() + 2));
}

struct Chain {
  std::vector<uint8_t> wasm;
  std::vector<v1::ExecuteBlockRequest> blocks;
};

Config TierConfig(const std::string& mode, const std::string& cache_dir) {
  Config c = TestServer::DefaultConfig();
  c.execution_aot = mode;
  c.execution_aot_cache_dir = cache_dir;
  return c;
}

TEST_CASE("A contract deployed through the daemon moves to the compiled tier: receipts and "
          "roots equal an interpreter-only daemon's",
          "[exec][aot][daemon]") {
  std::string why;
  if (!exec::AotToolsPresent(exec::AotOptions{}, &why)) {
    WARN("AOT tier not tested: " << why);
    return;
  }
  std::mt19937_64 rng(TestSeed());
  exec::testing::TempDir dir;
  const exec::testing::Account alice = exec::testing::MakeAccount(rng);
  Chain chain;
  chain.wasm = exec::testing::WatToWasm(kHashWat);
  // Both daemons: the interpreter-only one first, to learn the contract's address.
  TestServer off(TierConfig("off", dir.Sub("unused")));
  v1::DeployContractRequest deploy;
  deploy.set_wasm(chain.wasm.data(), chain.wasm.size());
  v1::DeployContractResponse deployed;
  REQUIRE(off.execution->DeployContract(Context().get(), deploy, &deployed).ok());
  Hash32 contract{};
  std::memcpy(contract.data(), deployed.address().data(), 32);

  // Six blocks of 128 calls, each hashing from its own seed.
  uint64_t nonce = 0;
  for (uint64_t height = 1; height <= 6; ++height) {
    v1::ExecuteBlockRequest block;
    block.set_height(height);
    block.set_time(1000 + height);
    for (int i = 0; i < 128; ++i) {
      const exec::Transaction tx = exec::testing::SignedCall(
          alice, contract, "hash", exec::testing::U64(rng()), 10'000'000, nonce++);
      cli::TransactionToProto(tx, block.add_transactions());
    }
    chain.blocks.push_back(block);
  }
  std::vector<v1::ExecuteBlockResponse> expected;
  for (const v1::ExecuteBlockRequest& block : chain.blocks) {
    v1::ExecuteBlockResponse r;
    REQUIRE(off.execution->ExecuteBlock(Context().get(), block, &r).ok());
    expected.push_back(r);
  }
  const std::string off_metrics = HttpGet(off.server().metrics_address(), "/metrics");
  CHECK(MetricValue(off_metrics,
                    "chainaccel_execution_aot_compiles_total{result=\"ok\"}") == 0);

  TestServer on(TierConfig("on", dir.Sub("aot")));
  v1::DeployContractResponse deployed_on;
  REQUIRE(on.execution->DeployContract(Context().get(), deploy, &deployed_on).ok());
  REQUIRE(deployed_on.address() == deployed.address());
  // The first block may run on either tier (the build is in the background); wait for
  // the build through the metrics, then run the rest on the compiled tier.
  std::vector<v1::ExecuteBlockResponse> got(chain.blocks.size());
  REQUIRE(on.execution->ExecuteBlock(Context().get(), chain.blocks[0], &got[0]).ok());
  std::string text;
  for (int i = 0; i < 1200; ++i) {
    text = HttpGet(on.server().metrics_address(), "/metrics");
    if (MetricValue(text, "chainaccel_execution_aot_compiles_total{result=\"ok\"}") +
            MetricValue(text, "chainaccel_execution_aot_compiles_total{result=\"cached\"}") >=
        1) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(text);
  REQUIRE(MetricValue(text, "chainaccel_execution_aot_compiles_total{result=\"ok\"}") == 1);
  CHECK(text.find("chainaccel_execution_aot_compile_seconds_count 1") != std::string::npos);
  const double aot_before = MetricValue(text, "chainaccel_execution_contract_calls_total{tier=\"aot\"}");
  for (size_t i = 1; i < chain.blocks.size(); ++i) {
    REQUIRE(on.execution->ExecuteBlock(Context().get(), chain.blocks[i], &got[i]).ok());
  }
  text = HttpGet(on.server().metrics_address(), "/metrics");
  // The 640 calls of blocks 2..6 ran compiled. Each VM thread adds its counts to the
  // metric every 256 calls (ContractVm batches them), so at least 256 show by now.
  CHECK(MetricValue(text, "chainaccel_execution_contract_calls_total{tier=\"aot\"}") -
            aot_before >=
        256);

  for (size_t i = 0; i < chain.blocks.size(); ++i) {
    INFO("block " << i + 1);
    CHECK(got[i].state_root() == expected[i].state_root());
    CHECK(got[i].gas_used() == expected[i].gas_used());
    REQUIRE(got[i].receipts_size() == expected[i].receipts_size());
    for (int r = 0; r < got[i].receipts_size(); ++r) {
      CHECK(got[i].receipts(r).SerializeAsString() ==
            expected[i].receipts(r).SerializeAsString());
    }
  }
  CHECK(std::filesystem::exists(dir.Sub("aot")));
}

}  // namespace
}  // namespace chainaccel::server
