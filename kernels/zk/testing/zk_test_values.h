// Values of the zk kernel tests, made with crypto/bn254 (the CPU reference): random and
// edge field elements, random points with known discrete logarithms, and the conversions
// between crypto/bn254's types and the kernels' limb layout. Tests only.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "crypto/bn254/curve.h"
#include "crypto/bn254/field.h"
#include "crypto/bn254/tower.h"
#include "kernels/zk/bn254_curve.cuh"

namespace chainaccel::kernels::zk::testing {

// Random 256-bit limbs reduced into the field (every residue about equally likely).
template <class F>
F RandomElement(std::mt19937_64& rng) {
  bn254::U256 v = {rng(), rng(), rng(), rng() & 0x3fffffffffffffffULL};
  return F::FromU256Reduced(v);
}

// 0, 1, m - 1 as values, and the raw Montgomery limbs 1, 2 and m - 1 (the extremes of
// the representation).
template <class F>
std::vector<F> EdgeElements() {
  bn254::U256 m_minus_1 = F::kModulus;
  m_minus_1[0] -= 1;
  return {F::Zero(), F::One(), -F::One(), F::FromRawUnchecked({1, 0, 0, 0}),
          F::FromRawUnchecked({2, 0, 0, 0}), F::FromRawUnchecked(m_minus_1)};
}

// The kernels' element with the same Montgomery limbs as `f`.
template <class Ours, class F>
Ours ToKernel(const F& f) {
  return Ours::Load(f.raw_montgomery().data());
}

// crypto/bn254's element with the limbs of `e` (which must be reduced).
template <class F, class Ours>
F FromKernel(const Ours& e) {
  return F::FromRawUnchecked({e.l[0], e.l[1], e.l[2], e.l[3]});
}

inline void AppendLimbs(const bn254::U256& v, std::vector<uint64_t>* out) {
  out->insert(out->end(), v.begin(), v.end());
}

// A coordinate's limbs in the kernels' layout: Fp 4 limbs, Fp2 c0 then c1.
inline void AppendCoordinate(const bn254::Fp& v, std::vector<uint64_t>* out) {
  AppendLimbs(v.raw_montgomery(), out);
}
inline void AppendCoordinate(const bn254::Fp2& v, std::vector<uint64_t>* out) {
  AppendLimbs(v.c0.raw_montgomery(), out);
  AppendLimbs(v.c1.raw_montgomery(), out);
}

// Affine points in the kernels' layout (G1 8 limbs, G2 16; infinity all zero).
template <class Curve>
std::vector<uint64_t> AffineLimbs(std::span<const bn254::AffinePoint<Curve>> points) {
  constexpr size_t kLimbs = 2 * (sizeof(typename Curve::Field) / sizeof(bn254::Fp)) * 4;
  std::vector<uint64_t> limbs;
  limbs.reserve(kLimbs * points.size());
  for (const bn254::AffinePoint<Curve>& p : points) {
    if (p.infinity) {
      limbs.insert(limbs.end(), kLimbs, 0);
      continue;
    }
    AppendCoordinate(p.x, &limbs);
    AppendCoordinate(p.y, &limbs);
  }
  return limbs;
}
inline std::vector<uint64_t> AffineLimbs(const std::vector<bn254::G1Affine>& points) {
  return AffineLimbs<bn254::G1Curve>(std::span(points));
}
inline std::vector<uint64_t> AffineLimbs(const std::vector<bn254::G2Affine>& points) {
  return AffineLimbs<bn254::G2Curve>(std::span(points));
}

// Canonical scalar limbs (the MSM's layout).
inline std::vector<uint64_t> ScalarLimbs(std::span<const bn254::Fr> scalars) {
  std::vector<uint64_t> limbs;
  limbs.reserve(4 * scalars.size());
  for (const bn254::Fr& s : scalars) AppendLimbs(s.ToCanonical(), &limbs);
  return limbs;
}

// Montgomery limbs of Fr elements (the NTT's layout), and back.
inline std::vector<uint64_t> MontgomeryLimbs(std::span<const bn254::Fr> values) {
  std::vector<uint64_t> limbs;
  limbs.reserve(4 * values.size());
  for (const bn254::Fr& v : values) AppendLimbs(v.raw_montgomery(), &limbs);
  return limbs;
}
inline std::vector<bn254::Fr> FrFromMontgomeryLimbs(const std::vector<uint64_t>& limbs) {
  std::vector<bn254::Fr> out(limbs.size() / 4);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = bn254::Fr::FromRawUnchecked({limbs[4 * i], limbs[4 * i + 1], limbs[4 * i + 2],
                                          limbs[4 * i + 3]});
  }
  return out;
}

inline bn254::Fp FpFromLimbs(const uint64_t* limbs) {
  return bn254::Fp::FromRawUnchecked({limbs[0], limbs[1], limbs[2], limbs[3]});
}

// A Jacobian result (G1 12 limbs, G2 24) as crypto/bn254's G1 or G2.
inline bn254::G1 JacobianFromLimbs(const uint64_t* limbs) {
  return bn254::G1{FpFromLimbs(limbs), FpFromLimbs(limbs + 4), FpFromLimbs(limbs + 8)};
}
inline bn254::G2 G2JacobianFromLimbs(const uint64_t* limbs) {
  auto fp2 = [limbs](int at) {
    return bn254::Fp2{FpFromLimbs(limbs + at), FpFromLimbs(limbs + at + 4)};
  };
  return bn254::G2{fp2(0), fp2(8), fp2(16)};
}

// An XYZZ point of the kernels as crypto/bn254's G1 or G2: (X/ZZ, Y/ZZZ) through the
// Jacobian form.
inline bn254::G1 G1FromXyzz(const G1XyzzPoint& p) {
  uint64_t limbs[kG1JacobianLimbs];
  ToJacobian(p).Store(limbs);
  return JacobianFromLimbs(limbs);
}
inline bn254::G2 G2FromXyzz(const G2XyzzPoint& p) {
  uint64_t limbs[kG2JacobianLimbs];
  ToJacobian(p).Store(limbs);
  return G2JacobianFromLimbs(limbs);
}

// n random points k_i·G (G1 or G2) with their logarithms k_i: a random start and random
// steps, one addition a point, then one batch inversion.
template <class Curve>
struct PointsWithLogsOf {
  std::vector<bn254::AffinePoint<Curve>> points;
  std::vector<bn254::Fr> logs;
};
using PointsWithLogs = PointsWithLogsOf<bn254::G1Curve>;

template <class Curve = bn254::G1Curve>
PointsWithLogsOf<Curve> RandomPoints(std::mt19937_64& rng, size_t n) {
  using Point = bn254::JacobianPoint<Curve>;
  constexpr int kSteps = 16;
  const Point g = Point::Generator();
  std::vector<bn254::Fr> step_logs;
  std::vector<Point> steps;
  for (int i = 0; i < kSteps; ++i) {
    step_logs.push_back(RandomElement<bn254::Fr>(rng));
    steps.push_back(g.ScalarMulVar(step_logs.back()));
  }
  PointsWithLogsOf<Curve> out;
  bn254::Fr log = RandomElement<bn254::Fr>(rng);
  Point point = g.ScalarMulVar(log);
  std::vector<Point> jacobian;
  for (size_t i = 0; i < n; ++i) {
    jacobian.push_back(point);
    out.logs.push_back(log);
    const size_t j = rng() % kSteps;
    point = point + steps[j];
    log += step_logs[j];
  }
  out.points.resize(n);
  bn254::BatchToAffine<Curve>(jacobian, out.points);
  return out;
}

}  // namespace chainaccel::kernels::zk::testing
