// gpu_field_bench: how long one secp256k1 field product takes on the GPU, in the
// one-thread layout of the signature kernels (u256.cuh's ModMul<Fp>) and in the
// eight-lane layout (lane_u256.cuh's lanes::ModMulP), for batches from one value to many
// (kernels/NOTES.md, "The latency floor after GLV": a 1,024-signature batch in 1 ms needs
// shorter field operations, not only more threads a signature).
//
// Each value runs a chain of --steps dependent products (kernels/testing/
// field_chain_launch.h), timed with CUDA events after a warm-up, median of --runs. One
// line a (layout, count): kernel ms; latency_ns = ms / steps, one product's time along a
// chain (the figure that bounds a small batch); products_per_s = count × steps / s. Every
// run's results are checked: the two layouts must agree on every value (the device tests
// check both against the host).
//
// --ladder: instead, Ed25519's variable-base ladder (253 doublings, 51 additions) one
// thread a point against four lanes a point (kernels/ed25519_quad.cuh), for the split
// kernel's longest role, then secp256k1's GLV half (kernels/secp256k1_quad.cuh's
// QuadGlvHalfMul against GlvHalfMul), the split kernel's half roles: kernel ms per
// (ladder, layout, count), the two layouts' points compared on every item (Ed25519 by
// their encodings, secp256k1 coordinate for coordinate).
//
// --inverse: instead, chains of --steps dependent inversions (x <- x^-1 + 1, mod p and
// mod n; ModInv's binary extended Euclid, and WarpModInv's one inversion for a warp) one
// thread a value, beside the same chain of products mod p: latency_ns per inversion and
// per product at each count, and their ratio ("inverse_over_product": how many products
// one inversion costs on the critical path when a warp's lanes invert different values).
//
//   gpu_field_bench [--counts 1,32,1024,...] [--steps 256] [--runs 5] [--ladder | --inverse]
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "bench/arguments.h"
#include "bench/gpu_timing.h"
#include "bench/split_list.h"
#include "kernels/ed25519.cuh"
#include "kernels/secp256k1.cuh"
#include "kernels/testing/device_buffer.h"
#include "kernels/testing/field_chain_launch.h"

