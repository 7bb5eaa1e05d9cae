// Pippenger's MSM against the sum of ScalarMulVar, on G1 and G2: every size 1..64 and
// some powers of two, every window width on one input, adversarial scalars (0, 1, 2,
// r - 1, r - 2, 2^k, digits at the signed-recoding boundary) and points (infinity,
// repeated bases, P and -P together), threads against the calling thread alone.
// Random inputs print their seed (CHAINACCEL_TEST_SEED replays it).
#include "crypto/bn254/msm.h"

#include <catch2/catch.hpp>

#include <vector>

#include "core/thread_pool.h"
#include "tests/support/random.h"

namespace chainaccel::bn254 {
namespace {

Fr RandomFr(std::mt19937_64& rng) { return Fr::FromU256Reduced({rng(), rng(), rng(), rng()}); }

template <class Curve>
std::vector<AffinePoint<Curve>> RandomPoints(size_t n, std::mt19937_64& rng) {
  // Multiples of one random point: n cheap additions instead of n scalar multiplications.
  using Point = JacobianPoint<Curve>;
  const Point step = Point::Generator().ScalarMulVar(RandomFr(rng));
  std::vector<Point> jacobian(n);
  Point p = Point::Generator();
  for (auto& q : jacobian) q = p = p + step;
  std::vector<AffinePoint<Curve>> out(n);
  BatchToAffine<Curve>(jacobian, out);
  return out;
}

template <class Curve>
JacobianPoint<Curve> NaiveMsm(const std::vector<AffinePoint<Curve>>& bases,
                              const std::vector<Fr>& scalars) {
  JacobianPoint<Curve> acc;
  for (size_t i = 0; i < bases.size(); ++i) {
    acc = acc + JacobianPoint<Curve>::FromAffine(bases[i]).ScalarMulVar(scalars[i]);
  }
  return acc;
}

Fr FrFromLimbs(const U256& v) { return Fr::FromU256Reduced(v); }

// Scalars that stress the recoding: small values, r - 1, r - 2, powers of two, and
// values whose windows sit exactly at 2^(c-1) and 2^(c-1) + 1 for every width.
std::vector<Fr> AdversarialScalars() {
  std::vector<Fr> s = {Fr::Zero(), Fr::One(), Fr::FromUint64(2), -Fr::One(),
                       -Fr::FromUint64(2), Fr::FromUint64(3)};
  for (int bit = 1; bit < 254; bit += 17) {
    U256 v{};
    v[bit / 64] = uint64_t{1} << (bit % 64);
    s.push_back(FrFromLimbs(v));
  }
  for (int c = 2; c <= 16; ++c) {
    const uint64_t half = uint64_t{1} << (c - 1);
    U256 all_half{}, all_half_plus{};
    for (int pos = 0; pos + c <= 250; pos += c) {
      all_half[pos / 64] |= half << (pos % 64);
      if (pos % 64 + c <= 64) all_half_plus[pos / 64] |= (half + 1) << (pos % 64);
    }
    s.push_back(FrFromLimbs(all_half));
    s.push_back(FrFromLimbs(all_half_plus));
  }
  s.push_back(FrFromLimbs({~uint64_t{0}, ~uint64_t{0}, ~uint64_t{0}, 0x2fffffffffffffffULL}));
  return s;
}

TEMPLATE_TEST_CASE("MSM equals the naive sum, every size 1..64", "[msm]", G1Curve, G2Curve) {
  auto rng = chainaccel::testing::MakeRng("msm sizes 1..64");
  const auto bases = RandomPoints<TestType>(64, rng);
  std::vector<Fr> scalars(64);
  for (auto& s : scalars) s = RandomFr(rng);
  for (size_t n = 1; n <= 64; ++n) {
    std::vector<AffinePoint<TestType>> b(bases.begin(), bases.begin() + n);
    std::vector<Fr> s(scalars.begin(), scalars.begin() + n);
    INFO("n = " << n);
    CHECK(Msm<TestType>(b, s, nullptr) == NaiveMsm(b, s));
  }
}

TEMPLATE_TEST_CASE("MSM of zero points is infinity", "[msm]", G1Curve, G2Curve) {
  CHECK(Msm<TestType>({}, {}, nullptr).IsInfinity());
  ThreadPool pool(2);
  CHECK(Msm<TestType>({}, {}, &pool).IsInfinity());
}

TEMPLATE_TEST_CASE("MSM of one point is a scalar multiplication", "[msm]", G1Curve,
                   G2Curve) {
  auto rng = chainaccel::testing::MakeRng("msm one point");
  const auto base = RandomPoints<TestType>(1, rng);
  for (const Fr& k : AdversarialScalars()) {
    const std::vector<Fr> s = {k};
    CHECK(Msm<TestType>(base, s, nullptr) ==
          JacobianPoint<TestType>::FromAffine(base[0]).ScalarMulVar(k));
  }
  const std::vector<AffinePoint<TestType>> infinity(1);
  const std::vector<Fr> one = {Fr::One()};
  CHECK(Msm<TestType>(infinity, one, nullptr).IsInfinity());
}

TEMPLATE_TEST_CASE("MSM with adversarial scalars and points, every window width", "[msm]",
                   G1Curve, G2Curve) {
  auto rng = chainaccel::testing::MakeRng("msm adversarial");
  const std::vector<Fr> special = AdversarialScalars();
  const auto distinct = RandomPoints<TestType>(8, rng);
  std::vector<AffinePoint<TestType>> bases;
  std::vector<Fr> scalars;
  for (size_t i = 0; i < special.size(); ++i) {
    const auto& p = distinct[i % distinct.size()];
    bases.push_back(p);                                   // repeated bases
    scalars.push_back(special[i]);
    bases.push_back(-p);                                  // P and -P
    scalars.push_back(special[(i * 7 + 3) % special.size()]);
    bases.push_back(AffinePoint<TestType>::Infinity());   // infinity bases
    scalars.push_back(RandomFr(rng));
    bases.push_back(p);                                   // P + P lands in one bucket
    scalars.push_back(special[i]);
  }
  const JacobianPoint<TestType> expected = NaiveMsm(bases, scalars);
  for (int bits = 1; bits <= 16; ++bits) {
    INFO("window bits = " << bits);
    CHECK(Msm<TestType>(bases, scalars, nullptr, bits) == expected);
  }
  // Σ k·P + Σ k·(-P) = infinity: every bucket cancels.
  std::vector<AffinePoint<TestType>> pairs;
  std::vector<Fr> same;
  for (size_t i = 0; i < special.size(); ++i) {
    pairs.push_back(distinct[i % distinct.size()]);
    pairs.push_back(-distinct[i % distinct.size()]);
    same.push_back(special[i]);
    same.push_back(special[i]);
  }
  CHECK(Msm<TestType>(pairs, same, nullptr).IsInfinity());
}

TEMPLATE_TEST_CASE("MSM on powers of two, threads against one thread", "[msm]", G1Curve,
                   G2Curve) {
  auto rng = chainaccel::testing::MakeRng("msm powers of two");
  ThreadPool pool(3);
  const size_t max_n = std::is_same_v<TestType, G1Curve> ? 4096 : 1024;
  const auto bases = RandomPoints<TestType>(max_n, rng);
  std::vector<Fr> scalars(max_n);
  for (auto& s : scalars) s = RandomFr(rng);
  for (size_t n = 128; n <= max_n; n *= 2) {
    INFO("n = " << n);
    std::span<const AffinePoint<TestType>> b(bases.data(), n);
    std::span<const Fr> s(scalars.data(), n);
    const auto single = Msm<TestType>(b, s, nullptr);
    CHECK(Msm<TestType>(b, s, &pool) == single);
    if (n <= 256) {
      CHECK(single == NaiveMsm(std::vector(b.begin(), b.end()), std::vector(s.begin(), s.end())));
    }
  }
}

TEST_CASE("MSM at 2^12 equals the naive sum, small scalars as in circom witnesses",
          "[msm]") {
  auto rng = chainaccel::testing::MakeRng("msm small scalars");
  ThreadPool pool(2);
  const size_t n = 4096;
  const auto bases = RandomPoints<G1Curve>(n, rng);
  std::vector<Fr> scalars(n);
  for (auto& s : scalars) {
    const uint64_t kind = rng() % 4;
    s = kind == 0 ? Fr::Zero() : kind == 1 ? Fr::One() : kind == 2 ? -Fr::One() : RandomFr(rng);
  }
  CHECK(MsmG1(bases, scalars, &pool) == NaiveMsm(bases, scalars));
}

TEST_CASE("MsmWindowBits grows with n", "[msm]") {
  CHECK(MsmWindowBits(0) == 1);
  CHECK(MsmWindowBits(1) == 1);
  int previous = 1;
  for (size_t n = 2; n <= (size_t{1} << 24); n *= 2) {
    const int bits = MsmWindowBits(n);
    CHECK(bits >= previous);
    CHECK(bits <= 20);
    previous = bits;
  }
}

}  // namespace
}  // namespace chainaccel::bn254
