#include "engines/scheduler/cost_priors.h"

#include <algorithm>
#include <array>

#include "engines/scheduler/batch_key.h"

namespace chainaccel {
namespace {

// Per cost class (batch_key.cc order): one CPU core's seconds per work unit, and a GPU's
// fixed latency and seconds per unit.
// CPU: cpu_engine_bench and gpu_signature_bench's CPU rows on the 16-core Xeon of the
// H200 lease (bench/RESULTS.md, 2026-12-03): SHA-256 of 1 M 32-byte messages 0.18 s on
// one thread (1.5 units each), Ed25519 5.3 s and ECDSA 4.4 s for 1 M on 16 threads.
// GPU signatures: gpu_signature_bench on the H100 through the engine, 2026-12-07 07:30 -
// 07:47 UTC (bench/RESULTS.md; the field arithmetic's additions, subtractions and
// Ed25519's reduction as PTX chains without branches): per 2^20 items ECDSA 70.6 ms,
// recovery 78.0 ms, BIP-340 60.8 ms (32-byte messages); Ed25519 69.0 ms (64.2 ms
// kernel-only plus the engine's staging; its ladders in weak arithmetic, 09:50 UTC, same
// day); 1,024 items one thread a signature in 1.33 / 1.56 / 1.35 / 1.92 ms kernel-only
// (the floor up to ~4,000 items; Ed25519's before the weak arithmetic, which took ~7 %
// off its 2^20 time), ~0.1 ms more through the engine. A batch alone on the device
// splits each secp256k1 signature over three threads (0.79 / 0.86 / 0.80 ms at 1,024
// items through the engine), and Ed25519 runs on quads of lanes while the device holds up
// to 16,384 items (0.57 ms kernel-only at 1,024); the priors keep the one-thread figures,
// the layout of batches under load, and the calibration and online fit refine them.
// The H200 measured the same kernels' predecessors within ~2 % of the H100 (same GH100
// compute). Other GPU lines: gpu_merkle_bench (2^24 leaves in 13-28 ms); hashes end to
// end including the copies.
struct Prior {
  double cpu_core_per_unit;
  double gpu_fixed;
  double gpu_per_unit;
};

constexpr std::array<Prior, kCostClassCount> kPriors{{
    {1.2e-7, 1e-4, 2e-9},  // hash/sha256
    {2.4e-7, 1e-4, 3e-9},  // hash/sha256d
    {5.0e-7, 1e-4, 3e-9},  // hash/keccak256
    {4.0e-7, 5e-4, 8e-10},  // merkle_build/bitcoin
    {2.0e-7, 5e-4, 8e-10},  // merkle_build/rfc6962
    {7.0e-7, 5e-4, 1.7e-9},  // merkle_build/oz_keccak_sorted
    {2.0e-7, 1e-4, 2e-9},  // merkle_verify/bitcoin
    {2.0e-7, 1e-4, 2e-9},  // merkle_verify/rfc6962
    {5.0e-7, 1e-4, 3e-9},  // merkle_verify/oz_keccak_sorted
    {8.5e-5, 2.0e-3, 6.6e-8},  // signature_verify/ed25519
    {7.0e-5, 1.4e-3, 6.7e-8},  // signature_verify/ecdsa_secp256k1
    {7.0e-5, 1.4e-3, 5.8e-8},  // signature_verify/schnorr_bip340
    {7.2e-5, 1.7e-3, 7.4e-8},  // signature_recover/ecdsa_secp256k1
    // Groth16 (work units: MSM points, G2 as three). Estimates until the first batches
    // refine them: Pippenger on one core ~3 us a point at 2^16; a GPU MSM of 2^24 points
    // ~0.1 s (issue 13's floor).
    {3.0e-6, 5.0e-3, 1.0e-8},  // proof_generate/groth16_bn254
    // One four-pairing product ~2 ms on one core; no GPU verifier (the GPU engine does
    // not accept the task, so its line is never used).
    {2.0e-3, 1.0, 1.0},  // proof_verify/groth16_bn254
}};

// The CPU engine hands a batch to its workers and waits: ~20 us before the first item.
constexpr double kCpuFixedSeconds = 2e-5;
// Its threads reach ~80 % of the single-core rate each (cpu_engine_bench: 16 threads
// ran SHA-256 at 0.80 of 16 x one thread).
constexpr double kCpuParallelEfficiency = 0.8;

}  // namespace

CostLine DefaultCostLine(size_t cost_class, const EngineInfo& info) {
  const Prior& prior = kPriors[std::min(cost_class, kPriors.size() - 1)];
  if (info.kind == EngineKind::kGpu) return {prior.gpu_fixed, prior.gpu_per_unit};
  const double threads = static_cast<double>(std::max<uint32_t>(info.threads, 1));
  return {kCpuFixedSeconds, prior.cpu_core_per_unit / (threads * kCpuParallelEfficiency)};
}

}  // namespace chainaccel
