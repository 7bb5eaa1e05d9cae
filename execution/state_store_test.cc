#include "execution/state_store.h"

#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include <array>
#include <map>
#include <random>
#include <thread>

#include "execution/testing/temp_dir.h"
#include "execution/testing/tree_records.h"
#include "tests/support/random.h"
#include "execution/tx/contract_code.h"

namespace chainaccel::exec {
namespace {

Hash32 Root(uint8_t b) {
  Hash32 h;
  h.fill(b);
  return h;
}

std::string_view View32(const Hash32& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

TEST_CASE("StateStore commits blocks atomically and reopens at the last one", "[store]") {
  testing::TempDir dir;
  Hash32 addr = Root(9), code = Root(8);
  Hash32 root3;
  {
    std::unique_ptr<StateStore> store;
    REQUIRE(StateStore::Open(dir.path(), &store).ok());
    CHECK(store->height() == 0);
    REQUIRE(store->Commit(1, WriteSet{{"a", "1"}, {"b", "2"}}).ok());
    REQUIRE(store->Commit(2, WriteSet{{"a", "10"}, {"b", std::nullopt}, {"c", "3"}}).ok());
    // Get follows each commit in memory: updated, deleted and added keys.
    std::string v;
    REQUIRE(store->Get("a", &v));
    CHECK(v == "10");
    CHECK_FALSE(store->Get("b", &v));
    REQUIRE(store->Get("c", &v));
    CHECK(v == "3");
    CHECK_FALSE(store->Get("d", &v));
    const Hash32 root2 = store->state_root();
    REQUIRE(store->Commit(3, WriteSet{}).ok());
    root3 = store->state_root();
    CHECK(root3 == root2);  // a block that writes nothing keeps the root
    CHECK(store->Commit(3, WriteSet{{"a", "x"}}).code() == Status::Code::kFailedPrecondition);
    CHECK(store->Commit(5, WriteSet{{"a", "x"}}).code() == Status::Code::kFailedPrecondition);
    REQUIRE(store->StageContract(addr, code, "wasm bytes").ok());
  }
  std::unique_ptr<StateStore> store;
  REQUIRE(StateStore::Open(dir.path(), &store).ok());
  CHECK(store->height() == 3);
  CHECK(store->state_root() == root3);
  std::string v;
  REQUIRE(store->Get("a", &v));
  CHECK(v == "10");
  CHECK_FALSE(store->Get("b", &v));
  size_t keys = 0;
  REQUIRE(store->ScanState([&keys](std::string_view, std::string_view) { ++keys; }).ok());
  CHECK(keys == 2);
  // The deployment is staged (it survived the restart), not in the state yet.
  Hash32 got;
  CHECK_FALSE(store->GetContract(addr, &got));
  CHECK(store->staged_contracts() == std::map<Hash32, Hash32>{{addr, code}});
  std::string wasm;
  REQUIRE(store->GetCode(code, &wasm).ok());
  CHECK(wasm == "wasm bytes");

  // Reads at recent heights.
  std::optional<std::string> at;
  REQUIRE(store->GetAt("a", 1, &at).ok());
  CHECK(at == "1");
  REQUIRE(store->GetAt("b", 1, &at).ok());
  CHECK(at == "2");
  REQUIRE(store->GetAt("b", 2, &at).ok());
  CHECK_FALSE(at.has_value());
  REQUIRE(store->GetAt("c", 0, &at).ok());
  CHECK_FALSE(at.has_value());
  REQUIRE(store->GetAt("a", 3, &at).ok());
  CHECK(at == "10");
  CHECK(store->GetAt("a", 4, &at).code() == Status::Code::kNotFound);
}

TEST_CASE("StateStore reports RocksDB's backlog: tables after a reopen, no stall", "[store]") {
  testing::TempDir dir;
  {
    std::unique_ptr<StateStore> store;
    REQUIRE(StateStore::Open(dir.path(), &store).ok());
    const StateStore::StorageStats fresh = store->storage_stats();
    CHECK(fresh.level0_files == 0);
    CHECK(fresh.table_bytes == 0);
    std::mt19937_64 rng(7);
    for (uint64_t h = 1; h <= 3; ++h) {
      std::string value(1000, '\0');
      for (char& c : value) c = static_cast<char>(rng());  // incompressible
      REQUIRE(store->Commit(h, WriteSet{{"k" + std::to_string(h), value}}).ok());
    }
    const StateStore::StorageStats written = store->storage_stats();
    CHECK(written.table_bytes == 0);  // all in the memtable still
    CHECK(written.log_bytes > 3000);  // and in the log: three values of 1,000 bytes
  }
  // Reopening replays the log into a level-0 table.
  std::unique_ptr<StateStore> store;
  REQUIRE(StateStore::Open(dir.path(), &store).ok());
  const StateStore::StorageStats reopened = store->storage_stats();
  CHECK(reopened.level0_files >= 1);
  CHECK(reopened.table_bytes > 3000);
  CHECK(reopened.immutable_memtables == 0);
  CHECK(reopened.write_stall_micros == 0);
}

TEST_CASE("StateStore keeps kHistory blocks of history", "[store]") {
  testing::TempDir dir;
  std::unique_ptr<StateStore> store;
  REQUIRE(StateStore::Open(dir.path(), &store).ok());
  const uint64_t n = StateStore::kHistory + 10;
  for (uint64_t h = 1; h <= n; ++h) {
    REQUIRE(store->Commit(h, WriteSet{{"k", std::to_string(h)}}).ok());
  }
  const Hash32 root_n = store->state_root();
  std::optional<std::string> at;
  REQUIRE(store->GetAt("k", n - StateStore::kHistory, &at).ok());
  CHECK(at == std::to_string(n - StateStore::kHistory));
  CHECK(store->GetAt("k", n - StateStore::kHistory - 1, &at).code() ==
        Status::Code::kNotFound);

  // Between Persist and Apply of the next block, reads still see block n, the oldest
  // readable height included (its undo logs are all still there), and a second
  // Persist of that height is refused only after Apply.
  TreeUpdate next;
  CpuNodeHasher hasher;
  REQUIRE(store->UpdateTree(WriteSet{{"k", "next"}}, hasher, &next).ok());
  REQUIRE(store->Persist(n + 1, WriteSet{{"k", "next"}}, next).ok());
  CHECK(store->height() == n);
  CHECK(store->state_root() == root_n);
  std::string latest;
  REQUIRE(store->Get("k", &latest));
  CHECK(latest == std::to_string(n));
  for (uint64_t h = n - StateStore::kHistory; h <= n; ++h) {
    REQUIRE(store->GetAt("k", h, &at).ok());
    CHECK(at == std::to_string(h));
    // The tree's records of that height survive the next block's pruning too.
    StateProof proof;
    Hash32 root;
    REQUIRE(store->Prove("k", h, &at, &proof, &root).ok());
    CHECK(VerifyStateProof(root, "k", std::to_string(h), proof).ok());
    CHECK(root == StateLeafHash(StateKeyPath("k"), StateValueHash(std::to_string(h))));
  }
  store->Apply(n + 1, WriteSet{{"k", "next"}}, next);
  CHECK(store->height() == n + 1);
  CHECK(store->state_root() == next.root.hash);
  REQUIRE(store->GetAt("k", n + 1 - StateStore::kHistory, &at).ok());
  CHECK(at == std::to_string(n + 1 - StateStore::kHistory));
  CHECK(store->Persist(n + 1, WriteSet{}, next).code() == Status::Code::kFailedPrecondition);

  // Reopened: the persisted block is there.
  store.reset();
  REQUIRE(StateStore::Open(dir.path(), &store).ok());
  CHECK(store->height() == n + 1);
  REQUIRE(store->GetAt("k", n + 1 - StateStore::kHistory, &at).ok());
  CHECK(at == std::to_string(n + 1 - StateStore::kHistory));
}

TEST_CASE("StateStore: a staged deployment enters the state, and the root, with the next block",
          "[store]") {
  testing::TempDir dir;
  const Hash32 addr = Root(9), code = Root(8);
  const std::string code_key = ContractCodeKey(addr);
  Hash32 root2;
  {
    std::unique_ptr<StateStore> store;
    REQUIRE(StateStore::Open(dir.path(), &store).ok());
    REQUIRE(store->Commit(1, WriteSet{{"a", "1"}}).ok());
    const Hash32 root1 = store->state_root();
    REQUIRE(store->StageContract(addr, code, "wasm bytes").ok());
    // Staged: the state, its root and a block's writes before BlockWrites are unchanged.
    CHECK(store->state_root() == root1);
    std::string v;
    CHECK_FALSE(store->Get(code_key, &v));
    CHECK(store->BlockWrites(WriteSet{{"b", "2"}}) ==
          WriteSet{{"b", "2"}, {code_key, std::string(View32(code))}});
    REQUIRE(store->Commit(2, WriteSet{{"b", "2"}}).ok());
    root2 = store->state_root();
    CHECK(store->staged_contracts().empty());
  }
  std::unique_ptr<StateStore> store;
  REQUIRE(StateStore::Open(dir.path(), &store).ok());
  CHECK(store->staged_contracts().empty());
  Hash32 got;
  REQUIRE(store->GetContract(addr, &got));
  CHECK(got == code);
  std::vector<Hash32> code_hashes;
  REQUIRE(store->CodeHashes(&code_hashes).ok());
  CHECK(code_hashes == std::vector<Hash32>{code});
  // The root is the tree of the whole state, the code key included.
  CpuNodeHasher hasher;
  Hash32 scratch;
  REQUIRE(BuildStateRoot({{"a", "1"}, {"b", "2"}, {code_key, std::string(View32(code))}}, nullptr,
                         hasher, &scratch)
              .ok());
  CHECK(scratch == root2);
  // Absent at height 1, present at 2, with proofs against each height's root.
  for (uint64_t h : {uint64_t{1}, uint64_t{2}}) {
    std::optional<std::string> value;
    StateProof proof;
    Hash32 root;
    REQUIRE(store->Prove(code_key, h, &value, &proof, &root).ok());
    CHECK(value.has_value() == (h == 2));
    CHECK(VerifyStateProof(root, code_key, value, proof).ok());
  }
}

}  // namespace
}  // namespace chainaccel::exec

namespace chainaccel::exec {
namespace {

// Random blocks over a growing key set: updates, new keys, deletes.
WriteSet RandomBlock(std::mt19937_64& rng, size_t keys, size_t size) {
  std::map<std::string, std::optional<std::string>> block;
  while (block.size() < size) {
    const std::string key = "k" + std::to_string(rng() % keys);
    if (rng() % 8 == 0) {
      block[key] = std::nullopt;
    } else {
      block[key] = "v" + std::to_string(rng());
    }
  }
  return WriteSet(block.begin(), block.end());
}

// Commits `blocks` as blocks 1, 2, ... into a new store in `dir`.
void CommitBlocks(const std::string& dir, const std::vector<WriteSet>& blocks) {
  std::unique_ptr<StateStore> store;
  REQUIRE(StateStore::Open(dir, &store).ok());
  for (size_t h = 1; h <= blocks.size(); ++h) REQUIRE(store->Commit(h, blocks[h - 1]).ok());
}

// The node cache's misses while `store` commits `block` as its next.
uint64_t NodeMissesOfCommit(StateStore& store, const WriteSet& block) {
  constexpr auto kNode = static_cast<size_t>(StateCache::Kind::kNode);
  const uint64_t before = store.cache_stats().misses[kNode];
  REQUIRE(store.Commit(store.height() + 1, block).ok());
  return store.cache_stats().misses[kNode] - before;
}

TEST_CASE("StateStore::WarmNodeCache caches the committed tree from its root down, within "
          "kWarmFill of the nodes' half",
          "[store][cache]") {
  auto rng = chainaccel::testing::MakeRng("warm node cache");
  std::vector<WriteSet> blocks;
  for (int h = 0; h < 6; ++h) blocks.push_back(RandomBlock(rng, 20000, 5000));
  const WriteSet next = RandomBlock(rng, 20000, 5000);
  testing::TempDir dir;
  CommitBlocks(dir.path(), blocks);
  size_t reachable = 0;
  REQUIRE(testing::CheckLatestTree(dir.path(), &reachable).ok());
  REQUIRE(reachable > 1000);

  // The reference: the same blocks, the next one on a cold cache, which reads every node
  // of its changed paths from the database.
  testing::TempDir cold_dir;
  CommitBlocks(cold_dir.path(), blocks);
  std::unique_ptr<StateStore> cold;
  REQUIRE(StateStore::Open(cold_dir.path(), &cold).ok());
  const uint64_t cold_misses = NodeMissesOfCommit(*cold, next);
  CHECK(cold_misses > 100);

  SECTION("a cache that holds the tree: every node, and the next block misses none") {
    std::unique_ptr<StateStore> store;
    REQUIRE(StateStore::Open(dir.path(), &store, nullptr, size_t{128} << 20).ok());
    StateStore::NodeCacheWarmReport report;
    REQUIRE(store->WarmNodeCache(&report).ok());
    CHECK(report.whole_tree);
    CHECK(report.nodes == reachable);
    CHECK(report.whole_levels >= 3);
    CHECK(report.cache_capacity == size_t{64} << 20);
    CHECK(store->cache_stats().entries == reachable);
    CHECK(store->cache_stats().evictions == 0);
    CHECK(NodeMissesOfCommit(*store, next) == 0);
    CHECK(store->state_root() == cold->state_root());
  }
  SECTION("a cache for a third of the tree: the upper levels, fewer misses, the same root") {
    // ~440 bytes a node charged (docs/execution.md, "The state cache"): the nodes' half
    // holds about a third of them.
    const size_t cache_bytes = 2 * reachable * 440 / 3;
    std::unique_ptr<StateStore> store;
    REQUIRE(StateStore::Open(dir.path(), &store, nullptr, cache_bytes).ok());
    StateStore::NodeCacheWarmReport report;
    REQUIRE(store->WarmNodeCache(&report).ok());
    INFO("nodes " << report.nodes << " of " << reachable << ", bytes " << report.cache_bytes
                  << " of " << report.cache_capacity);
    CHECK_FALSE(report.whole_tree);
    CHECK(report.whole_levels >= 2);
    CHECK(report.nodes > reachable / 5);
    CHECK(report.nodes < reachable);
    CHECK(report.cache_bytes <= static_cast<size_t>(static_cast<double>(report.cache_capacity) *
                                                    StateStore::kWarmFill));
    CHECK(NodeMissesOfCommit(*store, next) < cold_misses);
    CHECK(store->state_root() == cold->state_root());
  }
  SECTION("no cache: nothing cached, nothing read") {
    std::unique_ptr<StateStore> store;
    REQUIRE(StateStore::Open(dir.path(), &store, nullptr, 0).ok());
    StateStore::NodeCacheWarmReport report;
    REQUIRE(store->WarmNodeCache(&report).ok());
    CHECK(report.nodes == 0);
    CHECK_FALSE(report.whole_tree);
    CHECK(report.whole_levels == 0);
  }
  SECTION("a node its parent names is missing: INTERNAL naming it, the store still opens") {
    {
      // Every record of the deepest nodes goes.
      rocksdb::DB* raw = nullptr;
      REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir.path(), &raw).ok());
      std::unique_ptr<rocksdb::DB> db(raw);
      // "t" || depth (2, big-endian) || prefix || version: the deepest sort last.
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
      std::vector<std::string> deepest;
      for (it->Seek("t"); it->Valid() && it->key().starts_with("t"); it->Next()) {
        const std::string key = it->key().ToString();
        if (!deepest.empty() && key.compare(0, 3, deepest.back(), 0, 3) != 0) deepest.clear();
        deepest.push_back(key);
      }
      REQUIRE(!deepest.empty());
      for (const std::string& key : deepest) REQUIRE(db->Delete(rocksdb::WriteOptions(), key).ok());
    }
    std::unique_ptr<StateStore> store;
    REQUIRE(StateStore::Open(dir.path(), &store, nullptr, size_t{128} << 20).ok());
    StateStore::NodeCacheWarmReport report;
    const Status s = store->WarmNodeCache(&report);
    CHECK(s.code() == Status::Code::kInternal);
    CHECK(s.message().find("which its parent names, is missing") != std::string::npos);
    CHECK(report.nodes > 0);
    CHECK_FALSE(report.whole_tree);
  }
}

TEST_CASE("StateStore: a tree update on top of an uncommitted block, beside its Persist, "
          "equals the update after it",
          "[store][pipeline]") {
  auto rng = chainaccel::testing::MakeRng("state store on top");
  // 40,000 keys: levels of more than 2 x PendingNodeReader::kMinRefsPerThread refs, which
  // the reader of the block below looks up on several threads.
  const size_t keys = GENERATE(size_t{50}, size_t{5000}, size_t{40000});
  const size_t size = keys / 5;
  testing::TempDir one_dir, piped_dir;
  std::unique_ptr<StateStore> one, piped;
  REQUIRE(StateStore::Open(one_dir.path(), &one).ok());
  REQUIRE(StateStore::Open(piped_dir.path(), &piped).ok());
  CpuNodeHasher hasher;
  constexpr uint64_t kBlocks = 12;
  std::vector<WriteSet> blocks;
  for (uint64_t h = 1; h <= kBlocks; ++h) {
    blocks.push_back(RandomBlock(rng, keys, size));
    REQUIRE(one->Commit(h, blocks.back()).ok());
  }
  // Block h + 1's tree update on top of block h while block h is persisted on another
  // thread; then h is applied and h + 1 persisted beside h + 2's update, and so on.
  std::array<TreeUpdate, 2> updates;
  REQUIRE(piped->UpdateTree(blocks[0], hasher, &updates[0]).ok());
  for (uint64_t h = 1; h <= kBlocks; ++h) {
    TreeUpdate& below = updates[(h - 1) % 2];
    Status persisted;
    std::thread writer([&] { persisted = piped->Persist(h, blocks[h - 1], below); });
    Status updated;
    if (h < kBlocks) updated = piped->UpdateTree(blocks[h], hasher, &updates[h % 2], &below);
    writer.join();
    REQUIRE(persisted.ok());
    REQUIRE(updated.ok());
    piped->Apply(h, blocks[h - 1], below);
    INFO("block " << h);
    CHECK(piped->state_root() == [&] {
      std::optional<std::string> unused;
      Hash32 root;
      StateProof proof;
      REQUIRE(one->Prove("k0", h, &unused, &proof, &root).ok());
      return root;
    }());
  }
  CHECK(piped->state_root() == one->state_root());
  one.reset();
  piped.reset();
  size_t reachable = 0;
  Status s = testing::CheckLatestTree(piped_dir.path(), &reachable);
  INFO(s.ToString());
  CHECK(s.ok());
  CHECK(reachable > 0);
}

}  // namespace
}  // namespace chainaccel::exec
