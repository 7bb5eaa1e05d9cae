// kernels/zk/bn254_g1.cuh (compiled as plain C++) against crypto/bn254's G1: additions,
// mixed additions and doublings in XYZZ coordinates on random points, every special case
// (infinity on either side, P + P, P + (-P)), small multiples, and the conversions.
#include <catch2/catch.hpp>

#include <vector>

#include "crypto/bn254/curve.h"
#include "kernels/zk/bn254_g1.cuh"
#include "kernels/zk/testing/zk_test_values.h"
#include "tests/support/random.h"

namespace chainaccel::kernels::zk {
namespace {

using testing::G1FromXyzz;

G1AffinePoint ToKernelAffine(const bn254::G1Affine& p) {
  const std::vector<uint64_t> limbs = testing::AffineLimbs(std::span(&p, 1));
  return G1AffinePoint::Load(limbs.data());
}

// p with a general ZZ (not 1): (p + q) - q computed in XYZZ.
G1XyzzPoint Projective(const G1AffinePoint& p, const G1AffinePoint& q) {
  return G1AddMixed(G1AddMixed(G1XyzzPoint::FromAffine(p), q), q.Negated());
}

TEST_CASE("zk G1 XYZZ arithmetic equals crypto/bn254 on random points", "[zk_g1]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk g1 random");
  const testing::PointsWithLogs set = testing::RandomPoints(rng, 64);
  for (size_t i = 0; i + 2 < set.points.size(); ++i) {
    const bn254::G1Affine& a = set.points[i];
    const bn254::G1Affine& b = set.points[i + 1];
    const G1AffinePoint pa = ToKernelAffine(a), pb = ToKernelAffine(b);
    const G1AffinePoint helper = ToKernelAffine(set.points[i + 2]);
    const G1XyzzPoint xa = Projective(pa, helper), xb = Projective(pb, helper);
    const bn254::G1 ja = bn254::G1::FromAffine(a), jb = bn254::G1::FromAffine(b);
    CHECK(G1FromXyzz(xa) == ja);
    CHECK(G1FromXyzz(G1AddMixed(xa, pb)) == ja + jb);
    CHECK(G1FromXyzz(G1Add(xa, xb)) == ja + jb);
    CHECK(G1FromXyzz(G1Double(xa)) == ja.Double());
    CHECK(G1FromXyzz(G1DoubleAffine(pa)) == ja.Double());
    const uint32_t k = static_cast<uint32_t>(rng());
    const uint64_t k_limb = k;
    CHECK(G1FromXyzz(G1MulSmall(xa, k)) ==
          ja.ScalarMulVar(std::span<const uint64_t>(&k_limb, 1)));
    const G1AffinePoint back = G1XyzzToAffine(xa);
    CHECK(back.x == pa.x);
    CHECK(back.y == pa.y);
  }
}

TEST_CASE("zk G1 XYZZ special cases", "[zk_g1]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk g1 special");
  const testing::PointsWithLogs set = testing::RandomPoints(rng, 2);
  const G1AffinePoint p = ToKernelAffine(set.points[0]), q = ToKernelAffine(set.points[1]);
  const G1AffinePoint infinity = {Fp::Zero(), Fp::Zero()};
  const G1XyzzPoint xp = Projective(p, q), inf = G1XyzzPoint::Infinity();
  const bn254::G1 jp = bn254::G1::FromAffine(set.points[0]);
  CHECK(infinity.IsInfinity());
  CHECK(G1XyzzPoint::FromAffine(infinity).IsInfinity());
  CHECK(G1FromXyzz(G1AddMixed(xp, p)) == jp.Double());       // P + P, mixed
  CHECK(G1AddMixed(xp, p.Negated()).IsInfinity());           // P + (-P), mixed
  CHECK(G1FromXyzz(G1Add(xp, xp)) == jp.Double());           // P + P
  CHECK(G1Add(xp, xp.Negated()).IsInfinity());               // P + (-P)
  CHECK(G1FromXyzz(G1AddMixed(inf, p)) == jp);               // O + P
  CHECK(G1FromXyzz(G1AddMixed(xp, infinity)) == jp);         // P + O
  CHECK(G1AddMixed(inf, infinity).IsInfinity());             // O + O
  CHECK(G1FromXyzz(G1Add(inf, xp)) == jp);
  CHECK(G1FromXyzz(G1Add(xp, inf)) == jp);
  CHECK(G1Add(inf, inf).IsInfinity());
  CHECK(G1Double(inf).IsInfinity());
  CHECK(G1MulSmall(xp, 0).IsInfinity());
  CHECK(G1FromXyzz(G1MulSmall(xp, 1)) == jp);
  CHECK(G1XyzzToAffine(inf).IsInfinity());
  uint64_t limbs[kG1JacobianLimbs];
  G1XyzzToJacobian(inf).Store(limbs);
  CHECK(testing::JacobianFromLimbs(limbs).IsInfinity());
}

}  // namespace
}  // namespace chainaccel::kernels::zk
