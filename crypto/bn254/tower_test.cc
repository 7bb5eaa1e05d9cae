// The tower Fp2/Fp6/Fp12: field identities on random elements, the defining relations
// (u^2 = -1, v^3 = 9+u, w^2 = v), Frobenius against a^p, the sparse products against the
// full ones, and the cyclotomic squaring against the plain square.
#include "crypto/bn254/tower.h"

#include <catch2/catch.hpp>

#include <vector>

#include "tests/support/random.h"

namespace chainaccel::bn254 {
namespace {

Fp RandomFp(std::mt19937_64& rng) {
  return Fp::FromU256Reduced({rng(), rng(), rng(), rng() >> 2});
}
Fp2 RandomFp2(std::mt19937_64& rng) { return {RandomFp(rng), RandomFp(rng)}; }
Fp6 RandomFp6(std::mt19937_64& rng) {
  return {RandomFp2(rng), RandomFp2(rng), RandomFp2(rng)};
}
Fp12 RandomFp12(std::mt19937_64& rng) { return {RandomFp6(rng), RandomFp6(rng)}; }

template <class F>
F RandomElement(std::mt19937_64& rng);
template <>
Fp2 RandomElement<Fp2>(std::mt19937_64& rng) { return RandomFp2(rng); }
template <>
Fp6 RandomElement<Fp6>(std::mt19937_64& rng) { return RandomFp6(rng); }
template <>
Fp12 RandomElement<Fp12>(std::mt19937_64& rng) { return RandomFp12(rng); }

TEMPLATE_TEST_CASE("tower field identities", "[tower]", Fp2, Fp6, Fp12) {
  using F = TestType;
  auto rng = testing::MakeRng("tower field identities");
  for (int i = 0; i < 20; ++i) {
    F a = RandomElement<F>(rng), b = RandomElement<F>(rng), c = RandomElement<F>(rng);
    CHECK((a * b) * c == a * (b * c));
    CHECK(a * b == b * a);
    CHECK(a * (b + c) == a * b + a * c);
    CHECK((a + b) - b == a);
    CHECK(a + (-a) == F::Zero());
    CHECK(a.Square() == a * a);
    CHECK(a * F::One() == a);
    CHECK((a * a.InverseVar()).IsOne());
    CHECK((a.InverseVar() * b) * a == b);
  }
  CHECK(F::Zero().InverseVar().IsZero());
  std::vector<F> batch;
  for (int i = 0; i < 9; ++i) batch.push_back(i == 4 ? F::Zero() : RandomElement<F>(rng));
  std::vector<F> inverted = batch;
  BatchInverseVar(std::span<F>(inverted));
  for (size_t i = 0; i < batch.size(); ++i) CHECK(inverted[i] == batch[i].InverseVar());
}

TEST_CASE("tower defining relations: u^2 = -1, v^3 = 9+u, w^2 = v", "[tower]") {
  Fp2 u{Fp::Zero(), Fp::One()};
  CHECK(u.Square() == -Fp2::One());
  Fp6 v{Fp2::Zero(), Fp2::One(), Fp2::Zero()};
  CHECK(v * v * v == Fp6{Fp2::Xi(), Fp2::Zero(), Fp2::Zero()});
  Fp12 w{Fp6::Zero(), Fp6::One()};
  CHECK(w.Square() == Fp12{v, Fp6::Zero()});
  auto rng = testing::MakeRng("tower defining relations");
  for (int i = 0; i < 10; ++i) {
    Fp2 a = RandomFp2(rng);
    CHECK(a.MulByXi() == a * Fp2::Xi());
    Fp6 b = RandomFp6(rng);
    CHECK(b.MulByV() == b * v);
  }
}

TEST_CASE("Frobenius is the p-th power: frobenius^12 = id on Fp12", "[tower]") {
  auto rng = testing::MakeRng("Frobenius is the p-th power");
  const U256& p = Fp::kModulus;
  for (int i = 0; i < 5; ++i) {
    Fp2 a2 = RandomFp2(rng);
    CHECK(a2.Frobenius() == a2.PowVar(p));
    Fp6 a6 = RandomFp6(rng);
    Fp12 as12{a6, Fp6::Zero()};  // a6^p through Fp12's PowVar
    CHECK(Fp12{a6.Frobenius(), Fp6::Zero()} == as12.PowVar(p));
    Fp12 a = RandomFp12(rng);
    CHECK(a.Frobenius() == a.PowVar(p));
    Fp12 f = a;
    for (int k = 0; k < 12; ++k) {
      f = f.Frobenius();
      if (k < 11) CHECK_FALSE(f == a);
    }
    CHECK(f == a);
    Fp6 g = a6;
    for (int k = 0; k < 6; ++k) g = g.Frobenius();
    CHECK(g == a6);
  }
  // ξ^((p-1)/6) to the 6th is ξ^(p-1).
  Fp2 c1 = FrobeniusCoefficient(1);
  CHECK(c1.Square().Square() * c1.Square() == Fp2::Xi().Frobenius() * Fp2::Xi().InverseVar());
}

TEST_CASE("sparse products equal full products", "[tower]") {
  auto rng = testing::MakeRng("sparse products equal full products");
  for (int i = 0; i < 20; ++i) {
    Fp6 a = RandomFp6(rng);
    Fp2 b0 = RandomFp2(rng), b1 = RandomFp2(rng);
    CHECK(a.MulBy01(b0, b1) == a * Fp6{b0, b1, Fp2::Zero()});
    Fp12 f = RandomFp12(rng);
    Fp2 l0 = RandomFp2(rng), l1 = RandomFp2(rng), l3 = RandomFp2(rng);
    Fp12 line{{l0, Fp2::Zero(), Fp2::Zero()}, {l1, l3, Fp2::Zero()}};
    CHECK(f.MulByLine(l0, l1, l3) == f * line);
  }
}

TEST_CASE("cyclotomic squaring equals squaring in the cyclotomic subgroup", "[tower]") {
  auto rng = testing::MakeRng("cyclotomic squaring");
  for (int i = 0; i < 10; ++i) {
    Fp12 a = RandomFp12(rng);
    // a^((p^6 - 1)(p^2 + 1)) lies in the cyclotomic subgroup.
    Fp12 c = a.Conjugate() * a.InverseVar();
    c = c.Frobenius().Frobenius() * c;
    CHECK(c.CyclotomicSquare() == c.Square());
    CHECK((c * c.Conjugate()).IsOne());
    CHECK_FALSE(a.CyclotomicSquare() == a.Square());  // not for general elements
  }
}

}  // namespace
}  // namespace chainaccel::bn254

