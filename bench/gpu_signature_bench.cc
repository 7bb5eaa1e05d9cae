// gpu_signature_bench: ECDSA secp256k1 verification, Ethereum recovery, Ed25519 and
// BIP-340 Schnorr verification on one GPU (kernels/ecdsa_launch.h,
// kernels/ed25519_launch.h, kernels/bip340_launch.h, GpuEngine) next to the CPU engine
// (libsecp256k1, libsodium) on every core of the same machine, in one run.
//
// N signatures (default 2^20) by 1 024 random keys over random 32-byte hashes (ECDSA:
// compact encoding, no pre-hash, low S; Ed25519: the 32 bytes are the message; BIP-340:
// random messages of M bytes, default 32, BIP-340 proper), all valid (made with
// libsecp256k1 / libsodium on every core):
//   kernel - the staged records (and, for Ed25519 and BIP-340, the packed messages)
//            resident on the device; LaunchEcdsaVerify, LaunchEcdsaRecover,
//            LaunchEd25519Verify and LaunchBip340Verify timed with CUDA events after a
//            warm-up, median of R.
//   engine - GpuEngine::Run and CpuEngine::Run of the SignatureVerifyTask and
//            SignatureRecoverTask from host memory (staging, copies and all); host clock,
//            median of R.
// Every run's results are checked: every status ITEM_OK, every recovered address the
// signer's.
// One JSON line per measurement:
//   {"bench":"ecdsa"|"ed25519"|"schnorr","op":"verify"|"recover",
//    "where":"kernel"|"kernel-thread"|"kernel-split"|"kernel-split-quad"|"gpu:0"|"cpu",
//    "items","median_s",
//    "per_s","correct"}
// Usage: gpu_signature_bench [--items N] [--runs R] [--schemes ecdsa,ed25519,schnorr]
//                            [--schnorr-message-bytes M] [--no-cpu]
//                            [--layout auto|thread|split|quad]
// --no-cpu: the CPU engine signs the inputs but is not measured (A/B runs of GPU builds).
// --layout: the signature kernels' layout (kernels/signature_layout.h; default auto, as
// the engine runs them); "where" is then "kernel-thread", "kernel-split" or
// "kernel-split-quad".
#include <cuda_runtime_api.h>

#include <algorithm>
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
#include "tests/support/signing.h"
#include "engines/gpu/gpu_engine.h"
#include "kernels/bip340.cuh"
#include "kernels/bip340_launch.h"
#include "kernels/bip340_records.h"
#include "kernels/ecdsa.cuh"
#include "kernels/ecdsa_launch.h"
#include "kernels/ecdsa_records.h"
#include "kernels/ed25519.cuh"
#include "kernels/ed25519_launch.h"
#include "kernels/testing/device_buffer.h"

namespace chainaccel {
namespace {

using bench::Median;
using bench::MedianWallSeconds;
using bench::TimeWithEvents;
using testing::CudaCheck;
using testing::DeviceBuffer;

void CheckStatus(const Status& status) { bench::CheckStatus("gpu_signature_bench", status); }

void Report(const char* bench, const char* op, const std::string& where, size_t n,
            double seconds, bool correct, std::vector<std::string>& table) {
  std::printf("{\"bench\":\"%s\",\"op\":\"%s\",\"where\":\"%s\",\"items\":%zu,"
              "\"median_s\":%.6e,\"per_s\":%.4e,\"correct\":%s}\n",
              bench, op, where.c_str(), n, seconds, n / seconds, correct ? "true" : "false");
  std::fflush(stdout);
  char line[200];
  std::snprintf(line, sizeof(line), "%-8s %-8s %-7s %9.2f ms  %8.3f M/s  correct %d", bench,
                op, where.c_str(), seconds * 1e3, n / seconds * 1e-6, correct);
  table.push_back(line);
}

// Runs fill(i) for i < n on the CPU engine's threads.
template <class F>
void ForEachOnAllCores(CpuEngine& cpu, size_t n, F fill) {
  cpu.pool().ParallelFor(n, 256, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) fill(i);
  });
}

std::vector<uint8_t> RandomBytes(std::mt19937_64& rng, size_t size) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i + 8 <= size; i += 8) {
    const uint64_t r = rng();
    std::memcpy(&bytes[i], &r, 8);
  }
  return bytes;
}

bool AllOk(const std::vector<ItemStatus>& status) {
  return std::all_of(status.begin(), status.end(),
                     [](ItemStatus s) { return s == ItemStatus::kOk; });
}

