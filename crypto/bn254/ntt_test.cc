// The NTT against the O(n^2) DFT with ffjavascript's roots (every size 1..64 that is a
// power of two, i.e. 2^0..2^6, and larger powers of two against each other), the
// inverse as the forward's inverse, threads against the calling thread alone, and the
// coset helper against repeated multiplication. Random inputs print their seed.
#include "crypto/bn254/ntt.h"

#include <catch2/catch.hpp>

#include <vector>

#include "core/thread_pool.h"
#include "tests/support/random.h"

namespace chainaccel::bn254 {
namespace {

Fr RandomFr(std::mt19937_64& rng) { return Fr::FromU256Reduced({rng(), rng(), rng(), rng()}); }

std::vector<Fr> RandomVector(size_t n, std::mt19937_64& rng) {
  std::vector<Fr> v(n);
  for (auto& x : v) x = RandomFr(rng);
  return v;
}

// out[k] = scale·Σ_j in[j]·root^(j·k), straight from the definition.
std::vector<Fr> NaiveDft(const std::vector<Fr>& in, const Fr& root, const Fr& scale) {
  const size_t n = in.size();
  std::vector<Fr> out(n);
  Fr root_k = Fr::One();  // root^k
  for (size_t k = 0; k < n; ++k) {
    Fr acc, power = Fr::One();  // power = root^(j·k)
    for (size_t j = 0; j < n; ++j) {
      acc += in[j] * power;
      power *= root_k;
    }
    out[k] = acc * scale;
    root_k *= root;
  }
  return out;
}

TEST_CASE("the roots are ffjavascript's Fr.w[k]", "[ntt]") {
  // w[k] has order exactly 2^k: w^(2^(k-1)) = -1.
  for (int k = 1; k <= kFrTwoAdicity; ++k) {
    Fr w = FrRootOfUnity(k);
    for (int i = 1; i < k; ++i) w = w.Square();
    CHECK(w == -Fr::One());
  }
  CHECK(FrRootOfUnity(0).IsOne());
}

TEST_CASE("forward and inverse NTT equal the naive DFT, sizes 1 to 64", "[ntt]") {
  auto rng = chainaccel::testing::MakeRng("ntt naive sizes");
  for (int log_n = 0; log_n <= 6; ++log_n) {
    const size_t n = size_t{1} << log_n;
    const std::vector<Fr> input = RandomVector(n, rng);
    const Fr w = FrRootOfUnity(log_n);
    std::vector<Fr> forward = input;
    NttForward(forward);
    CHECK(forward == NaiveDft(input, w, Fr::One()));
    std::vector<Fr> inverse = input;
    NttInverse(inverse);
    CHECK(inverse == NaiveDft(input, w.InverseVar(), Fr::FromUint64(n).InverseVar()));
  }
}

TEST_CASE("NTT of special vectors", "[ntt]") {
  const size_t n = 16;
  std::vector<Fr> delta(n);
  delta[0] = Fr::One();
  NttForward(delta);
  for (const Fr& x : delta) CHECK(x.IsOne());  // the transform of δ_0 is all ones
  std::vector<Fr> ones(n, Fr::One());
  NttInverse(ones);
  CHECK(ones[0].IsOne());
  for (size_t i = 1; i < n; ++i) CHECK(ones[i].IsZero());
  std::vector<Fr> zeros(n);
  NttForward(zeros);
  for (const Fr& x : zeros) CHECK(x.IsZero());
}

TEST_CASE("inverse(forward(x)) = x and threads change nothing, up to 2^16", "[ntt]") {
  auto rng = chainaccel::testing::MakeRng("ntt round trip");
  ThreadPool pool(3);
  for (int log_n : {7, 10, 12, 13, 16}) {
    const std::vector<Fr> input = RandomVector(size_t{1} << log_n, rng);
    FrNttDomain domain(log_n, &pool);
    std::vector<Fr> single = input, threaded = input;
    domain.Forward(single, nullptr);
    domain.Forward(threaded, &pool);
    CHECK(single == threaded);
    domain.Inverse(threaded, &pool);
    CHECK(threaded == input);
  }
}

TEST_CASE("a large NTT evaluates the polynomial at w^k (Horner spot checks)", "[ntt]") {
  auto rng = chainaccel::testing::MakeRng("ntt horner");
  const int log_n = 14;
  const size_t n = size_t{1} << log_n;
  const std::vector<Fr> coefficients = RandomVector(n, rng);
  std::vector<Fr> values = coefficients;
  NttForward(values);
  const Fr w = FrRootOfUnity(log_n);
  for (int trial = 0; trial < 4; ++trial) {
    const uint64_t k = rng() % n;
    const Fr x = w.PowVar(std::span<const uint64_t>(&k, 1));
    Fr acc;
    for (size_t j = n; j-- > 0;) acc = acc * x + coefficients[j];
    CHECK(values[k] == acc);
  }
}

TEST_CASE("MultiplyByPowers multiplies entry i by first·ratio^i", "[ntt]") {
  auto rng = chainaccel::testing::MakeRng("ntt powers");
  ThreadPool pool(2);
  const std::vector<Fr> input = RandomVector(20000, rng);
  const Fr first = RandomFr(rng), ratio = RandomFr(rng);
  std::vector<Fr> got = input;
  MultiplyByPowers(got, first, ratio, &pool);
  Fr power = first;
  bool all = true;
  for (size_t i = 0; i < input.size(); ++i) {
    all = all && got[i] == input[i] * power;
    power *= ratio;
  }
  CHECK(all);
}

TEST_CASE("Log2Exact", "[ntt]") {
  CHECK(Log2Exact(1) == 0);
  CHECK(Log2Exact(1024) == 10);
  CHECK(Log2Exact(0) == -1);
  CHECK(Log2Exact(3) == -1);
  CHECK(Log2Exact(size_t{1} << 28) == 28);
}

}  // namespace
}  // namespace chainaccel::bn254
