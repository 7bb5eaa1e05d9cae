// LaunchMsmG1 and LaunchMsmG2 (kernels/zk/msm_launch.h): argument checks on the host; on
// the device ([device]) results against crypto/bn254 for every n in 1..4096 and powers of
// two to 2^24 (G1 and G2), on random points with known logarithms k_i (so the
// reference is (Σ s_i·k_i)·G, one scalar multiplication, independent of any MSM algorithm)
// and, for n <= 64, also against Σ s_i·P_i by single scalar multiplications. Adversarial
// inputs mixed in: scalars 0, 1, r - 1, r - 2, powers of two, digit boundaries, all scalars
// equal (one heavy bucket), repeated points, points at infinity, P and -P with one scalar
// (cancellation in a bucket), P twice with one scalar (a doubling in a bucket). Bases of
// more than 2^16 points are made on the device as k_i·G (zk_device_helpers.h).
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/bn254/curve.h"
#include "kernels/testing/device_buffer.h"
#include "kernels/zk/msm_launch.h"
#include "kernels/zk/testing/zk_device_helpers.h"
#include "kernels/zk/testing/zk_test_values.h"
#include "tests/support/random.h"

namespace chainaccel::kernels::zk {
namespace {

using bn254::Fr;
using chainaccel::testing::DeviceBuffer;

// The launch wrappers and result layout of one group, by crypto/bn254's curve.
template <class Curve>
struct Group;
template <>
struct Group<bn254::G1Curve> {
  static constexpr const char* kName = "G1";
  static constexpr size_t kBaseLimbs = kG1AffineLimbs, kResultLimbs = kG1JacobianLimbs;
  static constexpr auto Launch = LaunchMsmG1;
  static constexpr auto LaunchWithWindow = LaunchMsmG1WithWindow;
  static constexpr auto WorkspaceBytes = MsmG1WorkspaceBytes;
  static constexpr auto WorkspaceBytesForWindow = MsmG1WorkspaceBytesForWindow;
  static bn254::G1 FromLimbs(const uint64_t* l) { return testing::JacobianFromLimbs(l); }
  static void MultiplesOnDevice(const uint64_t* scalars, size_t n, uint64_t* affine) {
    testing::MultiplesOfGeneratorOnDevice(scalars, n, affine, nullptr);
  }
};
template <>
struct Group<bn254::G2Curve> {
  static constexpr const char* kName = "G2";
  static constexpr size_t kBaseLimbs = kG2AffineLimbs, kResultLimbs = kG2JacobianLimbs;
  static constexpr auto Launch = LaunchMsmG2;
  static constexpr auto LaunchWithWindow = LaunchMsmG2WithWindow;
  static constexpr auto WorkspaceBytes = MsmG2WorkspaceBytes;
  static constexpr auto WorkspaceBytesForWindow = MsmG2WorkspaceBytesForWindow;
  static bn254::G2 FromLimbs(const uint64_t* l) { return testing::G2JacobianFromLimbs(l); }
  static void MultiplesOnDevice(const uint64_t* scalars, size_t n, uint64_t* affine) {
    const std::vector<bn254::G2Affine> g = {bn254::G2Affine::Generator()};
    testing::MultiplesOfG2PointOnDevice(testing::AffineLimbs(g).data(), scalars, n, affine,
                                        nullptr);
  }
};

TEST_CASE("MsmWindowWidth grows with n and stays in [2, 20]", "[zk_msm]") {
  int last = 0;
  for (size_t n = 1; n <= kMsmMaxPoints; n *= 2) {
    const int c = MsmWindowWidth(n);
    CHECK(c >= 2);
    CHECK(c <= 20);
    CHECK(c >= last);
    last = c;
  }
}

TEST_CASE("LaunchMsmG1 and LaunchMsmG2 reject bad arguments before any CUDA call", "[zk_msm]") {
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
  CHECK(MsmG2WorkspaceBytes(0, &bytes).code() == Status::Code::kInvalidArgument);
  CHECK(LaunchMsmG2(dummy, dummy, 1, nullptr, dummy, 1 << 20, nullptr).code() ==
        Status::Code::kInvalidArgument);
  CHECK(LaunchMsmG2(nullptr, dummy, 1, dummy, dummy, 1 << 20, nullptr).code() ==
        Status::Code::kInvalidArgument);
  CHECK(LaunchMsmG2(dummy, dummy, kMsmMaxPoints + 1, dummy, dummy, 1 << 20, nullptr).code() ==
        Status::Code::kInvalidArgument);
}

// The MSM on the device, with a workspace sized for `workspace_points` (>= n).
template <class Curve>
bn254::JacobianPoint<Curve> RunMsm(const std::vector<bn254::AffinePoint<Curve>>& bases,
                                   const std::vector<Fr>& scalars, size_t workspace_points) {
  using G = Group<Curve>;
  const size_t n = bases.size();
  const std::vector<uint64_t> base_limbs = testing::AffineLimbs(bases);
  const std::vector<uint64_t> scalar_limbs = testing::ScalarLimbs(scalars);
  DeviceBuffer<uint64_t> d_bases(base_limbs.size()), d_scalars(scalar_limbs.size());
  d_bases.Upload(base_limbs.data(), base_limbs.size());
  d_scalars.Upload(scalar_limbs.data(), scalar_limbs.size());
  size_t bytes = 0;
  REQUIRE(G::WorkspaceBytes(workspace_points, &bytes).ok());
  DeviceBuffer<uint8_t> workspace(bytes);
  DeviceBuffer<uint64_t> result(G::kResultLimbs);
  result.Fill(0x5a);  // poisoned
  const Status s = G::Launch(d_bases.get(), d_scalars.get(), n, result.get(), workspace.get(),
                             bytes, nullptr);
  INFO(s.message());
  REQUIRE(s.ok());
  chainaccel::testing::CudaCheck(cudaDeviceSynchronize(), "MSM");
  return G::FromLimbs(result.Download().data());
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

template <class Curve>
struct MsmCase {
  std::vector<bn254::AffinePoint<Curve>> bases;
  std::vector<Fr> scalars, logs;
};

// n points from `pool`, with adversarial edits when `adversarial`.
template <class Curve>
MsmCase<Curve> MakeCase(std::mt19937_64& rng, const testing::PointsWithLogsOf<Curve>& pool,
                        size_t n, bool adversarial) {
  MsmCase<Curve> c;
  for (size_t i = 0; i < n; ++i) {
    bn254::AffinePoint<Curve> p = pool.points[i];
    Fr log = pool.logs[i];
    Fr s = testing::RandomElement<Fr>(rng);
    if (adversarial && i > 0) {
      s = AdversarialScalar(rng, c.scalars.back());
      switch (rng() % 6) {
        case 0: p = bn254::AffinePoint<Curve>::Infinity(); log = Fr::Zero(); break;
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

template <class Curve>
bn254::JacobianPoint<Curve> ExpectedByLogs(const std::vector<Fr>& scalars,
                                           const std::vector<Fr>& logs) {
  Fr sum = Fr::Zero();
  for (size_t i = 0; i < scalars.size(); ++i) sum += scalars[i] * logs[i % logs.size()];
  return bn254::JacobianPoint<Curve>::Generator().ScalarMulVar(sum);
}
template <class Curve>
bn254::JacobianPoint<Curve> ExpectedByLogs(const MsmCase<Curve>& c) {
  return ExpectedByLogs<Curve>(c.scalars, c.logs);
}

template <class Curve>
bn254::JacobianPoint<Curve> ExpectedNaive(const MsmCase<Curve>& c) {
  using Point = bn254::JacobianPoint<Curve>;
  Point sum = Point::Infinity();
  for (size_t i = 0; i < c.bases.size(); ++i) {
    sum = sum + Point::FromAffine(c.bases[i]).ScalarMulVar(c.scalars[i]);
  }
  return sum;
}

template <class Curve>
void CheckSizes(const char* seed, int max_log) {
  std::mt19937_64 rng = chainaccel::testing::MakeRng(seed);
  const auto pool = testing::RandomPoints<Curve>(rng, size_t{1} << max_log);
  std::vector<size_t> sizes;
  for (size_t n = 1; n <= 64; ++n) sizes.push_back(n);
  for (size_t n = 128; n <= (size_t{1} << max_log); n *= 2) sizes.push_back(n);
  for (const size_t n : sizes) {
    for (const bool adversarial : {false, true}) {
      const MsmCase<Curve> c = MakeCase(rng, pool, n, adversarial);
      INFO(Group<Curve>::kName << ", n = " << n << (adversarial ? ", adversarial" : ", random"));
      const auto got = RunMsm(c.bases, c.scalars, n);
      CHECK(got == ExpectedByLogs(c));
      if (n <= 64) CHECK(got == ExpectedNaive(c));
    }
  }
}

TEST_CASE("LaunchMsmG1 equals crypto/bn254 for n = 1..64 and powers of two to 2^16",
          "[zk_msm][device]") {
  CheckSizes<bn254::G1Curve>("zk msm sizes", 16);
}

TEST_CASE("LaunchMsmG2 equals crypto/bn254 for n = 1..64 and powers of two to 2^14",
          "[zk_msm][device]") {
  CheckSizes<bn254::G2Curve>("zk msm g2 sizes", 14);
}

// Every n in 1..4096 on one upload (prefixes of one random case), against the logarithms.
template <class Curve>
void CheckEverySize(const char* seed) {
  using G = Group<Curve>;
  constexpr size_t kMax = 4096;
  std::mt19937_64 rng = chainaccel::testing::MakeRng(seed);
  const auto pool = testing::RandomPoints<Curve>(rng, kMax);
  const MsmCase<Curve> c = MakeCase(rng, pool, kMax, true);
  const std::vector<uint64_t> base_limbs = testing::AffineLimbs(c.bases);
  const std::vector<uint64_t> scalar_limbs = testing::ScalarLimbs(c.scalars);
  DeviceBuffer<uint64_t> d_bases(base_limbs.size()), d_scalars(scalar_limbs.size());
  d_bases.Upload(base_limbs.data(), base_limbs.size());
  d_scalars.Upload(scalar_limbs.data(), scalar_limbs.size());
  size_t bytes = 0;
  REQUIRE(G::WorkspaceBytes(kMax, &bytes).ok());
  DeviceBuffer<uint8_t> workspace(bytes);
  DeviceBuffer<uint64_t> result(G::kResultLimbs);
  Fr sum = Fr::Zero();
  size_t failures = 0;
  for (size_t n = 1; n <= kMax; ++n) {
    sum += c.scalars[n - 1] * c.logs[n - 1];
    REQUIRE(G::Launch(d_bases.get(), d_scalars.get(), n, result.get(), workspace.get(), bytes,
                      nullptr)
                .ok());
    const auto got = G::FromLimbs(result.Download().data());
    if (!(got == bn254::JacobianPoint<Curve>::Generator().ScalarMulVar(sum))) {
      if (failures++ < 5) FAIL_CHECK(G::kName << " differs at n = " << n);
    }
  }
  CHECK(failures == 0);
}

TEST_CASE("LaunchMsmG1 and LaunchMsmG2 equal crypto/bn254 for every n in 1..4096",
          "[zk_msm][device]") {
  CheckEverySize<bn254::G1Curve>("zk msm every g1");
  CheckEverySize<bn254::G2Curve>("zk msm every g2");
}

// Powers of two from 2^17 up to 2^max_log: bases k_i·G made on the device, random scalars.
template <class Curve>
void CheckLargeSizes(const char* seed, int max_log) {
  using G = Group<Curve>;
  std::mt19937_64 rng = chainaccel::testing::MakeRng(seed);
  const size_t n_max = size_t{1} << max_log;
  std::vector<uint64_t> log_limbs, scalar_limbs;
  std::vector<Fr> logs, scalars;
  for (size_t i = 0; i < n_max; ++i) {
    logs.push_back(testing::RandomElement<Fr>(rng));
    scalars.push_back(testing::RandomElement<Fr>(rng));
  }
  log_limbs = testing::ScalarLimbs(logs);
  scalar_limbs = testing::ScalarLimbs(scalars);
  DeviceBuffer<uint64_t> d_logs(log_limbs.size()), d_scalars(scalar_limbs.size());
  d_logs.Upload(log_limbs.data(), log_limbs.size());
  d_scalars.Upload(scalar_limbs.data(), scalar_limbs.size());
  DeviceBuffer<uint64_t> d_bases(G::kBaseLimbs * n_max), result(G::kResultLimbs);
  G::MultiplesOnDevice(d_logs.get(), n_max, d_bases.get());
  size_t bytes = 0;
  REQUIRE(G::WorkspaceBytes(n_max, &bytes).ok());
  DeviceBuffer<uint8_t> workspace(bytes);
  Fr sum = Fr::Zero();
  size_t done = 0;
  for (size_t n = size_t{1} << 17; n <= n_max; n *= 2) {
    for (; done < n; ++done) sum += scalars[done] * logs[done];
    INFO(G::kName << ", n = " << n);
    REQUIRE(G::Launch(d_bases.get(), d_scalars.get(), n, result.get(), workspace.get(), bytes,
                      nullptr)
                .ok());
    CHECK(G::FromLimbs(result.Download().data()) ==
          bn254::JacobianPoint<Curve>::Generator().ScalarMulVar(sum));
  }
}

TEST_CASE("LaunchMsmG1 and G2 equal crypto/bn254 for powers of two 2^17..2^24",
          "[zk_msm][device]") {
  CheckLargeSizes<bn254::G1Curve>("zk msm large g1", 24);
  CheckLargeSizes<bn254::G2Curve>("zk msm large g2", 24);
}

template <class Curve>
void CheckCorners(const char* seed, size_t n) {
  using Affine = bn254::AffinePoint<Curve>;
  std::mt19937_64 rng = chainaccel::testing::MakeRng(seed);
  const auto pool = testing::RandomPoints<Curve>(rng, n);
  MsmCase<Curve> all_equal = MakeCase(rng, pool, n, false);  // one bucket per window holds all
  for (Fr& s : all_equal.scalars) s = all_equal.scalars[0];
  CHECK(RunMsm(all_equal.bases, all_equal.scalars, n) == ExpectedByLogs(all_equal));
  MsmCase<Curve> zeros = MakeCase(rng, pool, n, false);
  for (Fr& s : zeros.scalars) s = Fr::Zero();
  CHECK(RunMsm(zeros.bases, zeros.scalars, n).IsInfinity());
  MsmCase<Curve> same_point = MakeCase(rng, pool, n, false);  // n copies of one point
  for (size_t i = 0; i < n; ++i) {
    same_point.bases[i] = same_point.bases[0];
    same_point.logs[i] = same_point.logs[0];
  }
  CHECK(RunMsm(same_point.bases, same_point.scalars, n) == ExpectedByLogs(same_point));
  MsmCase<Curve> infinities = MakeCase(rng, pool, n, false);
  for (Affine& p : infinities.bases) p = Affine::Infinity();
  CHECK(RunMsm(infinities.bases, infinities.scalars, n).IsInfinity());
  // A workspace sized for more points than the call uses.
  const MsmCase<Curve> small = MakeCase(rng, pool, 100, true);
  CHECK(RunMsm(small.bases, small.scalars, n) == ExpectedByLogs(small));
}

TEST_CASE("LaunchMsmG1 corner cases", "[zk_msm][device]") {
  CheckCorners<bn254::G1Curve>("zk msm corners", 4096);
}
TEST_CASE("LaunchMsmG2 corner cases", "[zk_msm][device]") {
  CheckCorners<bn254::G2Curve>("zk msm g2 corners", 1024);
}

template <class Curve>
void CheckEveryWindow(const char* seed, size_t n) {
  using G = Group<Curve>;
  std::mt19937_64 rng = chainaccel::testing::MakeRng(seed);
  const auto pool = testing::RandomPoints<Curve>(rng, n);
  const MsmCase<Curve> c = MakeCase(rng, pool, n, true);
  const auto expected = ExpectedByLogs(c);
  const std::vector<uint64_t> base_limbs = testing::AffineLimbs(c.bases);
  const std::vector<uint64_t> scalar_limbs = testing::ScalarLimbs(c.scalars);
  DeviceBuffer<uint64_t> d_bases(base_limbs.size()), d_scalars(scalar_limbs.size());
  d_bases.Upload(base_limbs.data(), base_limbs.size());
  d_scalars.Upload(scalar_limbs.data(), scalar_limbs.size());
  DeviceBuffer<uint64_t> result(G::kResultLimbs);
  for (int bits = 2; bits <= 20; ++bits) {
    INFO(G::kName << ", window_bits = " << bits);
    size_t bytes = 0;
    REQUIRE(G::WorkspaceBytesForWindow(n, bits, &bytes).ok());
    DeviceBuffer<uint8_t> workspace(bytes);
    REQUIRE(G::LaunchWithWindow(bits, d_bases.get(), d_scalars.get(), n, result.get(),
                                workspace.get(), bytes, nullptr)
                .ok());
    CHECK(G::FromLimbs(result.Download().data()) == expected);
  }
  uint64_t dummy[32] = {};
  CHECK(G::LaunchWithWindow(1, dummy, dummy, 1, dummy, dummy, 1 << 20, nullptr).code() ==
        Status::Code::kInvalidArgument);
  CHECK(G::LaunchWithWindow(21, dummy, dummy, 1, dummy, dummy, 1 << 20, nullptr).code() ==
        Status::Code::kInvalidArgument);
}

TEST_CASE("LaunchMsmG1WithWindow and LaunchMsmG2WithWindow agree for every window width",
          "[zk_msm][device]") {
  CheckEveryWindow<bn254::G1Curve>("zk msm windows", 3000);
  CheckEveryWindow<bn254::G2Curve>("zk msm g2 windows", 1000);
}

}  // namespace
}  // namespace chainaccel::kernels::zk
