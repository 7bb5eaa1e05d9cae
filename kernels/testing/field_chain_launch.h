// Chains of secp256k1 field products on the GPU in either field layout, for the latency
// path's first question (kernels/NOTES.md, "The latency floor after GLV"): how long one
// product takes when a batch is too small to fill the GPU. One thread per value runs
// u256.cuh's ModMul<Fp>; eight lanes per value run lane_u256.cuh's lanes::ModMulP.
// Test and benchmark code (gpu_kernel_tests' [device][lanes] cases, gpu_field_bench): no
// engine launches it.
//
// Values are 8 little-endian 32-bit limbs (limb 0 = bits 0..31), any value below 2^256.
// Every pointer is a device pointer; the wrapper only enqueues on `stream`.
//
// Returns: OK once the kernel is enqueued (count == 0 or steps == 0 enqueue nothing);
// INVALID_ARGUMENT for a null pointer, an unknown layout or a count too large to index,
// checked before any CUDA call; otherwise the launch's CUDA error (kernels/launch_check.h).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "core/status.h"

namespace chainaccel::kernels {

enum class FieldLayout : uint8_t {
  kOneThread = 0,   // a value per thread (the throughput layer of the signature kernels)
  kEightLanes = 1,  // a value per 8 lanes of a warp (lane i holds limb i)
};

// out[i] = a[i] * b[i]^steps mod p, fully reduced, as `steps` dependent products
// (x <- x * b[i], starting from x = a[i]), for i < count. The chain makes a small
// batch's kernel time steps x one product's latency.
// REQUIRES: a, b and out hold count * 8 limbs each; out overlaps neither input.
Status LaunchFieldMulChain(FieldLayout layout, const uint32_t* a, const uint32_t* b,
                           uint32_t* out, size_t count, uint32_t steps, cudaStream_t stream);

}  // namespace chainaccel::kernels
