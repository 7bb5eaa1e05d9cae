#include "execution/state_cache.h"

#include <utility>

namespace chainaccel::exec {

StateCache::StateCache(size_t capacity_bytes)
    : capacity_(capacity_bytes), shard_capacity_(capacity_bytes / kShards) {}

bool StateCache::Lookup(Kind kind, std::string_view key, std::optional<std::string>* value) {
  return Lookup(kind, key, [value](const std::string_view* found) {
    if (found) {
      value->emplace(*found);
    } else {
      value->reset();
    }
  });
}

bool StateCache::Lookup(Kind kind, std::string_view key, const Reader& read) {
  const IndexKey k{kind, key};
  Shard& shard = ShardOf(k);
  const auto i = static_cast<size_t>(kind);
  MutexLock lock(shard.mu);
  auto it = shard.index.find(k);
  if (it == shard.index.end()) {
    ++shard.misses[i];
    return false;
  }
  ++shard.hits[i];
  shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  const Entry& e = *it->second;
  if (e.present) {
    const std::string_view found = std::string_view(e.bytes).substr(e.key_size);
    read(&found);
  } else {
    read(nullptr);
  }
  return true;
}

void StateCache::Insert(Kind kind, std::string_view key, const std::string* value) {
  Entry e{kind, value != nullptr, static_cast<uint32_t>(key.size()), 0, std::string(key)};
  if (value != nullptr) e.bytes += *value;
  InsertEntry(std::move(e));
}

void StateCache::Insert(Kind kind, size_t key_size, std::string&& key_and_value) {
  InsertEntry(Entry{kind, true, static_cast<uint32_t>(key_size), 0, std::move(key_and_value)});
}

void StateCache::InsertEntry(Entry&& e) {
  e.charge = e.bytes.size() + kEntryOverhead;
  Shard& shard = ShardOf(IndexKey{e.kind, e.key()});
  MutexLock lock(shard.mu);
  if (auto it = shard.index.find(IndexKey{e.kind, e.key()}); it != shard.index.end()) {
    Remove(shard, it->second);
  }
  if (e.charge > shard_capacity_) return;
  shard.bytes += e.charge;
  shard.lru.push_front(std::move(e));
  shard.index.emplace(IndexKey{shard.lru.front().kind, shard.lru.front().key()}, shard.lru.begin());
  while (shard.bytes > shard_capacity_) {
    Remove(shard, std::prev(shard.lru.end()));
    ++shard.evictions;
  }
}

void StateCache::Erase(Kind kind, std::string_view key) {
  Shard& shard = ShardOf(IndexKey{kind, key});
  MutexLock lock(shard.mu);
  if (auto it = shard.index.find(IndexKey{kind, key}); it != shard.index.end()) {
    Remove(shard, it->second);
  }
}

void StateCache::Remove(Shard& shard, Lru::iterator it) {
  shard.bytes -= it->charge;
  shard.index.erase(IndexKey{it->kind, it->key()});
  shard.lru.erase(it);
}

StateCache::Stats StateCache::stats() const {
  Stats s;
  s.capacity = capacity_;
  for (const Shard& shard : shards_) {
    MutexLock lock(shard.mu);
    for (size_t i = 0; i < 2; ++i) {
      s.hits[i] += shard.hits[i];
      s.misses[i] += shard.misses[i];
    }
    s.evictions += shard.evictions;
    s.entries += shard.index.size();
    s.bytes += shard.bytes;
  }
  return s;
}

}  // namespace chainaccel::exec
