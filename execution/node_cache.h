// NodeCache: the bounded cache of the state tree's latest nodes by position, in front of
// the state database's versioned node records (StateStore; docs/execution.md, "The state
// cache"). Beside the StateCache of state values, with the same sharded CLOCK: a node's
// record has a variable size (a 16-ary node: 5 bytes, then 64 a leaf slot and 40 a child
// slot), so an entry is its position (34 bytes), its record and its version, charged
// with StateCache's bookkeeping.
//
// As StateCache, the cache never decides what is current: the store inserts the nodes a
// block writes, and erases the ones it makes stale, in its exclusive step, and at start
// the committed tree's nodes from the root down (StateStore::WarmNodeCache).
//
// Thread-safe: every method may be called from any thread at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "execution/state_cache.h"
#include "execution/state_tree.h"

namespace chainaccel::exec {

class NodeCache {
 public:
  // A cache of at most `capacity_bytes`; 0 caches nothing (every lookup misses).
  explicit NodeCache(size_t capacity_bytes) : cache_(capacity_bytes) {}
  NodeCache(const NodeCache&) = delete;
  NodeCache& operator=(const NodeCache&) = delete;

  // True on a hit, with the node in *out; false on a miss (*out untouched).
  bool Lookup(const NodePosition& position, VersionedNode* out);
  // Caches `node` at `position`, replacing any entry of it.
  void Insert(const NodePosition& position, const VersionedNode& node);

  // A node encoded once as this cache's entry (position, version, record), so that a
  // writer can put its record in a database batch and then move it into the cache
  // without encoding or copying it again. Built on any thread.
  class EncodedNode {
   public:
    EncodedNode() = default;
    EncodedNode(const NodePosition& position, const VersionedNode& node);
    // The node's record (TreeNode::Encode), valid while this object lives unmoved.
    std::string_view record() const;

   private:
    friend class NodeCache;
    std::string bytes_;  // the entry: key (kKeyBytes), version (8), record
  };
  // Insert of an encoded node, moved into the cache.
  void Insert(EncodedNode&& node);
  // The bytes an entry of `node` is charged: its position, version and record, and
  // StateCache::kEntryOverhead.
  static size_t Charge(const TreeNode& node) { return ChargeOfRecord(node.EncodedBytes()); }
  // The same for a record of `record_bytes`.
  static constexpr size_t ChargeOfRecord(size_t record_bytes) {
    return kPositionBytes + 8 + record_bytes + StateCache::kEntryOverhead;
  }
  // Drops the entry of `position`, if any.
  void Erase(const NodePosition& position);

  // An entry's key: the position's depth (2 bytes) and prefix (32).
  static constexpr size_t kPositionBytes = 34;

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t evictions = 0;
    size_t entries = 0;
    size_t bytes = 0;  // charged: positions, records and StateCache::kEntryOverhead each
    size_t capacity = 0;
  };
  // A sum over the shards (each read under its own lock, so not one instant's).
  Stats stats() const;

 private:
  StateCache cache_;  // Kind::kNode entries only
};

}  // namespace chainaccel::exec
