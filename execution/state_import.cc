#include "execution/state_import.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "core/elapsed.h"
#include "core/hex.h"
#include "execution/bucket_files.h"
#include "execution/state_db.h"
#include "execution/worker_pool.h"
#include "execution/tx/contract_code.h"
#include "execution/tx/state_proof.h"

namespace chainaccel::exec {
using namespace state_db;  // NOLINT: the layout's keys throughout
namespace {

constexpr uint64_t kImportHeight = 1;
// The tree is built in parallel as the subtrees under every 12-bit prefix (4,096 of them:
// ~24,000 keys each at 10^8, enough to share among any host's threads), then the three
// node levels above them (depths 0, 4 and 8: 273 nodes at most) on one thread.
constexpr unsigned kSplitDepth = 12;
constexpr size_t kSplitPrefixes = size_t{1} << kSplitDepth;
static_assert(kSplitDepth % kTreeNodeLevels == 0, "the split is at a node depth");
// A writer's batch goes to RocksDB once it holds this much (without the log, RocksDB
// inserts it into its memtable at once; each thread writes its own).
constexpr size_t kBatchBytes = size_t{8} << 20;

struct Leaf {
  Hash32 path;
  Hash32 value_hash;
};
static_assert(sizeof(Leaf) == 64);

size_t SplitPrefix(const Hash32& path) { return (size_t{path[0]} << 4) | (path[1] >> 4); }

// One thread's writes, in batches written without RocksDB's log: ImportState flushes the
// memtables to tables before its last batch, which makes them durable.
class BatchWriter {
 public:
  explicit BatchWriter(rocksdb::DB& db) : db_(db) {}
  Status Put(std::string_view key, std::string_view value) {
    batch_.Put(key, value);
    return batch_.GetDataSize() >= kBatchBytes ? Write() : Status::Ok();
  }
  Status Write() {
    if (batch_.Count() == 0) return Status::Ok();
    rocksdb::WriteOptions options;
    options.disableWAL = true;
    rocksdb::Status s = db_.Write(options, &batch_);
    batch_.Clear();
    return FromRocks(s, "state import: write");
  }

 private:
  rocksdb::DB& db_;
  rocksdb::WriteBatch batch_;
};

// The keys' leaves, spilled while the parts are read into one temporary file per bucket
// (a path's first byte; BucketFiles), so that the import's memory is bounded by a bucket
// per thread (1/256 of the leaves) instead of the whole state: 25 MB a bucket at 10^8
// keys, where the leaves of every key took 6.4 GB, twice while being put in order
// (12.6 GB peak on the 2-core VM; bench/EXEC_RESULTS.md, "Importing a state"). Buckets
// are files in the database's folder, removed as their trees are built and, with their
// folder, at the end.
constexpr size_t kLeafBuckets = 256;

// A thread's buffered leaves: up to kBufferLeaves of each bucket (4 MiB a thread) before
// they are appended to the bucket's file.
class LeafWriter {
 public:
  explicit LeafWriter(BucketFiles& buckets) : buckets_(buckets), buffers_(kLeafBuckets) {}
  Status Add(const Leaf& leaf) {
    std::vector<Leaf>& buffer = buffers_[leaf.path[0]];
    buffer.push_back(leaf);
    return buffer.size() < kBufferLeaves ? Status::Ok() : Spill(leaf.path[0]);
  }
  Status Flush() {
    for (size_t b = 0; b < kLeafBuckets; ++b) {
      if (Status s = Spill(b); !s.ok()) return s;
    }
    return Status::Ok();
  }