namespace chainaccel::bn254 {
namespace {

TEST_CASE("Fp2 square roots", "[tower]") {
  auto rng = testing::MakeRng("Fp2 square roots");
  int non_squares = 0;
  for (int i = 0; i < 40; ++i) {
    Fp2 a = RandomFp2(rng);
    if (i == 0) a = Fp2{RandomFp(rng), Fp::Zero()};
    if (i == 1) a = Fp2{Fp::Zero(), RandomFp(rng)};
    auto root = a.Square().SqrtVar();
    REQUIRE(root.has_value());
    CHECK((*root == a || *root == -a));
    // a is a square in Fp2 iff its norm is a square in Fp.
    bool is_square = (a.c0.Square() + a.c1.Square()).IsSquareVar();
    auto direct = a.SqrtVar();
    CHECK(direct.has_value() == is_square);
    if (direct) CHECK(direct->Square() == a);
    if (!is_square) ++non_squares;
  }
  CHECK(non_squares > 5);
  for (uint64_t k : {0ULL, 1ULL, 2ULL, 3ULL, 5ULL}) {  // the c1 = 0 branch, both cases
    Fp2 a{Fp::FromUint64(k), Fp::Zero()};
    auto root = a.SqrtVar();
    REQUIRE(root.has_value());
    CHECK(root->Square() == a);
    CHECK((-a).SqrtVar()->Square() == -a);
  }
}

}  // namespace
}  // namespace chainaccel::bn254
