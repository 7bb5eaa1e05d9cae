// The G1 and G2 multi-scalar multiplications of BN254 on the GPU:
// result = Σ scalars[i]·bases[i].
//
// Layout (the Groth16 prover contract, core/groth16_circuit.h):
//   bases   G1: n × 8 uint64, affine (x, y), each 4 little-endian limbs in Montgomery form
//           (bn254::Fp::raw_montgomery()); G2: n × 16 uint64, (x.c0, x.c1, y.c0, y.c1)
//           likewise. The point at infinity is all zero.
//   scalars n × 4 uint64: canonical (NOT Montgomery) little-endian integers < r.
//   result  G1: 12 uint64, G2: 24 uint64: a Jacobian point (X, Y, Z), Montgomery limbs,
//           standing for (X/Z^2, Y/Z^3); Z = 0 is the point at infinity. Not normalized:
//           compare points, not limbs (bn254::G1 and G2 hold the same form).
//
// Algorithm (the same kernels for both groups, templates over the coordinate field):
// Pippenger's bucket method with signed c-bit digits (c from MsmWindowWidth),
// points sorted by bucket with cub::DeviceRadixSort, buckets filled by threads that add
// MsmChunkLength consecutive sorted points each, reduced per window by parallel running
// sums, windows combined by Horner's rule. kernels/zk/NOTES.md has the details and the measurements.
//
// Scratch memory (CUB style): MsmG1WorkspaceBytes(n, &bytes) says how much, the caller
// allocates it on the device (any cudaMalloc'd block of at least `bytes`) and passes it to
// every LaunchMsmG1 of at most n points (for fewer points LaunchMsmG1 may take a wider
// window than MsmWindowWidth, the nearest whose layout fits); the wrapper never frees it.
//
// Every pointer is a device pointer of the current device. LaunchMsmG1 only enqueues work
// on `stream`: inputs must stay unchanged and the workspace and result untouched until the
// stream has passed the launch. Variable-time (public data or prover-chosen scalars whose
// timing is no secret). Thread-safe: calls share nothing but what the caller passes.
//
// Returns: OK once enqueued; INVALID_ARGUMENT (checked before any CUDA call) for a null
// pointer, n > kMsmMaxPoints, or a workspace that fits no window for n (smaller than
// MsmG1WorkspaceBytes(m) for every m >= n);
// otherwise the CUDA error converted by kernels/cuda_status.h. With CHAINACCEL_CUDA_SYNC=1
// every kernel is synchronized and checked (kernels/launch_check.h).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "core/status.h"

namespace chainaccel::kernels::zk {

// The largest n: pair indices (n × windows) stay below 2^31 and point indices below 2^31.
inline constexpr size_t kMsmMaxPoints = size_t{1} << 26;

// Points one bucket-filling thread adds for `pairs` non-zero (window, point) digits: the
// pairs sorted by bucket are cut into chunks of this many, whatever the buckets' sizes, so
// every thread does the same work (a bucket split over several chunks gets its pieces
// added afterwards, and one heavy bucket, all scalars equal, cannot serialize the whole MSM
// onto one thread). 64; 128 from 2^27 pairs (2^20 chunks, ~15 times what the device holds
// at once), which halves the pieces to add per bucket where parallelism is plentiful.
uint32_t MsmChunkLength(size_t pairs);

// The window width c for n points (both groups): the c in [2, 20] minimizing the
// estimated work W(c)·(n + 6·2^c) + 2^17·max(0, n / (2^t·64) - 1), W(c) = floor(254 / c) + 1
// windows: n mixed additions into buckets per window, about six additions' worth per
// bucket, and the serial chain of the top window, whose t = 254 - (W - 1)·c bits put
// n / 2^t points into each of its buckets (c = 12, 14 or 18 leave t = 2). 20 at most keeps
// the buckets of one G1 MSM under 1 GiB.
int MsmWindowWidth(size_t n);

// *bytes = the scratch memory LaunchMsmG1 (G2: LaunchMsmG2) needs for up to n points
// (n >= 1). Returns INVALID_ARGUMENT for n == 0 or n > kMsmMaxPoints (no CUDA call);
// otherwise what CUB's size queries return.
Status MsmG1WorkspaceBytes(size_t n, size_t* bytes);
Status MsmG2WorkspaceBytes(size_t n, size_t* bytes);

// result = Σ_{i < n} scalars[i]·bases[i]; n == 0 writes the point at infinity.
// REQUIRES: scalars[i] < r (the signed digits assume 254 bits); bases on the curve (G2:
// the twist) or all zero; result overlaps neither the inputs nor the workspace.
Status LaunchMsmG1(const uint64_t* bases, const uint64_t* scalars, size_t n, uint64_t* result,
                   void* workspace, size_t workspace_bytes, cudaStream_t stream);
Status LaunchMsmG2(const uint64_t* bases, const uint64_t* scalars, size_t n, uint64_t* result,
                   void* workspace, size_t workspace_bytes, cudaStream_t stream);

// The same with the window width chosen by the caller (benchmarks and tests of the window
// choice): window_bits in [2, 20], INVALID_ARGUMENT otherwise; the workspace must hold
// Msm*WorkspaceBytesForWindow(n, window_bits).
Status MsmG1WorkspaceBytesForWindow(size_t n, int window_bits, size_t* bytes);
Status MsmG2WorkspaceBytesForWindow(size_t n, int window_bits, size_t* bytes);
Status LaunchMsmG1WithWindow(int window_bits, const uint64_t* bases, const uint64_t* scalars,
                             size_t n, uint64_t* result, void* workspace, size_t workspace_bytes,
                             cudaStream_t stream);
Status LaunchMsmG2WithWindow(int window_bits, const uint64_t* bases, const uint64_t* scalars,
                             size_t n, uint64_t* result, void* workspace, size_t workspace_bytes,
                             cudaStream_t stream);

}  // namespace chainaccel::kernels::zk
