#include "execution/state_import.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "core/hex.h"
#include "core/mutex.h"
#include "execution/state_db.h"
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

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs job(t) on `threads` threads (t = 0 on the calling one) and returns the first
// failure any of them returned.
Status OnThreads(size_t threads, const std::function<Status(size_t t)>& job) {
  std::vector<Status> status(threads);
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back([&, t] { status[t] = job(t); });
  status[0] = job(0);
  for (std::thread& h : helpers) h.join();
  for (const Status& s : status) {
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

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

// The parts read on every thread: each thread's leaves and how many of them fall under
// each split prefix.
struct ReadLeaves {
  std::vector<std::vector<Leaf>> leaves;                       // [thread]
  std::vector<std::array<uint64_t, kSplitPrefixes>> counts;    // [thread][prefix]
};

// Reads part `part` on thread `t`: checks each key, writes its state record and keeps its
// leaf.
Status ReadPart(const ImportPart& source, size_t part, size_t t, BatchWriter& writer, ReadLeaves& read) {
  Status failed;
  std::vector<Leaf>& leaves = read.leaves[t];
  auto& counts = read.counts[t];
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
    leaves.push_back(Leaf{StateKeyPath(key), StateValueHash(value)});
    ++counts[SplitPrefix(leaves.back().path)];
    failed = writer.Put(Prefixed('s', key), value);
  });
  return s.ok() ? failed : s;
}

// Every part read on `threads` threads (each claims the next part when done with one).
Status ReadParts(rocksdb::DB& db, const ImportPart& source, const ImportOptions& options,
                 ReadLeaves* read) {
  read->leaves.resize(options.threads);
  read->counts.assign(options.threads, {});
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  return OnThreads(options.threads, [&](size_t t) {
    BatchWriter writer(db);
    for (size_t part; !stop && (part = next.fetch_add(1)) < options.parts;) {
      Status s = ReadPart(source, part, t, writer, *read);
      if (!s.ok()) {
        stop = true;
        return s;
      }
    }
    return writer.Write();
  });
}

// The leaves of every thread in one array sorted by path (each thread's moved to its
// places under each split prefix, then each prefix's range sorted); *starts[p] the index
// of prefix p's first leaf (starts has kSplitPrefixes + 1 entries). INVALID_ARGUMENT when
// two leaves share a path (a key imported twice).
Status SortLeaves(ReadLeaves& read, size_t threads, std::vector<Leaf>* sorted,
                  std::vector<uint64_t>* starts) {
  starts->assign(kSplitPrefixes + 1, 0);
  // places[t][p]: where thread t's first leaf under prefix p goes.
  std::vector<std::array<uint64_t, kSplitPrefixes>> places(threads);
  uint64_t at = 0;
  for (size_t p = 0; p < kSplitPrefixes; ++p) {
    (*starts)[p] = at;
    for (size_t t = 0; t < threads; ++t) {
      places[t][p] = at;
      at += read.counts[t][p];
    }
  }
  (*starts)[kSplitPrefixes] = at;
  sorted->resize(at);
  (void)OnThreads(threads, [&](size_t t) {
    for (const Leaf& leaf : read.leaves[t]) (*sorted)[places[t][SplitPrefix(leaf.path)]++] = leaf;
    std::vector<Leaf>().swap(read.leaves[t]);
    return Status::Ok();
  });
  std::atomic<size_t> next{0};
  return OnThreads(threads, [&](size_t) {
    for (size_t p; (p = next.fetch_add(1)) < kSplitPrefixes;) {
      const auto first = sorted->begin() + static_cast<ptrdiff_t>((*starts)[p]);
      const auto last = sorted->begin() + static_cast<ptrdiff_t>((*starts)[p + 1]);
      std::sort(first, last, [](const Leaf& a, const Leaf& b) { return a.path < b.path; });
      const auto twice = std::adjacent_find(first, last, [](const Leaf& a, const Leaf& b) {
        return a.path == b.path;
      });
      if (twice != last) {
        return Status::InvalidArgument("state import: a key is imported twice (its path " +
                                       HexEncode(twice->path.data(), twice->path.size()) + ")");
      }
    }
    return Status::Ok();
  });
}

