#include "execution/mv_memory.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <queue>

namespace chainaccel::exec::stm {

namespace {

// The entry of txn_idx in a location's entries (sorted by txn_idx), or where it would go.
template <typename Entries>
auto FindEntry(Entries& entries, uint32_t txn_idx) {
  return std::lower_bound(entries.begin(), entries.end(), txn_idx,
                          [](const auto& e, uint32_t idx) { return e.txn_idx < idx; });
}

}  // namespace

MVMemory::Shard::Shard(size_t expected_keys) { index.reserve(expected_keys); }

MVMemory::MVMemory(size_t block_size) : last_written_(block_size) {
  // A transaction touches a few keys; twice the block size spread over the shards
  // sizes each index so that it rarely rehashes.
  const size_t expected_keys = 2 * block_size / kShards + 8;
  shards_.reserve(kShards);
  for (size_t i = 0; i < kShards; ++i) shards_.push_back(std::make_unique<Shard>(expected_keys));
}

Location& MVMemory::Resolve(std::string_view key) {
  const size_t hash = std::hash<std::string_view>{}(key);
  Shard& shard = *shards_[hash % kShards];
  MutexLock lock(shard.mu);
  if (auto it = shard.index.find(KeyRef{key, hash}); it != shard.index.end()) {
    return *it->second;
  }
  char* bytes = static_cast<char*>(shard.arena.allocate(key.size(), 1));
  std::memcpy(bytes, key.data(), key.size());
  const std::string_view stored(bytes, key.size());
  Location& location = shard.locations.emplace_back(stored);
  shard.index.emplace(KeyRef{stored, hash}, &location);
  return location;
}

MVMemory::ReadOutcome MVMemory::Read(const Location& location, uint32_t txn_idx,
                                     std::string* value_copy, bool* present) const {
  MutexLock lock(location.mu_);
  location.max_reader_plus1_ = std::max(location.max_reader_plus1_, txn_idx + 1);
  ReadOutcome out;
  auto it = FindEntry(location.entries_, txn_idx);
  if (it == location.entries_.begin()) return out;
  --it;
  out.version = Version{it->txn_idx, it->incarnation};
  if (it->estimate) {
    out.kind = ReadOutcome::Kind::kEstimate;
    return out;
  }
  out.kind = ReadOutcome::Kind::kVersion;
  *present = it->value.has_value();
  if (*present && value_copy != nullptr) *value_copy = *it->value;
  return out;
}

bool MVMemory::Record(Version version, std::span<LocationWrite> writes, BumpArena& arena) {
  // The keys written, sorted by address below: the list kept for the next incarnation.
  std::span<Location*> written = arena.Allocate<Location*>(writes.size());
  bool wrote_new = false;
  for (size_t i = 0; i < writes.size(); ++i) {
    LocationWrite& w = writes[i];
    written[i] = w.location;
    Location& loc = *w.location;
    MutexLock lock(loc.mu_);
    auto it = FindEntry(loc.entries_, version.txn_idx);
    if (it == loc.entries_.end() || it->txn_idx != version.txn_idx) {
      // No entry of this transaction: the previous incarnation did not write the key.
      it = loc.entries_.insert(it, Location::Entry{version.txn_idx, 0, false, std::nullopt});
      if (loc.max_reader_plus1_ > version.txn_idx + 1) wrote_new = true;
    }
    it->incarnation = version.incarnation;
    it->estimate = false;
    it->value = std::move(w.value);
  }
  std::sort(written.begin(), written.end());
  std::span<Location* const>& last = last_written_[version.txn_idx];
  // Keys the previous incarnation wrote and this one did not.
  for (Location* loc : last) {
    if (std::binary_search(written.begin(), written.end(), loc)) continue;
    MutexLock lock(loc->mu_);
    auto it = FindEntry(loc->entries_, version.txn_idx);
    if (it != loc->entries_.end() && it->txn_idx == version.txn_idx) loc->entries_.erase(it);
  }
  last = written;
  return wrote_new;
}

void MVMemory::ConvertWritesToEstimates(uint32_t txn_idx) {
  for (Location* loc : last_written_[txn_idx]) {
    MutexLock lock(loc->mu_);
    auto it = FindEntry(loc->entries_, txn_idx);
    if (it != loc->entries_.end() && it->txn_idx == txn_idx) it->estimate = true;
  }
}

void MVMemory::CollectWrites(size_t part, size_t parts, WriteSet* out) {
  // Sorted as small records, cheap to swap and compared without visiting the location:
  // most comparisons are settled by `word`, the 8 bytes that follow the prefix all the
  // keys share (keys of one contract share at least its 32-byte address), big-endian,
  // zero-padded past a key's end; equal words fall back to the whole key.
  struct SortRecord {
    uint64_t word;
    std::string_view key;
    Location* location;
  };
  std::vector<SortRecord> written;
  size_t common = std::numeric_limits<size_t>::max();
  for (size_t s = part; s < kShards; s += parts) {
    for (Location& loc : shards_[s]->locations) {
      if (loc.entries_.empty()) continue;
      if (written.empty()) {
        common = loc.key_.size();
      } else {
        const std::string_view first = written.front().key;
        const size_t n = std::min(common, loc.key_.size());
        common = static_cast<size_t>(
            std::mismatch(first.begin(), first.begin() + n, loc.key_.begin()).first -
            first.begin());
      }
      written.push_back(SortRecord{0, loc.key_, &loc});
    }
  }
  for (SortRecord& r : written) {
    for (size_t i = common; i < common + 8; ++i) {
      r.word = (r.word << 8) | (i < r.key.size() ? static_cast<uint8_t>(r.key[i]) : 0);
    }
  }
  std::sort(written.begin(), written.end(), [](const SortRecord& a, const SortRecord& b) {
    return a.word != b.word ? a.word < b.word : a.key < b.key;
  });
  out->reserve(out->size() + written.size());
  for (SortRecord& r : written) {
    out->emplace_back(std::string(r.key), std::move(r.location->entries_.back().value));
  }
  // Freed here, by the workers in parallel, rather than by whoever frees the memory.
  for (size_t s = part; s < kShards; s += parts) shards_[s].reset();
}

MVMemory::MergePlan MVMemory::PlanMerge(std::span<const WriteSet> runs, size_t parts) {
  // parts - 1 keys from each run at even steps; every parts-th of them, in order, cuts
  // the key space (cuts ascend, so each run's bounds do too).
  std::vector<std::string_view> samples;
  for (const WriteSet& run : runs) {
    if (run.empty()) continue;
    for (size_t j = 1; j < parts; ++j) samples.push_back(run[j * run.size() / parts].first);
  }
  std::sort(samples.begin(), samples.end());
  MergePlan plan;
  plan.bounds.assign(parts + 1, std::vector<size_t>(runs.size(), 0));
  plan.offsets.assign(parts + 1, 0);
  for (size_t r = 0; r < runs.size(); ++r) plan.bounds[parts][r] = runs[r].size();
  for (size_t p = 1; p < parts && !samples.empty(); ++p) {
    const std::string_view cut = samples[p * samples.size() / parts];
    for (size_t r = 0; r < runs.size(); ++r) {
      plan.bounds[p][r] = static_cast<size_t>(
          std::lower_bound(runs[r].begin(), runs[r].end(), cut,
                           [](const auto& item, std::string_view key) { return item.first < key; }) -
          runs[r].begin());
    }
  }
  for (size_t p = 0; p <= parts; ++p) {
    for (size_t r = 0; r < runs.size(); ++r) plan.offsets[p] += plan.bounds[p][r];
  }
  return plan;
}

void MVMemory::MergePart(std::span<WriteSet> runs, const MergePlan& plan, size_t part,
                         WriteSet* out) {
  // A min-heap of the runs' heads: (run, position), smallest key first.
  using Head = std::pair<size_t, size_t>;
  auto greater = [&](const Head& a, const Head& b) {
    return runs[a.first][a.second].first > runs[b.first][b.second].first;
  };
  std::priority_queue<Head, std::vector<Head>, decltype(greater)> heads(greater);
  for (size_t r = 0; r < runs.size(); ++r) {
    if (plan.bounds[part][r] < plan.bounds[part + 1][r]) heads.emplace(r, plan.bounds[part][r]);
  }
  size_t next = plan.offsets[part];
  while (!heads.empty()) {
    auto [r, i] = heads.top();
    heads.pop();
    (*out)[next++] = std::move(runs[r][i]);
    if (i + 1 < plan.bounds[part + 1][r]) heads.emplace(r, i + 1);
  }
}

WriteSet MVMemory::Merge(std::span<WriteSet> runs) {
  const MergePlan plan = PlanMerge(runs, 1);
  WriteSet out(plan.offsets.back());
  MergePart(runs, plan, 0, &out);
  return out;
}

}  // namespace chainaccel::exec::stm
