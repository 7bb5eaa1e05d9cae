// Four lanes on one point operation, for the latency path of the signature kernels
// (kernels/NOTES.md, "The split layout", what is left): an elliptic-curve doubling or
// addition is a few rounds of independent field products (Ed25519's dbl-2008-hwcd: four
// squares, then four products), so the four lanes of a quad each compute one product of a
// round, and every lane then takes all four results (Broadcast) for the next one. A
// lane's product is one thread's whole ModMul, so the field layer stays u256.cuh's; only
// the rounds get shorter.
//
// The same source runs on the host, where Quad<T> holds all four lanes' values and each
// per-lane step loops over them (kernels/ed25519_quad_test.cc compares the results with
// the one-thread functions), and on the device, where each lane of an aligned group of 4
// holds its own value and Broadcast is 8 warp shuffles within the quad.
//
// Used by the split layout's kSplitQuad (kernels/signature_layout.h): Ed25519's [k](-A)
// (kernels/ed25519_quad.cuh) and secp256k1's halves (kernels/secp256k1_quad.cuh).
//
// REQUIRES (device): the four lanes of a quad call each function together, lanes
// 4q .. 4q + 3 holding one value (other quads of the warp may be elsewhere).
#pragma once

#include <cstdint>

#include "kernels/host_device.h"
#include "kernels/u256.cuh"

namespace chainaccel::kernels::quad {

inline constexpr int kQuadLanes = 4;

// One value of type T per lane of a quad.
template <typename T>
struct Quad {
#if defined(__CUDA_ARCH__)
  T x;  // this lane's
  __device__ __forceinline__ T& operator[](int) { return x; }
  __device__ __forceinline__ const T& operator[](int) const { return x; }
#else
  T x[kQuadLanes];
  T& operator[](int i) { return x[i]; }
  const T& operator[](int i) const { return x[i]; }
#endif
};

#if defined(__CUDA_ARCH__)
__device__ __forceinline__ unsigned QuadWarpLane() {
  unsigned lane;
  asm("mov.u32 %0, %%laneid;" : "=r"(lane));
  return lane;
}
// The body runs once, for this lane's index k in its quad.
#define CHAINACCEL_FOR_EACH_QUAD_LANE(k)                                                  \
  for (int k = static_cast<int>(::chainaccel::kernels::quad::QuadWarpLane() % 4), \
           k##_end = k + 1;                                                              \
       k < k##_end; ++k)
#else
#define CHAINACCEL_FOR_EACH_QUAD_LANE(k) \
  for (int k = 0; k < ::chainaccel::kernels::quad::kQuadLanes; ++k)
#endif

// Lane j's value, on every lane of the quad.
CHAINACCEL_HD U256 Broadcast(const Quad<U256>& v, int j) {
#if defined(__CUDA_ARCH__)
  const unsigned lane = QuadWarpLane();
  const unsigned mask = 0xFu << (lane & ~3u);
  U256 out;
  CHAINACCEL_UNROLL
  for (int w = 0; w < 8; ++w) {
    out.w[w] = __shfl_sync(mask, v.x.w[w], static_cast<int>((lane & ~3u) + j));
  }
  return out;
#else
  return v[j];
#endif
}

// Lane k takes the k-th argument.
CHAINACCEL_HD Quad<U256> Select(const U256& a, const U256& b, const U256& c, const U256& d) {
  Quad<U256> out;
  CHAINACCEL_FOR_EACH_QUAD_LANE(k) {
    out[k] = k == 0 ? a : k == 1 ? b : k == 2 ? c : d;
  }
  return out;
}

// Each lane's product, modulo M.
template <class M>
CHAINACCEL_HD Quad<U256> Mul(const Quad<U256>& a, const Quad<U256>& b) {
  Quad<U256> out;
  CHAINACCEL_FOR_EACH_QUAD_LANE(k) { out[k] = ModMul<M>(a[k], b[k]); }
  return out;
}

// Each lane's square, modulo M.
template <class M>
CHAINACCEL_HD Quad<U256> Sqr(const Quad<U256>& a) {
  Quad<U256> out;
  CHAINACCEL_FOR_EACH_QUAD_LANE(k) { out[k] = ModSqr<M>(a[k]); }
  return out;
}

}  // namespace chainaccel::kernels::quad
