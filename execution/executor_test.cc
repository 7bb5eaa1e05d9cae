// The executors: Block-STM equals the sequential reference on every block.
#include "execution/executor.h"

#include <catch2/catch.hpp>

#include <cstdlib>

#include "tests/support/random.h"
#include "execution/testing/map_state.h"
#include "execution/testing/proof_contracts.h"
#include "execution/testing/proofs.h"
#include "execution/testing/transactions.h"
#include "execution/testing/wat.h"
#include "execution/tx/verifying_key.h"

namespace chainaccel::exec {
namespace {

using testing::MapReader;
using testing::ParseU64;
using testing::U64;

// A contract made to stress the executors: reads and writes over a chosen number of
// slots, reverts that depend on what was read, deletes, gas burnt in loops, traps after
// writes. Slot s is the key "k" || s (4 bytes LE); values are u64 LE.
constexpr std::string_view kStressWat = R"(
(module
  (import "env" "storage_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "env" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "env" "storage_delete" (func $delete (param i32 i32)))
  (import "env" "input_size" (func $input_size (result i32)))
  (import "env" "input_read" (func $input_read (param i32)))
  (import "env" "return_data" (func $return_data (param i32 i32)))
  (import "env" "emit_event" (func $emit (param i32 i32 i32 i32)))
  (import "env" "revert" (func $revert (param i32 i32)))
  (memory (export "memory") 1)
  ;; 0: key "k" + slot; 16: u64 buffer; 64: input; 512: strings
  (data (i32.const 0) "k")
  (data (i32.const 512) "cap")
  (data (i32.const 520) "short")
  (data (i32.const 528) "add")
  (func $key (param $slot i32) (i32.store (i32.const 1) (local.get $slot)))
  (func $get (param $slot i32) (result i64)
    (call $key (local.get $slot))
    (i64.store (i32.const 16) (i64.const 0))
    (drop (call $read (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 8)))
    (i64.load (i32.const 16)))
  (func $put (param $slot i32) (param $v i64)
    (call $key (local.get $slot))
    (i64.store (i32.const 16) (local.get $v))
    (call $write (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 8)))
  (func $in (call $input_read (i32.const 64)))
  ;; add(slot u32, delta u64): reverts "cap" past 1000
  (func (export "add") (local $v i64)
    (call $in)
    (local.set $v (i64.add (call $get (i32.load (i32.const 64))) (i64.load (i32.const 68))))
    (if (i64.gt_u (local.get $v) (i64.const 1000)) (then (call $revert (i32.const 512) (i32.const 3))))
    (call $put (i32.load (i32.const 64)) (local.get $v))
    (i64.store (i32.const 24) (local.get $v))
    (call $emit (i32.const 528) (i32.const 3) (i32.const 24) (i32.const 8))
    (call $return_data (i32.const 24) (i32.const 8)))
  ;; move(from u32, to u32, amount u64): reverts "short" when from holds less
  (func (export "move") (local $a i64) (local $f i64)
    (call $in)
    (local.set $a (i64.load (i32.const 72)))
    (local.set $f (call $get (i32.load (i32.const 64))))
    (if (i64.lt_u (local.get $f) (local.get $a)) (then (call $revert (i32.const 520) (i32.const 5))))
    (call $put (i32.load (i32.const 64)) (i64.sub (local.get $f) (local.get $a)))
    (call $put (i32.load (i32.const 68))
      (i64.add (call $get (i32.load (i32.const 68))) (local.get $a))))
  ;; del(slot u32)
  (func (export "del")
    (call $in)
    (call $key (i32.load (i32.const 64)))
    (call $delete (i32.const 0) (i32.const 5)))
  ;; spin(slot u32, n u32): loops (value of slot mod 64) + n times, then writes slot + 1
  (func (export "spin") (local $i i64) (local $n i64)
    (call $in)
    (local.set $n (i64.add (i64.rem_u (call $get (i32.load (i32.const 64))) (i64.const 64))
                           (i64.extend_i32_u (i32.load (i32.const 68)))))
    (block $done (loop $l
      (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $l)))
    (call $put (i32.add (i32.load (i32.const 64)) (i32.const 1)) (local.get $n)))
  ;; boom(slot u32): writes, then traps when the slot held an odd value
  (func (export "boom") (local $v i64)
    (call $in)
    (local.set $v (call $get (i32.load (i32.const 64))))
    (call $put (i32.load (i32.const 64)) (i64.add (local.get $v) (i64.const 1)))
    (if (i32.wrap_i64 (i64.and (local.get $v) (i64.const 1))) (then unreachable))))
)";

std::string U32(uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }

std::string SlotKey(const Hash32& contract, uint32_t slot) {
  return StateKey(contract, "k" + U32(slot));
}

struct RandomBlock {
  std::vector<Transaction> txs;
  std::vector<const PreparedContract*> contracts;
  std::vector<uint8_t> signature_ok;
  std::vector<std::string> proof_errors;  // empty, or one per transaction
  MapReader state;
};

RandomBlock MakeBlock(std::mt19937_64& rng, const PreparedContract& stress,
                      const std::vector<Hash32>& addresses) {
  RandomBlock b;
  auto pick = [&rng](size_t n) { return static_cast<size_t>(rng() % n); };
  const size_t slots = std::vector<size_t>{1, 2, 4, 16, 256}[pick(5)];
  const size_t n = 1 + pick(std::vector<size_t>{8, 64, 200}[pick(3)]);
  for (const Hash32& a : addresses) {
    for (uint32_t s = 0; s < slots; ++s) {
      if (pick(3) == 0) b.state.data[SlotKey(a, s)] = U64(pick(600));
    }
  }
  for (size_t i = 0; i < n; ++i) {
    Transaction tx;
    const size_t which = pick(addresses.size() + 1);  // the last: no contract
    if (which < addresses.size()) tx.contract = addresses[which];
    else tx.contract.fill(0xEE);
    const auto s1 = static_cast<uint32_t>(pick(slots)), s2 = static_cast<uint32_t>(pick(slots));
    switch (pick(6)) {
      case 0: case 1: tx.function = "add"; tx.input = U32(s1) + U64(pick(300)); break;
      case 2: tx.function = "move"; tx.input = U32(s1) + U32(s2) + U64(pick(200)); break;
      case 3: tx.function = "del"; tx.input = U32(s1); break;
      case 4: tx.function = "spin"; tx.input = U32(s1) + U32(static_cast<uint32_t>(pick(200))); break;
      default: tx.function = "boom"; tx.input = U32(s1); break;
    }
    if (pick(40) == 0) tx.function = "no_such_entry";
    // Mostly enough gas; sometimes a limit that the spin loop or the host calls exceed.
    tx.gas_limit = pick(5) == 0 ? 500 + pick(3000) : 1'000'000;
    b.txs.push_back(std::move(tx));
    b.contracts.push_back(which < addresses.size() ? &stress : nullptr);
    b.signature_ok.push_back(pick(50) != 0);
  }
  return b;
}

BlockInput InputOf(const RandomBlock& b, uint64_t height) {
  BlockInput in;
  in.height = height;
  in.time = 1'700'000'000 + height;
  in.transactions = b.txs;
  in.contracts = b.contracts;
  in.signature_ok = b.signature_ok;
  in.proof_errors = b.proof_errors;
  in.state = &b.state;
  return in;
}

// An unsigned call (the executors take signature verdicts as given) appended to `b`.
void AddCall(RandomBlock& b, const Hash32& contract, const PreparedContract* code,
             std::string function, std::string input, bool signature_ok = true) {
  Transaction tx;
  tx.contract = contract;
  tx.function = std::move(function);
  tx.input = std::move(input);
  tx.gas_limit = 100000;
  b.txs.push_back(std::move(tx));
  b.contracts.push_back(code);
  b.signature_ok.push_back(signature_ok ? 1 : 0);
}

std::shared_ptr<const PreparedContract> PrepareStress() {
  std::shared_ptr<const PreparedContract> p;
  REQUIRE(PrepareContract(testing::WatToWasm(kStressWat), VmLimits{}, &p).ok());
  return p;
}

size_t PropertyBlocks() {
  if (const char* s = std::getenv("CHAINACCEL_EXEC_PROPERTY_BLOCKS")) return std::strtoul(s, nullptr, 10);
  return 2000;
}

// Runs `blocks` blocks from make_block() through the sequential executor and through
// Block-STM at 1, 2, 4 and 8 threads and the adaptive executor, requiring identical
// receipts and writes; counts the transactions and the failed receipts.
template <typename MakeBlockFn>
void ExpectParallelEqualsSequential(size_t blocks, MakeBlockFn make_block, size_t* txs,
                                    size_t* non_ok) {
  auto sequential = NewSequentialExecutor(VmLimits{});
  std::vector<std::unique_ptr<BlockExecutor>> parallel;
  for (size_t t : {1, 2, 4, 8}) parallel.push_back(NewBlockStmExecutor(VmLimits{}, t));
  parallel.push_back(NewAdaptiveExecutor(VmLimits{}, 8));
  *txs = *non_ok = 0;
  for (size_t blk = 0; blk < blocks; ++blk) {
    RandomBlock b = make_block();
    const BlockInput in = InputOf(b, blk + 1);
    const BlockOutput expected = sequential->Execute(in);
    *txs += b.txs.size();
    for (const Receipt& r : expected.receipts) *non_ok += r.status != ReceiptStatus::kOk;
    for (size_t p = 0; p < parallel.size(); ++p) {
      const BlockOutput got = parallel[p]->Execute(in);
      INFO("block " << blk << ", executor " << p << ", " << b.txs.size() << " txs");
      REQUIRE(got.receipts.size() == expected.receipts.size());
      for (size_t i = 0; i < got.receipts.size(); ++i) {
        INFO("tx " << i << " " << b.txs[i].function);
        REQUIRE(got.receipts[i] == expected.receipts[i]);
      }
      REQUIRE(got.writes == expected.writes);
    }
  }
}

TEST_CASE("Block-STM equals sequential on random blocks at 1, 2, 4 and 8 threads (and adaptive)",
          "[executor][property]") {
  auto rng = chainaccel::testing::MakeRng("block-stm property");
  auto stress = PrepareStress();
  std::vector<Hash32> addresses(2);
  addresses[0].fill(0xA1);
  addresses[1].fill(0xB2);
  size_t txs = 0, non_ok = 0;
  ExpectParallelEqualsSequential(
      PropertyBlocks(), [&] { return MakeBlock(rng, *stress, addresses); }, &txs, &non_ok);
  // The blocks exercise failures, not only the happy path.
  CHECK(non_ok > txs / 10);
  CHECK(non_ok < txs);
}

// Random blocks over the three example contracts: token mints (some overflowing),
// transfers (some over the balance), swaps on a pool that may be empty or short (empty
// pool, slippage, overflow reverts), liquidity, counters; some with too little gas.
RandomBlock MakeExampleBlock(std::mt19937_64& rng, const PreparedContract& token,
                             const PreparedContract& swap, const PreparedContract& counter) {
  RandomBlock b;
  auto pick = [&rng](uint64_t n) { return rng() % n; };
  Hash32 token_at, swap_at, counter_at;
  token_at.fill(0x71);
  swap_at.fill(0x72);
  counter_at.fill(0x73);
  const size_t accounts = std::vector<size_t>{2, 8, 64}[pick(3)];
  auto key = [](size_t i) { return std::string(32, static_cast<char>(i + 1)); };
  for (size_t i = 0; i < accounts; ++i) {
    if (pick(2) == 0) {
      b.state.data[StateKey(token_at, "b" + testing::AddressBytes(SenderAddress(key(i))))] =
          U64(pick(1000));
    }
  }
  if (pick(4) != 0) {
    b.state.data[StateKey(swap_at, "rx")] = U64(1 + pick(100000));
    b.state.data[StateKey(swap_at, "ry")] = U64(1 + pick(100000));
  }
  const size_t n = 1 + pick(std::vector<uint64_t>{16, 128}[pick(2)]);
  for (size_t i = 0; i < n; ++i) {
    Transaction tx;
    tx.public_key = key(pick(accounts));
    const PreparedContract* code = &token;
    switch (pick(8)) {
      case 0:
        tx.contract = token_at;
        tx.function = "mint";
        tx.input = U64(pick(10) == 0 ? ~uint64_t{0} - pick(100) : pick(500));
        break;
      case 1: case 2:
        tx.contract = token_at;
        tx.function = "transfer";
        tx.input = testing::AddressBytes(SenderAddress(key(pick(accounts)))) + U64(pick(800));
        break;
      case 3:
        tx.contract = token_at;
        tx.function = "balance";
        tx.input = testing::AddressBytes(SenderAddress(key(pick(accounts))));
        break;
      case 4: case 5:
        tx.contract = swap_at;
        code = &swap;
        tx.function = pick(2) == 0 ? "swap_x_for_y" : "swap_y_for_x";
        tx.input = U64(pick(5000)) + U64(pick(3) == 0 ? pick(5000) : 0);
        break;
      case 6:
        tx.contract = swap_at;
        code = &swap;
        tx.function = "add_liquidity";
        tx.input = U64(pick(1000)) + U64(pick(1000));
        break;
      default:
        tx.contract = counter_at;
        code = &counter;
        tx.function = pick(2) == 0 ? "increment" : "get";
        break;
    }
    tx.gas_limit = pick(6) == 0 ? 100 + pick(1500) : 1'000'000;
    b.txs.push_back(std::move(tx));
    b.contracts.push_back(code);
    b.signature_ok.push_back(1);
  }
  return b;
}

TEST_CASE("Block-STM equals sequential on random blocks of the example contracts",
          "[executor][property]") {
  auto rng = chainaccel::testing::MakeRng("block-stm examples property");
  std::shared_ptr<const PreparedContract> token, swap, counter;
  REQUIRE(PrepareContract(testing::ExampleContract("token"), VmLimits{}, &token).ok());
  REQUIRE(PrepareContract(testing::ExampleContract("swap"), VmLimits{}, &swap).ok());
  REQUIRE(PrepareContract(testing::ExampleContract("counter"), VmLimits{}, &counter).ok());
  size_t txs = 0, non_ok = 0;
  ExpectParallelEqualsSequential(
      PropertyBlocks() / 2, [&] { return MakeExampleBlock(rng, *token, *swap, *counter); },
      &txs, &non_ok);
  CHECK(non_ok > txs / 20);
  CHECK(non_ok < txs);
}

// What the proof blocks draw on: keys (the first registered in committed state), a
// malformed encoding, the echo contract (tx_proof, tx_proof_signals, one storage key that
// every call writes) and the stress contract.
struct ProofWorld {
  ProofWorld() {
    for (uint32_t n = 1; n <= 3; ++n) keys.emplace_back(n, 100 + n);
    bad_key = keys[1].encoding();
    bad_key[4 + 63] ^= 1;  // alpha1 off the curve
    REQUIRE(PrepareContract(testing::WatToWasm(testing::kProofEchoWat), VmLimits{}, &echo).ok());
    stress = PrepareStress();
    echo_at.fill(0xEC);
    stress_at.fill(0xA1);
  }
  std::vector<testing::TestVerifyingKey> keys;
  std::string bad_key;
  std::shared_ptr<const PreparedContract> echo, stress;
  Hash32 echo_at{}, stress_at{};
};

// A registration of the registry: a key (often one the block registers twice, or the
// committed one), a malformed key, too little gas, or a wrong entry point.
Transaction RandomRegistration(std::mt19937_64& rng, const ProofWorld& w) {
  Transaction tx;
  tx.contract = VerifyingKeyRegistryAddress();
  tx.function = "register";
  const size_t pick = rng() % 8;
  tx.input = pick == 0 ? w.bad_key : w.keys[pick % w.keys.size()].encoding();
  tx.gas_limit = rng() % 10 == 0 ? 20'000 + rng() % 500 : 1'000'000;
  if (rng() % 20 == 0) tx.function = "unregister";
  return tx;
}

// A call of the echo contract with a proof (random key id of the world's and signals;
// its verdict drawn, as the engine's pre-verification would hand it over) or without.
Transaction RandomProofCall(std::mt19937_64& rng, const ProofWorld& w, std::string* error) {
  Transaction tx;
  tx.contract = w.echo_at;
  tx.function = rng() % 4 == 0 ? "signals" : "echo";
  tx.gas_limit = rng() % 8 == 0 ? 50 + rng() % 600 : 1'000'000;
  if (rng() % 5 == 0) return tx;  // no proof: -1, or the "no proof" trap
  TransactionProof proof;
  proof.verifying_key_id = w.keys[rng() % w.keys.size()].id();
  for (size_t k = rng() % 4; k > 0; --k) proof.public_signals.push_back(testing::Signal(rng()));
  tx.proof = std::move(proof);
  if (rng() % 6 == 0) *error = "proof does not verify";
  return tx;
}

// Random blocks mixing proof-carrying calls, registrations and stress-contract calls, with
// bad signatures and bad proofs, over a committed state holding the first key.
RandomBlock MakeProofBlock(std::mt19937_64& rng, const ProofWorld& w) {
  RandomBlock b;
  const testing::TestVerifyingKey& committed = w.keys[0];
  b.state.data[StateKey(VerifyingKeyRegistryAddress(),
                        std::string(committed.id().begin(), committed.id().end()))] =
      committed.encoding();
  const size_t n = 1 + rng() % std::vector<size_t>{8, 64}[rng() % 2];
  for (size_t i = 0; i < n; ++i) {
    std::string error;
    Transaction tx;
    const PreparedContract* code = nullptr;
    switch (rng() % 3) {
      case 0: tx = RandomRegistration(rng, w); break;
      case 1: tx = RandomProofCall(rng, w, &error); code = w.echo.get(); break;
      default:
        tx.contract = w.stress_at;
        code = w.stress.get();
        tx.function = "add";
        tx.input = U32(static_cast<uint32_t>(rng() % 4)) + U64(rng() % 300);
        tx.gas_limit = 1'000'000;
        break;
    }
    b.txs.push_back(std::move(tx));
    b.contracts.push_back(code);
    b.signature_ok.push_back(rng() % 30 != 0);
    b.proof_errors.push_back(std::move(error));
  }
  return b;
}

TEST_CASE("Block-STM equals sequential on random blocks with proofs and key registrations",
          "[executor][property][proof]") {
  auto rng = chainaccel::testing::MakeRng("block-stm proofs property");
  const ProofWorld world;
  size_t txs = 0, non_ok = 0;
  ExpectParallelEqualsSequential(
      PropertyBlocks() / 4, [&] { return MakeProofBlock(rng, world); }, &txs, &non_ok);
  CHECK(non_ok > txs / 10);
  CHECK(non_ok < txs);
}

TEST_CASE("Executors: proof verdicts, the registry, and receipt precedence", "[executor][proof]") {
  const ProofWorld w;
  RandomBlock b;
  auto add = [&](Transaction tx, const PreparedContract* code, bool signature_ok,
                 std::string error) {
    b.txs.push_back(std::move(tx));
    b.contracts.push_back(code);
    b.signature_ok.push_back(signature_ok);
    b.proof_errors.push_back(std::move(error));
  };
  Transaction with_proof;
  with_proof.contract = w.echo_at;
  with_proof.function = "echo";
  with_proof.gas_limit = 1'000'000;
  with_proof.proof = TransactionProof{w.keys[2].id(), {}, {testing::Signal(1)}};
  Transaction nowhere = with_proof;
  nowhere.contract.fill(0x01);
  Transaction registration;
  registration.contract = VerifyingKeyRegistryAddress();
  registration.function = "register";
  registration.gas_limit = 1'000'000;
  registration.input = w.keys[2].encoding();
  add(with_proof, w.echo.get(), true, "");
  add(with_proof, w.echo.get(), true, "proof does not verify");
  add(with_proof, w.echo.get(), false, "proof does not verify");
  add(nowhere, nullptr, true, "proof does not verify");
  add(nowhere, nullptr, true, "");
  add(registration, nullptr, true, "");
  add(registration, nullptr, true, "");
  for (auto& ex : {NewSequentialExecutor(VmLimits{}), NewBlockStmExecutor(VmLimits{}, 3)}) {
    const BlockOutput out = ex->Execute(InputOf(b, 1));
    REQUIRE(out.receipts.size() == 7);
    CHECK(out.receipts[0].status == ReceiptStatus::kOk);
    CHECK(out.receipts[1].status == ReceiptStatus::kBadProof);
    CHECK(out.receipts[1].message == "proof does not verify");
    CHECK(out.receipts[1].gas_used == 0);
    CHECK(out.receipts[2].status == ReceiptStatus::kBadSignature);
    CHECK(out.receipts[3].status == ReceiptStatus::kBadProof);
    CHECK(out.receipts[4].status == ReceiptStatus::kUnknownContract);
    CHECK(out.receipts[5].status == ReceiptStatus::kOk);
    CHECK(out.receipts[6].status == ReceiptStatus::kOk);
    CHECK(out.receipts[5].return_data == out.receipts[6].return_data);
    // The echo key (written once, by the transaction whose proof held) and the key.
    REQUIRE(out.writes.size() == 2);
  }
}

TEST_CASE("Block-STM: every transaction increments one counter", "[executor]") {
  std::shared_ptr<const PreparedContract> counter;
  REQUIRE(PrepareContract(testing::ExampleContract("counter"), VmLimits{}, &counter).ok());
  RandomBlock b;
  Hash32 addr;
  addr.fill(7);
  for (int i = 0; i < 300; ++i) AddCall(b, addr, counter.get(), "increment", "");
  auto stm = NewBlockStmExecutor(VmLimits{}, 4);
  const BlockOutput out = stm->Execute(InputOf(b, 1));
  for (size_t i = 0; i < out.receipts.size(); ++i) {
    REQUIRE(out.receipts[i].status == ReceiptStatus::kOk);
    REQUIRE(ParseU64(out.receipts[i].return_data) == i + 1);
  }
  REQUIRE(out.writes.size() == 1);
  CHECK(out.writes[0].first == StateKey(addr, "count"));
  CHECK(out.writes[0].second == U64(300));
}

TEST_CASE("Executors: empty block, bad signature and unknown contract receipts",
          "[executor]") {
  auto stress = PrepareStress();
  RandomBlock b;
  Hash32 addr;
  addr.fill(1);
  AddCall(b, addr, stress.get(), "add", U32(0) + U64(5));
  AddCall(b, addr, stress.get(), "add", U32(0) + U64(5), /*signature_ok=*/false);
  AddCall(b, addr, nullptr, "add", U32(0) + U64(5));
  for (auto& ex : {NewSequentialExecutor(VmLimits{}), NewBlockStmExecutor(VmLimits{}, 2)}) {
    BlockOutput out = ex->Execute(InputOf(b, 1));
    REQUIRE(out.receipts.size() == 3);
    CHECK(out.receipts[0].status == ReceiptStatus::kOk);
    CHECK(out.receipts[1].status == ReceiptStatus::kBadSignature);
    CHECK(out.receipts[1].gas_used == 0);
    CHECK(out.receipts[2].status == ReceiptStatus::kUnknownContract);
    CHECK(out.writes.size() == 1);
    RandomBlock empty;
    CHECK(ex->Execute(InputOf(empty, 1)).receipts.empty());
  }
}

}  // namespace
}  // namespace chainaccel::exec
