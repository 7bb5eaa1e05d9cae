// gpu_hash_bench: the hashing kernels of kernels/ on one GPU, kernel-only and end to end.
//
// In one process, on random data (a seed is printed):
//   bandwidth  - the ceilings for bytes: a device-to-device copy (bytes read + written),
//                pinned host-to-device and device-to-host copies.
//   kernel     - N 64-byte messages resident on the device (default N = 2^24), hashed by
//                LaunchHashFixed ("library"), and by variants on the same data:
//                "generic"    the run-time item size kernel (what an unaligned or odd-sized
//                             batch gets),
//                "variable"   LaunchHashVariable with offsets 64 apart.
//                Each launch timed with CUDA events after warm-up; the median of R runs.
//   end_to_end - pinned host buffers: copy the messages in, hash, copy the digests out;
//                "serial" (one stream, whole batch) and "chunked" (16 chunks over 2
//                streams, so copies of one chunk overlap the hashing of another); host
//                clock around the device-synchronized whole, median of runs.
// Every measurement checks the digests of the batch's first and last 2^15 messages against
// the CPU engine (digests are poisoned first) and prints the mismatches.
//
// One JSON line per measurement:
//   {"bench":"kernel","op","variant","items","item_bytes","median_s","min_s",
//    "hashes_per_s","ratio_to_target","ratio_to_compression_ceiling" (SHA only),
//    "bytes_per_s","ratio_to_copy_bandwidth","mismatches"}
//   {"bench":"end_to_end","op","mode","items","median_s","hashes_per_s","pcie_floor_s",
//    "ratio_to_pcie_floor","mismatches"}
// Ceilings: hashcat's H100 single-block SHA-256 rate, 16.2 G compressions/s, is 8.1 G
// hashes/s of 64-byte messages (two compressions) and 5.4 G of SHA-256d (three); targets
// of the GPU issue: 8 G SHA-256 and 4 G Keccak-256 hashes/s. Bytes: message bytes read
// plus digest bytes written, over the measured device-to-device copy rate.
//
// Usage: gpu_hash_bench [--items N] [--runs R] [--e2e-runs R] [--ops sha256,sha256d,keccak256]
//                       [--variants library,generic,variable]
//                       [--no-e2e]
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "bench/arguments.h"
#include "bench/gpu_timing.h"
#include "bench/split_list.h"
#include "crypto/hashes.h"
#include "kernels/hash_kernels.cuh"
#include "kernels/hash_launch.h"
#include "kernels/testing/device_buffer.h"

