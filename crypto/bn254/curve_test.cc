// The group laws of G1 and G2: generators, the order r, (a+b)·G = a·G + b·G, doubling
// against addition, every special case of the (mixed) additions, equality across forms,
// batch normalisation, the G2 subgroup check on points of the twist outside the
// subgroup, and the EIP-196/197 encodings.
#include "crypto/bn254/curve.h"

#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include "tests/support/random.h"

namespace chainaccel::bn254 {
namespace {

Fr RandomFr(std::mt19937_64& rng) { return Fr::FromU256Reduced({rng(), rng(), rng(), rng()}); }

template <class Curve>
JacobianPoint<Curve> RandomPoint(std::mt19937_64& rng) {
  return JacobianPoint<Curve>::Generator().ScalarMulVar(RandomFr(rng));
}

// The same point with Z scaled by a random λ: (X·λ^2, Y·λ^3, Z·λ).
template <class Curve>
JacobianPoint<Curve> Rescaled(const JacobianPoint<Curve>& p, std::mt19937_64& rng) {
  using F = typename Curve::Field;
  F lambda = F::One();
  if constexpr (std::is_same_v<F, Fp>) {
    lambda = Fp::FromU256Reduced({rng(), rng(), rng(), 1});
  } else {
    lambda = Fp2{Fp::FromU256Reduced({rng(), rng(), rng(), 1}),
                 Fp::FromU256Reduced({rng(), rng(), rng(), 2})};
  }
  F l2 = lambda.Square();
  return {p.x * l2, p.y * l2 * lambda, p.z * lambda};
}

const U256 kR = Fr::kModulus;

TEST_CASE("generators and the curve constants", "[curve]") {
  CHECK(G1Affine::Generator().IsOnCurve());
  CHECK(G2Affine::Generator().IsOnCurve());
  CHECK(G1::Generator().IsOnCurve());
  CHECK(G2::Generator().IsOnCurve());
  CHECK(G1Curve::B() == Fp::FromUint64(3));
  // 3/(9+u), as EIP-197 and py_ecc write it.
  Fp2 b2{Fp::FromCanonicalUnchecked(bigint::Dec(
             "19485874751759354771024239261021720505790618469301721065564631296452457478373")),
         Fp::FromCanonicalUnchecked(bigint::Dec(
             "266929791119991161246907387137283842545076965332900288569378510910307636690"))};
  CHECK(G2Curve::B() == b2);
  CHECK(IsInSubgroupVar(G2Affine::Generator()));
  CHECK(IsInSubgroupVar(G2Affine::Infinity()));
  CHECK(G1Affine::Infinity().IsOnCurve());
  CHECK_FALSE(G1Affine::FromXY(Fp::FromUint64(1), Fp::FromUint64(3)).IsOnCurve());
}

TEMPLATE_TEST_CASE("r·G is infinity and (r-1)·G = -G", "[curve]", G1Curve, G2Curve) {
  using P = JacobianPoint<TestType>;
  P g = P::Generator();
  CHECK(g.ScalarMulVar(std::span<const uint64_t>(kR)).IsInfinity());
  U256 r_minus_1 = kR;
  bigint::SubFrom(r_minus_1, U256{1, 0, 0, 0});
  CHECK(g.ScalarMulVar(std::span<const uint64_t>(r_minus_1)) == -g);
  CHECK(g.ScalarMulVar(Fr::Zero()).IsInfinity());
  CHECK(g.ScalarMulVar(Fr::One()) == g);
  CHECK(g.ScalarMulVar(std::span<const uint64_t>()).IsInfinity());
  // Scalars longer than 256 bits: r·2^64 + 5 (five limbs) and 2^320 - 1 against 2^320·G - G.
  const uint64_t long_k[5] = {5, kR[0], kR[1], kR[2], kR[3]};
  CHECK(g.ScalarMulVar(long_k) == g.ScalarMulVar(Fr::FromUint64(5)));
  const uint64_t all_ones[5] = {~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL};
  P two_320 = g;
  for (int i = 0; i < 320; ++i) two_320 = two_320.Double();
  CHECK(g.ScalarMulVar(all_ones) == two_320 - g);
  P acc = P::Infinity();
  for (uint64_t k = 0; k < 40; ++k) {
    INFO("k = " << k);
    CHECK(g.ScalarMulVar(Fr::FromUint64(k)) == acc);
    acc = acc + g;
  }
}

TEMPLATE_TEST_CASE("scalar multiplication is linear", "[curve]", G1Curve, G2Curve) {
  using P = JacobianPoint<TestType>;
  auto rng = testing::MakeRng("scalar multiplication is linear");
  P g = P::Generator();
  for (int i = 0; i < 10; ++i) {
    Fr a = RandomFr(rng), b = RandomFr(rng);
    P ag = g.ScalarMulVar(a), bg = g.ScalarMulVar(b);
    CHECK(g.ScalarMulVar(a + b) == ag + bg);
    CHECK(bg.ScalarMulVar(a) == g.ScalarMulVar(a * b));
    CHECK(g.ScalarMulVar(-a) == -ag);
    CHECK(ag.IsOnCurve());
    CHECK((ag + bg).IsOnCurve());
  }
}

TEMPLATE_TEST_CASE("additions: doubling, infinity, equal and opposite points", "[curve]",
                   G1Curve, G2Curve) {
  using P = JacobianPoint<TestType>;
  using A = AffinePoint<TestType>;
  auto rng = testing::MakeRng("additions");
  const P inf = P::Infinity();
  for (int i = 0; i < 10; ++i) {
    P p = RandomPoint<TestType>(rng), q = RandomPoint<TestType>(rng);
    P p2 = Rescaled(p, rng);  // the same point, another representation
    A pa = p.ToAffine(), qa = q.ToAffine();
    CHECK(p == p2);
    CHECK(p2 == pa);
    CHECK(p.Double() == p + p);
    CHECK(p.Double() == p + p2);       // Add sees equal points in other coordinates
    CHECK(p.Double() == p.AddMixed(pa));
    CHECK(p2.AddMixed(pa) == p.Double());
    CHECK((p + (-p2)).IsInfinity());
    CHECK(p.AddMixed(-pa).IsInfinity());
    CHECK(p + inf == p);
    CHECK(inf + p == p);
    CHECK(p.AddMixed(A::Infinity()) == p);
    CHECK(inf.AddMixed(pa) == p);
    CHECK(inf.AddMixed(A::Infinity()).IsInfinity());
    CHECK((inf + inf).IsInfinity());
    CHECK(inf.Double().IsInfinity());
    CHECK(p + q == q + p);
    CHECK(p.AddMixed(qa) == p + q);
    CHECK((p + q) + p == p + (q + p));
    CHECK(p - q + q == p);
    CHECK_FALSE(p == q);
    CHECK_FALSE(p == inf);
    CHECK_FALSE(inf == pa);
    CHECK(inf == A::Infinity());
    CHECK(pa == p2.ToAffine());
  }
}

TEMPLATE_TEST_CASE("batch normalisation equals one inversion each", "[curve]", G1Curve,
                   G2Curve) {
  using P = JacobianPoint<TestType>;
  using A = AffinePoint<TestType>;
  auto rng = testing::MakeRng("batch normalisation");
  std::vector<P> points;
  for (int i = 0; i < 12; ++i) {
    points.push_back(i % 5 == 2 ? P::Infinity() : Rescaled(RandomPoint<TestType>(rng), rng));
  }
  std::vector<A> affine(points.size());
  BatchToAffine(std::span<const P>(points), std::span<A>(affine));
  for (size_t i = 0; i < points.size(); ++i) {
    CHECK(affine[i] == points[i].ToAffine());
    CHECK(points[i] == affine[i]);
    CHECK(affine[i].IsOnCurve());
  }
}

TEST_CASE("G2 subgroup check refuses twist points outside the subgroup", "[curve]") {
  auto rng = testing::MakeRng("G2 subgroup check");
  // The twist has order r·(2p - r): the cofactor h = 2p - r.
  U256 h = Fp::kModulus;
  bigint::AddTo(h, Fp::kModulus);
  bigint::SubFrom(h, Fr::kModulus);
  U256 h_cofactor = h;  // h / 10069
  REQUIRE(bigint::DivSmall(h_cofactor, 10069) == 0);
  int found = 0;
  for (int i = 0; i < 200 && found < 40; ++i) {
    Fp2 x{Fp::FromU256Reduced({rng(), rng(), rng(), 0}), Fp::FromUint64(rng())};
    auto y = (x.Square() * x + G2Curve::B()).SqrtVar();
    if (!y) continue;
    ++found;
    G2Affine q = G2Affine::FromXY(x, *y);
    REQUIRE(q.IsOnCurve());
    CHECK_FALSE(IsInSubgroupVar(q));
    CHECK_FALSE(G2::FromAffine(q).ScalarMulVar(std::span<const uint64_t>(kR)).IsInfinity());
    G2 cleared = G2::FromAffine(q).ScalarMulVar(std::span<const uint64_t>(h));
    CHECK(IsInSubgroupVar(cleared.ToAffine()));
    CHECK(cleared.ScalarMulVar(std::span<const uint64_t>(kR)).IsInfinity());
    // h = 10069·h' (h' has no factor below 2·10^6): (h'·Q) has order 10069·r or
    // divides it, and r·(h'·Q) has order 10069, the smallest torsion outside G2.
    G2 order_10069r = G2::FromAffine(q).ScalarMulVar(std::span<const uint64_t>(h_cofactor));
    G2 order_10069 = order_10069r.ScalarMulVar(std::span<const uint64_t>(kR));
    REQUIRE_FALSE(order_10069.IsInfinity());
    CHECK(order_10069.ScalarMulVar(Fr::FromUint64(10069)).IsInfinity());
    CHECK_FALSE(IsInSubgroupVar(order_10069.ToAffine()));
    CHECK_FALSE(IsInSubgroupVar(order_10069r.ToAffine()));
    std::array<uint8_t, 128> bytes{};
    EncodeG2(q, bytes);
    CHECK_FALSE(DecodeG2(bytes).has_value());  // on the curve, not in the group
  }
  CHECK(found == 40);
}

TEST_CASE("EIP-196/197 encodings round-trip and refuse bad points", "[curve]") {
  auto rng = testing::MakeRng("EIP-196/197 encodings");
  for (int i = 0; i < 5; ++i) {
    G1Affine p = RandomPoint<G1Curve>(rng).ToAffine();
    G2Affine q = RandomPoint<G2Curve>(rng).ToAffine();
    std::array<uint8_t, 64> pb{};
    std::array<uint8_t, 128> qb{};
    EncodeG1(p, pb);
    EncodeG2(q, qb);
    CHECK(DecodeG1(pb) == p);
    CHECK(DecodeG2(qb) == q);
    pb[63] ^= 1;  // y changes: off the curve
    CHECK_FALSE(DecodeG1(pb).has_value());
    qb[127] ^= 1;
    CHECK_FALSE(DecodeG2(qb).has_value());
  }
  std::array<uint8_t, 64> zero1{};
  std::array<uint8_t, 128> zero2{};
  CHECK(DecodeG1(zero1) == G1Affine::Infinity());
  CHECK(DecodeG2(zero2) == G2Affine::Infinity());
  std::array<uint8_t, 64> g1{};
  EncodeG1(G1Affine::Generator(), g1);
  CHECK(g1[31] == 1);
  CHECK(g1[63] == 2);
  // x = p + 1 ≡ 1: refused, not reduced.
  std::array<uint8_t, 64> big = g1;
  U256 p_plus_1 = Fp::kModulus;
  bigint::AddTo(p_plus_1, U256{1, 0, 0, 0});
  for (int i = 0; i < 32; ++i) big[31 - i] = static_cast<uint8_t>(p_plus_1[i / 8] >> (8 * (i % 8)));
  CHECK_FALSE(DecodeG1(big).has_value());
}

}  // namespace
}  // namespace chainaccel::bn254
