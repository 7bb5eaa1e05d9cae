// Replay protection through the daemon in-process (docs/execution.md, "Nonces"): a
// replayed or repeated transaction's BAD_NONCE receipt on the wire (status, message, gas
// 0), the metrics, and the sender's next nonce read and proven through GetState as the
// CLI reads it.
#include <catch2/catch.hpp>
#include <grpcpp/grpcpp.h>

#include <random>
#include <string>
#include <vector>

#include "client/cli/state_proof.h"
#include "client/cli/transaction_proto.h"
#include "execution/testing/transactions.h"
#include "execution/testing/wat.h"
#include "test_server.h"

namespace chainaccel::server {
namespace {

v1::ExecuteBlockRequest Block(uint64_t height, const std::vector<exec::Transaction>& txs) {
  v1::ExecuteBlockRequest block;
  block.set_height(height);
  for (const exec::Transaction& tx : txs) cli::TransactionToProto(tx, block.add_transactions());
  return block;
}

TEST_CASE("A replayed transaction gets BAD_NONCE through gRPC: the next nonce is provable state",
          "[grpc][execution][nonce]") {
  TestServer t;
  std::mt19937_64 rng(TestSeed());
  const exec::testing::Account alice = exec::testing::MakeAccount(rng);
  v1::DeployContractRequest deploy;
  const std::vector<uint8_t> wasm = exec::testing::ExampleContract("counter");
  deploy.set_wasm(wasm.data(), wasm.size());
  v1::DeployContractResponse deployed;
  REQUIRE(t.execution->DeployContract(Context().get(), deploy, &deployed).ok());
  Hash32 counter;
  std::copy(deployed.address().begin(), deployed.address().end(), counter.begin());
  auto increment = [&](uint64_t nonce) {
    return exec::testing::SignedCall(alice, counter, "increment", "", 100000, nonce);
  };

  v1::ExecuteBlockResponse r1;
  REQUIRE(t.execution->ExecuteBlock(Context().get(), Block(1, {increment(0), increment(1)}), &r1)
              .ok());
  CHECK(r1.receipts(1).status() == v1::RECEIPT_STATUS_OK);
  // Block 2: block 1's first transaction again, the next one, and that one repeated.
  v1::ExecuteBlockResponse r2;
  REQUIRE(t.execution
              ->ExecuteBlock(Context().get(),
                             Block(2, {increment(0), increment(2), increment(2)}), &r2)
              .ok());
  REQUIRE(r2.receipts_size() == 3);
  CHECK(r2.receipts(0).status() == v1::RECEIPT_STATUS_BAD_NONCE);
  CHECK(r2.receipts(0).message() == "expected nonce 2, got 0");
  CHECK(r2.receipts(0).gas_used() == 0);
  CHECK(r2.receipts(1).status() == v1::RECEIPT_STATUS_OK);
  CHECK(r2.receipts(1).return_data() == exec::testing::U64(3));
  CHECK(r2.receipts(2).status() == v1::RECEIPT_STATUS_BAD_NONCE);
  CHECK(r2.receipts(2).message() == "expected nonce 3, got 2");
  CHECK(r2.gas_used() == r2.receipts(1).gas_used());
  CHECK_THAT(HttpGet(t.server().metrics_address(), "/metrics"),
             Catch::Contains("chainaccel_execution_transactions_total{status=\"bad_nonce\"} 2"));

  // The next nonce as `chainaccel exec` reads it, with the proof against block 2's root.
  v1::GetStateRequest request = cli::NextNonceRequest(alice.address);
  request.set_prove(true);
  v1::GetStateResponse state;
  REQUIRE(t.execution->GetState(Context().get(), request, &state).ok());
  CHECK(state.height() == 2);
  CHECK(state.value() == exec::EncodeNextNonce(3));
  uint64_t next = 0;
  CHECK(cli::NextNonceFromResponse(state, &next));
  CHECK(next == 3);
  CHECK(state.state_root() == r2.state_root());
  const StateProofVerdict verdict = VerifyGetStateProof(request.key(), state);
  INFO(verdict.reason);
  CHECK(verdict.valid);
  // A sender with no transaction yet: absent, proven absent, next nonce 0.
  const exec::testing::Account bob = exec::testing::MakeAccount(rng);
  request = cli::NextNonceRequest(bob.address);
  request.set_prove(true);
  REQUIRE(t.execution->GetState(Context().get(), request, &state).ok());
  CHECK_FALSE(state.found());
  CHECK(VerifyGetStateProof(request.key(), state).valid);
  CHECK(cli::NextNonceFromResponse(state, &next));
  CHECK(next == 0);
}

}  // namespace
}  // namespace chainaccel::server
