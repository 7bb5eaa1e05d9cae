// gpu_merkle_bench: Merkle trees on one GPU (kernels/merkle_launch.h, GpuEngine) next to
// the CPU engine on every core of the same machine, in one run.
//
// For each scheme (BITCOIN, RFC6962, OZ_KECCAK_SORTED, and OZ with sort_leaves), on N
// random leaves (default 2^24, 512 MiB):
//   kernel   - the leaves resident on the device: LaunchMerkleTree (plus the leaf sort for
//              OZ sorted), root and 64 proofs; CUDA events after warm-up, median of R.
//   pipeline - the leaves in pinned host memory: 16 chunks over 2 streams, each chunk's
//              subtree hashed behind its copy, then the top of the tree and the root
//              back; host clock around the synchronized whole, median. The floor is the
//              copy of the leaves at the measured pinned host-to-device rate.
//   engine   - GpuEngine::Run of a MerkleBuildTask from pageable host memory, as the
//              daemon runs it (staging through pinned lanes included), and CpuEngine::Run
//              of the same task with all hardware threads.
// Every root (and the proofs of the engine runs) is compared with the CPU engine's.
//
// One JSON line per measurement:
//   {"bench":"merkle_kernel","scheme","leaves","median_s","min_s","leaves_per_s",
//    "parent_hashes_per_s","sort_ties" (1: the leaves tied, the four-pass sort ran),"match"}
//   {"bench":"merkle_pipeline","scheme","leaves","median_s","pcie_floor_s",
//    "ratio_to_pcie_floor","match"}
//   {"bench":"merkle_engine","scheme","engine","threads","leaves","median_s","leaves_per_s",
//    "match"}
// Usage: gpu_merkle_bench [--leaves N] [--runs R] [--schemes bitcoin,rfc6962,oz,oz_sorted]
//                         [--copy-threads 4,8]  (one GPU engine per value)
#include <cuda_runtime_api.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/check_status.h"
#include "bench/arguments.h"
#include "bench/gpu_timing.h"
#include "bench/split_list.h"
#include "engines/cpu/cpu_engine.h"
#include "engines/gpu/gpu_engine.h"
#include "kernels/merkle_launch.h"
#include "kernels/testing/device_buffer.h"

namespace chainaccel {
namespace {

using bench::Median;
using bench::MedianWallSeconds;
using bench::TimeWithEvents;
using testing::CudaCheck;
using testing::DeviceBuffer;
using testing::PinnedBuffer;

constexpr int kChunks = 16;
constexpr size_t kProofs = 64;

struct Options {
  size_t leaves = size_t{1} << 24;
  int runs = 20;
  std::vector<std::string> schemes = {"bitcoin", "rfc6962", "oz", "oz_sorted"};
  // GpuEngine::Options::copy_threads of each GPU engine measured.
  std::vector<size_t> copy_threads = {GpuEngine::Options{}.copy_threads};
};

[[noreturn]] void Usage(const char* problem) {
  std::fprintf(stderr,
               "gpu_merkle_bench: %s\nusage: gpu_merkle_bench [--leaves N] [--runs R] "
               "[--schemes bitcoin,rfc6962,oz,oz_sorted] [--copy-threads 4,8]\n",
               problem);
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  bench::ForEachArgument(argc, argv, Usage, [&](const std::string& arg, const auto& value) {
    if (arg == "--leaves") {
      o.leaves = std::stoull(value());
    } else if (arg == "--runs") {
      o.runs = std::stoi(value());
    } else if (arg == "--schemes") {
      o.schemes = SplitList(value());
    } else if (arg == "--copy-threads") {
      o.copy_threads.clear();
      for (const std::string& t : SplitList(value())) o.copy_threads.push_back(std::stoul(t));
    } else {
      Usage(("unknown option " + arg).c_str());
    }
  });
  if (o.leaves < 2 * kChunks || o.leaves % (2 * kChunks) != 0 || o.runs < 1) {
    Usage("--leaves must be a multiple of 32; runs >= 1");
  }
  return o;
}

void CheckStatus(const Status& status) { bench::CheckStatus("gpu_merkle_bench", status); }

struct Scheme {
  std::string name;
  MerkleScheme scheme;
  bool sort;
};

Scheme SchemeOf(const std::string& name) {
  if (name == "bitcoin") return {name, MerkleScheme::kBitcoin, false};
  if (name == "rfc6962") return {name, MerkleScheme::kRfc6962, false};
  if (name == "oz") return {name, MerkleScheme::kOzKeccakSorted, false};
  if (name == "oz_sorted") return {name, MerkleScheme::kOzKeccakSorted, true};
  Usage(("unknown scheme " + name).c_str());
}

// Parent hashes of a tree of n leaves: n - 1 for every scheme.
double ParentHashes(size_t n) { return static_cast<double>(n - 1); }

int Main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  const bench::RunContext run = bench::StartRun();
  const cudaDeviceProp& prop = run.device;
  const uint64_t seed = run.seed;
  const unsigned cores = std::thread::hardware_concurrency();
  std::printf("{\"bench\":\"device\",\"name\":\"%s\",\"sms\":%d,\"host_threads\":%u,"
              "\"date\":\"%s\",\"seed\":%llu,\"leaves\":%zu}\n",
              prop.name, prop.multiProcessorCount, cores, run.date.c_str(),
              static_cast<unsigned long long>(seed), o.leaves);

