#include "crypto/bn254/pairing.h"

#include <cstdint>

namespace chainaccel::bn254 {
namespace {

// The BN parameter x of BN254 (alt_bn128): p = 36x^4 + 36x^3 + 24x^2 + 6x + 1.
constexpr uint64_t kX = 4965661367192848881ULL;

// The NAF of 6x + 2 = 29793968203157093288, least significant digit first (66 digits).
const std::vector<int8_t>& LoopNaf() {
  static const std::vector<int8_t> kNaf = [] {
    uint128 v = static_cast<uint128>(kX) * 6 + 2;
    std::vector<int8_t> naf;
    while (v != 0) {
      int8_t d = 0;
      if (v & 1) {
        d = (v & 3) == 3 ? -1 : 1;
        v = d == 1 ? v - 1 : v + 1;
      }
      naf.push_back(d);
      v >>= 1;
    }
    return naf;
  }();
  return kNaf;
}

// T in homogeneous projective coordinates: (X/Z, Y/Z) on the twist.
struct Projective {
  Fp2 x, y, z;
};

// The tangent line at T and T := 2T (Aranha et al. 2011, eq. for the D-type twist,
// scaled by 4 to avoid halvings). The line at P is -2YZ·yP + 3X^2·xP·w + (3b'Z^2 - Y^2)·w^3.
std::array<Fp2, 3> DoublingStep(Projective& t) {
  const Fp2& b = G2Curve::B();
  Fp2 a = t.x * t.y;                          // XY
  Fp2 bb = t.y.Square();                      // Y^2
  Fp2 c = t.z.Square();                       // Z^2
  Fp2 e = (c.Double() + c) * b;               // 3b'Z^2
  Fp2 f = e.Double() + e;                     // 9b'Z^2
  Fp2 h = (t.y + t.z).Square() - bb - c;      // 2YZ
  Fp2 x2 = t.x.Square();
  std::array<Fp2, 3> line = {-h, x2.Double() + x2, e - bb};
  Fp2 g = bb + f;                             // 2·G of the paper
  Fp2 e2 = e.Square();
  t.x = (a * (bb - f)).Double();              // 4·X3
  t.y = g.Square() - (e2.Double() + e2).Double().Double();  // 4·Y3 = (2G)^2 - 12E^2
  t.z = (bb * h).Double().Double();           // 4·Z3
  return line;
}

// The line through T and Q (affine) and T := T + Q. With θ = Y - yQ·Z and
// λ = X - xQ·Z the line at P is λ·yP - θ·xP·w + (θ·xQ - λ·yQ)·w^3.
std::array<Fp2, 3> AdditionStep(Projective& t, const G2Affine& q) {
  Fp2 theta = t.y - q.y * t.z;
  Fp2 lambda = t.x - q.x * t.z;
  std::array<Fp2, 3> line = {lambda, -theta, theta * q.x - lambda * q.y};
  Fp2 c = theta.Square();
  Fp2 d = lambda.Square();
  Fp2 e = lambda * d;
  Fp2 f = t.z * c;
  Fp2 g = t.x * d;
  Fp2 h = e + f - g.Double();
  t.x = lambda * h;
  t.y = theta * (g - h) - e * t.y;
  t.z = t.z * e;
  return line;
}

// a^x for a in the cyclotomic subgroup.
Fp12 CyclotomicPowX(const Fp12& a) {
  static_assert(kX >> 62 == 1, "x has 63 bits: the top one is the initial value");
  Fp12 result = a;
  for (int bit = 61; bit >= 0; --bit) {
    result = result.CyclotomicSquare();
    if ((kX >> bit) & 1) result *= a;
  }
  return result;
}

Fp12 EvaluateLine(const Fp12& f, const std::array<Fp2, 3>& line, const G1Affine& p) {
  return f.MulByLine(line[0] * p.y, line[1] * p.x, line[2]);
}

}  // namespace

G2Prepared PrepareG2(const G2Affine& q) {
  G2Prepared prepared;
  if (q.infinity) return prepared;
  prepared.infinity = false;
  const std::vector<int8_t>& naf = LoopNaf();
  prepared.lines.reserve(2 * naf.size() + 2);
  Projective t{q.x, q.y, Fp2::One()};
  G2Affine neg_q = -q;
  for (size_t i = naf.size() - 1; i-- > 0;) {
    prepared.lines.push_back(DoublingStep(t));
    if (naf[i] == 1) prepared.lines.push_back(AdditionStep(t, q));
    if (naf[i] == -1) prepared.lines.push_back(AdditionStep(t, neg_q));
  }
  G2Affine q1 = FrobeniusTwist(q);  // π(Q), curve.h
  G2Affine q2 = -FrobeniusTwist(q1);
  prepared.lines.push_back(AdditionStep(t, q1));
  prepared.lines.push_back(AdditionStep(t, q2));
  return prepared;
}

Fp12 MillerLoop(std::span<const G1Affine> ps, std::span<const G2Prepared> qs) {
  const std::vector<int8_t>& naf = LoopNaf();
  std::vector<size_t> live;  // pairs without a point at infinity
  for (size_t j = 0; j < ps.size() && j < qs.size(); ++j) {
    if (!ps[j].infinity && !qs[j].infinity) live.push_back(j);
  }
  Fp12 f = Fp12::One();
  size_t line = 0;
  auto multiply_lines = [&] {
    for (size_t j : live) f = EvaluateLine(f, qs[j].lines[line], ps[j]);
    ++line;
  };
  for (size_t i = naf.size() - 1; i-- > 0;) {
    f = f.Square();
    multiply_lines();
    if (naf[i] != 0) multiply_lines();
  }
  multiply_lines();
  multiply_lines();
  return f;
}

Fp12 MillerLoop(std::span<const G1Affine> ps, std::span<const G2Affine> qs) {
  std::vector<G2Prepared> prepared;
  prepared.reserve(qs.size());
  for (const G2Affine& q : qs) prepared.push_back(PrepareG2(q));
  return MillerLoop(ps, std::span<const G2Prepared>(prepared));
}

Fp12 FinalExponentiation(const Fp12& f) {
  if (f.IsZero()) return f;
  // Easy part: f^((p^6 - 1)(p^2 + 1)).
  Fp12 t = f.Conjugate() * f.InverseVar();
  t = t.Frobenius().Frobenius() * t;
  // Hard part: t^((p^4 - p^2 + 1)/r) = y0·y1^2·y2^6·y3^12·y4^18·y5^30·y6^36 (Scott et al.).
  Fp12 fp = t.Frobenius();
  Fp12 fp2 = fp.Frobenius();
  Fp12 fp3 = fp2.Frobenius();
  Fp12 fu = CyclotomicPowX(t);
  Fp12 fu2 = CyclotomicPowX(fu);
  Fp12 fu3 = CyclotomicPowX(fu2);
  Fp12 y0 = fp * fp2 * fp3;
  Fp12 y1 = t.Conjugate();
  Fp12 y2 = fu2.Frobenius().Frobenius();
  Fp12 y3 = fu.Frobenius().Conjugate();
  Fp12 y4 = (fu * fu2.Frobenius()).Conjugate();
  Fp12 y5 = fu2.Conjugate();
  Fp12 y6 = (fu3 * fu3.Frobenius()).Conjugate();
  Fp12 t0 = y6.CyclotomicSquare() * y4 * y5;
  Fp12 t1 = y3 * y5 * t0;
  t0 = t0 * y2;
  t1 = (t1.CyclotomicSquare() * t0).CyclotomicSquare();
  t0 = t1 * y1;
  t1 = t1 * y0;
  return t0.CyclotomicSquare() * t1;
}

Fp12 Pairing(const G1Affine& p, const G2Affine& q) {
  return FinalExponentiation(MillerLoop(std::span<const G1Affine>(&p, 1),
                                        std::span<const G2Affine>(&q, 1)));
}

bool PairingProductIsOne(std::span<const G1Affine> ps, std::span<const G2Affine> qs) {
  return FinalExponentiation(MillerLoop(ps, qs)).IsOne();
}

bool PairingProductIsOne(std::span<const G1Affine> ps, std::span<const G2Prepared> qs) {
  return FinalExponentiation(MillerLoop(ps, qs)).IsOne();
}

Fp12 GtPowVar(const Fp12& a, std::span<const uint64_t> exponent) {
  Fp12 result = Fp12::One();
  for (size_t i = exponent.size(); i-- > 0;) {
    for (int bit = 63; bit >= 0; --bit) {
      result = result.CyclotomicSquare();
      if ((exponent[i] >> bit) & 1) result *= a;
    }
  }
  return result;
}

}  // namespace chainaccel::bn254
