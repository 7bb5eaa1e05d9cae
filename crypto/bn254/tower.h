// The extension fields of BN254's pairing, as in EIP-197, go-ethereum and snarkjs:
//
//   Fp2  = Fp[u]  / (u^2 + 1)          a = c0 + c1·u
//   Fp6  = Fp2[v] / (v^3 - ξ), ξ = 9+u a = c0 + c1·v + c2·v^2
//   Fp12 = Fp6[w] / (w^2 - v)          a = c0 + c1·w   (so w^6 = ξ)
//
// Coefficients are Fp elements in Montgomery form (crypto/bn254/field.h); all types are
// plain values, thread-safe, not constant-time. InverseVar of zero returns zero.
// Frobenius(a) = a^p; the constants it needs (powers of ξ^((p-1)/6)) are computed on
// first use (thread-safe static) and checked in tower_test.cc against a^p.
// GT, the target group of the pairing, is the subgroup of order r of Fp12*; its elements
// lie in the cyclotomic subgroup, where Conjugate() is the inverse and
// CyclotomicSquare() (Granger-Scott) a faster square.
#pragma once

#include <optional>

#include "crypto/bn254/field.h"

namespace chainaccel::bn254 {

struct Fp2 {
  Fp c0, c1;

  static Fp2 Zero() { return {}; }
  static Fp2 One() { return {Fp::One(), Fp::Zero()}; }
  // ξ = 9 + u, the non-residue of the sextic twist.
  static Fp2 Xi() { return {Fp::FromUint64(9), Fp::One()}; }

  bool IsZero() const { return c0.IsZero() && c1.IsZero(); }
  bool IsOne() const { return c0.IsOne() && c1.IsZero(); }
  friend bool operator==(const Fp2&, const Fp2&) = default;

  friend Fp2 operator+(const Fp2& a, const Fp2& b) { return {a.c0 + b.c0, a.c1 + b.c1}; }
  friend Fp2 operator-(const Fp2& a, const Fp2& b) { return {a.c0 - b.c0, a.c1 - b.c1}; }
  Fp2 operator-() const { return {-c0, -c1}; }
  friend Fp2 operator*(const Fp2& a, const Fp2& b) {
    Fp t0 = a.c0 * b.c0, t1 = a.c1 * b.c1;
    return {t0 - t1, (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1};
  }
  friend Fp2 operator*(const Fp2& a, const Fp& b) { return {a.c0 * b, a.c1 * b}; }
  Fp2& operator+=(const Fp2& b) { return *this = *this + b; }
  Fp2& operator-=(const Fp2& b) { return *this = *this - b; }
  Fp2& operator*=(const Fp2& b) { return *this = *this * b; }
  Fp2 Double() const { return {c0.Double(), c1.Double()}; }
  Fp2 Square() const { return {(c0 + c1) * (c0 - c1), (c0 * c1).Double()}; }
  // (9 + u)·a.
  Fp2 MulByXi() const {
    Fp nine_c0 = c0.Double().Double().Double() + c0;
    Fp nine_c1 = c1.Double().Double().Double() + c1;
    return {nine_c0 - c1, nine_c1 + c0};
  }
  Fp2 Conjugate() const { return {c0, -c1}; }
  // a^p, which is the conjugate in Fp2.
  Fp2 Frobenius() const { return Conjugate(); }
  Fp2 InverseVar() const;
  Fp2 PowVar(std::span<const uint64_t> exponent) const;
  // A square root when one exists (nullopt otherwise), by the norm: with n = c0^2 + c1^2
  // and s = sqrt(n) in Fp, x0 = sqrt((c0 ± s)/2) and x1 = c1/(2·x0). Which root is
  // returned is unspecified. Variable-time (G2 decompression, hashing to the twist).
  std::optional<Fp2> SqrtVar() const;
};

struct Fp6 {
  Fp2 c0, c1, c2;

  static Fp6 Zero() { return {}; }
  static Fp6 One() { return {Fp2::One(), Fp2::Zero(), Fp2::Zero()}; }
  bool IsZero() const { return c0.IsZero() && c1.IsZero() && c2.IsZero(); }
  bool IsOne() const { return c0.IsOne() && c1.IsZero() && c2.IsZero(); }
  friend bool operator==(const Fp6&, const Fp6&) = default;

  friend Fp6 operator+(const Fp6& a, const Fp6& b) {
    return {a.c0 + b.c0, a.c1 + b.c1, a.c2 + b.c2};
  }
  friend Fp6 operator-(const Fp6& a, const Fp6& b) {
    return {a.c0 - b.c0, a.c1 - b.c1, a.c2 - b.c2};
  }
  Fp6 operator-() const { return {-c0, -c1, -c2}; }
  friend Fp6 operator*(const Fp6& a, const Fp6& b);
  friend Fp6 operator*(const Fp6& a, const Fp2& b) { return {a.c0 * b, a.c1 * b, a.c2 * b}; }
  Fp6& operator+=(const Fp6& b) { return *this = *this + b; }
  Fp6& operator-=(const Fp6& b) { return *this = *this - b; }
  Fp6& operator*=(const Fp6& b) { return *this = *this * b; }
  Fp6 Double() const { return {c0.Double(), c1.Double(), c2.Double()}; }
  Fp6 Square() const;
  // v·a = (ξ·c2, c0, c1).
  Fp6 MulByV() const { return {c2.MulByXi(), c0, c1}; }
  // a·(b0 + b1·v): the sparse product of the pairing's lines.
  Fp6 MulBy01(const Fp2& b0, const Fp2& b1) const;
  Fp6 Frobenius() const;
  Fp6 InverseVar() const;
};

struct Fp12 {
  Fp6 c0, c1;

  static Fp12 Zero() { return {}; }
  static Fp12 One() { return {Fp6::One(), Fp6::Zero()}; }
  bool IsZero() const { return c0.IsZero() && c1.IsZero(); }
  bool IsOne() const { return c0.IsOne() && c1.IsZero(); }
  friend bool operator==(const Fp12&, const Fp12&) = default;

  friend Fp12 operator+(const Fp12& a, const Fp12& b) { return {a.c0 + b.c0, a.c1 + b.c1}; }
  friend Fp12 operator-(const Fp12& a, const Fp12& b) { return {a.c0 - b.c0, a.c1 - b.c1}; }
  Fp12 operator-() const { return {-c0, -c1}; }
  friend Fp12 operator*(const Fp12& a, const Fp12& b);
  Fp12& operator*=(const Fp12& b) { return *this = *this * b; }
  Fp12 Square() const;
  // a·(l0 + l1·w + l3·w^3): the sparse product by a line of the Miller loop (the
  // D-type twist puts a line's coefficients at 1, w and w^3).
  Fp12 MulByLine(const Fp2& l0, const Fp2& l1, const Fp2& l3) const;
  // c0 - c1·w = a^(p^6): the inverse for elements of the cyclotomic subgroup.
  Fp12 Conjugate() const { return {c0, -c1}; }
  // a^p.
  Fp12 Frobenius() const;
  Fp12 InverseVar() const;
  Fp12 PowVar(std::span<const uint64_t> exponent) const;
  // a^2 for a in the cyclotomic subgroup (a^(p^4 - p^2 + 1) = 1), such as every value
  // after the easy part of the final exponentiation; wrong for other elements.
  Fp12 CyclotomicSquare() const;
};

// ξ^(k·(p-1)/6) for k = 0..5 (Frobenius coefficients); computed once, thread-safe.
const Fp2& FrobeniusCoefficient(int k);

}  // namespace chainaccel::bn254
