// Proof-carrying transactions through the daemon in-process (docs/execution.md,
// "Proof-carrying transactions"): malformed proof fields get INVALID_ARGUMENT naming the
// transaction and the field (the block is refused whole), and a block with proofs runs
// its verification through the daemon's scheduler: registration, a proof the contract
// reads, BAD_PROOF on the wire and in the metrics.
#include <catch2/catch.hpp>
#include <grpcpp/grpcpp.h>

#include <random>
#include <string>

#include "client/cli/transaction_proto.h"
#include "execution/testing/proof_contracts.h"
#include "execution/testing/proofs.h"
#include "execution/testing/wat.h"
#include "execution/tx/verifying_key.h"
#include "test_server.h"

namespace chainaccel::server {
namespace {

using exec::testing::Signal;

v1::ExecuteBlockRequest Block(uint64_t height, const std::vector<exec::Transaction>& txs) {
  v1::ExecuteBlockRequest block;
  block.set_height(height);
  for (const exec::Transaction& tx : txs) cli::TransactionToProto(tx, block.add_transactions());
  return block;
}

std::string Bytes(const Hash32& h) { return std::string(h.begin(), h.end()); }

// The daemon in-process, a signer and a key (not registered).
struct Fixture {
  Fixture(uint32_t n_public, uint64_t key_seed)
      : rng(TestSeed()), alice(exec::testing::MakeAccount(rng)), key(n_public, key_seed) {}
  TestServer t;
  std::mt19937_64 rng;
  exec::testing::Account alice;
  exec::testing::TestVerifyingKey key;
};

TEST_CASE("ExecuteBlock refuses malformed proof fields naming the transaction and field",
          "[grpc][execution][proof]") {
  Fixture f(3, 31);
  auto& [t, rng, alice, key] = f;
  Hash32 anywhere;
  anywhere.fill(0x42);
  const exec::Transaction plain = exec::testing::SignedCall(alice, anywhere, "f", "", 1000, 0);
  const exec::Transaction with_proof = exec::testing::SignedProofCall(
      alice, anywhere, "f", "", 1000, 1, key.Prove({Signal(1), Signal(2), Signal(3)}));
  struct Case {
    std::function<void(v1::TransactionProof*)> edit;
    std::string message;
  };
  const Case cases[] = {
      {[](v1::TransactionProof* p) { p->set_verifying_key_id("short"); },
       "transactions[1].proof.verifying_key_id must be 32 bytes, not 5"},
      {[](v1::TransactionProof* p) { p->clear_verifying_key_id(); },
       "transactions[1].proof.verifying_key_id must be 32 bytes, not 0"},
      {[](v1::TransactionProof* p) { p->mutable_proof()->pop_back(); },
       "transactions[1].proof.proof must be 256 bytes, not 255"},
      {[](v1::TransactionProof* p) { p->mutable_proof()->append("x"); },
       "transactions[1].proof.proof must be 256 bytes, not 257"},
      {[](v1::TransactionProof* p) { p->mutable_public_signals(2)->pop_back(); },
       "transactions[1].proof.public_signals[2] must be 32 bytes, not 31"},
      {[](v1::TransactionProof* p) { p->add_public_signals(std::string(33, '\x01')); },
       "transactions[1].proof.public_signals[3] must be 32 bytes, not 33"},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    v1::ExecuteBlockRequest block = Block(1, {plain, with_proof});
    c.edit(block.mutable_transactions(1)->mutable_proof());
    v1::ExecuteBlockResponse response;
    const grpc::Status s = t.execution->ExecuteBlock(Context().get(), block, &response);
    CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(s.error_message() == c.message);
  }
  // An empty proof message is a proof too (all its fields missing).
  v1::ExecuteBlockRequest block = Block(1, {plain});
  block.mutable_transactions(0)->mutable_proof();
  v1::ExecuteBlockResponse response;
  CHECK(t.execution->ExecuteBlock(Context().get(), block, &response).error_message() ==
        "transactions[0].proof.verifying_key_id must be 32 bytes, not 0");
  // Nothing was committed: block 1 is still to come.
  REQUIRE(t.execution->ExecuteBlock(Context().get(), Block(1, {plain}), &response).ok());
  CHECK(response.receipts(0).status() == v1::RECEIPT_STATUS_UNKNOWN_CONTRACT);
}

TEST_CASE("A block with proofs through the daemon: registered key, proof read, BAD_PROOF",
          "[grpc][execution][proof]") {
  Fixture f(2, 32);
  auto& [t, rng, alice, key] = f;
  v1::DeployContractRequest deploy;
  const std::vector<uint8_t> wasm = exec::testing::WatToWasm(exec::testing::kProofEchoWat);
  deploy.set_wasm(wasm.data(), wasm.size());
  v1::DeployContractResponse deployed;
  REQUIRE(t.execution->DeployContract(Context().get(), deploy, &deployed).ok());
  Hash32 echo;
  std::copy(deployed.address().begin(), deployed.address().end(), echo.begin());

  v1::ExecuteBlockResponse r1;
  REQUIRE(t.execution
              ->ExecuteBlock(Context().get(),
                             Block(1, {exec::testing::RegisterKey(alice, key.encoding(), 0)}), &r1)
              .ok());
  REQUIRE(r1.receipts(0).status() == v1::RECEIPT_STATUS_OK);
  CHECK(r1.receipts(0).return_data() == Bytes(key.id()));

  exec::TransactionProof good = key.Prove({Signal(10), Signal(20)});
  exec::TransactionProof bad = good;
  bad.public_signals[0] = Signal(11);
  v1::ExecuteBlockResponse r2;
  REQUIRE(t.execution
              ->ExecuteBlock(Context().get(),
                             Block(2, {exec::testing::SignedProofCall(alice, echo, "echo", "",
                                                                      1'000'000, 1, good),
                                       exec::testing::SignedProofCall(alice, echo, "echo", "",
                                                                      1'000'000, 2, bad)}),
                             &r2)
              .ok());
  CHECK(r2.receipts(0).status() == v1::RECEIPT_STATUS_OK);
  CHECK(r2.receipts(0).return_data().substr(4, 32) == Bytes(key.id()));
  CHECK(r2.receipts(0).return_data().substr(36) == Bytes(Signal(10)) + Bytes(Signal(20)));
  CHECK(r2.receipts(1).status() == v1::RECEIPT_STATUS_BAD_PROOF);
  CHECK(r2.receipts(1).message() == "proof does not verify");
  CHECK(r2.receipts(1).gas_used() == 0);
  CHECK(r2.gas_used() == r2.receipts(0).gas_used());

  const std::string metrics = HttpGet(t.server().metrics_address(), "/metrics");
  CHECK_THAT(metrics, Catch::Contains(
                          "chainaccel_execution_transactions_total{status=\"bad_proof\"} 1"));
  CHECK_THAT(metrics,
             Catch::Contains("chainaccel_execution_phase_seconds_count{phase=\"proofs\"} 1"));
  // The proof batch went through the daemon's scheduler: one proof_verify batch of 2.
  CHECK_THAT(metrics, Catch::Contains("chainaccel_scheduler_batch_items_count{engine=\"cpu\","
                                      "task=\"proof_verify\"} 1"));
  CHECK_THAT(metrics, Catch::Contains("chainaccel_scheduler_batch_items_sum{engine=\"cpu\","
                                      "task=\"proof_verify\"} 2"));
}

}  // namespace
}  // namespace chainaccel::server