  const size_t n = o.leaves;
  const size_t bytes = 32 * n;
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> leaves(bytes);
  for (size_t i = 0; i < bytes; i += 8) {
    const uint64_t r = rng();
    std::memcpy(&leaves[i], &r, 8);
  }
  std::vector<uint64_t> indices(kProofs);
  for (auto& index : indices) index = rng() % n;

  PinnedBuffer<uint8_t> pinned(bytes);
  std::memcpy(pinned.get(), leaves.data(), bytes);
  DeviceBuffer<uint8_t> device_leaves(bytes), sorted(bytes), root(32),
      proofs(32 * kProofs * 64), scratch(kernels::MerkleScratchBytes(n));
  DeviceBuffer<uint64_t> position(n), device_positions(kProofs), device_offsets(kProofs);
  DeviceBuffer<uint8_t> sort_scratch(kernels::OzSortScratchBytes(n));
  PinnedBuffer<uint32_t> ties(1);  // the one-pass sort's tie flag
  device_leaves.Upload(leaves.data(), bytes);

  // The pinned host-to-device rate, on the leaves themselves.
  const double h2d_s = Median(TimeWithEvents(1, 5, [&] {
    CudaCheck(cudaMemcpyAsync(device_leaves.get(), pinned.get(), bytes, cudaMemcpyHostToDevice,
                              nullptr),
              "cudaMemcpyAsync");
  }));
  std::printf("{\"bench\":\"bandwidth\",\"bytes\":%zu,\"h2d_pinned_s\":%.6e,"
              "\"h2d_pinned_bytes_per_s\":%.4e}\n",
              bytes, h2d_s, bytes / h2d_s);

