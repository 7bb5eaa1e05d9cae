// Ed25519 point operations on a quad of lanes (kernels/quad_u256.cuh): a point in extended
// coordinates spread over the quad, lane k holding coordinate k of (X, Y, Z, T), and a
// cached point likewise (Y + X, Y - X, 2dT, 2Z). Doubling and cached addition are then
// two rounds of four independent products each, where one thread computes eight in a row:
// a variable-base ladder of 253 doublings and 51 additions is ~608 product latencies
// deep instead of ~2,300 (counted; kernels/NOTES.md, "The split layout"). The formulas are
// ed25519.cuh's (EdDouble, EdAddCached), so each operation gives exactly the one-thread
// coordinates; EdQuadWindowedMul adds the identity for a zero digit (every quad of a warp
// then runs the same steps), so its result is the same point in other coordinates.
// Tested against the one-thread functions (kernels/ed25519_quad_test.cc); the split
// layout's kSplitQuad (Ed25519QuadVerifyRoles, below) runs [k](-A) on it.
#pragma once

#include <cstdint>

#include "kernels/ed25519.cuh"
#include "kernels/quad_u256.cuh"

namespace chainaccel::kernels {

using EdQuadPoint = quad::Quad<U256>;   // lane k: X, Y, Z, T
using EdQuadCached = quad::Quad<U256>;  // lane k: Y + X, Y - X, 2dT, 2Z

CHAINACCEL_HD EdQuadPoint EdQuadFromPoint(const EdPoint& p) {
  return quad::Select(p.x, p.y, p.z, p.t);
}

CHAINACCEL_HD EdPoint EdQuadToPoint(const EdQuadPoint& q) {
  return EdPoint{quad::Broadcast(q, 0), quad::Broadcast(q, 1), quad::Broadcast(q, 2),
                 quad::Broadcast(q, 3)};
}

// EdToCached: lane 2's 2d T is the round's one real product (the other lanes multiply by
// one, in the same instruction stream).
CHAINACCEL_HD EdQuadCached EdQuadToCached(const EdQuadPoint& p) {
  const EdPoint q = EdQuadToPoint(p);
  const U256 one = U256Small(1);
  return quad::Mul<Fe>(
      quad::Select(ModAdd<Fe>(q.y, q.x), ModSub<Fe>(q.y, q.x), q.t, ModAdd<Fe>(q.z, q.z)),
      quad::Select(one, one, Ed25519D2(), one));
}

// EdDouble in two rounds: X^2, Y^2, Z^2, (X + Y)^2; then E F, G H, F G, E H.
CHAINACCEL_HD EdQuadPoint EdQuadDouble(const EdQuadPoint& p) {
  const U256 x = quad::Broadcast(p, 0), y = quad::Broadcast(p, 1), z = quad::Broadcast(p, 2);
  const quad::Quad<U256> squares = quad::Sqr<Fe>(quad::Select(x, y, z, ModAdd<Fe>(x, y)));
  const U256 a = quad::Broadcast(squares, 0), b = quad::Broadcast(squares, 1);
  const U256 zz = quad::Broadcast(squares, 2), s = quad::Broadcast(squares, 3);
  const U256 c = ModAdd<Fe>(zz, zz);
  const U256 d = ModNeg<Fe>(a);
  const U256 e = ModSub<Fe>(ModSub<Fe>(s, a), b);
  const U256 g = ModAdd<Fe>(d, b);
  const U256 f = ModSub<Fe>(g, c);
  const U256 h = ModSub<Fe>(d, b);
  return quad::Mul<Fe>(quad::Select(e, g, f, e), quad::Select(f, h, g, h));
}

// EdAddCached (P + Q, or P - Q when negate) in two rounds: lane k multiplies P's term by
// Q's component k ((Y1 + X1) and (Y1 - X1) trade lanes when negating), then E F, G H, F G,
// E H.
CHAINACCEL_HD EdQuadPoint EdQuadAddCached(const EdQuadPoint& p, const EdQuadCached& q,
                                          bool negate) {
  const EdPoint r = EdQuadToPoint(p);
  const U256 y_plus_x = ModAdd<Fe>(r.y, r.x), y_minus_x = ModSub<Fe>(r.y, r.x);
  const quad::Quad<U256> products = quad::Mul<Fe>(
      quad::Select(negate ? y_minus_x : y_plus_x, negate ? y_plus_x : y_minus_x, r.t, r.z), q);
  const U256 p0 = quad::Broadcast(products, 0), p1 = quad::Broadcast(products, 1);
  const U256 a = negate ? p0 : p1;  // (Y1 - X1) times Q's Y - X (Y + X when negating)
  const U256 b = negate ? p1 : p0;
  U256 c = quad::Broadcast(products, 2);
  if (negate) c = ModNeg<Fe>(c);
  const U256 d = quad::Broadcast(products, 3);
  const U256 e = ModSub<Fe>(b, a), f = ModSub<Fe>(d, c), g = ModAdd<Fe>(d, c),
             h = ModAdd<Fe>(b, a);
  return quad::Mul<Fe>(quad::Select(e, g, f, e), quad::Select(f, h, g, h));
}

// The cached multiples 1..16 of P on the quad, for EdQuadWindowedMul (EdCachedMultiples).
CHAINACCEL_HD void EdQuadCachedMultiples(const EdQuadPoint& p,
                                         EdQuadCached (&multiples)[kEdVariableWindowMultiples]) {
  multiples[0] = EdQuadToCached(p);
  EdQuadPoint multiple = p;
  for (int d = 2; d <= kEdVariableWindowMultiples; ++d) {
    multiple = EdQuadAddCached(multiple, multiples[0], false);
    multiples[d - 1] = EdQuadToCached(multiple);
  }
}

// b * P for b < 2^254 (EdWindowedMul's signed 5-bit windows) from P's cached multiples on
// the quad; a zero digit adds the identity, so that every quad of a warp takes the same
// steps.
CHAINACCEL_HD EdQuadPoint EdQuadWindowedMul(
    const U256& b, const EdQuadCached (&multiples)[kEdVariableWindowMultiples]) {
  const U256 one = U256Small(1);
  const EdQuadCached identity = quad::Select(one, one, U256Zero(), U256Small(2));
  EdQuadPoint acc = EdQuadFromPoint(EdIdentity());
  for (int i = kEdVariableWindowDigits - 1; i >= 0; --i) {
    for (int k = 0; k < 5; ++k) acc = EdQuadDouble(acc);
    const int d = U256BoothDigit5(b, i);
    acc = EdQuadAddCached(acc, d == 0 ? identity : multiples[(d < 0 ? -d : d) - 1], d < 0);
  }
  return acc;
}

// b * P for b < 2^254, P on the quad.
CHAINACCEL_HD EdQuadPoint EdQuadWindowedMul(const U256& b, const EdQuadPoint& p) {
  EdQuadCached multiples[kEdVariableWindowMultiples];
  EdQuadCachedMultiples(p, multiples);
  return EdQuadWindowedMul(b, multiples);
}

// ---- The split layout with [k](-A) on a quad (SignatureLayout::kSplitQuad) -------------
// Ed25519VerifyRoles with role 1 on four lanes (kernels/split_verify.cuh): each lane
// decodes A (the same point), the quad builds the cached multiples of -A and runs the
// ladder, and every lane writes the same [k](-A) to the item's parts. Roles 0 and 2 and
// the final comparison are Ed25519VerifyRoles', which compares points projectively, so
// the ladder's other coordinates give the same verdicts.

// Role 1's multiples of -A on the quad, from phase 1 to phase 2 (512 bytes a lane).
struct EdQuadSplitCarried {
  EdQuadCached multiples[kEdVariableWindowMultiples];
  bool ok;
};

struct Ed25519QuadVerifyRoles : Ed25519VerifyRoles {
  using Carried = EdQuadSplitCarried;
  static constexpr int kRole1Lanes = quad::kQuadLanes;
  static constexpr int kRole2Lanes = 1;

  CHAINACCEL_HD void FirstPhase(int role, uint64_t i, EdSplitParts& parts,
                                EdQuadSplitCarried& carried) const {
    if (role == 1) {
      EdPoint a;
      carried.ok = DecodeKey(i, a);
      if (carried.ok) EdQuadCachedMultiples(EdQuadFromPoint(EdNegate(a)), carried.multiples);
      return;
    }
    ChallengeRole(i, parts);
  }
  CHAINACCEL_HD void SecondPhase(int role, uint64_t i, EdSplitParts& parts,
                                 EdQuadSplitCarried& carried) const {
    if (role == 1) {
      const bool product_ok = carried.ok && parts.k_ok;
      if (product_ok) {
        const EdPoint scaled_key = EdQuadToPoint(EdQuadWindowedMul(parts.k, carried.multiples));
        parts.scaled_key = scaled_key;
      }
      parts.product_ok = product_ok;
      return;
    }
    DecodeRRole(i, parts);
  }
};

}  // namespace chainaccel::kernels
