// ExecutionEngine under storage failures injected through ExecutionOptions::storage_env:
// a block whose commit RocksDB refuses is rejected with INTERNAL naming the storage
// failure, the committed state (height, root, values, calls) stays as it was, and the
// engine goes on serving: the same block commits once the fault is gone, and the
// database reopens at it.
//
// And the block pipeline (docs/execution.md, "Pipelined blocks") on a slowed disk
// (FaultyFileSystem::DelayWalSyncs), so that each block is begun before the one below it
// is durable: a block executed on the uncommitted block below it answers what the same
// blocks give one at a time (receipts, roots, the state after a restart); one begun on
// top of a block whose commit fails fails too, and both commit later.
#include "execution/execution_engine.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include <rocksdb/db.h>

#include "engines/cpu/cpu_engine.h"
#include "tests/support/random.h"
#include "execution/testing/faulty_file_system.h"
#include "execution/testing/temp_dir.h"
#include "execution/testing/transactions.h"
#include "execution/testing/wat.h"

// ThreadSanitizer: RocksDB (Debian's librocksdb) is not instrumented, so the atomics with
// which its gets and its background jobs share versions and table readers are invisible
// to it, and it reports races inside RocksDB between a reader's get and a flush or
// compaction (which the reopenings below start). Races with a frame inside librocksdb
// are ignored; a race on our own data (the store's mirror, the database pointer that
// Recover swaps) is between frames of ours and stays reported. Read by the TSan runtime
// only (this binary, every exec test); harmless in other builds.
extern "C" const char* __tsan_default_suppressions() {
  return "race:librocksdb.so\n";
}

