#include "execution/state_store.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "execution/state_db.h"
#include "execution/tx/contract_code.h"

namespace chainaccel::exec {
using namespace state_db;  // NOLINT: the layout's keys throughout
namespace {

// The node record `record` of (`ref`'s position, `ref`'s version) into *out; INTERNAL when
// it is not one (naming a record of the binary format of earlier versions as such).
Status DecodeNodeRecord(std::string_view record, const NodeRef& ref, std::optional<VersionedNode>* out) {
  VersionedNode n;
  if (!n.node.Decode(record)) {
    const std::string depth = std::to_string(ref.position.depth);
    if (record.size() == 65 && (record[0] == 1 || record[0] == 2)) {
      return Status::Internal("state tree: a node record of the binary format of earlier versions at depth " +
                              depth + " (the database has to be rebuilt by replaying its blocks)");
    }
    return Status::Internal("state tree: a malformed node record at depth " + depth);
  }
  n.version = ref.version;
  *out = std::move(n);
  return Status::Ok();
}

// The latest record at `p` written at or below `height`, through `it`.
Status SeekNode(rocksdb::Iterator& it, const NodePosition& p, uint64_t height,
                std::optional<VersionedNode>* out) {
  out->reset();
  const std::string prefix = NodePrefixKey(p);
  it.SeekForPrev(prefix + BigEndian64(height));
  if (!it.status().ok()) return FromRocks(it.status(), "read state tree");
  if (!it.Valid() || !it.key().starts_with(prefix) || it.key().size() != kNodeKeyBytes) {
    return Status::Ok();
  }
  return DecodeNodeRecord(std::string_view(it.value().data(), it.value().size()),
                          NodeRef{p, ParseBigEndian64(std::string_view(it.key().data() + 35, 8))}, out);
}

// The record `ref` names (nullopt when there is none).
Status GetNode(rocksdb::DB& db, const NodeRef& ref, std::optional<VersionedNode>* out) {
  out->reset();
  std::string value;
  rocksdb::Status rs = db.Get(rocksdb::ReadOptions(), NodeKey(ref.position, ref.version), &value);
  if (rs.IsNotFound()) return Status::Ok();
  if (!rs.ok()) return FromRocks(rs, "read state tree");
  return DecodeNodeRecord(value, ref, out);
}

// A stale index entry: u16be(depth) || prefix || u64be(version), a "t" key without its "t".
constexpr size_t kStaleEntryBytes = kNodeKeyBytes - 1;

// Adds to `batch` the removal of stale bucket `height` and calls visit(entry) for each of
// its entries (kStaleEntryBytes each): the block's one record "x" || u64be(height), or
// the one-entry keys "x" || u64be(height) || entry of a database written before the
// bucket was one record. INTERNAL when the index is malformed or unreadable, or as
// visit.
template <typename Visit>
Status DropStaleBucket(rocksdb::DB& db, uint64_t height, rocksdb::WriteBatch* batch, Visit visit) {
  const std::string bucket = "x" + BigEndian64(height);
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(bucket); it->Valid() && it->key().starts_with(bucket); it->Next()) {
    batch->Delete(it->key());
    const rocksdb::Slice list = it->key().size() == bucket.size() ? it->value() : it->key();
    std::string_view entries(list.data(), list.size());
    if (it->key().size() != bucket.size()) entries.remove_prefix(bucket.size());
    if (entries.size() % kStaleEntryBytes != 0) {
      return Status::Internal("state tree: a malformed stale index");
    }
    for (size_t i = 0; i < entries.size(); i += kStaleEntryBytes) {
      Status s = visit(entries.substr(i, kStaleEntryBytes));
      if (!s.ok()) return s;
    }
  }
  return FromRocks(it->status(), "read the stale index");
}

// Undo log: for each written key, u32 key length, key, one byte (1 = had a value),
// then (if 1) u32 value length and the old value. Lengths big-endian (AppendBigEndian32).
bool GetLen(std::string_view& in, size_t* n) {
  if (in.size() < 4) return false;
  *n = ParseBigEndian32(in);
  in.remove_prefix(4);
  return in.size() >= *n;
}

// The committed height and root of `db` (0 and the empty state's root before block 1).
Status ReadHeightAndRoot(rocksdb::DB& db, const std::string& path, uint64_t* height,
                         Hash32* root) {
  std::string v;
  rocksdb::Status s = db.Get(rocksdb::ReadOptions(), std::string(kHeightKey), &v);
  *height = 0;
  if (s.ok()) {
    *height = ParseBigEndian64(v);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "read height");
  }
  s = db.Get(rocksdb::ReadOptions(), std::string(kRootKey), &v);
  if (s.ok() && v.size() == 32) {
    std::memcpy(root->data(), v.data(), 32);
  } else if (s.IsNotFound()) {
    // No block yet: the root of the empty state, 32 zero bytes (docs/execution.md
    // "State root"), which block 1's parent_state_root names.
    *root = kEmptyStateRoot;
  } else if (s.ok()) {
    return Status::Internal("state database " + path + ": the committed root is " +
                            std::to_string(v.size()) + " bytes, not 32");
  } else {
    return FromRocks(s, "read root");
  }
  return Status::Ok();
}

// The height of the state ImportState wrote (0 when the database started empty).
// INTERNAL for a database whose import did not finish.
Status ReadGenesisHeight(rocksdb::DB& db, const std::string& path, uint64_t* genesis) {
  std::string v;
  rocksdb::Status s = db.Get(rocksdb::ReadOptions(), std::string(kImportKey), &v);
  if (s.ok()) {
    return Status::Internal("state database " + path +
                            " holds a state import that did not finish: remove it and import again");
  }
  if (!s.IsNotFound()) return FromRocks(s, "read the import marker");
  *genesis = 0;
  s = db.Get(rocksdb::ReadOptions(), std::string(kGenesisKey), &v);
  if (s.ok()) *genesis = ParseBigEndian64(v);
  return s.IsNotFound() ? Status::Ok() : FromRocks(s, "read the imported state's height");
}

// Calls visit(key, old value or nullptr) for each entry of an undo log, in order.
// INTERNAL when the log is malformed.
template <typename Visit>
Status ForEachUndo(std::string_view in, Visit visit) {
  while (!in.empty()) {
    size_t n = 0;
    if (!GetLen(in, &n)) return Status::Internal("corrupt undo log");
    std::string_view k = in.substr(0, n);
    in.remove_prefix(n);
    if (in.empty()) return Status::Internal("corrupt undo log");
    const bool had = in[0] == 1;
    in.remove_prefix(1);
    std::string_view old;
    if (had) {
      if (!GetLen(in, &n)) return Status::Internal("corrupt undo log");
      old = in.substr(0, n);
      in.remove_prefix(n);
    }
    visit(k, had ? &old : nullptr);
  }
  return Status::Ok();
}

// Checks on open that the tree holds the committed root: the height's root record and
// the root node (one read each, whatever the state's size).
Status CheckTreeRoot(rocksdb::DB& db, const std::string& path, uint64_t height,
                     const Hash32& root, uint64_t* root_version) {
  *root_version = 0;
  if (height == 0) return Status::Ok();
  std::string v;
  rocksdb::Status rs = db.Get(rocksdb::ReadOptions(), Prefixed('r', BigEndian64(height)), &v);
  if (rs.IsNotFound()) {
    return Status::Internal("state database " + path + " has no state tree at height " +
                            std::to_string(height) +
                            " (written by a version with the RFC 6962 whole-state root?)");
  }
  if (!rs.ok()) return FromRocks(rs, "read the tree's root");
  if (v != View(root)) {
    return Status::Internal("state database " + path + " is inconsistent: the tree's root at height " +
                            std::to_string(height) + " differs from the committed root");
  }
  if (root == kEmptyStateRoot) return Status::Ok();
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
  std::optional<VersionedNode> node;
  Status s = SeekNode(*it, NodePosition{}, height, &node);
  if (!s.ok()) return s;
  if (!node || node->node.Hash() != root) {
    return Status::Internal("state database " + path + " is inconsistent: the tree's root node at height " +
                            std::to_string(height) + " does not hash to the committed root");
  }
  *root_version = node->version;
  return Status::Ok();
}

// A block's per-item work outside the tree update (Persist's reads of the values it
// replaces and its node encodes, Apply's cache inserts) goes to the writers' pool, at
// least kMinItemsPerWriteThread items a thread: an item takes ~1 us (a value read from the
// cache, a node of ~1 KB encoded or inserted; the 2-core VM), waking a pool thread
// microseconds.
constexpr size_t kMinItemsPerWriteThread = 2048;

// A reader's Read as a batch of one (for readers whose batches are their way to read).
Status ReadOneInBatch(const NodeReader& reader, const NodeRef& ref,
                      std::optional<VersionedNode>* out) {
  std::vector<std::optional<VersionedNode>> one;
  Status s = reader.ReadBatch(std::span<const NodeRef>(&ref, 1), &one);
  *out = std::move(one[0]);
  return s;
}

