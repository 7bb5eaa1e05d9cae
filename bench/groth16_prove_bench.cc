// groth16_prove_bench: the CPU Groth16 prover's parts (crypto/bn254/ntt.h, msm.h,
// crypto/groth16/prover.h) and a whole proof, one JSON line per measurement.
//
//   {"op":"ntt_forward"|"ntt_inverse","log_n","threads","ms","ms_min","rounds"}
//   {"op":"msm_g1"|"msm_g2","log_n","threads","window","ms","ms_min","rounds"}
//   {"op":"msm_window_sweep","curve","log_n","threads","window","ms",...}: the same MSM
//       at the widths around MsmWindowBits(n) (its "window" is the one tried; the chosen
//       width is "model_window")
//   {"op":"prove","zkey","wtns","threads","n_vars","domain_size","ms","ms_min",
//       "h_ms","msm_ms","rounds"}: Prove, and its two stages (ComputeHCoset,
//       ComputeMsmsCpu) timed apart in the same rounds
//
// Times are wall-clock (the work runs on several threads), medians and minima over the
// rounds; inputs are random (points are multiples of a random point, scalars uniform in
// Fr), so the MSMs see full 254-bit scalars, the worst case.
//
// Usage: groth16_prove_bench [--threads N] [--rounds R] [--ops ntt,msm_g1,msm_g2,window,prove]
//            [--ntt-min K] [--ntt-max K] [--msm-min K] [--msm-max K] [--g2-max K]
//            [--zkey FILE --wtns FILE]
// Defaults: 1 thread (N threads = the caller and N - 1 pool workers), 3 rounds, NTT and
// G1 MSM 2^10..2^20, G2 2^10..2^18; prove runs only with --zkey and --wtns.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench/arguments.h"
#include "core/thread_pool.h"
#include "crypto/bn254/msm.h"
#include "crypto/bn254/ntt.h"
#include "crypto/groth16/prover.h"
#include "crypto/groth16/wtns.h"
#include "crypto/groth16/zkey.h"