namespace chainaccel {
namespace {

using bench::Median;
using bench::TimeWithEvents;
using testing::CudaCheck;
using testing::DeviceBuffer;
using testing::PinnedBuffer;

constexpr size_t kItemBytes = 64;
constexpr size_t kCheckedAtEachEnd = size_t{1} << 15;
constexpr int kChunks = 16;
constexpr int kStreams = 2;
constexpr double kHashcatSha256CompressionsPerS = 16.2e9;

struct Options {
  size_t items = size_t{1} << 24;
  int runs = 30;
  int e2e_runs = 5;
  bool e2e = true;
  std::vector<std::string> ops = {"sha256", "sha256d", "keccak256"};
  std::vector<std::string> variants = {"library", "generic", "variable"};
};

[[noreturn]] void Usage(const char* problem) {
  std::fprintf(stderr,
               "gpu_hash_bench: %s\nusage: gpu_hash_bench [--items N] [--runs R] "
               "[--e2e-runs R] [--ops a,b] [--variants a,b] [--no-e2e]\n",
               problem);
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  bench::ForEachArgument(argc, argv, Usage, [&](const std::string& arg, const auto& value) {
    if (arg == "--items") {
      o.items = std::stoull(value());
    } else if (arg == "--runs") {
      o.runs = std::stoi(value());
    } else if (arg == "--e2e-runs") {
      o.e2e_runs = std::stoi(value());
    } else if (arg == "--ops") {
      o.ops = SplitList(value());
    } else if (arg == "--variants") {
      o.variants = SplitList(value());
    } else if (arg == "--no-e2e") {
      o.e2e = false;
    } else {
      Usage(("unknown option " + arg).c_str());
    }
  });
  if (o.items < 2 * kCheckedAtEachEnd || o.items % kChunks != 0 || o.runs < 1 ||
      o.e2e_runs < 1) {
    Usage("--items must be >= 2^16 and a multiple of 16; runs >= 1");
  }
  return o;
}

HashAlgorithm AlgorithmOf(const std::string& op) {
  if (op == "sha256") return HashAlgorithm::kSha256;
  if (op == "sha256d") return HashAlgorithm::kSha256d;
  if (op == "keccak256") return HashAlgorithm::kKeccak256;
  Usage(("unknown op " + op).c_str());
}

void CheckStatus(const Status& status) {
  if (status.ok()) return;
  std::fprintf(stderr, "gpu_hash_bench: %s\n", status.ToString().c_str());
  std::exit(1);
}

// ---- Kernels of the bench itself -------------------------------------------------------

// splitmix64 of (seed, index): random bytes made on the device, no PCIe traffic.
__global__ void FillRandom(uint64_t* words, size_t count, uint64_t seed) {
  const size_t i = size_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (i >= count) return;
  uint64_t z = seed + (i + 1) * 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  words[i] = z ^ (z >> 31);
}

unsigned Blocks(size_t count, int threads) {
  return static_cast<unsigned>((count + threads - 1) / threads);
}

// Enqueues one hashing of `count` 64-byte messages by `variant` on `stream`.
template <HashAlgorithm kAlgorithm>
void EnqueueVariant(const std::string& variant, const uint8_t* data, const uint64_t* offsets,
                    size_t count, uint8_t* digests, cudaStream_t stream) {
  using kernels::HashFixedKernel;
  constexpr int kThreads = kernels::kHashThreadsPerBlock;
  if (variant == "library") {
    CheckStatus(kernels::LaunchHashFixed(kAlgorithm, data, kItemBytes, count, digests, stream));
    return;
  }
  if (variant == "generic") {
    HashFixedKernel<kAlgorithm, 0><<<Blocks(count, kThreads), kThreads, 0, stream>>>(
        data, kItemBytes, count, digests);
  } else if (variant == "variable") {
    CheckStatus(kernels::LaunchHashVariable(kAlgorithm, data, offsets, count, digests, stream));
    return;
  } else {
    Usage(("unknown variant " + variant).c_str());
  }
  CudaCheck(cudaGetLastError(), ("launch " + variant).c_str());
}

void Enqueue(HashAlgorithm algorithm, const std::string& variant, const uint8_t* data,
             const uint64_t* offsets, size_t count, uint8_t* digests, cudaStream_t stream) {
  switch (algorithm) {
    case HashAlgorithm::kSha256:
      return EnqueueVariant<HashAlgorithm::kSha256>(variant, data, offsets, count, digests,
                                                    stream);
    case HashAlgorithm::kSha256d:
      return EnqueueVariant<HashAlgorithm::kSha256d>(variant, data, offsets, count, digests,
                                                     stream);
    case HashAlgorithm::kKeccak256:
      return EnqueueVariant<HashAlgorithm::kKeccak256>(variant, data, offsets, count, digests,
                                                       stream);
  }
}

// ---- Checking against the CPU engine ---------------------------------------------------

// Mismatching digests among the first and last kCheckedAtEachEnd messages.
size_t CountMismatches(HashAlgorithm algorithm, const uint8_t* host_messages,
                       const uint8_t* host_digests, size_t items, size_t first_index) {
  size_t mismatches = 0;
  for (size_t k = 0; k < items; ++k) {
    uint8_t expected[32];
    HashMessage(algorithm, {host_messages + kItemBytes * k, kItemBytes}, expected);
    if (std::memcmp(expected, host_digests + 32 * k, 32) != 0) {
      if (mismatches == 0) {
        std::fprintf(stderr, "mismatch at message %zu\n", first_index + k);
      }
      ++mismatches;
    }
  }
  return mismatches;
}

size_t CheckDeviceDigests(HashAlgorithm algorithm, const uint8_t* messages,
                          const uint8_t* digests, size_t items) {
  CudaCheck(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  size_t mismatches = 0;
  for (size_t first : {size_t{0}, items - kCheckedAtEachEnd}) {
    std::vector<uint8_t> m(kCheckedAtEachEnd * kItemBytes), d(kCheckedAtEachEnd * 32);
    CudaCheck(cudaMemcpy(m.data(), messages + first * kItemBytes, m.size(),
                         cudaMemcpyDeviceToHost),
              "cudaMemcpy");
    CudaCheck(cudaMemcpy(d.data(), digests + first * 32, d.size(), cudaMemcpyDeviceToHost),
              "cudaMemcpy");
    mismatches += CountMismatches(algorithm, m.data(), d.data(), kCheckedAtEachEnd, first);
  }
  return mismatches;
}

size_t CheckHostDigests(HashAlgorithm algorithm, const uint8_t* messages,
                        const uint8_t* digests, size_t items) {
  size_t mismatches = 0;
  for (size_t first : {size_t{0}, items - kCheckedAtEachEnd}) {
    mismatches += CountMismatches(algorithm, messages + first * kItemBytes,
                                  digests + first * 32, kCheckedAtEachEnd, first);
  }
  return mismatches;
}

// ---- Measurements ----------------------------------------------------------------------

struct Bandwidth {
  double device_copy = 0;  // bytes read + written per second
  double h2d = 0;
  double d2h = 0;
};

Bandwidth MeasureBandwidth(int runs) {
  constexpr size_t kBytes = size_t{1} << 30;
  DeviceBuffer<uint8_t> a(kBytes), b(kBytes);
  PinnedBuffer<uint8_t> host(kBytes);
  CudaCheck(cudaMemset(a.get(), 1, kBytes), "cudaMemset");
  std::memset(host.get(), 1, kBytes);
  Bandwidth bw;
  const double d2d = Median(TimeWithEvents(2, runs, [&] {
    CudaCheck(cudaMemcpyAsync(b.get(), a.get(), kBytes, cudaMemcpyDeviceToDevice, nullptr),
              "cudaMemcpyAsync");
  }));
  const double h2d = Median(TimeWithEvents(1, std::max(3, runs / 4), [&] {
    CudaCheck(cudaMemcpyAsync(a.get(), host.get(), kBytes, cudaMemcpyHostToDevice, nullptr),
              "cudaMemcpyAsync");
  }));
  const double d2h = Median(TimeWithEvents(1, std::max(3, runs / 4), [&] {
    CudaCheck(cudaMemcpyAsync(host.get(), a.get(), kBytes, cudaMemcpyDeviceToHost, nullptr),
              "cudaMemcpyAsync");
  }));
  bw.device_copy = 2.0 * kBytes / d2d;
  bw.h2d = kBytes / h2d;
  bw.d2h = kBytes / d2h;
  std::printf("{\"bench\":\"bandwidth\",\"bytes\":%zu,\"device_copy_bytes_per_s\":%.4e,"
              "\"h2d_pinned_bytes_per_s\":%.4e,\"d2h_pinned_bytes_per_s\":%.4e}\n",
              kBytes, bw.device_copy, bw.h2d, bw.d2h);
  return bw;
}

double TargetOf(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha256:
      return 8e9;
    case HashAlgorithm::kSha256d:
      return 8e9 * 2 / 3;  // the SHA-256 target's compressions, three per hash
    case HashAlgorithm::kKeccak256:
      return 4e9;
  }
  return 0;
}

// Compressions per 64-byte message, 0 for Keccak (no published ceiling to compare with).
double CompressionsOf(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha256:
      return 2;
    case HashAlgorithm::kSha256d:
      return 3;
    case HashAlgorithm::kKeccak256:
      return 0;
  }
  return 0;
}

struct Table {
  std::vector<std::string> lines;
};

void KernelOnly(const Options& o, const Bandwidth& bw, const std::string& op,
                const uint8_t* messages, const uint64_t* offsets, uint8_t* digests,
                Table& table) {
  const HashAlgorithm algorithm = AlgorithmOf(op);
  for (const std::string& variant : o.variants) {
    CudaCheck(cudaMemset(digests, 0xa5, o.items * 32), "cudaMemset");
    const auto seconds = TimeWithEvents(3, o.runs, [&] {
      Enqueue(algorithm, variant, messages, offsets, o.items, digests, nullptr);
    });
    const size_t mismatches = CheckDeviceDigests(algorithm, messages, digests, o.items);
    const double median = Median(seconds);
    const double rate = o.items / median;
    const double bytes_per_s = o.items * (kItemBytes + 32.0) / median;
    const double compressions = CompressionsOf(algorithm);
    char ceiling[96] = "";
    if (compressions > 0) {
      std::snprintf(ceiling, sizeof(ceiling), ",\"ratio_to_compression_ceiling\":%.3f",
                    rate / (kHashcatSha256CompressionsPerS / compressions));
    }
    std::printf("{\"bench\":\"kernel\",\"op\":\"%s\",\"variant\":\"%s\",\"items\":%zu,"
                "\"item_bytes\":%zu,\"median_s\":%.6e,\"min_s\":%.6e,\"hashes_per_s\":%.4e,"
                "\"ratio_to_target\":%.3f%s,\"bytes_per_s\":%.4e,"
                "\"ratio_to_copy_bandwidth\":%.3f,\"mismatches\":%zu}\n",
                op.c_str(), variant.c_str(), o.items, kItemBytes, median,
                *std::min_element(seconds.begin(), seconds.end()), rate,
                rate / TargetOf(algorithm), ceiling, bytes_per_s, bytes_per_s / bw.device_copy,
                mismatches);
    char line[256];
    std::snprintf(line, sizeof(line), "kernel  %-9s %-10s %8.3f ms  %6.2f G hashes/s  x%.2f target  mismatches %zu",
                  op.c_str(), variant.c_str(), median * 1e3, rate / 1e9,
                  rate / TargetOf(algorithm), mismatches);
    table.lines.push_back(line);
  }
}

void EndToEnd(const Options& o, const Bandwidth& bw, const std::string& op,
              const PinnedBuffer<uint8_t>& host_in, PinnedBuffer<uint8_t>& host_out,
              uint8_t* messages, uint8_t* digests, cudaStream_t streams[kStreams],
              double kernel_seconds_hint, Table& table) {
  const HashAlgorithm algorithm = AlgorithmOf(op);
  const size_t in_bytes = o.items * kItemBytes;
  const size_t out_bytes = o.items * 32;
  for (const char* mode : {"serial", "chunked"}) {
    const bool chunked = std::strcmp(mode, "chunked") == 0;
    std::memset(host_out.get(), 0xa5, out_bytes);
    std::vector<double> seconds;
    for (int run = -1; run < o.e2e_runs; ++run) {  // run -1 warms up
      CudaCheck(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
      const auto start = std::chrono::steady_clock::now();
      const int chunks = chunked ? kChunks : 1;
      const size_t per_chunk = o.items / chunks;
      for (int c = 0; c < chunks; ++c) {
        cudaStream_t s = streams[chunked ? c % kStreams : 0];
        const size_t first = per_chunk * c;
        CudaCheck(cudaMemcpyAsync(messages + first * kItemBytes,
                                  host_in.get() + first * kItemBytes, per_chunk * kItemBytes,
                                  cudaMemcpyHostToDevice, s),
                  "cudaMemcpyAsync");
        CheckStatus(kernels::LaunchHashFixed(algorithm, messages + first * kItemBytes,
                                             kItemBytes, per_chunk, digests + first * 32, s));
        CudaCheck(cudaMemcpyAsync(host_out.get() + first * 32, digests + first * 32,
                                  per_chunk * 32, cudaMemcpyDeviceToHost, s),
                  "cudaMemcpyAsync");
      }
      CudaCheck(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                           .count();
      if (run >= 0) seconds.push_back(s);
    }
    const size_t mismatches = CheckHostDigests(algorithm, host_in.get(), host_out.get(), o.items);
    const double median = Median(seconds);
    // The least time the copies need: in sequence with the kernel when serial; overlapped
    // (separate copy engines each way) when chunked.
    const double copy_in = in_bytes / bw.h2d, copy_out = out_bytes / bw.d2h;
    const double floor_s = chunked ? std::max({copy_in, copy_out, kernel_seconds_hint})
                                   : copy_in + copy_out + kernel_seconds_hint;
    std::printf("{\"bench\":\"end_to_end\",\"op\":\"%s\",\"mode\":\"%s\",\"items\":%zu,"
                "\"item_bytes\":%zu,\"median_s\":%.6e,\"hashes_per_s\":%.4e,"
                "\"pcie_floor_s\":%.6e,\"ratio_to_pcie_floor\":%.3f,\"mismatches\":%zu}\n",
                op.c_str(), mode, o.items, kItemBytes, median, o.items / median, floor_s,
                median / floor_s, mismatches);
    char line[256];
    std::snprintf(line, sizeof(line), "e2e     %-9s %-10s %8.3f ms  %6.2f G hashes/s  x%.2f of floor  mismatches %zu",
                  op.c_str(), mode, median * 1e3, o.items / median / 1e9, median / floor_s,
                  mismatches);
    table.lines.push_back(line);
  }
}

int Main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  const bench::RunContext run = bench::StartRun();
  const cudaDeviceProp& prop = run.device;
  const uint64_t seed = run.seed;
  const int device = 0;  // StartRun's
  int clock_khz = 0, driver = 0, runtime = 0;
  CudaCheck(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, device), "attribute");
  CudaCheck(cudaDriverGetVersion(&driver), "cudaDriverGetVersion");
  CudaCheck(cudaRuntimeGetVersion(&runtime), "cudaRuntimeGetVersion");
  std::printf("{\"bench\":\"device\",\"name\":\"%s\",\"sms\":%d,\"max_sm_clock_mhz\":%d,"
              "\"memory_bytes\":%zu,\"l2_bytes\":%d,\"cc\":\"%d.%d\",\"driver\":%d,"
              "\"runtime\":%d,\"date\":\"%s\",\"seed\":%llu}\n",
              prop.name, prop.multiProcessorCount, clock_khz / 1000, prop.totalGlobalMem,
              prop.l2CacheSize, prop.major, prop.minor, driver, runtime, run.date.c_str(),
              static_cast<unsigned long long>(seed));
  std::fflush(stdout);

  const Bandwidth bw = MeasureBandwidth(o.runs);
  const size_t in_bytes = o.items * kItemBytes;
  DeviceBuffer<uint8_t> messages(in_bytes), digests(o.items * 32);
  FillRandom<<<Blocks(in_bytes / 8, 256), 256>>>(reinterpret_cast<uint64_t*>(messages.get()),
                                                 in_bytes / 8, seed);
  CudaCheck(cudaGetLastError(), "FillRandom");
  std::vector<uint64_t> host_offsets(o.items + 1);
  for (size_t i = 0; i <= o.items; ++i) host_offsets[i] = i * kItemBytes;
  DeviceBuffer<uint64_t> offsets(o.items + 1);
  offsets.Upload(host_offsets.data(), host_offsets.size());

  Table table;
  for (const std::string& op : o.ops) {
    KernelOnly(o, bw, op, messages.get(), offsets.get(), digests.get(), table);
    std::fflush(stdout);
  }
  if (o.e2e) {
    PinnedBuffer<uint8_t> host_in(in_bytes), host_out(o.items * 32);
    CudaCheck(cudaMemcpy(host_in.get(), messages.get(), in_bytes, cudaMemcpyDeviceToHost),
              "cudaMemcpy");
    cudaStream_t streams[kStreams];
    for (auto& s : streams) {
      CudaCheck(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreate");
    }
    for (const std::string& op : o.ops) {
      const HashAlgorithm algorithm = AlgorithmOf(op);
      const double kernel_s = Median(TimeWithEvents(1, 5, [&] {
        CheckStatus(kernels::LaunchHashFixed(algorithm, messages.get(), kItemBytes, o.items,
                                             digests.get(), nullptr));
      }));
      EndToEnd(o, bw, op, host_in, host_out, messages.get(), digests.get(), streams, kernel_s,
               table);
      std::fflush(stdout);
    }
    for (auto& s : streams) CudaCheck(cudaStreamDestroy(s), "cudaStreamDestroy");
  }
  std::printf("# %s, %d SMs, %s; %zu x %zu-byte messages; copy %.2f TB/s, h2d %.1f GB/s, "
              "d2h %.1f GB/s\n",
              prop.name, prop.multiProcessorCount, run.date.c_str(), o.items, kItemBytes,
              bw.device_copy / 1e12, bw.h2d / 1e9, bw.d2h / 1e9);
  for (const auto& line : table.lines) std::printf("# %s\n", line.c_str());
  return 0;
}

}  // namespace
}  // namespace chainaccel

int main(int argc, char** argv) { return chainaccel::Main(argc, argv); }
