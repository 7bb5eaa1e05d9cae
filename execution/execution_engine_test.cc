#include "execution/execution_engine.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <thread>
#include <tuple>

#include <rocksdb/db.h>

#include "engines/cpu/cpu_engine.h"
#include "tests/support/random.h"
#include "tests/support/vectors.h"
#include "execution/testing/temp_dir.h"
#include "execution/tx/state_proof.h"
#include "execution/testing/transactions.h"
#include "execution/testing/wat.h"
#include "execution/tx/contract_code.h"

namespace chainaccel::exec {
namespace {

using testing::Account;
using testing::AddressBytes;
using testing::ParseU64;
using testing::SignedCall;
using testing::U64;

std::unique_ptr<ExecutionEngine> OpenEngine(const std::string& path, Engine& cpu,
                                            ExecutorKind kind = ExecutorKind::kBlockStm) {
  ExecutionOptions options;
  options.db_path = path;
  options.executor = kind;
  options.threads = 4;
  std::unique_ptr<ExecutionEngine> e;
  Status s = ExecutionEngine::Open(options, &cpu, &e);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return e;
}

ByteView Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// An engine (Block-STM, 4 threads) on a fresh database with the counter contract
// deployed, and a random source named `seed_name`.
struct CounterEngine {
  explicit CounterEngine(const char* seed_name)
      : rng(chainaccel::testing::MakeRng(seed_name)),
        cpu(CpuEngine::Options{2}),
        engine(OpenEngine(dir.path(), cpu)) {
    REQUIRE(engine->Deploy(testing::ExampleContract("counter"), {}, &counter, &code_hash).ok());
  }
  std::mt19937_64 rng;
  CpuEngine cpu;
  testing::TempDir dir;
  std::unique_ptr<ExecutionEngine> engine;
  Hash32 counter{};
  Hash32 code_hash{};  // the first block takes the deployment in
};

TEST_CASE("ExecutionEngine: deploy, signed blocks, receipts, heights, restart", "[engine]") {
  auto rng = chainaccel::testing::MakeRng("execution engine");
  CpuEngine cpu(CpuEngine::Options{2});
  testing::TempDir dir;
  Account alice = testing::MakeAccount(rng), bob = testing::MakeAccount(rng);
  Hash32 token, code_hash;
  Hash32 root2;
  {
    auto engine = OpenEngine(dir.path(), cpu);
    const auto wasm = testing::ExampleContract("token");
    REQUIRE(engine->Deploy(wasm, {}, &token, &code_hash).ok());
    CHECK(engine->Deploy(wasm, {}, &token, &code_hash).code() ==
          Status::Code::kFailedPrecondition);
    // Staged for block 1: the committed state (height 0) has no contract there.
    Receipt before;
    REQUIRE(engine->Call(token, "balance", Bytes(AddressBytes(alice.address)), 1'000'000,
                         alice.address, &before)
                .ok());
    CHECK(before.status == ReceiptStatus::kUnknownContract);
    CHECK(before.message == "no contract at that address at height 0 (it is deployed for block 1)");

    std::vector<Transaction> block1 = {
        SignedCall(alice, token, "mint", U64(1000), 1'000'000, 0),
        SignedCall(alice, token, "transfer", AddressBytes(bob.address) + U64(250), 1'000'000, 1),
        SignedCall(bob, token, "transfer", AddressBytes(alice.address) + U64(251), 1'000'000, 0),
    };
    Transaction forged = SignedCall(bob, token, "mint", U64(5), 1'000'000, 1);
    forged.input = U64(5000);  // signature no longer matches
    block1.push_back(forged);
    BlockResult r1;
    REQUIRE(engine->ExecuteBlock(1, 100, std::nullopt, block1, &r1).ok());
    REQUIRE(r1.receipts.size() == 4);
    CHECK(r1.receipts[0].status == ReceiptStatus::kOk);
    CHECK(r1.receipts[1].status == ReceiptStatus::kOk);
    CHECK(r1.receipts[1].events.size() == 1);
    CHECK(r1.receipts[2].status == ReceiptStatus::kReverted);
    CHECK(r1.receipts[2].message == "insufficient balance");
    CHECK(r1.receipts[3].status == ReceiptStatus::kBadSignature);
    CHECK(engine->height() == 1);

    // Replayed and skipped heights, wrong parent root.
    BlockResult r;
    CHECK(engine->ExecuteBlock(1, 100, std::nullopt, {}, &r).code() ==
          Status::Code::kFailedPrecondition);
    CHECK(engine->ExecuteBlock(3, 100, std::nullopt, {}, &r).code() ==
          Status::Code::kFailedPrecondition);
    Hash32 wrong{};
    CHECK(engine->ExecuteBlock(2, 100, wrong, {}, &r).code() ==
          Status::Code::kFailedPrecondition);

    // Bob's next nonce is 1: his reverted transfer took 0, the forged one took nothing.
    BlockResult r2;
    REQUIRE(engine->ExecuteBlock(2, 101, r1.state_root,
                                 {SignedCall(bob, token, "transfer",
                                             AddressBytes(alice.address) + U64(50), 1'000'000, 1)},
                                 &r2)
                .ok());
    CHECK(r2.receipts[0].status == ReceiptStatus::kOk);
    root2 = r2.state_root;

    // Read-only call and state at heights.
    Receipt balance;
    REQUIRE(engine->Call(token, "balance", Bytes(AddressBytes(bob.address)), 1'000'000,
                         alice.address, &balance)
                .ok());
    CHECK(ParseU64(balance.return_data) == 200);
    std::optional<std::string> v;
    uint64_t at = 0;
    const std::string bob_key = StateKey(token, "b" + AddressBytes(bob.address));
    REQUIRE(engine->GetState(bob_key, 1, &v, &at).ok());
    CHECK(ParseU64(*v) == 250);
    REQUIRE(engine->GetState(bob_key, std::nullopt, &v, &at).ok());
    CHECK(at == 2);
    CHECK(ParseU64(*v) == 200);
    // The code hash is state from block 1 on, proven against each height's root.
    const std::string code_key = ContractCodeKey(token);
    for (uint64_t h : {uint64_t{0}, uint64_t{1}, uint64_t{2}}) {
      StateProof proof;
      Hash32 root;
      REQUIRE(engine->ProveState(code_key, h, &v, &at, &proof, &root).ok());
      CHECK(v.has_value() == (h > 0));
      if (v) CHECK(*v == std::string(code_hash.begin(), code_hash.end()));
      CHECK(VerifyStateProof(root, code_key, v, proof).ok());
    }
  }
  // Restart: same height, root and contracts.
  auto engine = OpenEngine(dir.path(), cpu, ExecutorKind::kSequential);
  CHECK(engine->height() == 2);
  CHECK(engine->state_root() == root2);
  Receipt balance;
  REQUIRE(engine->Call(token, "balance", Bytes(AddressBytes(alice.address)), 1'000'000,
                       alice.address, &balance)
              .ok());
  CHECK(ParseU64(balance.return_data) == 800);
}

TEST_CASE("ExecutionEngine: a deployment staged before a restart enters the next block",
          "[engine]") {
  auto rng = chainaccel::testing::MakeRng("execution engine staged deployment");
  CpuEngine cpu(CpuEngine::Options{2});
  testing::TempDir dir;
  const Account user = testing::MakeAccount(rng);
  Hash32 counter, code, root1;
  {
    auto engine = OpenEngine(dir.path(), cpu);
    BlockResult r1;
    REQUIRE(engine->ExecuteBlock(1, 1, std::nullopt, {}, &r1).ok());
    root1 = r1.state_root;
    REQUIRE(engine->Deploy(testing::ExampleContract("counter"), {}, &counter, &code).ok());
    CHECK(engine->state_root() == root1);
  }
  auto engine = OpenEngine(dir.path(), cpu, ExecutorKind::kSequential);
  Hash32 again;
  CHECK(engine->Deploy(testing::ExampleContract("counter"), {}, &counter, &again).code() ==
        Status::Code::kFailedPrecondition);
  BlockResult r2;
  REQUIRE(engine->ExecuteBlock(2, 2, root1,
                               {SignedCall(user, counter, "increment", "", 100000, 0)}, &r2)
              .ok());
  REQUIRE(r2.receipts.size() == 1);
  CHECK(r2.receipts[0].status == ReceiptStatus::kOk);
  // Block 2's root covers the code hash, the counter and the user's next nonce: the tree
  // of the three from nothing.
  Hash32 scratch;
  REQUIRE(ExecutionEngine::ComputeStateRoot(
              cpu,
              {{ContractCodeKey(counter), std::string(code.begin(), code.end())},
               {StateKey(counter, "count"), U64(1)},
               {NonceStateKey(user.address), EncodeNextNonce(1)}},
              nullptr, &scratch)
              .ok());
  CHECK(r2.state_root == scratch);
  std::optional<std::string> v;
  uint64_t at = 0;
  REQUIRE(engine->GetState(ContractCodeKey(counter), 1, &v, &at).ok());
  CHECK_FALSE(v.has_value());
  REQUIRE(engine->GetState(ContractCodeKey(counter), 2, &v, &at).ok());
  CHECK(v == std::string(code.begin(), code.end()));
}

TEST_CASE("State root is the sparse Merkle tree of docs/execution.md", "[engine]") {
  CpuEngine cpu(CpuEngine::Options{1});
  std::map<std::string, std::string, std::less<>> state = {{"a", "1"}, {"bb", "22"}};
  WriteSet overlay = {{"a", std::nullopt}, {"c", "3"}};
  Hash32 root;
  REQUIRE(ExecutionEngine::ComputeStateRoot(cpu, state, &overlay, &root).ok());
  // After the overlay: "bb" -> "22", "c" -> "3". Two leaves: they sit under the internal
  // node where their paths part, at depth d, whose ancestors have an empty other child.
  const Hash32 p1 = StateKeyPath("bb"), p2 = StateKeyPath("c");
  unsigned d = 0;
  while (PathBit(p1, d) == PathBit(p2, d)) ++d;
  const Hash32 l1 = StateLeafHash(p1, StateValueHash("22"));
  const Hash32 l2 = StateLeafHash(p2, StateValueHash("3"));
  Hash32 expected = PathBit(p1, d) ? StateInternalHash(l2, l1) : StateInternalHash(l1, l2);
  for (unsigned k = d; k-- > 0;) {
    expected = PathBit(p1, k) ? StateInternalHash(Hash32{}, expected)
                              : StateInternalHash(expected, Hash32{});
  }
  CHECK(root == expected);
  // The example of docs/execution.md ("State root").
  CHECK(chainaccel::testing::ToHex(root) == "4b2a8defde53a3f763396ff5117c9cdc68be0527ba89251fcadd519607d4977f");
  Hash32 empty;
  REQUIRE(ExecutionEngine::ComputeStateRoot(cpu, {}, nullptr, &empty).ok());
  CHECK(empty == Hash32{});
}

}  // namespace
}  // namespace chainaccel::exec