namespace chainaccel {
namespace {

using kernels::FieldLayout;
using kernels::LadderLayout;
using testing::CudaCheck;
using testing::DeviceBuffer;

struct Options {
  std::vector<size_t> counts = {1, 8, 32, 132, 1024, 4096, 16896, 65536, 262144};
  uint32_t steps = 256;
  int runs = 5;
  bool ladder = false;
  bool inverse = false;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr, "gpu_field_bench: %s\nusage: gpu_field_bench [--counts N,N,...] "
                       "[--steps N] [--runs N] [--ladder | --inverse]\n", why);
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  bench::ForEachArgument(argc, argv, Usage, [&](const std::string& a, auto value) {
    if (a == "--counts") {
      o.counts.clear();
      for (const std::string& c : SplitList(value())) o.counts.push_back(std::stoull(c));
    } else if (a == "--steps") {
      o.steps = static_cast<uint32_t>(std::stoul(value()));
    } else if (a == "--runs") {
      o.runs = std::stoi(value());
    } else if (a == "--ladder") {
      o.ladder = true;
    } else if (a == "--inverse") {
      o.inverse = true;
    } else {
      Usage(("unknown argument " + a).c_str());
    }
  });
  if (o.steps == 0 || o.runs <= 0) Usage("--steps and --runs must be positive");
  if (o.ladder && o.inverse) Usage("--ladder and --inverse are two benches: one at a time");
  return o;
}

const char* Name(FieldLayout layout) {
  return layout == FieldLayout::kOneThread ? "one_thread" : "eight_lanes";
}

// The encodings of `count` ladder results (32 limbs each) downloaded from `out`.
std::vector<std::vector<uint8_t>> Encodings(DeviceBuffer<uint32_t>& out, size_t count) {
  const std::vector<uint32_t> limbs = out.Download();
  std::vector<std::vector<uint8_t>> encodings(count, std::vector<uint8_t>(32));
  for (size_t i = 0; i < count; ++i) {
    kernels::EdPoint p;
    kernels::U256* coordinates[4] = {&p.x, &p.y, &p.z, &p.t};
    for (int c = 0; c < 4; ++c) {
      for (int k = 0; k < 8; ++k) coordinates[c]->w[k] = limbs[32 * i + 8 * c + k];
    }
    kernels::EdEncode(p, encodings[i].data());
  }
  return encodings;
}

// Times launch(layout, out) in both layouts (one thread into `one`, quads into `quad`),
// prints a line each and their ratio with agree(): whether the layouts' points are the
// same (false ends the bench).
template <class Launch, class Agree>
bool TimeLadders(const Options& o, const char* name, size_t count, DeviceBuffer<uint32_t>& one,
                 DeviceBuffer<uint32_t>& quad, const Launch& launch, const Agree& agree_fn) {
  double ms[2] = {0, 0};
  for (LadderLayout layout : {LadderLayout::kOneThread, LadderLayout::kQuad}) {
    uint32_t* out = layout == LadderLayout::kOneThread ? one.get() : quad.get();
    const double s = bench::Median(bench::TimeWithEvents(1, o.runs, [&] {
      const Status st = launch(layout, out);
      if (!st.ok()) Usage(st.ToString().c_str());
    }));
    ms[static_cast<int>(layout)] = s * 1e3;
    std::printf("{\"bench\":\"%s\",\"layout\":\"%s\",\"count\":%zu,"
                "\"kernel_ms\":%.4f,\"ladders_per_s\":%.4g}\n",
                name, layout == LadderLayout::kOneThread ? "one_thread" : "quad", count, s * 1e3,
                static_cast<double>(count) / s);
    std::fflush(stdout);
  }
  CudaCheck(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  const bool agree = agree_fn();
  std::printf("{\"bench\":\"%s_ratio\",\"count\":%zu,\"quad_over_one_thread\":%.3f,"
              "\"layouts_agree\":%s}\n",
              name, count, ms[1] / ms[0], agree ? "true" : "false");
  std::fflush(stdout);
  return agree;
}

// secp256k1's GLV half: 64 random multiples of G (affine, made here), repeated, and
// random halves below 2^128.
int SecpHalfLadders(const Options& o, std::mt19937_64& rng) {
  constexpr size_t kDistinctPoints = 64;
  std::vector<uint32_t> point_limbs;
  kernels::JacobianPoint multiple = kernels::ToJacobian(kernels::Secp256k1Generator());
  for (size_t i = 0; i < kDistinctPoints; ++i) {
    const int doublings = 1 + static_cast<int>(rng() % 7);
    for (int k = 0; k < doublings; ++k) multiple = kernels::PointDouble(multiple);
    multiple = kernels::PointAddMixed(multiple, kernels::Secp256k1Generator());
    const kernels::AffinePoint a = kernels::ToAffine(multiple);
    point_limbs.insert(point_limbs.end(), a.x.w, a.x.w + 8);
    point_limbs.insert(point_limbs.end(), a.y.w, a.y.w + 8);
  }
  for (size_t count : o.counts) {
    std::vector<uint32_t> scalars(8 * count, 0), points(16 * count);
    for (size_t i = 0; i < count; ++i) {
      for (int k = 0; k < 4; ++k) scalars[8 * i + k] = static_cast<uint32_t>(rng());
      std::copy_n(&point_limbs[16 * (i % kDistinctPoints)], 16, &points[16 * i]);
    }
    DeviceBuffer<uint32_t> ds(scalars.size()), dp(points.size()), one(24 * count),
        quad(24 * count);
    ds.Upload(scalars.data(), scalars.size());
    dp.Upload(points.data(), points.size());
    const bool agree = TimeLadders(
        o, "secp256k1_half", count, one, quad,
        [&](LadderLayout layout, uint32_t* out) {
          return kernels::LaunchSecpHalfLadder(layout, ds.get(), dp.get(), out, count, nullptr);
        },
        [&] { return one.Download() == quad.Download(); });
    if (!agree) return 1;
  }
  return 0;
}

// --ladder: 64 random multiples of B (made here with the one-thread ladder), repeated,
// and random scalars below 2^253.
int LadderMain(const Options& o, std::mt19937_64& rng) {
  constexpr size_t kDistinctPoints = 64;
  std::vector<uint32_t> point_limbs;
  kernels::EdCached base_multiples[kernels::kEdVariableWindowMultiples];
  kernels::EdCachedMultiples(kernels::Ed25519Base(), base_multiples);
  for (size_t i = 0; i < kDistinctPoints; ++i) {
    kernels::U256 k;
    for (uint32_t& w : k.w) w = static_cast<uint32_t>(rng());
    k.w[7] &= 0x0fffffffu;
    const kernels::EdPoint p = kernels::EdWindowedMul(k, base_multiples);
    for (const kernels::U256* c : {&p.x, &p.y, &p.z, &p.t}) {
      point_limbs.insert(point_limbs.end(), c->w, c->w + 8);
    }
  }
  for (size_t count : o.counts) {
    std::vector<uint32_t> scalars(8 * count), points(32 * count);
    for (size_t i = 0; i < scalars.size(); ++i) {
      scalars[i] = static_cast<uint32_t>(rng());
      if (i % 8 == 7) scalars[i] &= 0x1fffffffu;
    }
    for (size_t i = 0; i < count; ++i) {
      std::copy_n(&point_limbs[32 * (i % kDistinctPoints)], 32, &points[32 * i]);
    }
    DeviceBuffer<uint32_t> ds(scalars.size()), dp(points.size()), one(points.size()),
        quad(points.size());
    ds.Upload(scalars.data(), scalars.size());
    dp.Upload(points.data(), points.size());
    const bool agree = TimeLadders(
        o, "ed25519_ladder", count, one, quad,
        [&](LadderLayout layout, uint32_t* out) {
          return kernels::LaunchEdLadder(layout, ds.get(), dp.get(), out, count, nullptr);
        },
        [&] { return Encodings(one, count) == Encodings(quad, count); });
    if (!agree) return 1;
  }
  return SecpHalfLadders(o, rng);
}

// --inverse: random values below n (so below p too), the products' second operand random
// below p.
int InverseMain(const Options& o, std::mt19937_64& rng) {
  for (size_t count : o.counts) {
    std::vector<uint32_t> a(8 * count), b(8 * count);
    for (size_t i = 0; i < a.size(); ++i) {
      a[i] = static_cast<uint32_t>(rng());
      b[i] = static_cast<uint32_t>(rng());
      if (i % 8 == 7) a[i] &= 0x7fffffffu, b[i] &= 0x7fffffffu;  // below n < p
    }
    DeviceBuffer<uint32_t> da(a.size()), db(b.size()), out(a.size());
    da.Upload(a.data(), a.size());
    db.Upload(b.data(), b.size());
    const auto time_ns = [&](const char* what, const auto& launch) {
      const double s = bench::Median(bench::TimeWithEvents(1, o.runs, [&] {
        const Status st = launch();
        if (!st.ok()) Usage(st.ToString().c_str());
      }));
      std::printf("{\"bench\":\"field_%s_chain\",\"count\":%zu,\"steps\":%u,"
                  "\"kernel_ms\":%.4f,\"latency_ns\":%.1f}\n",
                  what, count, o.steps, s * 1e3, s * 1e9 / o.steps);
      std::fflush(stdout);
      return s * 1e9 / o.steps;
    };
    const double product = time_ns("product", [&] {
      return kernels::LaunchFieldMulChain(FieldLayout::kOneThread, da.get(), db.get(), out.get(),
                                          count, o.steps, nullptr);
    });
    for (kernels::InverseModulus m :
         {kernels::InverseModulus::kFieldP, kernels::InverseModulus::kOrderN}) {
      for (kernels::InverseMethod method :
           {kernels::InverseMethod::kEuclid, kernels::InverseMethod::kWarp}) {
        const bool p = m == kernels::InverseModulus::kFieldP;
        const bool warp = method == kernels::InverseMethod::kWarp;
        const std::string what = std::string(warp ? "warp_inverse_" : "inverse_") + (p ? "p" : "n");
        const double inverse = time_ns(what.c_str(), [&] {
          return kernels::LaunchFieldInverseChain(m, method, da.get(), out.get(), count, o.steps,
                                                  nullptr);
        });
        std::printf("{\"bench\":\"field_inverse_ratio\",\"modulus\":\"%s\",\"method\":\"%s\","
                    "\"count\":%zu,\"inverse_over_product\":%.1f}\n",
                    p ? "p" : "n", warp ? "warp" : "euclid", count, inverse / product);
      }
    }
    CudaCheck(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  }
  return 0;
}

int Main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  const bench::RunContext run = bench::StartRun();
  std::printf("{\"bench\":\"device\",\"name\":\"%s\",\"sms\":%d,\"date\":\"%s\",\"seed\":%llu}\n",
              run.device.name, run.device.multiProcessorCount, run.date.c_str(),
              static_cast<unsigned long long>(run.seed));
  std::mt19937_64 rng(run.seed);
  if (o.ladder) return LadderMain(o, rng);
  if (o.inverse) return InverseMain(o, rng);
  for (size_t count : o.counts) {
    // Random values below p (the top limb's top bit clear: p > 2^255).
    std::vector<uint32_t> a(8 * count), b(8 * count);
    for (size_t i = 0; i < a.size(); ++i) {
      a[i] = static_cast<uint32_t>(rng());
      b[i] = static_cast<uint32_t>(rng());
      if (i % 8 == 7) a[i] &= 0x7fffffffu, b[i] &= 0x7fffffffu;
    }
    DeviceBuffer<uint32_t> da(a.size()), db(b.size()), one(a.size()), eight(a.size());
    da.Upload(a.data(), a.size());
    db.Upload(b.data(), b.size());
    double ms[2] = {0, 0};
    for (FieldLayout layout : {FieldLayout::kOneThread, FieldLayout::kEightLanes}) {
      uint32_t* out = layout == FieldLayout::kOneThread ? one.get() : eight.get();
      const double s = bench::Median(bench::TimeWithEvents(1, o.runs, [&] {
        const Status st = kernels::LaunchFieldMulChain(layout, da.get(), db.get(), out, count,
                                                       o.steps, nullptr);
        if (!st.ok()) Usage(st.ToString().c_str());
      }));
      ms[static_cast<int>(layout)] = s * 1e3;
      std::printf("{\"bench\":\"field_chain\",\"layout\":\"%s\",\"count\":%zu,\"steps\":%u,"
                  "\"kernel_ms\":%.4f,\"latency_ns\":%.1f,\"products_per_s\":%.4g}\n",
                  Name(layout), count, o.steps, s * 1e3, s * 1e9 / o.steps,
                  static_cast<double>(count) * o.steps / s);
      std::fflush(stdout);
    }
    CudaCheck(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
    const bool agree = one.Download() == eight.Download();
    std::printf("{\"bench\":\"field_chain_ratio\",\"count\":%zu,\"lanes_over_one_thread\":%.3f,"
                "\"layouts_agree\":%s}\n",
                count, ms[1] / ms[0], agree ? "true" : "false");
    std::fflush(stdout);
    if (!agree) return 1;
  }
  return 0;
}

}  // namespace
}  // namespace chainaccel

int main(int argc, char** argv) { return chainaccel::Main(argc, argv); }
