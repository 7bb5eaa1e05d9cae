// gpu_zk_bench: the Groth16 kernels of kernels/zk on one GPU, kernel-only.
//
// In one process (a seed is printed):
//   copy    - the device-to-device copy rate (bytes read + written), the memory ceiling.
//   fp_mul  - Fp Montgomery multiplications per second (independent chains, all SMs busy):
//             the arithmetic ceiling the MSM's bucket additions run against.
//   msm_g1  - LaunchMsmG1 for n = 2^msm-min .. 2^msm-max points resident on the device
//             (msm_g2: LaunchMsmG2 for 2^g2-min .. 2^g2-max, bases k_i·G2).
//             Bases: a pool of min(n_max, 2^20) random points k_i·G made on the device
//             (MultiplesOfGeneratorOnDevice, random k_i), tiled to n (base i is pool point
//             i mod pool size: the MSM's work depends on the scalars, not on whether bases
//             repeat). Scalars: uniform random below r. Every size is checked: the result
//             must equal (Σ s_i·k_(i mod pool))·G, computed on the CPU with crypto/bn254.
//   ntt     - LaunchNtt forward, in place, 2^ntt-min .. 2^ntt-max random elements.
//   h_coset - LaunchHCoset (snarkjs's H step: 3 inverse NTTs, 3 coset scalings, 3 forward
//             NTTs, pointwise products) over the same sizes.
//   msm_window - Launch*WithWindow at 2^20 and 2^24 for windows 12..20, G1 and G2 (the
//             data behind MsmWindowWidth; each result checked like msm_g1's).
//   proof_g1, proof_msms - the MSM side of a proof of 2^proof-log constraints: the H step,
//             h to canonical, four G1 MSMs of that size, and (proof_msms) the G2 MSM
//             (BenchProof says what is left out).
// Each launch timed with CUDA events on the default stream after W warm-ups; median of R.
//
// One JSON line per measurement:
//   {"bench":"copy","bytes","median_s","bytes_per_s"}
//   {"bench":"fp_mul","limbs","products","median_s","products_per_s"}
//   {"bench":"msm_g1","n","window_bits","windows","median_s","min_s","points_per_s",
//    "bucket_adds","field_muls_per_s","correct"}
//   {"bench":"ntt"|"h_coset","log_n","median_s","min_s","elements_per_s","stage_bytes_per_s",
//    "ratio_to_copy"}
//   {"bench":"proof_g1"|"proof_msms","log_n","median_s","min_s"}
//   {"bench":"msm_window","group","n","window_bits","median_s","chosen","correct"}
// bucket_adds = n·W mixed additions (at most: zero digits add nothing), 10 field
// multiplications each (madd-2008-s, 8M + 2S; G2: 30 Fp products, Karatsuba); the bucket reduction and the sort are not
// counted, so field_muls_per_s is a lower bound of the rate the kernels reach.
// stage_bytes: 64 bytes read and written per element per radix-2 stage that runs in global
// memory (log_n - 10 of them) plus 64 per element for the bit reversal and the shared-memory
// pass.
//
// Usage: gpu_zk_bench [--msm-min L] [--msm-max L] [--g2-min L] [--g2-max L] [--ntt-min L]
//                     [--ntt-max L] [--runs R] [--warmups W] [--seed S] [--proof-log L (0: none)]
//                     [--no-sweep]
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "bench/arguments.h"
#include "bench/check_status.h"
#include "bench/gpu_timing.h"
#include "crypto/bn254/curve.h"
#include "crypto/bn254/field.h"
#include "kernels/testing/device_buffer.h"
#include "kernels/zk/msm_digits.cuh"
#include "kernels/zk/msm_launch.h"
#include "kernels/zk/ntt_launch.h"
#include "kernels/zk/testing/zk_device_helpers.h"
#include "kernels/zk/testing/zk_test_values.h"

