// One modular inversion for the 32 values of a warp (Montgomery's trick), for host and
// device. u256.cuh's ModInv (binary extended Euclid) runs a data-dependent number of
// halvings and subtractions: a warp whose lanes invert different values runs every
// lane's loops one after another, 257-258 µs on the H100 against 69 µs for one value
// alone (456-470 field products; gpu_field_bench --inverse, bench/RESULTS.md
// 2026-12-07). Here the lanes multiply their values together by a scan of shuffles,
// one ModInv of the product (the same value on every lane, so the lanes stay together)
// and the scan's products back give each lane its own inverse: ~12 products beside one
// undivided inversion.
#pragma once

#include "kernels/u256.cuh"

namespace chainaccel::kernels {

#if defined(__CUDA_ARCH__)
namespace warp_inverse {

inline constexpr unsigned kFullWarp = 0xffffffffu;

__device__ __forceinline__ U256 ShuffleUp(const U256& a, unsigned delta) {
  U256 r;
  CHAINACCEL_UNROLL
  for (int k = 0; k < 8; ++k) r.w[k] = __shfl_up_sync(kFullWarp, a.w[k], delta);
  return r;
}

__device__ __forceinline__ U256 ShuffleDown(const U256& a, unsigned delta) {
  U256 r;
  CHAINACCEL_UNROLL
  for (int k = 0; k < 8; ++k) r.w[k] = __shfl_down_sync(kFullWarp, a.w[k], delta);
  return r;
}

__device__ __forceinline__ U256 ShuffleFrom(const U256& a, int lane) {
  U256 r;
  CHAINACCEL_UNROLL
  for (int k = 0; k < 8; ++k) r.w[k] = __shfl_sync(kFullWarp, a.w[k], lane);
  return r;
}

}  // namespace warp_inverse
#endif

// a^-1 mod m (0 for a == 0), as ModInv<M>(a); on the device for every lane of the calling
// warp at once. REQUIRES: a < m; on the device, all 32 lanes of the warp call it
// together (it shuffles with the full mask): no lane may have left the kernel or be in
// another branch. A lane with nothing to invert passes any value below m (1) and ignores
// the result.
template <class M>
CHAINACCEL_HD U256 WarpModInv(const U256& a) {
#if defined(__CUDA_ARCH__)
  using namespace warp_inverse;
  const unsigned lane = threadIdx.x % 32;  // blocks are whole warps
  const bool zero = U256IsZero(a);
  const U256 value = zero ? U256Small(1) : a;  // 0 would zero every product
  // Scans: before = the product of the values of lanes 0..lane, after = of lane..31.
  U256 before = value, after = value;
  for (unsigned delta = 1; delta < 32; delta <<= 1) {
    const U256 from_below = ShuffleUp(before, delta);
    const U256 from_above = ShuffleDown(after, delta);
    if (lane >= delta) before = ModMul<M>(before, from_below);
    if (lane + delta < 32) after = ModMul<M>(after, from_above);
  }
  const U256 all_inverse = ModInv<M>(ShuffleFrom(before, 31));
  // value^-1 = all^-1 * (values of lanes below) * (values of lanes above).
  const U256 below = ShuffleUp(before, 1), above = ShuffleDown(after, 1);
  U256 inverse = all_inverse;
  if (lane > 0) inverse = ModMul<M>(inverse, below);
  if (lane < 31) inverse = ModMul<M>(inverse, above);
  return zero ? U256Zero() : inverse;
#else
  return ModInv<M>(a);
#endif
}

}  // namespace chainaccel::kernels