// Builds tree nodes from sorted leaves and writes their records at kImportHeight.
class TreeBuilder {
 public:
  // split_hashes: the hashes of the nodes at kSplitDepth, built beforehand (null while
  // building them).
  TreeBuilder(BatchWriter& writer, const std::vector<Hash32>* split_hashes)
      : writer_(writer), split_hashes_(split_hashes) {}

  // The node at `depth` over `leaves` (sorted by path, all sharing its first `depth`
  // bits; two or more, or any number >= 1 at the root): writes its record and those of
  // the nodes below it, and gives its hash.
  Status Build(std::span<const Leaf> leaves, unsigned depth, Hash32* hash) {
    TreeNode node;
    for (size_t i = 0; i < leaves.size();) {
      const unsigned slot = PathSlot(leaves[i].path, depth);
      size_t j = i + 1;
      while (j < leaves.size() && PathSlot(leaves[j].path, depth) == slot) ++j;
      TreeNode::Slot& out = node.slots[slot];
      if (j - i == 1) {
        out.kind = TreeNode::Slot::Kind::kLeaf;
        out.a = leaves[i].path;
        out.b = leaves[i].value_hash;
      } else {
        out.kind = TreeNode::Slot::Kind::kChild;
        out.version = kImportHeight;
        const unsigned below = depth + kTreeNodeLevels;
        if (below == kSplitDepth && split_hashes_ != nullptr) {
          out.a = (*split_hashes_)[SplitPrefix(leaves[i].path)];
        } else {
          Status s = Build(leaves.subspan(i, j - i), below, &out.a);
          if (!s.ok()) return s;
        }
      }
      i = j;
    }
    *hash = node.Hash();
    ++nodes_;
    return writer_.Put(NodeKey(Position(leaves[0].path, depth), kImportHeight), node.Encode());
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

  BatchWriter& writer_;
  const std::vector<Hash32>* const split_hashes_;
  uint64_t nodes_ = 0;
};

// The tree over `sorted` (starts: SortLeaves'): the subtrees under each split prefix on
// every thread, then the levels above them; *root its root, *nodes the records written.
Status BuildTree(rocksdb::DB& db, const std::vector<Leaf>& sorted, const std::vector<uint64_t>& starts,
                 size_t threads, Hash32* root, uint64_t* nodes) {
  std::vector<Hash32> split_hashes(kSplitPrefixes);
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> built{0};
  Status s = OnThreads(threads, [&](size_t) {
    BatchWriter writer(db);
    TreeBuilder builder(writer, nullptr);
    for (size_t p; (p = next.fetch_add(1)) < kSplitPrefixes;) {
      const std::span<const Leaf> leaves(sorted.data() + starts[p], starts[p + 1] - starts[p]);
      if (leaves.size() < 2) continue;  // empty, or a leaf in its parent's slot
      Status st = builder.Build(leaves, kSplitDepth, &split_hashes[p]);
      if (!st.ok()) return st;
    }
    built += builder.nodes();
    return writer.Write();
  });
  if (!s.ok()) return s;
  BatchWriter writer(db);
  TreeBuilder top(writer, &split_hashes);
  s = top.Build(sorted, 0, root);
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

  auto t0 = std::chrono::steady_clock::now();
  ReadLeaves read;
  s = ReadParts(*db, source, options, &read);
  if (!s.ok()) return s;
  result->read_s = SecondsSince(t0);

  t0 = std::chrono::steady_clock::now();
  std::vector<Leaf> sorted;
  std::vector<uint64_t> starts;
  s = SortLeaves(read, options.threads, &sorted, &starts);
  if (!s.ok()) return s;
  if (sorted.empty()) return Status::InvalidArgument("state import: the source has no key");
  result->keys = sorted.size();
  result->sort_s = SecondsSince(t0);

  t0 = std::chrono::steady_clock::now();
  s = BuildTree(*db, sorted, starts, options.threads, &result->root, &result->nodes);
  if (!s.ok()) return s;
  std::vector<Leaf>().swap(sorted);
  result->tree_s = SecondsSince(t0);

  t0 = std::chrono::steady_clock::now();
  s = Finish(*db, result->root);
  result->flush_s = SecondsSince(t0);
  return s;
}

}  // namespace chainaccel::exec
