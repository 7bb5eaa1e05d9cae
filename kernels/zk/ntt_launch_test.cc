// kernels/zk/ntt_launch.h: the roots against crypto/bn254 (ffjavascript's Fr.w) and the
// argument checks on the host; on the device ([device]): NTTs of 2^1..2^16 points against a
// CPU transform written here (itself checked against the O(n^2) definition up to 2^6) and
// of 2^17..2^24 points against crypto/bn254's NTT, inverse(forward(x)) == x, snarkjs's H step against the same steps on the CPU, the
// constraint matrix times the witness, and the Montgomery-to-canonical conversion.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

#include "core/thread_pool.h"
#include "crypto/bn254/field.h"
#include "crypto/bn254/ntt.h"
#include "kernels/testing/device_buffer.h"
#include "kernels/zk/ntt_launch.h"
#include "kernels/zk/testing/zk_test_values.h"
#include "tests/support/random.h"

namespace chainaccel::kernels::zk {
namespace {

using bn254::Fr;
using chainaccel::testing::CudaCheck;
using chainaccel::testing::DeviceBuffer;

constexpr auto kInvalid = Status::Code::kInvalidArgument;

TEST_CASE("FrRootOfUnityLimbs are ffjavascript's Fr.w (crypto/bn254's roots)", "[zk_ntt]") {
  for (int k = 0; k <= kNttMaxLogSize; ++k) {
    const std::array<uint64_t, 4> limbs = FrRootOfUnityLimbs(k);
    CHECK(bn254::U256{limbs[0], limbs[1], limbs[2], limbs[3]} ==
          bn254::FrRootOfUnity(k).raw_montgomery());
  }
}

TEST_CASE("NTT wrappers reject bad arguments before any CUDA call", "[zk_ntt]") {
  uint64_t dummy[64] = {};
  size_t bytes = 0;
  CHECK(NttWorkspaceBytes(0, &bytes).code() == kInvalid);
  CHECK(NttWorkspaceBytes(29, &bytes).code() == kInvalid);
  CHECK(NttWorkspaceBytes(4, nullptr).code() == kInvalid);
  REQUIRE(NttWorkspaceBytes(4, &bytes).ok());
  CHECK(LaunchNtt(nullptr, 4, NttDirection::kForward, dummy, bytes, nullptr).code() == kInvalid);
  CHECK(LaunchNtt(dummy, 4, NttDirection::kForward, nullptr, bytes, nullptr).code() == kInvalid);
  CHECK(LaunchNtt(dummy, 4, NttDirection::kForward, dummy, bytes - 1, nullptr).code() ==
        kInvalid);
  CHECK(LaunchNtt(dummy, 0, NttDirection::kForward, dummy, bytes, nullptr).code() == kInvalid);
  REQUIRE(HCosetWorkspaceBytes(4, &bytes).ok());
  CHECK(LaunchHCoset(dummy, dummy, 4, nullptr, dummy, bytes, nullptr).code() == kInvalid);
  CHECK(LaunchHCoset(dummy, dummy, 4, dummy, dummy, bytes - 1, nullptr).code() == kInvalid);
  CHECK(LaunchHCoset(dummy, dummy, 29, dummy, dummy, bytes, nullptr).code() == kInvalid);
  const uint32_t offsets[2] = {0, 0};
  CHECK(LaunchSparseMatrixTimesWitness(offsets, offsets, dummy, 5, dummy, 4, dummy, nullptr)
            .code() == kInvalid);  // more rows than the domain
  CHECK(LaunchSparseMatrixTimesWitness(nullptr, offsets, dummy, 1, dummy, 4, dummy, nullptr)
            .code() == kInvalid);
  CHECK(LaunchSparseMatrixTimesWitness(offsets, offsets, dummy, 1, dummy, 4, nullptr, nullptr)
            .code() == kInvalid);
  CHECK(LaunchFrFromMontgomery(nullptr, dummy, 1, nullptr).code() == kInvalid);
  CHECK(LaunchFrFromMontgomery(nullptr, nullptr, 0, nullptr).ok());
}

// ---- CPU references ------------------------------------------------------------------

// out[k] = Σ_j in[j]·w^(jk): the definition, O(n^2).
std::vector<Fr> DftByDefinition(const std::vector<Fr>& in, const Fr& w) {
  std::vector<Fr> out(in.size(), Fr::Zero());
  Fr wk = Fr::One();
  for (size_t k = 0; k < in.size(); ++k) {
    Fr power = Fr::One();
    for (size_t j = 0; j < in.size(); ++j) {
      out[k] += in[j] * power;
      power *= wk;
    }
    wk *= w;
  }
  return out;
}

// The same transform by recursive radix-2 decimation in time, O(n log n).
std::vector<Fr> CpuDft(const std::vector<Fr>& in, const Fr& w) {
  const size_t n = in.size();
  if (n == 1) return in;
  std::vector<Fr> even(n / 2), odd(n / 2);
  for (size_t i = 0; i < n / 2; ++i) {
    even[i] = in[2 * i];
    odd[i] = in[2 * i + 1];
  }
  const Fr w2 = w * w;
  even = CpuDft(even, w2);
  odd = CpuDft(odd, w2);
  std::vector<Fr> out(n);
  Fr power = Fr::One();
  for (size_t k = 0; k < n / 2; ++k) {
    const Fr t = odd[k] * power;
    out[k] = even[k] + t;
    out[k + n / 2] = even[k] - t;
    power *= w;
  }
  return out;
}

std::vector<Fr> CpuNtt(const std::vector<Fr>& in, int log_n, bool inverse) {
  const Fr w = bn254::FrRootOfUnity(log_n);
  if (!inverse) return CpuDft(in, w);
  std::vector<Fr> out = CpuDft(in, w.InverseVar());
  const Fr n_inv = Fr::FromUint64(in.size()).InverseVar();
  for (Fr& v : out) v *= n_inv;
  return out;
}

std::vector<Fr> RandomVector(std::mt19937_64& rng, size_t n) {
  std::vector<Fr> v(n);
  for (Fr& x : v) x = testing::RandomElement<Fr>(rng);
  return v;
}

TEST_CASE("the tests' CPU NTT equals the DFT's definition and crypto/bn254's NTT", "[zk_ntt]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk cpu ntt");
  for (int log_n = 1; log_n <= 6; ++log_n) {
    const std::vector<Fr> x = RandomVector(rng, size_t{1} << log_n);
    CHECK(CpuNtt(x, log_n, false) == DftByDefinition(x, bn254::FrRootOfUnity(log_n)));
  }
  // crypto/bn254's NTT (the reference of the large device sizes) has the same convention.
  for (int log_n = 1; log_n <= 12; ++log_n) {
    const std::vector<Fr> x = RandomVector(rng, size_t{1} << log_n);
    std::vector<Fr> y = x;
    bn254::NttForward(y);
    CHECK(y == CpuNtt(x, log_n, false));
    bn254::NttInverse(y);
    CHECK(y == x);
  }
}

// ---- device ---------------------------------------------------------------------------

std::vector<Fr> RunNtt(const std::vector<Fr>& in, int log_n, NttDirection direction) {
  const std::vector<uint64_t> limbs = testing::MontgomeryLimbs(in);
  DeviceBuffer<uint64_t> values(limbs.size());
  values.Upload(limbs.data(), limbs.size());
  size_t bytes = 0;
  REQUIRE(NttWorkspaceBytes(log_n, &bytes).ok());
  DeviceBuffer<uint8_t> workspace(bytes);
  REQUIRE(LaunchNtt(values.get(), log_n, direction, workspace.get(), bytes, nullptr).ok());
  CudaCheck(cudaDeviceSynchronize(), "NTT");
  return testing::FrFromMontgomeryLimbs(values.Download());
}

TEST_CASE("LaunchNtt equals the CPU NTT for 2^1..2^16 points, both directions",
          "[zk_ntt][device]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk ntt device");
  for (int log_n = 1; log_n <= 16; ++log_n) {
    INFO("log_n = " << log_n);
    std::vector<Fr> x = RandomVector(rng, size_t{1} << log_n);
    x[0] = Fr::Zero();
    x.back() = -Fr::One();
    const std::vector<Fr> forward = RunNtt(x, log_n, NttDirection::kForward);
    CHECK(forward == CpuNtt(x, log_n, false));
    CHECK(RunNtt(x, log_n, NttDirection::kInverse) == CpuNtt(x, log_n, true));
    CHECK(RunNtt(forward, log_n, NttDirection::kInverse) == x);
  }
}

