// NodeCache: the bounded cache of the state tree's latest nodes by position, in front of
// the state database's latest-node records (StateStore; docs/execution.md, "The state
// cache"). Beside StateCache, which holds state values: a node has a fixed-size key (depth
// and prefix, 34 bytes) and value (kind, two hashes and the version, 73 bytes), so it is
// kept in place in a set-associative table instead of a general LRU's list node, string
// buffer and hash-map node (an entry there was charged 283 bytes and a lookup chased
// three pointers and copied the value into a new string; here an entry takes 115 bytes
// and a lookup compares tags in one cache line).
//
// Layout: sets of kWays entries; a position's hash picks its set; each way carries a
// 16-bit tag of the hash (0: empty), so a lookup compares the full position only where
// the tag matches. Replacement within a set is CLOCK: a hit marks its way referenced (a
// new entry starts unmarked); an insert into a full set clears marked ways from the
// set's hand on and replaces the first way found unmarked. Sets are guarded by kStripes
// mutexes (set s by stripe s % kStripes), so readers of different sets rarely wait for
// each other.
//
// As StateCache, the cache never decides what is current: the store inserts the nodes a
// block writes, and erases the ones it makes stale, in its exclusive step.
//
// Thread-safe: every method may be called from any thread at once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <type_traits>

#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "execution/state_tree.h"

namespace chainaccel::exec {

class NodeCache {
 public:
  // Ways per set: 8 tags fill 16 bytes of the set's first cache line; with CLOCK over 8
  // ways the hit rate of a set-associative table is within a few percent of a full LRU's.
  static constexpr size_t kWays = 8;
  static constexpr size_t kStripes = 64;

  // A cache of at most `capacity_bytes` (capacity_bytes / sizeof(Set) sets); under one
  // set's size it caches nothing (every lookup misses). Memory is taken as sets fill.
  explicit NodeCache(size_t capacity_bytes);
  NodeCache(const NodeCache&) = delete;
  NodeCache& operator=(const NodeCache&) = delete;

  // True on a hit, with the node in *out; false on a miss (*out untouched).
  bool Lookup(const NodePosition& position, VersionedNode* out);
  // Caches `node` at `position`, replacing any entry of it.
  void Insert(const NodePosition& position, const VersionedNode& node);
  // Drops the entry of `position`, if any.
  void Erase(const NodePosition& position);

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t evictions = 0;
    size_t entries = 0;
    size_t bytes = 0;     // entries x bytes_per_entry()
    size_t capacity = 0;  // the table's size: sets x sizeof(Set)
  };
  // A sum over the stripes (each read under its own lock, so not one instant's).
  Stats stats() const;
  // What one entry costs of the capacity: its share of a set.
  static constexpr size_t bytes_per_entry();

 private:
  struct Entry {
    uint64_t version;
    uint16_t depth;
    TreeNode::Kind kind;
    Hash32 prefix;
    Hash32 a;
    Hash32 b;
  };
  // All zero bytes is the empty set: the table comes zeroed from calloc, whose large
  // blocks are fresh pages the kernel maps on first touch, so the process's memory grows
  // as sets fill, not by the whole capacity at start.
  struct Set {
    std::array<uint16_t, kWays> tags;  // 0: the way is empty
    uint8_t referenced;                // bit w: way w used since the hand passed it
    uint8_t hand;                      // CLOCK's next way to consider
    std::array<Entry, kWays> ways;
  };
  static_assert(std::is_trivially_default_constructible_v<Set> &&
                    std::is_trivially_destructible_v<Set>,
                "sets live in calloc'ed memory");
  struct FreeSets {
    void operator()(Set* sets) const { std::free(sets); }
  };
  static_assert(kWays <= 8, "referenced is one byte of way bits");
  // 112-byte entries (the 107 bytes of fields, 8-aligned) and a 24-byte header: 115 bytes
  // an entry (docs/execution.md and docs/metrics.md quote these sizes).
  static_assert(sizeof(Entry) == 112 && sizeof(Set) == 920, "the documented entry size");
  struct alignas(64) Stripe {
    mutable Mutex mu;
    uint64_t hits CHAINACCEL_GUARDED_BY(mu) = 0;
    uint64_t misses CHAINACCEL_GUARDED_BY(mu) = 0;
    uint64_t evictions CHAINACCEL_GUARDED_BY(mu) = 0;
    size_t entries CHAINACCEL_GUARDED_BY(mu) = 0;
  };
  // Where a position lives: its set (whose stripe is set % kStripes) and its tag.
  struct Slot {
    size_t set;
    uint16_t tag;
  };

  Slot SlotOf(const NodePosition& position) const;
  // The way of `set` holding `position`, or -1. REQUIRES: the set's stripe held.
  static int Find(const Set& set, uint16_t tag, const NodePosition& position);

  // Sets are plain memory guarded by stripes_[s % kStripes].mu (the analysis cannot name
  // a per-element lock; every access below takes the stripe first).
  const size_t set_count_;
  const std::unique_ptr<Set[], FreeSets> sets_;  // set_count_ sets, zeroed
  std::array<Stripe, kStripes> stripes_;
};

constexpr size_t NodeCache::bytes_per_entry() { return sizeof(Set) / kWays; }

}  // namespace chainaccel::exec
