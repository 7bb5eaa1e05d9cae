// LaunchMsmG1 (kernels/zk/msm_launch.h): argument checks on the host; on the device
// ([device]) results against crypto/bn254 for every n in 1..64 and powers of two to 2^16,
// on random points with known logarithms k_i (so the reference is (Σ s_i·k_i)·G, one
// scalar multiplication, independent of any MSM algorithm) and, for n <= 64, also against
// Σ s_i·P_i by single scalar multiplications. Adversarial inputs mixed in: scalars 0, 1,
// r - 1, r - 2, powers of two, digit boundaries, all scalars equal (one heavy bucket),
// repeated points, points at infinity, P and -P with one scalar (cancellation in a
// bucket), P twice with one scalar (a doubling in a bucket).
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/bn254/curve.h"
#include "kernels/testing/device_buffer.h"
#include "kernels/zk/msm_launch.h"
#include "kernels/zk/testing/zk_test_values.h"
#include "tests/support/random.h"

namespace chainaccel::kernels::zk {
namespace {

using bn254::Fr;
using bn254::G1;
using bn254::G1Affine;
using chainaccel::testing::DeviceBuffer;

TEST_CASE("MsmG1WindowBits grows with n and stays in [2, 20]", "[zk_msm]") {
  int last = 0;
  for (size_t n = 1; n <= kMsmMaxPoints; n *= 2) {
    const int c = MsmG1WindowBits(n);
    CHECK(c >= 2);
    CHECK(c <= 20);
    CHECK(c >= last);
    last = c;
  }
}

TEST_CASE("LaunchMsmG1 rejects bad arguments before any CUDA call", "[zk_msm]") {
  uint64_t dummy[16] = {};
  size_t bytes = 0;
  CHECK(MsmG1WorkspaceBytes(0, &bytes).code() == Status::Code::kInvalidArgument);
  CHECK(MsmG1WorkspaceBytes(kMsmMaxPoints + 1, &bytes).code() ==
        Status::Code::kInvalidArgument);
  CHECK(MsmG1WorkspaceBytes(1, nullptr).code() == Status::Code::kInvalidArgument);
  CHECK(LaunchMsmG1(dummy, dummy, 1, nullptr, dummy, 1 << 20, nullptr).code() ==
        Status::Code::kInvalidArgument);
  CHECK(LaunchMsmG1(nullptr, dummy, 1, dummy, dummy, 1 << 20, nullptr).code() ==
        Status::Code::kInvalidArgument);
  CHECK(LaunchMsmG1(dummy, nullptr, 1, dummy, dummy, 1 << 20, nullptr).code() ==
        Status::Code::kInvalidArgument);
  CHECK(LaunchMsmG1(dummy, dummy, 1, dummy, nullptr, 1 << 20, nullptr).code() ==
        Status::Code::kInvalidArgument);
  CHECK(LaunchMsmG1(dummy, dummy, kMsmMaxPoints + 1, dummy, dummy, 1 << 20, nullptr).code() ==
        Status::Code::kInvalidArgument);
}

// The MSM on the device, with a workspace sized for `workspace_points` (>= n).
G1 RunMsm(const std::vector<G1Affine>& bases, const std::vector<Fr>& scalars,
          size_t workspace_points) {
  const size_t n = bases.size();
  const std::vector<uint64_t> base_limbs = testing::AffineLimbs(bases);
  const std::vector<uint64_t> scalar_limbs = testing::ScalarLimbs(scalars);
  DeviceBuffer<uint64_t> d_bases(base_limbs.size()), d_scalars(scalar_limbs.size());
  d_bases.Upload(base_limbs.data(), base_limbs.size());
  d_scalars.Upload(scalar_limbs.data(), scalar_limbs.size());
  size_t bytes = 0;
  REQUIRE(MsmG1WorkspaceBytes(workspace_points, &bytes).ok());
  DeviceBuffer<uint8_t> workspace(bytes);
  DeviceBuffer<uint64_t> result(kG1JacobianLimbs);
  result.Fill(0x5a);  // poisoned
  const Status s = LaunchMsmG1(d_bases.get(), d_scalars.get(), n, result.get(), workspace.get(),
                               bytes, nullptr);
  INFO(s.message());
  REQUIRE(s.ok());
  chainaccel::testing::CudaCheck(cudaDeviceSynchronize(), "MSM");
  return testing::JacobianFromLimbs(result.Download().data());
}

// A scalar chosen to hit an edge of the signed-digit decomposition or a bucket case.
Fr AdversarialScalar(std::mt19937_64& rng, const Fr& previous) {
  switch (rng() % 8) {
    case 0: return Fr::Zero();
    case 1: return Fr::One();
    case 2: return -Fr::One();                      // r - 1
    case 3: return -Fr::One() - Fr::One();          // r - 2
    case 4: {                                       // 2^k, or 2^k - 1: digit boundaries
      const int k = static_cast<int>(rng() % 253);
      bn254::U256 v = {};
      v[k / 64] = uint64_t{1} << (k % 64);
      const Fr p = Fr::FromCanonical(v).value();
      return rng() % 2 ? p : p - Fr::One();
    }
    case 5: return previous;                        // equal scalars: a heavy bucket
    default: return testing::RandomElement<Fr>(rng);
  }
}

struct MsmCase {
  std::vector<G1Affine> bases;
  std::vector<Fr> scalars, logs;
};

// n points from `pool`, with adversarial edits when `adversarial`.
MsmCase MakeCase(std::mt19937_64& rng, const testing::PointsWithLogs& pool, size_t n,
                 bool adversarial) {
  MsmCase c;
  for (size_t i = 0; i < n; ++i) {
    G1Affine p = pool.points[i];
    Fr log = pool.logs[i];
    Fr s = testing::RandomElement<Fr>(rng);
    if (adversarial && i > 0) {
      s = AdversarialScalar(rng, c.scalars.back());
      switch (rng() % 6) {
        case 0: p = G1Affine::Infinity(); log = Fr::Zero(); break;
        case 1: p = c.bases.back(); log = c.logs.back(); s = c.scalars.back(); break;  // P, P
        case 2: p = -c.bases.back(); log = -c.logs.back(); s = c.scalars.back(); break;  // P, -P
        default: break;
      }
    }
    c.bases.push_back(p);
    c.logs.push_back(log);
    c.scalars.push_back(s);
  }
  return c;
}

G1 ExpectedByLogs(const MsmCase& c) {
  Fr sum = Fr::Zero();
  for (size_t i = 0; i < c.logs.size(); ++i) sum += c.scalars[i] * c.logs[i];
  return G1::Generator().ScalarMulVar(sum);
}

G1 ExpectedNaive(const MsmCase& c) {
  G1 sum = G1::Infinity();
  for (size_t i = 0; i < c.bases.size(); ++i) {
    sum = sum + G1::FromAffine(c.bases[i]).ScalarMulVar(c.scalars[i]);
  }
  return sum;
}

std::vector<size_t> TestSizes() {
  std::vector<size_t> sizes;
  for (size_t n = 1; n <= 64; ++n) sizes.push_back(n);
  for (size_t n = 128; n <= (size_t{1} << 16); n *= 2) sizes.push_back(n);
  return sizes;
}

TEST_CASE("LaunchMsmG1 equals crypto/bn254 for n = 1..64 and powers of two to 2^16",
          "[zk_msm][device]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk msm sizes");
  const testing::PointsWithLogs pool = testing::RandomPoints(rng, size_t{1} << 16);
  for (const size_t n : TestSizes()) {
    for (const bool adversarial : {false, true}) {
      const MsmCase c = MakeCase(rng, pool, n, adversarial);
      INFO("n = " << n << (adversarial ? ", adversarial" : ", random"));
      const G1 got = RunMsm(c.bases, c.scalars, n);
      CHECK(got == ExpectedByLogs(c));
      if (n <= 64) CHECK(got == ExpectedNaive(c));
    }
  }
}

TEST_CASE("LaunchMsmG1 corner cases", "[zk_msm][device]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk msm corners");
  const testing::PointsWithLogs pool = testing::RandomPoints(rng, 4096);
  const size_t n = 4096;
  MsmCase all_equal = MakeCase(rng, pool, n, false);  // one bucket per window holds all
  for (Fr& s : all_equal.scalars) s = all_equal.scalars[0];
  CHECK(RunMsm(all_equal.bases, all_equal.scalars, n) == ExpectedByLogs(all_equal));
  MsmCase zeros = MakeCase(rng, pool, n, false);
  for (Fr& s : zeros.scalars) s = Fr::Zero();
  CHECK(RunMsm(zeros.bases, zeros.scalars, n).IsInfinity());
  MsmCase same_point = MakeCase(rng, pool, n, false);  // n copies of one point
  for (size_t i = 0; i < n; ++i) {
    same_point.bases[i] = same_point.bases[0];
    same_point.logs[i] = same_point.logs[0];
  }
  CHECK(RunMsm(same_point.bases, same_point.scalars, n) == ExpectedByLogs(same_point));
  MsmCase infinities = MakeCase(rng, pool, n, false);
  for (G1Affine& p : infinities.bases) p = G1Affine::Infinity();
  CHECK(RunMsm(infinities.bases, infinities.scalars, n).IsInfinity());
  // A workspace sized for more points than the call uses.
  const MsmCase small = MakeCase(rng, pool, 100, true);
  CHECK(RunMsm(small.bases, small.scalars, n) == ExpectedByLogs(small));
}