namespace chainaccel::exec {
namespace {

TEST_CASE("ExecutionEngine refuses a database whose state does not match its root",
          "[engine]") {
  CpuEngine cpu(CpuEngine::Options{1});
  testing::TempDir dir;
  {
    std::unique_ptr<StateStore> store;
    REQUIRE(StateStore::Open(dir.path(), &store).ok());
    REQUIRE(store->Commit(1, WriteSet{{"k", "v"}, {"j", "w"}}).ok());
  }
  // Damage the database behind the store's back: a state value changed (only the full
  // check, which hashes the state, sees it), then the committed root (the O(1) check
  // on every open sees it).
  auto put = [&](const std::string& key, const std::string& value) {
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir.path(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    REQUIRE(db->Put(rocksdb::WriteOptions(), key, value).ok());
  };
  put("sk", "changed");
  ExecutionOptions options;
  options.db_path = dir.path();
  std::unique_ptr<ExecutionEngine> e;
  REQUIRE(ExecutionEngine::Open(options, &cpu, &e).ok());
  // The node cache was warmed at open (the default): the tree of two keys is one node.
  REQUIRE(e->warm_up().has_value());
  CHECK(e->warm_up()->status.ok());
  CHECK(e->warm_up()->report.whole_tree);
  CHECK(e->warm_up()->report.nodes == 1);
  e.reset();
  options.warm_state_cache_on_open = false;
  REQUIRE(ExecutionEngine::Open(options, &cpu, &e).ok());
  CHECK_FALSE(e->warm_up().has_value());
  e.reset();
  options.verify_state_root_on_open = true;
  Status s = ExecutionEngine::Open(options, &cpu, &e);
  CHECK(s.code() == Status::Code::kInternal);
  CHECK_THAT(s.message(), Catch::Contains("does not hash to the committed root"));
  put("sk", "v");
  REQUIRE(ExecutionEngine::Open(options, &cpu, &e).ok());
  // The check ran and says how it read the state: one walk, no spill files needed.
  REQUIRE(e->root_check().has_value());
  CHECK(e->root_check()->walks == 1);
  CHECK_FALSE(e->root_check()->spilled);
  e.reset();
  put("m:root", std::string(32, '\x42'));
  options.verify_state_root_on_open = false;
  s = ExecutionEngine::Open(options, &cpu, &e);
  CHECK(s.code() == Status::Code::kInternal);
  CHECK_THAT(s.message(), Catch::Contains("inconsistent"));
}

}  // namespace
}  // namespace chainaccel::exec

namespace chainaccel::exec {
namespace {

TEST_CASE("ExecutionEngine: calls and state reads run beside blocks and see whole blocks",
          "[engine]") {
  CounterEngine chain("execution engine concurrency");
  ExecutionEngine* engine = chain.engine.get();
  const Hash32& counter = chain.counter;
  std::mt19937_64& rng = chain.rng;
  Account user = testing::MakeAccount(rng);
  constexpr int kBlocks = 30, kPerBlock = 20;
  std::vector<std::vector<Transaction>> blocks(kBlocks + 1);
  uint64_t nonce = 0;
  for (int h = 1; h <= kBlocks; ++h) {
    for (int i = 0; i < kPerBlock; ++i) {
      blocks[h].push_back(SignedCall(user, counter, "increment", "", 100000, nonce++));
    }
  }
  std::atomic<bool> done{false};
  std::atomic<int> checks{0}, mismatches{0};
  auto reader = [&] {
    const std::string key = StateKey(counter, "count");
    while (!done) {
      Receipt r;
      uint64_t height = 0;
      if (!engine->Call(counter, "get", {}, 100000, Hash32{}, &r, &height).ok()) ++mismatches;
      if (ParseU64(r.return_data) != height * kPerBlock) ++mismatches;
      std::optional<std::string> v;
      uint64_t at = 0;
      if (!engine->GetState(key, std::nullopt, &v, &at).ok()) ++mismatches;
      if ((v ? ParseU64(*v) : 0) != at * kPerBlock) ++mismatches;
      ++checks;
    }
  };
  std::thread r1(reader), r2(reader);
  for (int h = 1; h <= kBlocks; ++h) {
    BlockResult r;
    REQUIRE(engine->ExecuteBlock(h, h, std::nullopt, blocks[h], &r).ok());
  }
  done = true;
  r1.join();
  r2.join();
  CHECK(mismatches == 0);
  CHECK(checks > 0);
}

}  // namespace
}  // namespace chainaccel::exec

namespace chainaccel::exec {
namespace {

TEST_CASE("ExecutionEngine: secp256k1-signed transactions verify in their own batch",
          "[engine]") {
  auto rng = chainaccel::testing::MakeRng("execution engine secp256k1");
  CpuEngine cpu(CpuEngine::Options{2});
  testing::TempDir dir;
  auto engine = OpenEngine(dir.path(), cpu);
  Hash32 counter, code;
  REQUIRE(engine->Deploy(testing::ExampleContract("counter"), {}, &counter, &code).ok());
  auto sign = [&](const chainaccel::testing::Secp256k1Key& key, bool compressed, uint64_t nonce) {
    Transaction tx;
    tx.scheme = TxScheme::kSecp256k1;
    const auto& pk = compressed ? key.compressed : key.uncompressed;
    tx.public_key.assign(pk.begin(), pk.end());
    tx.contract = counter;
    tx.function = "increment";
    tx.gas_limit = 100000;
    tx.nonce = nonce;
    const Hash32 digest = TransactionDigest(tx);
    const auto sig = chainaccel::testing::SignEcdsaCompact(key, digest);
    tx.signature.assign(sig.begin(), sig.end());
    return tx;
  };
  const auto k1 = chainaccel::testing::MakeSecp256k1Key(rng);
  const auto k2 = chainaccel::testing::MakeSecp256k1Key(rng);
  Account ed = testing::MakeAccount(rng);
  std::vector<Transaction> block = {
      sign(k1, true, 0),
      sign(k2, false, 0),
      SignedCall(ed, counter, "increment", "", 100000, 0),
  };
  Transaction wrong_key = sign(k1, true, 1);
  wrong_key.public_key.assign(k2.compressed.begin(), k2.compressed.end());
  block.push_back(wrong_key);
  Transaction high_s = sign(k1, true, 2);
  const auto flipped = chainaccel::testing::FlipS(
      ByteView(reinterpret_cast<const uint8_t*>(high_s.signature.data()), 64));
  high_s.signature.assign(flipped.begin(), flipped.end());
  block.push_back(high_s);
  BlockResult r;
  REQUIRE(engine->ExecuteBlock(1, 1, std::nullopt, block, &r).ok());
  REQUIRE(r.receipts.size() == 5);
  CHECK(r.receipts[0].status == ReceiptStatus::kOk);
  CHECK(r.receipts[1].status == ReceiptStatus::kOk);
  CHECK(r.receipts[2].status == ReceiptStatus::kOk);
  CHECK(ParseU64(r.receipts[2].return_data) == 3);
  CHECK(r.receipts[3].status == ReceiptStatus::kBadSignature);
  CHECK(r.receipts[4].status == ReceiptStatus::kBadSignature);  // high S is refused
}

}  // namespace
}  // namespace chainaccel::exec

namespace chainaccel::exec {
namespace {

// Runs `txs` as block `height` of `engine`; returns the result.
BlockResult RunBlock(ExecutionEngine& engine, uint64_t height, std::vector<Transaction> txs) {
  BlockResult r;
  const Status s = engine.ExecuteBlock(height, height, std::nullopt, std::move(txs), &r);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return r;
}

TEST_CASE("ExecutionEngine: a replayed transaction is BAD_NONCE and the root is as if it were "
          "absent",
          "[engine][nonce]") {
  auto rng = chainaccel::testing::MakeRng("execution engine replay");
  CpuEngine cpu(CpuEngine::Options{2});
  testing::TempDir dir;
  // `replayed` gets the replays, `clean` the same blocks without them.
  auto replayed = OpenEngine(dir.Sub("replayed"), cpu);
  auto clean = OpenEngine(dir.Sub("clean"), cpu, ExecutorKind::kSequential);
  Hash32 token, code;
  REQUIRE(replayed->Deploy(testing::ExampleContract("token"), {}, &token, &code).ok());
  REQUIRE(clean->Deploy(testing::ExampleContract("token"), {}, &token, &code).ok());
  Account alice = testing::MakeAccount(rng), bob = testing::MakeAccount(rng);
  const Transaction mint = SignedCall(alice, token, "mint", U64(1000), 1'000'000, 0);
  const Transaction pay = SignedCall(alice, token, "transfer",
                                     AddressBytes(bob.address) + U64(100), 1'000'000, 1);
  CHECK(RunBlock(*replayed, 1, {mint, pay}).state_root == RunBlock(*clean, 1, {mint, pay}).state_root);

  // Block 2: both of block 1's transactions again, around two new ones.
  const Transaction back = SignedCall(bob, token, "transfer",
                                      AddressBytes(alice.address) + U64(10), 1'000'000, 0);
  const Transaction pay2 = SignedCall(alice, token, "transfer",
                                      AddressBytes(bob.address) + U64(5), 1'000'000, 2);
  const BlockResult r2 = RunBlock(*replayed, 2, {pay, back, pay2, mint});
  REQUIRE(r2.receipts.size() == 4);
  CHECK(r2.receipts[0].status == ReceiptStatus::kBadNonce);
  CHECK(r2.receipts[0].message == "expected nonce 2, got 1");
  CHECK(r2.receipts[0].gas_used == 0);
  CHECK(r2.receipts[1].status == ReceiptStatus::kOk);
  CHECK(r2.receipts[2].status == ReceiptStatus::kOk);
  CHECK(r2.receipts[3].status == ReceiptStatus::kBadNonce);
  CHECK(r2.receipts[3].message == "expected nonce 3, got 0");
  CHECK(r2.gas_used == r2.receipts[1].gas_used + r2.receipts[2].gas_used);
  CHECK(r2.state_root == RunBlock(*clean, 2, {back, pay2}).state_root);

  // Block 3: one transaction twice in the same block.
  const Transaction mint3 = SignedCall(alice, token, "mint", U64(7), 1'000'000, 3);
  const BlockResult r3 = RunBlock(*replayed, 3, {mint3, mint3});
  CHECK(r3.receipts[0].status == ReceiptStatus::kOk);
  CHECK(r3.receipts[1].status == ReceiptStatus::kBadNonce);
  CHECK(r3.receipts[1].message == "expected nonce 4, got 3");
  CHECK(r3.state_root == RunBlock(*clean, 3, {mint3}).state_root);
  Receipt balance;
  REQUIRE(replayed->Call(token, "balance", Bytes(AddressBytes(alice.address)), 1'000'000,
                         alice.address, &balance)
              .ok());
  CHECK(ParseU64(balance.return_data) == 1000 - 100 + 10 - 5 + 7);
}

TEST_CASE("ExecutionEngine: next nonces are state: GetState proves them, and the root is the "
          "whole state's tree",
          "[engine][nonce]") {
  CounterEngine chain("execution engine nonce proofs");
  ExecutionEngine* engine = chain.engine.get();
  const Hash32& counter = chain.counter;
  std::mt19937_64& rng = chain.rng;
  Account alice = testing::MakeAccount(rng), bob = testing::MakeAccount(rng),
          carol = testing::MakeAccount(rng);
  const Hash32 root1 =
      RunBlock(*engine, 1,
               {SignedCall(alice, counter, "increment", "", 100000, 0),
                SignedCall(alice, counter, "increment", "", 100000, 1),
                SignedCall(bob, counter, "nope", "", 100000, 0)})  // TRAPPED: takes nonce 0
          .state_root;
  RunBlock(*engine, 2,
           {SignedCall(alice, counter, "increment", "", 100000, 2),
            SignedCall(bob, counter, "increment", "", 100000, 5)});  // BAD_NONCE
  // At each height, each sender's record (carol has none) with its proof.
  const std::vector<std::tuple<uint64_t, const Account*, std::optional<uint64_t>>> cases = {
      {1, &alice, 2}, {1, &bob, 1}, {1, &carol, std::nullopt},
      {2, &alice, 3}, {2, &bob, 1}, {2, &carol, std::nullopt}};
  for (const auto& [height, who, next] : cases) {
    INFO("height " << height << ", next nonce " << (next ? std::to_string(*next) : "none"));
    const std::string key = NonceStateKey(who->address);
    std::optional<std::string> value;
    uint64_t at = 0;
    StateProof proof;
    Hash32 root;
    REQUIRE(engine->ProveState(key, height, &value, &at, &proof, &root).ok());
    CHECK(at == height);
    CHECK(root == (height == 1 ? root1 : engine->state_root()));
    CHECK(value == (next ? std::optional<std::string>(EncodeNextNonce(*next)) : std::nullopt));
    CHECK(VerifyStateProof(root, key, value, proof).ok());
    // The proof does not show another next nonce.
    CHECK_FALSE(VerifyStateProof(root, key, EncodeNextNonce(next.value_or(0) + 1), proof).ok());
  }
  // The whole state, written out from the rule: the counter, two nonce records and the
  // counter's code key (block 1 took its deployment in).
  const std::map<std::string, std::string, std::less<>> state = {
      {StateKey(counter, "count"), U64(3)},
      {NonceStateKey(alice.address), EncodeNextNonce(3)},
      {NonceStateKey(bob.address), EncodeNextNonce(1)},
      {ContractCodeKey(counter), std::string(chain.code_hash.begin(), chain.code_hash.end())}};
  Hash32 root;
  REQUIRE(ExecutionEngine::ComputeStateRoot(chain.cpu, state, nullptr, &root).ok());
  CHECK(root == engine->state_root());
}

}  // namespace
}  // namespace chainaccel::exec
