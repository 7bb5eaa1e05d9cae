// Proof-carrying transactions through ExecutionEngine (docs/execution.md,
// "Proof-carrying transactions"): registration, pre-verification against the committed
// registry, BAD_PROOF receipts and their precedence, the contract's view of a proof;
// under both executors.
#include "execution/block_proofs.h"

#include <catch2/catch.hpp>

#include "engines/cpu/cpu_engine.h"
#include "execution/execution_engine.h"
#include "execution/testing/proof_contracts.h"
#include "execution/testing/proofs.h"
#include "execution/testing/temp_dir.h"
#include "execution/testing/wat.h"
#include "execution/tx/verifying_key.h"
#include "tests/support/random.h"
#include "tests/support/vectors.h"

namespace chainaccel::exec {
namespace {

using testing::Account;
using testing::Signal;
using testing::SignedCall;
using testing::SignedProofCall;
using testing::TestVerifyingKey;

std::string I32Le(int32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(static_cast<uint32_t>(v) >> (8 * i));
  return out;
}

// What the echo contract returns for a proof.
std::string Echo(const TransactionProof& p) {
  std::string out = I32Le(static_cast<int32_t>(p.public_signals.size()));
  out.append(p.verifying_key_id.begin(), p.verifying_key_id.end());
  for (const Hash32& s : p.public_signals) out.append(s.begin(), s.end());
  return out;
}

// An engine at height 1 with the echo contract deployed and `key` registered.
struct Chain {
  Chain(ExecutorKind kind, TestVerifyingKey& key)
      : rng(chainaccel::testing::MakeRng("proof chain")), cpu(CpuEngine::Options{2}) {
    ExecutionOptions options;
    options.db_path = dir.path();
    options.executor = kind;
    options.threads = 3;
    REQUIRE(ExecutionEngine::Open(options, &cpu, &engine).ok());
    Hash32 code_hash;
    REQUIRE(engine->Deploy(testing::WatToWasm(testing::kProofEchoWat), {}, &echo, &code_hash)
                .ok());
    alice = testing::MakeAccount(rng);
    const BlockResult r = Run({testing::RegisterKey(alice, key.encoding(), nonce++)});
    REQUIRE(r.receipts[0].status == ReceiptStatus::kOk);
  }

  BlockResult Run(std::vector<Transaction> block) {
    BlockResult r;
    const Status s = engine->ExecuteBlock(engine->height() + 1, 1, std::nullopt,
                                          std::move(block), &r);
    INFO(s.ToString());
    REQUIRE(s.ok());
    return r;
  }

  Transaction Call(TransactionProof proof) {
    return SignedProofCall(alice, echo, "echo", "", 1'000'000, nonce++, std::move(proof));
  }

  std::optional<std::string> State(const Hash32& contract, std::string_view key) {
    std::optional<std::string> v;
    uint64_t at = 0;
    REQUIRE(engine->GetState(StateKey(contract, key), std::nullopt, &v, &at).ok());
    return v;
  }
  std::optional<std::string> EchoState() { return State(echo, "echo"); }
  std::optional<std::string> RegisteredKey(const Hash32& id) {
    return State(VerifyingKeyRegistryAddress(), std::string(id.begin(), id.end()));
  }

