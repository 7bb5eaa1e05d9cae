// The secp256k1 schemes (ECDSA verification and recovery, BIP-340) in the split layout of
// kernels/split_verify.cuh. u1 * G + u2 * P = u1 * G + k1 * P + k2 * phi(P) (u2 = k1 + k2
// lambda, GLV), three scalar multiplications with no doubling in common:
//   phase 1  warp 1 (key role): the point P, parsed (AbscissaPoint, below, for a key
//            given by its x), and its multiples 1..16 with a global Z, into shared memory;
//            warp 2 (scalar role): the scalar checks, an inverse mod n, u2's split;
//            warp 0: the same checks, u1 and u1 * G from the table (FixedBaseMul), and
//            the key's y when it was given by its x (KeyRoot);
//   phase 2  warp 1: k1 * P; warp 2: k2 * phi(P) (GlvHalfLadder over the shared multiples);
//   phase 3  warp 0: SumOfSplitParts and the scheme's final check.
// The two halves' additions and u1 * G's leave the critical path, and the multiples are
// built while the scalar role inverts: ~0.6 of the one-thread chain (counted), for ~1.1x
// the work (the halves' doublings twice).
// A key given by its abscissa x alone (a compressed key, BIP-340's x-only key, recovery's
// R) needs a square root for its y (~266 dependent field operations, as long as a fifth of
// a half): the key role hands the halves AbscissaPoint(x) instead, which needs no y, and
// warp 0 finds y beside u1 * G (KeyRoot); SumOfSplitParts moves the halves back onto
// secp256k1 with it. The square root then leaves the critical path too.
// A scheme (EcdsaVerifyRoles, EcdsaRecoverRoles, Bip340VerifyRoles) derives from
// Secp256k1SplitPhases and provides
//   void KeyRole(uint64_t i, SplitParts&) const: sets key_ok and key (the point, or
//     AbscissaPoint(x) when its y is left to FixedRole);
//   void ScalarRole(uint64_t i, SplitParts&) const: sets scalars_ok and split;
//   Fixed FixedRole(uint64_t i) const: the scalar checks' status (ScalarRole's
//     verdict), when OK u1 * G, and the KeyRoot of a key that KeyRole left at its
//     abscissa (Fixed: SplitFixed, or a scheme's type derived from it that carries more
//     of warp 0's work, such as BIP-340's R);
//   void Finish(uint64_t i, const Fixed&, const SplitParts&, bool store) const.
// Every lane of a warp runs its role (kernels/split_verify.cuh), so a role inverts with
// its warp's others (WarpModInv): the scalar role's inverse mod n, the fixed role's, and
// recovery's Z^-1 in Finish.
#pragma once

#include <cstdint>

#include "core/task.h"
#include "kernels/secp256k1.cuh"
#include "kernels/secp256k1_quad.cuh"
#include "kernels/split_verify.cuh"