// The tree's nodes for an update: the cache, else the database's versioned records in the
// committed block's snapshot (exact keys: a point read, through the Bloom filters), a
// batch's misses in MultiGet calls spread over threads. What it reads is not cached:
// every node an update reads is on a changed path, so the block replaces it (Apply caches
// the new one) or makes it stale, and caching it would only push out entries that stay
// current.
class StoreNodeReader final : public NodeReader {
 public:
  // A batch's misses go to the writers' pool (StateStore's kWriterThreads threads), at
  // least kMinReadsPerThread each (fewer: the calling thread alone), in MultiGets of
  // kMultiGetKeys. A miss costs ~10 us of CPU (the 2-core VM: ~8x10^4 misses a block took
  // 0.5-1.1 s at 10^6 keys with a 16 MiB cache and binary nodes, where a SeekForPrev per
  // node took 1.9-5.5 s), so 256 reads keep a thread's start a few percent of its work.
  static constexpr size_t kMinReadsPerThread = 256;
  // A level of at least 2 x kMinLookupsPerThread nodes is looked up on several threads
  // too (each range's misses read by its thread): a cached node takes 1.2-2.9 us (a 40 MB
  // and a 3.5 GB cache, 2-core VM, bench/EXEC_RESULTS.md "Nodes of four levels"), most of
  // it waiting for memory, so threads overlap the waits even beyond the cores' count; a
  // level of 10^4 nodes over 10^7 keys took ~28 ms on one thread.
  static constexpr size_t kMinLookupsPerThread = 1024;
  static constexpr size_t kMultiGetKeys = 64;

  StoreNodeReader(rocksdb::DB* db, const rocksdb::Snapshot* snapshot, NodeCache& cache,
                  WorkerPool& workers)
      : db_(db), snapshot_(snapshot), cache_(cache), workers_(workers) {}

  Status Read(const NodeRef& ref, std::optional<VersionedNode>* out) const override {
    return ReadOneInBatch(*this, ref, out);
  }

  Status ReadBatch(std::span<const NodeRef> refs,
                   std::vector<std::optional<VersionedNode>>* out) const override {
    out->assign(refs.size(), std::nullopt);
    if (refs.size() < 2 * kMinLookupsPerThread) {
      std::vector<size_t> misses;
      for (size_t i = 0; i < refs.size(); ++i) {
        if (!FromCache(refs[i], &(*out)[i])) misses.push_back(i);
      }
      if (misses.empty()) return Status::Ok();
      if (db_ == nullptr) return Status::Internal("state database is closed");
      return ReadMisses(refs, misses, out);
    }
    // A large level: each thread looks up a range and reads that range's misses.
    std::vector<Status> results(workers_.threads());
    ForRanges(&workers_, refs.size(), kMinLookupsPerThread,
        [&](size_t t, size_t begin, size_t end) {
          std::vector<size_t> misses;
          for (size_t i = begin; i < end; ++i) {
            if (!FromCache(refs[i], &(*out)[i])) misses.push_back(i);
          }
          if (misses.empty()) return;
          results[t] = db_ == nullptr ? Status::Internal("state database is closed")
                                      : ReadChunk(refs, misses, out);
        });
    return FirstError(results);
  }

 private:
  // A cached node of another version (none is, as the cache holds the latest tree) is a
  // miss too.
  bool FromCache(const NodeRef& ref, std::optional<VersionedNode>* out) const {
    out->emplace();
    if (cache_.Lookup(ref.position, &**out) && (*out)->version == ref.version) return true;
    out->reset();
    return false;
  }

  // Reads refs[i] for every i of `misses` into (*out)[i], the chunks on threads.
  Status ReadMisses(std::span<const NodeRef> refs, std::span<const size_t> misses,
                    std::vector<std::optional<VersionedNode>>* out) const {
    std::vector<Status> results(workers_.threads());
    ForRanges(&workers_, misses.size(), kMinReadsPerThread,
        [&](size_t t, size_t begin, size_t end) {
          results[t] = ReadChunk(refs, misses.subspan(begin, end - begin), out);
        });
    return FirstError(results);
  }

  // ReadMisses' work on one thread: MultiGets of the "t" records, in the snapshot.
  Status ReadChunk(std::span<const NodeRef> refs, std::span<const size_t> chunk,
                   std::vector<std::optional<VersionedNode>>* out) const {
    rocksdb::ReadOptions options;
    options.snapshot = snapshot_;
    std::vector<std::string> keys(std::min(kMultiGetKeys, chunk.size()));
    std::vector<rocksdb::Slice> slices(keys.size());
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    for (size_t b = 0; b < chunk.size(); b += kMultiGetKeys) {
      const size_t n = std::min(kMultiGetKeys, chunk.size() - b);
      for (size_t k = 0; k < n; ++k) {
        const NodeRef& ref = refs[chunk[b + k]];
        keys[k] = NodeKey(ref.position, ref.version);
        slices[k] = keys[k];
        values[k].Reset();
      }
      db_->MultiGet(options, db_->DefaultColumnFamily(), n, slices.data(), values.data(),
                    statuses.data());
      for (size_t k = 0; k < n; ++k) {
        Status s = Decode(refs[chunk[b + k]], statuses[k], values[k], &(*out)[chunk[b + k]]);
        if (!s.ok()) return s;
      }
    }
    return Status::Ok();
  }

  static Status Decode(const NodeRef& ref, const rocksdb::Status& status, const rocksdb::Slice& value,
                       std::optional<VersionedNode>* out) {
    if (status.IsNotFound()) return Status::Ok();  // the update reports what is missing
    if (!status.ok()) return FromRocks(status, "read state tree");
    return DecodeNodeRecord(std::string_view(value.data(), value.size()), ref, out);
  }

  rocksdb::DB* const db_;
  const rocksdb::Snapshot* const snapshot_;
  NodeCache& cache_;
  WorkerPool& workers_;
};

// The tree after a block that is updated but not applied yet (ExecutionEngine's
// pipeline): that block's new nodes (version = its height) from its update, the older
// versions from the committed tree's reader. The new nodes (~7·10^4 for a block of 10^4
// transfers over 10^7 accounts) are found by binary search in the update's `written`,
// which is in key order (TreeUpdate's contract, checked in the constructor: an update
// out of order fails every read with INTERNAL), each search starting at the last one's
// place when the refs come in key order too, as a level read ahead does. A large batch
// is looked up and copied out on `workers`' threads. Before, a hash index of them built
// in the constructor and a batch looked up on one thread took a block executed on an
// uncommitted one twice the read-ahead of a block executed alone (16-core host, 10^7
// accounts: 0.11-0.20 s against 0.05-0.07 s, bench/EXEC_RESULTS.md, "Tree nodes outside
// the log").
class PendingNodeReader final : public NodeReader {
 public:
  // A batch of at least 2 x kMinRefsPerThread refs is split over threads.
  static constexpr size_t kMinRefsPerThread = 1024;

  PendingNodeReader(const TreeUpdate& below, uint64_t below_height, const NodeReader& committed,
                    WorkerPool& workers)
      : below_height_(below_height), committed_(committed), workers_(workers), written_(below.written),
        in_key_order_(below.WrittenInKeyOrder()) {}

  Status Read(const NodeRef& ref, std::optional<VersionedNode>* out) const override {
    return ReadOneInBatch(*this, ref, out);
  }

  Status ReadBatch(std::span<const NodeRef> refs,
                   std::vector<std::optional<VersionedNode>>* out) const override {
    out->assign(refs.size(), std::nullopt);
    if (!in_key_order_) return Status::Internal("state tree: the block below's new nodes are not in key order");
    // The block below's nodes, copied out where the refs name them.
    std::vector<uint8_t> is_older(refs.size());
    ForRanges(&workers_, refs.size(), kMinRefsPerThread, [&](size_t, size_t begin, size_t end) {
      size_t from = 0;                     // where the last search ended,
      const NodePosition* last = nullptr;  // for this position
      for (size_t i = begin; i < end; ++i) {
        if (refs[i].version != below_height_) {
          is_older[i] = 1;
          continue;
        }
        // A version of the block below names one of its new nodes; none there is missing.
        const NodePosition& p = refs[i].position;
        if (last != nullptr && NodeKeyLess(p, *last)) from = 0;  // refs out of key order
        from = Find(p, from);
        last = &p;
        if (from < written_.size() && written_[from].first == p) {
          (*out)[i] = VersionedNode{written_[from].second, below_height_};
        }
      }
    });
    std::vector<NodeRef> older;
    std::vector<size_t> older_index;
    for (size_t i = 0; i < refs.size(); ++i) {
      if (!is_older[i]) continue;
      older.push_back(refs[i]);
      older_index.push_back(i);
    }
    if (older.empty()) return Status::Ok();
    std::vector<std::optional<VersionedNode>> read;
    Status s = committed_.ReadBatch(older, &read);
    if (!s.ok()) return s;
    ForRanges(&workers_, older.size(), kMinRefsPerThread, [&](size_t, size_t begin, size_t end) {
      for (size_t k = begin; k < end; ++k) (*out)[older_index[k]] = std::move(read[k]);
    });
    return Status::Ok();
  }

