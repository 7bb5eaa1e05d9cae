// ExecutionEngine under storage failures injected through ExecutionOptions::storage_env:
// a block whose commit RocksDB refuses is rejected with INTERNAL naming the storage
// failure, the committed state (height, root, values, calls) stays as it was, and the
// engine goes on serving: the same block commits once the fault is gone, and the
// database reopens at it.
#include "execution/execution_engine.h"

#include <catch2/catch.hpp>

#include <atomic>
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

}  // namespace
}  // namespace chainaccel::exec
