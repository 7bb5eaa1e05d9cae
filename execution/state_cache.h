// StateCache: the bounded cache in front of the state database's point reads
// (StateStore; docs/execution.md, "Storage"): state values, and the absence of a key,
// by state key. The state itself lives in RocksDB only; the cache holds what was read or
// written last, up to a size in bytes (the store gives it half of
// ExecutionOptions::state_cache_bytes, config execution_state_cache_bytes; the tree's
// nodes have a cache of their own, NodeCache, whose counters the store reports under
// Kind::kNode).
//
// Sharded CLOCK: kShards shards, each with its own mutex, entries in a slab, an
// open-addressing hash index (linear probing) of them, and an equal share of the
// capacity; a key's shard is chosen by its hash. A lookup or insert locks one shard only,
// so Block-STM's threads reading different keys rarely wait for each other. A lookup
// marks its entry used; an insert past the shard's share evicts by the clock: a hand
// goes round the slab, giving a used entry a second chance (its mark cleared) and
// evicting the first unmarked one, never the entry being inserted. So an entry used since
// the hand last passed outlives one that was not, as in an LRU, without moving anything
// on a hit (the LRU this replaced walked a std::unordered_map bucket and moved a list
// node, touching its neighbours, on every hit: 11% of a 2-core VM profile of the block
// path at 10^6 accounts). An entry is charged its key, its value and kEntryOverhead.
//
// The cache never decides what is current: the store inserts what it read from its
// committed snapshot, and overwrites the block's writes when it applies a block (the
// store's exclusive step), so an entry always holds the committed value.
//
// Thread-safe: every method may be called from any thread at once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mutex.h"
#include "core/thread_annotations.h"

namespace chainaccel::exec {

class StateCache {
 public:
  // What an entry caches. The kinds are separate key spaces (the store puts only values
  // here; Stats are indexed by Kind, and the store's combined Stats count its NodeCache's
  // under kNode).
  enum class Kind : uint8_t { kValue = 0, kNode = 1 };

  // Shards: 64 keeps a 16-thread executor's collisions on a shard rare (16 readers over
  // 64 shards) at a small fixed cost (64 mutexes and maps).
  static constexpr size_t kShards = 64;
  // The bytes an entry costs beyond its key and value, on 64-bit glibc: its slab entry
  // (48) and the slab's room to grow (up to as much again), its index slot (8, at a load
  // of 0.35-0.7), the heap buffer of key and value (16 of header and rounding).
  static constexpr size_t kEntryOverhead = 112;

  // A cache of at most `capacity_bytes` (each shard capacity_bytes / kShards); 0 caches
  // nothing (every read goes to the database).
  explicit StateCache(size_t capacity_bytes);
  StateCache(const StateCache&) = delete;
  StateCache& operator=(const StateCache&) = delete;

  // True on a hit: *value is the cached value, nullopt when the key is cached as absent.
  // False on a miss (*value untouched).
  bool Lookup(Kind kind, std::string_view key, std::optional<std::string>* value);
  // Lookup without a copy: on a hit calls read(&value) (read(nullptr): cached as absent)
  // under the shard's lock, so `read` must be short and must not call the cache.
  using Reader = std::function<void(const std::string_view* value)>;
  bool Lookup(Kind kind, std::string_view key, const Reader& read);
  // Caches `value` (nullptr: the key is absent) for `key`, replacing any entry of it (a
  // replacement is marked used, a new key starts unmarked). An entry over the
  // shard's share is not cached.
  void Insert(Kind kind, std::string_view key, const std::string* value);
  // Insert of a present value without a copy: `key_and_value` is the key (its first
  // key_size bytes) followed by the value, and becomes the entry's buffer.
  void Insert(Kind kind, size_t key_size, std::string&& key_and_value);
  // Drops the entry of `key`, if any.
  void Erase(Kind kind, std::string_view key);

  struct Stats {
    uint64_t hits[2] = {0, 0};    // by Kind
    uint64_t misses[2] = {0, 0};  // by Kind
    uint64_t evictions = 0;
    size_t entries = 0;
    size_t bytes = 0;  // charged, at most capacity
    size_t capacity = 0;
  };
  // A sum over the shards (each read under its own lock, so not one instant's).
  Stats stats() const;

 private:
  struct Entry {
    std::string bytes;  // the key, then the value
    uint64_t hash = 0;
    uint32_t key_size = 0;
    Kind kind = Kind::kValue;
    bool present = false;  // false: the key is cached as absent
    bool in_use = false;   // false: a free place in the slab
    bool used = false;     // looked up since the clock's hand last passed it
    std::string_view key() const { return {bytes.data(), key_size}; }
    size_t charge() const { return bytes.size() + kEntryOverhead; }
  };
  // An index slot: the entry's place in the slab + 1 (0: an empty slot) and the low 32
  // bits of its hash, which choose its home slot and spare most key comparisons.
  struct Slot {
    uint32_t tag = 0;
    uint32_t entry = 0;
  };
  static constexpr size_t kNotFound = SIZE_MAX;
  struct alignas(64) Shard {
    mutable Mutex mu;
    std::vector<Entry> entries CHAINACCEL_GUARDED_BY(mu);
    std::vector<uint32_t> free CHAINACCEL_GUARDED_BY(mu);  // places of entries not in use
    std::vector<Slot> slots CHAINACCEL_GUARDED_BY(mu);     // a power of two, or empty
    size_t hand CHAINACCEL_GUARDED_BY(mu) = 0;             // the clock's
    size_t bytes CHAINACCEL_GUARDED_BY(mu) = 0;
    uint64_t hits[2] CHAINACCEL_GUARDED_BY(mu) = {0, 0};
    uint64_t misses[2] CHAINACCEL_GUARDED_BY(mu) = {0, 0};
    uint64_t evictions CHAINACCEL_GUARDED_BY(mu) = 0;
  };

  static uint64_t HashOf(Kind kind, std::string_view key) {
    return std::hash<std::string_view>()(key) ^ static_cast<uint64_t>(kind);
  }
  // The shard by the hash's top bits (the index uses the low ones).
  Shard& ShardOf(uint64_t hash) { return shards_[(hash >> 32) % kShards]; }
  // Both Inserts: `e` (its hash set) as an entry of its key, replacing any.
  void InsertEntry(Entry&& e);
  // The index slot of the entry of (kind, key, hash), or kNotFound. REQUIRES: shard.mu.
  static size_t Find(const Shard& shard, Kind kind, std::string_view key, uint64_t hash)
      CHAINACCEL_REQUIRES(shard.mu);
  // Removes the entry at `slot` of the index from the index and the slab.
  static void RemoveAt(Shard& shard, size_t slot) CHAINACCEL_REQUIRES(shard.mu);
  // Evicts by the clock until the shard is within its share, sparing the entry at `keep`.
  void Evict(Shard& shard, size_t keep) CHAINACCEL_REQUIRES(shard.mu);
  // Doubles the index (from 16 slots) when one more entry would load it past 0.7.
  static void GrowIndex(Shard& shard) CHAINACCEL_REQUIRES(shard.mu);
  // Puts `slot` in the first empty slot of `slots` from its home on (one is empty).
  static void PlaceSlot(std::vector<Slot>& slots, Slot slot);
  // The entries in use: the slab less its free places.
  static size_t InUse(const Shard& shard) CHAINACCEL_REQUIRES(shard.mu) {
    return shard.entries.size() - shard.free.size();
  }

  const size_t capacity_;
  const size_t shard_capacity_;
  std::array<Shard, kShards> shards_;
};

}  // namespace chainaccel::exec