 private:
  // The first place at or after `from` whose node is not before `p` in key order: a
  // galloping search from `from`, which a batch in key order finds a few places on.
  size_t Find(const NodePosition& p, size_t from) const {
    const size_t n = written_.size();
    size_t lo = from, step = 1;
    while (lo + step <= n && NodeKeyLess(written_[lo + step - 1].first, p)) {
      lo += step;
      step *= 2;
    }
    size_t hi = std::min(lo + step, n);
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (NodeKeyLess(written_[mid].first, p)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  const uint64_t below_height_;
  const NodeReader& committed_;
  WorkerPool& workers_;
  const std::vector<std::pair<NodePosition, TreeNode>>& written_;
  const bool in_key_order_;  // as TreeUpdate promises: checked once, else every read fails
};

Status ClosedAfterFailure() {
  return Status::Internal(
      "state database is closed: it did not reopen after a write failure, not even read-only "
      "(the next block or deployment retries)");
}

}  // namespace

// Buffers the writers reuse from block to block, so that a block's large batches do not
// fault in fresh pages every time (bench/EXEC_RESULTS.md, "Page faults in the block
// path": the daemon maps every block of 128 KiB and more on its own, and unmaps it when
// freed). One grown past kKeepBytes is dropped after its write instead of kept.
struct StateStore::WriteScratch {
  static constexpr size_t kKeepBytes = TreeUpdateScratch::kKeepBytes;  // one bound for both
  // Persist's batches: the intent (undo log, new nodes' positions), the parts written on
  // the writers' threads, the marker (height, root, stale index, pruning).
  rocksdb::WriteBatch intent;
  std::vector<rocksdb::WriteBatch> parts = std::vector<rocksdb::WriteBatch>(kWriterThreads);
  std::vector<rocksdb::WriteBatch> node_parts = std::vector<rocksdb::WriteBatch>(kWriterThreads);
  rocksdb::WriteBatch marker;
  std::string undo;  // Persist's undo log
  TreeUpdateScratch tree;      // UpdateTree's (it releases its own large buffers)
  // Persist's block's new nodes, encoded once for its batch and for the node cache (in key
  // order), and the height of the block whose nodes Persist has moved into the node cache
  // (0: none), which Apply then leaves alone.
  std::vector<NodeCache::EncodedNode> nodes;
  uint64_t cached_nodes_height = 0;

  void DropLarge() {
    for (rocksdb::WriteBatch* b : {&intent, &marker}) {
      if (b->GetDataSize() > kKeepBytes) *b = rocksdb::WriteBatch();
    }
    for (auto* list : {&parts, &node_parts}) {
      for (rocksdb::WriteBatch& part : *list) {
        if (part.GetDataSize() > kKeepBytes / kWriterThreads) part = rocksdb::WriteBatch();
      }
    }
    if (undo.capacity() > kKeepBytes) std::string().swap(undo);
  }
};

// RocksDB's flushes, as the largest sequence number in the tables: a block's tree nodes
// (written outside the log) are durable once its "m:tree" write's number is flushed.
// RocksDB installs a column family's flushed memtables in their order, so every write
// numbered below a flushed one is in the tables too.
class StateStore::FlushedSequence final : public rocksdb::EventListener {
 public:
  void OnFlushCompleted(rocksdb::DB*, const rocksdb::FlushJobInfo& info) override {
    uint64_t seen = largest_.load(std::memory_order_relaxed);
    while (info.largest_seqno > seen &&
           !largest_.compare_exchange_weak(seen, info.largest_seqno, std::memory_order_release)) {
    }
  }
  uint64_t largest() const { return largest_.load(std::memory_order_acquire); }

 private:
  std::atomic<uint64_t> largest_{0};
};

StateStore::StateStore(size_t cache_bytes, size_t tree_threads)
    : scratch_(std::make_unique<WriteScratch>()),
      cache_(std::make_unique<StateCache>(cache_bytes - cache_bytes / 2)),
      nodes_(std::make_unique<NodeCache>(cache_bytes / 2)),
      workers_(std::make_unique<WorkerPool>(tree_threads != 0 ? tree_threads : kWriterThreads)),
      persist_workers_(std::make_unique<WorkerPool>(kWriterThreads)) {}

StateStore::StorageStats StateStore::storage_stats() const {
  StorageStats stats;
  if (db_ == nullptr) return stats;
  const auto read = [&](const std::string& property, uint64_t* out) {
    if (!db_->GetIntProperty(property, out)) *out = 0;
  };
  std::string level0;
  if (db_->GetProperty(rocksdb::DB::Properties::kNumFilesAtLevelPrefix + "0", &level0)) {
    stats.level0_files = std::strtoull(level0.c_str(), nullptr, 10);
  }
  read(rocksdb::DB::Properties::kNumImmutableMemTable, &stats.immutable_memtables);
  read(rocksdb::DB::Properties::kEstimatePendingCompactionBytes,
       &stats.pending_compaction_bytes);
  read(rocksdb::DB::Properties::kNumRunningFlushes, &stats.running_flushes);
  read(rocksdb::DB::Properties::kNumRunningCompactions, &stats.running_compactions);
  read(rocksdb::DB::Properties::kLiveSstFilesSize, &stats.table_bytes);
  const WriteCounters writes = ReadWriteCounters(*db_);
  stats.write_stall_micros = writes.stall_micros;
  stats.log_bytes = writes.log_bytes;
  return stats;
}

StateCache::Stats StateStore::cache_stats() const {
  StateCache::Stats s = cache_->stats();
  const NodeCache::Stats n = nodes_->stats();
  constexpr auto kNode = static_cast<size_t>(StateCache::Kind::kNode);
  s.hits[kNode] += n.hits;
  s.misses[kNode] += n.misses;
  s.evictions += n.evictions;
  s.entries += n.entries;
  s.bytes += n.bytes;
  s.capacity += n.capacity;
  return s;
}

StateStore::~StateStore() {
  ReleaseSnapshot();
  if (db_ != nullptr && !close_as_crash_ && !write_failed_) {
    // The tree's latest nodes are in the memtables only (outside the log): flushed, the
    // next open has nothing to rebuild. A read-only instance refuses (it holds none).
    rocksdb::FlushOptions flush;
    flush.wait = true;
    (void)db_->Flush(flush);
  }
}

void StateStore::CloseAsCrash(std::unique_ptr<StateStore> store) {
  if (store != nullptr) store->close_as_crash_ = true;
}

Status StateStore::OpenWritableDb() {
  flushed_ = std::make_shared<FlushedSequence>();
  unflushed_trees_.clear();
  flush_requested_ = false;
  return OpenDb(path_, env_, &db_, OpenMode::kReadWrite, flushed_);
}

Status StateStore::Open(const std::string& path, std::unique_ptr<StateStore>* out,
                        rocksdb::Env* env, size_t cache_bytes, size_t tree_threads,
                        bool tree_nodes_in_log) {
  std::unique_ptr<StateStore> store(new StateStore(cache_bytes, tree_threads));
  store->path_ = path;
  store->env_ = env;
  store->tree_nodes_in_log_ = tree_nodes_in_log;
  Status st = store->OpenWritableDb();
  if (!st.ok()) return st;
  uint64_t height = 0;
  st = ReadHeightAndRoot(*store->db_, path, &height, &store->root_);
  if (st.ok()) st = ReadGenesisHeight(*store->db_, path, &store->genesis_height_);
  if (!st.ok()) return st;
  store->height_ = height;
  // A block whose commit did not complete (a crash between its first write and its
  // synced marker) left some of its records: undo them.
  std::optional<std::string> log;
  st = store->UncommittedBlockLog(height, &log);
  if (st.ok() && log) st = store->UndoReplayedBlock(*log);
  if (st.ok()) st = store->RebuildUnflushedTree();
  if (!st.ok()) return st;
  st = CheckTreeRoot(*store->db_, path, store->height_, store->root_, &store->root_version_);
  if (!st.ok()) return st;

  std::unique_ptr<rocksdb::Iterator> it(store->db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("c"); it->Valid() && it->key().starts_with("c"); it->Next()) {
    if (it->key().size() != 33 || it->value().size() != 32) continue;
    Hash32 address, code;
    std::memcpy(address.data(), it->key().data() + 1, 32);
    std::memcpy(code.data(), it->value().data(), 32);
    store->staged_[address] = code;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "load the staged deployments");
  it.reset();
  store->TakeSnapshot();
  *out = std::move(store);
  return Status::Ok();
}

bool StateStore::Get(std::string_view key, std::string* value) const {
  std::optional<std::string> v;
  Status s = ReadLatest(key, &v);
  if (!s.ok()) {
    NoteReadFailure(s);
    return false;
  }
  if (!v) return false;
  *value = std::move(*v);
  return true;
}

Status StateStore::ReadLatest(std::string_view key, std::optional<std::string>* value,
                              bool fill_cache) const {
  if (cache_->Lookup(StateCache::Kind::kValue, key, value)) return Status::Ok();
  if (auto it = refused_block_.find(key); it != refused_block_.end()) {
    *value = it->second;
  } else {
    if (db_ == nullptr) return ClosedAfterFailure();
    rocksdb::ReadOptions options;
    options.snapshot = snapshot_;
    std::string v;
    rocksdb::Status s = db_->Get(options, Prefixed('s', key), &v);
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "read state");
    if (s.ok()) {
      *value = std::move(v);
    } else {
      value->reset();
    }
  }
  if (fill_cache) cache_->Insert(StateCache::Kind::kValue, key, *value ? &**value : nullptr);
  return Status::Ok();
}