// Larger sizes against crypto/bn254's NTT (the CPU prover's, tested there against the
// DFT's definition), on the machine's threads: random values with 0 and r - 1 mixed in.
TEST_CASE("LaunchNtt equals crypto/bn254's NTT for 2^17..2^24 points, both directions",
          "[zk_ntt][device]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk ntt device large");
  ThreadPool pool(std::max(1u, std::thread::hardware_concurrency()));
  for (int log_n = 17; log_n <= 24; ++log_n) {
    INFO("log_n = " << log_n);
    std::vector<Fr> x = RandomVector(rng, size_t{1} << log_n);
    x[0] = Fr::Zero();
    x[x.size() / 2] = -Fr::One();
    std::vector<Fr> expected = x;
    bn254::NttForward(expected, &pool);
    const std::vector<Fr> forward = RunNtt(x, log_n, NttDirection::kForward);
    CHECK(forward == expected);
    bn254::NttInverse(expected, &pool);  // back to x
    CHECK(RunNtt(forward, log_n, NttDirection::kInverse) == expected);
    CHECK(expected == x);
  }
}

// snarkjs's step 2 on the CPU: for a, b, c = a·b: ifft, ·inc^i, fft; h = a·b - c.
std::vector<Fr> CpuHCoset(const std::vector<Fr>& a, const std::vector<Fr>& b, int log_n) {
  const Fr inc = log_n == bn254::kFrTwoAdicity ? bn254::FrCosetShift()
                                               : bn254::FrRootOfUnity(log_n + 1);
  std::vector<Fr> c(a.size());
  for (size_t i = 0; i < a.size(); ++i) c[i] = a[i] * b[i];
  auto to_coset = [&](const std::vector<Fr>& v) {
    std::vector<Fr> coefficients = CpuNtt(v, log_n, true);
    Fr power = Fr::One();
    for (Fr& x : coefficients) {
      x *= power;
      power *= inc;
    }
    return CpuNtt(coefficients, log_n, false);
  };
  const std::vector<Fr> ao = to_coset(a), bo = to_coset(b), co = to_coset(c);
  std::vector<Fr> h(a.size());
  for (size_t i = 0; i < a.size(); ++i) h[i] = ao[i] * bo[i] - co[i];
  return h;
}

