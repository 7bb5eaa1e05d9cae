// The secp256k1 schemes (ECDSA verification and recovery, BIP-340) in the split layout of
// kernels/split_verify.cuh. u1 * G + u2 * P = u1 * G + k1 * P + k2 * phi(P) (u2 = k1 + k2
// lambda, GLV), three scalar multiplications with no doubling in common:
//   phase 1  warp 1 (key role): the point P, parsed or decompressed (a square root);
//            warp 2 (scalar role): the scalar checks, an inverse mod n, u2's split;
//            warp 0: the same checks, u1 and u1 * G from the table (FixedBaseMul);
//   phase 2  warp 1: k1 * P; warp 2: k2 * phi(P) (GlvHalfMul, each its own multiples);
//   phase 3  warp 0: SumOfParts and the scheme's final check.
// The square root and the inverse overlap, and the two halves' additions and u1 * G's
// leave the critical path: ~0.65-0.7 of the one-thread chain (counted), for ~1.2x the
// work (the halves' doublings and tables twice).
// A scheme (EcdsaVerifyRoles, EcdsaRecoverRoles, Bip340VerifyRoles) derives from
// Secp256k1SplitPhases and provides
//   void KeyRole(uint64_t i, SplitParts&) const: sets key_ok and key;
//   void ScalarRole(uint64_t i, SplitParts&) const: sets scalars_ok and split;
//   SplitFixed FixedRole(uint64_t i) const: the scalar checks' status (ScalarRole's
//     verdict) and, when OK, u1 * G;
//   void Finish(uint64_t i, const SplitFixed&, const SplitParts&) const.
#pragma once

#include <cstdint>

#include "core/task.h"
#include "kernels/secp256k1.cuh"
#include "kernels/secp256k1_quad.cuh"
#include "kernels/split_verify.cuh"

namespace chainaccel::kernels {

// What one item's three threads hand each other (shared memory on the device).
struct SplitParts {
  AffinePoint key;          // the key role's point: the public key, or R for recovery
  LambdaSplit split;        // the scalar role's u2 = k1 + k2 lambda (when scalars_ok)
  JacobianPoint halves[2];  // k1 * key and k2 * phi(key), when key_ok and scalars_ok
  bool key_ok;              // the key role found its point
  bool scalars_ok;          // the scalar role's checks passed
};

// Warp 0's part: the status of the scalar checks and, when OK, u1 * G.
struct SplitFixed {
  ItemStatus status;
  JacobianPoint point;
};

// Phase 2 of half 0 (k1 * key) or 1 (k2 * phi(key)); nothing unless both phase-1 roles
// succeeded. One call of GlvHalfMul for either half (one inlined copy in the kernel).
// kOnQuad: on the role's quad of lanes (QuadGlvHalfMul: the same coordinates, written by
// every lane of the quad).
template <bool kOnQuad = false>
CHAINACCEL_HD void SplitHalfRole(int half, SplitParts& parts) {
  if (!parts.key_ok || !parts.scalars_ok) return;
  const AffinePoint key = parts.key;
  const LambdaSplit split = parts.split;
  const bool second = half == 1;
  const U256& m = second ? split.m2 : split.m1;
  const bool negate = second ? split.neg2 : split.neg1;
  if constexpr (kOnQuad) {
    parts.halves[half] = QuadGlvHalfMul(m, negate, second, key);
  } else {
    parts.halves[half] = GlvHalfMul(m, negate, second, key);
  }
}

// A verification's verdict before its last check: the key's (ITEM_MALFORMED_PUBLIC_KEY
// when the key role found no point), else the scalar checks'; ITEM_OK means the sum of
// the parts (SumOfParts(fixed.point, ...)) is to be checked.
CHAINACCEL_HD ItemStatus SplitChecksVerdict(const SplitFixed& fixed, const SplitParts& parts) {
  return parts.key_ok ? fixed.status : ItemStatus::kMalformedPublicKey;
}

CHAINACCEL_HD JacobianPoint SumOfSplitParts(const SplitFixed& fixed, const SplitParts& parts) {
  return SumOfParts(fixed.point, parts.halves[0], parts.halves[1]);
}

// The phases of kernels/split_verify.cuh for a secp256k1 scheme.
template <class Scheme>
struct Secp256k1SplitPhases {
  using Parts = SplitParts;
  using Carried = NothingCarried;
  using Fixed = SplitFixed;

  CHAINACCEL_HD void FirstPhase(int role, uint64_t i, SplitParts& parts, Carried&) const {
    const Scheme& scheme = static_cast<const Scheme&>(*this);
    if (role == 1) {
      scheme.KeyRole(i, parts);
    } else {
      scheme.ScalarRole(i, parts);
    }
  }
  CHAINACCEL_HD void SecondPhase(int role, uint64_t, SplitParts& parts, Carried&) const {
    SplitHalfRole(role - 1, parts);
  }
};

// A scheme's split roles with the halves on quads (SignatureLayout::kSplitQuad): roles 1
// and 2 on four lanes each, every lane running phase 1 (the same key, the same scalars),
// the quad running phase 2's half. 9 warps for 32 items.
template <class Scheme>
struct Secp256k1QuadHalves : Scheme {
  static constexpr int kRole1Lanes = quad::kQuadLanes;
  static constexpr int kRole2Lanes = quad::kQuadLanes;

  CHAINACCEL_HD void SecondPhase(int role, uint64_t, SplitParts& parts, NothingCarried&) const {
    SplitHalfRole<true>(role - 1, parts);
  }
};

}  // namespace chainaccel::kernels
