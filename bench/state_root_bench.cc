// state_root_bench: the state tree's root update per block (docs/execution.md, "State
// root"), over a state far larger than the state cache. For states of --sizes keys
// (built with blocks of 100,000 writes), blocks of --changed random keys (90% updates of
// existing keys, 10% new keys): the block's reads of those keys through StateStore::Get
// (as a block's transactions read them: the cache, else RocksDB), the root update
// through StateStore::UpdateTree, hashed on the calling thread alone (cpu) and through a
// CPU engine on --threads threads with the engine hasher's batching (engine), then
// Persist (the synced commit) and Apply. The store's cache is --cache-bytes (default
// the daemon's, 256 MiB). One JSON line per state size and hasher: the median, min and
// max root update time of --blocks blocks, the reads' median, the commit's median, the
// nodes a block writes, their records' size and the SHA-256 computations of the tree
// update (medians), the cache's hit rate over those blocks, and the
// process's resident memory (peak and now).
// Then, per state size, one state_root_rebuild line: the root rebuilt from nothing over
// the stored state (the full check of execution_verify_root_on_open: an iterator over
// the "s" records, in passes of at most 2^18 keys), its time and the peak memory before
// and after it, walking the state once a pass and spilled to files
// (--rebuild-keys-per-pass N: passes of N keys, to see many passes on a small state).
// --db DIR keeps each state's database in DIR/<size> (built there on the first run;
// --blocks 0 only builds it), so that a run over a state built by an earlier process
// measures the blocks' memory, not the build's.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "bench/process_memory.h"
#include "engines/cpu/cpu_engine.h"
#include "execution/state_store.h"
#include "execution/state_tree.h"
#include "execution/testing/temp_dir.h"

namespace chainaccel::exec {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string Key(uint64_t i) {
  std::string k(40, '\0');
  for (int b = 0; b < 8; ++b) k[32 + b] = static_cast<char>(i >> (8 * b));
  return k;
}

WriteSet Block(std::mt19937_64& rng, uint64_t* next_key, size_t changed) {
  WriteMap w;
  while (w.size() < changed) {
    const uint64_t i = rng() % 10 == 0 ? (*next_key)++ : rng() % *next_key;
    w[Key(i)] = std::to_string(rng());
  }
  return ToWriteSet(std::move(w));
}

// A hasher that counts the hashes it passes on (one atomic add a call: no cost to speak
// of beside the hashing).
class CountingHasher final : public NodeHasher {
 public:
  explicit CountingHasher(NodeHasher& inner) : inner_(inner) {}
  Status Hash(std::span<const uint8_t> preimages, size_t n, uint8_t* digests) override {
    hashes_ += n;
    const auto t = std::chrono::steady_clock::now();
    Status s = inner_.Hash(preimages, n, digests);
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    return s;
  }
  size_t hashes() const { return hashes_; }
  double seconds() const { return seconds_; }  // inside the inner hasher's calls

