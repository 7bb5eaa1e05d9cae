// Tests of kernels/split_verify.cuh's seating (SplitSeatOf), which the split kernels use
// to give each thread of a block its role and item: every item of a block gets exactly
// one thread in role 0, kRole1Lanes in role 1 and kRole2Lanes in role 2; a role's warps
// hold that role only; and a quad role's four threads of an item are one aligned quad of
// lanes in one warp (the shuffles of kernels/quad_u256.cuh stay within it).
#include "kernels/split_verify.cuh"

#include <catch2/catch.hpp>

#include <array>

#include "kernels/ecdsa.cuh"
#include "kernels/ed25519_quad.cuh"

namespace chainaccel::kernels {
namespace {

template <class Roles>
void CheckSeating(int role1_lanes, int role2_lanes) {
  using Geometry = SplitGeometry<Roles>;
  REQUIRE(Geometry::kRole1Lanes == role1_lanes);
  REQUIRE(Geometry::kRole2Lanes == role2_lanes);
  REQUIRE(Geometry::kThreadsPerBlock == 32 * (1 + role1_lanes + role2_lanes));
  std::array<std::array<int, 3>, kSplitItemsPerBlock> seats{};
  std::array<std::array<int, 3>, kSplitItemsPerBlock> first_thread{};
  for (int thread = 0; thread < Geometry::kThreadsPerBlock; ++thread) {
    const SplitSeat seat = SplitSeatOf<Roles>(thread);
    INFO("thread " << thread);
    REQUIRE(seat.role >= 0);
    REQUIRE(seat.role <= 2);
    REQUIRE(seat.item >= 0);
    REQUIRE(seat.item < kSplitItemsPerBlock);
    // The role is the warp's.
    CHECK(SplitSeatOf<Roles>(thread - thread % 32).role == seat.role);
    const int lanes = seat.role == 0 ? 1 : seat.role == 1 ? role1_lanes : role2_lanes;
    int& seen = seats[seat.item][seat.role];
    if (seen == 0) {
      first_thread[seat.item][seat.role] = thread;
      // An item's threads of a role start an aligned group of `lanes`.
      CHECK(thread % lanes == 0);
    } else {
      // ... and follow one another within that group (one warp).
      CHECK(thread == first_thread[seat.item][seat.role] + seen);
    }
    ++seen;
  }
  for (int item = 0; item < kSplitItemsPerBlock; ++item) {
    INFO("item " << item);
    CHECK(seats[item][0] == 1);
    CHECK(seats[item][1] == role1_lanes);
    CHECK(seats[item][2] == role2_lanes);
  }
}

TEST_CASE("Split blocks seat every item once in each role, quads on aligned lanes",
          "[split]") {
  CheckSeating<Ed25519VerifyRoles>(1, 1);
  CheckSeating<EcdsaVerifyRoles>(1, 1);
  CheckSeating<Ed25519QuadVerifyRoles>(4, 1);
  CheckSeating<Secp256k1QuadHalves<EcdsaVerifyRoles>>(4, 4);
  // At least 12 warps an SM (the register cap of the one-thread secp256k1 kernels).
  CHECK(SplitGeometry<EcdsaVerifyRoles>::kMinBlocksPerSm == 4);
  CHECK(SplitGeometry<Ed25519QuadVerifyRoles>::kMinBlocksPerSm == 2);
  CHECK(SplitGeometry<Secp256k1QuadHalves<EcdsaVerifyRoles>>::kMinBlocksPerSm == 1);
}

}  // namespace
}  // namespace chainaccel::kernels
