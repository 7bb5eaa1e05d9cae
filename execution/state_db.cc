#include "execution/state_db.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <thread>

namespace chainaccel::exec::state_db {
namespace {

// RocksDB's own block cache: data blocks, and the partitions of every table's index and
// filter (which RocksDB would otherwise keep whole beside each open table, growing with
// the database). Fixed, beside the state cache: reads that miss the state cache find the
// blocks of the tree's upper levels and of recent writes here.
constexpr size_t kBlockCacheBytes = size_t{32} << 20;

// RocksDB's diagnostics log, <db>/LOG, written with stdio, whose write errors are ignored.
// RocksDB 7.8's own info log (EnvLogger, over WritableFileWriter) asserts on the line
// after a failed write, and Debian's librocksdb keeps its assertions: on a full disk the
// daemon aborted at the error handler's next log line (found by
// exec/ExecutionService: a block the disk refuses …). Lines lost while the disk refuses
// them are lost; the next ones are written again once it takes them.
class InfoLog final : public rocksdb::Logger {
 public:
  explicit InfoLog(const std::string& path) : file_(std::fopen(path.c_str(), "a")) {}
  ~InfoLog() override {
    if (file_ != nullptr) std::fclose(file_);
  }
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (file_ == nullptr) return;
    char when[32];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(when, sizeof when, "%Y/%m/%d-%H:%M:%S ", &tm);
    flockfile(file_);
    std::fputs(when, file_);
    std::vfprintf(file_, format, ap);
    std::fputc('\n', file_);
    std::fflush(file_);
    std::clearerr(file_);
    funlockfile(file_);
  }

 private:
  std::FILE* const file_;
};

}  // namespace

WriteCounters ReadWriteCounters(rocksdb::DB& db) {
  WriteCounters counters;
  std::map<std::string, std::string> stats;
  if (!db.GetMapProperty(rocksdb::DB::Properties::kDBStats, &stats)) return counters;
  const auto read = [&](const char* name, uint64_t* out) {
    const auto it = stats.find(name);
    if (it != stats.end()) *out = std::strtoull(it->second.c_str(), nullptr, 10);
  };
  read("db.user_write_stall_micros", &counters.stall_micros);
  read("db.wal_bytes_written", &counters.log_bytes);
  return counters;
}

void AppendBigEndian32(uint32_t v, std::string* out) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

void AppendBigEndian64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (56 - 8 * i)));
}

std::string BigEndian64(uint64_t v) {
  std::string s;
  AppendBigEndian64(v, &s);
  return s;
}

uint64_t ParseBigEndian64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

uint32_t ParseBigEndian32(std::string_view s) {
  return static_cast<uint32_t>(ParseBigEndian64(s.substr(0, 4)));
}

std::string Prefixed(char prefix, std::string_view rest) {
  std::string k(1, prefix);
  k += rest;
  return k;
}

void AppendPosition(const NodePosition& p, std::string* out) {
  out->push_back(static_cast<char>(p.depth >> 8));
  out->push_back(static_cast<char>(p.depth & 0xff));
  out->append(View(p.prefix));
}
std::string NodePrefixKey(const NodePosition& p) {
  std::string k;
  k.reserve(kNodeKeyBytes);
  k.push_back('t');
  AppendPosition(p, &k);
  return k;
}
std::string NodeKey(const NodePosition& p, uint64_t version) {
  std::string k = NodePrefixKey(p);
  AppendBigEndian64(version, &k);
  return k;
}

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  return Status::Internal(std::string(what) + ": " + s.ToString());
}