// Kernel-only: `records` (one per item), the packed `messages` and their n + 1 `offsets`
// resident on the device; launch(records, messages, offsets, statuses) enqueues the
// scheme's kernel on the default stream and is timed with CUDA events after a warm-up,
// median of `runs`. Reports, as `where`, whether every status is ITEM_OK.
template <class Launch>
void BenchPackedVerifyKernel(const char* bench, const std::string& where,
                             const std::vector<uint8_t>& records,
                             const std::vector<uint8_t>& messages,
                             const std::vector<uint64_t>& offsets, int runs, Launch launch,
                             std::vector<std::string>& table) {
  const size_t n = offsets.size() - 1;
  DeviceBuffer<uint8_t> device_records(records.size()), device_messages(messages.size()),
      statuses(n);
  DeviceBuffer<uint64_t> device_offsets(offsets.size());
  device_records.Upload(records.data(), records.size());
  device_messages.Upload(messages.data(), messages.size());
  device_offsets.Upload(offsets.data(), offsets.size());
  statuses.Fill(0);
  const double s = Median(TimeWithEvents(1, runs, [&] {
    CheckStatus(launch(device_records.get(), device_messages.get(), device_offsets.get(),
                       statuses.get()));
  }));
  const std::vector<uint8_t> got = statuses.Download();
  const bool ok = std::all_of(got.begin(), got.end(),
                              [](uint8_t v) { return v == uint8_t(ItemStatus::kOk); });
  Report(bench, "verify", where, n, s, ok, table);
}

// The layout of the secp256k1 kernels (--layout) and its name in "where".
kernels::SignatureLayout kernel_layout = kernels::SignatureLayout::kAuto;
std::string KernelWhere() {
  switch (kernel_layout) {
    case kernels::SignatureLayout::kThreadPerItem: return "kernel-thread";
    case kernels::SignatureLayout::kSplit: return "kernel-split";
    case kernels::SignatureLayout::kSplitQuad: return "kernel-split-quad";
    case kernels::SignatureLayout::kAuto: break;
  }
  return "kernel";
}

// The engines measured from host memory: the GPU engine, and the CPU engine unless
// --no-cpu (A/B comparisons of two GPU builds, where its ~5 s a measurement tell nothing).
bool measure_cpu_engine = true;
std::vector<Engine*> EnginesToMeasure(GpuEngine& gpu, CpuEngine& cpu) {
  std::vector<Engine*> engines{&gpu};
  if (measure_cpu_engine) engines.push_back(&cpu);
  return engines;
}

// `verify` (whose statuses go to `status`) through the GPU engine (median of `runs`) and
// the CPU engine (once), from host memory.
void BenchVerifyEngines(const char* bench, const SignatureVerifyTask& verify,
                        std::vector<ItemStatus>& status, int runs, GpuEngine& gpu,
                        CpuEngine& cpu, std::vector<std::string>& table) {
  for (Engine* engine : EnginesToMeasure(gpu, cpu)) {
    const double s = MedianWallSeconds(1, engine == &cpu ? 1 : runs, [&] {
      std::fill(status.begin(), status.end(), ItemStatus::kUnspecified);
      Task task = verify;
      CheckStatus(engine->Run(task));
    });
    Report(bench, "verify", engine->info().name, status.size(), s, AllOk(status), table);
  }
}