void StateStore::NoteReadFailure(const Status& s) const {
  {
    MutexLock lock(read_error_mu_);
    last_read_error_ = s;
  }
  read_failures_.fetch_add(1, std::memory_order_release);
}

Status StateStore::last_read_error() const {
  MutexLock lock(read_error_mu_);
  return last_read_error_;
}

void StateStore::TakeSnapshot() {
  ReleaseSnapshot();
  if (db_ != nullptr && !write_failed_) snapshot_ = db_->GetSnapshot();
}

void StateStore::ReleaseSnapshot() {
  if (snapshot_ != nullptr) db_->ReleaseSnapshot(snapshot_);
  snapshot_ = nullptr;
}

// The least a node other than the root is charged in the node cache: a record of two
// child slots (5 + 2 x 40 bytes). WarmNodeCache gathers no more of the next level's
// names than could still fit at this charge.
constexpr size_t kMinNodeCharge = NodeCache::ChargeOfRecord(5 + 2 * 40);
// WarmNodeCache reads a level in batches of this many nodes (a batch's nodes are held
// decoded, ~1.3 KB each).
constexpr size_t kWarmBatchNodes = 8192;

Status StateStore::WarmNodeCache(NodeCacheWarmReport* report) {
  const auto start = std::chrono::steady_clock::now();
  *report = {};
  const NodeCache::Stats before = nodes_->stats();
  report->cache_capacity = before.capacity;
  const auto finish = [&](Status s) {
    report->cache_bytes = nodes_->stats().bytes;
    report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return s;
  };
  if (root_version_ == 0) {  // the empty tree: no node
    report->whole_tree = true;
    return finish(Status::Ok());
  }
  if (db_ == nullptr) return finish(ClosedAfterFailure());
  const auto budget = static_cast<size_t>(static_cast<double>(before.capacity) * kWarmFill);
  size_t bytes = before.bytes;  // charged, counted here as nodes go in
  StoreNodeReader reader(db_.get(), snapshot_, *nodes_, *workers_);
  std::vector<NodeRef> level{NodeRef{NodePosition{}, root_version_}}, next;
  std::vector<std::optional<VersionedNode>> nodes;
  bool whole = true;  // `level` names every node of its depth
  while (!level.empty()) {
    next.clear();
    bool next_whole = whole;
    for (size_t begin = 0; begin < level.size(); begin += kWarmBatchNodes) {
      const auto batch = std::span<const NodeRef>(level).subspan(
          begin, std::min(kWarmBatchNodes, level.size() - begin));
      Status s = reader.ReadBatch(batch, &nodes);
      if (!s.ok()) return finish(s);
      // Below a level named in part, nothing is gathered: the cache fills first.
      const size_t max_next = whole && bytes < budget ? (budget - bytes) / kMinNodeCharge : 0;
      for (size_t i = 0; i < batch.size(); ++i) {
        if (!nodes[i]) return finish(MissingNode(batch[i]));
        const size_t charge = NodeCache::Charge(nodes[i]->node);
        if (bytes + charge > budget) return finish(Status::Ok());
        nodes_->Insert(batch[i].position, *nodes[i]);
        bytes += charge;
        ++report->nodes;
        for (unsigned slot = 0; slot < kTreeNodeSlots; ++slot) {
          const TreeNode::Slot& child = nodes[i]->node.slots[slot];
          if (child.kind != TreeNode::Slot::Kind::kChild) continue;
          if (next.size() < max_next) {
            next.push_back(NodeRef{ChildPosition(batch[i].position, slot), child.version});
          } else {
            next_whole = false;
          }
        }
      }
    }
    report->whole_levels += whole;
    whole = next_whole;
    level.swap(next);
  }
  report->whole_tree = whole;
  return finish(Status::Ok());
}

Status StateStore::MissingNode(const NodeRef& ref) const {
  return Status::Internal("state database " + path_ + " is inconsistent: the tree's node at depth " +
                          std::to_string(ref.position.depth) + " of version " +
                          std::to_string(ref.version) + ", which its parent names, is missing");
}

Status StateStore::ScanState(const StateVisitor& visit) const {
  if (db_ == nullptr) return ClosedAfterFailure();
  rocksdb::ReadOptions options;
  options.snapshot = snapshot_;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options));
  // While the database holds (some of) a refused block, the values it replaced come from
  // its undo log (refused_block_: sorted as the iterator, bytewise): merged in.
  auto refused = refused_block_.begin();
  auto visit_old = [&] {
    if (refused->second) visit(refused->first, *refused->second);
    ++refused;
  };
  for (it->Seek("s"); it->Valid() && it->key().starts_with("s"); it->Next()) {
    const std::string_view key(it->key().data() + 1, it->key().size() - 1);
    while (refused != refused_block_.end() && std::string_view(refused->first) < key) visit_old();
    if (refused != refused_block_.end() && refused->first == key) {
      visit_old();
    } else {
      visit(key, std::string_view(it->value().data(), it->value().size()));
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read state");
  while (refused != refused_block_.end()) visit_old();
  return Status::Ok();
}

Status StateStore::GetAt(std::string_view key, uint64_t height,
                         std::optional<std::string>* value) const {
  // An imported state has no undo log: the heights below it are not kept.
  const uint64_t lowest = std::max(genesis_height_, height_ > kHistory ? height_ - kHistory : 0);
  if (height > height_ || height < lowest) {
    return Status{Status::Code::kNotFound,
                  "height " + std::to_string(height) + " is outside the kept history [" +
                      std::to_string(lowest) + ", " + std::to_string(height_) + "]" +
                      (genesis_height_ > 0 ? " (the state was imported at height " +
                                                 std::to_string(genesis_height_) + ")"
                                           : "")};
  }
  Status current = ReadLatest(key, value);
  if (!current.ok()) return current;
  // Undo blocks height_, height_ - 1, ..., height + 1.
  if (height < height_ && db_ == nullptr) return ClosedAfterFailure();
  for (uint64_t h = height_; h > height; --h) {
    std::string log;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Prefixed('u', BigEndian64(h)), &log);
    if (s.IsNotFound()) continue;  // a block that wrote nothing
    if (!s.ok()) return FromRocks(s, "read undo log");
    Status st = ForEachUndo(log, [&](std::string_view k, const std::string_view* old) {
      if (k != key) return;
      if (old != nullptr) {
        *value = std::string(*old);
      } else {
        value->reset();
      }
    });
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

Status StateStore::Prove(std::string_view key, uint64_t height, std::optional<std::string>* value,
                         StateProof* proof, Hash32* root) const {
  Status s = GetAt(key, height, value);
  if (!s.ok()) return s;
  if (db_ == nullptr) return ClosedAfterFailure();
  *proof = StateProof{};
  *root = kEmptyStateRoot;
  if (height > 0) {
    std::string v;
    rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), Prefixed('r', BigEndian64(height)), &v);
    if (!rs.ok()) return FromRocks(rs, "read the root of height " + std::to_string(height));
    if (v.size() != 32) return Status::Internal("state tree: a malformed root record");
    std::memcpy(root->data(), v.data(), 32);
  }
  const Hash32 path = StateKeyPath(key);
  NodePosition p;
  Hash32 expected = *root;
  uint64_t version = 0;  // below the root: the version the parent's slot names
  while (expected != kEmptyStateRoot) {
    std::optional<VersionedNode> n;
    s = p.depth == 0 ? ReadRootNode(height, &n) : ReadNode(NodeRef{p, version}, &n);
    if (!s.ok()) return s;
    std::array<BinarySubtree, 2 * kTreeNodeSlots> subtrees;
    if (n) n->node.BinarySubtrees(&subtrees);
    if (!n || subtrees[1].hash != expected) {
      return Status::Internal("state tree: the node at depth " + std::to_string(p.depth) +
                              " does not hash to its parent's slot (damaged database)");
    }
    // Down the node's binary levels: each internal subtree on the path adds the other
    // half as a sibling; the path ends at an empty subtree or at a lone leaf.
    unsigned h = 1;
    expected = kEmptyStateRoot;
    for (unsigned level = 0;; ++level) {
      const BinarySubtree& t = subtrees[h];
      if (t.kind == BinarySubtree::Kind::kLeaf) {
        const TreeNode::Slot& leaf = n->node.slots[t.leaf_slot];
        proof->leaf = StateProof::Leaf{leaf.a, leaf.b};
        break;
      }
      if (t.kind == BinarySubtree::Kind::kEmpty) break;
      if (level == kTreeNodeLevels) {  // a child node: its own levels follow
        expected = t.hash;
        version = n->node.slots[h - kTreeNodeSlots].version;
        break;
      }
      const int bit = PathBit(path, p.depth + level);
      proof->siblings.push_back(subtrees[2 * h + 1 - bit].hash);
      h = 2 * h + bit;
    }
    if (expected == kEmptyStateRoot) break;
    if (p.depth + kTreeNodeLevels >= 256) return Status::Internal("state tree: a child node below depth 252");
    p.prefix[p.depth / 8] |= static_cast<uint8_t>(p.depth % 8 == 0 ? PathSlot(path, p.depth) << 4
                                                                     : PathSlot(path, p.depth));
    p.depth = static_cast<uint16_t>(p.depth + kTreeNodeLevels);
  }
  return Status::Ok();
}

