#include "crypto/bn254/tower.h"

#include <array>

namespace chainaccel::bn254 {
namespace {

template <class F>
F PowBySquaring(const F& base, std::span<const uint64_t> exponent) {
  F result = F::One();
  for (size_t i = exponent.size(); i-- > 0;) {
    for (int bit = 63; bit >= 0; --bit) {
      result = result.Square();
      if ((exponent[i] >> bit) & 1) result *= base;
    }
  }
  return result;
}

// a^2 + ξ·b^2 and 2ab: the square of a + b·s in Fp4 = Fp2[s]/(s^2 - ξ).
void Fp4Square(const Fp2& a, const Fp2& b, Fp2* t0, Fp2* t1) {
  Fp2 a2 = a.Square(), b2 = b.Square();
  *t0 = b2.MulByXi() + a2;
  *t1 = (a + b).Square() - a2 - b2;
}

}  // namespace

// ---- Fp2 ----

Fp2 Fp2::InverseVar() const {
  Fp t = (c0.Square() + c1.Square()).InverseVar();
  return {c0 * t, -(c1 * t)};
}

Fp2 Fp2::PowVar(std::span<const uint64_t> exponent) const {
  return PowBySquaring(*this, exponent);
}

std::optional<Fp2> Fp2::SqrtVar() const {
  if (c1.IsZero()) {
    if (auto r = c0.SqrtVar()) return Fp2{*r, Fp::Zero()};
    // c0 is a non-residue of Fp: -c0 is a residue (p ≡ 3 mod 4), sqrt(c0) = sqrt(-c0)·u.
    if (auto r = (-c0).SqrtVar()) return Fp2{Fp::Zero(), *r};
    return std::nullopt;
  }
  std::optional<Fp> s = (c0.Square() + c1.Square()).SqrtVar();
  if (!s) return std::nullopt;  // the norm of a square is a square
  const Fp half = Fp::FromUint64(2).InverseVar();
  std::optional<Fp> x0 = ((c0 + *s) * half).SqrtVar();
  if (!x0) x0 = ((c0 - *s) * half).SqrtVar();
  if (!x0 || x0->IsZero()) return std::nullopt;
  Fp2 root{*x0, c1 * x0->Double().InverseVar()};
  if (!(root.Square() == *this)) return std::nullopt;
  return root;
}

const Fp2& FrobeniusCoefficient(int k) {
  static const std::array<Fp2, 6> kCoefficients = [] {
    U256 e = Fp::kModulus;  // (p - 1) / 6, exact since p ≡ 1 (mod 6)
    bigint::SubFrom(e, U256{1, 0, 0, 0});
    bigint::DivSmall(e, 6);
    std::array<Fp2, 6> c;
    c[0] = Fp2::One();
    c[1] = Fp2::Xi().PowVar(e);
    for (int i = 2; i < 6; ++i) c[i] = c[i - 1] * c[1];
    return c;
  }();
  return kCoefficients[k];
}

// ---- Fp6 (Devegili, O hEigeartaigh, Scott, Dahab: "Multiplication and Squaring on
// Pairing-Friendly Fields", 2006: Karatsuba and CH-SQR2) ----

Fp6 operator*(const Fp6& a, const Fp6& b) {
  Fp2 t0 = a.c0 * b.c0, t1 = a.c1 * b.c1, t2 = a.c2 * b.c2;
  Fp2 c0 = ((a.c1 + a.c2) * (b.c1 + b.c2) - t1 - t2).MulByXi() + t0;
  Fp2 c1 = (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1 + t2.MulByXi();
  Fp2 c2 = (a.c0 + a.c2) * (b.c0 + b.c2) - t0 - t2 + t1;
  return {c0, c1, c2};
}

Fp6 Fp6::Square() const {
  Fp2 s0 = c0.Square();
  Fp2 s1 = (c0 * c1).Double();
  Fp2 s2 = (c0 - c1 + c2).Square();
  Fp2 s3 = (c1 * c2).Double();
  Fp2 s4 = c2.Square();
  return {s3.MulByXi() + s0, s4.MulByXi() + s1, s1 + s2 + s3 - s0 - s4};
}

Fp6 Fp6::MulBy01(const Fp2& b0, const Fp2& b1) const {
  Fp2 t0 = c0 * b0, t1 = c1 * b1;
  Fp2 r0 = (c2 * b1).MulByXi() + t0;
  Fp2 r1 = (c0 + c1) * (b0 + b1) - t0 - t1;
  Fp2 r2 = c2 * b0 + t1;
  return {r0, r1, r2};
}

Fp6 Fp6::Frobenius() const {
  // v^p = v·ξ^((p-1)/3), (v^2)^p = v^2·ξ^(2(p-1)/3).
  return {c0.Conjugate(), c1.Conjugate() * FrobeniusCoefficient(2),
          c2.Conjugate() * FrobeniusCoefficient(4)};
}

Fp6 Fp6::InverseVar() const {
  Fp2 a = c0.Square() - (c1 * c2).MulByXi();
  Fp2 b = c2.Square().MulByXi() - c0 * c1;
  Fp2 c = c1.Square() - c0 * c2;
  Fp2 f = c0 * a + (c2 * b + c1 * c).MulByXi();
  Fp2 f_inv = f.InverseVar();
  return {a * f_inv, b * f_inv, c * f_inv};
}

// ---- Fp12 ----

Fp12 operator*(const Fp12& a, const Fp12& b) {
  Fp6 t0 = a.c0 * b.c0, t1 = a.c1 * b.c1;
  return {t1.MulByV() + t0, (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1};
}

Fp12 Fp12::Square() const {
  Fp6 ab = c0 * c1;
  Fp6 c0_new = (c0 + c1) * (c0 + c1.MulByV()) - ab - ab.MulByV();
  return {c0_new, ab.Double()};
}

Fp12 Fp12::MulByLine(const Fp2& l0, const Fp2& l1, const Fp2& l3) const {
  // line = L0 + L1·w with L0 = (l0, 0, 0) and L1 = (l1, l3, 0) in Fp6.
  Fp6 t0 = c0 * l0;
  Fp6 t1 = c1.MulBy01(l1, l3);
  Fp6 mixed = (c0 + c1).MulBy01(l0 + l1, l3);
  return {t1.MulByV() + t0, mixed - t0 - t1};
}

Fp12 Fp12::Frobenius() const {
  // (c1·w)^p = c1^p·w·ξ^((p-1)/6).
  return {c0.Frobenius(), c1.Frobenius() * FrobeniusCoefficient(1)};
}

Fp12 Fp12::InverseVar() const {
  Fp6 t = (c0.Square() - c1.Square().MulByV()).InverseVar();
  return {c0 * t, -(c1 * t)};
}

Fp12 Fp12::PowVar(std::span<const uint64_t> exponent) const {
  return PowBySquaring(*this, exponent);
}

Fp12 Fp12::CyclotomicSquare() const {
  // Granger and Scott, "Faster Squaring in the Cyclotomic Subgroup of Sixth Degree
  // Extensions" (PKC 2010). With s = w^3 (s^2 = ξ), a = A + B·w + C·w^2 over
  // Fp4 = Fp2[s]: A = c0.c0 + c1.c1·s, B = c1.c0 + c0.c2·s, C = c0.c1 + c1.c2·s, and
  // A' = 3A^2 - 2·conj(A), B' = 3·s·C^2 + 2·conj(B), C' = 3B^2 - 2·conj(C).
  Fp2 z0 = c0.c0, z1 = c1.c1;  // A
  Fp2 z2 = c1.c0, z3 = c0.c2;  // B
  Fp2 z4 = c0.c1, z5 = c1.c2;  // C
  Fp2 t0, t1, t2, t3, t4, t5;
  Fp4Square(z0, z1, &t0, &t1);  // A^2
  Fp4Square(z2, z3, &t2, &t3);  // B^2
  Fp4Square(z4, z5, &t4, &t5);  // C^2
  z0 = (t0 - z0).Double() + t0;
  z1 = (t1 + z1).Double() + t1;
  Fp2 xi_t5 = t5.MulByXi();
  z2 = (xi_t5 + z2).Double() + xi_t5;
  z3 = (t4 - z3).Double() + t4;
  z4 = (t2 - z4).Double() + t2;
  z5 = (t3 + z5).Double() + t3;
  return {{z0, z4, z3}, {z2, z1, z5}};
}

}  // namespace chainaccel::bn254
