// The pairing: bilinearity, non-degeneracy, infinity, GT's order, the multi-pairing
// check on a Groth16-shaped equation, and prepared G2 points against unprepared ones.
#include "crypto/bn254/pairing.h"

#include <catch2/catch.hpp>
#include <gmp.h>

#include <vector>

#include "tests/support/random.h"

namespace chainaccel::bn254 {
namespace {

Fr RandomFr(std::mt19937_64& rng) { return Fr::FromU256Reduced({rng(), rng(), rng(), rng()}); }

G1Affine G1Times(const Fr& k) { return G1::Generator().ScalarMulVar(k).ToAffine(); }
G2Affine G2Times(const Fr& k) { return G2::Generator().ScalarMulVar(k).ToAffine(); }

Fp12 GtPow(const Fp12& a, const Fr& k) {
  U256 limbs = k.ToCanonical();
  return GtPowVar(a, limbs);
}

TEST_CASE("pairing is non-degenerate and GT has order r", "[pairing]") {
  Fp12 e = Pairing(G1Affine::Generator(), G2Affine::Generator());
  CHECK_FALSE(e.IsOne());
  CHECK(GtPowVar(e, Fr::kModulus).IsOne());
  CHECK((e * e.Conjugate()).IsOne());  // e lies in the cyclotomic subgroup
  CHECK(e.Conjugate() == e.InverseVar());
}

TEST_CASE("pairing with the point at infinity is 1", "[pairing]") {
  auto rng = testing::MakeRng("pairing with the point at infinity");
  G1Affine p = G1Times(RandomFr(rng));
  G2Affine q = G2Times(RandomFr(rng));
  CHECK(Pairing(G1Affine::Infinity(), q).IsOne());
  CHECK(Pairing(p, G2Affine::Infinity()).IsOne());
  CHECK(Pairing(G1Affine::Infinity(), G2Affine::Infinity()).IsOne());
  CHECK(PairingProductIsOne({}, std::span<const G2Affine>()));
}

TEST_CASE("pairing is bilinear", "[pairing]") {
  auto rng = testing::MakeRng("pairing is bilinear");
  const Fp12 base = Pairing(G1Affine::Generator(), G2Affine::Generator());
  for (int i = 0; i < 3; ++i) {
    Fr a = RandomFr(rng), b = RandomFr(rng);
    G1Affine ap = G1Times(a);
    G2Affine bq = G2Times(b);
    Fp12 e_ab = Pairing(ap, bq);
    CHECK(e_ab == GtPow(base, a * b));
    CHECK(e_ab == Pairing(G1Times(a * b), G2Affine::Generator()));
    CHECK(e_ab == Pairing(G1Affine::Generator(), G2Times(a * b)));
    // e(P1 + P2, Q) = e(P1, Q)·e(P2, Q) and e(P, Q1 + Q2) = e(P, Q1)·e(P, Q2)
    G1Affine p2 = G1Times(RandomFr(rng));
    G2Affine q2 = G2Times(RandomFr(rng));
    CHECK(Pairing((G1::FromAffine(ap) + p2).ToAffine(), bq) == e_ab * Pairing(p2, bq));
    CHECK(Pairing(ap, (G2::FromAffine(bq) + q2).ToAffine()) == e_ab * Pairing(ap, q2));
    CHECK(Pairing(-ap, bq) == e_ab.Conjugate());
  }
}

TEST_CASE("multi-pairing checks a Groth16-shaped equation", "[pairing]") {
  auto rng = testing::MakeRng("multi-pairing checks a Groth16-shaped equation");
  for (int i = 0; i < 3; ++i) {
    // e(A, B) = e(α, β)·e(L, γ)·e(C, δ) with a·b = x·y + l·g + c·d.
    Fr a = RandomFr(rng), b = RandomFr(rng), x = RandomFr(rng), y = RandomFr(rng);
    Fr l = RandomFr(rng), g = RandomFr(rng), d = RandomFr(rng);
    Fr c = (a * b - x * y - l * g) * d.InverseVar();
    std::vector<G1Affine> ps = {-G1Times(a), G1Times(x), G1Times(l), G1Times(c)};
    std::vector<G2Affine> qs = {G2Times(b), G2Times(y), G2Times(g), G2Times(d)};
    CHECK(PairingProductIsOne(ps, qs));
    std::vector<G2Prepared> prepared;
    for (const G2Affine& q : qs) prepared.push_back(PrepareG2(q));
    CHECK(PairingProductIsOne(ps, std::span<const G2Prepared>(prepared)));
    CHECK(MillerLoop(ps, std::span<const G2Prepared>(prepared)) == MillerLoop(ps, qs));
    // Pairs with infinity change nothing.
    std::vector<G1Affine> ps_inf = ps;
    std::vector<G2Affine> qs_inf = qs;
    ps_inf.push_back(G1Affine::Infinity());
    qs_inf.push_back(G2Times(RandomFr(rng)));
    ps_inf.push_back(G1Times(RandomFr(rng)));
    qs_inf.push_back(G2Affine::Infinity());
    CHECK(PairingProductIsOne(ps_inf, qs_inf));
    // A wrong C, or a swapped pair, fails.
    std::vector<G1Affine> bad = ps;
    bad[3] = (G1::FromAffine(bad[3]) + G1::Generator()).ToAffine();
    CHECK_FALSE(PairingProductIsOne(bad, qs));
    std::vector<G2Affine> swapped = qs;
    std::swap(swapped[1], swapped[2]);
    CHECK_FALSE(PairingProductIsOne(ps, swapped));
  }
}

TEST_CASE("final exponentiation lands in GT", "[pairing]") {
  auto rng = testing::MakeRng("final exponentiation lands in GT");
  for (int i = 0; i < 3; ++i) {
    Fp12 f;
    for (Fp6* c : {&f.c0, &f.c1}) {
      for (Fp2* e : {&c->c0, &c->c1, &c->c2}) {
        e->c0 = Fp::FromU256Reduced({rng(), rng(), rng(), rng() >> 3});
        e->c1 = Fp::FromU256Reduced({rng(), rng(), rng(), rng() >> 3});
      }
    }
    Fp12 g = FinalExponentiation(f);
    CHECK_FALSE(g.IsOne());
    CHECK(GtPowVar(g, Fr::kModulus).IsOne());
    // Plain exponentiation agrees with the cyclotomic one inside GT.
    U256 e{rng(), rng(), 0, 0};
    CHECK(GtPowVar(g, e) == g.PowVar(e));
  }
}

TEST_CASE("final exponentiation is exactly f^((p^12 - 1)/r)", "[pairing]") {
  // The exponent by GMP, against the addition chain of FinalExponentiation: ours is the
  // reduced pairing itself, not a fixed power of it.
  mpz_t p, r, e;
  mpz_inits(p, r, e, nullptr);
  mpz_import(p, 4, -1, sizeof(uint64_t), 0, 0, Fp::kModulus.data());
  mpz_import(r, 4, -1, sizeof(uint64_t), 0, 0, Fr::kModulus.data());
  mpz_pow_ui(e, p, 12);
  mpz_sub_ui(e, e, 1);
  REQUIRE(mpz_divisible_p(e, r));
  mpz_divexact(e, e, r);
  std::vector<uint64_t> limbs((mpz_sizeinbase(e, 2) + 63) / 64);
  size_t count = 0;
  mpz_export(limbs.data(), &count, -1, sizeof(uint64_t), 0, 0, e);
  limbs.resize(count);
  mpz_clears(p, r, e, nullptr);

  auto rng = testing::MakeRng("final exponentiation is exactly f^((p^12 - 1)/r)");
  G1Affine ps[] = {G1Times(RandomFr(rng))};
  G2Affine qs[] = {G2Times(RandomFr(rng))};
  Fp12 f = MillerLoop(ps, qs);
  CHECK(FinalExponentiation(f) == f.PowVar(limbs));
  Fp12 g = f * f.Frobenius() + Fp12::One();  // not a Miller loop output
  CHECK(FinalExponentiation(g) == g.PowVar(limbs));
}

}  // namespace
}  // namespace chainaccel::bn254
