// The groups of BN254 (EIP-196/197, snarkjs's bn128):
//
//   G1: y^2 = x^3 + 3 over Fp; prime order r (cofactor 1); generator (1, 2).
//   G2: y^2 = x^3 + 3/(9+u) over Fp2 (the D-type sextic twist); its subgroup of order r,
//       generator as in EIP-197 and snarkjs (G2Curve::Generator()).
//
// Two forms per group. Affine points (x, y, infinity flag) are what is stored, encoded
// and fed to the pairing and to mixed additions. Jacobian points (X, Y, Z) stand for
// (X/Z^2, Y/Z^3), with Z = 0 the point at infinity; they are what arithmetic produces.
// Equality compares the points, not the representations, across forms.
//
// Addition formulas are complete in the sense that every case is handled (infinity on
// either side, P + P, P + (-P)), by branching. Nothing is constant-time; ScalarMulVar
// (width-5 wNAF) and the subgroup check vary in time with the scalar.
//
// Membership. IsOnCurve checks the equation only. For G1 that is membership in the group
// (cofactor 1). For G2 the twist has cofactor 2p - r = 10069·h': IsInSubgroupVar
// checks ψ(Q) = [6x^2]Q, equivalent to r·Q = O. The decoders below check both, so a
// decoded point is always in its group.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "crypto/bn254/field.h"
#include "crypto/bn254/tower.h"

namespace chainaccel::bn254 {

struct G1Curve {
  using Field = Fp;
  static const Fp& B();  // 3
};
struct G2Curve {
  using Field = Fp2;
  static const Fp2& B();  // 3 / (9 + u)
};

template <class Curve>
struct JacobianPoint;

template <class Curve>
struct AffinePoint {
  using F = typename Curve::Field;
  F x, y;
  bool infinity = true;  // a default-constructed point is the point at infinity

  static AffinePoint Infinity() { return {}; }
  // No check: IsOnCurve (and for G2 IsInSubgroupVar) before trusting it.
  static AffinePoint FromXY(const F& px, const F& py) { return {px, py, false}; }
  static AffinePoint Generator();

  bool IsInfinity() const { return infinity; }
  // y^2 = x^3 + b, or the point at infinity.
  bool IsOnCurve() const;
  AffinePoint operator-() const { return infinity ? *this : AffinePoint{x, -y, false}; }
  friend bool operator==(const AffinePoint& a, const AffinePoint& b) {
    if (a.infinity || b.infinity) return a.infinity == b.infinity;
    return a.x == b.x && a.y == b.y;
  }
};

template <class Curve>
struct JacobianPoint {
  using F = typename Curve::Field;
  using Affine = AffinePoint<Curve>;
  F x, y, z;  // default: (0, 0, 0), the point at infinity

  static JacobianPoint Infinity() { return {F::One(), F::One(), F::Zero()}; }
  static JacobianPoint FromAffine(const Affine& p) {
    return p.infinity ? Infinity() : JacobianPoint{p.x, p.y, F::One()};
  }
  static JacobianPoint Generator() { return FromAffine(Affine::Generator()); }

  bool IsInfinity() const { return z.IsZero(); }
  bool IsOnCurve() const;  // Y^2 = X^3 + b·Z^6
  // One inversion; use BatchToAffine for many points.
  Affine ToAffine() const;

  JacobianPoint operator-() const { return {x, -y, z}; }
  JacobianPoint Double() const;                   // dbl-2009-l (a = 0)
  JacobianPoint Add(const JacobianPoint& q) const;  // add-2007-bl, every case handled
  JacobianPoint AddMixed(const Affine& q) const;    // madd-2007-bl, every case handled
  friend JacobianPoint operator+(const JacobianPoint& p, const JacobianPoint& q) {
    return p.Add(q);
  }
  friend JacobianPoint operator+(const JacobianPoint& p, const Affine& q) {
    return p.AddMixed(q);
  }
  friend JacobianPoint operator-(const JacobianPoint& p, const JacobianPoint& q) {
    return p.Add(-q);
  }

  // k·P for the little-endian 64-bit limbs of a non-negative integer k (any length; the
  // integer is not reduced, so k = r gives infinity for points of the group and the
  // G2 cofactor clears twist points). Width-5 wNAF, variable-time.
  JacobianPoint ScalarMulVar(std::span<const uint64_t> k) const;
  JacobianPoint ScalarMulVar(const Fr& k) const;

  // The same point (X1·Z2^2 = X2·Z1^2 and Y1·Z2^3 = Y2·Z1^3, or both at infinity).
  bool Equals(const JacobianPoint& q) const;
  bool Equals(const Affine& q) const;
  friend bool operator==(const JacobianPoint& p, const JacobianPoint& q) { return p.Equals(q); }
  friend bool operator==(const JacobianPoint& p, const Affine& q) { return p.Equals(q); }
};

using G1Affine = AffinePoint<G1Curve>;
using G1 = JacobianPoint<G1Curve>;
using G2Affine = AffinePoint<G2Curve>;
using G2 = JacobianPoint<G2Curve>;

template <>
G1Affine G1Affine::Generator();
template <>
G2Affine G2Affine::Generator();

// Affine forms of `points` with one field inversion in all (Montgomery's trick);
// points at infinity map to Affine::Infinity(). REQUIRES: out.size() == points.size().
template <class Curve>
void BatchToAffine(std::span<const JacobianPoint<Curve>> points,
                   std::span<AffinePoint<Curve>> out);

// ψ = twist ∘ Frobenius ∘ untwist on the twist: (x, y) -> (conj(x)·ξ^((p-1)/3),
// conj(y)·ξ^((p-1)/2)). An endomorphism of E'(Fp2); on G2 it acts as multiplication by p.
G2Affine FrobeniusTwist(const G2Affine& q);
G2 FrobeniusTwist(const G2& q);

// Q in the subgroup of order r (the point at infinity included), for Q on the curve.
// Tests ψ(Q) = [6x^2]Q, which holds exactly on G2 for BN curves (El Housni, Guillevic,
// Piellard, "Co-factor clearing and subgroup membership testing on pairing-friendly
// curves", Africacrypt 2022; as gnark-crypto does): a 127-bit multiplication instead of
// r·Q; curve_test.cc holds it to r·Q == O. Variable-time.
bool IsInSubgroupVar(const G2Affine& q);

// ---- encodings of EIP-196/197 (also Solidity verifiers' calldata) ----------------
//
// G1: 64 bytes, x || y, each 32 bytes big-endian; all zero is the point at infinity.
// G2: 128 bytes, x.c1 || x.c0 || y.c1 || y.c0 (the imaginary part first), each 32 bytes
// big-endian; all zero is the point at infinity.
// Decoding returns nullopt when a coordinate is >= p, when the point is not on the curve
// or (G2) not in the subgroup of order r.
std::optional<G1Affine> DecodeG1(std::span<const uint8_t, 64> bytes);
std::optional<G2Affine> DecodeG2(std::span<const uint8_t, 128> bytes);
void EncodeG1(const G1Affine& p, std::span<uint8_t, 64> out);
void EncodeG2(const G2Affine& p, std::span<uint8_t, 128> out);

extern template struct AffinePoint<G1Curve>;
extern template struct AffinePoint<G2Curve>;
extern template struct JacobianPoint<G1Curve>;
extern template struct JacobianPoint<G2Curve>;

}  // namespace chainaccel::bn254