Status StateStore::UpdateTree(const WriteSet& writes, NodeHasher& hasher, TreeUpdate* update,
                              const TreeUpdate* below) {
  StoreNodeReader committed(db_.get(), snapshot_, *nodes_, *workers_);
  if (below == nullptr) {
    return UpdateStateTree(committed, TreeRoot{root_, root_version_}, height_ + 1, writes, hasher,
                           update, &scratch_->tree, workers_.get());
  }
  const auto t = std::chrono::steady_clock::now();
  const PendingNodeReader reader(*below, height_ + 1, committed, *workers_);
  const double index_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  Status s = UpdateStateTree(reader, below->root, height_ + 2, writes, hasher, update,
                             &scratch_->tree, workers_.get());
  update->phases.read_ahead_s += index_s;
  return s;
}

Status StateStore::StageContract(const Hash32& address, const Hash32& code_hash,
                                 std::string_view wasm) {
  Status st = Recover();
  if (!st.ok()) return WriteFailed("storing a contract", st);
  rocksdb::WriteBatch batch;
  batch.Put(Prefixed('w', View(code_hash)), rocksdb::Slice(wasm.data(), wasm.size()));
  batch.Put(Prefixed('c', View(address)), rocksdb::Slice(View(code_hash).data(), 32));
  st = Write(&batch, /*sync=*/true, "storing a contract");
  if (st.ok()) staged_[address] = code_hash;
  return st;
}

WriteSet StateStore::BlockWrites(WriteSet executed) const {
  if (staged_.empty()) return executed;
  // The code keys share their first 32 bytes, so address order is key order.
  WriteSet deployments;
  deployments.reserve(staged_.size());
  for (const auto& [address, code_hash] : staged_) {
    deployments.emplace_back(ContractCodeKey(address), std::string(View(code_hash)));
  }
  WriteSet all;
  all.reserve(executed.size() + deployments.size());
  std::merge(std::make_move_iterator(executed.begin()), std::make_move_iterator(executed.end()),
             std::make_move_iterator(deployments.begin()),
             std::make_move_iterator(deployments.end()), std::back_inserter(all),
             [](const auto& x, const auto& y) { return x.first < y.first; });
  return all;
}

bool StateStore::GetContract(const Hash32& address, Hash32* code_hash) const {
  std::string value;
  if (!Get(ContractCodeKey(address), &value) || value.size() != 32) return false;
  std::memcpy(code_hash->data(), value.data(), 32);
  return true;
}

Status StateStore::CodeHashes(std::vector<Hash32>* out) const {
  out->clear();
  if (db_ == nullptr) return ClosedAfterFailure();
  const std::string first = Prefixed('s', ContractCodeKey(Hash32{}));
  const std::string_view code_namespace(first.data(), 33);
  rocksdb::ReadOptions options;
  options.snapshot = snapshot_;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options));
  for (it->Seek(first); it->Valid() && it->key().starts_with(code_namespace); it->Next()) {
    if (it->key().size() != 65 || it->value().size() != 32) continue;
    Hash32 code_hash;
    std::memcpy(code_hash.data(), it->value().data(), 32);
    out->push_back(code_hash);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read the code keys");
  for (const auto& [address, code_hash] : staged_) out->push_back(code_hash);
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
  return Status::Ok();
}

Status StateStore::GetCode(const Hash32& code_hash, std::string* wasm) const {
  if (db_ == nullptr) return ClosedAfterFailure();
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Prefixed('w', View(code_hash)), wasm);
  if (s.IsNotFound()) return Status{Status::Code::kNotFound, "no code with that hash"};
  return FromRocks(s, "read code");
}

Status StateStore::Commit(uint64_t height, const WriteSet& executed) {
  Status s = Recover();
  if (!s.ok()) return WriteFailed(CommitOf(height), s);
  const WriteSet writes = BlockWrites(executed);
  CpuNodeHasher hasher;
  TreeUpdate update;
  s = UpdateTree(writes, hasher, &update);
  if (s.ok()) s = Persist(height, writes, update);
  if (s.ok()) Apply(height, writes, update);
  return s;
}

Status StateStore::Persist(uint64_t height, const WriteSet& writes, const TreeUpdate& update) {
  if (height != height_ + 1) {
    return Status::FailedPrecondition("commit of height " + std::to_string(height) +
                                      " on top of height " + std::to_string(height_));
  }
  if (write_failed_) return WriteFailed(CommitOf(height), NotRecovered());
  if (Status s = BoundUnflushedTree(height); !s.ok()) return s;
  persist_phases_ = PersistPhases{};
  auto lap = [t = std::chrono::steady_clock::now()](double* phase) mutable {
    const auto now = std::chrono::steady_clock::now();
    *phase = std::chrono::duration<double>(now - t).count();
    t = now;
  };
  // The values the block replaces, for its undo log (not cached: Apply caches the new ones).
  std::vector<std::optional<std::string>> replaced(writes.size());
  std::vector<Status> results(persist_workers_->threads());
  ForRanges(persist_workers_.get(), writes.size(), kMinItemsPerWriteThread,
      [&](size_t t, size_t begin, size_t end) {
        for (size_t k = begin; k < end && results[t].ok(); ++k) {
          results[t] = ReadLatest(writes[k].first, &replaced[k], /*fill_cache=*/false);
        }
      });
  if (Status s = FirstError(results); !s.ok()) return s;
  lap(&persist_phases_.old_values_s);
  std::string& undo = scratch_->undo;
  undo.clear();
  for (size_t k = 0; k < writes.size(); ++k) {
    AppendBigEndian32(static_cast<uint32_t>(writes[k].first.size()), &undo);
    undo += writes[k].first;
    const std::optional<std::string>& old = replaced[k];
    if (!old) {
      undo.push_back(0);
    } else {
      undo.push_back(1);
      AppendBigEndian32(static_cast<uint32_t>(old->size()), &undo);
      undo += *old;
    }
  }
  const std::vector<uint32_t> order = EncodeNodes(height, update);
  const std::vector<NodeCache::EncodedNode>& nodes = scratch_->nodes;
  lap(&persist_phases_.encode_s);

  // The marker, built first: it reads the stale bucket that pruning drops, and nothing
  // that can fail may come between the block's first write and its last (a block's
  // writes stop only at a refused write, which Recover then undoes).
  // The height and root, the stale index, the staged deployments taken in, pruning.
  rocksdb::WriteBatch& marker = scratch_->marker;
  marker.Clear();
  for (const auto& [key, value] : writes) {
    // A deployment the block takes in is no longer staged.
    Hash32 address;
    if (ParseContractCodeKey(key, &address) && staged_.count(address)) {
      marker.Delete(Prefixed('c', View(address)));
    }
  }
  // One undo log more than reads need: GetAt at the oldest readable height, running
  // beside this write (before Apply), still finds every log it undoes.
  if (height > kHistory + 1) marker.Delete(Prefixed('u', BigEndian64(height - kHistory - 1)));
  if (Status s = PutTreeMarker(height, update, &marker); !s.ok()) return s;
  marker.Put(std::string(kHeightKey), BigEndian64(height));
  marker.Put(std::string(kRootKey), rocksdb::Slice(View(update.root.hash).data(), 32));
  lap(&persist_phases_.marker_build_s);

  // 1. The intent: the undo log (always, empty for a block that writes nothing) and the
  // positions of the new nodes, which undo a block that did not commit whole.
  rocksdb::WriteBatch& intent = scratch_->intent;
  intent.Clear();
  intent.Put(Prefixed('u', BigEndian64(height)), undo);
  std::string written;
  written.reserve(order.size() * (kNodeKeyBytes - 9));
  for (uint32_t i : order) AppendPosition(update.written[i].first, &written);
  if (!written.empty()) intent.Put(Prefixed('y', BigEndian64(height)), written);
  if (Status s = Write(&intent, /*sync=*/false, CommitOf(height)); !s.ok()) return s;
  lap(&persist_phases_.intent_s);

  // 2. The state values and the new nodes, in parts built and written on threads at once,
  // each part a run of keys in order: the values in the log, the nodes outside it (a
  // crash loses those not flushed yet, and opening rebuilds them: RebuildUnflushedTree),
  // which takes ~4/5 of a block's bytes out of the log at 10^7 accounts. The parts are
  // built in parallel; RocksDB inserts concurrent writers' batches into its memtable in
  // parallel only when they share a write group, which its default 1 MiB group cap keeps
  // multi-MiB parts from doing, but a 256 MiB cap measured no faster on the 16-core host
  // (bench/EXEC_RESULTS.md, "The write-group cap on the host").
  const size_t items = writes.size() + nodes.size();
  std::fill(results.begin(), results.end(), Status::Ok());
  ForRanges(persist_workers_.get(), items, kMinItemsPerWriteThread,
      [&](size_t t, size_t begin, size_t end) {
        rocksdb::WriteBatch& part = scratch_->parts[t];
        rocksdb::WriteBatch& node_part = scratch_->node_parts[t];
        part.Clear();
        node_part.Clear();
        for (size_t k = begin; k < end; ++k) {
          if (k < writes.size()) {
            const auto& [key, value] = writes[k];
            if (value) {
              part.Put(Prefixed('s', key), *value);
            } else {
              part.Delete(Prefixed('s', key));
            }
          } else {
            const size_t n = k - writes.size();
            node_part.Put(NodeKey(update.written[order[n]].first, height), nodes[n].record());
          }
        }
        if (part.Count() > 0) results[t] = Write(&part, /*sync=*/false, CommitOf(height));
        if (results[t].ok() && node_part.Count() > 0) {
          results[t] = Write(&node_part, /*sync=*/false, CommitOf(height), tree_nodes_in_log_);
        }
      });
  if (Status s = FirstError(results); !s.ok()) return s;
  // After the nodes, outside the log too: in the tables only once they are.
  rocksdb::WriteBatch tree_height;
  tree_height.Put(std::string(kTreeHeightKey), BigEndian64(height));
  if (Status s = Write(&tree_height, /*sync=*/false, CommitOf(height), tree_nodes_in_log_); !s.ok()) {
    return s;
  }
  unflushed_trees_.emplace_back(height, db_->GetLatestSequenceNumber());
  lap(&persist_phases_.parts_s);

  // 3. The marker, synced: with it everything before it in the log is durable.
  Status s = WriteMarkerCachingNodes(height, update, &marker);
  lap(&persist_phases_.marker_write_s);
  scratch_->DropLarge();
  return s;
}

