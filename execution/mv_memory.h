// MVMemory: Block-STM's multi-version memory (Gelashvili et al. 2022, Algorithm 2) for
// one block: for every state key the block touches, the writes of each transaction index
// over committed state, each marked ESTIMATE once its incarnation is aborted.
//
// A key is resolved once per access to its Location, which lives as long as the memory:
// read sets hold Location pointers, so validation re-reads a key without hashing or
// looking it up again. Keys, Locations and the index are allocated from per-shard arenas
// freed in one piece with the memory.
//
// Thread-safety: every method but CollectWrites may be called from any thread at any
// time. CollectWrites REQUIRES that no other method runs any more (the block's work is
// done).
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "execution/block.h"
#include "execution/bump_arena.h"

namespace chainaccel::exec::stm {

// A transaction index that is none: the value came from committed state.
constexpr uint32_t kNoTxn = std::numeric_limits<uint32_t>::max();

struct Version {
  uint32_t txn_idx = kNoTxn;
  uint32_t incarnation = 0;
  bool operator==(const Version&) const = default;
};

// One state key's versions. Opaque outside MVMemory but for key().
class Location {
 public:
  explicit Location(std::string_view key) : key_(key) {}
  std::string_view key() const { return key_; }

 private:
  friend class MVMemory;
  struct Entry {
    uint32_t txn_idx = 0;
    uint32_t incarnation = 0;
    bool estimate = false;
    std::optional<std::string> value;  // nullopt: a delete
  };
  const std::string_view key_;  // in the memory's arena

  mutable Mutex mu_;
  std::vector<Entry> entries_ CHAINACCEL_GUARDED_BY(mu_);
  // The highest transaction index that has read the location, plus one (0: none yet).
  // Read updates it; Record uses it to tell whether a new entry can change what a
  // higher transaction read.
  mutable uint32_t max_reader_plus1_ CHAINACCEL_GUARDED_BY(mu_) = 0;
};

// A write of one incarnation: a key's new value, or nullopt for a delete.
struct LocationWrite {
  Location* location = nullptr;
  std::optional<std::string> value;
};

class MVMemory {
 public:
  struct ReadOutcome {
    enum class Kind : uint8_t { kStorage, kVersion, kEstimate } kind = Kind::kStorage;
    Version version;  // of the entry read (kVersion, kEstimate)
  };

  explicit MVMemory(size_t block_size);
  MVMemory(const MVMemory&) = delete;
  MVMemory& operator=(const MVMemory&) = delete;

  // The location of `key`, created on first use. Stable for the memory's lifetime.
  Location& Resolve(std::string_view key);

  // The entry of the highest transaction below txn_idx that wrote `location`. For
  // kVersion, *present says whether it holds a value (else a delete), and the value is
  // copied to *value_copy unless that is null. Notes txn_idx as a reader of `location`.
  ReadOutcome Read(const Location& location, uint32_t txn_idx, std::string* value_copy,
                   bool* present) const;

  // Records the write set of `version` (values are moved out of `writes`), removing the
  // entries of keys the previous incarnation wrote and this one does not. Returns
  // whether it wrote a key the previous incarnation did not and that a higher
  // transaction has already read (Block-STM's wrote_new_location, narrowed: a new entry
  // at a location no higher transaction has read changes no read set, since a later
  // read of it takes the location's lock after the entry is in and sees it).
  // The list of written keys is kept in `arena` (the calling thread's), which must not be
  // reset while the memory lives.
  bool Record(Version version, std::span<LocationWrite> writes, BumpArena& arena);

  // Marks every entry of txn_idx's last recorded write set ESTIMATE.
  void ConvertWritesToEstimates(uint32_t txn_idx);

  // Moves the net writes (the highest writer's entry of each key) of shards
  // part, part + parts, ... into *out, sorted by key, and frees those shards (their
  // locations and keys).
  // Calls for distinct parts may run concurrently. REQUIRES: the block's work is done;
  // each part is collected once; nothing is read or recorded afterwards.
  // Not checked by the thread-safety analysis: it reads the locations and shards without
  // their locks, which the REQUIRES above makes safe.
  void CollectWrites(size_t part, size_t parts, WriteSet* out)
      CHAINACCEL_NO_THREAD_SAFETY_ANALYSIS;

  // How `parts` threads merge sorted runs of distinct keys (CollectWrites' outputs) into
  // one sorted array, each its own range of keys: part p takes runs[r][bounds[p][r],
  // bounds[p + 1][r]) of every run r and fills the output from offsets[p].
  struct MergePlan {
    std::vector<std::vector<size_t>> bounds;  // parts + 1 rows of one index per run
    std::vector<size_t> offsets;              // parts + 1: where each part starts, total
  };
  // Ranges of about equal size, cut at keys sampled evenly from every run.
  static MergePlan PlanMerge(std::span<const WriteSet> runs, size_t parts);
  // Moves part p's items, merged, into (*out)[plan.offsets[p], plan.offsets[p + 1]).
  // Calls for distinct parts may run concurrently. REQUIRES: out->size() ==
  // plan.offsets.back().
  static void MergePart(std::span<WriteSet> runs, const MergePlan& plan, size_t part,
                        WriteSet* out);
  // The whole merge on the calling thread.
  static WriteSet Merge(std::span<WriteSet> runs);

 private:
  // A key and its hash, computed once per access: the shard and the bucket both use it.
  struct KeyRef {
    std::string_view key;
    size_t hash;
    bool operator==(const KeyRef& o) const { return key == o.key; }
  };
  struct KeyRefHash {
    size_t operator()(const KeyRef& k) const { return k.hash; }
  };
  struct Shard {
    explicit Shard(size_t expected_keys);

    Mutex mu;
    // The arena holds the keys' bytes, the locations and the index.
    std::pmr::monotonic_buffer_resource arena CHAINACCEL_GUARDED_BY(mu);
    std::pmr::deque<Location> locations CHAINACCEL_GUARDED_BY(mu){&arena};
    std::pmr::unordered_map<KeyRef, Location*, KeyRefHash> index CHAINACCEL_GUARDED_BY(mu){
        &arena};
  };
  // 256 shards: with 16 threads the chance that two concurrent accesses to distinct
  // keys share a shard lock is about 6%.
  static constexpr size_t kShards = 256;

  std::vector<std::unique_ptr<Shard>> shards_;
  // last_written_[i]: txn i's last recorded write set, sorted by address, in the arena
  // of the thread that recorded it. Only the thread running txn i (executing it or, for
  // estimates, having aborted it) touches it.
  std::vector<std::span<Location* const>> last_written_;
};

}  // namespace chainaccel::exec::stm