namespace chainaccel::kernels {

// The point (x w, w^2), w = x^3 + 7, of the curve y^2 = x^3 + 7 w^3: the image of both
// points (x, +-y) of secp256k1 with abscissa x < p under the isomorphism (x, y) ->
// (u^2 x, u^3 y) with u = y (y^2 = w; w is never 0: the group's order n is odd, so no
// point has y = 0). Doubling and mixed addition do not use the curve's b, so a scalar
// multiple k (x w, w^2) computed there as (X, Y, Z) is k (x, y) = (X, Y, Z y) on
// secp256k1 for the y that is chosen afterwards; the negation, phi (X times beta) and
// every exceptional case of the formulas map across unchanged. When w is not a square
// there is no such y and the point lies on a twist: its multiples are meaningless and the
// key is refused (KeyRoot). Two field operations and a square, no square root.
CHAINACCEL_HD AffinePoint AbscissaPoint(const U256& x) {
  const U256 w = CurveRhs(x);
  return AffinePoint{ModMul<Fp>(x, w), ModSqr<Fp>(w)};
}

// The y of a key that the key role handed on as AbscissaPoint(x) (deferred), found by the
// fixed role: found is false when x^3 + 7 is not a square (the key does not decode).
// deferred is false for a key given whole (found then true).
struct KeyRoot {
  U256 y;
  bool deferred;
  bool found;
};

CHAINACCEL_HD KeyRoot WholeKeyRoot() { return KeyRoot{U256Zero(), false, true}; }

// The y of parity `odd` with y^2 = x^3 + 7, when there is one (DecompressPoint's).
CHAINACCEL_HD KeyRoot DeferredKeyRoot(const U256& x, bool odd) {
  AffinePoint point;
  KeyRoot root{U256Zero(), true, DecompressPoint(x, odd, point)};
  if (root.found) root.y = point.y;
  return root;
}

// What one item's three threads hand each other (shared memory on the device).
struct SplitParts {
  AffinePoint key;          // the key role's point: the public key, or R for recovery, or
                            // AbscissaPoint of its x when FixedRole's KeyRoot is deferred
  LambdaSplit split;        // the scalar role's u2 = k1 + k2 lambda (when scalars_ok)
  JacobianPoint halves[2];  // k1 * key and k2 * phi(key), when key_ok and scalars_ok
  // d * key for d = 1..16 with a global Z (MultiplesWithGlobalZ), when key_ok; built by
  // the key role in phase 1 (not in the quad layout, whose halves build their own).
  AffinePoint multiples[kVariableWindowMultiples];
  U256 global_z;
  bool key_ok;              // the key role found its point (or a valid abscissa)
  bool scalars_ok;          // the scalar role's checks passed
};
// 32 items' parts in a block's static shared memory, within its 48 KiB.
static_assert(sizeof(SplitParts) * kSplitItemsPerBlock <= 48 * 1024,
              "the split kernels' shared parts exceed 48 KiB a block");

// Warp 0's part: the status of the scalar checks, when OK u1 * G, and the key's y when
// the key role left it to warp 0.
struct SplitFixed {
  ItemStatus status;
  JacobianPoint point;
  KeyRoot root;
};

// Phase 2 of half 0 (k1 * key) or 1 (k2 * phi(key)); nothing unless both phase-1 roles
// succeeded. One call of GlvHalfLadder over the key role's multiples for either half (one
// inlined copy in the kernel). kOnQuad: on the role's quad of lanes from the key itself
// (QuadGlvHalfMul: the same coordinates, written by every lane of the quad).
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
    parts.halves[half] = GlvHalfLadder(m, negate, second, parts.multiples, parts.global_z);
  }
}

// Whether the item has its key: the key role's parse and, for an abscissa, its root.
CHAINACCEL_HD bool SplitKeyFound(const SplitFixed& fixed, const SplitParts& parts) {
  return parts.key_ok && fixed.root.found;
}

// A verification's verdict before its last check: the key's (ITEM_MALFORMED_PUBLIC_KEY
// when the item has no key point), else the scalar checks'; ITEM_OK means the sum of
// the parts (SumOfSplitParts) is to be checked.
CHAINACCEL_HD ItemStatus SplitChecksVerdict(const SplitFixed& fixed, const SplitParts& parts) {
  return SplitKeyFound(fixed, parts) ? fixed.status : ItemStatus::kMalformedPublicKey;
}

// u1 * G + k1 * P + k2 * phi(P) on secp256k1; the halves of an abscissa's point moved
// across by their Z times y (AbscissaPoint). Only when SplitChecksVerdict is ITEM_OK.
CHAINACCEL_HD JacobianPoint SumOfSplitParts(const SplitFixed& fixed, const SplitParts& parts) {
  JacobianPoint first = parts.halves[0], second = parts.halves[1];
  if (fixed.root.deferred) {
    first.z = ModMul<Fp>(first.z, fixed.root.y);
    second.z = ModMul<Fp>(second.z, fixed.root.y);
  }
  return SumOfParts(fixed.point, first, second);
}

// The phases of kernels/split_verify.cuh for a secp256k1 scheme.
template <class Scheme>
struct Secp256k1SplitPhases {
  using Parts = SplitParts;
  using Carried = NothingCarried;
  using Fixed = SplitFixed;

  // The scheme's KeyRole (role 1) or ScalarRole (role 2).
  CHAINACCEL_HD void SchemeRole(int role, uint64_t i, SplitParts& parts) const {
    const Scheme& scheme = static_cast<const Scheme&>(*this);
    if (role == 1) {
      scheme.KeyRole(i, parts);
    } else {
      scheme.ScalarRole(i, parts);
    }
  }
  CHAINACCEL_HD void FirstPhase(int role, uint64_t i, SplitParts& parts, Carried&) const {
    SchemeRole(role, i, parts);
    if (role == 1 && parts.key_ok) {
      parts.global_z = MultiplesWithGlobalZ(parts.key, parts.multiples);
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

  // The scheme's roles alone: QuadGlvHalfMul builds its multiples on the quad.
  CHAINACCEL_HD void FirstPhase(int role, uint64_t i, SplitParts& parts, NothingCarried&) const {
    this->SchemeRole(role, i, parts);
  }
  CHAINACCEL_HD void SecondPhase(int role, uint64_t, SplitParts& parts, NothingCarried&) const {
    SplitHalfRole<true>(role - 1, parts);
  }
};

}  // namespace chainaccel::kernels