Status StateStore::WriteMarkerCachingNodes(uint64_t height, const TreeUpdate& update,
                                           rocksdb::WriteBatch* marker) {
  // While the marker's sync waits for the disk, the helpers move the block's nodes into
  // the node cache (~7·10^4 at 10^7 accounts), work Apply did after the sync, with every
  // reader held off. It is safe before the block is applied: the cache's readers ask for
  // exact versions (StoreNodeReader takes an entry of another version as a miss, and
  // nothing else reads it), no record of this block's height is read before Apply, and a
  // position it replaces or removes is read, if at all, from the database meanwhile.
  static_assert(kWriterThreads >= 2, "a helper beside the marker's write");
  std::vector<NodeCache::EncodedNode>& nodes = scratch_->nodes;
  const size_t helpers = persist_workers_->threads() - 1;
  Status s;
  persist_workers_->Run(helpers + 1, [&](size_t t) {
    if (t == 0) {
      s = Write(marker, /*sync=*/true, CommitOf(height));
      return;
    }
    const size_t begin = nodes.size() * (t - 1) / helpers;
    const size_t end = nodes.size() * t / helpers;
    for (size_t k = begin; k < end; ++k) nodes_->Insert(std::move(nodes[k]));
    if (t == 1) {
      for (const NodePosition& p : update.removed) nodes_->Erase(p);
    }
  });
  scratch_->cached_nodes_height = s.ok() ? height : 0;
  if (!s.ok()) {
    // The block is not committed: its entries are of no committed tree. Readers would
    // never take them (a committed tree names a version of this height only where a block
    // of this height that did commit wrote, and that block's insert replaces the entry),
    // but they would hold cache space the committed tree's nodes should have.
    for (const auto& [p, node] : update.written) nodes_->Erase(p);
  }
  return s;
}

std::vector<uint32_t> StateStore::EncodeNodes(uint64_t height, const TreeUpdate& update) {
  // The new nodes in key order (depth, then prefix), encoded on up to 8 threads: ~3·10^4
  // nodes of ~1 KB for a block of 10^4 transfers over 10^6 keys. UpdateStateTree gives
  // them in that order; an update made otherwise is sorted here.
  std::vector<uint32_t> order(update.written.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  if (!update.WrittenInKeyOrder()) {
    std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
      return NodeKeyLess(update.written[x].first, update.written[y].first);
    });
  }
  std::vector<NodeCache::EncodedNode>& nodes = scratch_->nodes;
  nodes.clear();
  nodes.resize(order.size());
  ForRanges(persist_workers_.get(), order.size(), kMinItemsPerWriteThread,
      [&](size_t, size_t begin, size_t end) {
        for (size_t k = begin; k < end; ++k) {
          const auto& [p, node] = update.written[order[k]];
          nodes[k] = NodeCache::EncodedNode(p, VersionedNode{node, height});
        }
      });
  return order;
}

Status StateStore::PutTreeMarker(uint64_t height, const TreeUpdate& update,
                                 rocksdb::WriteBatch* batch) {
  // The stale index, one record for the block, its entries in key order too: pruning
  // deletes them in that order. Unsigned bytes: RocksDB orders keys bytewise unsigned
  // (std::array<char> would sort 0x80..0xff first, char being signed here). The update
  // lists each depth's stale positions in prefix order (a walk from the root goes through
  // a node's slots in order), each position once, so placing them by depth, in the order
  // listed, gives key order (depth, prefix, version) without a sort of ~7·10^4 entries;
  // a list in another order is sorted.
  std::array<size_t, 256 / kTreeNodeLevels + 1> at{};
  for (const auto& [p, version] : update.stale) ++at[p.depth / kTreeNodeLevels + 1];
  for (size_t d = 1; d < at.size(); ++d) at[d] += at[d - 1];
  std::vector<std::array<uint8_t, kStaleEntryBytes>> entries(update.stale.size());
  std::string key;
  key.reserve(kStaleEntryBytes);
  for (const auto& [p, version] : update.stale) {
    key.clear();
    AppendPosition(p, &key);
    AppendBigEndian64(version, &key);
    std::memcpy(entries[at[p.depth / kTreeNodeLevels]++].data(), key.data(), kStaleEntryBytes);
  }
  if (!std::is_sorted(entries.begin(), entries.end())) std::sort(entries.begin(), entries.end());
  std::string stale;
  stale.reserve(entries.size() * kStaleEntryBytes);
  for (const auto& e : entries) stale.append(reinterpret_cast<const char*>(e.data()), e.size());
  if (!stale.empty()) batch->Put(Prefixed('x', BigEndian64(height)), stale);
  batch->Put(Prefixed('r', BigEndian64(height)), rocksdb::Slice(View(update.root.hash).data(), 32));
  if (height > 1) batch->Delete(Prefixed('y', BigEndian64(height - 1)));
  // Pruning. Reads run at heights down to height - kHistory - 1 while this block commits
  // (StateStore::kHistory). A record made stale by block h serves heights below h only, so
  // the records of stale bucket height - kHistory - 1 serve none of them; nor does the root
  // of height - kHistory - 2.
  if (height <= kHistory + 1) return Status::Ok();
  if (height > kHistory + 2) batch->Delete(Prefixed('r', BigEndian64(height - kHistory - 2)));
  if (db_ == nullptr) return ClosedAfterFailure();
  std::string node_key = "t";
  return DropStaleBucket(*db_, height - kHistory - 1, batch, [&](std::string_view record) {
    node_key.resize(1);
    node_key.append(record);
    batch->Delete(node_key);
    return Status::Ok();
  });
}

std::string StateStore::CommitOf(uint64_t height) const {
  return "the commit of block " + std::to_string(height) + " (state stays at height " +
         std::to_string(height_) + ")";
}

Status StateStore::WriteFailed(const std::string& what, const Status& why) {
  return Status::Internal("state database write failed: " + what + ": " + why.message());
}

Status StateStore::NotRecovered() {
  return Status::Internal(
      "the database has not recovered from an earlier write failure (StateStore::Recover)");
}