  CpuEngine cpu(CpuEngine::Options{});
  std::vector<std::unique_ptr<GpuEngine>> gpus;
  for (size_t threads : o.copy_threads) {
    GpuEngine::Options options;
    options.copy_threads = threads;
    Status status;
    gpus.push_back(GpuEngine::Create(0, options, &status));
    CheckStatus(status);
  }
  cudaStream_t streams[2];
  for (auto& s : streams) {
    CudaCheck(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreate");
  }
  std::vector<std::string> table;

  for (const std::string& name : o.schemes) {
    const Scheme sc = SchemeOf(name);
    // The reference: the CPU engine's tree and proofs (also timed, below).
    MerkleBuildTask build;
    build.scheme = sc.scheme;
    build.leaves = PackedItems::Fixed(leaves, 32);
    build.sort_leaves = sc.sort;
    build.proof_indices = indices;
    Task reference = build;
    CheckStatus(cpu.Run(reference));
    const MerkleBuildTask& expected = std::get<MerkleBuildTask>(reference);

    // Kernel-only, with the proofs of the 64 indices at their tree positions.
    std::vector<uint64_t> positions = indices;
    // The leaf sort as the GPU engine runs it: one pass, its tie flag read back (a stream
    // synchronization, inside the timed span), the four-pass sort only after a tie.
    uint32_t tie_seen = 0;
    const auto sort_leaves = [&] {
      CheckStatus(kernels::LaunchOzSortLeaves(device_leaves.get(), n, sorted.get(),
                                              position.get(), sort_scratch.get(),
                                              sort_scratch.size(), ties.get(), nullptr));
      CudaCheck(cudaStreamSynchronize(nullptr), "cudaStreamSynchronize");
      if (*ties.get() != 0) {
        tie_seen = 1;
        CheckStatus(kernels::LaunchOzSortLeavesStable(device_leaves.get(), n, sorted.get(),
                                                      position.get(), sort_scratch.get(),
                                                      sort_scratch.size(), nullptr));
      }
    };
    if (sc.sort) {
      sort_leaves();
      const std::vector<uint64_t> all = position.Download();
      for (auto& p : positions) p = all[p];
    }
    std::vector<uint64_t> offsets(kProofs);
    for (size_t k = 0; k < kProofs; ++k) offsets[k] = 64 * k;  // room for any proof
    device_positions.Upload(positions.data(), kProofs);
    device_offsets.Upload(offsets.data(), kProofs);
    kernels::MerkleTreeLaunch tree;
    tree.scheme = sc.scheme;
    tree.leaves = sc.sort ? sorted.get() : device_leaves.get();
    tree.leaf_count = n;
    tree.proof_positions = device_positions.get();
    tree.proof_offsets = device_offsets.get();
    tree.proof_count = kProofs;
    tree.proof_hashes = proofs.get();
    tree.root = root.get();
    tree.scratch = scratch.get();
    const std::vector<double> kernel_s = TimeWithEvents(2, o.runs, [&] {
      if (sc.sort) sort_leaves();
      CheckStatus(kernels::LaunchMerkleTree(tree, nullptr));
    });
    const bool kernel_match =
        std::memcmp(root.Download().data(), expected.root.data(), 32) == 0;
    const double kernel_median = Median(kernel_s);
    std::printf("{\"bench\":\"merkle_kernel\",\"scheme\":\"%s\",\"leaves\":%zu,"
                "\"median_s\":%.6e,\"min_s\":%.6e,\"leaves_per_s\":%.4e,"
                "\"parent_hashes_per_s\":%.4e,\"sort_ties\":%u,\"match\":%s}\n",
                name.c_str(), n, kernel_median,
                *std::min_element(kernel_s.begin(), kernel_s.end()), n / kernel_median,
                ParentHashes(n) / kernel_median, tie_seen, kernel_match ? "true" : "false");
    char line[256];
    std::snprintf(line, sizeof(line), "kernel    %-9s %9.3f ms  %7.3f G leaves/s  match %d",
                  name.c_str(), kernel_median * 1e3, n / kernel_median * 1e-9, kernel_match);
    table.push_back(line);

    // Pipeline from pinned memory (BITCOIN and RFC6962: level 1 behind each chunk).
    if (!sc.sort && sc.scheme != MerkleScheme::kOzKeccakSorted) {
      kernels::MerkleTreeLaunch root_only = tree;
      root_only.proof_count = 0;
      const size_t per_chunk = n / kChunks;
      // Chunks of 2^k leaves hold whole k-level subtrees (power-of-two --leaves).
      const uint32_t subtree_levels = static_cast<uint32_t>(std::countr_zero(per_chunk));
      root_only.levels_done = subtree_levels;
      const double pipeline_s = MedianWallSeconds(1, o.runs, [&] {
        for (int c = 0; c < kChunks; ++c) {
          const cudaStream_t s = streams[c % 2];
          const size_t first = per_chunk * c;
          CudaCheck(cudaMemcpyAsync(device_leaves.get() + 32 * first, pinned.get() + 32 * first,
                                    32 * per_chunk, cudaMemcpyHostToDevice, s),
                    "cudaMemcpyAsync");
          CheckStatus(kernels::LaunchMerkleSubtree(sc.scheme, device_leaves.get(), n, first,
                                                   per_chunk, subtree_levels, scratch.get(),
                                                   s));
        }
        CudaCheck(cudaStreamSynchronize(streams[1]), "cudaStreamSynchronize");
        CudaCheck(cudaStreamSynchronize(streams[0]), "cudaStreamSynchronize");
        CheckStatus(kernels::LaunchMerkleTree(root_only, streams[0]));
        uint8_t host_root[32];
        CudaCheck(cudaMemcpyAsync(host_root, root.get(), 32, cudaMemcpyDeviceToHost, streams[0]),
                  "cudaMemcpyAsync");
        CudaCheck(cudaStreamSynchronize(streams[0]), "cudaStreamSynchronize");
      });
      const bool match = std::memcmp(root.Download().data(), expected.root.data(), 32) == 0;
      std::printf("{\"bench\":\"merkle_pipeline\",\"scheme\":\"%s\",\"leaves\":%zu,"
                  "\"median_s\":%.6e,\"pcie_floor_s\":%.6e,\"ratio_to_pcie_floor\":%.3f,"
                  "\"match\":%s}\n",
                  name.c_str(), n, pipeline_s, h2d_s, pipeline_s / h2d_s,
                  match ? "true" : "false");
      std::snprintf(line, sizeof(line),
                    "pipeline  %-9s %9.3f ms  x%.2f of the %.3f ms pinned copy  match %d",
                    name.c_str(), pipeline_s * 1e3, pipeline_s / h2d_s, h2d_s * 1e3, match);
      table.push_back(line);
    }

    // The engines, from pageable memory, with the 64 proofs.
    std::vector<Engine*> engines;
    for (const auto& gpu : gpus) engines.push_back(gpu.get());
    engines.push_back(&cpu);
    for (size_t e = 0; e < engines.size(); ++e) {
      Engine* engine = engines[e];
      // GPU engines report their copy threads, the CPU engine its workers.
      const size_t threads = e < gpus.size() ? o.copy_threads[e] : cpu.info().threads;
      Task task = build;
      const double engine_s = MedianWallSeconds(1, std::max(3, o.runs / 4), [&] {
        task = build;
        CheckStatus(engine->Run(task));
      });
      const auto& got = std::get<MerkleBuildTask>(task);
      const bool match = got.root == expected.root && got.proof_hashes == expected.proof_hashes &&
                         got.proof_lengths == expected.proof_lengths;
      std::printf("{\"bench\":\"merkle_engine\",\"scheme\":\"%s\",\"engine\":\"%s\","
                  "\"threads\":%zu,\"leaves\":%zu,\"median_s\":%.6e,\"leaves_per_s\":%.4e,"
                  "\"match\":%s}\n",
                  name.c_str(), engine->info().name.c_str(), threads, n,
                  engine_s, n / engine_s, match ? "true" : "false");
      std::snprintf(line, sizeof(line), "engine    %-9s %-6s %2zu threads %9.3f ms  %7.3f G leaves/s  match %d",
                    name.c_str(), engine->info().name.c_str(), threads, engine_s * 1e3,
                    n / engine_s * 1e-9, match);
      table.push_back(line);
    }
    std::fflush(stdout);
  }
  for (auto& s : streams) CudaCheck(cudaStreamDestroy(s), "cudaStreamDestroy");
  std::printf("# %s, %d SMs, %s; %zu leaves; pinned h2d %.1f GB/s; CPU engine %u threads\n",
              prop.name, prop.multiProcessorCount, run.date.c_str(), n, bytes / h2d_s * 1e-9,
              cpu.info().threads);
  for (const auto& l : table) std::printf("# %s\n", l.c_str());
  return 0;
}

}  // namespace
}  // namespace chainaccel

int main(int argc, char** argv) { return chainaccel::Main(argc, argv); }
