// Device-side helpers of the zk kernel tests and benchmark (not part of the kernels' API):
// field operations run on the GPU, so that a host test can compare the PTX arithmetic with
// crypto/bn254, and random G1 and G2 bases made on the GPU as multiples of a generator.
// Any CUDA failure aborts the process naming the call (kernels/testing/device_buffer.h).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace chainaccel::kernels::zk::testing {

enum class TestField { kFp, kFr };

// Element-wise results of the device's field code on a[i], b[i] (4 limbs each, Montgomery):
struct FieldOpResults {
  std::vector<uint64_t> mul, add, sub, neg, square, dbl;
};

// Runs every operation on the device over the elements of a and b (same length, 4 limbs an
// element) and copies the results back (synchronous).
FieldOpResults RunFieldOpsOnDevice(TestField field, const std::vector<uint64_t>& a,
                                   const std::vector<uint64_t>& b);

// affine[i] = scalars[i]·G (8 limbs, Montgomery; all zero for a zero scalar) for the
// canonical scalars[i] (4 limbs), i < n, by double-and-add and one inversion per point
// on the device. Device pointers; enqueued on `stream`. Aborts on a CUDA error.
void MultiplesOfGeneratorOnDevice(const uint64_t* scalars, size_t n, uint64_t* affine,
                                  cudaStream_t stream);

// The same in G2: affine[i] = scalars[i]·Q (16 limbs) for the affine G2 point Q given as 16
// host limbs (x.c0, x.c1, y.c0, y.c1, Montgomery; crypto/bn254's G2 generator in practice).
void MultiplesOfG2PointOnDevice(const uint64_t* generator, const uint64_t* scalars, size_t n,
                                uint64_t* affine, cudaStream_t stream);

// Enqueues `threads` threads that each run `rounds` rounds of four independent Montgomery
// multiplications in Fp (x_j <- x_j·y), 4·rounds·threads products in all, and store their
// results to `sink` (threads × 4 limbs, device): the field multiplication's throughput,
// for the benchmark; limbs32 selects the experimental 8 × 32-bit-limb multiplication
// instead of bn254_field.cuh's. Aborts on a launch error.
void FpMulThroughputOnDevice(size_t threads, int rounds, uint64_t* sink, cudaStream_t stream,
                             bool limbs32);

// a[i]·b[i] in Fp by the experimental 32-bit-limb multiplication (synchronous).
std::vector<uint64_t> RunFp32MulOnDevice(const std::vector<uint64_t>& a,
                                         const std::vector<uint64_t>& b);

}  // namespace chainaccel::kernels::zk::testing