TEST_CASE("LaunchMsmG1WithWindow agrees for every window width", "[zk_msm][device]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk msm windows");
  const testing::PointsWithLogs pool = testing::RandomPoints(rng, 3000);
  const MsmCase c = MakeCase(rng, pool, 3000, true);
  const G1 expected = ExpectedByLogs(c);
  const std::vector<uint64_t> base_limbs = testing::AffineLimbs(c.bases);
  const std::vector<uint64_t> scalar_limbs = testing::ScalarLimbs(c.scalars);
  DeviceBuffer<uint64_t> d_bases(base_limbs.size()), d_scalars(scalar_limbs.size());
  d_bases.Upload(base_limbs.data(), base_limbs.size());
  d_scalars.Upload(scalar_limbs.data(), scalar_limbs.size());
  DeviceBuffer<uint64_t> result(kG1JacobianLimbs);
  for (int bits = 2; bits <= 20; ++bits) {
    INFO("window_bits = " << bits);
    size_t bytes = 0;
    REQUIRE(MsmG1WorkspaceBytesForWindow(c.bases.size(), bits, &bytes).ok());
    DeviceBuffer<uint8_t> workspace(bytes);
    REQUIRE(LaunchMsmG1WithWindow(bits, d_bases.get(), d_scalars.get(), c.bases.size(),
                                  result.get(), workspace.get(), bytes, nullptr)
                .ok());
    CHECK(testing::JacobianFromLimbs(result.Download().data()) == expected);
  }
  uint64_t dummy[16] = {};
  CHECK(LaunchMsmG1WithWindow(1, dummy, dummy, 1, dummy, dummy, 1 << 20, nullptr).code() ==
        Status::Code::kInvalidArgument);
  CHECK(LaunchMsmG1WithWindow(21, dummy, dummy, 1, dummy, dummy, 1 << 20, nullptr).code() ==
        Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace chainaccel::kernels::zk