void BenchEcdsa(size_t n, int runs, uint64_t seed, GpuEngine& gpu, CpuEngine& cpu,
                std::vector<std::string>& table) {
  // Keys, hashes and signatures, on every core.
  constexpr size_t kKeys = 1024;
  std::vector<testing::Secp256k1Key> keys;
  std::vector<testing::Bytes> addresses;
  std::mt19937_64 rng(seed);
  for (size_t k = 0; k < kKeys; ++k) {
    keys.push_back(testing::MakeSecp256k1Key(rng));
    addresses.push_back(testing::EthereumAddress(keys.back()));
  }
  const std::vector<uint8_t> hashes = RandomBytes(rng, 32 * n);
  std::vector<uint8_t> compact(64 * n), recoverable(65 * n), public_keys(33 * n);
  ForEachOnAllCores(cpu, n, [&](size_t i) {
    const auto& key = keys[i % kKeys];
    const ByteView hash(&hashes[32 * i], 32);
    const testing::Bytes sig = testing::SignEcdsaCompact(key, hash);
    std::memcpy(&compact[64 * i], sig.data(), 64);
    const testing::Bytes rsig = testing::SignRecoverable(key, hash, 27);
    std::memcpy(&recoverable[65 * i], rsig.data(), 65);
    std::memcpy(&public_keys[33 * i], key.compressed.data(), 33);
  });

  SignatureVerifyTask verify;
  verify.scheme = SignatureScheme::kEcdsaSecp256k1;
  verify.messages = PackedItems::Fixed(hashes, 32);
  verify.public_keys = PackedItems::Fixed(public_keys, 33);
  verify.signatures = PackedItems::Fixed(compact, 64);
  std::vector<ItemStatus> status(n);
  verify.status = status.data();
  std::vector<uint8_t> recovered_keys(64 * n), recovered_addresses(20 * n);
  SignatureRecoverTask recover{n, hashes.data(), recoverable.data(), false,
                               recovered_keys.data(), recovered_addresses.data(), status.data()};
  const auto addresses_right = [&] {
    for (size_t i = 0; i < n; i += 997) {
      if (std::memcmp(&recovered_addresses[20 * i], addresses[i % kKeys].data(), 20) != 0) {
        return false;
      }
    }
    return true;
  };

  // Kernel-only: records resident on the device.
  const std::vector<kernels::AffinePoint>& host_table = kernels::Secp256k1GeneratorTable();
  DeviceBuffer<kernels::AffinePoint> g_table(host_table.size());
  g_table.Upload(host_table.data(), host_table.size());
  {
    std::vector<uint8_t> records(kernels::kEcdsaVerifyRecordBytes * n);
    for (size_t i = 0; i < n; ++i) {
      kernels::StageEcdsaVerifyRecord(verify, i, &records[kernels::kEcdsaVerifyRecordBytes * i]);
    }
    DeviceBuffer<uint8_t> device_records(records.size()), statuses(n);
    device_records.Upload(records.data(), records.size());
    statuses.Fill(0);
    const double s = Median(TimeWithEvents(1, runs, [&] {
      CheckStatus(kernels::LaunchEcdsaVerify(device_records.get(), nullptr, n, false,
                                             g_table.get(), statuses.get(), kernel_layout,
                                             nullptr));
    }));
    const std::vector<uint8_t> got = statuses.Download();
    const bool ok = std::all_of(got.begin(), got.end(),
                                [](uint8_t v) { return v == uint8_t(ItemStatus::kOk); });
    Report("ecdsa", "verify", KernelWhere(), n, s, ok, table);
  }
  {
    std::vector<uint8_t> records(kernels::kEcdsaRecoverRecordBytes * n);
    for (size_t i = 0; i < n; ++i) {
      kernels::StageEcdsaRecoverRecord(recover, i, &records[kernels::kEcdsaRecoverRecordBytes * i]);
    }
    DeviceBuffer<uint8_t> device_records(records.size()),
        results(kernels::kEcdsaRecoverResultBytes * n);
    device_records.Upload(records.data(), records.size());
    const double s = Median(TimeWithEvents(1, runs, [&] {
      CheckStatus(kernels::LaunchEcdsaRecover(device_records.get(), n, false, g_table.get(),
                                              results.get(), kernel_layout, nullptr));
    }));
    const std::vector<uint8_t> got = results.Download();
    bool ok = true;
    for (size_t i = 0; i < n && ok; i += 997) {
      const uint8_t* r = &got[kernels::kEcdsaRecoverResultBytes * i];
      ok = r[kernels::kEcdsaRecoverStatusOffset] == uint8_t(ItemStatus::kOk) &&
           std::memcmp(r + 64, addresses[i % kKeys].data(), 20) == 0;
    }
    Report("ecdsa", "recover", KernelWhere(), n, s, ok, table);
  }

  // The engines, from host memory.
  for (Engine* engine : EnginesToMeasure(gpu, cpu)) {
    const int engine_runs = engine == &cpu ? 1 : runs;
    double s = MedianWallSeconds(1, engine_runs, [&] {
      std::fill(status.begin(), status.end(), ItemStatus::kUnspecified);
      Task task = verify;
      CheckStatus(engine->Run(task));
    });
    Report("ecdsa", "verify", engine->info().name, n, s, AllOk(status), table);
    s = MedianWallSeconds(1, engine_runs, [&] {
      std::fill(status.begin(), status.end(), ItemStatus::kUnspecified);
      Task task = recover;
      CheckStatus(engine->Run(task));
    });
    Report("ecdsa", "recover", engine->info().name, n, s, AllOk(status) && addresses_right(), table);
  }
}

