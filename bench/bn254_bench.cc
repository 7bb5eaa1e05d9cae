// bn254_bench: single-thread cost of chainaccel_bn254's operations (crypto/bn254).
//
// Each op runs as a dependent chain (every result feeds the next call), so the figure is
// the latency of one call, the cost a serial algorithm (a Miller loop, a scalar
// multiplication, one NTT butterfly chain) pays; throughput of independent calls may be
// higher. Time is the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that other
// processes on a shared machine do not count; one JSON line per op:
//   {"op","ns_per_op","ns_per_op_min","iterations","rounds"}
// with the median and the minimum over the rounds of (CPU time / iterations).
//
// Usage: bn254_bench [--ops a,b,...] [--min-seconds S] [--rounds R]
// Each op is timed R times (default 5) for at least S seconds each (default 0.2).
// Ops: fp_mul fp_mul_sos fp_square fp_add fp_inv fr_mul fr_inv fp2_mul fp12_mul
// fp12_square fp12_cyclotomic_square g1_add g1_add_mixed g1_double g1_scalar_mul
// g2_add g2_double g2_scalar_mul g2_subgroup_check g2_prepare miller_loop final_exp
// pairing pairing_check_4 (all by default).
#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "bench/arguments.h"
#include "crypto/bn254/curve.h"
#include "crypto/bn254/field.h"
#include "crypto/bn254/pairing.h"
#include "crypto/bn254/tower.h"