Status StateStore::Write(rocksdb::WriteBatch* batch, bool sync, const std::string& what,
                         bool log) {
  if (write_failed_) return WriteFailed(what, NotRecovered());
  rocksdb::WriteOptions options;
  options.sync = sync;
  options.disableWAL = !log;
  // A part of a block written beside the others: its keys are a run in order, so the
  // memtable's concurrent insert starts each key from where the last one went.
  options.memtable_insert_hint_per_batch = !sync;
  rocksdb::Status s = db_->Write(options, batch);
  if (s.ok()) return Status::Ok();
  write_failed_ = true;
  return WriteFailed(what, FromRocks(s, "RocksDB"));
}

Status StateStore::Recover() {
  if (!write_failed_) return Status::Ok();
  memory_nodes_.clear();
  refused_block_.clear();  // of the instance closed now (LoadRefusedBlock reads it again)
  // RocksDB takes no write after a failed log append or sync, and DB::Resume refuses
  // such an error (its severity is fatal): close and reopen. Opening replays the log up
  // to its last whole record and starts a new one.
  ReleaseSnapshot();
  db_.reset();
  Status s = OpenWritableDb();
  if (!s.ok()) {
    // Reopening writes (a new log, a flush of what the log held); while that fails, a
    // read-only instance serves the reads. It may hold the refused block: the values it
    // replaced come from its undo log (LoadRefusedBlock), and no history read at or
    // below height_ consults that log.
    if (!OpenDb(path_, env_, &db_, OpenMode::kReadOnly).ok()) db_.reset();
    if (db_ != nullptr && !LoadRefusedBlock().ok()) db_.reset();
    // Without the nodes the closed instance had not flushed, proofs of its last blocks
    // would fail: rebuilt in memory (when that fails, such proofs answer INTERNAL).
    if (db_ != nullptr && !RebuildUnflushedTree(/*in_memory=*/true).ok()) memory_nodes_.clear();
    return Status::Internal("the database has not recovered from an earlier write failure: " +
                            s.message());
  }
  uint64_t height = 0;
  Hash32 root{};
  s = ReadHeightAndRoot(*db_, path_, &height, &root);
  // A refused block whose records reached the log (whole: only its sync failed; or in
  // part: a later write of it was refused) is back now: undo it with its own undo log,
  // so that the database is again at height_.
  std::optional<std::string> log;
  if (s.ok()) s = UncommittedBlockLog(height, &log);
  if (s.ok() && log) {
    s = UndoReplayedBlock(*log);
    if (s.ok()) s = ReadHeightAndRoot(*db_, path_, &height, &root);
  }
  if (s.ok() && (height != height_ || root != root_)) {
    s = Status::Internal("reopened at height " + std::to_string(height) + ", not at height " +
                         std::to_string(height_));
  }
  // The nodes of blocks not flushed before the failure may be gone with the memtables.
  if (s.ok()) s = RebuildUnflushedTree();
  if (!s.ok()) {
    // The database may still hold the refused block (its undo failed), and lack the
    // nodes of the blocks before it (their rebuild was not written).
    if (!LoadRefusedBlock().ok()) {
      db_.reset();
    } else if (!RebuildUnflushedTree(/*in_memory=*/true).ok()) {
      memory_nodes_.clear();
    }
    return Status::Internal("the database has not recovered from an earlier write failure: " +
                            s.message());
  }
  refused_block_.clear();
  memory_nodes_.clear();
  write_failed_ = false;
  TakeSnapshot();
  return Status::Ok();
}

Status StateStore::LoadRefusedBlock() {
  refused_block_.clear();
  uint64_t height = 0;
  Hash32 root{};
  Status s = ReadHeightAndRoot(*db_, path_, &height, &root);
  std::optional<std::string> log;
  if (s.ok()) s = UncommittedBlockLog(height, &log);
  if (!s.ok() || !log) return s;
  return ForEachUndo(*log, [this](std::string_view key, const std::string_view* old) {
    refused_block_.emplace(std::string(key), old ? std::optional<std::string>(*old) : std::nullopt);
  });
}

Status StateStore::UncommittedBlockLog(uint64_t db_height, std::optional<std::string>* log) const {
  log->reset();
  if (db_height != height_ && db_height != height_ + 1) return Status::Ok();
  std::string value;
  rocksdb::Status rs =
      db_->Get(rocksdb::ReadOptions(), Prefixed('u', BigEndian64(height_ + 1)), &value);
  if (rs.ok()) {
    *log = std::move(value);
  } else if (!rs.IsNotFound()) {
    return FromRocks(rs, "read undo log");
  } else if (db_height == height_ + 1) {
    *log = std::string();  // its marker without an undo log: a block of earlier versions
  }
  return Status::Ok();
}

Status StateStore::UndoReplayedBlock(std::string_view log) {
  const uint64_t height = height_ + 1;
  rocksdb::WriteBatch batch;
  Status read;
  Status s = ForEachUndo(log, [&](std::string_view key, const std::string_view* old) {
    if (old != nullptr) {
      batch.Put(Prefixed('s', key), rocksdb::Slice(old->data(), old->size()));
      return;
    }
    // A deployment the block took in (its code key was absent): staged again.
    Hash32 address;
    std::string code_hash;
    if (ParseContractCodeKey(key, &address) && read.ok()) {
      // Not written when the block stopped before its part with the code key; then its
      // "c" record (removed by the marker) is still there.
      rocksdb::Status got = db_->Get(rocksdb::ReadOptions(), Prefixed('s', key), &code_hash);
      if (got.ok()) {
        batch.Put(Prefixed('c', View(address)), code_hash);
      } else if (!got.IsNotFound()) {
        read = FromRocks(got, "read the code hash of a deployment");
      }
    }
    batch.Delete(Prefixed('s', key));
  });
  if (s.ok()) s = read;
  if (!s.ok()) return s;
  // The undo log that the refused batch removed (height - kHistory - 1) is not needed:
  // reads go back to height_ - kHistory, which needs the logs above it only. Nor are the
  // tree records it pruned (stale at height - kHistory - 1: they serve lower heights).
  batch.Delete(Prefixed('u', BigEndian64(height)));
  std::string written;
  rocksdb::Status rs =
      db_->Get(rocksdb::ReadOptions(), Prefixed('y', BigEndian64(height)), &written);
  if (!rs.ok() && !rs.IsNotFound()) return FromRocks(rs, "read the tree nodes of block " + std::to_string(height));
  for (size_t i = 0; i + 34 <= written.size(); i += 34) {
    batch.Delete("t" + written.substr(i, 34) + BigEndian64(height));
  }
  batch.Delete(Prefixed('y', BigEndian64(height)));
  batch.Delete(Prefixed('r', BigEndian64(height)));
  // The records the block replaced are the tree of height_ again: only its stale bucket goes.
  s = DropStaleBucket(*db_, height, &batch, [](std::string_view) { return Status::Ok(); });
  if (!s.ok()) return s;
  batch.Put(std::string(kHeightKey), BigEndian64(height_));
  batch.Put(std::string(kRootKey), rocksdb::Slice(View(root_).data(), 32));
  // The undone block's "m:tree" may have reached the tables (with some of its nodes);
  // RebuildUnflushedTree, which follows every undo, lowers it to height_.
  rocksdb::WriteOptions options;
  options.sync = true;
  return FromRocks(db_->Write(options, &batch), "undo the refused block " + std::to_string(height));
}

Status StateStore::ReadTreeHeight(uint64_t* tree_height, bool* present) const {
  std::string v;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), std::string(kTreeHeightKey), &v);
  *present = rs.ok();
  *tree_height = rs.ok() ? ParseBigEndian64(v) : 0;
  if (rs.ok() && v.size() != 8) return Status::Internal("state database " + path_ + ": a malformed m:tree");
  return rs.ok() || rs.IsNotFound() ? Status::Ok() : FromRocks(rs, "read the flushed tree's height");
}

Status StateStore::ReadRootNode(uint64_t height, std::optional<VersionedNode>* out) const {
  const NodePosition root{};
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  Status s = SeekNode(*it, root, height, out);
  if (!s.ok() || memory_nodes_.empty()) return s;
  // The latest root record in memory_nodes_ at or below `height`; a later one than the
  // database's wins.
  const std::string prefix = NodePrefixKey(root);
  auto m = memory_nodes_.upper_bound(prefix + BigEndian64(height));
  if (m == memory_nodes_.begin()) return s;
  --m;
  if (m->first.size() != kNodeKeyBytes || !m->first.starts_with(prefix)) return s;
  const uint64_t version = ParseBigEndian64(std::string_view(m->first).substr(35));
  if (version == 0 || (*out && version <= (*out)->version)) return s;
  return DecodeNodeRecord(m->second, NodeRef{root, version}, out);
}

Status StateStore::ReadNode(const NodeRef& ref, std::optional<VersionedNode>* out) const {
  Status s = GetNode(*db_, ref, out);
  if (!s.ok() || *out || memory_nodes_.empty()) return s;
  auto it = memory_nodes_.find(NodeKey(ref.position, ref.version));
  return it == memory_nodes_.end() ? Status::Ok() : DecodeNodeRecord(it->second, ref, out);
}