void BenchEd25519(size_t n, int runs, uint64_t seed, GpuEngine& gpu, CpuEngine& cpu,
                  std::vector<std::string>& table) {
  constexpr size_t kKeys = 1024;
  std::mt19937_64 rng(seed + 1);
  std::vector<testing::Ed25519Key> keys;
  for (size_t k = 0; k < kKeys; ++k) keys.push_back(testing::MakeEd25519Key(rng));
  const std::vector<uint8_t> messages = RandomBytes(rng, 32 * n);
  std::vector<uint8_t> signatures(64 * n), public_keys(32 * n);
  ForEachOnAllCores(cpu, n, [&](size_t i) {
    const auto& key = keys[i % kKeys];
    const testing::Bytes sig = testing::SignEd25519(key, ByteView(&messages[32 * i], 32));
    std::memcpy(&signatures[64 * i], sig.data(), 64);
    std::memcpy(&public_keys[32 * i], key.public_key.data(), 32);
  });
  SignatureVerifyTask verify;
  verify.scheme = SignatureScheme::kEd25519;
  verify.messages = PackedItems::Fixed(messages, 32);
  verify.public_keys = PackedItems::Fixed(public_keys, 32);
  verify.signatures = PackedItems::Fixed(signatures, 64);
  std::vector<ItemStatus> status(n);
  verify.status = status.data();

  // Kernel-only: records, messages and their offsets resident on the device.
  const std::vector<kernels::EdPrecomputed>& host_table = kernels::Ed25519BaseTable();
  DeviceBuffer<kernels::EdPrecomputed> base_table(host_table.size());
  base_table.Upload(host_table.data(), host_table.size());
  std::vector<uint8_t> records(kernels::kEd25519RecordBytes * n);
  std::vector<uint64_t> offsets(n + 1);
  for (size_t i = 0; i < n; ++i) {
    kernels::StageEd25519Record(verify, i, &records[kernels::kEd25519RecordBytes * i]);
    offsets[i] = 32 * i;
  }
  offsets[n] = 32 * n;
  BenchPackedVerifyKernel(
      "ed25519", KernelWhere(), records, messages, offsets, runs,
      [&](const uint8_t* device_records, const uint8_t* device_messages,
          const uint64_t* device_offsets, uint8_t* statuses) {
        return kernels::LaunchEd25519Verify(device_records, device_messages, device_offsets,
                                            nullptr, n, base_table.get(), statuses,
                                            kernel_layout, nullptr);
      },
      table);
  BenchVerifyEngines("ed25519", verify, status, runs, gpu, cpu, table);
}

void BenchSchnorr(size_t n, size_t message_bytes, int runs, uint64_t seed, GpuEngine& gpu,
                  CpuEngine& cpu, std::vector<std::string>& table) {
  constexpr size_t kKeys = 1024;
  std::mt19937_64 rng(seed + 2);
  std::vector<testing::Secp256k1Key> keys;
  for (size_t k = 0; k < kKeys; ++k) keys.push_back(testing::MakeSecp256k1Key(rng));
  const std::vector<uint8_t> messages = RandomBytes(rng, message_bytes * n);
  std::vector<uint8_t> signatures(64 * n), public_keys(32 * n);
  std::vector<uint64_t> offsets(n + 1);
  for (size_t i = 0; i <= n; ++i) offsets[i] = message_bytes * i;
  SignatureVerifyTask verify;
  verify.scheme = SignatureScheme::kSchnorrBip340;
  verify.messages = PackedItems::Variable(messages, offsets);
  verify.public_keys = PackedItems::Fixed(public_keys, 32);
  verify.signatures = PackedItems::Fixed(signatures, 64);
  ForEachOnAllCores(cpu, n, [&](size_t i) {
    const auto& key = keys[i % kKeys];
    std::mt19937_64 aux_rng(seed + i);  // the signature's auxiliary randomness, per item
    const testing::Bytes sig = testing::SignSchnorr(key, verify.messages[i], aux_rng);
    std::memcpy(&signatures[64 * i], sig.data(), 64);
    std::memcpy(&public_keys[32 * i], key.x_only.data(), 32);
  });
  std::vector<ItemStatus> status(n);
  verify.status = status.data();

  // Kernel-only: records, messages and their offsets resident on the device.
  const std::vector<kernels::AffinePoint>& host_table = kernels::Secp256k1GeneratorTable();
  DeviceBuffer<kernels::AffinePoint> g_table(host_table.size());
  g_table.Upload(host_table.data(), host_table.size());
  std::vector<uint8_t> records(kernels::kBip340RecordBytes * n);
  for (size_t i = 0; i < n; ++i) {
    kernels::StageBip340Record(verify, i, &records[kernels::kBip340RecordBytes * i]);
  }
  BenchPackedVerifyKernel(
      "schnorr", KernelWhere(), records, messages, offsets, runs,
      [&](const uint8_t* device_records, const uint8_t* device_messages,
          const uint64_t* device_offsets, uint8_t* statuses) {
        return kernels::LaunchBip340Verify(device_records, device_messages, device_offsets,
                                           nullptr, n, g_table.get(), statuses, kernel_layout,
                                           nullptr);
      },
      table);
  BenchVerifyEngines("schnorr", verify, status, runs, gpu, cpu, table);
}

