#include "execution/node_cache.h"

#include <new>

namespace chainaccel::exec {
namespace {

// splitmix64's finalizer over NodePositionHash (the prefix's first 64 bits and the
// depth): those bits are a hash's below the node's depth and zero beyond it, so shallow
// positions differ in few bits before mixing.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

NodeCache::NodeCache(size_t capacity_bytes)
    : set_count_(capacity_bytes / sizeof(Set)),
      sets_(set_count_ == 0 ? nullptr : static_cast<Set*>(std::calloc(set_count_, sizeof(Set)))) {
  if (set_count_ > 0 && sets_ == nullptr) throw std::bad_alloc();
}

NodeCache::Slot NodeCache::SlotOf(const NodePosition& position) const {
  const uint64_t h = Mix(NodePositionHash()(position));
  // The set from the high bits (multiply-shift: no division), the tag from the low ones.
  const auto set = static_cast<size_t>(
      (static_cast<unsigned __int128>(h) * set_count_) >> 64);
  const auto tag = static_cast<uint16_t>((h & 0xFFFF) | 1);
  return {set, tag};
}

int NodeCache::Find(const Set& set, uint16_t tag, const NodePosition& position) {
  for (size_t w = 0; w < kWays; ++w) {
    if (set.tags[w] != tag) continue;
    const Entry& e = set.ways[w];
    if (e.depth == position.depth && e.prefix == position.prefix) return static_cast<int>(w);
  }
  return -1;
}

bool NodeCache::Lookup(const NodePosition& position, VersionedNode* out) {
  if (set_count_ == 0) return false;
  const Slot slot = SlotOf(position);
  Stripe& stripe = stripes_[slot.set % kStripes];
  MutexLock lock(stripe.mu);
  Set& set = sets_[slot.set];
  const int w = Find(set, slot.tag, position);
  if (w < 0) {
    ++stripe.misses;
    return false;
  }
  ++stripe.hits;
  set.referenced |= static_cast<uint8_t>(1u << w);
  const Entry& e = set.ways[w];
  out->node.kind = e.kind;
  out->node.a = e.a;
  out->node.b = e.b;
  out->version = e.version;
  return true;
}

void NodeCache::Insert(const NodePosition& position, const VersionedNode& node) {
  if (set_count_ == 0) return;
  const Slot slot = SlotOf(position);
  Stripe& stripe = stripes_[slot.set % kStripes];
  MutexLock lock(stripe.mu);
  Set& set = sets_[slot.set];
  int w = Find(set, slot.tag, position);
  const bool replacing = w >= 0;
  if (!replacing) {
    for (size_t k = 0; k < kWays && w < 0; ++k) {
      if (set.tags[k] == 0) w = static_cast<int>(k);
    }
    if (w >= 0) {
      ++stripe.entries;
    } else {
      // CLOCK: at most one turn clearing referenced bits, then the first clear way.
      while (set.referenced & (1u << set.hand)) {
        set.referenced &= static_cast<uint8_t>(~(1u << set.hand));
        set.hand = static_cast<uint8_t>((set.hand + 1) % kWays);
      }
      w = set.hand;
      set.hand = static_cast<uint8_t>((set.hand + 1) % kWays);
      ++stripe.evictions;
    }
  }
  // A new entry starts unreferenced, so that entries inserted and never read (a block's
  // nodes off the next blocks' paths) go before those that were read; a replaced one
  // keeps its mark.
  set.tags[w] = slot.tag;
  if (!replacing) set.referenced &= static_cast<uint8_t>(~(1u << w));
  set.ways[w] = Entry{node.version, position.depth, node.node.kind, position.prefix,
                      node.node.a, node.node.b};
}

void NodeCache::Erase(const NodePosition& position) {
  if (set_count_ == 0) return;
  const Slot slot = SlotOf(position);
  Stripe& stripe = stripes_[slot.set % kStripes];
  MutexLock lock(stripe.mu);
  Set& set = sets_[slot.set];
  const int w = Find(set, slot.tag, position);
  if (w < 0) return;
  set.tags[w] = 0;
  set.referenced &= static_cast<uint8_t>(~(1u << w));
  --stripe.entries;
}

NodeCache::Stats NodeCache::stats() const {
  Stats s;
  s.capacity = set_count_ * sizeof(Set);
  for (const Stripe& stripe : stripes_) {
    MutexLock lock(stripe.mu);
    s.hits += stripe.hits;
    s.misses += stripe.misses;
    s.evictions += stripe.evictions;
    s.entries += stripe.entries;
  }
  s.bytes = s.entries * bytes_per_entry();
  return s;
}

}  // namespace chainaccel::exec