namespace {

// The tree's nodes for a rebuild in memory: the records rebuilt so far (`memory`: "t" key
// -> record), else `base`'s.
class MemoryNodeReader final : public NodeReader {
 public:
  MemoryNodeReader(const std::map<std::string, std::string, std::less<>>& memory, const NodeReader& base)
      : memory_(memory), base_(base) {}

  Status Read(const NodeRef& ref, std::optional<VersionedNode>* out) const override {
    return ReadOneInBatch(*this, ref, out);
  }

  Status ReadBatch(std::span<const NodeRef> refs,
                   std::vector<std::optional<VersionedNode>>* out) const override {
    Status s = base_.ReadBatch(refs, out);
    for (size_t i = 0; s.ok() && i < refs.size(); ++i) {
      if ((*out)[i]) continue;
      auto it = memory_.find(NodeKey(refs[i].position, refs[i].version));
      if (it != memory_.end()) s = DecodeNodeRecord(it->second, refs[i], &(*out)[i]);
    }
    return s;
  }

 private:
  const std::map<std::string, std::string, std::less<>>& memory_;
  const NodeReader& base_;
};

}  // namespace

Status StateStore::RebuildUnflushedTree(bool in_memory) {
  rebuilt_tree_blocks_ = 0;
  uint64_t tree_height = 0;
  bool present = false;
  Status s = ReadTreeHeight(&tree_height, &present);
  if (!s.ok()) return s;
  rocksdb::WriteOptions synced;
  synced.sync = true;
  if (!present || tree_height > height_) {
    // Written before "m:tree" existed (every node logged), or a block above height_ (one
    // that did not commit, undone): the tree is whole up to height_.
    if (in_memory) return Status::Ok();
    return FromRocks(db_->Put(synced, std::string(kTreeHeightKey), BigEndian64(height_)),
                     "record the flushed tree's height");
  }
  if (tree_height == height_) return Status::Ok();
  const std::string where = "state database " + path_ + ": rebuilding the tree nodes of blocks " +
                            std::to_string(tree_height + 1) + " to " + std::to_string(height_) +
                            " (not flushed before a crash)";
  if (tree_height < genesis_height_ || height_ - tree_height > kHistory) {
    return Status::Internal(where + ": the undo logs do not reach back to block " +
                            std::to_string(tree_height));
  }
  // Each block's writes, newest first: block h wrote the keys of its undo log, with the
  // values block h's successors replaced (their undo logs) or, for keys no later block
  // wrote, the current ones (those of height_: before a refused block db_ may hold).
  std::vector<WriteSet> blocks(height_ - tree_height);
  std::unordered_map<std::string, std::optional<std::string>> later;
  if (in_memory) later.insert(refused_block_.begin(), refused_block_.end());
  for (uint64_t h = height_; h > tree_height; --h) {
    std::string log;
    rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), Prefixed('u', BigEndian64(h)), &log);
    if (rs.IsNotFound()) return Status::Internal(where + ": block " + std::to_string(h) + " has no undo log");
    if (!rs.ok()) return FromRocks(rs, where);
    WriteSet& writes = blocks[h - tree_height - 1];
    Status read;
    s = ForEachUndo(log, [&](std::string_view key, const std::string_view* old) {
      std::optional<std::string> value;
      if (auto it = later.find(std::string(key)); it != later.end()) {
        value = it->second;
      } else if (read.ok()) {
        std::string v;
        rocksdb::Status got = db_->Get(rocksdb::ReadOptions(), Prefixed('s', key), &v);
        if (got.ok()) value = std::move(v);
        if (!got.ok() && !got.IsNotFound()) read = FromRocks(got, where);
      }
      writes.emplace_back(std::string(key), std::move(value));
      later[std::string(key)] = old ? std::optional<std::string>(*old) : std::nullopt;
    });
    if (s.ok()) s = read;
    if (!s.ok()) return s;
  }
  // The tree of block tree_height, whole in the tables (its root record and root node,
  // as Open checks them), then each block's update on it.
  TreeRoot root;
  if (tree_height > 0) {
    std::string v;
    rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), Prefixed('r', BigEndian64(tree_height)), &v);
    if (!rs.ok() || v.size() != 32) {
      return rs.ok() || rs.IsNotFound() ? Status::Internal(where + ": no root of block " + std::to_string(tree_height))
                                        : FromRocks(rs, where);
    }
    std::memcpy(root.hash.data(), v.data(), 32);
  }
  s = CheckTreeRoot(*db_, path_, tree_height, root.hash, &root.version);
  if (!s.ok()) return Status::Internal(where + ": " + s.message());
  StoreNodeReader stored(db_.get(), nullptr, *nodes_, *workers_);
  MemoryNodeReader reader(memory_nodes_, stored);
  CpuNodeHasher hasher;
  TreeUpdate update;
  for (uint64_t h = tree_height + 1; h <= height_; ++h) {
    s = UpdateStateTree(reader, root, h, blocks[h - tree_height - 1], hasher, &update, &scratch_->tree,
                        workers_.get());
    if (!s.ok()) return Status::Internal(where + ": " + s.message());
    std::string recorded;
    rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), Prefixed('r', BigEndian64(h)), &recorded);
    if (!rs.ok() && !rs.IsNotFound()) return FromRocks(rs, where);
    if (!rs.ok() || recorded != View(update.root.hash)) {
      return Status::Internal(where + ": block " + std::to_string(h) +
                              "'s rebuilt root differs from its recorded root");
    }
    if (in_memory) {
      for (const auto& [p, node] : update.written) memory_nodes_[NodeKey(p, h)] = node.Encode();
    } else {
      rocksdb::WriteBatch batch;
      for (const auto& [p, node] : update.written) batch.Put(NodeKey(p, h), node.Encode());
      batch.Put(std::string(kTreeHeightKey), BigEndian64(h));
      rocksdb::WriteOptions options;
      options.sync = h == height_;
      rs = db_->Write(options, &batch);
      if (!rs.ok()) return FromRocks(rs, where);
    }
    root = update.root;
    ++rebuilt_tree_blocks_;
  }
  update.ReleaseLarge(0);
  return Status::Ok();
}

Status StateStore::BoundUnflushedTree(uint64_t height) {
  const uint64_t flushed = flushed_ != nullptr ? flushed_->largest() : 0;
  while (!unflushed_trees_.empty() && unflushed_trees_.front().second <= flushed) {
    unflushed_trees_.pop_front();
    flush_requested_ = false;
  }
  if (unflushed_trees_.empty()) return Status::Ok();
  // Heights persisted in order (a refused block's again, after its first try's entry).
  const uint64_t unflushed = unflushed_trees_.back().first - unflushed_trees_.front().first + 1;
  rocksdb::FlushOptions flush;
  flush.wait = unflushed >= kMaxUnflushedTreeBlocks;
  if (!flush.wait && (flush_requested_ || unflushed < kMaxUnflushedTreeBlocks / 2)) return Status::Ok();
  rocksdb::Status rs = db_->Flush(flush);
  if (!rs.ok()) {
    write_failed_ = true;
    return WriteFailed(CommitOf(height), FromRocks(rs, "flush the tree's nodes"));
  }
  flush_requested_ = !flush.wait;
  if (flush.wait) unflushed_trees_.clear();
  return Status::Ok();
}

void StateStore::Apply(uint64_t height, const WriteSet& writes, const TreeUpdate& update) {
  ForRanges(persist_workers_.get(), writes.size(), kMinItemsPerWriteThread,
      [&](size_t, size_t begin, size_t end) {
        for (size_t k = begin; k < end; ++k) {
          const auto& [key, value] = writes[k];
          cache_->Insert(StateCache::Kind::kValue, key, value ? &*value : nullptr);
        }
      });
  for (const auto& [key, value] : writes) {
    Hash32 address;
    if (ParseContractCodeKey(key, &address)) staged_.erase(address);
  }
  // Persist moved the block's nodes into the node cache during the marker's sync; not after
  // Persist (REQUIRES), they are encoded and inserted here.
  if (scratch_->cached_nodes_height != height) {
    for (const NodePosition& p : update.removed) nodes_->Erase(p);  // written ones are replaced
    for (const auto& [p, node] : update.written) nodes_->Insert(p, VersionedNode{node, height});
  }
  std::vector<NodeCache::EncodedNode>& nodes = scratch_->nodes;
  nodes.clear();
  if (nodes.capacity() * sizeof(NodeCache::EncodedNode) > WriteScratch::kKeepBytes) {
    std::vector<NodeCache::EncodedNode>().swap(nodes);
  }
  scratch_->cached_nodes_height = 0;
  height_ = height;
  root_ = update.root.hash;
  root_version_ = update.root.version;
  TakeSnapshot();
}

}  // namespace chainaccel::exec
