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
  const uint64_t hash = HashOf(kind, key);
  Shard& shard = ShardOf(hash);
  const auto i = static_cast<size_t>(kind);
  MutexLock lock(shard.mu);
  const size_t slot = Find(shard, kind, key, hash);
  if (slot == kNotFound) {
    ++shard.misses[i];
    return false;
  }
  ++shard.hits[i];
  Entry& e = shard.entries[shard.slots[slot].entry - 1];
  if (!e.used) e.used = true;  // no store (and no dirty line) when marked already
  if (e.present) {
    const std::string_view found = std::string_view(e.bytes).substr(e.key_size);
    read(&found);
  } else {
    read(nullptr);
  }
  return true;
}

void StateCache::Insert(Kind kind, std::string_view key, const std::string* value) {
  Entry e;
  e.kind = kind;
  e.present = value != nullptr;
  e.key_size = static_cast<uint32_t>(key.size());
  e.bytes.reserve(key.size() + (value ? value->size() : 0));
  e.bytes.append(key);
  if (value != nullptr) e.bytes += *value;
  e.hash = HashOf(kind, key);
  InsertEntry(std::move(e));
}

void StateCache::Insert(Kind kind, size_t key_size, std::string&& key_and_value) {
  Entry e;
  e.kind = kind;
  e.present = true;
  e.key_size = static_cast<uint32_t>(key_size);
  e.bytes = std::move(key_and_value);
  e.hash = HashOf(kind, e.key());
  InsertEntry(std::move(e));
}

void StateCache::InsertEntry(Entry&& e) {
  Shard& shard = ShardOf(e.hash);
  MutexLock lock(shard.mu);
  const size_t old = Find(shard, e.kind, e.key(), e.hash);
  if (old != kNotFound) RemoveAt(shard, old);
  const size_t charge = e.charge();
  if (charge > shard_capacity_) return;
  uint32_t place;
  if (!shard.free.empty()) {
    place = shard.free.back();
    shard.free.pop_back();
  } else {
    place = static_cast<uint32_t>(shard.entries.size());
    shard.entries.emplace_back();
  }
  e.in_use = true;
  e.used = old != kNotFound;  // a key cached already was in use; a new one earns its mark
  const uint32_t tag = static_cast<uint32_t>(e.hash);
  shard.entries[place] = std::move(e);
  GrowIndex(shard);
  PlaceSlot(shard.slots, Slot{tag, place + 1});
  shard.bytes += charge;
  Evict(shard, place);
}

void StateCache::Erase(Kind kind, std::string_view key) {
  const uint64_t hash = HashOf(kind, key);
  Shard& shard = ShardOf(hash);
  MutexLock lock(shard.mu);
  if (const size_t slot = Find(shard, kind, key, hash); slot != kNotFound) RemoveAt(shard, slot);
}

size_t StateCache::Find(const Shard& shard, Kind kind, std::string_view key, uint64_t hash) {
  if (shard.slots.empty()) return kNotFound;
  const size_t mask = shard.slots.size() - 1;
  const uint32_t tag = static_cast<uint32_t>(hash);
  for (size_t i = tag & mask;; i = (i + 1) & mask) {
    const Slot& s = shard.slots[i];
    if (s.entry == 0) return kNotFound;
    if (s.tag != tag) continue;
    const Entry& e = shard.entries[s.entry - 1];
    if (e.kind == kind && e.key() == key) return i;
  }
}

void StateCache::RemoveAt(Shard& shard, size_t slot) {
  const uint32_t place = shard.slots[slot].entry - 1;
  Entry& e = shard.entries[place];
  shard.bytes -= e.charge();
  std::string().swap(e.bytes);  // the memory goes back now, not when the place is reused
  e.in_use = false;
  shard.free.push_back(place);
  // Backward-shift deletion: each slot after it in its run moves into the hole unless its
  // home lies cyclically in (hole, slot], so every entry stays reachable from its home
  // without tombstones.
  const size_t mask = shard.slots.size() - 1;
  size_t hole = slot;
  for (size_t j = (slot + 1) & mask; shard.slots[j].entry != 0; j = (j + 1) & mask) {
    const size_t home = shard.slots[j].tag & mask;
    const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (stays) continue;
    shard.slots[hole] = shard.slots[j];
    hole = j;
  }
  shard.slots[hole] = Slot{};
}

void StateCache::Evict(Shard& shard, size_t keep) {
  // Ends: the entry kept fits the share alone (a larger one is not inserted), and a pass
  // of the hand clears every mark.
  while (shard.bytes > shard_capacity_) {
    if (shard.hand >= shard.entries.size()) shard.hand = 0;
    const size_t at = shard.hand++;
    Entry& e = shard.entries[at];
    if (!e.in_use || at == keep) continue;
    if (e.used) {
      e.used = false;
      continue;
    }
    RemoveAt(shard, Find(shard, e.kind, e.key(), e.hash));
    ++shard.evictions;
  }
}

void StateCache::GrowIndex(Shard& shard) {
  // The entry about to be placed is in the slab already, so InUse counts it.
  if (10 * InUse(shard) <= 7 * shard.slots.size()) return;
  std::vector<Slot> old = std::move(shard.slots);
  shard.slots.assign(old.empty() ? 16 : 2 * old.size(), Slot{});
  for (const Slot& s : old) {
    if (s.entry != 0) PlaceSlot(shard.slots, s);
  }
}

void StateCache::PlaceSlot(std::vector<Slot>& slots, Slot slot) {
  const size_t mask = slots.size() - 1;
  size_t i = slot.tag & mask;
  while (slots[i].entry != 0) i = (i + 1) & mask;
  slots[i] = slot;
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
    s.entries += InUse(shard);
    s.bytes += shard.bytes;
  }
  return s;
}

}  // namespace chainaccel::exec