struct Options {
  size_t items = size_t{1} << 20;
  int runs = 5;
  bool ecdsa = true, ed25519 = true, schnorr = true;
  bool cpu = true;  // measure the CPU engine too
  kernels::SignatureLayout layout = kernels::SignatureLayout::kAuto;
  // BIP-340 signs 32-byte messages; other lengths exercise the challenge hash's blocks.
  size_t schnorr_message_bytes = 32;
};

[[noreturn]] void Usage(const char* problem) {
  std::fprintf(stderr,
               "gpu_signature_bench: %s\nusage: gpu_signature_bench [--items N] [--runs R] "
               "[--schemes ecdsa,ed25519,schnorr] [--schnorr-message-bytes M] [--no-cpu] "
               "[--layout auto|thread|split|quad]\n",
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
    } else if (arg == "--schnorr-message-bytes") {
      o.schnorr_message_bytes = std::stoull(value());
    } else if (arg == "--no-cpu") {
      o.cpu = false;
    } else if (arg == "--layout") {
      const std::string layout = value();
      if (layout == "auto") {
        o.layout = kernels::SignatureLayout::kAuto;
      } else if (layout == "thread") {
        o.layout = kernels::SignatureLayout::kThreadPerItem;
      } else if (layout == "split") {
        o.layout = kernels::SignatureLayout::kSplit;
      } else if (layout == "quad") {
        o.layout = kernels::SignatureLayout::kSplitQuad;
      } else {
        Usage(("unknown layout " + layout).c_str());
      }
    } else if (arg == "--schemes") {
      o.ecdsa = o.ed25519 = o.schnorr = false;
      for (const std::string& scheme : SplitList(value())) {
        if (scheme == "ecdsa") {
          o.ecdsa = true;
        } else if (scheme == "ed25519") {
          o.ed25519 = true;
        } else if (scheme == "schnorr") {
          o.schnorr = true;
        } else {
          Usage(("unknown scheme " + scheme).c_str());
        }
      }
    } else {
      Usage(("unknown option " + arg).c_str());
    }
  });
  return o;
}

int Main(int argc, char** argv) {
  const Options options = ParseOptions(argc, argv);
  measure_cpu_engine = options.cpu;
  kernel_layout = options.layout;
  const size_t n = options.items;
  const int runs = options.runs;
  const bench::RunContext run = bench::StartRun();
  const cudaDeviceProp& prop = run.device;
  const uint64_t seed = run.seed;
  std::printf("{\"bench\":\"device\",\"name\":\"%s\",\"sms\":%d,\"host_threads\":%u,"
              "\"date\":\"%s\",\"seed\":%llu,\"items\":%zu}\n",
              prop.name, prop.multiProcessorCount, std::thread::hardware_concurrency(), run.date.c_str(),
              static_cast<unsigned long long>(seed), n);
  Status status_out;
  std::unique_ptr<GpuEngine> gpu = GpuEngine::Create(0, GpuEngine::Options{}, &status_out);
  CheckStatus(status_out);
  CpuEngine cpu(CpuEngine::Options{});
  std::vector<std::string> table;
  if (options.ecdsa) BenchEcdsa(n, runs, seed, *gpu, cpu, table);
  if (options.ed25519) BenchEd25519(n, runs, seed, *gpu, cpu, table);
  if (options.schnorr) {
    BenchSchnorr(n, options.schnorr_message_bytes, runs, seed, *gpu, cpu, table);
  }
  std::printf("# %s, %d SMs, %s; %zu signatures; CPU engine %u threads\n", prop.name,
              prop.multiProcessorCount, run.date.c_str(), n, cpu.info().threads);
  for (const auto& line : table) std::printf("# %s\n", line.c_str());
  return 0;
}

}  // namespace
}  // namespace chainaccel

int main(int argc, char** argv) { return chainaccel::Main(argc, argv); }