std::vector<Fr> RunHCoset(const std::vector<Fr>& a, const std::vector<Fr>& b, int log_n) {
  const std::vector<uint64_t> la = testing::MontgomeryLimbs(a), lb = testing::MontgomeryLimbs(b);
  DeviceBuffer<uint64_t> da(la.size()), db(lb.size()), h(la.size());
  da.Upload(la.data(), la.size());
  db.Upload(lb.data(), lb.size());
  size_t bytes = 0;
  REQUIRE(HCosetWorkspaceBytes(log_n, &bytes).ok());
  DeviceBuffer<uint8_t> workspace(bytes);
  REQUIRE(LaunchHCoset(da.get(), db.get(), log_n, h.get(), workspace.get(), bytes, nullptr).ok());
  CudaCheck(cudaDeviceSynchronize(), "H coset");
  return testing::FrFromMontgomeryLimbs(h.Download());
}

TEST_CASE("LaunchHCoset equals snarkjs's H step on the CPU", "[zk_ntt][device]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk h coset");
  for (int log_n : {1, 2, 3, 5, 8, 10, 11, 12, 14}) {
    INFO("log_n = " << log_n);
    const size_t n = size_t{1} << log_n;
    const std::vector<Fr> a = RandomVector(rng, n), b = RandomVector(rng, n);
    CHECK(RunHCoset(a, b, log_n) == CpuHCoset(a, b, log_n));
  }
}

TEST_CASE("LaunchSparseMatrixTimesWitness equals the sums on the CPU", "[zk_ntt][device]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk sparse matrix");
  const size_t signals = 300, rows = 1000, domain = 1024;
  const std::vector<Fr> witness = RandomVector(rng, signals);
  std::vector<uint32_t> offsets = {0}, signal_index;
  std::vector<Fr> coefficients, expected(domain, Fr::Zero());
  for (size_t row = 0; row < rows; ++row) {
    const size_t entries = rng() % 6;  // empty rows too
    for (size_t k = 0; k < entries; ++k) {
      signal_index.push_back(static_cast<uint32_t>(rng() % signals));
      coefficients.push_back(rng() % 4 == 0 ? -Fr::One() : testing::RandomElement<Fr>(rng));
      expected[row] += coefficients.back() * witness[signal_index.back()];
    }
    offsets.push_back(static_cast<uint32_t>(signal_index.size()));
  }
  const std::vector<uint64_t> lw = testing::MontgomeryLimbs(witness);
  const std::vector<uint64_t> lc = testing::MontgomeryLimbs(coefficients);
  DeviceBuffer<uint32_t> d_offsets(offsets.size()), d_signals(signal_index.size());
  DeviceBuffer<uint64_t> d_coefficients(lc.size()), d_witness(lw.size()), out(4 * domain);
  d_offsets.Upload(offsets.data(), offsets.size());
  d_signals.Upload(signal_index.data(), signal_index.size());
  d_coefficients.Upload(lc.data(), lc.size());
  d_witness.Upload(lw.data(), lw.size());
  out.Fill(0x77);
  REQUIRE(LaunchSparseMatrixTimesWitness(d_offsets.get(), d_signals.get(), d_coefficients.get(),
                                         rows, d_witness.get(), domain, out.get(), nullptr)
              .ok());
  CudaCheck(cudaDeviceSynchronize(), "sparse matrix");
  CHECK(testing::FrFromMontgomeryLimbs(out.Download()) == expected);
}

TEST_CASE("LaunchFrFromMontgomery gives canonical scalars", "[zk_ntt][device]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk from montgomery");
  std::vector<Fr> values = RandomVector(rng, 1000);
  for (const Fr& e : testing::EdgeElements<Fr>()) values.push_back(e);
  const std::vector<uint64_t> limbs = testing::MontgomeryLimbs(values);
  DeviceBuffer<uint64_t> d(limbs.size());
  d.Upload(limbs.data(), limbs.size());
  REQUIRE(LaunchFrFromMontgomery(d.get(), d.get(), values.size(), nullptr).ok());
  CHECK(d.Download() == testing::ScalarLimbs(values));
}

}  // namespace
}  // namespace chainaccel::kernels::zk