 private:
  NodeHasher& inner_;
  size_t hashes_ = 0;
  double seconds_ = 0;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Flags {
  std::vector<uint64_t> sizes = {100000, 1000000};
  size_t changed = 10000;
  int blocks = 10;
  unsigned threads = 2;
  size_t cache_bytes = StateStore::kDefaultCacheBytes;
  std::string db;  // kept databases' folder; empty: temporary ones
  size_t rebuild_keys_per_pass = kRootBuildKeysPerPass;  // the rebuild's pass size
};

// Makes the state Key(0) .. Key(size - 1) in an empty store, in blocks of 100,000 writes.
Status Build(StateStore& store, uint64_t size) {
  const auto t = Clock::now();
  for (uint64_t next = 0; next < size;) {
    WriteSet w;
    for (; w.size() < 100000 && next < size; ++next) w.emplace_back(Key(next), "0");
    std::sort(w.begin(), w.end());
    Status s = store.Commit(store.height() + 1, w);
    if (!s.ok()) return s;
  }
  std::fprintf(stderr, "built %llu keys in %.1f s, peak RSS %.0f MiB\n",
               static_cast<unsigned long long>(size), Since(t), bench::PeakRssMiB());
  return Status::Ok();
}

// The keys of a kept database: Key(0) .. Key(n - 1), built and grown by earlier runs.
Status CountKeys(const StateStore& store, uint64_t* keys) {
  *keys = 0;
  return store.ScanState([keys](std::string_view, std::string_view) { ++*keys; });
}

// --blocks blocks with each hasher over `store`, one JSON line each.
Status MeasureBlocks(const Flags& flags, CpuEngine& cpu, StateStore& store, std::mt19937_64& rng,
                     uint64_t* next_key) {
  for (const char* mode : {"cpu", "engine"}) {
    std::vector<double> reads, root, commit, nodes_written, node_bytes, hashes;
    // The root update's phases (TreeUpdate::Phases) and the seconds inside the hasher.
    std::vector<double> changes_s, read_ahead_s, update_s, hash_s, hasher_s;
    size_t batches = 0;
    const StateCache::Stats before = store.cache_stats();
    for (int b = 0; b < flags.blocks; ++b) {
      const WriteSet w = Block(rng, next_key, flags.changed);
      auto t = Clock::now();
      std::string value;
      for (const auto& [key, v] : w) (void)store.Get(key, &value);
      reads.push_back(Since(t));
      CpuNodeHasher cpu_hasher;
      EngineNodeHasher engine_hasher(cpu);
      CountingHasher hasher(mode[0] == 'c' ? static_cast<NodeHasher&>(cpu_hasher) : engine_hasher);
      TreeUpdate update;
      t = Clock::now();
      Status s = store.UpdateTree(w, hasher, &update);
      if (!s.ok()) return s;
      root.push_back(Since(t));
      batches = engine_hasher.engine_batches();
      hashes.push_back(static_cast<double>(hasher.hashes()));
      changes_s.push_back(update.phases.changes_s);
      read_ahead_s.push_back(update.phases.read_ahead_s);
      update_s.push_back(update.phases.update_s);
      hash_s.push_back(update.phases.hash_s);
      hasher_s.push_back(hasher.seconds());
      size_t bytes = 0;
      for (const auto& [position, node] : update.written) bytes += node.Encode().size();
      nodes_written.push_back(static_cast<double>(update.written.size()));
      node_bytes.push_back(static_cast<double>(bytes));
      t = Clock::now();
      const uint64_t height = store.height() + 1;
      s = store.Persist(height, w, update);
      if (!s.ok()) return s;
      store.Apply(height, w, update);
      commit.push_back(Since(t));
    }
    const StateCache::Stats after = store.cache_stats();
    const double hits = static_cast<double>(after.hits[0] + after.hits[1] - before.hits[0] - before.hits[1]);
    const double misses =
        static_cast<double>(after.misses[0] + after.misses[1] - before.misses[0] - before.misses[1]);
    std::printf("{\"bench\":\"state_root\",\"keys\":%llu,\"changed\":%zu,\"hasher\":\"%s\",\"threads\":%u,"
                "\"cache_mib\":%.0f,\"reads_median_s\":%.4f,"
                "\"root_median_s\":%.4f,\"root_min_s\":%.4f,\"root_max_s\":%.4f,\"engine_batches\":%zu,"
                "\"commit_median_s\":%.4f,\"nodes_written\":%.0f,\"node_record_mib\":%.2f,\"hashes\":%.0f,"
                "\"cache_hit_rate\":%.3f,\"cache_used_mib\":%.1f,"
                "\"changes_s\":%.4f,\"read_ahead_s\":%.4f,\"update_s\":%.4f,\"hash_s\":%.4f,"
                "\"hasher_s\":%.4f,\"peak_rss_mib\":%.0f,\"rss_mib\":%.0f}\n",
                static_cast<unsigned long long>(*next_key), flags.changed, mode,
                mode[0] == 'c' ? 1u : flags.threads, static_cast<double>(flags.cache_bytes) / (1 << 20),
                Median(reads), Median(root), *std::min_element(root.begin(), root.end()),
                *std::max_element(root.begin(), root.end()), batches, Median(commit),
                Median(nodes_written), Median(node_bytes) / (1 << 20), Median(hashes), hits / std::max(1.0, hits + misses), static_cast<double>(after.bytes) / (1 << 20),
                Median(changes_s), Median(read_ahead_s), Median(update_s), Median(hash_s),
                Median(hasher_s), bench::PeakRssMiB(), bench::CurrentRssMiB());
    std::fflush(stdout);
  }
  return Status::Ok();
}

// The root rebuilt from nothing over the stored state, checked against the store's: a
// JSON line with the passes walking the whole state each ("walks") and one with the state
// spilled to files in `dir` ("spilled", as the daemon's check does), with the walks of
// the store's state that BuildStateRoot reports.
Status MeasureRebuild(const Flags& flags, CpuEngine& cpu, const StateStore& store, uint64_t keys,
                      const std::string& dir) {
  for (const bool spilled : {false, true}) {
    const double peak_before = bench::PeakRssMiB();
    const auto t = Clock::now();
    EngineNodeHasher hasher(cpu);
    Hash32 root;
    RootBuildReport report;
    Status s = BuildStateRoot([&store](const StateVisitor& v) { return store.ScanState(v); }, hasher,
                              &root, flags.rebuild_keys_per_pass,
                              spilled ? dir + "/root-check" : std::string(), &report);
    if (!s.ok()) return s;
    if (root != store.state_root()) return Status::Internal("the rebuilt root differs");
    std::printf("{\"bench\":\"state_root_rebuild\",\"mode\":\"%s\",\"keys\":%llu,"
                "\"keys_per_pass\":%zu,\"walks\":%zu,\"threads\":%u,\"seconds\":%.2f,"
                "\"peak_rss_before_mib\":%.0f,\"peak_rss_after_mib\":%.0f}\n",
                spilled ? "spilled" : "walks", static_cast<unsigned long long>(keys),
                flags.rebuild_keys_per_pass, report.walks, flags.threads, Since(t), peak_before,
                bench::PeakRssMiB());
    std::fflush(stdout);
  }
  return Status::Ok();
}

Status Run(const Flags& flags) {
  CpuEngine cpu(CpuEngine::Options{flags.threads});
  for (uint64_t size : flags.sizes) {
    testing::TempDir dir;
    const std::string path = flags.db.empty() ? dir.path() : flags.db + "/" + std::to_string(size);
    std::unique_ptr<StateStore> store;
    Status s = StateStore::Open(path, &store, nullptr, flags.cache_bytes);
    uint64_t keys = size;
    if (s.ok()) s = store->height() == 0 ? Build(*store, size) : CountKeys(*store, &keys);
    if (!s.ok() || flags.blocks == 0) return s;
    std::mt19937_64 rng(size + store->height());
    s = MeasureBlocks(flags, cpu, *store, rng, &keys);
    if (s.ok()) s = MeasureRebuild(flags, cpu, *store, keys, path);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace
}  // namespace chainaccel::exec

int main(int argc, char** argv) {
  chainaccel::exec::Flags flags;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--sizes") {
      flags.sizes.clear();
      for (size_t p = 0; p < value.size();) {
        const size_t q = value.find(',', p);
        flags.sizes.push_back(std::stoull(value.substr(p, q - p)));
        p = q == std::string::npos ? value.size() : q + 1;
      }
    } else if (flag == "--changed") {
      flags.changed = std::stoull(value);
    } else if (flag == "--blocks") {
      flags.blocks = std::stoi(value);
    } else if (flag == "--threads") {
      flags.threads = static_cast<unsigned>(std::stoul(value));
    } else if (flag == "--cache-bytes") {
      flags.cache_bytes = std::stoull(value);
    } else if (flag == "--db") {
      flags.db = value;
    } else if (flag == "--rebuild-keys-per-pass") {
      flags.rebuild_keys_per_pass = std::max<size_t>(1, std::stoull(value));
    } else {
      std::fprintf(stderr,
                   "usage: state_root_bench [--sizes N,N] [--changed N] [--blocks N] [--threads N] "
                   "[--cache-bytes N] [--db DIR] [--rebuild-keys-per-pass N]\n");
      return 2;
    }
  }
  const chainaccel::Status s = chainaccel::exec::Run(flags);
  if (!s.ok()) std::fprintf(stderr, "state_root_bench: %s\n", s.ToString().c_str());
  return s.ok() ? 0 : 1;
}