namespace chainaccel::exec {
namespace {

using testing::Account;
using testing::AddressBytes;
using testing::FaultyStorage;
using testing::ParseU64;
using testing::SignedCall;
using testing::U64;

std::unique_ptr<ExecutionEngine> OpenEngine(const std::string& path, Engine& cpu,
                                            rocksdb::Env* env, ExecutorKind kind,
                                            size_t cache_bytes = StateStore::kDefaultCacheBytes) {
  ExecutionOptions options;
  options.db_path = path;
  options.executor = kind;
  options.threads = 2;
  options.storage_env = env;
  options.state_cache_bytes = cache_bytes;
  std::unique_ptr<ExecutionEngine> e;
  Status s = ExecutionEngine::Open(options, &cpu, &e);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return e;
}

ByteView Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// One way to break a commit.
struct Fault {
  const char* name;
  void (*inject)(testing::FaultyFileSystem&);
  const char* message;  // what the error names
};

const Fault kFaults[] = {
    {"WAL append", [](testing::FaultyFileSystem& fs) { fs.FailWalAppendsAfter(0); },
     "injected WAL append failure"},
    {"torn WAL append", [](testing::FaultyFileSystem& fs) { fs.FailWalAppendsAfter(0, true); },
     "injected WAL append failure"},
    {"WAL sync", [](testing::FaultyFileSystem& fs) { fs.FailWalSyncs(); },
     "injected WAL sync failure"},
};

TEST_CASE("ExecutionEngine: a block whose commit fails is rejected and changes nothing",
          "[engine][fault]") {
  const ExecutorKind kind = GENERATE(ExecutorKind::kSequential, ExecutorKind::kBlockStm);
  auto rng = chainaccel::testing::MakeRng("execution engine storage faults");
  CpuEngine cpu(CpuEngine::Options{2});
  for (const Fault& fault : kFaults) {
    INFO(fault.name);
    testing::TempDir dir;
    FaultyStorage storage;
    Account alice = testing::MakeAccount(rng), bob = testing::MakeAccount(rng);
    Hash32 token, code_hash, root1, root2;
    const std::string bob_key = StateKey(token, "b" + AddressBytes(bob.address));
    auto balance = [&](ExecutionEngine& e, const Account& who) {
      Receipt r;
      REQUIRE(e.Call(token, "balance", Bytes(AddressBytes(who.address)), 1'000'000,
                     alice.address, &r)
                  .ok());
      return ParseU64(r.return_data);
    };
    {
      auto engine = OpenEngine(dir.path(), cpu, storage.env.get(), kind);
      REQUIRE(engine->Deploy(testing::ExampleContract("token"), {}, &token, &code_hash).ok());
      BlockResult r1;
      REQUIRE(engine->ExecuteBlock(1, 100, std::nullopt,
                                   {SignedCall(alice, token, "mint", U64(1000), 1'000'000, 0)},
                                   &r1)
                  .ok());
      root1 = r1.state_root;
      const std::vector<Transaction> block2 = {
          SignedCall(alice, token, "transfer", AddressBytes(bob.address) + U64(300), 1'000'000, 1),
          SignedCall(alice, token, "mint", U64(5), 1'000'000, 2),
      };

      fault.inject(*storage.fs);
      BlockResult failed;
      Status s = engine->ExecuteBlock(2, 101, root1, block2, &failed);
      INFO(s.ToString());
      CHECK(s.code() == Status::Code::kInternal);
      CHECK_THAT(s.message(), Catch::Contains("state database write failed: the commit of block 2"));
      CHECK_THAT(s.message(), Catch::Contains(fault.message));
      // Nothing changed: height, root, calls, state reads.
      CHECK(engine->height() == 1);
      CHECK(engine->state_root() == root1);
      CHECK(balance(*engine, alice) == 1000);
      CHECK(balance(*engine, bob) == 0);
      std::optional<std::string> v;
      uint64_t at = 0;
      REQUIRE(engine->GetState(StateKey(token, "b" + AddressBytes(alice.address)), std::nullopt,
                               &v, &at)
                  .ok());
      CHECK(at == 1);
      CHECK(ParseU64(*v) == 1000);
      // While the fault lasts every block is refused.
      BlockResult r;
      s = engine->ExecuteBlock(2, 101, root1, block2, &r);
      CHECK(s.code() == Status::Code::kInternal);
      CHECK_THAT(s.message(), Catch::Contains("state database write failed"));
      CHECK(engine->height() == 1);

      // The fault gone: height 3 is still a skipped height (block 2 was not committed),
      // and the same block 2 commits, with the result it would have had.
      storage.fs->Clear();
      CHECK(engine->ExecuteBlock(3, 102, std::nullopt, {}, &r).code() ==
            Status::Code::kFailedPrecondition);
      BlockResult r2;
      s = engine->ExecuteBlock(2, 101, root1, block2, &r2);
      INFO(s.ToString());
      REQUIRE(s.ok());
      REQUIRE(r2.receipts.size() == 2);
      CHECK(r2.receipts[0].status == ReceiptStatus::kOk);
      CHECK(engine->height() == 2);
      root2 = r2.state_root;
      CHECK(balance(*engine, alice) == 705);
      CHECK(balance(*engine, bob) == 300);
      BlockResult r3;
      REQUIRE(engine->ExecuteBlock(3, 102, root2, {}, &r3).ok());
    }
    // Reopened (its state must hash to the committed root, or Open refuses it).
    auto engine = OpenEngine(dir.path(), cpu, nullptr, kind);
    CHECK(engine->height() == 3);
    CHECK(engine->state_root() == root2);
    CHECK(balance(*engine, alice) == 705);
  }
}

TEST_CASE("ExecutionEngine: a deployment whose write fails is refused and deploys later",
          "[engine][fault]") {
  CpuEngine cpu(CpuEngine::Options{1});
  testing::TempDir dir;
  FaultyStorage storage;
  auto engine = OpenEngine(dir.path(), cpu, storage.env.get(), ExecutorKind::kSequential);
  Hash32 counter, code;
  storage.fs->FailWalAppendsAfter(0);
  Status s = engine->Deploy(testing::ExampleContract("counter"), {}, &counter, &code);
  INFO(s.ToString());
  CHECK(s.code() == Status::Code::kInternal);
  CHECK_THAT(s.message(), Catch::Contains("storing a contract"));
  Receipt r;
  REQUIRE(engine->Call(counter, "increment", {}, 100000, counter, &r).ok());
  CHECK(r.status == ReceiptStatus::kUnknownContract);
  storage.fs->Clear();
  REQUIRE(engine->Deploy(testing::ExampleContract("counter"), {}, &counter, &code).ok());
  // Callable once the next block has taken the deployment in.
  BlockResult b;
  REQUIRE(engine->ExecuteBlock(1, 1, std::nullopt, {}, &b).ok());
  REQUIRE(engine->Call(counter, "increment", {}, 100000, counter, &r).ok());
  CHECK(r.status == ReceiptStatus::kOk);
}

TEST_CASE("ExecutionEngine: calls and state reads beside failing and recovering commits see "
          "whole committed blocks",
          "[engine][fault]") {
  auto rng = chainaccel::testing::MakeRng("execution engine storage faults, readers");
  CpuEngine cpu(CpuEngine::Options{2});
  testing::TempDir dir;
  FaultyStorage storage;
  auto engine = OpenEngine(dir.path(), cpu, storage.env.get(), ExecutorKind::kBlockStm);
  Hash32 counter, code;
  REQUIRE(engine->Deploy(testing::ExampleContract("counter"), {}, &counter, &code).ok());
  const Account user = testing::MakeAccount(rng);
  const std::string key = StateKey(counter, "count");
  // Block h increments the counter once: at height h it reads h, one block back h - 1.
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, wrong{0};
  auto reader = [&] {
    while (!done) {
      Receipt r;
      uint64_t height = 0;
      if (!engine->Call(counter, "get", {}, 100000, user.address, &r, &height).ok() ||
          ParseU64(r.return_data) != height) {
        ++wrong;
      }
      std::optional<std::string> v;
      uint64_t at = 0;
      if (height >= 2) {
        Status s = engine->GetState(key, height - 1, &v, &at);
        if (!s.ok() || !v || ParseU64(*v) != height - 1) ++wrong;
      }
      ++reads;
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) readers.emplace_back(reader);
  constexpr int kRounds = 40;
  uint64_t height = 0, refused = 0;
  for (int round = 0; round < kRounds; ++round) {
    const int fault = round % 5;  // 0: none; 1: append; 2: torn append; 3: sync; 4: no reopen
    if (fault == 1) storage.fs->FailWalAppendsAfter(0);
    if (fault == 2) storage.fs->FailWalAppendsAfter(0, true);
    if (fault == 3) storage.fs->FailWalSyncs();
    if (fault == 4) {
      storage.fs->FailWalAppendsAfter(0, true);
      storage.fs->FailNewFiles();
    }
    BlockResult r;
    Status s = engine->ExecuteBlock(
        height + 1, round, std::nullopt,
        // One transaction a committed block: the user's next nonce is the height.
        {SignedCall(user, counter, "increment", "", 100000, height)}, &r);
    if (fault == 0) {
      INFO(s.ToString());
      REQUIRE(s.ok());
      ++height;
    } else {
      CHECK(s.code() == Status::Code::kInternal);
      ++refused;
    }
    CHECK(engine->height() == height);
    storage.fs->Clear();
  }
  done = true;
  for (auto& t : readers) t.join();
  CHECK(refused == kRounds / 5 * 4);
  CHECK(height == kRounds / 5);
  CHECK(wrong == 0);
  CHECK(reads > 0);
  // Reopened: the database agrees (Open checks the state against the root).
  engine.reset();
  engine = OpenEngine(dir.path(), cpu, nullptr, ExecutorKind::kSequential);
  CHECK(engine->height() == kRounds / 5);
}

TEST_CASE("ExecutionEngine: a state read the disk refuses fails the call or the block, which "
          "change nothing",
          "[engine][fault]") {
  auto rng = chainaccel::testing::MakeRng("execution engine read faults");
  CpuEngine cpu(CpuEngine::Options{1});
  testing::TempDir dir;
  FaultyStorage storage;
  const Account user = testing::MakeAccount(rng);
  Hash32 counter, code;
  {
    // ~2 MB of other state on each side of the counter's keys (its address and the code
    // keys sort between), so that their table block is none of those opening reads.
    std::unique_ptr<StateStore> store;
    REQUIRE(StateStore::Open(dir.path(), &store).ok());
    WriteMap filler;
    for (uint64_t i = 0; i < 1000; ++i) {
      filler[std::string(1, '\x00') + U64(i)] = std::string(1024, 'a');
      filler[std::string(32, '\xff') + U64(i)] = std::string(1024, 'z');
    }
    REQUIRE(store->Commit(1, ToWriteSet(std::move(filler))).ok());
  }
  {
    auto engine = OpenEngine(dir.path(), cpu, storage.env.get(), ExecutorKind::kSequential);
    REQUIRE(engine->Deploy(testing::ExampleContract("counter"), {}, &counter, &code).ok());
    BlockResult r;
    REQUIRE(engine->ExecuteBlock(2, 2, std::nullopt,
                                 {SignedCall(user, counter, "increment", "", 100000, 0)}, &r)
                .ok());
  }
  {
    // One sorted run of tables, block 2's writes among the filler.
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir.path(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    REQUIRE(db->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr).ok());
  }
  // No cache: every read goes to the tables.
  auto engine = OpenEngine(dir.path(), cpu, storage.env.get(), ExecutorKind::kSequential, 0);
  const Hash32 root = engine->state_root();

  storage.fs->FailTableReads();
  Receipt receipt;
  Status s = engine->Call(counter, "get", {}, 100000, user.address, &receipt);
  CHECK(s.code() == Status::Code::kInternal);
  CHECK_THAT(s.message(), Catch::Contains("state database read failed during the call"));
  CHECK_THAT(s.message(), Catch::Contains("injected table read failure"));
  BlockResult r;
  s = engine->ExecuteBlock(3, 3, root, {SignedCall(user, counter, "increment", "", 100000, 1)}, &r);
  CHECK(s.code() == Status::Code::kInternal);
  CHECK_THAT(s.message(), Catch::Contains("state database read failed during block 3"));
  CHECK(engine->height() == 2);
  CHECK(engine->state_root() == root);

  storage.fs->Clear();
  REQUIRE(engine->Call(counter, "get", {}, 100000, user.address, &receipt).ok());
  CHECK(ParseU64(receipt.return_data) == 1);
  REQUIRE(engine->ExecuteBlock(3, 3, root, {SignedCall(user, counter, "increment", "", 100000, 1)}, &r)
              .ok());
  CHECK(ParseU64(r.receipts[0].return_data) == 2);
}

// Blocks of token transfers among a few accounts, with replayed and skipped nonces, new
// receivers, a second contract deployed half-way and called after.
struct Workload {
  static constexpr uint64_t kBlocks = 10;
  static constexpr uint64_t kDeployBefore = 6;  // the second contract enters block 6

  explicit Workload(std::mt19937_64& rng) {
    for (int i = 0; i < 5; ++i) accounts.push_back(testing::MakeAccount(rng));
  }

  // Block `height`'s transactions (height >= 2: block 1 mints).
  std::vector<Transaction> Block(uint64_t height, std::mt19937_64& rng, const Hash32& token,
                                 const Hash32& counter) {
    std::vector<Transaction> txs;
    const int n = 3 + static_cast<int>(rng() % 6);
    for (int k = 0; k < n; ++k) {
      const size_t from = rng() % accounts.size();
      uint64_t nonce = nonces[from];
      const unsigned kind = rng() % 10;
      if (kind == 0 && nonce > 0) --nonce;  // a replay: BAD_NONCE, changes nothing
      if (kind == 1) ++nonce;               // a gap: BAD_NONCE
      Hash32 to;
      if (rng() % 4 == 0) {
        to = testing::MakeAccount(rng).address;  // a new account
      } else {
        to = accounts[rng() % accounts.size()].address;
      }
      if (height >= kDeployBefore && rng() % 3 == 0) {
        txs.push_back(SignedCall(accounts[from], counter, "increment", {}, 1'000'000, nonce));
      } else {
        txs.push_back(SignedCall(accounts[from], token, "transfer",
                                 AddressBytes(to) + U64(1 + rng() % 50), 1'000'000, nonce));
      }
      if (nonce == nonces[from]) ++nonces[from];
    }
    return txs;
  }

  std::vector<Transaction> Mints(const Hash32& token) {
    std::vector<Transaction> txs;
    for (size_t i = 0; i < accounts.size(); ++i) {
      txs.push_back(SignedCall(accounts[i], token, "mint", U64(10'000), 1'000'000, 0));
      nonces[i] = 1;
    }
    return txs;
  }

  std::vector<Account> accounts;
  std::map<size_t, uint64_t> nonces;
};

TEST_CASE("ExecutionEngine: pipelined blocks commit what blocks one at a time commit",
          "[engine][pipeline]") {
  const ExecutorKind kind = GENERATE(ExecutorKind::kSequential, ExecutorKind::kBlockStm);
  auto rng = chainaccel::testing::MakeRng("execution engine pipeline");
  CpuEngine cpu(CpuEngine::Options{2});
  Workload work(rng);
  testing::TempDir one_dir, piped_dir;
  FaultyStorage storage;
  const std::vector<uint8_t> counter_wasm = testing::ExampleContract("counter");
  std::vector<BlockResult> one_results, piped_results;
  Hash32 token{}, counter{}, code_hash{};
  {
    auto one = OpenEngine(one_dir.path(), cpu, nullptr, kind);
    auto piped = OpenEngine(piped_dir.path(), cpu, storage.env.get(), kind);
    REQUIRE(one->Deploy(testing::ExampleContract("token"), {}, &token, &code_hash).ok());
    Hash32 same;
    REQUIRE(piped->Deploy(testing::ExampleContract("token"), {}, &same, &code_hash).ok());
    REQUIRE(same == token);
    // The blocks, and what they give one at a time, first: nothing else runs between a
    // block's commit start and the next block's start below.
    std::vector<std::vector<Transaction>> blocks(Workload::kBlocks + 1);
    for (uint64_t h = 1; h <= Workload::kBlocks; ++h) {
      INFO("block " << h);
      if (h == Workload::kDeployBefore) {
        REQUIRE(one->Deploy(counter_wasm, {}, &counter, &code_hash).ok());
      }
      blocks[h] = h == 1 ? work.Mints(token) : work.Block(h, rng, token, counter);
      BlockResult r;
      Status s = one->ExecuteBlock(h, 100 + h, std::nullopt, blocks[h], &r);
      INFO(s.ToString());
      REQUIRE(s.ok());
      one_results.push_back(std::move(r));
    }

    // Every sync takes 150 ms more: block h + 1 is begun while block h is being written.
    storage.fs->DelayWalSyncs(std::chrono::milliseconds(150));
    std::shared_ptr<BlockInFlight> in_flight;  // piped's block below the next one
    for (uint64_t h = 1; h <= Workload::kBlocks; ++h) {
      INFO("block " << h);
      if (h == Workload::kDeployBefore) {
        // A deployment waits for every begun block to commit, and enters the next block.
        REQUIRE(piped->Deploy(counter_wasm, {}, &same, &code_hash).ok());
        REQUIRE(same == counter);
        CHECK(piped->height() == h - 1);
      }
      std::shared_ptr<BlockInFlight> begun;
      Status s = piped->BeginBlock(h, 100 + h, std::nullopt, blocks[h], &begun);
      INFO(s.ToString());
      REQUIRE(s.ok());
      REQUIRE(begun != nullptr);
      // Not committed yet: calls and state reads see the blocks below it.
      CHECK(piped->height() < h);
      if (in_flight != nullptr) {
        BlockResult below;
        s = piped->FinishBlock(in_flight, &below);
        INFO(s.ToString());
        REQUIRE(s.ok());
        piped_results.push_back(std::move(below));
      }
      in_flight = std::move(begun);
    }
    BlockResult last;
    REQUIRE(piped->FinishBlock(in_flight, &last).ok());
    piped_results.push_back(std::move(last));
    CHECK(piped->height() == Workload::kBlocks);
    CHECK(piped->state_root() == one->state_root());

    // Every account's balance through a call, as both engines answer it.
    for (const Account& a : work.accounts) {
      Receipt x, y;
      REQUIRE(one->Call(token, "balance", Bytes(AddressBytes(a.address)), 1'000'000,
                        a.address, &x).ok());
      REQUIRE(piped->Call(token, "balance", Bytes(AddressBytes(a.address)), 1'000'000,
                          a.address, &y).ok());
      CHECK(x.return_data == y.return_data);
    }
  }
  REQUIRE(piped_results.size() == one_results.size());
  size_t pipelined = 0;
  for (size_t i = 0; i < one_results.size(); ++i) {
    INFO("block " << i + 1);
    CHECK(piped_results[i].state_root == one_results[i].state_root);
    CHECK(piped_results[i].receipts == one_results[i].receipts);
    CHECK(piped_results[i].gas_used == one_results[i].gas_used);
    CHECK_FALSE(one_results[i].pipelined);
    // From block 2 on each block was begun while the one below it was being written
    // (except the block after the deployment, which waited for the commits).
    if (i + 1 >= 2 && i + 1 != Workload::kDeployBefore) CHECK(piped_results[i].pipelined);
    pipelined += piped_results[i].pipelined;
  }
  CHECK(pipelined == Workload::kBlocks - 2);
  // The receipts include replays (BAD_NONCE) and calls of the deployed contract.
  bool bad_nonce = false, counter_ok = false;
  for (const BlockResult& r : piped_results) {
    for (const Receipt& receipt : r.receipts) {
      bad_nonce |= receipt.status == ReceiptStatus::kBadNonce;
    }
  }
  for (size_t i = Workload::kDeployBefore - 1; i < piped_results.size(); ++i) {
    for (const Receipt& receipt : piped_results[i].receipts) {
      counter_ok |= receipt.status == ReceiptStatus::kOk;
    }
  }
  CHECK(bad_nonce);
  CHECK(counter_ok);

  // The pipelined database reopens at the last block with the same root.
  auto reopened = OpenEngine(piped_dir.path(), cpu, nullptr, kind);
  CHECK(reopened->height() == Workload::kBlocks);
  CHECK(reopened->state_root() == one_results.back().state_root);
}

TEST_CASE("ExecutionEngine: a block begun on top of a block whose commit fails fails too",
          "[engine][pipeline][fault]") {
  auto rng = chainaccel::testing::MakeRng("execution engine pipeline fault");
  CpuEngine cpu(CpuEngine::Options{2});
  Workload work(rng);
  testing::TempDir dir, reference_dir;
  FaultyStorage storage;
  Hash32 token{}, counter{}, code_hash{};
  auto engine = OpenEngine(dir.path(), cpu, storage.env.get(), ExecutorKind::kBlockStm);
  auto reference = OpenEngine(reference_dir.path(), cpu, nullptr, ExecutorKind::kBlockStm);
  REQUIRE(engine->Deploy(testing::ExampleContract("token"), {}, &token, &code_hash).ok());
  REQUIRE(reference->Deploy(testing::ExampleContract("token"), {}, &token, &code_hash).ok());
  const std::vector<Transaction> block1 = work.Mints(token);
  const std::vector<Transaction> block2 = work.Block(2, rng, token, counter);
  const std::vector<Transaction> block3 = work.Block(3, rng, token, counter);
  BlockResult r1, ref2, ref3;
  REQUIRE(engine->ExecuteBlock(1, 101, std::nullopt, block1, &r1).ok());
  REQUIRE(reference->ExecuteBlock(1, 101, std::nullopt, block1, &r1).ok());
  REQUIRE(reference->ExecuteBlock(2, 102, std::nullopt, block2, &ref2).ok());
  REQUIRE(reference->ExecuteBlock(3, 103, std::nullopt, block3, &ref3).ok());

  // Block 2's sync fails after 300 ms; block 3 is begun on top of it meanwhile.
  storage.fs->DelayWalSyncs(std::chrono::milliseconds(300));
  storage.fs->FailWalSyncs();
  std::shared_ptr<BlockInFlight> b2, b3;
  REQUIRE(engine->BeginBlock(2, 102, std::nullopt, block2, &b2).ok());
  Status s3 = engine->BeginBlock(3, 103, ref2.state_root, block3, &b3);
  INFO(s3.ToString());
  REQUIRE(s3.ok());  // executed on block 2, whose commit has not failed yet
  BlockResult r;
  Status s = engine->FinishBlock(b2, &r);
  INFO(s.ToString());
  CHECK(s.code() == Status::Code::kInternal);
  CHECK_THAT(s.message(), Catch::Contains("the commit of block 2"));
  s = engine->FinishBlock(b3, &r);
  INFO(s.ToString());
  CHECK(s.code() == Status::Code::kInternal);
  CHECK_THAT(s.message(), Catch::Contains("block 3 not committed: block 2 below it was not"));
  CHECK(engine->height() == 1);
  CHECK(engine->state_root() == r1.state_root);

  // The fault gone, both commit, pipelined again, with the reference's results.
  storage.fs->Clear();
  storage.fs->DelayWalSyncs(std::chrono::milliseconds(100));
  REQUIRE(engine->BeginBlock(2, 102, std::nullopt, block2, &b2).ok());
  REQUIRE(engine->BeginBlock(3, 103, std::nullopt, block3, &b3).ok());
  BlockResult r2, r3;
  REQUIRE(engine->FinishBlock(b2, &r2).ok());
  REQUIRE(engine->FinishBlock(b3, &r3).ok());
  CHECK(r3.pipelined);
  CHECK(r2.state_root == ref2.state_root);
  CHECK(r2.receipts == ref2.receipts);
  CHECK(r3.state_root == ref3.state_root);
  CHECK(r3.receipts == ref3.receipts);
  CHECK(engine->height() == 3);
  storage.fs->Clear();
}

TEST_CASE("ExecutionEngine: a begun block's height and parent root are checked against the "
          "block below it",
          "[engine][pipeline]") {
  auto rng = chainaccel::testing::MakeRng("execution engine pipeline heights");
  CpuEngine cpu(CpuEngine::Options{2});
  Workload work(rng);
  testing::TempDir dir;
  FaultyStorage storage;
  Hash32 token, code_hash;
  auto engine = OpenEngine(dir.path(), cpu, storage.env.get(), ExecutorKind::kBlockStm);
  REQUIRE(engine->Deploy(testing::ExampleContract("token"), {}, &token, &code_hash).ok());
  storage.fs->DelayWalSyncs(std::chrono::milliseconds(200));
  std::shared_ptr<BlockInFlight> b1, other;
  REQUIRE(engine->BeginBlock(1, 101, std::nullopt, work.Mints(token), &b1).ok());
  // Block 1 is being committed: 1 again is refused, 3 skips 2, a wrong parent root.
  Status s = engine->BeginBlock(1, 101, std::nullopt, {}, &other);
  CHECK(s.code() == Status::Code::kFailedPrecondition);
  CHECK_THAT(s.message(), Catch::Contains("already executed"));
  CHECK(other == nullptr);
  s = engine->BeginBlock(3, 103, std::nullopt, {}, &other);
  CHECK(s.code() == Status::Code::kFailedPrecondition);
  CHECK_THAT(s.message(), Catch::Contains("does not follow"));
  s = engine->BeginBlock(2, 102, Hash32{}, {}, &other);
  CHECK(s.code() == Status::Code::kFailedPrecondition);
  CHECK_THAT(s.message(), Catch::Contains("the root of block 1"));
  BlockResult r1;
  REQUIRE(engine->FinishBlock(b1, &r1).ok());
  // A block begun and never finished is still committed.
  REQUIRE(engine->BeginBlock(2, 102, r1.state_root, {}, &other).ok());
  other.reset();
  storage.fs->Clear();
  BlockResult r3;
  REQUIRE(engine->ExecuteBlock(3, 103, std::nullopt, {}, &r3).ok());
  CHECK(engine->height() == 3);
}

}  // namespace
}  // namespace chainaccel::exec