Status OpenDb(const std::string& path, rocksdb::Env* env, std::unique_ptr<rocksdb::DB>* db,
              OpenMode mode, std::shared_ptr<rocksdb::EventListener> listener) {
  const bool read_only = mode == OpenMode::kReadOnly;
  rocksdb::Options options;
  options.create_if_missing = true;
  if (env != nullptr) options.env = env;
  // A block's state writes reach RocksDB sorted by key ('s' || state key): with an
  // insertion hint per one-byte prefix the memtable inserts each after the previous one
  // instead of searching the skip list from the top.
  options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
  // State reads that miss the cache are point reads: a Bloom filter (10 bits a key, ~1%
  // false positives) answers most reads of absent keys without reading a data block.
  // Index and filter are partitioned into 4 KiB blocks that go through the block cache
  // like data blocks (only each table's top-level index stays pinned). Whole, a 64 MiB
  // table's index and filter are hundreds of KiB each, and in a bounded cache nearly
  // every miss loaded one of them again: state_root_bench at 10^6 keys, 16 MiB state
  // cache, 10,000 reads took 6.4 s, a root update 20 s; partitioned, 0.17 s and 2.3 s.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  table.block_cache = rocksdb::NewLRUCache(kBlockCacheBytes);
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_top_level_index_and_filter = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (mode == OpenMode::kImport) {
    // An import writes the whole state at once, unsorted: memtables of 256 MiB (a
    // quarter as many level-0 tables to compact as at 64 MiB), up to four of them so
    // that writers go on while full ones are flushed, and flushes and compactions on
    // every core, each compaction split over the cores too. RocksDB's write throttling
    // is off: by default it slows writers to 16 MB/s once level 0 holds 20 tables; the
    // import waits for the compactions to catch up at its end instead (state_import.cc,
    // WaitForCompactions).
    // Unordered writes: each writer inserts its batch into the memtable on its own
    // thread, beside the others, once RocksDB has given it its sequence numbers. In the
    // default ordered mode a write group holds one 8 MiB batch (groups stop growing at 1
    // MiB) and the groups insert one after another: the import's threads wrote as one
    // (16-core host, 10^7 keys: read 23-28 s with 16 threads, 26 s with 4). Unordered:
    // read 4.0-4.3 s with 16, the import 11-14 s against 34-43 s; a 256 MiB group cap
    // instead, 21-22 s (bench/EXEC_RESULTS.md, "Unordered writes in the import"). What
    // unordered writes give up, a reader's view that holds either all of a batch or none
    // of it, no one uses here: nothing reads the database until the import has ended.
    const int cores = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
    options.write_buffer_size = size_t{256} << 20;
    options.max_write_buffer_number = 4;
    options.IncreaseParallelism(cores);
    options.max_subcompactions = static_cast<uint32_t>(cores);
    options.level0_slowdown_writes_trigger = 1 << 20;
    options.level0_stop_writes_trigger = 1 << 20;
    options.soft_pending_compaction_bytes_limit = 0;
    options.hard_pending_compaction_bytes_limit = 0;
    options.unordered_write = true;  // needs allow_concurrent_memtable_write, the default
  }
  // A close leaves the memtables to the log, as a crash does: the tree's node records,
  // written outside the log, are flushed by a clean close only (~StateStore), so that a
  // test can close the store as a crash would (StateStore::CloseAsCrash).
  options.avoid_flush_during_shutdown = true;
  if (mode == OpenMode::kReadWrite) {
    // A block's parts (its state values in the log, its tree nodes outside it: ~7·10^4
    // records at 10^7 accounts) are written on 8 threads at once, and each forms a write
    // group of its own (groups stop growing at 1 MiB), which in RocksDB's ordered mode
    // insert into the memtable one after another. Unordered, each writer inserts beside
    // the others once its group has its sequence numbers and its log record: the parts
    // took 0.036-0.045 s against 0.160-0.166 s, the whole synced write 0.145-0.147 s
    // against 0.268-0.279 s (16-core host, 10^7 accounts, medians of 5 blocks, one lease;
    // a 256 MiB group cap instead: 0.086 and 0.188 s; bench/EXEC_RESULTS.md, "Tree nodes
    // outside the log"). What it gives up is a snapshot's immutability while writes are
    // in flight (a write numbered below the snapshot may show up in it later): the store
    // takes its snapshots only between blocks, with no write in flight (StateStore::Apply,
    // Open, Recover), and its reads without a snapshot read records no write in flight
    // changes (versioned nodes, undo logs and roots of committed heights). The log keeps
    // its order: a block's intent, parts and marker are each written after the one before
    // returned.
    options.unordered_write = true;  // needs allow_concurrent_memtable_write, the default
  }
  if (listener != nullptr) options.listeners.push_back(std::move(listener));
  // The folder must exist before LOG opens in it (RocksDB creates it only after).
  if (!read_only) (void)options.env->CreateDirIfMissing(path);
  options.info_log = std::make_shared<InfoLog>(path + "/LOG");
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = read_only ? rocksdb::DB::OpenForReadOnly(options, path, &raw)
                                : rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) return FromRocks(s, "open state database " + path);
  db->reset(raw);
  return Status::Ok();
}

}  // namespace chainaccel::exec::state_db
