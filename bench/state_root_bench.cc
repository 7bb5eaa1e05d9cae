// state_root_bench: the state tree's root update per block (docs/execution.md, "State
// root"). For states of --sizes keys (built with blocks of 100,000 writes), blocks of
// --changed random keys (90% updates of existing keys, 10% new keys) through
// StateStore::UpdateTree, hashed on the calling thread alone (cpu) and through a CPU
// engine on --threads threads with the engine hasher's batching (engine), then Persist
// (the synced commit) and Apply. One JSON line per state size and hasher: the median,
// min and max root update time of --blocks blocks, and the commit's median.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

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

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Run(const std::vector<uint64_t>& sizes, size_t changed, int blocks, unsigned threads) {
  CpuEngine cpu(CpuEngine::Options{threads});
  for (uint64_t size : sizes) {
    testing::TempDir dir;
    std::unique_ptr<StateStore> store;
    if (!StateStore::Open(dir.path(), &store).ok()) return 1;
    std::mt19937_64 rng(size);
    uint64_t height = 0, next_key = 0;
    const auto build = Clock::now();
    while (next_key < size) {
      WriteSet w;
      for (uint64_t i = 0; i < 100000 && next_key < size; ++i) w.emplace_back(Key(next_key++), "0");
      std::sort(w.begin(), w.end());
      Status s = store->Commit(++height, w);
      if (!s.ok()) {
        std::fprintf(stderr, "%s\n", s.ToString().c_str());
        return 1;
      }
    }
    std::fprintf(stderr, "built %llu keys in %.1f s\n", static_cast<unsigned long long>(size), Since(build));
    for (const char* mode : {"cpu", "engine"}) {
      std::vector<double> root, commit;
      size_t batches = 0;
      for (int b = 0; b < blocks; ++b) {
        const WriteSet w = Block(rng, &next_key, changed);
        CpuNodeHasher cpu_hasher;
        EngineNodeHasher engine_hasher(cpu);
        NodeHasher& hasher = mode[0] == 'c' ? static_cast<NodeHasher&>(cpu_hasher) : engine_hasher;
        TreeUpdate update;
        auto t = Clock::now();
        if (!store->UpdateTree(w, hasher, &update).ok()) return 1;
        root.push_back(Since(t));
        batches = engine_hasher.engine_batches();
        t = Clock::now();
        if (!store->Persist(++height, w, update).ok()) return 1;
        store->Apply(height, w, update);
        commit.push_back(Since(t));
      }
      std::printf("{\"bench\":\"state_root\",\"keys\":%llu,\"changed\":%zu,\"hasher\":\"%s\",\"threads\":%u,"
                  "\"root_median_s\":%.4f,\"root_min_s\":%.4f,\"root_max_s\":%.4f,\"engine_batches\":%zu,"
                  "\"commit_median_s\":%.4f}\n",
                  static_cast<unsigned long long>(store->state().size()), changed, mode,
                  mode[0] == 'c' ? 1u : threads, Median(root),
                  *std::min_element(root.begin(), root.end()), *std::max_element(root.begin(), root.end()),
                  batches, Median(commit));
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace
}  // namespace chainaccel::exec

int main(int argc, char** argv) {
  std::vector<uint64_t> sizes = {100000, 1000000};
  size_t changed = 10000;
  int blocks = 10;
  unsigned threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--sizes") {
      sizes.clear();
      for (size_t p = 0; p < value.size();) {
        const size_t q = value.find(',', p);
        sizes.push_back(std::stoull(value.substr(p, q - p)));
        p = q == std::string::npos ? value.size() : q + 1;
      }
    } else if (flag == "--changed") {
      changed = std::stoull(value);
    } else if (flag == "--blocks") {
      blocks = std::stoi(value);
    } else if (flag == "--threads") {
      threads = static_cast<unsigned>(std::stoul(value));
    } else {
      std::fprintf(stderr, "usage: state_root_bench [--sizes N,N] [--changed N] [--blocks N] [--threads N]\n");
      return 2;
    }
  }
  return chainaccel::exec::Run(sizes, changed, blocks, threads);
}
