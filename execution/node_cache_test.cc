#include "execution/node_cache.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "tests/support/random.h"

namespace chainaccel::exec {
namespace {

// A position of a tree path: `depth` bits of `path` kept, the rest zero.
NodePosition PositionOf(const Hash32& path, uint16_t depth) {
  NodePosition p{depth, {}};
  for (uint16_t bit = 0; bit < depth; ++bit) {
    p.prefix[bit / 8] |= static_cast<uint8_t>(path[bit / 8] & (0x80u >> (bit % 8)));
  }
  return p;
}

Hash32 RandomHash(std::mt19937_64& rng) {
  Hash32 h;
  for (uint8_t& b : h) b = static_cast<uint8_t>(rng());
  return h;
}

// A node of `slots` random slots (leaves and children).
VersionedNode RandomNode(std::mt19937_64& rng, unsigned slots = 2) {
  VersionedNode n;
  for (unsigned i = 0; i < slots; ++i) {
    TreeNode::Slot& slot = n.node.slots[rng() % kTreeNodeSlots];
    slot.kind = rng() % 2 ? TreeNode::Slot::Kind::kLeaf : TreeNode::Slot::Kind::kChild;
    slot.a = RandomHash(rng);
    if (slot.kind == TreeNode::Slot::Kind::kLeaf) slot.b = RandomHash(rng);
  }
  n.version = rng();
  return n;
}

bool Same(const VersionedNode& x, const VersionedNode& y) {
  return x.node.Encode() == y.node.Encode() && x.version == y.version;
}

TEST_CASE("NodeCache: hits, misses, replacement, erase, positions apart by depth", "[cache]") {
  auto rng = testing::MakeRng("node cache basics");
  NodeCache cache(1 << 20);
  const Hash32 path = RandomHash(rng);
  const NodePosition shallow = PositionOf(path, 3), deep = PositionOf(path, 200);
  const NodePosition root = PositionOf(path, 0);
  const VersionedNode a = RandomNode(rng), b = RandomNode(rng);
  VersionedNode out = a;
  CHECK_FALSE(cache.Lookup(shallow, &out));
  CHECK(Same(out, a));  // untouched on a miss
  cache.Insert(shallow, a);
  cache.Insert(deep, b);
  cache.Insert(root, b);
  REQUIRE(cache.Lookup(shallow, &out));
  CHECK(Same(out, a));
  REQUIRE(cache.Lookup(deep, &out));
  CHECK(Same(out, b));
  // Same prefix bits, another depth: another position.
  CHECK_FALSE(cache.Lookup(PositionOf(path, 2), &out));
  cache.Insert(shallow, b);
  REQUIRE(cache.Lookup(shallow, &out));
  CHECK(Same(out, b));
  cache.Erase(shallow);
  CHECK_FALSE(cache.Lookup(shallow, &out));
  cache.Erase(shallow);  // erasing what is not there changes nothing
  REQUIRE(cache.Lookup(root, &out));

  const NodeCache::Stats s = cache.stats();
  CHECK(s.entries == 2);
  // Each entry (deep and root, both b): its position (34 bytes), version (8), record and
  // the bookkeeping.
  CHECK(s.bytes == 2 * (34 + 8 + StateCache::kEntryOverhead + b.node.Encode().size()));
  CHECK(s.capacity == size_t{1} << 20);
  CHECK(s.hits == 4);
  CHECK(s.misses == 3);
  CHECK(s.evictions == 0);
}

// The store encodes a block's nodes once, puts their records in its batch and moves them
// into the cache: the record is TreeNode::Encode's, and the entry reads back as the node.
TEST_CASE("NodeCache: an encoded node's record is its encoding and it caches as the node", "[cache]") {
  auto rng = testing::MakeRng("node cache encoded");
  NodeCache cache(1 << 20);
  for (unsigned slots = 1; slots <= 2 * kTreeNodeSlots; ++slots) {
    const NodePosition p = PositionOf(RandomHash(rng), static_cast<uint16_t>(4 * (rng() % 65)));
    const VersionedNode n = RandomNode(rng, slots);
    NodeCache::EncodedNode encoded(p, n);
    CHECK(encoded.record() == n.node.Encode());
    CHECK(encoded.record().size() == n.node.EncodedBytes());
    cache.Insert(std::move(encoded));
    VersionedNode out;
    REQUIRE(cache.Lookup(p, &out));
    CHECK(Same(out, n));
  }
}

TEST_CASE("NodeCache: a capacity of 0 caches nothing", "[cache]") {
  NodeCache cache(0);
  VersionedNode n;
  cache.Insert(NodePosition{}, n);
  CHECK_FALSE(cache.Lookup(NodePosition{}, &n));
  CHECK(cache.stats().capacity == 0);
  CHECK(cache.stats().entries == 0);
}

// Against a map holding everything: a hit is always the last node inserted at its
// position (never an older or another one), an erased position always misses, and the
// table stays within its capacity while it evicts.
TEST_CASE("NodeCache: random inserts, erases and lookups agree with a map", "[cache]") {
  auto rng = testing::MakeRng("node cache random");
  NodeCache cache(64 * 1024);  // ~200 entries: most of the 4,000 positions get evicted
  std::vector<NodePosition> positions;
  for (int i = 0; i < 4000; ++i) {
    positions.push_back(PositionOf(RandomHash(rng), static_cast<uint16_t>(rng() % 257)));
  }
  // By position (shallow depths repeat: every depth-0 position is the root's); absent:
  // erased or never inserted.
  std::map<std::pair<uint16_t, Hash32>, VersionedNode> latest;
  size_t hits = 0;
  for (int step = 0; step < 200000; ++step) {
    const size_t i = rng() % positions.size();
    const int op = static_cast<int>(rng() % 10);
    if (op < 4) {
      const VersionedNode n = RandomNode(rng);
      if (op < 2) {
        cache.Insert(positions[i], n);
      } else {
        cache.Insert(NodeCache::EncodedNode(positions[i], n));
      }
      latest[{positions[i].depth, positions[i].prefix}] = n;
    } else if (op < 5) {
      cache.Erase(positions[i]);
      latest.erase({positions[i].depth, positions[i].prefix});
    } else {
      VersionedNode out;
      if (cache.Lookup(positions[i], &out)) {
        ++hits;
        const auto it = latest.find({positions[i].depth, positions[i].prefix});
        REQUIRE(it != latest.end());
        REQUIRE(Same(out, it->second));
      }
    }
  }
  const NodeCache::Stats s = cache.stats();
  CHECK(hits > 0);
  CHECK(s.evictions > 0);
  CHECK(s.bytes <= s.capacity);
}

// Recently used entries survive a stream of one-time inserts better than unused ones
// (a CLOCK: a lookup marks its entry used, and the hand spares a marked entry once).
TEST_CASE("NodeCache: entries in use outlive a scan", "[cache]") {
  auto rng = testing::MakeRng("node cache lru");
  NodeCache cache(1024 * 1024);
  std::vector<NodePosition> hot;
  const VersionedNode n = RandomNode(rng);
  for (int i = 0; i < 200; ++i) {
    hot.push_back(PositionOf(RandomHash(rng), 30));
    cache.Insert(hot.back(), n);
  }
  size_t hot_left = 0;
  for (int round = 0; round < 20; ++round) {
    for (const NodePosition& p : hot) {
      VersionedNode out;
      cache.Lookup(p, &out);
    }
    for (int i = 0; i < 500; ++i) cache.Insert(PositionOf(RandomHash(rng), 30), n);
  }
  for (const NodePosition& p : hot) {
    VersionedNode out;
    if (cache.Lookup(p, &out)) ++hot_left;
  }
  // 10,000 one-time inserts into a few thousand entries' room: a CLOCK keeps
  // the 200 touched every round; a FIFO would keep none of them.
  CHECK(hot_left > 150);
}

TEST_CASE("NodeCache: threads inserting, erasing and reading at once", "[cache][threads]") {
  // Each thread its own positions (64 random bits or more: no two threads share one), so
  // a hit must be the thread's own node. Catch's CHECK is not thread-safe: count instead.
  NodeCache cache(128 * 1024);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, &wrong, t] {
      std::mt19937_64 rng(static_cast<uint64_t>(t) + 1);
      for (int i = 0; i < 20000; ++i) {
        const NodePosition p =
            PositionOf(RandomHash(rng), static_cast<uint16_t>(64 + rng() % 100));
        VersionedNode n = RandomNode(rng);
        n.version = static_cast<uint64_t>(t);
        cache.Insert(p, n);
        VersionedNode out;
        if (cache.Lookup(p, &out) && !Same(out, n)) ++wrong;
        if (i % 3 == 0) cache.Erase(p);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  CHECK(wrong == 0);
  const NodeCache::Stats s = cache.stats();
  CHECK(s.bytes <= s.capacity);
}

}  // namespace
}  // namespace chainaccel::exec
