// kernels/zk/bn254_curve.cuh (compiled as plain C++) against crypto/bn254's G1: additions,
// mixed additions and doublings in XYZZ coordinates on random points, every special case
// (infinity on either side, P + P, P + (-P)), small multiples, and the conversions.
#include <catch2/catch.hpp>

#include <vector>

#include "crypto/bn254/curve.h"
#include "crypto/bn254/tower.h"
#include "kernels/zk/bn254_curve.cuh"
#include "kernels/zk/testing/zk_test_values.h"
#include "tests/support/random.h"

namespace chainaccel::kernels::zk {
namespace {

using testing::EdgeElements;
using testing::RandomElement;

Fp2 ToKernelFp2(const bn254::Fp2& a) {
  return {testing::ToKernel<Fp>(a.c0), testing::ToKernel<Fp>(a.c1)};
}
bn254::Fp2 FromKernelFp2(const Fp2& a) {
  return {testing::FromKernel<bn254::Fp>(a.c0), testing::FromKernel<bn254::Fp>(a.c1)};
}

TEST_CASE("zk Fp2 arithmetic on the host equals crypto/bn254", "[zk_g2]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk fp2");
  std::vector<bn254::Fp2> values;
  for (const bn254::Fp& a : EdgeElements<bn254::Fp>()) {
    for (const bn254::Fp& b : EdgeElements<bn254::Fp>()) values.push_back({a, b});
  }
  for (int i = 0; i < 300; ++i) {
    values.push_back({RandomElement<bn254::Fp>(rng), RandomElement<bn254::Fp>(rng)});
  }
  for (size_t i = 0; i < values.size(); ++i) {
    const bn254::Fp2& a = values[i];
    const bn254::Fp2& b = values[(i * 7 + 3) % values.size()];
    const Fp2 x = ToKernelFp2(a), y = ToKernelFp2(b);
    CHECK(FromKernelFp2(x * y) == a * b);
    CHECK(FromKernelFp2(x + y) == a + b);
    CHECK(FromKernelFp2(x - y) == a - b);
    CHECK(FromKernelFp2(-x) == -a);
    CHECK(FromKernelFp2(Square(x)) == a.Square());
    CHECK(FromKernelFp2(Double(x)) == a.Double());
    CHECK(FromKernelFp2(Inverse(x) * x) == (a.IsZero() ? bn254::Fp2::Zero() : bn254::Fp2::One()));
    CHECK(x.IsZero() == a.IsZero());
  }
  uint64_t limbs[Fp2::kLimbs];
  ToKernelFp2(values.back()).Store(limbs);
  CHECK(FromKernelFp2(Fp2::Load(limbs)) == values.back());
}

// The kernels' point types and conversions for crypto/bn254's curve `Curve`.
template <class Curve>
struct Kernel;
template <>
struct Kernel<bn254::G1Curve> {
  using F = Fp;
  static bn254::G1 FromXyzz(const G1XyzzPoint& p) { return testing::G1FromXyzz(p); }
  static bn254::G1 FromJacobianLimbs(const uint64_t* l) { return testing::JacobianFromLimbs(l); }
};
template <>
struct Kernel<bn254::G2Curve> {
  using F = Fp2;
  static bn254::G2 FromXyzz(const G2XyzzPoint& p) { return testing::G2FromXyzz(p); }
  static bn254::G2 FromJacobianLimbs(const uint64_t* l) { return testing::G2JacobianFromLimbs(l); }
};

template <class Curve>
AffinePoint<typename Kernel<Curve>::F> ToKernelAffine(const bn254::AffinePoint<Curve>& p) {
  const std::vector<uint64_t> limbs = testing::AffineLimbs<Curve>(std::span(&p, 1));
  return AffinePoint<typename Kernel<Curve>::F>::Load(limbs.data());
}

// p with a general ZZ (not 1): (p + q) - q computed in XYZZ.
template <class F>
XyzzPoint<F> Projective(const AffinePoint<F>& p, const AffinePoint<F>& q) {
  return PointAddMixed(PointAddMixed(XyzzPoint<F>::FromAffine(p), q), q.Negated());
}

template <class Curve>
void CheckRandomPoints(const char* seed) {
  using K = Kernel<Curve>;
  using Jacobian = bn254::JacobianPoint<Curve>;
  std::mt19937_64 rng = chainaccel::testing::MakeRng(seed);
  const auto set = testing::RandomPoints<Curve>(rng, 64);
  for (size_t i = 0; i + 2 < set.points.size(); ++i) {
    const auto& a = set.points[i];
    const auto& b = set.points[i + 1];
    const auto pa = ToKernelAffine(a), pb = ToKernelAffine(b);
    const auto helper = ToKernelAffine(set.points[i + 2]);
    const auto xa = Projective(pa, helper), xb = Projective(pb, helper);
    const Jacobian ja = Jacobian::FromAffine(a), jb = Jacobian::FromAffine(b);
    CHECK(K::FromXyzz(xa) == ja);
    CHECK(K::FromXyzz(PointAddMixed(xa, pb)) == ja + jb);
    CHECK(K::FromXyzz(PointAdd(xa, xb)) == ja + jb);
    CHECK(K::FromXyzz(PointDouble(xa)) == ja.Double());
    CHECK(K::FromXyzz(PointDoubleAffine(pa)) == ja.Double());
    const uint32_t k = static_cast<uint32_t>(rng());
    const uint64_t k_limb = k;
    CHECK(K::FromXyzz(PointMulSmall(xa, k)) ==
          ja.ScalarMulVar(std::span<const uint64_t>(&k_limb, 1)));
    const auto back = ToAffine(xa);
    CHECK(back.x == pa.x);
    CHECK(back.y == pa.y);
  }
}

TEST_CASE("zk G1 XYZZ arithmetic equals crypto/bn254 on random points", "[zk_g1]") {
  CheckRandomPoints<bn254::G1Curve>("zk g1 random");
}
TEST_CASE("zk G2 XYZZ arithmetic equals crypto/bn254 on random points", "[zk_g2]") {
  CheckRandomPoints<bn254::G2Curve>("zk g2 random");
}

template <class Curve>
void CheckSpecialCases(const char* seed) {
  using K = Kernel<Curve>;
  using F = typename K::F;
  using Jacobian = bn254::JacobianPoint<Curve>;
  std::mt19937_64 rng = chainaccel::testing::MakeRng(seed);
  const auto set = testing::RandomPoints<Curve>(rng, 2);
  const auto p = ToKernelAffine(set.points[0]), q = ToKernelAffine(set.points[1]);
  const AffinePoint<F> infinity = {F::Zero(), F::Zero()};
  const XyzzPoint<F> xp = Projective(p, q), inf = XyzzPoint<F>::Infinity();
  const Jacobian jp = Jacobian::FromAffine(set.points[0]);
  CHECK(infinity.IsInfinity());
  CHECK(XyzzPoint<F>::FromAffine(infinity).IsInfinity());
  CHECK(K::FromXyzz(PointAddMixed(xp, p)) == jp.Double());  // P + P, mixed
  CHECK(PointAddMixed(xp, p.Negated()).IsInfinity());      // P + (-P), mixed
  CHECK(K::FromXyzz(PointAdd(xp, xp)) == jp.Double());      // P + P
  CHECK(PointAdd(xp, xp.Negated()).IsInfinity());          // P + (-P)
  CHECK(K::FromXyzz(PointAddMixed(inf, p)) == jp);          // O + P
  CHECK(K::FromXyzz(PointAddMixed(xp, infinity)) == jp);    // P + O
  CHECK(PointAddMixed(inf, infinity).IsInfinity());        // O + O
  CHECK(K::FromXyzz(PointAdd(inf, xp)) == jp);
  CHECK(K::FromXyzz(PointAdd(xp, inf)) == jp);
  CHECK(PointAdd(inf, inf).IsInfinity());
  CHECK(PointDouble(inf).IsInfinity());
  CHECK(PointMulSmall(xp, 0).IsInfinity());
  CHECK(K::FromXyzz(PointMulSmall(xp, 1)) == jp);
  CHECK(ToAffine(inf).IsInfinity());
  uint64_t limbs[JacobianPoint<F>::kLimbs];
  ToJacobian(inf).Store(limbs);
  CHECK(K::FromJacobianLimbs(limbs).IsInfinity());
}

TEST_CASE("zk G1 XYZZ special cases", "[zk_g1]") { CheckSpecialCases<bn254::G1Curve>("zk g1 special"); }
TEST_CASE("zk G2 XYZZ special cases", "[zk_g2]") { CheckSpecialCases<bn254::G2Curve>("zk g2 special"); }

}  // namespace
}  // namespace chainaccel::kernels::zk
