// The optimal ate pairing of BN254, e: G1 x G2 -> GT ⊂ Fp12, as EIP-197's precompile
// and snarkjs's verifier use it.
//
// Miller loop over the NAF of 6x+2 (x = 4965661367192848881, the BN parameter) with the
// two Frobenius line steps (Q1 = π(Q), Q2 = -π^2(Q)), T in homogeneous projective
// coordinates, lines evaluated at P and multiplied in sparsely (Aranha, Karabina, Longa,
// Gebotys, López, "Faster Explicit Formulas for Computing Pairings over Ordinary
// Curves", Eurocrypt 2011, for the D-type twist). Final exponentiation: the easy part
// (p^6 - 1)(p^2 + 1), then the hard part (p^4 - p^2 + 1)/r by the addition chain of
// Scott, Benger, Charlemagne, Dominguez Perez, Kachisa, "On the Final Exponentiation for
// Calculating Pairings on Ordinary Elliptic Curves" (Pairing 2009), with three
// exponentiations by x in the cyclotomic subgroup (Granger-Scott squarings).
//
// REQUIRES everywhere: every G1 point on the curve and every G2 point in the subgroup of
// order r (DecodeG1/DecodeG2 of curve.h check both); the result for other points is
// meaningless. A pair with a point at infinity contributes 1. Nothing is constant-time.
// Thread-safe: plain values only (Frobenius constants are a thread-safe static).
#pragma once

#include <array>
#include <span>
#include <vector>

#include "crypto/bn254/curve.h"
#include "crypto/bn254/tower.h"

namespace chainaccel::bn254 {

// A G2 point's Miller-loop lines, computed once: a verifier prepares its fixed G2 points
// (β, γ, δ of a Groth16 verification key) and reuses them for every proof.
// Each line is (a, b, c): its value at P = (xP, yP) is a·yP + b·xP·w + c·w^3.
struct G2Prepared {
  std::vector<std::array<Fp2, 3>> lines;
  bool infinity = true;
};
G2Prepared PrepareG2(const G2Affine& q);

// The product of the Miller loops f_{6x+2,Q_i}(P_i)·(Frobenius lines), one shared
// squaring chain for all pairs. REQUIRES: ps.size() == qs.size().
Fp12 MillerLoop(std::span<const G1Affine> ps, std::span<const G2Prepared> qs);
Fp12 MillerLoop(std::span<const G1Affine> ps, std::span<const G2Affine> qs);

// Exactly f^((p^12 - 1)/r) (pairing_test.cc checks it against the plain
// exponentiation), the reduced pairing. Some libraries (gnark, @noble/curves) use a
// chain that returns the fixed power e^M, M = 2x(6x^2 + 3x + 1), instead: the same
// verdict on every pairing check, other GT values. Zero gives zero.
Fp12 FinalExponentiation(const Fp12& f);

// e(P, Q).
Fp12 Pairing(const G1Affine& p, const G2Affine& q);

// prod_i e(P_i, Q_i) == 1, with one final exponentiation: EIP-197's check and Groth16's
// e(-A, B)·e(α, β)·e(L, γ)·e(C, δ) == 1. An empty product is 1 (true).
// REQUIRES: ps.size() == qs.size().
bool PairingProductIsOne(std::span<const G1Affine> ps, std::span<const G2Affine> qs);
bool PairingProductIsOne(std::span<const G1Affine> ps, std::span<const G2Prepared> qs);

// a^e for a in GT (or anywhere in the cyclotomic subgroup), with cyclotomic squarings;
// e is little-endian limbs (an Fr scalar's ToCanonical()). In GT the inverse is
// Conjugate(). Variable-time. Wrong for elements outside the cyclotomic subgroup.
Fp12 GtPowVar(const Fp12& a, std::span<const uint64_t> exponent);

}  // namespace chainaccel::bn254
