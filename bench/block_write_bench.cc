// block_write_bench: what RocksDB's write of one block costs, by how it is written: the
// records of a block of 10^4 transfers at 10^7 accounts (20,000 state values of ~74 bytes,
// --nodes tree nodes of 700 bytes, an undo log of 1.6 MB) into a fresh database with the
// state store's table options, written as
//   one_batch_sync        one batch, synced (the commit before the parts)
//   parts_sync_marker     intent, 8 parts on 8 threads, then a synced marker (today's)
//   one_batch_wal_nosync  one batch in the log, not synced (the sync's share)
//   one_batch_no_wal      one batch without the log (the memtable's share)
//   parts_nodes_no_wal    state and undo log in the log, the nodes in 8 parts without it,
//                         a synced marker (nodes rebuilt from the state after a crash)
// Prints a JSON line per block and variant (bench/EXEC_RESULTS.md, "Where the synced
// write goes"). Random keys and values; the batches are built before the clock starts,
// except one batch's (build_s: its share of seconds).
//
// --group-bytes N sets RocksDB's max_write_batch_group_size_bytes (its default 1 MiB keeps
// batches larger than that out of each other's write group, so their memtable inserts run
// one after another).
//
// Usage: block_write_bench [--dir D] [--blocks N] [--nodes N] [--group-bytes N]
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/elapsed.h"

namespace {

using Records = std::vector<std::pair<std::string, std::string>>;
constexpr size_t kParts = 8;

struct Block {
  std::string undo;
  Records state;
  Records nodes;
  Records state_and_nodes;  // the parts' records, in key order
};

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t v = rng();
    std::memcpy(&s[i], &v, std::min<size_t>(8, n - i));
  }
  return s;
}

Block MakeBlock(std::mt19937_64& rng, size_t nodes) {
  Block b;
  b.undo = RandomBytes(rng, 20000 * 80);
  for (int i = 0; i < 20000; ++i) b.state.emplace_back("s" + RandomBytes(rng, 33), RandomBytes(rng, 40));
  for (size_t i = 0; i < nodes; ++i) b.nodes.emplace_back("t" + RandomBytes(rng, 42), RandomBytes(rng, 700));
  std::sort(b.state.begin(), b.state.end());
  std::sort(b.nodes.begin(), b.nodes.end());
  b.state_and_nodes = b.state;
  b.state_and_nodes.insert(b.state_and_nodes.end(), b.nodes.begin(), b.nodes.end());
  return b;
}

// Writes `records` in kParts parts on as many threads at once, each with `options`.
void WriteParts(rocksdb::DB& db, const Records& records, const rocksdb::WriteOptions& options) {
  std::vector<std::thread> threads;
  for (size_t p = 0; p < kParts; ++p) {
    threads.emplace_back([&, p] {
      rocksdb::WriteBatch part;
      for (size_t k = records.size() * p / kParts; k < records.size() * (p + 1) / kParts; ++k) {
        part.Put(records[k].first, records[k].second);
      }
      (void)db.Write(options, &part);
    });
  }
  for (std::thread& t : threads) t.join();
}

// One variant's write of block `height`; *build_s the time spent building one batch.
void WriteBlock(rocksdb::DB& db, const std::string& variant, uint64_t height, const Block& b,
                double* build_s) {
  rocksdb::WriteOptions synced, unsynced, no_wal;
  synced.sync = true;
  no_wal.disableWAL = true;
  *build_s = 0;
  if (variant.rfind("one_batch", 0) == 0) {
    const auto t0 = std::chrono::steady_clock::now();
    rocksdb::WriteBatch batch;
    batch.Put("u" + std::to_string(height), b.undo);
    for (const auto& [k, v] : b.state) batch.Put(k, v);
    for (const auto& [k, v] : b.nodes) batch.Put(k, v);
    *build_s = chainaccel::SecondsSince(t0);
    const rocksdb::WriteOptions& how =
        variant == "one_batch_sync" ? synced : variant == "one_batch_wal_nosync" ? unsynced : no_wal;
    (void)db.Write(how, &batch);
    return;
  }
  rocksdb::WriteBatch intent;
  intent.Put("u" + std::to_string(height), b.undo);
  const bool nodes_outside_log = variant == "parts_nodes_no_wal";
  if (nodes_outside_log) {
    for (const auto& [k, v] : b.state) intent.Put(k, v);
  }
  (void)db.Write(unsynced, &intent);
  if (nodes_outside_log) {
    WriteParts(db, b.nodes, no_wal);
  } else {
    WriteParts(db, b.state_and_nodes, unsynced);
  }
  rocksdb::WriteBatch marker;
  marker.Put("m:height", std::to_string(height));
  (void)db.Write(synced, &marker);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/tmp/block_write_bench";
  int blocks = 4;
  size_t nodes = 60000;
  uint64_t group_bytes = 0;  // 0: RocksDB's default
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--dir") dir = value;
    else if (flag == "--blocks") blocks = std::stoi(value);
    else if (flag == "--nodes") nodes = std::stoul(value);
    else if (flag == "--group-bytes") group_bytes = std::stoull(value);
    else {
      std::fprintf(stderr, "block_write_bench: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  (void)rocksdb::DestroyDB(dir, rocksdb::Options());
  rocksdb::Options options;  // the state store's (execution/state_db.cc)
  options.create_if_missing = true;
  if (group_bytes != 0) options.max_write_batch_group_size_bytes = group_bytes;
  options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = true;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status open = rocksdb::DB::Open(options, dir, &raw);
  if (!open.ok()) {
    std::fprintf(stderr, "block_write_bench: %s\n", open.ToString().c_str());
    return 1;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  std::mt19937_64 rng(1);
  uint64_t height = 0;
  for (int round = 0; round < blocks; ++round) {
    for (const char* variant : {"one_batch_sync", "parts_sync_marker", "one_batch_wal_nosync",
                                "one_batch_no_wal", "parts_nodes_no_wal"}) {
      const Block block = MakeBlock(rng, nodes);
      double build_s = 0;
      const auto t0 = std::chrono::steady_clock::now();
      WriteBlock(*db, variant, ++height, block, &build_s);
      const double seconds = chainaccel::SecondsSince(t0);
      std::map<std::string, std::string> stats;
      (void)db->GetMapProperty(rocksdb::DB::Properties::kDBStats, &stats);
      std::printf("{\"bench\":\"block_write\",\"round\":%d,\"variant\":\"%s\",\"nodes\":%zu,"
                  "\"group_bytes\":%llu,\"seconds\":%.4f,\"build_s\":%.4f,\"stall_us\":%s}\n",
                  round, variant, nodes,
                  static_cast<unsigned long long>(options.max_write_batch_group_size_bytes), seconds,
                  build_s, stats["db.user_write_stall_micros"].c_str());
      std::fflush(stdout);
    }
  }
  db.reset();
  (void)rocksdb::DestroyDB(dir, rocksdb::Options());
  return 0;
}
