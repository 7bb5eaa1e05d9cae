// Macros that let one function body compile as CUDA device code and as plain C++.
//
// CHAINACCEL_HD marks a function callable from host and device (force-inlined on the
// device, where the hash rounds must unroll into straight-line code); under a plain C++
// compiler it is `inline`. CHAINACCEL_UNROLL asks nvcc to unroll the next loop completely
// where its trip count is a compile-time constant (after inlining) and to leave it rolled
// where it is not (the rule for a bare `#pragma unroll`). Host compilers get no pragma:
// GCC's `unroll N` would also unroll loops of run-time trip counts, and host speed
// matters only to the tests.
//
// CHAINACCEL_HD_CALLED marks a host-and-device function that stays a called function on
// the device (`__noinline__`; `inline` only for its linkage in a header); take its
// arguments by value (a reference needs its object in local memory). For a large
// function called from many places, such as a point operation in a scalar
// multiplication: inlined, every call site is a copy of it, and a kernel that large can
// stall on fetching its own instructions. Measure each use (kernels/NOTES.md, "Called
// point operations": the secp256k1 kernels ran 14-15 % faster at 2^20 signatures with
// called point operations; Ed25519's one-thread kernel 7 % slower, though 32 % faster at
// 1,024).
#pragma once

#if defined(__CUDACC__)
#define CHAINACCEL_HD __host__ __device__ __forceinline__
#define CHAINACCEL_HD_CALLED __host__ __device__ inline __noinline__
#else
#define CHAINACCEL_HD inline
#define CHAINACCEL_HD_CALLED inline
#endif

#if defined(__CUDA_ARCH__)
#define CHAINACCEL_UNROLL _Pragma("unroll")
#else
#define CHAINACCEL_UNROLL
#endif
