// The executors: Block-STM equals the sequential reference on every block.
#include "execution/executor.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <limits>
#include <map>

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

// The 32-byte public key of sender i of the random blocks (signatures are verdicts given
// to the executors, so no key pair is needed).
std::string SenderKey(size_t i) { return std::string(32, static_cast<char>(i + 1)); }

// The nonces of a random block (docs/execution.md, "Nonces"): each sender starts at a
// random next nonce in the committed state (or none: 0), and a transaction mostly takes
// its sender's next nonce (counting the block's earlier transactions that pass the check),
// else one the check refuses: a repeat, one ahead of its turn (so that the next ones
// come out of order), or any number.
class RandomNonces {
 public:
  // Gives senders 0 .. senders - 1 their committed next nonces in b.state.
  RandomNonces(std::mt19937_64& rng, size_t senders, RandomBlock& b) : rng_(rng) {
    for (size_t i = 0; i < senders; ++i) {
      const Hash32 sender = SenderAddress(SenderKey(i));
      uint64_t next = 0;
      if (rng_() % 3 != 0) {
        next = rng_() % 1000;
        b.state.data[NonceStateKey(sender)] = EncodeNextNonce(next);
      }
      next_[SenderKey(i)] = next;
    }
  }

  // The nonce of the sender's next transaction, whose signature verdict is `signature_ok`.
  uint64_t Next(const std::string& public_key, bool signature_ok) {
    uint64_t& next = next_.at(public_key);
    if (rng_() % 12 != 0) {
      const uint64_t nonce = next;
      if (signature_ok) ++next;
      return nonce;
    }
    switch (rng_() % 3) {
      case 0: return next == 0 ? 1 : next - 1;
      case 1: return next + 1 + rng_() % 3;
      default: return rng_();
    }
  }

 private:
  std::mt19937_64& rng_;
  std::map<std::string, uint64_t> next_;
};

// Makes `sender` tx's sender with a nonce from `nonces`, and appends its signature
// verdict to b.
void SetSender(size_t sender, bool signature_ok, RandomNonces& nonces, RandomBlock& b,
               Transaction& tx) {
  tx.public_key = SenderKey(sender);
  tx.nonce = nonces.Next(tx.public_key, signature_ok);
  b.signature_ok.push_back(signature_ok);
}

// The nonce that the next transaction of `public_key` appended to `b` must take when all
// of b's transactions so far pass their nonce check: one per earlier transaction of the
// key with a good signature (the committed state holds no nonce of it).
uint64_t NextNonceIn(const RandomBlock& b, const std::string& public_key) {
  uint64_t n = 0;
  for (size_t i = 0; i < b.txs.size(); ++i) n += b.txs[i].public_key == public_key && b.signature_ok[i];
  return n;
}

// What `writes` sets `key` to: "<absent>" when it does not write the key, "<deleted>"
// for a delete.
std::string WrittenValue(const WriteSet& writes, std::string_view key) {
  for (const auto& [k, v] : writes) {
    if (k == key) return v ? *v : "<deleted>";
  }
  return "<absent>";
}

// What `out` sets sender i's next-nonce record to (WrittenValue).
std::string NonceWritten(const BlockOutput& out, size_t sender) {
  return WrittenValue(out.writes, NonceStateKey(SenderAddress(SenderKey(sender))));
}

// The sizes of random stress blocks: 1 to one of max_txs transactions, from one of
// `senders` numbers of senders.
struct BlockShape {
  std::vector<size_t> max_txs{8, 64, 200};
  std::vector<size_t> senders{1, 2, 4, 16};
};

