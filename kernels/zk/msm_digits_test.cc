// kernels/zk/msm_digits.cuh on the host against crypto/bn254: the signed digits rebuild
// every scalar for every window width, and the MSM's bucket method (buckets filled with the
// mixed addition, segment sums, the windows' combination, the pieces the kernels run)
// equals (Σ s_i·k_i)·G on random and adversarial inputs. The device runs the same functions
// (msm_launch_test.cc's [device] tests).
#include <catch2/catch.hpp>

#include <algorithm>
#include <utility>
#include <vector>

#include "crypto/bn254/curve.h"
#include "kernels/zk/msm_digits.cuh"
#include "kernels/zk/testing/zk_test_values.h"
#include "tests/support/random.h"

namespace chainaccel::kernels::zk {
namespace {

using bn254::Fr;

std::vector<Fr> DigitTestScalars(std::mt19937_64& rng) {
  std::vector<Fr> scalars = {Fr::Zero(), Fr::One(), -Fr::One(), -Fr::One() - Fr::One()};
  for (int k = 0; k < 254; ++k) {
    bn254::U256 v = {};
    v[k / 64] = uint64_t{1} << (k % 64);
    const Fr p = Fr::FromCanonical(v).value();
    scalars.push_back(p);
    scalars.push_back(p - Fr::One());
  }
  for (int i = 0; i < 200; ++i) scalars.push_back(testing::RandomElement<Fr>(rng));
  return scalars;
}

TEST_CASE("MsmSignedDigit rebuilds every scalar for every window width", "[zk_msm]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk msm digits");
  const std::vector<Fr> scalars = DigitTestScalars(rng);
  size_t failures = 0;
  for (int c = 2; c <= 20; ++c) {
    const Fr radix = Fr::FromUint64(uint64_t{1} << c);
    for (const Fr& scalar : scalars) {
      const bn254::U256 limbs = scalar.ToCanonical();
      uint32_t carry = 0;
      Fr sum = Fr::Zero(), weight = Fr::One();
      bool in_range = true;
      for (int w = 0; w < MsmWindowCount(c); ++w) {
        bool negative = false;
        const uint32_t digit =
            MsmSignedDigit(MsmWindowBits(limbs.data(), w * c, c), c, &carry, &negative);
        in_range = in_range && digit <= (1u << (c - 1));
        const Fr d = Fr::FromUint64(digit);
        sum += (negative ? -d : d) * weight;
        weight *= radix;
      }
      failures += !(sum == scalar) || carry != 0 || !in_range;
    }
  }
  CHECK(failures == 0);
}

// The pairs (bucket key, point index | sign bit) of the non-zero digits, sorted by bucket
// as the kernels' radix sort leaves them, and every bucket's offset.
struct HostSortedPairs {
  std::vector<uint32_t> keys, values, offsets;  // offsets: total buckets + 1
};

HostSortedPairs SortPairsByBucket(const std::vector<Fr>& scalars, int c) {
  const int windows = MsmWindowCount(c);
  const uint32_t half = 1u << (c - 1), total = static_cast<uint32_t>(windows) * half;
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  for (size_t i = 0; i < scalars.size(); ++i) {
    const bn254::U256 s = scalars[i].ToCanonical();
    uint32_t carry = 0;
    for (int w = 0; w < windows; ++w) {
      bool negative = false;
      const uint32_t d = MsmSignedDigit(MsmWindowBits(s.data(), w * c, c), c, &carry, &negative);
      if (d == 0) continue;
      const uint32_t value = static_cast<uint32_t>(i) | (negative ? kMsmNegativeBit : 0u);
      pairs.emplace_back(static_cast<uint32_t>(w) * half + d - 1, value);
    }
  }
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  HostSortedPairs sorted;
  for (const auto& [key, value] : pairs) {
    sorted.keys.push_back(key);
    sorted.values.push_back(value);
  }
  // As the kernels find them; checked against a count of each bucket's pairs.
  std::vector<uint32_t> counted(total + 1, 0);
  for (const uint32_t key : sorted.keys) ++counted[key + 1];
  for (uint32_t b = 0; b < total; ++b) counted[b + 1] += counted[b];
  const uint32_t pair_count = static_cast<uint32_t>(sorted.keys.size());
  for (uint32_t b = 0; b <= total; ++b) {
    sorted.offsets.push_back(MsmBucketOffset(sorted.keys.data(), pair_count, b));
  }
  CHECK(sorted.offsets == counted);
  return sorted;
}

// The bucket method on the host, with the kernels' pieces: buckets filled by chunks of
// `chunk_length` sorted pairs (MsmChunkSum, MsmBucketFromPieces), window sums by segments
// of min(32, B) buckets, then Horner.
bn254::G1 HostBucketMsm(const std::vector<bn254::G1Affine>& bases,
                        const std::vector<Fr>& scalars, int c, uint32_t chunk_length) {
  const int windows = MsmWindowCount(c);
  const uint32_t half = 1u << (c - 1), segment = std::min<uint32_t>(32, half);
  const uint32_t total = static_cast<uint32_t>(windows) * half;
  const std::vector<uint64_t> base_limbs = testing::AffineLimbs(bases);
  const HostSortedPairs sorted = SortPairsByBucket(scalars, c);
  const uint32_t pairs = static_cast<uint32_t>(sorted.keys.size());
  const uint32_t chunks = (pairs + chunk_length - 1) / chunk_length;
  // Garbage where nothing is written: an empty bucket's first piece, an unused head.
  std::vector<uint64_t> buckets(static_cast<size_t>(total) * kG1XyzzLimbs, 0x5a5a5a5a5a5a5a5aULL);
  std::vector<uint64_t> heads(static_cast<size_t>(chunks) * kG1XyzzLimbs, 0x5a5a5a5a5a5a5a5aULL);
  for (uint32_t chunk = 0; chunk < chunks; ++chunk) {
    MsmChunkSum<Fp>(base_limbs.data(), sorted.keys.data(), sorted.values.data(),
                    sorted.offsets.data(), pairs, chunk, chunk_length, buckets.data(),
                    heads.data());
  }
  for (uint32_t b = 0; b < total; ++b) {
    MsmBucketFromPieces<Fp>(b, sorted.offsets.data(), chunk_length, buckets.data(), heads.data())
        .Store(buckets.data() + kG1XyzzLimbs * static_cast<size_t>(b));
  }
  std::vector<uint64_t> window_sums(static_cast<size_t>(windows) * kG1XyzzLimbs);
  for (int w = 0; w < windows; ++w) {
    G1XyzzPoint sum = G1XyzzPoint::Infinity();
    const uint64_t* window = buckets.data() + kG1XyzzLimbs * (static_cast<size_t>(w) * half);
    for (uint32_t lo = 0; lo < half; lo += segment) {
      sum = PointAdd(sum, MsmSegmentSum<Fp>(window, lo, segment));
    }
    sum.Store(window_sums.data() + kG1XyzzLimbs * w);
  }
  return testing::G1FromXyzz(MsmCombineWindows<Fp>(window_sums.data(), windows, c));
}

TEST_CASE("the MSM's bucket method on the host equals crypto/bn254", "[zk_msm]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("zk msm host buckets");
  const testing::PointsWithLogs pool = testing::RandomPoints(rng, 200);
  std::vector<bn254::G1Affine> bases = pool.points;
  std::vector<Fr> logs = pool.logs, scalars;
  for (size_t i = 0; i < bases.size(); ++i) scalars.push_back(testing::RandomElement<Fr>(rng));
  // Adversarial entries: infinity, P twice and P, -P with one scalar, scalars 0, 1, r - 1.
  bases[1] = bn254::G1Affine::Infinity();
  logs[1] = Fr::Zero();
  bases[3] = bases[2], logs[3] = logs[2], scalars[3] = scalars[2];
  bases[5] = -bases[4], logs[5] = -logs[4], scalars[5] = scalars[4];
  scalars[6] = Fr::Zero(), scalars[7] = Fr::One(), scalars[8] = -Fr::One();
  for (size_t i = 10; i < 40; ++i) scalars[i] = scalars[9];  // a heavy bucket
  Fr expected_log = Fr::Zero();
  for (size_t i = 0; i < bases.size(); ++i) expected_log += scalars[i] * logs[i];
  const bn254::G1 expected = bn254::G1::Generator().ScalarMulVar(expected_log);
  // Chunks of 1 (every pair its own piece), 3 and 7 (chunks across several small buckets,
  // starting inside, at and past a bucket's start) and 64 (the kernels').
  for (int c : {2, 3, 5, 8, 11}) {
    for (uint32_t chunk_length : {1u, 3u, 7u, 64u}) {
      INFO("c = " << c << ", chunk length " << chunk_length);
      CHECK(HostBucketMsm(bases, scalars, c, chunk_length) == expected);
    }
  }
}

}  // namespace
}  // namespace chainaccel::kernels::zk
