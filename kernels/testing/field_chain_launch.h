// Field arithmetic on the GPU for tests and benchmarks. Chains of secp256k1 field
// products in either field layout, for the latency path's first question
// (kernels/NOTES.md, "The latency floor after GLV"): how long one product takes when a
// batch is too small to fill the GPU. One thread per value runs
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

// The modulus of an inverse chain: secp256k1's field prime p or its group order n.
enum class InverseModulus : uint8_t {
  kFieldP = 0,
  kOrderN = 1,
};
// How an inverse chain inverts: u256.cuh's ModInv (the binary extended Euclid, whose
// lanes take their own data-dependent paths), or warp_inverse.cuh's WarpModInv (one
// ModInv for the warp's 32 values, Montgomery's trick).
enum class InverseMethod : uint8_t {
  kEuclid = 0,
  kWarp = 1,
};
// out[i] = the end of `steps` dependent inversions x <- x^-1 + 1 mod m from x = a[i], one
// thread a value, for i < count: one inversion's latency along a chain (compare
// LaunchFieldMulChain's products). kWarp's lanes past `count` invert 1 and store nothing.
// REQUIRES: a[i] < m; a and out hold count * 8 limbs each, not overlapping.
Status LaunchFieldInverseChain(InverseModulus modulus, InverseMethod method, const uint32_t* a,
                               uint32_t* out, size_t count, uint32_t steps, cudaStream_t stream);

// The products of u256.cuh as the signature kernels run them on the device (the PTX
// carry chains of u256_chains.cuh), for a differential test against the host's C++:
// for i < count, out[kModularProductLimbs * i ...] holds, in this order,
//   a*b (16 limbs), a^2 (16 limbs), then 8 limbs each of
//   a*b mod p and a^2 mod p (secp256k1's field), a*b mod n and a^2 mod n (its order),
//   a*b mod 2^255 - 19 and a^2 mod 2^255 - 19 (Ed25519's field: the fold by 38).
// Any a, b below 2^256. REQUIRES: a and b hold count * 8 limbs, out count *
// kModularProductLimbs, overlapping neither.
inline constexpr size_t kModularProductLimbs = 16 + 16 + 6 * 8;
Status LaunchModularProducts(const uint32_t* a, const uint32_t* b, uint32_t* out, size_t count,
                             cudaStream_t stream);

// The same products, in the same layout, of every pair (a, b) of kConstantOperands values
// that the compiler knows: 0, 1, 2, 38, 2^255 - 20 (-1 mod 2^255 - 19), p - 1 (secp256k1),
// then x (8 limbs read at run time), pair (i, j) at index kConstantOperands * i + j. The
// regression case of the Ed25519 identity key: constant limbs (as a decoded point's Z = 1)
// let nvcc give an asm input the register of an equal in-out operand, which a chain
// overwrites before its last read unless the operand is early-clobber ("+&r").
// REQUIRES: x holds 8 limbs, out kConstantOperands^2 * kModularProductLimbs.
inline constexpr size_t kConstantOperands = 7;
Status LaunchConstantModularProducts(const uint32_t* x, uint32_t* out, cudaStream_t stream);

// Ed25519's variable-base ladder, b * P by signed 5-bit windows (253 doublings, 51
// additions), one thread a point (ed25519.cuh's EdWindowedMul) or four lanes a point
// (ed25519_quad.cuh's EdQuadWindowedMul): the latency of the split kernel's longest role.
enum class LadderLayout : uint8_t {
  kOneThread = 0,
  kQuad = 1,
};
// For i < count: out[32 i ...] = scalars[i] * P_i in extended coordinates X, Y, Z, T (8
// limbs each; the layouts give the same point in different coordinates), P_i = points[32 i
// ...] likewise. REQUIRES: scalars[i] < 2^254; scalars count * 8 limbs, points and out
// count * 32, out overlapping neither.
Status LaunchEdLadder(LadderLayout layout, const uint32_t* scalars, const uint32_t* points,
                     uint32_t* out, size_t count, cudaStream_t stream);

// secp256k1's half of the split layout, k2 * phi(P) (secp256k1.cuh's GlvHalfMul with the
// endomorphism: the table of 16 multiples, their global Z, ~125 doublings and ~26
// additions), one thread a point or four lanes a point (secp256k1_quad.cuh's
// QuadGlvHalfMul): the latency of the split kernel's half roles. For i < count: out[24 i
// ...] = the Jacobian X, Y, Z (8 limbs each; both layouts give the same coordinates) of
// scalars[i] * phi(P_i), P_i = points[16 i ...] affine x, y. REQUIRES: scalars[i] < 2^130
// (a GLV half), P_i on the curve; scalars count * 8 limbs, points count * 16, out
// count * 24, out overlapping neither.
Status LaunchSecpHalfLadder(LadderLayout layout, const uint32_t* scalars,
                            const uint32_t* points, uint32_t* out, size_t count,
                            cudaStream_t stream);

}  // namespace chainaccel::kernels
