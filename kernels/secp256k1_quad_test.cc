// Host tests of kernels/secp256k1_quad.cuh: the quad doubling, mixed addition (with its Z
// ratio) and GLV half-scalar ladder give exactly the coordinates of secp256k1.cuh's
// PointDouble, PointAddMixed and GlvHalfMul, on random points, the exceptional cases
// (infinity, P = Q, P = -Q, Y = 0 is impossible on secp256k1) and edge scalars.
#include "kernels/secp256k1_quad.cuh"

#include <catch2/catch.hpp>

#include <vector>

#include "tests/support/random.h"

namespace chainaccel::kernels {
namespace {

bool Same(const JacobianPoint& a, const JacobianPoint& b) {
  return U256Equal(a.x, b.x) && U256Equal(a.y, b.y) && U256Equal(a.z, b.z);
}

// The same point in any Jacobian coordinates: X1 Z2^2 = X2 Z1^2 and Y1 Z2^3 = Y2 Z1^3.
bool SamePoint(const JacobianPoint& a, const JacobianPoint& b) {
  if (IsInfinity(a) || IsInfinity(b)) return IsInfinity(a) && IsInfinity(b);
  const U256 az2 = ModSqr<Fp>(a.z), bz2 = ModSqr<Fp>(b.z);
  return U256Equal(ModMul<Fp>(a.x, bz2), ModMul<Fp>(b.x, az2)) &&
         U256Equal(ModMul<Fp>(a.y, ModMul<Fp>(bz2, b.z)), ModMul<Fp>(b.y, ModMul<Fp>(az2, a.z)));
}

U256 RandomBelow(std::mt19937_64& rng, uint32_t top_mask) {
  U256 v;
  for (auto& w : v.w) w = static_cast<uint32_t>(rng());
  v.w[7] &= top_mask;
  return v;
}

// Random affine points k G and, for Jacobian inputs, random multiples in Jacobian form.
std::vector<JacobianPoint> RandomJacobianPoints(std::mt19937_64& rng, int count) {
  const AffinePoint* table = Secp256k1GeneratorTable().data();
  std::vector<JacobianPoint> points;
  for (int i = 0; i < count; ++i) {
    points.push_back(FixedBaseMul(ModReduce<Fn>(RandomBelow(rng, 0xFFFFFFFF)), table));
  }
  return points;
}

TEST_CASE("Quad secp256k1 doubling and mixed addition equal the one-thread ones",
          "[secp256k1][quad]") {
  auto rng = testing::MakeRng("secp256k1 quad operations");
  const std::vector<JacobianPoint> points = RandomJacobianPoints(rng, 41);
  for (size_t i = 0; i + 1 < points.size(); ++i) {
    const JacobianPoint& p = points[i];
    const AffinePoint q = ToAffine(points[i + 1]);
    INFO("point " << i);
    CHECK(Same(JacobianQuadTo(QuadPointDouble(JacobianQuadFrom(p))), PointDouble(p)));
    U256 ratio_one, ratio_quad;
    CHECK(Same(JacobianQuadTo(QuadPointAddMixed(JacobianQuadFrom(p), q, &ratio_quad)),
               PointAddMixed(p, q, &ratio_one)));
    CHECK(U256Equal(ratio_one, ratio_quad));
    // P + P, P + (-P), infinity + Q.
    const AffinePoint pa = ToAffine(p);
    AffinePoint minus = pa;
    minus.y = ModNeg<Fp>(pa.y);
    for (const AffinePoint& other : {pa, minus}) {
      CHECK(Same(JacobianQuadTo(QuadPointAddMixed(JacobianQuadFrom(p), other, &ratio_quad)),
                 PointAddMixed(p, other, &ratio_one)));
      CHECK(U256Equal(ratio_one, ratio_quad));
    }
  }
  const AffinePoint q = ToAffine(points[0]);
  U256 ratio_one, ratio_quad;
  const JacobianQuad infinity = JacobianQuadFrom(JacobianInfinity());
  CHECK(Same(JacobianQuadTo(QuadPointAddMixed(infinity, q, &ratio_quad)),
             PointAddMixed(JacobianInfinity(), q, &ratio_one)));
  CHECK(U256Equal(ratio_one, ratio_quad));
  CHECK(Same(JacobianQuadTo(QuadPointDouble(JacobianQuadFrom(JacobianInfinity()))),
             PointDouble(JacobianInfinity())));
}

TEST_CASE("Quad GLV half-scalar ladder equals GlvHalfMul, as coordinates unless negated",
          "[secp256k1][quad]") {
  auto rng = testing::MakeRng("secp256k1 quad ladder");
  const std::vector<JacobianPoint> points = RandomJacobianPoints(rng, 24);
  U256 max128 = U256Zero();  // 2^128 - 1, the largest half
  for (int k = 0; k < 4; ++k) max128.w[k] = 0xFFFFFFFF;
  std::vector<U256> scalars = {U256Zero(), U256Small(1), U256Small(16), U256Small(17), max128};
  while (scalars.size() < points.size()) {  // random halves below 2^128
    U256 half = U256Zero();
    for (int k = 0; k < 4; ++k) half.w[k] = static_cast<uint32_t>(rng());
    scalars.push_back(half);
  }
  for (size_t i = 0; i < points.size(); ++i) {
    const AffinePoint p = ToAffine(points[i]);
    for (bool negate : {false, true}) {
      for (bool endomorphism : {false, true}) {
        INFO("case " << i << " negate " << negate << " endomorphism " << endomorphism);
        const JacobianPoint on_quad = QuadGlvHalfMul(scalars[i], negate, endomorphism, p);
        const JacobianPoint one_thread = GlvHalfMul(scalars[i], negate, endomorphism, p);
        // The quad negates P before its multiples, GlvHalfMul each multiple as it adds it
        // (GlvHalfLadder): 2(-P) by PointDouble has Z = 2 (-Y) Z, so the two reach -mP in
        // other coordinates; without the negation the coordinates are the same.
        CHECK(SamePoint(on_quad, one_thread));
        if (!negate) CHECK(Same(on_quad, one_thread));
      }
    }
  }
}

}  // namespace
}  // namespace chainaccel::kernels
