// Storage failures of StateStore, injected through its storage seam (the rocksdb::Env it
// is opened with): a refused commit leaves the store at the previous block, in memory
// and on disk, and the next block commits once the fault is gone; a crash that loses the
// tree nodes written outside the log is repaired when the store opens.
#include "execution/state_store.h"

#include <catch2/catch.hpp>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <map>
#include <random>
#include <string>

#include "execution/testing/faulty_file_system.h"
#include "execution/testing/temp_dir.h"
#include "execution/testing/tree_records.h"
#include "execution/tx/contract_code.h"
#include "tests/support/random.h"

namespace chainaccel::exec {
namespace {

using testing::FaultyStorage;

Hash32 Root(uint8_t b) {
  Hash32 h;
  h.fill(b);
  return h;
}

// A block that writes `keys` keys "<tag>/<i>" of `value_bytes` bytes each, deletes "gone"
// and writes "only-<tag>" (a key no other block writes).
WriteSet BlockOf(const std::string& tag, size_t keys, size_t value_bytes = 16) {
  WriteMap w;
  for (size_t i = 0; i < keys; ++i) {
    w[tag + "/" + std::to_string(i)] = std::string(value_bytes, static_cast<char>('a' + i % 26));
  }
  w["gone"] = std::nullopt;
  w["only-" + tag] = tag;
  return ToWriteSet(std::move(w));
}

using StateMap = std::map<std::string, std::string, std::less<>>;

// The store's whole committed state, as its database holds it.
StateMap Stored(const StateStore& store) {
  StateMap state;
  Status s = store.ScanState([&state](std::string_view k, std::string_view v) {
    state.emplace(std::string(k), std::string(v));
  });
  INFO(s.ToString());
  REQUIRE(s.ok());
  return state;
}

// The root of `state` built from nothing (the tree's incremental root must equal it).
Hash32 RootOf(const StateMap& state) {
  CpuNodeHasher hasher;
  Hash32 root;
  REQUIRE(BuildStateRoot(state, nullptr, hasher, &root).ok());
  return root;
}

StateMap After(StateMap state, const WriteSet& writes) {
  for (const auto& [k, v] : writes) {
    if (v) {
      state[k] = *v;
    } else {
      state.erase(k);
    }
  }
  return state;
}

std::unique_ptr<StateStore> OpenStore(const std::string& path, rocksdb::Env* env = nullptr) {
  std::unique_ptr<StateStore> store;
  Status s = StateStore::Open(path, &store, env);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return store;
}

// Two committed blocks: "gone" and the keys of block "one", then block "two".
StateMap CommitTwoBlocks(StateStore& store) {
  const WriteSet one = {{"gone", "here"}, {"one/0", "1"}, {"shared", "1"}};
  REQUIRE(store.Commit(1, one).ok());
  const WriteSet two = {{"shared", "2"}, {"two/0", "2"}};
  REQUIRE(store.Commit(2, two).ok());
  return After(After({}, one), two);
}

// The store is at height 2 with `state`, in memory and through its history reads.
void CheckAtBlockTwo(const StateStore& store, const StateMap& state) {
  CHECK(store.height() == 2);
  CHECK(store.state_root() == RootOf(state));
  CHECK(Stored(store) == state);
  // The tree is back at block 2 too: proofs at heights 2 and 1 verify.
  for (uint64_t h : {uint64_t{2}, uint64_t{1}}) {
    std::optional<std::string> value;
    StateProof proof;
    Hash32 root;
    REQUIRE(store.Prove("shared", h, &value, &proof, &root).ok());
    CHECK(VerifyStateProof(root, "shared", value, proof).ok());
    REQUIRE(store.Prove("only-three", h, &value, &proof, &root).ok());
    CHECK(VerifyStateProof(root, "only-three", std::nullopt, proof).ok());
  }
  std::string v;
  REQUIRE(store.Get("shared", &v));
  CHECK(v == "2");
  CHECK(store.Get("gone", &v));
  CHECK_FALSE(store.Get("only-three", &v));
  std::optional<std::string> at;
  Status s = store.GetAt("shared", 1, &at);
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK(at == "1");
  CHECK(store.GetAt("shared", 3, &at).code() == Status::Code::kNotFound);
}

void CheckRefused(const Status& s, const std::string& injected) {
  INFO(s.ToString());
  CHECK(s.code() == Status::Code::kInternal);
  CHECK_THAT(s.message(), Catch::Contains("state database write failed"));
  CHECK_THAT(s.message(), Catch::Contains("block 3"));
  CHECK_THAT(s.message(), Catch::Contains("stays at height 2"));
  CHECK_THAT(s.message(), Catch::Contains(injected));
}

// How many WAL appends a commit of `writes` at the next height takes (on a scratch store).
uint64_t AppendsOfCommit(const WriteSet& writes) {
  testing::TempDir dir;
  FaultyStorage storage;
  auto store = OpenStore(dir.path(), storage.env.get());
  CommitTwoBlocks(*store);
  const uint64_t before = storage.fs->wal_appends();
  REQUIRE(store->Commit(3, writes).ok());
  return storage.fs->wal_appends() - before;
}

TEST_CASE("StateStore: a refused WAL append rejects the block and leaves nothing of it",
          "[store][fault]") {
  // Small blocks (one append each) and a block of ~3 MiB, whose record RocksDB appends in
  // several pieces: fail each piece in turn, cleanly and torn (half of it written).
  const size_t keys = GENERATE(size_t{3}, size_t{3000});
  const WriteSet three = BlockOf("three", keys, keys > 100 ? 1024 : 16);
  const uint64_t appends = AppendsOfCommit(three);
  INFO("keys " << keys << ", appends per commit " << appends);
  REQUIRE(appends >= 1);
  if (keys > 100) REQUIRE(appends > 1);  // the multi-key record really is cut in pieces
  for (uint64_t fail_at = 0; fail_at < appends; ++fail_at) {
    for (bool torn : {false, true}) {
      INFO("append " << fail_at << (torn ? " torn" : " clean"));
      testing::TempDir dir;
      FaultyStorage storage;
      StateMap state;
      {
        auto store = OpenStore(dir.path(), storage.env.get());
        state = CommitTwoBlocks(*store);
        storage.fs->FailWalAppendsAfter(fail_at, torn);
        CheckRefused(store->Commit(3, three), "injected WAL append failure");
        CheckAtBlockTwo(*store, state);
        // While the fault lasts every block is refused the same way, nothing changes.
        CheckRefused(store->Commit(3, three), "injected");
        CheckAtBlockTwo(*store, state);
      }
      // A crash now: the database opens at block 2, nothing of the refused block in it.
      storage.fs->Clear();
      {
        auto store = OpenStore(dir.path(), storage.env.get());
        CheckAtBlockTwo(*store, state);
      }
    }
  }
}

TEST_CASE("StateStore: after a refused commit the same process commits the next blocks",
          "[store][fault]") {
  const bool big = GENERATE(false, true);
  const WriteSet three = BlockOf("three", big ? 3000 : 3, big ? 1024 : 16);
  const uint64_t appends = AppendsOfCommit(three);
  for (uint64_t fail_at = 0; fail_at < appends; ++fail_at) {
    INFO("fail append " << fail_at << " of " << appends);
    testing::TempDir dir;
    FaultyStorage storage;
    StateMap state;
    const WriteSet retry = {{"shared", "3"}, {"retry", "3"}};
    const WriteSet four = {{"four", "4"}, {"shared", "4"}};
    {
      auto store = OpenStore(dir.path(), storage.env.get());
      state = CommitTwoBlocks(*store);
      storage.fs->FailWalAppendsAfter(fail_at, /*torn=*/true);
      CheckRefused(store->Commit(3, three), "injected WAL append failure");
      storage.fs->Clear();
      // Another block 3 (not the refused one), then block 4.
      Status s = store->Commit(3, retry);
      INFO(s.ToString());
      REQUIRE(s.ok());
      REQUIRE(store->Commit(4, four).ok());
      state = After(After(state, retry), four);
      CHECK(Stored(*store) == state);
    }
    // Reopened: blocks 3 and 4 are there (the torn record did not hide them), and not a
    // key of the refused block.
    auto store = OpenStore(dir.path());
    CHECK(store->height() == 4);
    CHECK(store->state_root() == RootOf(state));
    CHECK(Stored(*store) == state);
    std::optional<std::string> at;
    REQUIRE(store->GetAt("shared", 2, &at).ok());
    CHECK(at == "2");
    REQUIRE(store->GetAt("only-three", 3, &at).ok());
    CHECK_FALSE(at.has_value());
  }
}

TEST_CASE("StateStore: a failed WAL sync rejects the block and the next one commits",
          "[store][fault]") {
  testing::TempDir dir;
  FaultyStorage storage;
  StateMap state;
  const WriteSet three = BlockOf("three", 3);
  const WriteSet retry = {{"shared", "3"}};
  {
    auto store = OpenStore(dir.path(), storage.env.get());
    state = CommitTwoBlocks(*store);
    storage.fs->FailWalSyncs();
    CheckRefused(store->Commit(3, three), "injected WAL sync failure");
    CheckAtBlockTwo(*store, state);
    storage.fs->Clear();
    Status s = store->Commit(3, retry);
    INFO(s.ToString());
    REQUIRE(s.ok());
    state = After(state, retry);
  }
  // The refused block's record reached the log before its sync failed; it must not come
  // back when the database is reopened.
  auto store = OpenStore(dir.path());
  CHECK(store->height() == 3);
  CHECK(Stored(*store) == state);
  std::string v;
  CHECK_FALSE(store->Get("only-three", &v));
}

TEST_CASE("StateStore: a failed sync's block is undone when the database reopens",
          "[store][fault]") {
  // The refused block's record was appended whole; only its sync failed, so the log
  // holds it. Reopening for the next write (Recover) replays it and undoes it.
  testing::TempDir dir;
  FaultyStorage storage;
  auto store = OpenStore(dir.path(), storage.env.get());
  StateMap state = CommitTwoBlocks(*store);
  storage.fs->FailWalSyncs();
  CheckRefused(store->Commit(3, BlockOf("three", 3)), "injected WAL sync failure");
  storage.fs->Clear();
  CHECK(store->needs_recovery());
  Status s = store->Recover();
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK_FALSE(store->needs_recovery());
  CheckAtBlockTwo(*store, state);
  store.reset();
  // The tree is block two's again: its records are whole from the root down (those the
  // undone block wrote are gone and none is needed).
  size_t reachable = 0;
  s = testing::CheckLatestTree(dir.path(), &reachable);
  INFO(s.ToString());
  CHECK(s.ok());
  CHECK(reachable > 0);
  store = OpenStore(dir.path());
  CheckAtBlockTwo(*store, state);
}

TEST_CASE("StateStore: a crash right after a failed sync finds the block whole or not at all",
          "[store][fault]") {
  // No Recover before the crash: what the log holds decides, as after any unconfirmed
  // sync. Here the bytes reached the file, so the block is there, whole: every key of
  // it, its height and its root (one WriteBatch, one log record).
  testing::TempDir dir;
  FaultyStorage storage;
  const WriteSet three = BlockOf("three", 3);
  StateMap state;
  {
    auto store = OpenStore(dir.path(), storage.env.get());
    state = CommitTwoBlocks(*store);
    storage.fs->FailWalSyncs();
    CheckRefused(store->Commit(3, three), "injected WAL sync failure");
  }
  auto store = OpenStore(dir.path());
  CHECK(store->height() == 3);
  CHECK(store->state_root() == RootOf(After(state, three)));
  CHECK(Stored(*store) == After(state, three));
}

TEST_CASE("StateStore: while the database cannot reopen, blocks are refused, then one commits",
          "[store][fault]") {
  testing::TempDir dir;
  FaultyStorage storage;
  auto store = OpenStore(dir.path(), storage.env.get());
  StateMap state = CommitTwoBlocks(*store);
  storage.fs->FailWalAppendsAfter(0);
  CheckRefused(store->Commit(3, BlockOf("three", 3)), "injected WAL append failure");
  // Reopening for writing needs a new log and table file: both fail now (a read-only
  // instance serves the history reads meanwhile).
  storage.fs->FailNewFiles();
  Status s = store->Commit(3, BlockOf("three", 3));
  CheckRefused(s, "has not recovered from an earlier write failure");
  CheckAtBlockTwo(*store, state);
  CHECK(store->StageContract(Root(7), Root(8), "wasm").code() == Status::Code::kInternal);
  CHECK(store->staged_contracts().empty());
  storage.fs->Clear();
  const WriteSet retry = {{"shared", "3"}};
  s = store->Commit(3, retry);
  INFO(s.ToString());
  REQUIRE(s.ok());
  REQUIRE(store->StageContract(Root(7), Root(8), "wasm").ok());
  store.reset();
  store = OpenStore(dir.path());
  CHECK(store->height() == 3);
  CHECK(Stored(*store) == After(state, retry));
  CHECK(store->staged_contracts().count(Root(7)) == 1);
}

TEST_CASE("StateStore: a refused block that took in a deployment leaves it staged",
          "[store][fault]") {
  // The deployment's code key is a write of the block like any other: a failed sync's
  // block, replayed on reopening and undone, stages the deployment again; a crash after
  // it finds the block whole, the deployment in the state and no longer staged.
  const bool crash = GENERATE(false, true);
  INFO((crash ? "crash after the failed sync" : "Recover after the failed sync"));
  testing::TempDir dir;
  FaultyStorage storage;
  const std::string code_key = ContractCodeKey(Root(7));
  const std::string code_hash(32, '\x08');
  StateMap state;
  {
    auto store = OpenStore(dir.path(), storage.env.get());
    state = CommitTwoBlocks(*store);
    REQUIRE(store->StageContract(Root(7), Root(8), "wasm").ok());
    storage.fs->FailWalSyncs();
    CheckRefused(store->Commit(3, BlockOf("three", 3)), "injected WAL sync failure");
    CHECK(store->staged_contracts().count(Root(7)) == 1);
    storage.fs->Clear();
    if (!crash) {
      Status s = store->Recover();
      INFO(s.ToString());
      REQUIRE(s.ok());
      CheckAtBlockTwo(*store, state);
    }
  }
  auto store = OpenStore(dir.path());
  Hash32 code;
  if (crash) {
    state = After(state, BlockOf("three", 3));
    state[code_key] = code_hash;
    CHECK(store->height() == 3);
    CHECK(Stored(*store) == state);
    CHECK(store->state_root() == RootOf(state));
    CHECK(store->staged_contracts().empty());
    REQUIRE(store->GetContract(Root(7), &code));
    CHECK(code == Root(8));
    return;
  }
  CheckAtBlockTwo(*store, state);
  CHECK_FALSE(store->GetContract(Root(7), &code));
  CHECK(store->staged_contracts().count(Root(7)) == 1);
  REQUIRE(store->Commit(3, WriteSet{}).ok());
  state[code_key] = code_hash;
  CHECK(Stored(*store) == state);
  CHECK(store->state_root() == RootOf(state));
  REQUIRE(store->GetContract(Root(7), &code));
}

TEST_CASE("StateStore: a read the disk refuses is counted, fails the commit, changes nothing",
          "[store][fault]") {
  testing::TempDir dir;
  FaultyStorage storage;
  {
    // ~2 MB of state on each side of "middle", so that its table block is none of those
    // the reopening reads (the height, the root record, the tree's root).
    WriteMap w;
    for (int i = 0; i < 1000; ++i) {
      w[std::string(1, '\x00') + std::to_string(i)] = std::string(1024, 'a');
      w[std::string(1, '\xff') + std::to_string(i)] = std::string(1024, 'z');
    }
    w["middle"] = "m";
    auto store = OpenStore(dir.path(), storage.env.get());
    REQUIRE(store->Commit(1, ToWriteSet(std::move(w))).ok());
  }
  // Reopened (which flushes the log into a table) with no cache: reads go to the table.
  std::unique_ptr<StateStore> store;
  REQUIRE(StateStore::Open(dir.path(), &store, storage.env.get(), /*cache_bytes=*/0).ok());
  const Hash32 root = store->state_root();
  storage.fs->FailTableReads();
  std::string v;
  CHECK_FALSE(store->Get("middle", &v));
  CHECK(store->read_failures() == 1);
  CHECK_THAT(store->last_read_error().message(), Catch::Contains("injected table read failure"));
  std::optional<std::string> at;
  CHECK(store->GetAt("middle", 1, &at).code() == Status::Code::kInternal);
  CHECK(store->Commit(2, WriteSet{{"middle", "n"}}).code() == Status::Code::kInternal);
  CHECK(store->height() == 1);
  CHECK(store->state_root() == root);
  storage.fs->Clear();
  REQUIRE(store->Get("middle", &v));
  CHECK(v == "m");
  REQUIRE(store->Commit(2, WriteSet{{"middle", "n"}}).ok());
  REQUIRE(store->GetAt("middle", 1, &at).ok());
  CHECK(at == "m");
}

// The tree's node records are written outside RocksDB's log (docs/execution.md,
// "Tree nodes outside the log"): a crash loses those still in memtables, and opening
// rebuilds them from the blocks' undo logs. The tests below crash a store
// (StateStore::CloseAsCrash: no flush, the log kept, as after kill -9) at random points
// and compare it, record for record, with a store that committed the same blocks
// without crashing.

// A block of random writes over a pool of `keys` keys: new values of 0-96 bytes, and
// removals (a fifth), some of keys that are absent.
WriteSet RandomBlock(std::mt19937_64& rng, size_t keys, size_t writes) {
  WriteMap w;
  for (size_t i = 0; i < writes; ++i) {
    std::string key = "key/" + std::to_string(chainaccel::testing::RandomSize(rng, 0, keys - 1));
    if (chainaccel::testing::RandomSize(rng, 0, 4) == 0) {
      w[key] = std::nullopt;
    } else {
      const std::vector<uint8_t> v = chainaccel::testing::RandomBytes(rng, chainaccel::testing::RandomSize(rng, 0, 96));
      w[key] = std::string(v.begin(), v.end());
    }
  }
  return ToWriteSet(std::move(w));
}

// Every record of the closed database at `path` (read-only), "m:tree" included.
std::map<std::string, std::string> Records(const std::string& path) {
  rocksdb::Options options;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(options, path, &raw);
  INFO(s.ToString());
  REQUIRE(s.ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::map<std::string, std::string> records;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) records.emplace(it->key().ToString(), it->value().ToString());
  REQUIRE(it->status().ok());
  return records;
}

// `store` and `reference` agree at the heights both keep: roots, values and proofs of
// `keys` keys of the pool (present and absent), at every height from `every_from` up and
// at every 10th below it (heights an earlier check saw whole; the records of all of them
// are compared byte for byte at the end of the tests that call it).
void CheckSameHistory(const StateStore& store, const StateStore& reference, size_t keys,
                      uint64_t every_from = 0) {
  REQUIRE(store.height() == reference.height());
  CHECK(store.state_root() == reference.state_root());
  const uint64_t top = store.height();
  const uint64_t bottom = top > StateStore::kHistory ? top - StateStore::kHistory : 1;
  for (uint64_t h = bottom; h <= top; ++h) {
    if (h < every_from && (h - bottom) % 10 != 0) continue;
    for (size_t k = 0; k < keys; k += 7) {
      const std::string key = "key/" + std::to_string(k);
      std::optional<std::string> value, expected;
      StateProof proof, expected_proof;
      Hash32 root, expected_root;
      Status s = store.Prove(key, h, &value, &proof, &root);
      INFO("height " << h << ", " << key << ": " << s.ToString());
      REQUIRE(s.ok());
      REQUIRE(reference.Prove(key, h, &expected, &expected_proof, &expected_root).ok());
      CHECK(value == expected);
      CHECK(root == expected_root);
      CHECK(proof.siblings == expected_proof.siblings);
      CHECK(VerifyStateProof(root, key, value, proof).ok());
    }
  }
}

TEST_CASE("StateStore: a crash loses the tree nodes outside the log, which opening rebuilds "
          "record for record",
          "[store][crash]") {
  auto rng = chainaccel::testing::MakeRng("StateStore crash rebuild");
  testing::TempDir crashed_dir, reference_dir;
  auto store = OpenStore(crashed_dir.path());
  auto reference = OpenStore(reference_dir.path());
  constexpr size_t kKeys = 400;
  StateMap state;
  uint64_t since_open = 0;
  size_t crashes = 0;
  for (uint64_t h = 1; h <= 120; ++h) {
    const WriteSet block = RandomBlock(rng, kKeys, chainaccel::testing::RandomSize(rng, 0, 60));
    REQUIRE(store->Commit(h, block).ok());
    REQUIRE(reference->Commit(h, block).ok());
    state = After(state, block);
    ++since_open;
    // Crash after runs of 1-20 blocks: below the background flush's threshold
    // (kMaxUnflushedTreeBlocks / 2), and RocksDB's 64 MiB memtable holds them all, so
    // every block since the last open is rebuilt.
    if (chainaccel::testing::RandomSize(rng, 0, 9) == 0 || since_open == 20) {
      StateStore::CloseAsCrash(std::move(store));
      store = OpenStore(crashed_dir.path());
      ++crashes;
      INFO("crash after block " << h);
      CHECK(store->rebuilt_tree_blocks() == since_open);
      CHECK(store->height() == h);
      CHECK(store->state_root() == RootOf(state));
      // The rebuilt blocks' heights and the one they were rebuilt on, each whole.
      CheckSameHistory(*store, *reference, kKeys, h - since_open);
      since_open = 0;
    }
  }
  CHECK(crashes >= 6);
  // A crash right after a reopen rebuilds nothing: the rebuilt nodes went to the log.
  StateStore::CloseAsCrash(std::move(store));
  store = OpenStore(crashed_dir.path());
  CHECK(store->rebuilt_tree_blocks() == since_open);
  CheckSameHistory(*store, *reference, kKeys, store->height() - since_open);
  store.reset();
  reference.reset();
  // Closed cleanly, the two databases hold the same records, pruned alike.
  CHECK(Records(crashed_dir.path()) == Records(reference_dir.path()));
  size_t reachable = 0;
  Status s = testing::CheckLatestTree(crashed_dir.path(), &reachable);
  INFO(s.ToString());
  CHECK(s.ok());
  // And a clean close leaves nothing to rebuild.
  store = OpenStore(crashed_dir.path());
  CHECK(store->rebuilt_tree_blocks() == 0);
  CHECK(store->state_root() == RootOf(state));
}

TEST_CASE("StateStore: at most kMaxUnflushedTreeBlocks blocks of nodes wait for a flush",
          "[store][crash]") {
  testing::TempDir dir;
  auto store = OpenStore(dir.path());
  StateMap state;
  const uint64_t blocks = 3 * StateStore::kMaxUnflushedTreeBlocks + 5;
  for (uint64_t h = 1; h <= blocks; ++h) {
    const WriteSet block = {{"k" + std::to_string(h % 50), std::to_string(h)}};
    REQUIRE(store->Commit(h, block).ok());
    state = After(state, block);
  }
  StateStore::CloseAsCrash(std::move(store));
  store = OpenStore(dir.path());
  CHECK(store->rebuilt_tree_blocks() > 0);
  CHECK(store->rebuilt_tree_blocks() <= StateStore::kMaxUnflushedTreeBlocks);
  CHECK(store->height() == blocks);
  CHECK(store->state_root() == RootOf(state));
}

TEST_CASE("StateStore: a block refused after its nodes, then a crash: reopened at the block "
          "below with its tree whole",
          "[store][crash][fault]") {
  // The block's log append fails at its marker (its nodes and "m:tree" are in the
  // memtable, outside the log); the process then dies before any Recover.
  testing::TempDir dir;
  FaultyStorage storage;
  StateMap state;
  {
    auto store = OpenStore(dir.path(), storage.env.get());
    for (uint64_t h = 1; h <= 3; ++h) {
      const WriteSet block = {{"a" + std::to_string(h), "1"}, {"shared", std::to_string(h)}};
      REQUIRE(store->Commit(h, block).ok());
      state = After(state, block);
    }
    storage.fs->FailWalSyncs();
    Status s = store->Commit(4, WriteSet{{"shared", "4"}, {"b", "2"}});
    CHECK(s.code() == Status::Code::kInternal);
    StateStore::CloseAsCrash(std::move(store));
  }
  storage.fs->Clear();
  // The failed sync's bytes reached the file: the block is there whole, its nodes
  // rebuilt with blocks 1-3's; or, had they not, it would be undone. Either way the
  // root is a recomputation's.
  auto store = OpenStore(dir.path());
  if (store->height() == 4) state = After(state, WriteSet{{"b", "2"}, {"shared", "4"}});
  CHECK(store->state_root() == RootOf(state));
  CHECK(store->rebuilt_tree_blocks() == store->height());
  // The next blocks commit on it, and after another crash it is still whole.
  const uint64_t next = store->height() + 1;
  REQUIRE(store->Commit(next, WriteSet{{"shared", "5"}}).ok());
  state = After(state, WriteSet{{"shared", "5"}});
  StateStore::CloseAsCrash(std::move(store));
  store = OpenStore(dir.path());
  CHECK(store->rebuilt_tree_blocks() == 1);
  CHECK(store->state_root() == RootOf(state));
  store.reset();
  size_t reachable = 0;
  Status s = testing::CheckLatestTree(dir.path(), &reachable);
  INFO(s.ToString());
  CHECK(s.ok());
}

TEST_CASE("StateStore: undoing a block lowers m:tree, so its height's next block is rebuilt "
          "after a crash",
          "[store][crash][fault]") {
  // A block that did not commit may have left its "m:tree" in a table (a memtable flushed
  // during its parts). Made here by hand: block 4's intent (an undo log) and m:tree = 4,
  // flushed, over a store at block 3.
  testing::TempDir dir;
  StateMap state;
  {
    auto store = OpenStore(dir.path());
    for (uint64_t h = 1; h <= 3; ++h) {
      const WriteSet block = {{"k" + std::to_string(h), "v"}, {"shared", std::to_string(h)}};
      REQUIRE(store->Commit(h, block).ok());
      state = After(state, block);
    }
  }
  auto big_endian = [](uint64_t v) {
    std::string out(8, '\0');
    for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
    return out;
  };
  {
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir.path(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    const std::string ghost = "ghost";  // a key no block wrote: its undo removes nothing
    std::string undo = std::string("\0\0\0", 3) + static_cast<char>(ghost.size()) + ghost + '\0';
    REQUIRE(db->Put(rocksdb::WriteOptions(), "u" + big_endian(4), undo).ok());
    REQUIRE(db->Put(rocksdb::WriteOptions(), "m:tree", big_endian(4)).ok());
    REQUIRE(db->Flush(rocksdb::FlushOptions()).ok());
  }
  // Opening undoes block 4 (and lowers m:tree, in the log); the real block 4 then commits
  // with its nodes outside the log, and the process dies.
  auto store = OpenStore(dir.path());
  REQUIRE(store->height() == 3);
  const WriteSet four = {{"shared", "4"}, {"k4", "w"}};
  REQUIRE(store->Commit(4, four).ok());
  state = After(state, four);
  StateStore::CloseAsCrash(std::move(store));
  // m:tree says 3 (the undo's), not the stale 4 of the table: block 4's nodes are rebuilt.
  store = OpenStore(dir.path());
  CHECK(store->height() == 4);
  CHECK(store->rebuilt_tree_blocks() == 1);
  CHECK(store->state_root() == RootOf(state));
}

}  // namespace
}  // namespace chainaccel::exec