  std::mt19937_64 rng;
  testing::TempDir dir;
  CpuEngine cpu;
  std::unique_ptr<ExecutionEngine> engine;
  Hash32 echo{};
  Account alice;
  uint64_t nonce = 0;
};

const ExecutorKind kKinds[] = {ExecutorKind::kSequential, ExecutorKind::kBlockStm};

TEST_CASE("Proof transactions: a valid proof runs and the contract reads its key and signals",
          "[engine][proof]") {
  for (ExecutorKind kind : kKinds) {
    TestVerifyingKey key(2, 1);
    Chain chain(kind, key);
    CHECK(chain.RegisteredKey(key.id()) == key.encoding());
    const TransactionProof proof = key.Prove({Signal(5), Signal(6)});
    const BlockResult r =
        chain.Run({chain.Call(proof), SignedCall(chain.alice, chain.echo, "echo", "", 1'000'000,
                                                 chain.nonce++)});
    REQUIRE(r.receipts[0].status == ReceiptStatus::kOk);
    CHECK(r.receipts[0].return_data == Echo(proof));
    CHECK(r.receipts[1].return_data == I32Le(-1));  // no proof
    CHECK(r.timings.proof_seconds > 0);
  }
}

TEST_CASE("Proof transactions: each bad proof is BAD_PROOF with its reason, gas 0, no effect "
          "but the sender's next nonce",
          "[engine][proof]") {
  for (ExecutorKind kind : kKinds) {
    TestVerifyingKey key(2, 2);
    Chain chain(kind, key);
    const TransactionProof good = key.Prove({Signal(1), Signal(2)});
    TransactionProof invalid = good;
    invalid.public_signals[1] = Signal(3);  // a valid proof, of other signals
    TransactionProof count = key.Prove({Signal(1), Signal(2)});
    count.public_signals.push_back(Signal(9));
    TransactionProof big = good;
    big.public_signals[0] = testing::FieldOrderSignal();
    TransactionProof off_curve = good;
    off_curve.proof[63] ^= 1;  // A's y
    TestVerifyingKey unregistered(2, 3);
    const TransactionProof unknown = unregistered.Prove({Signal(1), Signal(2)});
    const std::pair<TransactionProof, std::string> cases[] = {
        {invalid, "proof does not verify"},
        {count, "3 public signals, the key takes 2"},
        {big, "public signal 0 is not below r"},
        {off_curve, "malformed proof: a point does not decode"},
        {unknown, "verifying key " + chainaccel::testing::ToHex(ByteView(unregistered.id().data(), 32)) +
                      " is not registered"},
    };
    std::vector<Transaction> block = {chain.Call(good)};
    for (const auto& c : cases) block.push_back(chain.Call(c.first));
    const BlockResult r = chain.Run(block);
    CHECK(r.receipts[0].status == ReceiptStatus::kOk);
    for (size_t i = 0; i < std::size(cases); ++i) {
      INFO(cases[i].second);
      const Receipt& receipt = r.receipts[i + 1];
      CHECK(receipt.status == ReceiptStatus::kBadProof);
      CHECK_THAT(receipt.message, Catch::StartsWith(cases[i].second));
      CHECK(receipt.gas_used == 0);
      CHECK(receipt.return_data.empty());
    }
    CHECK(r.gas_used == r.receipts[0].gas_used);
    CHECK(chain.EchoState() == Echo(good));  // only the good one wrote
    // Every one took its nonce (docs/execution.md, "Nonces").
    CHECK(chain.State(NoncesAddress(), testing::AddressBytes(chain.alice.address)) ==
          EncodeNextNonce(chain.nonce));
  }
}

TEST_CASE("Proof transactions: batches of several keys run at once, each proof its verdict",
          "[engine][proof]") {
  for (ExecutorKind kind : kKinds) {
    TestVerifyingKey first(2, 4);
    Chain chain(kind, first);
    std::vector<TestVerifyingKey> keys;
    keys.emplace_back(1, 5);
    keys.emplace_back(3, 6);
    keys.emplace_back(2, 7);
    std::vector<Transaction> registrations;
    for (const TestVerifyingKey& k : keys) {
      registrations.push_back(testing::RegisterKey(chain.alice, k.encoding(), chain.nonce++));
    }
    for (const Receipt& r : chain.Run(registrations).receipts) {
      REQUIRE(r.status == ReceiptStatus::kOk);
    }
    keys.push_back(std::move(first));
    // Per key: one good proof and one of other signals, interleaved across the keys.
    std::vector<Transaction> block;
    std::vector<bool> good;
    for (int round = 0; round < 2; ++round) {
      for (TestVerifyingKey& k : keys) {
        std::vector<Hash32> signals;
        for (uint32_t j = 0; j < k.n_public(); ++j) signals.push_back(Signal(10 * j + 1));
        TransactionProof proof = k.Prove(signals);
        if (round == 1) proof.public_signals[0] = Signal(999);
        block.push_back(chain.Call(std::move(proof)));
        good.push_back(round == 0);
      }
    }
    const BlockResult r = chain.Run(block);
    for (size_t i = 0; i < block.size(); ++i) {
      INFO("transaction " << i);
      CHECK(r.receipts[i].status == (good[i] ? ReceiptStatus::kOk : ReceiptStatus::kBadProof));
    }
  }
}

TEST_CASE("Proof transactions: a key registered in a block serves from the next block on",
          "[engine][proof]") {
  for (ExecutorKind kind : kKinds) {
    TestVerifyingKey key(1, 4), later(3, 5);
    Chain chain(kind, key);
    const TransactionProof proof = later.Prove({Signal(7), Signal(8), Signal(9)});
    const BlockResult same = chain.Run(
        {testing::RegisterKey(chain.alice, later.encoding(), chain.nonce++), chain.Call(proof)});
    CHECK(same.receipts[0].status == ReceiptStatus::kOk);
    CHECK(same.receipts[0].return_data == std::string(later.id().begin(), later.id().end()));
    CHECK(same.receipts[1].status == ReceiptStatus::kBadProof);
    CHECK_THAT(same.receipts[1].message, Catch::Contains("is not registered"));
    const BlockResult next = chain.Run({chain.Call(proof)});
    CHECK(next.receipts[0].status == ReceiptStatus::kOk);
    CHECK(next.receipts[0].return_data == Echo(proof));
  }
}

TEST_CASE("Proof transactions: BAD_SIGNATURE before BAD_NONCE before BAD_PROOF before "
          "UNKNOWN_CONTRACT",
          "[engine][proof][nonce]") {
  TestVerifyingKey key(1, 6);
  Chain chain(ExecutorKind::kBlockStm, key);
  TransactionProof bad = key.Prove({Signal(1)});
  bad.public_signals[0] = Signal(2);
  Hash32 nowhere;
  nowhere.fill(0x5a);
  // A bad signature, a wrong nonce and a bad proof: BAD_SIGNATURE, which takes no nonce.
  Transaction bad_all = SignedProofCall(chain.alice, nowhere, "f", "", 1000, chain.nonce + 9, bad);
  bad_all.signature[0] ^= 1;
  // A wrong nonce and a bad proof: BAD_NONCE.
  const Transaction bad_nonce_and_proof =
      SignedProofCall(chain.alice, nowhere, "f", "", 1000, chain.nonce + 1, bad);
  const Transaction bad_proof_nowhere = SignedProofCall(chain.alice, nowhere, "f", "", 1000,
                                                        chain.nonce++, bad);
  const Transaction good_nowhere = SignedProofCall(chain.alice, nowhere, "f", "", 1000,
                                                   chain.nonce++, key.Prove({Signal(1)}));
  // A proof signed, then changed: the signature covers the proof.
  Transaction swapped = chain.Call(key.Prove({Signal(4)}));
  swapped.proof = key.Prove({Signal(5)});
  const BlockResult r =
      chain.Run({bad_all, bad_nonce_and_proof, bad_proof_nowhere, good_nowhere, swapped});
  CHECK(r.receipts[0].status == ReceiptStatus::kBadSignature);
  CHECK(r.receipts[1].status == ReceiptStatus::kBadNonce);
  CHECK(r.receipts[2].status == ReceiptStatus::kBadProof);
  CHECK(r.receipts[3].status == ReceiptStatus::kUnknownContract);
  CHECK(r.receipts[4].status == ReceiptStatus::kBadSignature);
}

TEST_CASE("Registry through ExecutionEngine: a bad key reverts, Call checks without writing",
          "[engine][proof][registry]") {
  TestVerifyingKey key(1, 11), other(2, 12);
  Chain chain(ExecutorKind::kSequential, key);
  std::string bad = other.encoding();
  bad[4 + 63] ^= 1;
  const BlockResult r = chain.Run({testing::RegisterKey(chain.alice, bad, chain.nonce++),
                                   SignedCall(chain.alice, VerifyingKeyRegistryAddress(), "nope",
                                              "", 1'000'000, chain.nonce++)});
  CHECK(r.receipts[0].status == ReceiptStatus::kReverted);
  CHECK(r.receipts[0].message == "verifying key: alpha1: not on the curve");
  CHECK(r.receipts[1].status == ReceiptStatus::kTrapped);
  Receipt call;
  const std::string& enc = other.encoding();
  REQUIRE(chain.engine
              ->Call(VerifyingKeyRegistryAddress(), "register",
                     ByteView(reinterpret_cast<const uint8_t*>(enc.data()), enc.size()),
                     1'000'000, Hash32{}, &call)
              .ok());
  CHECK(call.status == ReceiptStatus::kOk);
  CHECK(call.return_data == std::string(other.id().begin(), other.id().end()));
  CHECK(!chain.RegisteredKey(other.id()));
}

}  // namespace
}  // namespace chainaccel::exec