namespace chainaccel::bn254 {
namespace {

struct Config {
  size_t threads = 1;
  int rounds = 3;
  std::set<std::string> ops = {"ntt", "msm_g1", "msm_g2", "window", "prove"};
  int ntt_min = 10, ntt_max = 20, msm_min = 10, msm_max = 20, g2_max = 18;
  std::string zkey, wtns;
};

[[noreturn]] void Usage(const char* problem) {
  std::fprintf(stderr, "groth16_prove_bench: %s (usage: see the top of the source)\n", problem);
  std::exit(64);
}

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// CPU time of the whole process (every thread), ms.
double ProcessCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

// Median and minimum of `rounds` wall-clock timings of fn (ms), and the median CPU time
// of the process's threads over the same runs (on a shared machine, wall time includes
// waiting for a core; CPU time does not).
struct Timing {
  double median = 0, min = 0, cpu = 0;
};
Timing Time(int rounds, const std::function<void()>& fn) {
  std::vector<double> ms, cpu;
  for (int i = 0; i < rounds; ++i) {
    const double cpu_start = ProcessCpuMs();
    const auto start = std::chrono::steady_clock::now();
    fn();
    ms.push_back(MsSince(start));
    cpu.push_back(ProcessCpuMs() - cpu_start);
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  return {ms[ms.size() / 2], ms.front(), cpu[cpu.size() / 2]};
}

Fr RandomFr(std::mt19937_64& rng) { return Fr::FromU256Reduced({rng(), rng(), rng(), rng()}); }

std::vector<Fr> RandomScalars(size_t n, std::mt19937_64& rng) {
  std::vector<Fr> v(n);
  for (auto& x : v) x = RandomFr(rng);
  return v;
}

template <class Curve>
std::vector<AffinePoint<Curve>> RandomPoints(size_t n, std::mt19937_64& rng) {
  using Point = JacobianPoint<Curve>;
  const Point step = Point::Generator().ScalarMulVar(RandomFr(rng));
  std::vector<Point> jacobian(n);
  Point p = step;
  for (auto& q : jacobian) q = p = p + step;
  std::vector<AffinePoint<Curve>> out(n);
  BatchToAffine<Curve>(jacobian, out);
  return out;
}

void BenchNtt(const Config& cfg, ThreadPool* pool, std::mt19937_64& rng) {
  for (int log_n = cfg.ntt_min; log_n <= cfg.ntt_max; ++log_n) {
    const FrNttDomain domain(log_n, pool);
    std::vector<Fr> values = RandomScalars(domain.size(), rng);
    for (const bool inverse : {false, true}) {
      const Timing t = Time(cfg.rounds, [&] {
        inverse ? domain.Inverse(values, pool) : domain.Forward(values, pool);
      });
      std::printf("{\"op\":\"%s\",\"log_n\":%d,\"threads\":%zu,\"ms\":%.3f,\"ms_min\":%.3f,"
                  "\"cpu_ms\":%.3f,\"rounds\":%d}\n", inverse ? "ntt_inverse" : "ntt_forward",
                  log_n, cfg.threads, t.median, t.min, t.cpu, cfg.rounds);
      std::fflush(stdout);
    }
  }
}

template <class Curve>
void BenchMsm(const Config& cfg, ThreadPool* pool, int max_log, const char* op,
              std::mt19937_64& rng) {
  if (max_log < cfg.msm_min) return;
  const auto bases = RandomPoints<Curve>(size_t{1} << max_log, rng);
  const auto scalars = RandomScalars(bases.size(), rng);
  for (int log_n = cfg.msm_min; log_n <= max_log; ++log_n) {
    const size_t n = size_t{1} << log_n;
    const Timing t = Time(cfg.rounds, [&] {
      Msm<Curve>(std::span(bases).first(n), std::span(scalars).first(n), pool);
    });
    std::printf("{\"op\":\"%s\",\"log_n\":%d,\"threads\":%zu,\"window\":%d,\"ms\":%.3f,"
                "\"ms_min\":%.3f,\"cpu_ms\":%.3f,\"rounds\":%d}\n", op, log_n, cfg.threads,
                MsmWindowBits(n), t.median, t.min, t.cpu, cfg.rounds);
    std::fflush(stdout);
  }
}

// Widths around the model's choice, at a few sizes: the model's check.
void BenchWindowSweep(const Config& cfg, ThreadPool* pool, std::mt19937_64& rng) {
  const int max_log = std::min(cfg.msm_max, 18);
  const auto bases = RandomPoints<G1Curve>(size_t{1} << max_log, rng);
  const auto scalars = RandomScalars(bases.size(), rng);
  for (int log_n = cfg.msm_min; log_n <= max_log; log_n += 4) {
    const size_t n = size_t{1} << log_n;
    const int model = MsmWindowBits(n);
    for (int c = std::max(2, model - 3); c <= model + 3; ++c) {
      const Timing t = Time(cfg.rounds, [&] {
        Msm<G1Curve>(std::span(bases).first(n), std::span(scalars).first(n), pool, c);
      });
      std::printf("{\"op\":\"msm_window_sweep\",\"curve\":\"g1\",\"log_n\":%d,\"threads\":%zu,"
                  "\"window\":%d,\"model_window\":%d,\"ms\":%.3f,\"ms_min\":%.3f,"
                  "\"cpu_ms\":%.3f,\"rounds\":%d}\n", log_n, cfg.threads, c, model, t.median,
                  t.min, t.cpu, cfg.rounds);
      std::fflush(stdout);
    }
  }
}

int BenchProve(const Config& cfg, ThreadPool* pool) {
  groth16::ProvingKey key;
  groth16::ZkeyReadOptions options;
  options.check_points = false;
  groth16::Witness witness;
  Status s = groth16::ReadZkeyFile(cfg.zkey, &key, options);
  if (s.ok()) s = groth16::ReadWtnsFile(cfg.wtns, &witness);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 2;
  }
  std::vector<double> h_ms, msm_ms;
  const Timing t = Time(cfg.rounds, [&] {
    std::vector<Fr> h;
    auto start = std::chrono::steady_clock::now();
    Status st = groth16::ComputeHCoset(key, witness.values, pool, &h);
    h_ms.push_back(MsSince(start));
    start = std::chrono::steady_clock::now();
    const groth16::ProofMsms msms = groth16::ComputeMsmsCpu(key, witness.values, h, pool);
    msm_ms.push_back(MsSince(start));
    const groth16::Proof proof =
        groth16::AssembleProof(key, msms, groth16::RandomProverRandomness());
    if (!st.ok() || proof.a.IsInfinity()) std::fprintf(stderr, "%s\n", st.ToString().c_str());
  });
  std::sort(h_ms.begin(), h_ms.end());
  std::sort(msm_ms.begin(), msm_ms.end());
  std::printf("{\"op\":\"prove\",\"zkey\":\"%s\",\"wtns\":\"%s\",\"threads\":%zu,\"n_vars\":%u,"
              "\"domain_size\":%u,\"ms\":%.3f,\"ms_min\":%.3f,\"cpu_ms\":%.3f,\"h_ms\":%.3f,"
              "\"msm_ms\":%.3f,\"rounds\":%d}\n", cfg.zkey.c_str(), cfg.wtns.c_str(),
              cfg.threads, key.n_vars, key.domain_size, t.median, t.min, t.cpu,
              h_ms[h_ms.size() / 2], msm_ms[msm_ms.size() / 2], cfg.rounds);
  return 0;
}

std::set<std::string> SplitOps(const std::string& list) {
  std::set<std::string> out;
  std::stringstream in(list);
  for (std::string op; std::getline(in, op, ',');) out.insert(op);
  return out;
}

Config ParseArguments(int argc, char** argv) {
  Config cfg;
  const auto integer = [](const std::string& v) { return std::atoi(v.c_str()); };
  bench::ForEachArgument(argc, argv, Usage, [&](const std::string& arg, auto value) {
    if (arg == "--threads") cfg.threads = static_cast<size_t>(std::max(1, integer(value())));
    else if (arg == "--rounds") cfg.rounds = std::max(1, integer(value()));
    else if (arg == "--ops") cfg.ops = SplitOps(value());
    else if (arg == "--ntt-min") cfg.ntt_min = integer(value());
    else if (arg == "--ntt-max") cfg.ntt_max = integer(value());
    else if (arg == "--msm-min") cfg.msm_min = integer(value());
    else if (arg == "--msm-max") cfg.msm_max = integer(value());
    else if (arg == "--g2-max") cfg.g2_max = integer(value());
    else if (arg == "--zkey") cfg.zkey = value();
    else if (arg == "--wtns") cfg.wtns = value();
    else Usage(("unknown argument " + arg).c_str());
  });
  if (cfg.ntt_max > kFrTwoAdicity || cfg.msm_max > 24) Usage("sizes too large");
  return cfg;
}

int Run(int argc, char** argv) {
  const Config cfg = ParseArguments(argc, argv);
  std::unique_ptr<ThreadPool> pool;
  if (cfg.threads > 1) pool = std::make_unique<ThreadPool>(cfg.threads - 1);
  std::mt19937_64 rng(20261203);
  if (cfg.ops.count("ntt")) BenchNtt(cfg, pool.get(), rng);
  if (cfg.ops.count("msm_g1")) BenchMsm<G1Curve>(cfg, pool.get(), cfg.msm_max, "msm_g1", rng);
  if (cfg.ops.count("msm_g2")) {
    BenchMsm<G2Curve>(cfg, pool.get(), std::min(cfg.msm_max, cfg.g2_max), "msm_g2", rng);
  }
  if (cfg.ops.count("window")) BenchWindowSweep(cfg, pool.get(), rng);
  if (cfg.ops.count("prove") && !cfg.zkey.empty() && !cfg.wtns.empty()) {
    return BenchProve(cfg, pool.get());
  }
  return 0;
}

}  // namespace
}  // namespace chainaccel::bn254

int main(int argc, char** argv) { return chainaccel::bn254::Run(argc, argv); }