 private:
  static constexpr size_t kBufferLeaves = 256;
  Status Spill(size_t bucket) {
    std::vector<Leaf>& buffer = buffers_[bucket];
    Status s = buckets_.Append(bucket, std::string_view(reinterpret_cast<const char*>(buffer.data()),
                                                        buffer.size() * sizeof(Leaf)));
    buffer.clear();
    return s;
  }
  BucketFiles& buckets_;
  std::vector<std::vector<Leaf>> buffers_;
};

// All of `bucket`'s leaves (every LeafWriter flushed), in the order they came; removes
// its file. INTERNAL when reading fails.
Status TakeLeaves(BucketFiles& buckets, size_t bucket, std::vector<Leaf>* leaves) {
  leaves->resize(buckets.Size(bucket) / sizeof(Leaf));
  BucketFiles::Reader reader = buckets.Read(bucket);
  const Status s =
      reader.Read(leaves->data(), leaves->size() * sizeof(Leaf)) ? Status::Ok() : reader.CutShort();
  buckets.Remove(bucket);
  return s;
}

// Reads part `part`: checks each key, writes its state record and spills its leaf.
Status ReadPart(const ImportPart& source, size_t part, BatchWriter& writer,
                LeafWriter& leaves) {
  Status failed;
  Status s = source(part, [&](std::string_view key, std::string_view value) {
    if (!failed.ok()) return;
    if (key.empty()) {
      failed = Status::InvalidArgument("state import: part " + std::to_string(part) + " has an empty key");
      return;
    }
    if (ParseContractCodeKey(key, nullptr)) {
      failed = Status::InvalidArgument(
          "state import: part " + std::to_string(part) + ": key " +
          HexEncode(reinterpret_cast<const uint8_t*>(key.data()), key.size()) +
          " is a contract's code key (contracts are deployed, not imported)");
      return;
    }
    failed = leaves.Add(Leaf{StateKeyPath(key), StateValueHash(value)});
    if (failed.ok()) failed = writer.Put(Prefixed('s', key), value);
  });
  return s.ok() ? failed : s;
}

// Every part read on the pool's threads (each claims the next part when done with one).
Status ReadParts(rocksdb::DB& db, const ImportPart& source, size_t parts, WorkerPool& pool,
                 BucketFiles& buckets) {
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  return RunOnAll(pool, [&](size_t) {
    BatchWriter writer(db);
    LeafWriter leaves(buckets);
    for (size_t part; !stop && (part = next.fetch_add(1)) < parts;) {
      Status s = ReadPart(source, part, writer, leaves);
      if (!s.ok()) {
        stop = true;
        return s;
      }
    }
    Status s = leaves.Flush();
    return s.ok() ? writer.Write() : s;
  });
}

// What the levels above the split depth need of the subtree under one split prefix: how
// many leaves it holds, the leaf when it is one (it goes into a slot above), the node's
// hash when they are two or more.
struct SplitSubtree {
  uint64_t leaves = 0;
  Leaf leaf{};
  Hash32 hash{};
};

// Builds tree nodes and writes their records at kImportHeight: the subtrees under split
// prefixes from their sorted leaves (Build), the levels above from the split subtrees
// (BuildTop).
class TreeBuilder {
 public:
  explicit TreeBuilder(BatchWriter& writer) : writer_(writer) {}

  // The node at `depth` (kSplitDepth or below) over `leaves` (sorted by path, all sharing
  // its first `depth` bits, two or more): writes its record and those of the nodes below
  // it, and gives its hash.
  Status Build(std::span<const Leaf> leaves, unsigned depth, Hash32* hash) {
    TreeNode node;
    for (size_t i = 0; i < leaves.size();) {
      const unsigned slot = PathSlot(leaves[i].path, depth);
      size_t j = i + 1;
      while (j < leaves.size() && PathSlot(leaves[j].path, depth) == slot) ++j;
      TreeNode::Slot& out = node.slots[slot];
      if (j - i == 1) {
        SetLeaf(leaves[i], &out);
      } else {
        out.kind = TreeNode::Slot::Kind::kChild;
        out.version = kImportHeight;
        Status s = Build(leaves.subspan(i, j - i), depth + kTreeNodeLevels, &out.a);
        if (!s.ok()) return s;
      }
      i = j;
    }
    return Write(node, Position(leaves[0].path, depth), hash);
  }

  // The node at `depth` (above kSplitDepth) over the split prefixes [first, first + 2^(12
  // - depth)) of `splits`, which hold two leaves or more between them (any number >= 1
  // at the root, depth 0): writes its record and those of the nodes down to the split
  // depth (theirs are written), and gives its hash.
  Status BuildTop(const std::vector<SplitSubtree>& splits, size_t first, unsigned depth,
                  Hash32* hash) {
    const size_t per_slot = size_t{1} << (kSplitDepth - depth - kTreeNodeLevels);
    TreeNode node;
    for (unsigned slot = 0; slot < kTreeNodeSlots; ++slot) {
      const size_t begin = first + slot * per_slot;
      uint64_t leaves = 0;
      size_t single = begin;  // the split prefix holding the slot's leaves when one does
      for (size_t p = begin; p < begin + per_slot; ++p) {
        leaves += splits[p].leaves;
        if (splits[p].leaves != 0) single = p;
      }
      TreeNode::Slot& out = node.slots[slot];
      if (leaves == 1) {
        SetLeaf(splits[single].leaf, &out);
      } else if (leaves >= 2) {
        out.kind = TreeNode::Slot::Kind::kChild;
        out.version = kImportHeight;
        if (depth + kTreeNodeLevels == kSplitDepth) {
          out.a = splits[begin].hash;
        } else {
          Status s = BuildTop(splits, begin, depth + kTreeNodeLevels, &out.a);
          if (!s.ok()) return s;
        }
      }
    }
    Hash32 path{};  // the first split prefix's bits, at the front of a path
    path[0] = static_cast<uint8_t>(first >> 4);
    path[1] = static_cast<uint8_t>((first & 0x0F) << 4);
    return Write(node, Position(path, depth), hash);
  }

