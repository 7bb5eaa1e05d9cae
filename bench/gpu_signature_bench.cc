// gpu_signature_bench: ECDSA secp256k1 verification and Ethereum recovery on one GPU
// (kernels/ecdsa_launch.h, GpuEngine) next to the CPU engine (libsecp256k1) on every core
// of the same machine, in one run.
//
// N signatures (default 2^20) by 1 024 random keys over random 32-byte hashes, all valid
// (made with libsecp256k1 on every core), compact encoding, no pre-hash, low S:
//   kernel - the staged records resident on the device; LaunchEcdsaVerify and
//            LaunchEcdsaRecover timed with CUDA events after a warm-up, median of R.
//   engine - GpuEngine::Run and CpuEngine::Run of the SignatureVerifyTask and
//            SignatureRecoverTask from host memory (staging, copies and all); host clock,
//            median of R.
// Every run's results are checked: every status ITEM_OK, every recovered address the
// signer's.
// One JSON line per measurement:
//   {"bench":"ecdsa","op":"verify"|"recover","where":"kernel"|"gpu:0"|"cpu","items",
//    "median_s","per_s","correct"}
// Usage: gpu_signature_bench [--items N] [--runs R]
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

#include "bench/gpu_timing.h"
#include "engines/cpu/cpu_engine.h"
#include "engines/cpu/testing/signing.h"
#include "engines/gpu/gpu_engine.h"
#include "kernels/ecdsa.cuh"
#include "kernels/ecdsa_launch.h"
#include "kernels/ecdsa_records.h"
#include "kernels/testing/device_buffer.h"

namespace chainaccel {
namespace {

using bench::Median;
using bench::MedianWallSeconds;
using bench::TimeWithEvents;
using testing::CudaCheck;
using testing::DeviceBuffer;

void CheckStatus(const Status& status) {
  if (status.ok()) return;
  std::fprintf(stderr, "gpu_signature_bench: %s\n", status.ToString().c_str());
  std::exit(1);
}

void Report(const char* op, const std::string& where, size_t n, double seconds, bool correct,
            std::vector<std::string>& table) {
  std::printf("{\"bench\":\"ecdsa\",\"op\":\"%s\",\"where\":\"%s\",\"items\":%zu,"
              "\"median_s\":%.6e,\"per_s\":%.4e,\"correct\":%s}\n",
              op, where.c_str(), n, seconds, n / seconds, correct ? "true" : "false");
  std::fflush(stdout);
  char line[200];
  std::snprintf(line, sizeof(line), "%-8s %-7s %9.2f ms  %8.3f M/s  correct %d", op,
                where.c_str(), seconds * 1e3, n / seconds * 1e-6, correct);
  table.push_back(line);
}

int Main(int argc, char** argv) {
  size_t n = size_t{1} << 20;
  int runs = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--items") == 0) n = std::stoull(argv[i + 1]);
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::stoi(argv[i + 1]);
  }
  cudaDeviceProp prop{};
  CudaCheck(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  const uint64_t seed = std::random_device{}();
  std::printf("{\"bench\":\"device\",\"name\":\"%s\",\"sms\":%d,\"host_threads\":%u,"
              "\"date\":\"%s\",\"seed\":%llu,\"items\":%zu}\n",
              prop.name, prop.multiProcessorCount, std::thread::hardware_concurrency(), date,
              static_cast<unsigned long long>(seed), n);

  // Keys, hashes and signatures, on every core.
  constexpr size_t kKeys = 1024;
  std::vector<testing::Secp256k1Key> keys;
  std::vector<testing::Bytes> addresses;
  std::mt19937_64 rng(seed);
  for (size_t k = 0; k < kKeys; ++k) {
    keys.push_back(testing::MakeSecp256k1Key(rng));
    addresses.push_back(testing::EthereumAddress(keys.back()));
  }
  std::vector<uint8_t> hashes(32 * n), compact(64 * n), recoverable(65 * n), public_keys(33 * n);
  for (size_t i = 0; i < 32 * n; i += 8) {
    const uint64_t r = rng();
    std::memcpy(&hashes[i], &r, 8);
  }
  {
    std::vector<std::thread> threads;
    const unsigned t_count = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned t = 0; t < t_count; ++t) {
      threads.emplace_back([&, t] {
        for (size_t i = t; i < n; i += t_count) {
          const auto& key = keys[i % kKeys];
          const ByteView hash(&hashes[32 * i], 32);
          const testing::Bytes sig = testing::SignEcdsaCompact(key, hash);
          std::memcpy(&compact[64 * i], sig.data(), 64);
          const testing::Bytes rsig = testing::SignRecoverable(key, hash, 27);
          std::memcpy(&recoverable[65 * i], rsig.data(), 65);
          std::memcpy(&public_keys[33 * i], key.compressed.data(), 33);
        }
      });
    }
    for (auto& th : threads) th.join();
  }

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
  const auto all_ok = [&] {
    return std::all_of(status.begin(), status.end(),
                       [](ItemStatus s) { return s == ItemStatus::kOk; });
  };
  const auto addresses_right = [&] {
    for (size_t i = 0; i < n; i += 997) {
      if (std::memcmp(&recovered_addresses[20 * i], addresses[i % kKeys].data(), 20) != 0) {
        return false;
      }
    }
    return true;
  };

  std::vector<std::string> table;
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
                                             g_table.get(), statuses.get(), nullptr));
    }));
    const std::vector<uint8_t> got = statuses.Download();
    const bool ok = std::all_of(got.begin(), got.end(),
                                [](uint8_t v) { return v == uint8_t(ItemStatus::kOk); });
    Report("verify", "kernel", n, s, ok, table);
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
                                              results.get(), nullptr));
    }));
    const std::vector<uint8_t> got = results.Download();
    bool ok = true;
    for (size_t i = 0; i < n && ok; i += 997) {
      const uint8_t* r = &got[kernels::kEcdsaRecoverResultBytes * i];
      ok = r[kernels::kEcdsaRecoverStatusOffset] == uint8_t(ItemStatus::kOk) &&
           std::memcmp(r + 64, addresses[i % kKeys].data(), 20) == 0;
    }
    Report("recover", "kernel", n, s, ok, table);
  }

  // The engines, from host memory.
  Status status_out;
  std::unique_ptr<GpuEngine> gpu = GpuEngine::Create(0, GpuEngine::Options{}, &status_out);
  CheckStatus(status_out);
  CpuEngine cpu(CpuEngine::Options{});
  for (Engine* engine : {static_cast<Engine*>(gpu.get()), static_cast<Engine*>(&cpu)}) {
    const int engine_runs = engine == &cpu ? 1 : runs;
    double s = MedianWallSeconds(1, engine_runs, [&] {
      std::fill(status.begin(), status.end(), ItemStatus::kUnspecified);
      Task task = verify;
      CheckStatus(engine->Run(task));
    });
    Report("verify", engine->info().name, n, s, all_ok(), table);
    s = MedianWallSeconds(1, engine_runs, [&] {
      std::fill(status.begin(), status.end(), ItemStatus::kUnspecified);
      Task task = recover;
      CheckStatus(engine->Run(task));
    });
    Report("recover", engine->info().name, n, s, all_ok() && addresses_right(), table);
  }
  std::printf("# %s, %d SMs, %s; %zu signatures; CPU engine %u threads\n", prop.name,
              prop.multiProcessorCount, date, n, cpu.info().threads);
  for (const auto& line : table) std::printf("# %s\n", line.c_str());
  return 0;
}

}  // namespace
}  // namespace chainaccel

int main(int argc, char** argv) { return chainaccel::Main(argc, argv); }
