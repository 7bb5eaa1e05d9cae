// The Fr side of the Groth16 prover on the GPU: NTTs over BN254's scalar field, snarkjs's
// H step (the quotient's evaluations on the odd coset), the constraint matrices times the
// witness, and the conversion of Montgomery elements to the MSM's canonical scalars.
//
// Elements: 4 uint64 little-endian limbs in Montgomery form (bn254::Fr::raw_montgomery()),
// n = 2^log_n of them end to end. Roots are ffjavascript's (snarkjs's): w[28] = 5^t with
// r - 1 = 2^28·t, w[k] = w[k+1]^2, the forward transform out[k] = Σ_j in[j]·w[log_n]^(jk),
// the inverse out[k] = (1/n)·Σ_j in[j]·w[log_n]^(-jk), natural order in and out.
//
// Scratch memory (CUB style): ...WorkspaceBytes(log_n, &bytes) says how much; the caller
// owns it, passes it to every launch of at most that size, and may reuse it once the stream
// has passed the launch. Every pointer is a device pointer of the current device; the
// wrappers only enqueue work on `stream` (inputs unchanged, outputs unread until the
// stream has passed it). Thread-safe: calls share nothing but what the caller passes.
//
// Returns: OK once enqueued; INVALID_ARGUMENT (checked before any CUDA call) for a null
// pointer, a size out of range, or a workspace too small; otherwise the CUDA error
// converted by kernels/cuda_status.h (CHAINACCEL_CUDA_SYNC=1 checks every kernel).
#pragma once

#include <cuda_runtime_api.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/status.h"

namespace chainaccel::kernels::zk {

inline constexpr int kNttMinLogSize = 1;
inline constexpr int kNttMaxLogSize = 28;  // Fr's 2-adicity: r - 1 = 2^28·t

enum class NttDirection { kForward, kInverse };

// ffjavascript's Fr.w[log_n] (a primitive 2^log_n-th root of unity) as Montgomery limbs,
// computed on the host from the constant w[28]. REQUIRES 0 <= log_n <= 28.
std::array<uint64_t, 4> FrRootOfUnityLimbs(int log_n);

// *bytes = the scratch memory of LaunchNtt for 2^log_n elements (1 <= log_n <= 28).
Status NttWorkspaceBytes(int log_n, size_t* bytes);

// values (2^log_n elements) transformed in place.
Status LaunchNtt(uint64_t* values, int log_n, NttDirection direction, void* workspace,
                 size_t workspace_bytes, cudaStream_t stream);

// *bytes = the scratch memory of LaunchHCoset for a domain of 2^log_n points.
Status HCosetWorkspaceBytes(int log_n, size_t* bytes);

// snarkjs's groth16_prove.js step 2: with c[i] = a[i]·b[i] (the evaluations of A, B, C over
// the domain of n = 2^log_n points), each of a, b, c goes through an inverse NTT, a
// multiplication of entry i by inc^i (inc = w[log_n + 1], or Fr.shift = 25 when
// log_n = 28) and a forward NTT; h[i] = a_odd[i]·b_odd[i] - c_odd[i] (Montgomery; the H
// section's order). a and b are read only (h may be either of them).
Status LaunchHCoset(const uint64_t* a, const uint64_t* b, int log_n, uint64_t* h,
                    void* workspace, size_t workspace_bytes, cudaStream_t stream);

// One of the constraint matrices (A or B of the .zkey's section 4) times the witness:
// out[row] = Σ_{k in [row_offsets[row], row_offsets[row + 1])} coefficients[k]·
// witness[signals[k]] for row < rows, and 0 for rows <= row < domain_size (snarkjs's
// buildABC). coefficients and witness are Montgomery Fr elements (a .zkey coefficient
// must be converted first: section 4 stores v·R^2, see docs/zk.md). One thread per row.
// REQUIRES: row_offsets holds rows + 1 non-decreasing values; every signals[k] is below
// the witness's length (the key's loader checks both); rows <= domain_size < 2^32.
// Returns INVALID_ARGUMENT for rows > domain_size, a null pointer (row_offsets, signals and
// coefficients may be null when rows == 0) or domain_size >= 2^32.
Status LaunchSparseMatrixTimesWitness(const uint32_t* row_offsets, const uint32_t* signals,
                                      const uint64_t* coefficients, size_t rows,
                                      const uint64_t* witness, size_t domain_size,
                                      uint64_t* out, cudaStream_t stream);

// out[i] = the canonical integer (LaunchMsmG1's scalar layout) of the Montgomery element
// in[i], i < n; in == out is allowed.
Status LaunchFrFromMontgomery(const uint64_t* in, uint64_t* out, size_t n, cudaStream_t stream);

}  // namespace chainaccel::kernels::zk