namespace chainaccel {
namespace {

using bench::Median;
using bench::TimeWithEvents;
using testing::CudaCheck;
using testing::DeviceBuffer;

constexpr const char* kProgram = "gpu_zk_bench";
constexpr size_t kMaxPoolLog = 20;
constexpr int kNttSharedStages = 10;  // = kNttSharedLogSize in kernels/zk/ntt_kernels.cuh

struct Options {
  int msm_min = 16, msm_max = 26, g2_min = 16, g2_max = 24, ntt_min = 16, ntt_max = 24,
      runs = 5, warmups = 2;
  int proof_log = 20;  // 0: no proof_g1 measurement
  std::vector<int> sweep = {20, 24};  // sizes of the window sweep
  uint64_t seed = std::random_device{}();
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "%s: %s\nusage: %s [--msm-min L] [--msm-max L] [--g2-min L] [--g2-max L] "
               "[--ntt-min L] [--ntt-max L] "
               "[--runs R] [--warmups W] [--seed S] [--proof-log L] [--no-sweep]\n",
               kProgram, why, kProgram);
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  bench::ForEachArgument(argc, argv, Usage, [&](const std::string& a, auto value) {
    if (a == "--msm-min") o.msm_min = std::stoi(value());
    else if (a == "--msm-max") o.msm_max = std::stoi(value());
    else if (a == "--g2-min") o.g2_min = std::stoi(value());
    else if (a == "--g2-max") o.g2_max = std::stoi(value());
    else if (a == "--ntt-min") o.ntt_min = std::stoi(value());
    else if (a == "--ntt-max") o.ntt_max = std::stoi(value());
    else if (a == "--runs") o.runs = std::stoi(value());
    else if (a == "--warmups") o.warmups = std::stoi(value());
    else if (a == "--seed") o.seed = std::stoull(value());
    else if (a == "--proof-log") o.proof_log = std::stoi(value());
    else if (a == "--no-sweep") o.sweep.clear();
    else Usage(("unknown argument " + a).c_str());
  });
  return o;
}

// A uniform-enough scalar below r: the top limb below r's (r's other limbs are ignored,
// so the values stay below r).
bn254::U256 RandomScalar(std::mt19937_64& rng) {
  return {rng(), rng(), rng(), rng() % bn254::FrParams::kModulus[3]};
}

double MeasureCopy(const Options& o) {
  const size_t bytes = size_t{1} << 30;
  DeviceBuffer<uint8_t> a(bytes), b(bytes);
  a.Fill(1);
  const double s = Median(TimeWithEvents(o.warmups, o.runs, [&] {
    CudaCheck(cudaMemcpyAsync(b.get(), a.get(), bytes, cudaMemcpyDeviceToDevice, nullptr),
              "cudaMemcpyAsync");
  }));
  const double rate = 2.0 * bytes / s;
  std::printf("{\"bench\":\"copy\",\"bytes\":%zu,\"median_s\":%.6g,\"bytes_per_s\":%.4g}\n",
              2 * bytes, s, rate);
  return rate;
}

// Fp multiplications per second: 132 SMs' worth of threads many times over, each with four
// independent chains of products (kernels/zk/testing FpMulThroughputOnDevice).
void MeasureFieldMul(const Options& o) {
  constexpr size_t kThreadsTotal = size_t{1} << 20;
  constexpr int kRounds = 256;
  DeviceBuffer<uint64_t> sink(4 * kThreadsTotal);
  for (const bool limbs32 : {false, true}) {
    const double s = Median(TimeWithEvents(o.warmups, o.runs, [&] {
      kernels::zk::testing::FpMulThroughputOnDevice(kThreadsTotal, kRounds, sink.get(), nullptr,
                                                    limbs32);
    }));
    const double muls = 4.0 * kRounds * kThreadsTotal;
    std::printf("{\"bench\":\"fp_mul\",\"limbs\":\"%s\",\"products\":%.4g,\"median_s\":%.6g,"
                "\"products_per_s\":%.4g}\n",
                limbs32 ? "8x32 (experiment)" : "4x64 (kernels)", muls, s, muls / s);
    std::fflush(stdout);
  }
}

// The MSM entry points of one group: G1 (8-limb bases, 12-limb results) or G2 (16, 24).
struct Group {
  const char* name;  // "msm_g1" or "msm_g2"
  size_t base_limbs, result_limbs;
  Status (*workspace_bytes)(size_t, size_t*);
  Status (*workspace_bytes_for_window)(size_t, int, size_t*);
  Status (*launch)(const uint64_t*, const uint64_t*, size_t, uint64_t*, void*, size_t,
                   cudaStream_t);
  Status (*launch_with_window)(int, const uint64_t*, const uint64_t*, size_t, uint64_t*, void*,
                               size_t, cudaStream_t);
  bool g2;
};
const Group kG1 = {"msm_g1", 8, 12, kernels::zk::MsmG1WorkspaceBytes,
                   kernels::zk::MsmG1WorkspaceBytesForWindow, kernels::zk::LaunchMsmG1,
                   kernels::zk::LaunchMsmG1WithWindow, false};
const Group kG2 = {"msm_g2", 16, 24, kernels::zk::MsmG2WorkspaceBytes,
                   kernels::zk::MsmG2WorkspaceBytesForWindow, kernels::zk::LaunchMsmG2,
                   kernels::zk::LaunchMsmG2WithWindow, true};

struct BasePool {
  DeviceBuffer<uint64_t> bases;  // n_max points, the pool tiled
  std::vector<bn254::Fr> logs;   // the pool's logarithms
};

BasePool MakeBases(std::mt19937_64& rng, size_t n_max, const Group& group) {
  const size_t pool = std::min(n_max, size_t{1} << kMaxPoolLog);
  std::vector<uint64_t> scalar_limbs;
  BasePool out;
  for (size_t i = 0; i < pool; ++i) {
    const bn254::U256 k = RandomScalar(rng);
    scalar_limbs.insert(scalar_limbs.end(), k.begin(), k.end());
    out.logs.push_back(bn254::Fr::FromCanonical(k).value());
  }
  DeviceBuffer<uint64_t> d_scalars(scalar_limbs.size());
  d_scalars.Upload(scalar_limbs.data(), scalar_limbs.size());
  const size_t limbs = group.base_limbs;
  out.bases = DeviceBuffer<uint64_t>(limbs * n_max);
  if (group.g2) {
    const std::vector<bn254::G2Affine> g = {bn254::G2Affine::Generator()};
    kernels::zk::testing::MultiplesOfG2PointOnDevice(kernels::zk::testing::AffineLimbs(g).data(),
                                                     d_scalars.get(), pool, out.bases.get(),
                                                     nullptr);
  } else {
    kernels::zk::testing::MultiplesOfGeneratorOnDevice(d_scalars.get(), pool, out.bases.get(),
                                                       nullptr);
  }
  for (size_t at = pool; at < n_max; at += pool) {
    CudaCheck(cudaMemcpy(out.bases.get() + limbs * at, out.bases.get(),
                         limbs * sizeof(uint64_t) * std::min(pool, n_max - at),
                         cudaMemcpyDeviceToDevice),
              "tile bases");
  }
  CudaCheck(cudaDeviceSynchronize(), "make bases");
  return out;
}

// Σ s_i·k_(i mod pool) over the first n scalars.
bn254::Fr ExpectedLog(const std::vector<uint64_t>& scalars, const std::vector<bn254::Fr>& logs,
                      size_t n) {
  bn254::Fr sum = bn254::Fr::Zero();
  for (size_t i = 0; i < n; ++i) {
    const bn254::U256 s = {scalars[4 * i], scalars[4 * i + 1], scalars[4 * i + 2],
                           scalars[4 * i + 3]};
    sum += bn254::Fr::FromCanonicalUnchecked(s) * logs[i % logs.size()];
  }
  return sum;
}

// Whether the device's Jacobian result equals log·G of the group.
bool ResultIs(const Group& group, const DeviceBuffer<uint64_t>& result, const bn254::Fr& log) {
  namespace zt = kernels::zk::testing;
  const std::vector<uint64_t> l = result.Download();
  if (group.g2) return zt::G2JacobianFromLimbs(l.data()) == bn254::G2::Generator().ScalarMulVar(log);
  return zt::JacobianFromLimbs(l.data()) == bn254::G1::Generator().ScalarMulVar(log);
}

std::vector<uint64_t> RandomScalars(std::mt19937_64& rng, size_t n) {
  std::vector<uint64_t> scalars(4 * n);
  for (size_t i = 0; i < n; ++i) {
    const bn254::U256 s = RandomScalar(rng);
    std::copy(s.begin(), s.end(), scalars.begin() + 4 * i);
  }
  return scalars;
}

void BenchMsm(const Options& o, std::mt19937_64& rng, const Group& group, int min_log,
              int max_log) {
  const size_t n_max = size_t{1} << max_log;
  const BasePool pool = MakeBases(rng, n_max, group);
  const std::vector<uint64_t> scalars = RandomScalars(rng, n_max);
  DeviceBuffer<uint64_t> d_scalars(scalars.size()), result(group.result_limbs);
  d_scalars.Upload(scalars.data(), scalars.size());
  size_t bytes = 0;
  bench::CheckStatus(kProgram, group.workspace_bytes(n_max, &bytes));
  DeviceBuffer<uint8_t> workspace(bytes);
  for (int log_n = min_log; log_n <= max_log; ++log_n) {
    const size_t n = size_t{1} << log_n;
    size_t need = 0;
    bench::CheckStatus(kProgram, group.workspace_bytes(n, &need));
    const std::vector<double> seconds = TimeWithEvents(o.warmups, o.runs, [&] {
      bench::CheckStatus(kProgram, group.launch(pool.bases.get(), d_scalars.get(), n,
                                                result.get(), workspace.get(), need, nullptr));
    });
    const bool correct = ResultIs(group, result, ExpectedLog(scalars, pool.logs, n));
    const int c = kernels::zk::MsmWindowWidth(n);
    const int windows = kernels::zk::MsmWindowCount(c);
    const double median = Median(seconds);
    const double adds = static_cast<double>(n) * windows;
    const double muls_per_add = group.g2 ? 30 : 10;  // an Fp2 product is 3 Fp ones
    std::printf("{\"bench\":\"%s\",\"n\":%zu,\"window_bits\":%d,\"windows\":%d,"
                "\"median_s\":%.6g,\"min_s\":%.6g,\"points_per_s\":%.4g,\"bucket_adds\":%.4g,"
                "\"field_muls_per_s\":%.4g,\"workspace_bytes\":%zu,\"correct\":%s}\n",
                group.name, n, c, windows, median,
                *std::min_element(seconds.begin(), seconds.end()), n / median, adds,
                muls_per_add * adds / median, need, correct ? "true" : "false");
    std::fflush(stdout);
  }
}

// Launch*WithWindow for each window width in [12, 20] at n = 2^log_n: the measurement
// behind MsmWindowWidth.
void SweepWindows(const Options& o, std::mt19937_64& rng, const Group& group, int log_n) {
  const size_t n = size_t{1} << log_n;
  const BasePool pool = MakeBases(rng, n, group);
  const std::vector<uint64_t> scalars = RandomScalars(rng, n);
  DeviceBuffer<uint64_t> d_scalars(scalars.size()), result(group.result_limbs);
  d_scalars.Upload(scalars.data(), scalars.size());
  const bn254::Fr expected = ExpectedLog(scalars, pool.logs, n);
  for (int c = 12; c <= 20; ++c) {
    size_t bytes = 0;
    bench::CheckStatus(kProgram, group.workspace_bytes_for_window(n, c, &bytes));
    DeviceBuffer<uint8_t> workspace(bytes);
    const std::vector<double> seconds = TimeWithEvents(o.warmups, o.runs, [&] {
      bench::CheckStatus(kProgram, group.launch_with_window(c, pool.bases.get(), d_scalars.get(),
                                                            n, result.get(), workspace.get(),
                                                            bytes, nullptr));
    });
    std::printf("{\"bench\":\"msm_window\",\"group\":\"%s\",\"n\":%zu,\"window_bits\":%d,"
                "\"median_s\":%.6g,\"chosen\":%s,\"correct\":%s}\n",
                group.g2 ? "g2" : "g1", n, c, Median(seconds),
                c == kernels::zk::MsmWindowWidth(n) ? "true" : "false",
                ResultIs(group, result, expected) ? "true" : "false");
    std::fflush(stdout);
  }
}

void PrintNtt(const char* bench, int log_n, const std::vector<double>& seconds, double copy,
              int transforms) {
  const double n = static_cast<double>(size_t{1} << log_n);
  const int global_stages = std::max(0, log_n - kNttSharedStages) + 2;
  const double bytes = transforms * 64.0 * n * global_stages;
  const double median = Median(seconds);
  std::printf("{\"bench\":\"%s\",\"log_n\":%d,\"median_s\":%.6g,\"min_s\":%.6g,"
              "\"elements_per_s\":%.4g,\"stage_bytes_per_s\":%.4g,\"ratio_to_copy\":%.3f}\n",
              bench, log_n, median, *std::min_element(seconds.begin(), seconds.end()),
              n / median, bytes / median, bytes / median / copy);
  std::fflush(stdout);
}

void BenchNtt(const Options& o, std::mt19937_64& rng, double copy) {
  const size_t n_max = size_t{1} << o.ntt_max;
  std::vector<uint64_t> values(4 * n_max);
  for (size_t i = 0; i < n_max; ++i) {
    const bn254::U256 v = RandomScalar(rng);  // below r: a valid Montgomery element
    std::copy(v.begin(), v.end(), values.begin() + 4 * i);
  }
  DeviceBuffer<uint64_t> a(values.size()), b(values.size()), h(values.size());
  a.Upload(values.data(), values.size());
  b.Upload(values.data(), values.size());
  size_t ntt_bytes = 0, h_bytes = 0;
  bench::CheckStatus(kProgram, kernels::zk::NttWorkspaceBytes(o.ntt_max, &ntt_bytes));
  bench::CheckStatus(kProgram, kernels::zk::HCosetWorkspaceBytes(o.ntt_max, &h_bytes));
  DeviceBuffer<uint8_t> workspace(std::max(ntt_bytes, h_bytes));
  for (int log_n = o.ntt_min; log_n <= o.ntt_max; ++log_n) {
    PrintNtt("ntt", log_n, TimeWithEvents(o.warmups, o.runs, [&] {
      bench::CheckStatus(kProgram, kernels::zk::LaunchNtt(a.get(), log_n,
                                                          kernels::zk::NttDirection::kForward,
                                                          workspace.get(), workspace.size(),
                                                          nullptr));
    }), copy, 1);
  }
  for (int log_n = o.ntt_min; log_n <= o.ntt_max; ++log_n) {
    PrintNtt("h_coset", log_n, TimeWithEvents(o.warmups, o.runs, [&] {
      bench::CheckStatus(kProgram, kernels::zk::LaunchHCoset(a.get(), b.get(), log_n, h.get(),
                                                             workspace.get(), workspace.size(),
                                                             nullptr));
    }), copy, 6);
  }
}

// The MSM side of one Groth16 proof of 2^log_n constraints on the device, kernel-only: the
// H step, h to canonical scalars, four G1 MSMs of 2^log_n points (A, B1, C, H; in a real
// key A, B1 and C have one base per signal, here as many as constraints): "proof_g1"; then
// the same plus the G2 MSM (B2) of 2^log_n points: "proof_msms". Not included: the
// constraint evaluation, copies in and out, the final assembly.
void BenchProof(const Options& o, std::mt19937_64& rng) {
  const int log_n = o.proof_log;
  const size_t n = size_t{1} << log_n;
  const BasePool pool = MakeBases(rng, n, kG1);
  const BasePool pool2 = MakeBases(rng, n, kG2);
  const std::vector<uint64_t> values = RandomScalars(rng, n);
  DeviceBuffer<uint64_t> a(values.size()), b(values.size()), h(values.size()),
      result(12 * 4 + 24);
  a.Upload(values.data(), values.size());
  b.Upload(values.data(), values.size());
  size_t h_bytes = 0, msm_bytes = 0, msm2_bytes = 0;
  bench::CheckStatus(kProgram, kernels::zk::HCosetWorkspaceBytes(log_n, &h_bytes));
  bench::CheckStatus(kProgram, kernels::zk::MsmG1WorkspaceBytes(n, &msm_bytes));
  bench::CheckStatus(kProgram, kernels::zk::MsmG2WorkspaceBytes(n, &msm2_bytes));
  DeviceBuffer<uint8_t> workspace(std::max({h_bytes, msm_bytes, msm2_bytes}));
  for (const bool with_g2 : {false, true}) {
    const std::vector<double> seconds = TimeWithEvents(o.warmups, o.runs, [&] {
      using namespace kernels::zk;
      bench::CheckStatus(kProgram, LaunchHCoset(a.get(), b.get(), log_n, h.get(),
                                                workspace.get(), workspace.size(), nullptr));
      bench::CheckStatus(kProgram, LaunchFrFromMontgomery(h.get(), h.get(), n, nullptr));
      const uint64_t* scalars[4] = {a.get(), b.get(), a.get(), h.get()};
      for (int m = 0; m < 4; ++m) {
        bench::CheckStatus(kProgram, LaunchMsmG1(pool.bases.get(), scalars[m], n,
                                                 result.get() + 12 * m, workspace.get(),
                                                 workspace.size(), nullptr));
      }
      if (with_g2) {
        bench::CheckStatus(kProgram, LaunchMsmG2(pool2.bases.get(), b.get(), n,
                                                 result.get() + 48, workspace.get(),
                                                 workspace.size(), nullptr));
      }
    });
    std::printf("{\"bench\":\"%s\",\"log_n\":%d,\"median_s\":%.6g,\"min_s\":%.6g}\n",
                with_g2 ? "proof_msms" : "proof_g1", log_n, Median(seconds),
                *std::min_element(seconds.begin(), seconds.end()));
    std::fflush(stdout);
  }
}

void PrintDevice(const Options& o) {
  cudaDeviceProp prop{};
  CudaCheck(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
  int clock_khz = 0;
  CudaCheck(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, 0), "clock");
  std::printf("{\"bench\":\"device\",\"name\":\"%s\",\"sms\":%d,\"clock_mhz\":%d,"
              "\"seed\":%llu}\n",
              prop.name, prop.multiProcessorCount, clock_khz / 1000,
              static_cast<unsigned long long>(o.seed));
}

}  // namespace
}  // namespace chainaccel

int main(int argc, char** argv) {
  using namespace chainaccel;
  const Options o = ParseOptions(argc, argv);
  PrintDevice(o);
  std::mt19937_64 rng(o.seed);
  const double copy = MeasureCopy(o);
  MeasureFieldMul(o);
  if (o.ntt_max >= o.ntt_min) BenchNtt(o, rng, copy);
  if (o.proof_log > 0) BenchProof(o, rng);
  if (o.msm_max >= o.msm_min) BenchMsm(o, rng, kG1, o.msm_min, o.msm_max);
  if (o.g2_max >= o.g2_min) BenchMsm(o, rng, kG2, o.g2_min, o.g2_max);
  for (int log_n : o.sweep) SweepWindows(o, rng, kG1, log_n);
  for (int log_n : o.sweep) {
    if (log_n <= o.g2_max) SweepWindows(o, rng, kG2, log_n);
  }
  return 0;
}
