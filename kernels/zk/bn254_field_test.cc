// kernels/zk/bn254_field.cuh against crypto/bn254 (field.h): the constants, and every
// operation on random and edge elements (0, 1, m - 1, the raw limbs 1, 2 and m - 1), on
// the host (the __int128 path) and, tagged [device], on the GPU (the PTX path).
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "crypto/bn254/field.h"
#include "kernels/zk/bn254_field.cuh"
#include "kernels/zk/testing/zk_device_helpers.h"
#include "kernels/zk/testing/zk_test_values.h"
#include "tests/support/random.h"

namespace chainaccel::kernels::zk {
namespace {

using testing::EdgeElements;
using testing::FromKernel;
using testing::RandomElement;
using testing::ToKernel;

template <class Ours, class F>
void CheckConstants() {
  CHECK(FromKernel<F>(Ours::Modulus()).raw_montgomery() == F::kModulus);
  CHECK(FromKernel<F>(Ours::One()).raw_montgomery() == F::kR);
  CHECK(FromKernel<F>(Ours::RSquared()).raw_montgomery() == F::kR2);
}

TEST_CASE("zk field constants equal crypto/bn254's", "[zk_field]") {
  CheckConstants<Fp, bn254::Fp>();
  CheckConstants<Fr, bn254::Fr>();
  CHECK(FpParams::kInv == bn254::Fp::kInv);
  CHECK(FrParams::kInv == bn254::Fr::kInv);
}

// Pairs (a, b): every pair of edge elements, then random pairs.
template <class F>
std::vector<std::pair<F, F>> TestPairs(std::mt19937_64& rng, int random_pairs) {
  std::vector<std::pair<F, F>> pairs;
  for (const F& a : EdgeElements<F>()) {
    for (const F& b : EdgeElements<F>()) pairs.emplace_back(a, b);
    pairs.emplace_back(a, RandomElement<F>(rng));
    pairs.emplace_back(RandomElement<F>(rng), a);
  }
  for (int i = 0; i < random_pairs; ++i) {
    pairs.emplace_back(RandomElement<F>(rng), RandomElement<F>(rng));
  }
  return pairs;
}

template <class Ours, class F>
void CheckHostOps(std::mt19937_64& rng) {
  for (const auto& [a, b] : TestPairs<F>(rng, 2000)) {
    const Ours x = ToKernel<Ours>(a), y = ToKernel<Ours>(b);
    CHECK(FromKernel<F>(x * y) == a * b);
    CHECK(FromKernel<F>(x + y) == a + b);
    CHECK(FromKernel<F>(x - y) == a - b);
    CHECK(FromKernel<F>(-x) == -a);
    CHECK(FromKernel<F>(Square(x)) == a.Square());
    CHECK(FromKernel<F>(Double(x)) == a.Double());
  }
}

TEST_CASE("zk Fp and Fr arithmetic on the host equals crypto/bn254", "[zk_field]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk field host");
  CheckHostOps<Fp, bn254::Fp>(rng);
  CheckHostOps<Fr, bn254::Fr>(rng);
}

TEST_CASE("zk field conversions, powers and inverses", "[zk_field]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk field inverse");
  for (int i = 0; i < 50; ++i) {
    const bn254::Fr a = RandomElement<bn254::Fr>(rng);
    const Fr x = ToKernel<Fr>(a);
    CHECK(FromKernel<bn254::Fr>(Inverse(x)) == a.InverseVar());
    const bn254::U256 canonical = a.ToCanonical();
    CHECK(FromMontgomery(x) == Fr::Load(canonical.data()));
    CHECK(ToMontgomery(Fr::Load(canonical.data())) == x);
    const uint64_t e = rng();
    CHECK(FromKernel<bn254::Fr>(Pow(x, &e, 1)) == a.PowVar(std::span<const uint64_t>(&e, 1)));
  }
  CHECK(Inverse(Fp::Zero()).IsZero());
}

// The device's results of every operation against crypto/bn254's.
template <class F>
void CheckDeviceOps(testing::TestField field, std::mt19937_64& rng) {
  const auto pairs = TestPairs<F>(rng, 20000);
  std::vector<uint64_t> a, b;
  for (const auto& [x, y] : pairs) {
    testing::AppendLimbs(x.raw_montgomery(), &a);
    testing::AppendLimbs(y.raw_montgomery(), &b);
  }
  const testing::FieldOpResults r = testing::RunFieldOpsOnDevice(field, a, b);
  size_t mismatches = 0;
  auto at = [](const std::vector<uint64_t>& v, size_t i) {
    return F::FromRawUnchecked({v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3]});
  };
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& [x, y] = pairs[i];
    mismatches += !(at(r.mul, i) == x * y) + !(at(r.add, i) == x + y) +
                  !(at(r.sub, i) == x - y) + !(at(r.neg, i) == -x) +
                  !(at(r.square, i) == x.Square()) + !(at(r.dbl, i) == x.Double());
  }
  CHECK(mismatches == 0);
}

TEST_CASE("the experimental 32-bit-limb Fp multiplication equals crypto/bn254",
          "[zk_field][device]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk fp32 device");
  const auto pairs = TestPairs<bn254::Fp>(rng, 20000);
  std::vector<uint64_t> a, b;
  for (const auto& [x, y] : pairs) {
    testing::AppendLimbs(x.raw_montgomery(), &a);
    testing::AppendLimbs(y.raw_montgomery(), &b);
  }
  const std::vector<uint64_t> product = testing::RunFp32MulOnDevice(a, b);
  size_t mismatches = 0;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const bn254::Fp got = bn254::Fp::FromRawUnchecked(
        {product[4 * i], product[4 * i + 1], product[4 * i + 2], product[4 * i + 3]});
    mismatches += !(got == pairs[i].first * pairs[i].second);
  }
  CHECK(mismatches == 0);
}

TEST_CASE("zk Fp and Fr arithmetic on the device equals crypto/bn254", "[zk_field][device]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk field device");
  CheckDeviceOps<bn254::Fp>(testing::TestField::kFp, rng);
  CheckDeviceOps<bn254::Fr>(testing::TestField::kFr, rng);
}

}  // namespace
}  // namespace chainaccel::kernels::zk
