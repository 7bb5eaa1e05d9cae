// The authenticated state (execution/state_tree.h, execution/tx/state_proof.h, the tree in
// StateStore): roots against a reference built from nothing after random blocks, proofs of
// present and absent keys at every kept height (and every byte of them mutated), restarts,
// pruning, and the engine's batched hashing.
#include "execution/state_tree.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <unordered_map>
#include <vector>

#include "crypto/hashes.h"
#include "engines/cpu/cpu_engine.h"
#include "execution/execution_engine.h"
#include "execution/state_store.h"
#include "execution/testing/temp_dir.h"
#include "execution/testing/tree_records.h"
#include "execution/worker_pool.h"
#include "execution/tx/state_proof.h"
#include "tests/support/random.h"

namespace chainaccel::exec {
namespace {

using State = std::map<std::string, std::string, std::less<>>;

// The reference: the tree's definition in docs/execution.md, written out directly (no
// shortcuts shared with the code under test): a subtree is empty (zero), one leaf (its
// leaf hash), or SHA-256(0x01 || left || right) over the split of its leaves by the next
// path bit.
Hash32 Sha(std::initializer_list<ByteView> parts) {
  Hash32 h;
  Sha256Concat(parts, h.data());
  return h;
}
Hash32 ShaOf(const std::string& s) {
  Hash32 h;
  Sha256(ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()), h.data());
  return h;
}
bool Bit(const Hash32& path, int d) { return (path[d / 8] >> (7 - d % 8)) & 1; }

Hash32 ReferenceSubtree(std::vector<std::pair<Hash32, Hash32>> leaves, int depth) {
  if (leaves.empty()) return Hash32{};
  if (leaves.size() == 1) {
    const uint8_t zero = 0;
    return Sha({ByteView(&zero, 1), ByteView(leaves[0].first), ByteView(leaves[0].second)});
  }
  std::vector<std::pair<Hash32, Hash32>> left, right;
  for (const auto& l : leaves) (Bit(l.first, depth) ? right : left).push_back(l);
  const Hash32 a = ReferenceSubtree(std::move(left), depth + 1);
  const Hash32 b = ReferenceSubtree(std::move(right), depth + 1);
  const uint8_t one = 1;
  return Sha({ByteView(&one, 1), ByteView(a), ByteView(b)});
}

// Stored nodes of the tree of `paths` under a node at `depth` (docs/execution.md,
// "Storage and versions"): a node holds two paths or more (the root one or more), and has
// a child node for each of its 16 slots (the paths' next 4 bits) that holds two or more.
size_t ReferenceNodes(std::vector<Hash32> paths, int depth) {
  if (paths.size() < (depth == 0 ? 1u : 2u)) return 0;
  std::array<std::vector<Hash32>, 16> slots;
  for (const Hash32& p : paths) {
    int slot = 0;
    for (int i = 0; i < 4; ++i) slot = 2 * slot + Bit(p, depth + i);
    slots[slot].push_back(p);
  }
  size_t nodes = 1;
  for (std::vector<Hash32>& s : slots) {
    if (s.size() >= 2) nodes += ReferenceNodes(std::move(s), depth + 4);
  }
  return nodes;
}

size_t ReferenceNodeCount(const State& state, int depth) {
  std::vector<Hash32> paths;
  for (const auto& [k, v] : state) paths.push_back(ShaOf(k));
  return ReferenceNodes(std::move(paths), depth);
}

Hash32 ReferenceRoot(const State& state) {
  std::vector<std::pair<Hash32, Hash32>> leaves;
  for (const auto& [k, v] : state) leaves.emplace_back(ShaOf(k), ShaOf(v));
  return ReferenceSubtree(std::move(leaves), 0);
}

// The closed database at `path` holds the tree of `state` whole: one reachable record for
// each node of it.
void CheckLatestRecords(const std::string& path, const State& state) {
  size_t reachable = 0;
  const Status s = testing::CheckLatestTree(path, &reachable);
  INFO(s.ToString());
  CHECK(s.ok());
  CHECK(reachable == ReferenceNodeCount(state, 0));
}

// A random block over keys "k0".."k{universe-1}": sets and removals, some of absent keys.
WriteSet RandomBlock(std::mt19937_64& rng, size_t universe, size_t n) {
  WriteMap writes;
  for (size_t i = 0; i < n; ++i) {
    const std::string key = "k" + std::to_string(rng() % universe);
    if (rng() % 4 == 0) {
      writes[key] = std::nullopt;
    } else {
      writes[key] = "v" + std::to_string(rng() % 1000);
    }
  }
  return ToWriteSet(std::move(writes));
}

void ApplyTo(State& state, const WriteSet& writes) {
  for (const auto& [k, v] : writes) {
    if (v) {
      state[k] = *v;
    } else {
      state.erase(k);
    }
  }
}

// The proof's bytes, end to end: each sibling, then the leaf's path and value hash.
std::vector<uint8_t*> ProofBytes(StateProof& proof) {
  std::vector<uint8_t*> bytes;
  for (Hash32& s : proof.siblings) {
    for (uint8_t& b : s) bytes.push_back(&b);
  }
  if (proof.leaf) {
    for (uint8_t& b : proof.leaf->key_path) bytes.push_back(&b);
    for (uint8_t& b : proof.leaf->value_hash) bytes.push_back(&b);
  }
  return bytes;
}

// Proves `key` at `height` and checks the proof against `root` and `state` (that
// height's state).
void CheckProof(const StateStore& store, const std::string& key, uint64_t height,
                const State& state, const Hash32& root) {
  std::optional<std::string> value;
  StateProof proof;
  Hash32 proved_root;
  REQUIRE(store.Prove(key, height, &value, &proof, &proved_root).ok());
  REQUIRE(proved_root == root);
  const auto it = state.find(key);
  const std::optional<std::string> expected =
      it == state.end() ? std::nullopt : std::optional<std::string>(it->second);
  REQUIRE(value == expected);
  REQUIRE(VerifyStateProof(root, key, value, proof).ok());
}

TEST_CASE("State tree: the root of the empty state is 32 zero bytes, one leaf's is its leaf hash",
          "[tree]") {
  CpuNodeHasher hasher;
  Hash32 root;
  REQUIRE(BuildStateRoot({}, nullptr, hasher, &root).ok());
  CHECK(root == Hash32{});
  REQUIRE(BuildStateRoot({{"k", "v"}}, nullptr, hasher, &root).ok());
  CHECK(root == StateLeafHash(StateKeyPath("k"), StateValueHash("v")));
  CHECK(root == ReferenceRoot({{"k", "v"}}));
}

// The store's whole committed state, read back from its database.
State Stored(const StateStore& store) {
  State state;
  REQUIRE(store.ScanState([&state](std::string_view k, std::string_view v) {
    state.emplace(std::string(k), std::string(v));
  }).ok());
  return state;
}

// Levels of the read-ahead large enough to be looked up on several threads (2,048 nodes
// or more: ~4,000 nodes at depth 12 over 6·10^4 keys), with every node cached, with a
// cache too small for the tree (most lookups miss, each range's misses read by its
// thread) and with none.
TEST_CASE("State tree: blocks whose levels are read on several threads give the reference root",
          "[tree]") {
  const size_t cache_bytes = GENERATE(size_t{0}, size_t{1} << 20, size_t{256} << 20);
  INFO("cache " << cache_bytes << " bytes");
  std::mt19937_64 rng = chainaccel::testing::MakeRng("state tree threaded levels");
  testing::TempDir dir;
  std::unique_ptr<StateStore> store;
  REQUIRE(StateStore::Open(dir.path(), &store, nullptr, cache_bytes).ok());
  State state;
  WriteMap fill;
  for (int i = 0; i < 60000; ++i) fill["k" + std::to_string(i)] = std::to_string(i);
  const WriteSet first = ToWriteSet(std::move(fill));
  REQUIRE(store->Commit(1, first).ok());
  ApplyTo(state, first);
  for (uint64_t h = 2; h <= 3; ++h) {
    const WriteSet block = RandomBlock(rng, 70000, 12000);
    REQUIRE(store->Commit(h, block).ok());
    ApplyTo(state, block);
    REQUIRE(store->state_root() == ReferenceRoot(state));
  }
  store.reset();
  CheckLatestRecords(dir.path(), state);
}

TEST_CASE("State tree: roots equal the reference after random block sequences, with restarts",
          "[tree]") {
  // No cache (every read from RocksDB), a small one (evicting all the time), the default.
  const size_t cache_bytes = GENERATE(size_t{0}, size_t{64} << 10, StateStore::kDefaultCacheBytes);
  INFO("cache " << cache_bytes << " bytes");
  std::mt19937_64 rng = chainaccel::testing::MakeRng("state tree roots");
  testing::TempDir dir;
  State state;
  std::unique_ptr<StateStore> store;
  REQUIRE(StateStore::Open(dir.path(), &store, nullptr, cache_bytes).ok());
  CHECK(store->state_root() == Hash32{});
  for (uint64_t h = 1; h <= 120; ++h) {
    // Small universes make collapses (a subtree back to one leaf or none) common; the
    // later blocks delete most keys and refill them.
    const size_t universe = h < 40 ? 50 : (h < 80 ? 2000 : 300);
    const size_t n = 1 + rng() % (h % 10 == 0 ? 600 : 40);
    const WriteSet writes = RandomBlock(rng, universe, n);
    REQUIRE(store->Commit(h, writes).ok());
    ApplyTo(state, writes);
    INFO("height " << h);
    REQUIRE(store->state_root() == ReferenceRoot(state));
    if (h % 10 == 0) {
      // The database holds exactly the state, and rebuilding the root from it agrees.
      REQUIRE(Stored(*store) == state);
      CpuNodeHasher hasher;
      Hash32 root;
      const StateStore& s = *store;
      REQUIRE(BuildStateRoot([&s](const StateVisitor& v) { return s.ScanState(v); }, hasher, &root).ok());
      REQUIRE(root == store->state_root());
    }
    for (const auto& [k, v] : writes) {
      std::string got;
      REQUIRE(store->Get(k, &got) == v.has_value());
      if (v) REQUIRE(got == *v);
    }
    if (rng() % 8 == 0) {
      store.reset();
      CheckLatestRecords(dir.path(), state);
      REQUIRE(StateStore::Open(dir.path(), &store, nullptr, cache_bytes).ok());
      REQUIRE(store->height() == h);
      REQUIRE(store->state_root() == ReferenceRoot(state));
    }
  }
  // Everything removed: back to the empty root, and built up again.
  WriteSet clear;
  for (const auto& [k, v] : state) clear.emplace_back(k, std::nullopt);
  REQUIRE(store->Commit(121, clear).ok());
  CHECK(store->state_root() == Hash32{});
  store.reset();
  CheckLatestRecords(dir.path(), State{});
  REQUIRE(StateStore::Open(dir.path(), &store, nullptr, cache_bytes).ok());
  REQUIRE(store->Commit(122, WriteSet{{"a", "1"}, {"b", "2"}}).ok());
  CHECK(store->state_root() == ReferenceRoot({{"a", "1"}, {"b", "2"}}));
}

// The latest tree in memory: each update's stale records erased, its new ones written. A
// read of another version than the latest finds nothing.
class MemoryTree final : public NodeReader {
 public:
  Status Read(const NodeRef& ref, std::optional<VersionedNode>* out) const override {
    const auto it = nodes_.find(ref.position);
    if (it == nodes_.end() || it->second.version != ref.version) {
      out->reset();
    } else {
      *out = it->second;
    }
    return Status::Ok();
  }
  void Apply(const TreeUpdate& update, uint64_t height) {
    for (const auto& [position, version] : update.stale) nodes_.erase(position);
    for (const auto& [position, node] : update.written) nodes_[position] = VersionedNode{node, height};
  }

