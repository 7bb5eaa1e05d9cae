// StateCache: the bounded cache in front of the state database's point reads
// (StateStore; docs/execution.md, "Storage"): state values, and the absence of a key,
// by state key. The state itself lives in RocksDB only; the cache holds what was read or
// written last, up to a size in bytes (the store gives it half of
// ExecutionOptions::state_cache_bytes, config execution_state_cache_bytes; the tree's
// nodes have a cache of their own, NodeCache, whose counters the store reports under
// Kind::kNode).
//
// Sharded LRU: kShards shards, each with its own mutex, list in recency order and hash
// index, and an equal share of the capacity; a key's shard is chosen by its hash. A
// lookup or insert locks one shard only, so Block-STM's threads reading different keys
// rarely wait for each other. An entry is charged its key, its value and kEntryOverhead;
// an insert past the shard's share evicts that shard's least recently used entries.
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
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

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
  // The bytes an entry costs beyond its key and value, on 64-bit glibc: the list node
  // (80 with the allocator's header), the buffer of key and value (16 of header and
  // rounding), the hash index's node (64) and its share of the buckets (16).
  static constexpr size_t kEntryOverhead = 176;

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
  // Caches `value` (nullptr: the key is absent) for `key`, replacing any entry of it, as
  // the most recently used. An entry over the shard's share is not cached.
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
    Kind kind;
    bool present;
    uint32_t key_size;
    size_t charge;
    std::string bytes;  // the key, then the value
    std::string_view key() const { return {bytes.data(), key_size}; }
  };
  using Lru = std::list<Entry>;  // most recently used first
  struct IndexKey {
    Kind kind;
    std::string_view key;  // into the entry's bytes (lookups: the caller's key)
    bool operator==(const IndexKey& o) const { return kind == o.kind && key == o.key; }
  };
  struct IndexKeyHash {
    size_t operator()(const IndexKey& k) const {
      return std::hash<std::string_view>()(k.key) ^ static_cast<size_t>(k.kind);
    }
  };
  struct alignas(64) Shard {
    mutable Mutex mu;
    Lru lru CHAINACCEL_GUARDED_BY(mu);
    std::unordered_map<IndexKey, Lru::iterator, IndexKeyHash> index CHAINACCEL_GUARDED_BY(mu);
    size_t bytes CHAINACCEL_GUARDED_BY(mu) = 0;
    uint64_t hits[2] CHAINACCEL_GUARDED_BY(mu) = {0, 0};
    uint64_t misses[2] CHAINACCEL_GUARDED_BY(mu) = {0, 0};
    uint64_t evictions CHAINACCEL_GUARDED_BY(mu) = 0;
  };

  Shard& ShardOf(const IndexKey& key) { return shards_[IndexKeyHash()(key) % kShards]; }
  // Both Inserts: `e` (its charge set) as the most recently used entry of its key.
  void InsertEntry(Entry&& e);
  // Removes `it` from `shard`'s list and index. REQUIRES: shard.mu held.
  static void Remove(Shard& shard, Lru::iterator it) CHAINACCEL_REQUIRES(shard.mu);

  const size_t capacity_;
  const size_t shard_capacity_;
  std::array<Shard, kShards> shards_;
};

}  // namespace chainaccel::exec
