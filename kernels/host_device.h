// Macros that let one function body compile as CUDA device code and as plain C++.
//
// CHAINACCEL_HD marks a function callable from host and device (force-inlined on the
// device, where the hash rounds must unroll into straight-line code); under a plain C++
// compiler it is `inline`. CHAINACCEL_UNROLL asks nvcc to unroll the next loop completely
// where its trip count is a compile-time constant (after inlining) and to leave it rolled
// where it is not (the rule for a bare `#pragma unroll`). Host compilers get no pragma:
// GCC's `unroll N` would also unroll loops of run-time trip counts, and host speed
// matters only to the tests.
#pragma once

#if defined(__CUDACC__)
#define CHAINACCEL_HD __host__ __device__ __forceinline__
#else
#define CHAINACCEL_HD inline
#endif

#if defined(__CUDA_ARCH__)
#define CHAINACCEL_UNROLL _Pragma("unroll")
#else
#define CHAINACCEL_UNROLL
#endif