namespace chainaccel::bn254 {
namespace {

template <class T>
void KeepAlive(const T& value) {
  asm volatile("" : : "g"(&value) : "memory");
}

struct Op {
  std::string name;
  // Runs the op `n` times as a dependent chain.
  std::function<void(size_t n)> run;
};

double ThreadSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double SecondsOf(const Op& op, size_t n) {
  double start = ThreadSeconds();
  op.run(n);
  return ThreadSeconds() - start;
}

// Grows the iteration count until one run takes min_seconds, then times `rounds` runs.
void Measure(const Op& op, double min_seconds, int rounds) {
  size_t n = 1;
  while (SecondsOf(op, n) < min_seconds / 4 && n < (size_t{1} << 40)) n *= 2;
  n = static_cast<size_t>(static_cast<double>(n) * 4);
  std::vector<double> ns;
  for (int r = 0; r < rounds; ++r) ns.push_back(SecondsOf(op, n) * 1e9 / static_cast<double>(n));
  std::sort(ns.begin(), ns.end());
  std::printf("{\"op\":\"%s\",\"ns_per_op\":%.1f,\"ns_per_op_min\":%.1f,"
              "\"iterations\":%zu,\"rounds\":%d}\n",
              op.name.c_str(), ns[ns.size() / 2], ns[0], n, rounds);
  std::fflush(stdout);
}

Fp SomeFp(uint64_t seed) {
  return Fp::FromU256Reduced({seed * 0x9e3779b97f4a7c15ULL, ~seed, seed ^ 0x1234567, seed >> 3});
}
Fp2 SomeFp2(uint64_t seed) { return {SomeFp(seed), SomeFp(seed + 1)}; }
Fp12 SomeFp12(uint64_t seed) {
  Fp12 f;
  uint64_t s = seed;
  for (Fp6* c : {&f.c0, &f.c1}) {
    for (Fp2* e : {&c->c0, &c->c1, &c->c2}) *e = SomeFp2(s += 2);
  }
  return f;
}
Fr SomeFr(uint64_t seed) {
  return Fr::FromU256Reduced({seed * 0x9e3779b97f4a7c15ULL, ~seed, seed ^ 0x7654321, seed >> 2});
}

std::vector<Op> AllOps() {
  std::vector<Op> ops;
  auto add = [&](std::string name, std::function<void(size_t)> run) {
    ops.push_back({std::move(name), std::move(run)});
  };
  add("fp_mul", [](size_t n) {
    Fp a = SomeFp(1), b = SomeFp(2);
    for (size_t i = 0; i < n; ++i) a = a * b;
    KeepAlive(a);
  });
  add("fp_mul_sos", [](size_t n) {
    U256 a = SomeFp(1).raw_montgomery(), b = SomeFp(2).raw_montgomery();
    for (size_t i = 0; i < n; ++i) a = Fp::MulSos(a, b);
    KeepAlive(a);
  });
  add("fp_square", [](size_t n) {
    Fp a = SomeFp(3);
    for (size_t i = 0; i < n; ++i) a = a.Square();
    KeepAlive(a);
  });
  add("fp_add", [](size_t n) {
    Fp a = SomeFp(4), b = SomeFp(5);
    for (size_t i = 0; i < n; ++i) a = a + b;
    KeepAlive(a);
  });
  add("fp_inv", [](size_t n) {
    Fp a = SomeFp(6);
    for (size_t i = 0; i < n; ++i) a = a.InverseVar() + Fp::One();
    KeepAlive(a);
  });
  add("fr_mul", [](size_t n) {
    Fr a = SomeFr(1), b = SomeFr(2);
    for (size_t i = 0; i < n; ++i) a = a * b;
    KeepAlive(a);
  });
  add("fr_inv", [](size_t n) {
    Fr a = SomeFr(3);
    for (size_t i = 0; i < n; ++i) a = a.InverseVar() + Fr::One();
    KeepAlive(a);
  });
  add("fp2_mul", [](size_t n) {
    Fp2 a = SomeFp2(1), b = SomeFp2(3);
    for (size_t i = 0; i < n; ++i) a = a * b;
    KeepAlive(a);
  });
  add("fp12_mul", [](size_t n) {
    Fp12 a = SomeFp12(1), b = SomeFp12(50);
    for (size_t i = 0; i < n; ++i) a = a * b;
    KeepAlive(a);
  });
  add("fp12_square", [](size_t n) {
    Fp12 a = SomeFp12(2);
    for (size_t i = 0; i < n; ++i) a = a.Square();
    KeepAlive(a);
  });
  add("fp12_cyclotomic_square", [](size_t n) {
    Fp12 a = Pairing(G1Affine::Generator(), G2Affine::Generator());
    for (size_t i = 0; i < n; ++i) a = a.CyclotomicSquare();
    KeepAlive(a);
  });
  add("g1_add", [](size_t n) {
    G1 a = G1::Generator().ScalarMulVar(SomeFr(1)), b = G1::Generator().ScalarMulVar(SomeFr(2));
    for (size_t i = 0; i < n; ++i) a = a + b;
    KeepAlive(a);
  });
  add("g1_add_mixed", [](size_t n) {
    G1 a = G1::Generator().ScalarMulVar(SomeFr(1));
    G1Affine b = G1::Generator().ScalarMulVar(SomeFr(2)).ToAffine();
    for (size_t i = 0; i < n; ++i) a = a + b;
    KeepAlive(a);
  });
  add("g1_double", [](size_t n) {
    G1 a = G1::Generator().ScalarMulVar(SomeFr(3));
    for (size_t i = 0; i < n; ++i) a = a.Double();
    KeepAlive(a);
  });
  add("g1_scalar_mul", [](size_t n) {
    G1 a = G1::Generator();
    Fr k = SomeFr(4);
    for (size_t i = 0; i < n; ++i) a = a.ScalarMulVar(k);
    KeepAlive(a);
  });
  add("g2_add", [](size_t n) {
    G2 a = G2::Generator().ScalarMulVar(SomeFr(1)), b = G2::Generator().ScalarMulVar(SomeFr(2));
    for (size_t i = 0; i < n; ++i) a = a + b;
    KeepAlive(a);
  });
  add("g2_double", [](size_t n) {
    G2 a = G2::Generator().ScalarMulVar(SomeFr(3));
    for (size_t i = 0; i < n; ++i) a = a.Double();
    KeepAlive(a);
  });
  add("g2_scalar_mul", [](size_t n) {
    G2 a = G2::Generator();
    Fr k = SomeFr(5);
    for (size_t i = 0; i < n; ++i) a = a.ScalarMulVar(k);
    KeepAlive(a);
  });
  add("g2_subgroup_check", [](size_t n) {
    G2Affine q = G2::Generator().ScalarMulVar(SomeFr(6)).ToAffine();
    bool all = true;
    for (size_t i = 0; i < n; ++i) all = all && IsInSubgroupVar(q);
    KeepAlive(all);
  });
  add("g2_prepare", [](size_t n) {
    G2Affine q = G2::Generator().ScalarMulVar(SomeFr(7)).ToAffine();
    for (size_t i = 0; i < n; ++i) {
      G2Prepared prepared = PrepareG2(q);
      KeepAlive(prepared);
    }
  });
  add("miller_loop", [](size_t n) {
    G1Affine p = G1::Generator().ScalarMulVar(SomeFr(8)).ToAffine();
    G2Affine q = G2::Generator().ScalarMulVar(SomeFr(9)).ToAffine();
    G2Prepared prepared = PrepareG2(q);
    for (size_t i = 0; i < n; ++i) {
      Fp12 f = MillerLoop(std::span<const G1Affine>(&p, 1),
                          std::span<const G2Prepared>(&prepared, 1));
      KeepAlive(f);
    }
  });
  add("final_exp", [](size_t n) {
    Fp12 f = SomeFp12(7);
    for (size_t i = 0; i < n; ++i) f = FinalExponentiation(f);
    KeepAlive(f);
  });
  add("pairing", [](size_t n) {
    G1Affine p = G1::Generator().ScalarMulVar(SomeFr(10)).ToAffine();
    G2Affine q = G2::Generator().ScalarMulVar(SomeFr(11)).ToAffine();
    for (size_t i = 0; i < n; ++i) {
      Fp12 e = Pairing(p, q);
      KeepAlive(e);
    }
  });
  add("pairing_check_4", [](size_t n) {
    // The shape of a Groth16 verification: four pairs, G2 points not prepared.
    std::vector<G1Affine> ps;
    std::vector<G2Affine> qs;
    for (uint64_t i = 0; i < 4; ++i) {
      ps.push_back(G1::Generator().ScalarMulVar(SomeFr(20 + i)).ToAffine());
      qs.push_back(G2::Generator().ScalarMulVar(SomeFr(30 + i)).ToAffine());
    }
    for (size_t i = 0; i < n; ++i) {
      bool one = PairingProductIsOne(ps, qs);
      KeepAlive(one);
    }
  });
  return ops;
}

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr, "bn254_bench: %s\nusage: bn254_bench [--ops a,b,...] "
                       "[--min-seconds S] [--rounds R]\n", why);
  std::exit(2);
}

}  // namespace
}  // namespace chainaccel::bn254

int main(int argc, char** argv) {
  using namespace chainaccel::bn254;
  std::string only;
  double min_seconds = 0.2;
  int rounds = 5;
  chainaccel::bench::ForEachArgument(argc, argv, Usage, [&](const std::string& arg, auto value) {
    if (arg == "--ops") only = "," + value() + ",";
    else if (arg == "--min-seconds") min_seconds = std::atof(value().c_str());
    else if (arg == "--rounds") rounds = std::atoi(value().c_str());
    else Usage("unknown argument");
  });
  if (rounds < 1 || min_seconds <= 0) Usage("bad --rounds or --min-seconds");
  for (const Op& op : AllOps()) {
    if (!only.empty() && only.find("," + op.name + ",") == std::string::npos) continue;
    Measure(op, min_seconds, rounds);
  }
  return 0;
}
