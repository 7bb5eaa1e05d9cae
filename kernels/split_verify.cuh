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
//   void Finish(uint64_t i, const Fixed&, const Parts&, bool store) const: item i's
//     result, written when `store` (false: a lane past the batch's end, which computes
//     with its warp and writes nothing).
// and optionally, for roles 1 and 2 run by a quad of lanes each (kernels/quad_u256.cuh:
//   the four lanes of a quad call the role's functions together, each holding one lane of
//   the quad values; on the host one call steps all four):
//   static constexpr int kRole1Lanes, kRole2Lanes: 1 or 4 each (declare both; a Roles
//   that declares neither runs every role on one lane).
//   Every lane of a quad writes the same values to Parts (a quad's values are the same
//   on its four lanes once broadcast).
// Every function is plain host and device code, so RunSplitRolesInOrder runs an item's
// roles on the host in an order the barriers allow: the tests compare that, and the
// kernels, with the one-thread functions and the CPU engine.
// Warps: role 0 on warp 0, role 1 on the next kRole1Lanes warps, role 2 on the
// kRole2Lanes after those (a role of L lanes an item holds 32 / L items a warp).
#pragma once

#include <cstdint>

#include "kernels/host_device.h"

namespace chainaccel::kernels {

inline constexpr int kSplitItemsPerBlock = 32;  // one item a lane of warp 0

// A block's warps and threads for Roles (see above), and the blocks an SM must hold: at
// least 12 warps, so that ptxas keeps to 170 registers as the one-thread secp256k1
// kernels' 3 blocks of 128 do (kernels/ecdsa_launch.cu). Three one-lane roles: 4 blocks
// of 96 threads, ~16,900 items on 132 SMs in one wave.
template <class Roles, class = void>
struct SplitRoleLanes {
  static constexpr int kRole1 = 1, kRole2 = 1;
};
template <class Roles>
struct SplitRoleLanes<Roles, decltype(void(Roles::kRole1Lanes + Roles::kRole2Lanes))> {
  static constexpr int kRole1 = Roles::kRole1Lanes, kRole2 = Roles::kRole2Lanes;
};
template <class Roles>
struct SplitGeometry {
  static constexpr int kRole1Lanes = SplitRoleLanes<Roles>::kRole1;
  static constexpr int kRole2Lanes = SplitRoleLanes<Roles>::kRole2;
  static constexpr int kWarps = 1 + kRole1Lanes + kRole2Lanes;
  static constexpr int kThreadsPerBlock = kSplitItemsPerBlock * kWarps;
  static constexpr int kMinBlocksPerSm = kWarps >= 12 ? 1 : 12 / kWarps;
  static_assert((kRole1Lanes == 1 || kRole1Lanes == 4) && (kRole2Lanes == 1 || kRole2Lanes == 4),
                "a role runs on one lane or on a quad");
};

// What thread `thread` of a split block does: its role and its item within the block.
struct SplitSeat {
  int role;
  int item;
};
template <class Roles>
CHAINACCEL_HD constexpr SplitSeat SplitSeatOf(int thread) {
  using Geometry = SplitGeometry<Roles>;
  const int warp = thread / 32, lane = thread % 32;
  if (warp == 0) return SplitSeat{0, lane};
  if (warp <= Geometry::kRole1Lanes) {
    return SplitSeat{1, (warp - 1) * (32 / Geometry::kRole1Lanes) +
                            lane / Geometry::kRole1Lanes};
  }
  return SplitSeat{2, (warp - 1 - Geometry::kRole1Lanes) * (32 / Geometry::kRole2Lanes) +
                          lane / Geometry::kRole2Lanes};
}

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
  roles.Finish(i, fixed, parts, true);
}

#if defined(__CUDACC__)
// The split kernel of a scheme: blocks of SplitGeometry<Roles>::kThreadsPerBlock threads,
// 32 items a block. In the last block, the lanes past `count` run their role on the last
// item (roles 1 and 2 into their own Parts, warp 0 into its own Fixed, and Finish with
// `store` false), so that every phase may use a warp's collectives (WarpModInv) with
// every lane present.
template <class Roles>
__global__ void __launch_bounds__(SplitGeometry<Roles>::kThreadsPerBlock,
                                  SplitGeometry<Roles>::kMinBlocksPerSm)
    SplitVerifyKernel(Roles roles, uint64_t count) {
  using Geometry = SplitGeometry<Roles>;
  __shared__ typename Roles::Parts shared_parts[kSplitItemsPerBlock];
  const SplitSeat seat = SplitSeatOf<Roles>(static_cast<int>(threadIdx.x));
  const int role = seat.role;  // warp-uniform
  const uint64_t i = uint64_t{blockIdx.x} * kSplitItemsPerBlock + seat.item;
  const bool active = i < count;
  typename Roles::Parts& parts = shared_parts[seat.item];
  typename Roles::Fixed fixed{};
  const uint64_t item = active ? i : count - 1;
  if (role == 0) {
    fixed = roles.FixedRole(item);
  } else {
    typename Roles::Carried carried;
    roles.FirstPhase(role, item, parts, carried);
    // Named barrier 1 of roles 1 and 2, in its unaligned form (barrier.sync, not
    // bar.sync): a warp's lanes may arrive at different times. compute-sanitizer's
    // racecheck does not follow a barrier with a thread count: it may report hazards
    // between SecondPhase's stores and Finish's loads, across the block barrier below
    // (false positives: kernels/experiments/racecheck_named_barrier.cu).
    asm volatile("barrier.sync 1, %0;" ::"n"(Geometry::kThreadsPerBlock - 32) : "memory");
    roles.SecondPhase(role, item, parts, carried);
  }
  __syncthreads();
  if (role == 0) roles.Finish(item, fixed, parts, active);
}

// Enqueues SplitVerifyKernel<Roles> on `blocks` blocks (GridBlocks(count,
// kSplitItemsPerBlock), checked by the caller); the caller checks the launch.
template <class Roles>
void EnqueueSplitVerify(const Roles& roles, uint64_t count, unsigned blocks,
                        cudaStream_t stream) {
  SplitVerifyKernel<<<blocks, SplitGeometry<Roles>::kThreadsPerBlock, 0, stream>>>(roles,
                                                                                   count);
}
#endif  // __CUDACC__

}  // namespace chainaccel::kernels