 private:
  std::unordered_map<NodePosition, VersionedNode, NodePositionHash> nodes_;
};

// A TreeUpdate's records in a canonical order, to compare two updates.
std::vector<std::string> RecordsOf(const TreeUpdate& update) {
  std::vector<std::string> records;
  for (const auto& [position, node] : update.written) {
    records.push_back("w" + std::to_string(position.depth) +
                      std::string(position.prefix.begin(), position.prefix.end()) + node.Encode());
  }
  for (const auto& [position, version] : update.stale) {
    records.push_back("s" + std::to_string(position.depth) +
                      std::string(position.prefix.begin(), position.prefix.end()) +
                      std::to_string(version));
  }
  std::sort(records.begin(), records.end());
  return records;
}

// Whether `update.written` is in key order (depth, then prefix), each position once, as
// UpdateStateTree documents and the commit relies on to write without sorting.
bool WrittenInKeyOrder(const TreeUpdate& update) {
  return std::adjacent_find(update.written.begin(), update.written.end(),
                            [](const auto& x, const auto& y) {
                              const NodePosition& a = x.first;
                              const NodePosition& b = y.first;
                              return a.depth != b.depth ? a.depth > b.depth : a.prefix >= b.prefix;
                            }) == update.written.end();
}

TEST_CASE("State tree: an update that reuses its buffers and its TreeUpdate equals a fresh one",
          "[tree]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("state tree scratch");
  CpuNodeHasher hasher;
  MemoryTree reused_tree, fresh_tree;
  TreeUpdateScratch scratch;
  TreeUpdate reused;  // kept from block to block, as the execution engine keeps it
  TreeRoot reused_root, fresh_root;
  State state;
  // Large blocks after small ones and the other way round, an empty block, removals.
  const size_t sizes[] = {2000, 3, 500, 0, 1, 3000, 40, 700, 2};
  uint64_t height = 0;
  for (size_t n : sizes) {
    const WriteSet block = RandomBlock(rng, 4000, n);
    ++height;
    TreeUpdate fresh;
    REQUIRE(UpdateStateTree(fresh_tree, fresh_root, height, block, hasher, &fresh).ok());
    REQUIRE(UpdateStateTree(reused_tree, reused_root, height, block, hasher, &reused, &scratch).ok());
    ApplyTo(state, block);
    CHECK(reused.root.hash == fresh.root.hash);
    CHECK(reused.root.version == fresh.root.version);
    CHECK(reused.root.hash == ReferenceRoot(state));
    CHECK(RecordsOf(reused) == RecordsOf(fresh));
    CHECK(WrittenInKeyOrder(reused));
    CHECK(WrittenInKeyOrder(fresh));
    // `removed`: exactly the stale positions not written again.
    std::set<std::string> expected_removed, removed;
    for (const auto& [position, version] : fresh.stale) {
      expected_removed.insert(std::to_string(position.depth) + std::string(position.prefix.begin(), position.prefix.end()));
    }
    for (const auto& [position, node] : fresh.written) {
      expected_removed.erase(std::to_string(position.depth) + std::string(position.prefix.begin(), position.prefix.end()));
    }
    for (const NodePosition& position : reused.removed) {
      removed.insert(std::to_string(position.depth) + std::string(position.prefix.begin(), position.prefix.end()));
    }
    CHECK(removed == expected_removed);
    CHECK(removed.size() == reused.removed.size());
    fresh_tree.Apply(fresh, height);
    reused_tree.Apply(reused, height);
    fresh_root = fresh.root;
    reused_root = reused.root;
  }
}

// Records of an update in the order it lists them, to compare two updates exactly.
std::vector<std::string> ListedRecordsOf(const TreeUpdate& update) {
  std::vector<std::string> records;
  const auto at = [](const NodePosition& p) {
    return std::to_string(p.depth) + std::string(p.prefix.begin(), p.prefix.end());
  };
  for (const auto& [position, node] : update.written) records.push_back("w" + at(position) + node.Encode());
  for (const auto& [position, version] : update.stale) records.push_back("s" + at(position) + std::to_string(version));
  for (const NodePosition& position : update.removed) records.push_back("r" + at(position));
  return records;
}

TEST_CASE("State tree: an update walked in lanes on threads lists what one walk lists",
          "[tree]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("state tree lanes");
  CpuNodeHasher hasher;
  WorkerPool workers(4);
  MemoryTree one_tree, lanes_tree;
  TreeUpdateScratch one_scratch, lanes_scratch;
  TreeRoot one_root, lanes_root;
  State state;
  uint64_t height = 0;
  const auto block = [&](const WriteSet& writes) {
    ++height;
    INFO("height " << height << ", " << writes.size() << " changes");
    TreeUpdate one, lanes;
    REQUIRE(UpdateStateTree(one_tree, one_root, height, writes, hasher, &one, &one_scratch).ok());
    REQUIRE(UpdateStateTree(lanes_tree, lanes_root, height, writes, hasher, &lanes, &lanes_scratch,
                            &workers).ok());
    ApplyTo(state, writes);
    CHECK(lanes.root.hash == ReferenceRoot(state));
    CHECK(lanes.root.hash == one.root.hash);
    CHECK(lanes.root.version == one.root.version);
    CHECK(ListedRecordsOf(lanes) == ListedRecordsOf(one));
    CHECK(WrittenInKeyOrder(lanes));
    one_tree.Apply(one, height);
    lanes_tree.Apply(lanes, height);
    one_root = one.root;
    lanes_root = lanes.root;
  };
  // Blocks of at least 4,096 changes (Updater::kMinChangesForLanes) walk the root's slots
  // in lanes; removals among them, small blocks between them.
  for (size_t n : {6000, 9000, 30, 5000, 12000}) block(RandomBlock(rng, 20000, n));
  // Every key but one removed (the root collapses to one leaf), then all of them, then a
  // refill: the lanes' edges.
  WriteMap all_but_one;
  for (const auto& [key, value] : state) all_but_one[key] = std::nullopt;
  REQUIRE(all_but_one.size() >= 4096);
  all_but_one.erase(all_but_one.begin());
  block(ToWriteSet(std::move(all_but_one)));
  CHECK(state.size() == 1);
  block(RandomBlock(rng, 20000, 8000));
  WriteMap all;
  for (const auto& [key, value] : state) all[key] = std::nullopt;
  block(ToWriteSet(std::move(all)));
  CHECK(state.empty());
  CHECK(lanes_root.hash == kEmptyStateRoot);
  block(RandomBlock(rng, 20000, 8000));
}

// `count` keys whose paths start with the first `bits` bits of `base`'s path (mined: ~2^bits
// tries a key).
std::vector<std::string> KeysSharingPath(std::mt19937_64& rng, const std::string& base,
                                         unsigned bits, size_t count) {
  const Hash32 want = ShaOf(base);
  std::vector<std::string> keys;
  while (keys.size() < count) {
    const std::string k = "m" + std::to_string(rng());
    const Hash32 path = ShaOf(k);
    unsigned same = 0;
    while (same < bits && Bit(path, same) == Bit(want, same)) ++same;
    if (same == bits) keys.push_back(k);
  }
  return keys;
}

// Keys whose paths part inside a node's binary levels (5, 6, 7 bits), at its slots (8, 12,
// 16 bits) and below: leaves move up through a node's levels and out of child nodes as
// their neighbours go, and nodes appear and vanish at every depth of a node.
TEST_CASE("State tree: keys that share 5 to 17 path bits, added and removed one at a time",
          "[tree]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("state tree shared paths");
  std::vector<std::string> keys = {"base"};
  for (unsigned bits : {5u, 6u, 7u, 8u, 11u, 12u, 13u, 16u, 17u}) {
    for (const std::string& k : KeysSharingPath(rng, "base", bits, 2)) keys.push_back(k);
  }
  std::shuffle(keys.begin(), keys.end(), rng);
  testing::TempDir dir;
  std::unique_ptr<StateStore> store;
  REQUIRE(StateStore::Open(dir.path(), &store).ok());
  State state;
  uint64_t h = 0;
  const auto check = [&] {
    INFO("height " << h << ", " << state.size() << " keys");
    REQUIRE(store->state_root() == ReferenceRoot(state));
    for (const std::string& k : keys) CheckProof(*store, k, h, state, store->state_root());
  };
  for (const std::string& k : keys) {
    const WriteSet add = {{k, "v" + k}};
    REQUIRE(store->Commit(++h, add).ok());
    ApplyTo(state, add);
    check();
  }
  store.reset();
  CheckLatestRecords(dir.path(), state);
  REQUIRE(StateStore::Open(dir.path(), &store).ok());
  std::shuffle(keys.begin(), keys.end(), rng);
  for (const std::string& k : keys) {
    const WriteSet remove = {{k, std::nullopt}};
    REQUIRE(store->Commit(++h, remove).ok());
    ApplyTo(state, remove);
    check();
    if (state.size() == 3) {
      store.reset();
      CheckLatestRecords(dir.path(), state);
      REQUIRE(StateStore::Open(dir.path(), &store).ok());
    }
  }
  CHECK(store->state_root() == Hash32{});
}

// A database whose tree is in the binary format of earlier versions (65-byte records) is
// refused on open with a message that says so.
TEST_CASE("State tree: a database of binary node records is refused on open", "[tree]") {
  testing::TempDir dir;
  {
    std::unique_ptr<StateStore> store;
    REQUIRE(StateStore::Open(dir.path(), &store).ok());
    REQUIRE(store->Commit(1, WriteSet{{"a", "1"}, {"b", "2"}}).ok());
  }
  {
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir.path(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::string root_key = "t" + std::string(2 + 32, '\0') + std::string(7, '\0') + "\x01";
    std::string record;
    REQUIRE(db->Get(rocksdb::ReadOptions(), root_key, &record).ok());
    REQUIRE(db->Put(rocksdb::WriteOptions(), root_key, std::string(1, '\x02') + std::string(64, 'z')).ok());
  }
  std::unique_ptr<StateStore> store;
  const Status s = StateStore::Open(dir.path(), &store);
  CHECK(s.code() == Status::Code::kInternal);
  CHECK(s.message().find("binary format of earlier versions") != std::string::npos);
}

// The record of a node (docs/execution.md, "Storage and versions") in and out, and what
// Decode refuses.
TEST_CASE("State tree: a node's record round-trips and malformed records are refused", "[tree]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("state tree records");
  for (int i = 0; i < 200; ++i) {
    TreeNode node;
    const unsigned occupied = 1 + static_cast<unsigned>(rng() % kTreeNodeSlots);
    for (unsigned k = 0; k < occupied; ++k) {
      TreeNode::Slot& slot = node.slots[rng() % kTreeNodeSlots];
      slot.kind = rng() % 2 ? TreeNode::Slot::Kind::kLeaf : TreeNode::Slot::Kind::kChild;
      for (uint8_t& b : slot.a) b = static_cast<uint8_t>(rng());
      slot.b = Hash32{};
      slot.version = 0;
      if (slot.kind == TreeNode::Slot::Kind::kLeaf) {
        for (uint8_t& b : slot.b) b = static_cast<uint8_t>(rng());
      } else {
        slot.version = rng();
      }
    }
    const std::string bytes = node.Encode();
    CHECK(bytes.size() == 5 + 64 * [&] {
            unsigned n = 0;
            for (const auto& s : node.slots) n += s.kind == TreeNode::Slot::Kind::kLeaf;
            return n;
          }() + 40 * [&] {
            unsigned n = 0;
            for (const auto& s : node.slots) n += s.kind == TreeNode::Slot::Kind::kChild;
            return n;
          }());
    TreeNode back;
    REQUIRE(back.Decode(bytes));
    CHECK(back.Encode() == bytes);
    CHECK(back.Hash() == node.Hash());
    // One byte more or less, another format byte, a slot both leaf and child: refused.
    CHECK_FALSE(back.Decode(bytes + "x"));
    CHECK_FALSE(back.Decode(std::string_view(bytes).substr(0, bytes.size() - 1)));
    std::string other = bytes;
    other[0] = 0x02;
    CHECK_FALSE(back.Decode(other));
    other = bytes;
    const int first = __builtin_ctz((static_cast<uint8_t>(bytes[1]) << 8 | static_cast<uint8_t>(bytes[2])) |
                                    (static_cast<uint8_t>(bytes[3]) << 8 | static_cast<uint8_t>(bytes[4])));
    other[first >= 8 ? 1 : 2] = static_cast<char>(other[first >= 8 ? 1 : 2] | (1 << (first % 8)));
    other[first >= 8 ? 3 : 4] = static_cast<char>(other[first >= 8 ? 3 : 4] | (1 << (first % 8)));
    CHECK_FALSE(back.Decode(other));
  }
  TreeNode none;
  CHECK_FALSE(none.Decode(std::string("\x03\0\0\0\0", 5)));  // no slot
  // The binary format's 65-byte records (kind 1 or 2, two hashes).
  CHECK_FALSE(none.Decode(std::string(1, '\x01') + std::string(64, 'a')));
  CHECK_FALSE(none.Decode(std::string(1, '\x02') + std::string(64, 'a')));
}

// A node of one leaf (the root of a one-key state) hashes to that leaf; of a leaf and a
// child node in slots of different halves, to the internal node over the leaf and the
// chain of internal nodes above the child.
TEST_CASE("State tree: a node's hash follows the binary rules", "[tree]") {
  Hash32 path{}, value{}, child{};
  path[0] = 0x50;  // slot 5
  value[0] = 1;
  child[0] = 2;
  TreeNode node;
  node.slots[5] = {TreeNode::Slot::Kind::kLeaf, path, value};
  CHECK(node.Hash() == StateLeafHash(path, value));
  node.slots[12] = {TreeNode::Slot::Kind::kChild, child, {}};
  // Slot 5 = 0101 and slot 12 = 1100 part at the first bit: the leaf moves up to depth 1;
  // the child node stays at depth 4 under internal nodes with an empty side (1, 1, 0, 0).
  const Hash32 right =
      StateInternalHash(Hash32{}, StateInternalHash(StateInternalHash(child, Hash32{}), Hash32{}));
  CHECK(node.Hash() == StateInternalHash(StateLeafHash(path, value), right));
  // A lone child node keeps the internal nodes above it (an empty sibling at each level).
  TreeNode lone;
  lone.slots[0] = {TreeNode::Slot::Kind::kChild, child, {}};
  Hash32 up = child;
  for (int i = 0; i < 4; ++i) up = StateInternalHash(up, Hash32{});
  CHECK(lone.Hash() == up);
}

// A walk over `state` that counts itself in *walks.
StateScan CountedScan(const State& state, size_t* walks) {
  return [&state, walks](const StateVisitor& visit) {
    ++*walks;
    for (const auto& [k, v] : state) visit(k, v);
    return Status::Ok();
  };
}

TEST_CASE("State tree: a root built in passes of a few keys each equals the reference, "
          "walking the state for each pass or spilled to files",
          "[tree]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("state tree passes");
  CpuNodeHasher hasher;
  testing::TempDir dir;
  const std::string spill = dir.path() + "/spill";
  for (size_t keys : {size_t{0}, size_t{1}, size_t{2}, size_t{9}, size_t{300}, size_t{2000}}) {
    State state;
    while (state.size() < keys) {
      // Values up to ~70 KB (past the spill's 64 KiB buffers) now and then, empty ones too.
      const size_t value_size = rng() % 8 == 0 ? rng() % 70000 : rng() % 40;
      state["k" + std::to_string(rng())] = std::string(value_size, static_cast<char>('a' + rng() % 26));
    }
    size_t walks = 0;
    const StateScan scan = CountedScan(state, &walks);
    // 2000 keys at 1 a pass: k = 11, past the files' 8 bits (each file read by 8 passes).
    for (size_t per_pass : {size_t{1}, size_t{3}, size_t{7}, size_t{100}, size_t{5000}}) {
      for (const bool spilled : {false, true}) {
        INFO(keys << " keys, " << per_pass << " a pass, spilled " << spilled);
        walks = 0;
        Hash32 root;
        RootBuildReport report;
        REQUIRE(BuildStateRoot(scan, hasher, &root, per_pass, spilled ? spill : "", &report).ok());
        CHECK(root == ReferenceRoot(state));
        // One walk when the state fits a pass; else the counting walk and then 2^k walks,
        // or one walk that spills.
        unsigned bits = 0;
        while ((keys >> bits) > per_pass) ++bits;
        CHECK(walks == (bits == 0 ? 1 : spilled ? 2 : 1 + (size_t{1} << bits)));
        CHECK(report.walks == walks);
        CHECK(report.spilled == (spilled && bits > 0));
        CHECK(report.not_spilled_because.empty());
        CHECK_FALSE(std::filesystem::exists(spill));  // removed after
      }
    }
  }
  // A walk that fails fails the build.
  Hash32 root;
  CHECK(BuildStateRoot([](const StateVisitor&) { return Status::Internal("disk"); }, hasher, &root)
            .code() == Status::Code::kInternal);
}

TEST_CASE("State tree: the spill folder is made afresh, a spill that cannot be made leaves "
          "the passes walking, and a failed walk fails the build",
          "[tree]") {
  CpuNodeHasher hasher;
  testing::TempDir dir;
  const std::string spill = dir.path() + "/spill";
  // What was in the folder before is removed first; a folder that cannot be made leaves
  // the passes walking the state (the files only save walks); a walk that fails fails
  // the build.
  State state;
  for (int i = 0; i < 50; ++i) state["key" + std::to_string(i)] = std::to_string(i);
  size_t walks = 0;
  const StateScan scan = CountedScan(state, &walks);
  std::filesystem::create_directories(spill);
  { std::ofstream(spill + "/0") << "stale bytes of an earlier check"; }
  Hash32 root;
  REQUIRE(BuildStateRoot(scan, hasher, &root, 4, spill).ok());
  CHECK(root == ReferenceRoot(state));
  { std::ofstream(dir.path() + "/a-file") << "x"; }
  walks = 0;
  root = Hash32{};
  RootBuildReport report;
  REQUIRE(BuildStateRoot(scan, hasher, &root, 4, dir.path() + "/a-file/spill", &report).ok());
  CHECK(root == ReferenceRoot(state));
  CHECK_FALSE(report.spilled);
  CHECK(walks == 1 + 16);  // 50 keys, 4 a pass: k = 4
  CHECK(report.walks == walks);
  CHECK(report.not_spilled_because.find("the state could not be spilled (state root check: cannot create") == 0);
  // A spill file cut short while the passes read the files (the first non-empty one
  // after pass 0's, at pass 0's first hashes): from its pass on they walk the state, and
  // the root is still right.
  class CuttingHasher final : public NodeHasher {
   public:
    explicit CuttingHasher(std::string dir) : dir_(std::move(dir)) {}
    Status Hash(std::span<const uint8_t> preimages, size_t n, uint8_t* digests) override {
      for (size_t b = 1; cut == 0 && b < 16; ++b) {
        const std::string file = dir_ + "/" + std::to_string(b);
        if (std::filesystem::exists(file) && std::filesystem::file_size(file) > 0) {
          std::filesystem::resize_file(file, std::filesystem::file_size(file) - 1);
          cut = b;
        }
      }
      return cpu_.Hash(preimages, n, digests);
    }
    size_t cut = 0;  // the file cut short

   private:
    std::string dir_;
    CpuNodeHasher cpu_;
  };
  CuttingHasher cutting(spill);
  walks = 0;
  REQUIRE(BuildStateRoot(scan, cutting, &root, 4, spill, &report).ok());
  REQUIRE(cutting.cut > 0);
  CHECK(root == ReferenceRoot(state));
  CHECK_FALSE(report.spilled);
  CHECK(walks == 2 + (16 - cutting.cut));  // counted and spilled; then a walk a pass from the cut
  CHECK(report.walks == walks);
  CHECK(report.not_spilled_because == "a spill file could not be read; the passes from prefix " +
                                          std::to_string(cutting.cut) + " on walk the state");
  CHECK_FALSE(std::filesystem::exists(spill));
  // A folder whose disk cannot be asked for its free space (its parent does not exist):
  // no files, the passes walk.
  walks = 0;
  const std::string nowhere = dir.path() + "/no/such/parent/spill";
  REQUIRE(BuildStateRoot(scan, hasher, &root, 4, nowhere, &report).ok());
  CHECK(root == ReferenceRoot(state));
  CHECK_FALSE(report.spilled);
  CHECK(walks == 1 + 16);
  CHECK(report.not_spilled_because.find("the free disk of " + dir.path() + "/no/such/parent is unknown") == 0);
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/no"));
  size_t calls = 0;
  const StateScan fails_second = [&](const StateVisitor& visit) {
    return ++calls == 2 ? Status::Internal("disk") : scan(visit);
  };
  CHECK(BuildStateRoot(fails_second, hasher, &root, 4, spill).code() == Status::Code::kInternal);
  CHECK_FALSE(std::filesystem::exists(spill));
}

TEST_CASE("State tree: the engine's batched hashing gives the reference root", "[tree]") {
  CpuEngine cpu(CpuEngine::Options{2});
  State state;
  for (int i = 0; i < 5000; ++i) state["key" + std::to_string(i)] = std::to_string(i * 7);
  WriteSet overlay = {{"key1", std::nullopt}, {"new", "x"}, {"key2", "changed"}};
  Hash32 root;
  REQUIRE(ExecutionEngine::ComputeStateRoot(cpu, state, &overlay, &root).ok());
  ApplyTo(state, overlay);
  CHECK(root == ReferenceRoot(state));
}

TEST_CASE("State tree: proofs of present and absent keys verify, and fail when mutated",
          "[tree]") {
  testing::TempDir dir;
  std::unique_ptr<StateStore> store;
  REQUIRE(StateStore::Open(dir.path(), &store).ok());
  State state;
  // Height 0 (empty): absence proven by an empty proof.
  CheckProof(*store, "k1", 0, state, Hash32{});
  WriteSet writes;
  for (int i = 0; i < 200; ++i) writes.emplace_back("k" + std::to_string(i), "v" + std::to_string(i));
  std::sort(writes.begin(), writes.end());
  REQUIRE(store->Commit(1, writes).ok());
  ApplyTo(state, writes);
  const Hash32 root = store->state_root();
  size_t checked = 0;
  for (int i = 0; i < 400; i += 7) {  // k200.. are absent
    const std::string key = "k" + std::to_string(i);
    CheckProof(*store, key, 1, state, root);
    std::optional<std::string> value;
    StateProof proof;
    Hash32 r;
    REQUIRE(store->Prove(key, 1, &value, &proof, &r).ok());
    // Every byte of the proof flipped (two ways) breaks it.
    for (uint8_t* b : ProofBytes(proof)) {
      for (uint8_t mask : {uint8_t{0x01}, uint8_t{0xff}}) {
        *b ^= mask;
        CHECK_FALSE(VerifyStateProof(root, key, value, proof).ok());
        *b ^= mask;
        ++checked;
      }
    }
    // The other verdict for the same key, a sibling more or fewer, the leaf dropped.
    CHECK_FALSE(VerifyStateProof(root, key, value ? std::nullopt : std::optional<std::string>("v"),
                                 proof)
                    .ok());
    if (value) CHECK_FALSE(VerifyStateProof(root, key, *value + "x", proof).ok());
    StateProof longer = proof;
    longer.siblings.push_back(Hash32{});
    CHECK_FALSE(VerifyStateProof(root, key, value, longer).ok());
    if (!proof.siblings.empty()) {
      StateProof shorter = proof;
      shorter.siblings.pop_back();
      CHECK_FALSE(VerifyStateProof(root, key, value, shorter).ok());
    }
    if (proof.leaf) {
      StateProof no_leaf = proof;
      no_leaf.leaf.reset();
      CHECK_FALSE(VerifyStateProof(root, key, std::nullopt, no_leaf).ok());
    }
    // Another key's proof does not prove this one.
    CHECK_FALSE(VerifyStateProof(root, key + "z", value, proof).ok());
  }
  CHECK(checked > 1000);
}

TEST_CASE("State tree: every kept height proves every key after pruning: older heights are gone",
          "[tree]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("state tree pruning");
  testing::TempDir dir;
  std::vector<State> states = {State{}};
  std::vector<Hash32> roots = {Hash32{}};
  const uint64_t blocks = StateStore::kHistory + 150;
  {
    std::unique_ptr<StateStore> store;
    REQUIRE(StateStore::Open(dir.path(), &store).ok());
    for (uint64_t h = 1; h <= blocks; ++h) {
      const WriteSet writes = RandomBlock(rng, 60, 1 + rng() % 12);
      // Restarts at many heights, kept ones included.
      if (h % 17 == 0) {
        store.reset();
        REQUIRE(StateStore::Open(dir.path(), &store).ok());
      }
      REQUIRE(store->Commit(h, writes).ok());
      states.push_back(states.back());
      ApplyTo(states.back(), writes);
      roots.push_back(store->state_root());
      REQUIRE(roots.back() == ReferenceRoot(states.back()));
    }
  }
  std::unique_ptr<StateStore> store;
  REQUIRE(StateStore::Open(dir.path(), &store).ok());
  for (uint64_t h = blocks - StateStore::kHistory; h <= blocks; ++h) {
    INFO("height " << h);
    for (int k = 0; k < 64; ++k) CheckProof(*store, "k" + std::to_string(k), h, states[h], roots[h]);
  }
  std::optional<std::string> value;
  StateProof proof;
  Hash32 root;
  CHECK(store->Prove("k1", blocks - StateStore::kHistory - 1, &value, &proof, &root).code() ==
        Status::Code::kNotFound);
  store.reset();
  // What pruning left: no stale bucket or root record below the kept heights, and fewer
  // node records than the blocks wrote.
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir.path(), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  auto height_of = [](const rocksdb::Slice& key) {
    uint64_t v = 0;
    for (int i = 1; i <= 8; ++i) v = (v << 8) | static_cast<uint8_t>(key[i]);
    return v;
  };
  size_t stale = 0, root_records = 0, nodes = 0;
  for (it->Seek("r"); it->Valid() && it->key().starts_with("r"); it->Next()) {
    CHECK(height_of(it->key()) + StateStore::kHistory + 1 >= blocks);
    ++root_records;
  }
  for (it->Seek("t"); it->Valid() && it->key().starts_with("t"); it->Next()) ++nodes;
  // The stale index: one record a block, listing (position, version) entries of 42 bytes.
  for (it->Seek("x"); it->Valid() && it->key().starts_with("x"); it->Next()) {
    CHECK(height_of(it->key()) + StateStore::kHistory + 1 > blocks);
    REQUIRE(it->key().size() == 9);
    CHECK(it->value().size() % 42 == 0);
    stale += it->value().size() / 42;
  }
  CHECK(root_records == StateStore::kHistory + 2);
  CHECK(stale > 0);
  // Every record left is either the latest tree's or one replaced at a kept height (and
  // listed in the stale index): nothing leaks, nothing kept is missing.
  CHECK(nodes == ReferenceNodeCount(states[blocks], 0) + stale);
  it.reset();
  db.reset();
  CheckLatestRecords(dir.path(), states[blocks]);
}

TEST_CASE("State tree: a stale bucket of one-entry keys (an older database's) is pruned too",
          "[tree]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("state tree legacy stale index");
  testing::TempDir dir;
  State state;
  std::unique_ptr<StateStore> store;
  REQUIRE(StateStore::Open(dir.path(), &store).ok());
  for (uint64_t h = 1; h <= 3; ++h) {
    const WriteSet writes = RandomBlock(rng, 40, 10);
    REQUIRE(store->Commit(h, writes).ok());
    ApplyTo(state, writes);
  }
  store.reset();
  // Bucket 2 rewritten as the older layout: a key "x" || u64be(2) || entry per entry.
  std::string list;
  {
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir.path(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    const std::string bucket = std::string("x") + std::string(7, '\0') + "\x02";
    REQUIRE(db->Get(rocksdb::ReadOptions(), bucket, &list).ok());
    REQUIRE(!list.empty());
    REQUIRE(db->Delete(rocksdb::WriteOptions(), bucket).ok());
    for (size_t i = 0; i < list.size(); i += 42) {
      REQUIRE(db->Put(rocksdb::WriteOptions(), bucket + list.substr(i, 42), "").ok());
    }
  }
  REQUIRE(StateStore::Open(dir.path(), &store).ok());
  for (uint64_t h = 4; h <= StateStore::kHistory + 3; ++h) {
    const WriteSet writes = RandomBlock(rng, 40, 1 + rng() % 6);
    REQUIRE(store->Commit(h, writes).ok());
    ApplyTo(state, writes);
  }
  REQUIRE(store->state_root() == ReferenceRoot(state));
  store.reset();
  // Block kHistory + 3 pruned bucket 2: its keys and the records they listed are gone.
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir.path(), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  const std::string bucket = std::string("x") + std::string(7, '\0') + "\x02";
  it->Seek(bucket);
  CHECK_FALSE((it->Valid() && it->key().starts_with(bucket)));
  std::string node;
  for (size_t i = 0; i < list.size(); i += 42) {
    CHECK(db->Get(rocksdb::ReadOptions(), "t" + list.substr(i, 42), &node).IsNotFound());
  }
}

}  // namespace
}  // namespace chainaccel::exec