RandomBlock MakeBlock(std::mt19937_64& rng, const PreparedContract& stress,
                      const std::vector<Hash32>& addresses, const BlockShape& shape) {
  RandomBlock b;
  auto pick = [&rng](size_t n) { return static_cast<size_t>(rng() % n); };
  const size_t slots = std::vector<size_t>{1, 2, 4, 16, 256}[pick(5)];
  const size_t n = 1 + pick(shape.max_txs[pick(shape.max_txs.size())]);
  const size_t senders = shape.senders[pick(shape.senders.size())];
  RandomNonces nonces(rng, senders, b);
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
    SetSender(pick(senders), pick(50) != 0, nonces, b, tx);
    b.txs.push_back(std::move(tx));
    b.contracts.push_back(which < addresses.size() ? &stress : nullptr);
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

// An unsigned call (the executors take signature verdicts as given) of sender 0 with its
// next nonce, appended to `b`.
void AddCall(RandomBlock& b, const Hash32& contract, const PreparedContract* code,
             std::string function, std::string input, bool signature_ok = true) {
  Transaction tx;
  tx.public_key = SenderKey(0);
  tx.nonce = NextNonceIn(b, tx.public_key);
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

// What the blocks of a property test gave (sequential executor).
struct ReceiptCounts {
  size_t txs = 0;
  size_t non_ok = 0;     // receipts other than OK
  size_t bad_nonce = 0;  // BAD_NONCE receipts

  // The blocks exercise failures and wrong nonces, not only the happy path: more than
  // one receipt in `failing` fails, some wrong nonces but mostly right ones.
  void CheckMixed(size_t failing) const {
    CHECK(non_ok > txs / failing);
    CHECK(non_ok < txs);
    CHECK(bad_nonce > 0);
    CHECK(bad_nonce < txs / 5);
  }
};

// Runs `blocks` blocks from make_block() through the sequential executor and through
// Block-STM at 1, 2, 4 and 8 threads and the adaptive executor, requiring identical
// receipts and writes; counts the transactions and the failed receipts.
template <typename MakeBlockFn>
ReceiptCounts ExpectParallelEqualsSequential(size_t blocks, MakeBlockFn make_block) {
  auto sequential = NewSequentialExecutor(VmLimits{});
  std::vector<std::unique_ptr<BlockExecutor>> parallel;
  for (size_t t : {1, 2, 4, 8}) parallel.push_back(NewBlockStmExecutor(VmLimits{}, t));
  parallel.push_back(NewAdaptiveExecutor(VmLimits{}, 8));
  ReceiptCounts counts;
  for (size_t blk = 0; blk < blocks; ++blk) {
    RandomBlock b = make_block();
    const BlockInput in = InputOf(b, blk + 1);
    const BlockOutput expected = sequential->Execute(in);
    counts.txs += b.txs.size();
    for (const Receipt& r : expected.receipts) {
      counts.non_ok += r.status != ReceiptStatus::kOk;
      counts.bad_nonce += r.status == ReceiptStatus::kBadNonce;
    }
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
  return counts;
}

// ExpectParallelEqualsSequential on `blocks` random stress blocks of `shape`, over two
// addresses of the stress contract, with the random source named `seed_name`.
void ExpectStressBlocksEqual(const char* seed_name, size_t blocks, const BlockShape& shape) {
  auto rng = chainaccel::testing::MakeRng(seed_name);
  auto stress = PrepareStress();
  std::vector<Hash32> addresses(2);
  addresses[0].fill(0xA1);
  addresses[1].fill(0xB2);
  ExpectParallelEqualsSequential(blocks, [&] { return MakeBlock(rng, *stress, addresses, shape); })
      .CheckMixed(10);
}

TEST_CASE("Block-STM equals sequential on random blocks at 1, 2, 4 and 8 threads (and adaptive)",
          "[executor][property]") {
  ExpectStressBlocksEqual("block-stm property", PropertyBlocks(), BlockShape{});
}

TEST_CASE("Block-STM equals sequential on random blocks of many transactions per sender",
          "[executor][property][nonce]") {
  // 1 to 256 transactions from 1 to 3 senders: dozens a sender, each depending on the
  // sender's previous one through its nonce.
  ExpectStressBlocksEqual("block-stm nonces property", PropertyBlocks() / 8,
                          BlockShape{{256}, {1, 2, 3}});
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
  auto key = [](size_t i) { return SenderKey(i); };
  RandomNonces nonces(rng, accounts, b);
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
    SetSender(pick(accounts), true, nonces, b, tx);
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
  ExpectParallelEqualsSequential(PropertyBlocks() / 2,
                                 [&] { return MakeExampleBlock(rng, *token, *swap, *counter); })
      .CheckMixed(20);
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
  const size_t senders = 1 + rng() % 4;
  RandomNonces nonces(rng, senders, b);
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
    SetSender(rng() % senders, rng() % 30 != 0, nonces, b, tx);
    b.txs.push_back(std::move(tx));
    b.contracts.push_back(code);
    b.proof_errors.push_back(std::move(error));
  }
  return b;
}

TEST_CASE("Block-STM equals sequential on random blocks with proofs and key registrations",
          "[executor][property][proof]") {
  auto rng = chainaccel::testing::MakeRng("block-stm proofs property");
  const ProofWorld world;
  ExpectParallelEqualsSequential(PropertyBlocks() / 4, [&] { return MakeProofBlock(rng, world); })
      .CheckMixed(10);
}

TEST_CASE("Executors: proof verdicts, the registry, and receipt precedence", "[executor][proof]") {
  const ProofWorld w;
  RandomBlock b;
  auto add = [&](Transaction tx, const PreparedContract* code, bool signature_ok,
                 std::string error) {
    tx.public_key = SenderKey(0);
    tx.nonce = NextNonceIn(b, tx.public_key);
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
    // The echo key (written once, by the transaction whose proof held), the key, and the
    // sender's next nonce: 6 (every transaction but the one with a bad signature).
    REQUIRE(out.writes.size() == 3);
    CHECK(NonceWritten(out, 0) == EncodeNextNonce(6));
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
  REQUIRE(out.writes.size() == 2);
  CHECK(WrittenValue(out.writes, StateKey(addr, "count")) == U64(300));
  CHECK(NonceWritten(out, 0) == EncodeNextNonce(300));
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
    CHECK(out.writes.size() == 2);  // the slot and the sender's next nonce (2)
    RandomBlock empty;
    CHECK(ex->Execute(InputOf(empty, 1)).receipts.empty());
  }
}

// Runs `b` on the sequential executor and on Block-STM (4 threads), requires the same
// output of both, and returns it.
BlockOutput RunOnBoth(const RandomBlock& b) {
  const BlockOutput expected = NewSequentialExecutor(VmLimits{})->Execute(InputOf(b, 1));
  const BlockOutput got = NewBlockStmExecutor(VmLimits{}, 4)->Execute(InputOf(b, 1));
  REQUIRE(got == expected);
  return expected;
}

// Appends a call of the stress contract's add(slot 0, delta) by `sender` with `nonce`.
void AddNonceCall(RandomBlock& b, const Hash32& contract, const PreparedContract* code,
                  size_t sender, uint64_t nonce, uint64_t delta, bool signature_ok = true,
                  std::string proof_error = "") {
  Transaction tx;
  tx.public_key = SenderKey(sender);
  tx.nonce = nonce;
  tx.contract = contract;
  tx.function = "add";
  tx.input = U32(0) + U64(delta);
  tx.gas_limit = 100000;
  b.txs.push_back(std::move(tx));
  b.contracts.push_back(code);
  b.signature_ok.push_back(signature_ok);
  b.proof_errors.push_back(std::move(proof_error));
}

TEST_CASE("Executors: a sender's nonces in one block: in turn they run: a repeat or a gap is "
          "BAD_NONCE and changes nothing",
          "[executor][nonce]") {
  auto stress = PrepareStress();
  Hash32 at;
  at.fill(0xA1);
  RandomBlock b;
  b.state.data[NonceStateKey(SenderAddress(SenderKey(0)))] = EncodeNextNonce(5);
  AddNonceCall(b, at, stress.get(), 0, 5, 10);          // OK, next 6
  AddNonceCall(b, at, stress.get(), 0, 7, 20);          // ahead of its turn
  AddNonceCall(b, at, stress.get(), 0, 6, 30);          // OK, next 7: out of order
  AddNonceCall(b, at, stress.get(), 0, 6, 40);          // a repeat
  AddNonceCall(b, at, stress.get(), 0, 7, 2000);        // REVERTED past the cap, next 8
  AddNonceCall(b, at, stress.get(), 0, 8, 1, false);    // BAD_SIGNATURE: next stays 8
  AddNonceCall(b, at, nullptr, 0, 8, 1);                // UNKNOWN_CONTRACT, next 9
  AddNonceCall(b, at, stress.get(), 0, 9, 1, true, "proof does not verify");  // next 10
  AddNonceCall(b, at, stress.get(), 0, 12, 1);          // a gap
  AddNonceCall(b, at, stress.get(), 0, 10, 1);          // OK, next 11
  const BlockOutput out = RunOnBoth(b);
  using S = ReceiptStatus;
  const std::vector<S> expected = {S::kOk,       S::kBadNonce,      S::kOk,
                                   S::kBadNonce, S::kReverted,      S::kBadSignature,
                                   S::kUnknownContract, S::kBadProof, S::kBadNonce,
                                   S::kOk};
  REQUIRE(out.receipts.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("tx " << i);
    CHECK(out.receipts[i].status == expected[i]);
  }
  for (size_t i : {1, 3, 8}) {
    CHECK(out.receipts[i].gas_used == 0);
    CHECK(out.receipts[i].return_data.empty());
    CHECK(out.receipts[i].events.empty());
  }
  CHECK(out.receipts[1].message == "expected nonce 6, got 7");
  CHECK(out.receipts[3].message == "expected nonce 7, got 6");
  CHECK(out.receipts[8].message == "expected nonce 10, got 12");
  CHECK(WrittenValue(out.writes, SlotKey(at, 0)) == U64(10 + 30 + 1));
  CHECK(NonceWritten(out, 0) == EncodeNextNonce(11));
  // The transactions refused for their signature or nonce changed nothing: without
  // them the block writes the same.
  RandomBlock without;
  without.state.data = b.state.data;
  for (size_t i = 0; i < b.txs.size(); ++i) {
    if (i == 1 || i == 3 || i == 5 || i == 8) continue;
    without.txs.push_back(b.txs[i]);
    without.contracts.push_back(b.contracts[i]);
    without.signature_ok.push_back(b.signature_ok[i]);
    without.proof_errors.push_back(b.proof_errors[i]);
  }
  CHECK(RunOnBoth(without).writes == out.writes);
}

TEST_CASE("Executors: two senders interleaved each keep their own next nonce",
          "[executor][nonce]") {
  std::shared_ptr<const PreparedContract> counter;
  REQUIRE(PrepareContract(testing::ExampleContract("counter"), VmLimits{}, &counter).ok());
  Hash32 at;
  at.fill(0x73);
  RandomBlock b;
  b.state.data[NonceStateKey(SenderAddress(SenderKey(1)))] = EncodeNextNonce(3);
  // (sender, nonce): sender 0 starts at 0 (no record), sender 1 at 3.
  const std::vector<std::pair<size_t, uint64_t>> calls = {
      {0, 0}, {1, 3}, {0, 1}, {1, 4}, {1, 4}, {0, 2}, {1, 5}, {0, 0}};
  for (const auto& [sender, nonce] : calls) {
    Transaction tx;
    tx.public_key = SenderKey(sender);
    tx.nonce = nonce;
    tx.contract = at;
    tx.function = "increment";
    tx.gas_limit = 100000;
    b.txs.push_back(std::move(tx));
    b.contracts.push_back(counter.get());
    b.signature_ok.push_back(1);
  }
  const BlockOutput out = RunOnBoth(b);
  const std::vector<uint64_t> counts = {1, 2, 3, 4, 0, 5, 6, 0};  // 0: BAD_NONCE
  for (size_t i = 0; i < counts.size(); ++i) {
    INFO("tx " << i);
    if (counts[i] == 0) {
      CHECK(out.receipts[i].status == ReceiptStatus::kBadNonce);
    } else {
      CHECK(out.receipts[i].status == ReceiptStatus::kOk);
      CHECK(ParseU64(out.receipts[i].return_data) == counts[i]);
    }
  }
  CHECK(out.receipts[4].message == "expected nonce 5, got 4");
  CHECK(out.receipts[7].message == "expected nonce 3, got 0");
  CHECK(NonceWritten(out, 0) == EncodeNextNonce(3));
  CHECK(NonceWritten(out, 1) == EncodeNextNonce(6));
}

TEST_CASE("Executors: the last nonce and a malformed nonce record are BAD_NONCE",
          "[executor][nonce]") {
  auto stress = PrepareStress();
  Hash32 at;
  at.fill(0xA1);
  constexpr uint64_t kLast = std::numeric_limits<uint64_t>::max();
  RandomBlock b;
  b.state.data[NonceStateKey(SenderAddress(SenderKey(0)))] = EncodeNextNonce(kLast - 1);
  b.state.data[NonceStateKey(SenderAddress(SenderKey(1)))] = "abc";
  AddNonceCall(b, at, stress.get(), 0, kLast - 1, 1);  // OK: the next nonce is then 2^64 - 1
  AddNonceCall(b, at, stress.get(), 0, kLast, 1);      // whose successor would wrap
  AddNonceCall(b, at, stress.get(), 1, 0, 1);
  const BlockOutput out = RunOnBoth(b);
  CHECK(out.receipts[0].status == ReceiptStatus::kOk);
  CHECK(out.receipts[1].status == ReceiptStatus::kBadNonce);
  CHECK(out.receipts[1].message == "nonce 18446744073709551615 is the last one and cannot be used");
  CHECK(out.receipts[2].status == ReceiptStatus::kBadNonce);
  CHECK(out.receipts[2].message == "the sender's nonce record is 3 bytes, not 8");
  CHECK(NonceWritten(out, 0) == EncodeNextNonce(kLast));
  CHECK(NonceWritten(out, 1) == "<absent>");
}

}  // namespace
}  // namespace chainaccel::exec