  uint64_t nodes() const { return nodes_; }

 private:
  // The position at `depth` on `path`: its first `depth` bits, the rest zero.
  static NodePosition Position(const Hash32& path, unsigned depth) {
    NodePosition p;
    p.depth = static_cast<uint16_t>(depth);
    std::copy_n(path.begin(), depth / 8, p.prefix.begin());
    if (depth % 8 != 0) p.prefix[depth / 8] = path[depth / 8] & 0xF0;
    return p;
  }
  static void SetLeaf(const Leaf& leaf, TreeNode::Slot* out) {
    out->kind = TreeNode::Slot::Kind::kLeaf;
    out->a = leaf.path;
    out->b = leaf.value_hash;
  }
  Status Write(const TreeNode& node, const NodePosition& position, Hash32* hash) {
    *hash = node.Hash();
    ++nodes_;
    return writer_.Put(NodeKey(position, kImportHeight), node.Encode());
  }

  BatchWriter& writer_;
  uint64_t nodes_ = 0;
};

// One bucket's leaves read back, sorted by path and checked, and the subtrees under its
// split prefixes built; their summaries into *splits. INVALID_ARGUMENT when two leaves
// share a path (a key imported twice).
Status BuildBucket(BucketFiles& buckets, size_t bucket, TreeBuilder& builder,
                   std::vector<Leaf>& leaves, std::vector<SplitSubtree>* splits) {
  Status s = TakeLeaves(buckets, bucket, &leaves);
  if (!s.ok()) return s;
  std::sort(leaves.begin(), leaves.end(), [](const Leaf& a, const Leaf& b) { return a.path < b.path; });
  const auto twice = std::adjacent_find(leaves.begin(), leaves.end(), [](const Leaf& a, const Leaf& b) {
    return a.path == b.path;
  });
  if (twice != leaves.end()) {
    return Status::InvalidArgument("state import: a key is imported twice (its path " +
                                   HexEncode(twice->path.data(), twice->path.size()) + ")");
  }
  for (size_t i = 0; i < leaves.size();) {
    const size_t p = SplitPrefix(leaves[i].path);
    size_t j = i + 1;
    while (j < leaves.size() && SplitPrefix(leaves[j].path) == p) ++j;
    SplitSubtree& split = (*splits)[p];
    split.leaves = j - i;
    split.leaf = leaves[i];
    if (j - i >= 2) {
      s = builder.Build(std::span<const Leaf>(leaves).subspan(i, j - i), kSplitDepth, &split.hash);
      if (!s.ok()) return s;
    }
    i = j;
  }
  return Status::Ok();
}

// The tree over the spilled leaves: the buckets on the pool's threads (each claims the
// next), then the levels above the split depth on the calling thread. *keys the leaves,
// *root the root, *nodes the records written. INVALID_ARGUMENT for a key imported twice
// and for a source with no key.
Status BuildTree(rocksdb::DB& db, BucketFiles& buckets, WorkerPool& pool, uint64_t* keys,
                 Hash32* root, uint64_t* nodes) {
  std::vector<SplitSubtree> splits(kSplitPrefixes);
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> built{0};
  Status s = RunOnAll(pool, [&](size_t) {
    BatchWriter writer(db);
    TreeBuilder builder(writer);
    std::vector<Leaf> leaves;
    for (size_t b; (b = next.fetch_add(1)) < kLeafBuckets;) {
      Status st = BuildBucket(buckets, b, builder, leaves, &splits);
      if (!st.ok()) return st;
    }
    built += builder.nodes();
    return writer.Write();
  });
  if (!s.ok()) return s;
  *keys = 0;
  for (const SplitSubtree& split : splits) *keys += split.leaves;
  if (*keys == 0) return Status::InvalidArgument("state import: the source has no key");
  BatchWriter writer(db);
  TreeBuilder top(writer);
  s = top.BuildTop(splits, 0, 0, root);
  if (s.ok()) s = writer.Write();
  *nodes = built + top.nodes();
  return s;
}

// FAILED_PRECONDITION unless `db` holds no record at all.
Status CheckEmpty(rocksdb::DB& db, const std::string& path) {
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
  it->SeekToFirst();
  if (!it->status().ok()) return FromRocks(it->status(), "state import: read " + path);
  if (it->Valid()) {
    return Status::FailedPrecondition("state import: the state database " + path +
                                      " is not empty (import into a new folder)");
  }
  return Status::Ok();
}

// Waits until RocksDB has no compaction pending or running. An import leaves a backlog
// of level-0 tables; left to the daemon's two background jobs, it stalled the first
// blocks' writes (2-core VM, 10^8 keys: a block's synced write 0.35 s, then 0.9, 2.1,
// 5.9 s as RocksDB slowed writers down; bench/EXEC_RESULTS.md, "Importing a state").
Status WaitForCompactions(rocksdb::DB& db) {
  for (;;) {
    uint64_t pending = 0, running = 0, errors = 0;
    if (!db.GetIntProperty("rocksdb.compaction-pending", &pending) ||
        !db.GetIntProperty("rocksdb.num-running-compactions", &running) ||
        !db.GetIntProperty("rocksdb.background-errors", &errors)) {
      return Status::Internal("state import: RocksDB's compaction properties are missing");
    }
    // A failed background write stops compactions for good: the import failed.
    if (errors > 0) return Status::Internal("state import: a compaction failed (see the database's LOG)");
    if (pending == 0 && running == 0) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Makes everything written so far durable (the memtables flushed to tables) and lets
// RocksDB's compactions catch up, then records height 1 and its root and removes the
// import's marker, in one synced batch.
Status Finish(rocksdb::DB& db, const Hash32& root) {
  rocksdb::FlushOptions flush;
  flush.wait = true;
  rocksdb::Status rs = db.Flush(flush);
  if (!rs.ok()) return FromRocks(rs, "state import: flush");
  Status s = WaitForCompactions(db);
  if (!s.ok()) return s;
  rocksdb::WriteBatch last;
  last.Put(std::string(kHeightKey), BigEndian64(kImportHeight));
  last.Put(std::string(kRootKey), View(root));
  last.Put(Prefixed('r', BigEndian64(kImportHeight)), View(root));
  last.Put(std::string(kGenesisKey), BigEndian64(kImportHeight));
  last.Put(std::string(kTreeHeightKey), BigEndian64(kImportHeight));  // flushed above
  last.Delete(std::string(kImportKey));
  rocksdb::WriteOptions synced;
  synced.sync = true;
  return FromRocks(db.Write(synced, &last), "state import: the last batch");
}

}  // namespace

Status ImportState(const std::string& path, const ImportPart& source, const ImportOptions& options,
                   ImportResult* result) {
  *result = ImportResult{};
  std::error_code ec;
  std::filesystem::create_directories(path, ec);  // the parents too; OpenDb says what failed
  std::unique_ptr<rocksdb::DB> db;
  Status s = OpenDb(path, options.env, &db, OpenMode::kImport);
  if (s.ok()) s = CheckEmpty(*db, path);
  if (!s.ok()) return s;
  rocksdb::WriteOptions synced;
  synced.sync = true;
  s = FromRocks(db->Put(synced, std::string(kImportKey), ""), "state import: the marker");
  if (!s.ok()) return s;

  WorkerPool pool(options.threads);
  BucketFiles buckets("state import");
  s = buckets.Open(path + "/import-leaves", kLeafBuckets);
  if (!s.ok()) return s;
  auto t0 = std::chrono::steady_clock::now();
  s = ReadParts(*db, source, options.parts, pool, buckets);
  if (!s.ok()) return s;
  result->read_s = SecondsSince(t0);

  t0 = std::chrono::steady_clock::now();
  s = BuildTree(*db, buckets, pool, &result->keys, &result->root, &result->nodes);
  if (!s.ok()) return s;
  result->tree_s = SecondsSince(t0);

  t0 = std::chrono::steady_clock::now();
  s = Finish(*db, result->root);
  result->flush_s = SecondsSince(t0);
  result->write_stall_s = static_cast<double>(ReadWriteCounters(*db).stall_micros) * 1e-6;
  return s;
}

}  // namespace chainaccel::exec
