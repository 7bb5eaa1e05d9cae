// The split layout of the signature kernels (kernels/signature_layout.h): each item's
// verification on three threads in three warps of one block (warp w, lane l: role w of
// item 32 * block + l), so that a batch too small to fill the GPU finishes sooner than
// one verification on one thread. The work of the roles is a scheme's
// (kernels/secp256k1_split.cuh, kernels/ed25519.cuh); the order is always:
//   phase 1  warps 1 and 2 (FirstPhase), while warp 0 computes its part (FixedRole);
//   barrier  of warps 1 and 2 only (named barrier 1): what each wrote to the item's Parts
//            in shared memory is visible to the other;
//   phase 2  warps 1 and 2 (SecondPhase), warp 0 still on its part or waiting;
//   barrier  of all three warps;
//   phase 3  warp 0 (Finish): the parts summed, the scheme's final check, the result.
// A Roles type provides:
//   Parts: an item's shared state; Carried: what a warp-1/2 thread keeps in its own
//     registers or local memory from phase 1 to phase 2; Fixed: warp 0's result;
//   void FirstPhase(int role, uint64_t i, Parts&, Carried&) const   (role 1 or 2)
//   void SecondPhase(int role, uint64_t i, Parts&, Carried&) const  (role 1 or 2)
//   Fixed FixedRole(uint64_t i) const
//   void Finish(uint64_t i, const Fixed&, const Parts&) const: writes item i's result.
// Every function is plain host and device code, so RunSplitRolesInOrder runs an item's
// roles on the host in an order the barriers allow: the tests compare that, and the
// kernels, with the one-thread functions and the CPU engine.
#pragma once

#include <cstdint>

#include "kernels/host_device.h"

namespace chainaccel::kernels {

inline constexpr int kSplitItemsPerBlock = 32;  // one item a lane
inline constexpr int kSplitThreadsPerBlock = 3 * kSplitItemsPerBlock;
// At least 4 blocks (12 warps) an SM, so that ptxas keeps to 170 registers as the
// one-thread secp256k1 kernels' 3 blocks of 128 do (kernels/ecdsa_launch.cu): ~16,900
// items fit on 132 SMs in one wave.
inline constexpr int kSplitMinBlocksPerSm = 4;

// For Roles without state carried between the phases.
struct NothingCarried {};

// One item's roles one after another on the calling thread: the host's reference.
template <class Roles>
CHAINACCEL_HD void RunSplitRolesInOrder(const Roles& roles, uint64_t i) {
  typename Roles::Parts parts;
  typename Roles::Carried carried1, carried2;
  roles.FirstPhase(1, i, parts, carried1);
  roles.FirstPhase(2, i, parts, carried2);
  const typename Roles::Fixed fixed = roles.FixedRole(i);
  roles.SecondPhase(1, i, parts, carried1);
  roles.SecondPhase(2, i, parts, carried2);
  roles.Finish(i, fixed, parts);
}

#if defined(__CUDACC__)
// The split kernel of a scheme: blocks of kSplitThreadsPerBlock threads, 32 items a
// block (lanes past `count` in the last block take part in the barriers only).
template <class Roles>
__global__ void __launch_bounds__(kSplitThreadsPerBlock, kSplitMinBlocksPerSm)
    SplitVerifyKernel(Roles roles, uint64_t count) {
  __shared__ typename Roles::Parts shared_parts[kSplitItemsPerBlock];
  const int lane = static_cast<int>(threadIdx.x % kSplitItemsPerBlock);
  const int role = static_cast<int>(threadIdx.x / kSplitItemsPerBlock);  // warp-uniform
  const uint64_t i = uint64_t{blockIdx.x} * kSplitItemsPerBlock + lane;
  const bool active = i < count;
  typename Roles::Parts& parts = shared_parts[lane];
  typename Roles::Fixed fixed{};
  if (role == 0) {
    if (active) fixed = roles.FixedRole(i);
  } else {
    typename Roles::Carried carried;
    if (active) roles.FirstPhase(role, i, parts, carried);
    // Named barrier 1 of warps 1 and 2, in its unaligned form (barrier.sync, not
    // bar.sync): the last block's lanes past `count` may arrive while their warp's other
    // lanes are still in FirstPhase.
    asm volatile("barrier.sync 1, %0;" ::"n"(2 * kSplitItemsPerBlock) : "memory");
    if (active) roles.SecondPhase(role, i, parts, carried);
  }
  __syncthreads();
  if (role == 0 && active) roles.Finish(i, fixed, parts);
}
#endif  // __CUDACC__

}  // namespace chainaccel::kernels
