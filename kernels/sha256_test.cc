// Host tests of kernels/sha256.cuh, compiled as plain C++: the constants against their
// definition in FIPS 180-4, and the message hashing the kernels run against the CPU
// engine (OpenSSL) and the NIST CAVP vectors. They need no GPU.
#include "kernels/sha256.cuh"

#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "crypto/hashes.h"
#include "tests/support/random.h"
#include "tests/support/vectors.h"

namespace chainaccel::kernels {
namespace {

using testing::Bytes;
using testing::ToHex;

std::vector<uint32_t> FirstPrimes(size_t n) {
  std::vector<uint32_t> primes;
  for (uint32_t candidate = 2; primes.size() < n; ++candidate) {
    bool prime = true;
    for (uint32_t p : primes) {
      if (p * p > candidate) break;
      if (candidate % p == 0) prime = false;
    }
    if (prime) primes.push_back(candidate);
  }
  return primes;
}

// The first 32 bits of the fractional part of n^(1/root), root 2 or 3, exactly: the
// largest v with v^root <= n * 2^(32 * root) is floor(n^(1/root) * 2^32).
uint32_t FractionBitsOfRoot(uint32_t n, int root) {
  using U128 = unsigned __int128;
  const U128 target = static_cast<U128>(n) << (32 * root);
  uint64_t lo = 0, hi = uint64_t{1} << 40;  // n < 2^9, so the root is < 2^3 * 2^32
  while (hi - lo > 1) {
    const uint64_t mid = lo + (hi - lo) / 2;
    U128 power = mid;
    for (int i = 1; i < root; ++i) power *= mid;
    (power <= target ? lo : hi) = mid;
  }
  return static_cast<uint32_t>(lo);
}

TEST_CASE("SHA-256 round constants are the cube roots of the first 64 primes",
          "[sha256][constants]") {
  const auto primes = FirstPrimes(64);
  for (int t = 0; t < 64; ++t) {
    INFO("t = " << t);
    CHECK(Sha256RoundConstant(t) == FractionBitsOfRoot(primes[t], 3));
  }
}

TEST_CASE("SHA-256 initial hash is the square roots of the first 8 primes",
          "[sha256][constants]") {
  const auto primes = FirstPrimes(8);
  for (int i = 0; i < 8; ++i) {
    INFO("i = " << i);
    CHECK(Sha256InitialHash(i) == FractionBitsOfRoot(primes[i], 2));
  }
}

TEST_CASE("SHA-256 block count follows the padding rule", "[sha256]") {
  CHECK(Sha256BlockCount(0) == 1);
  CHECK(Sha256BlockCount(55) == 1);
  CHECK(Sha256BlockCount(56) == 2);
  CHECK(Sha256BlockCount(64) == 2);
  CHECK(Sha256BlockCount(119) == 2);
  CHECK(Sha256BlockCount(120) == 3);
}

// SHA-256 (or SHA-256d) by the kernels' code of the message copied `shift` bytes past a
// 16-byte boundary. kAlign 16 (REQUIRES shift 0) is what the fixed-size kernels promise;
// kAlign 1 is any address, as in the variable-size kernels.
template <int kAlign>
Hash32 KernelSha256(ByteView message, size_t shift, bool double_hash) {
  std::vector<uint8_t> buffer(message.size() + 32);
  const size_t base = (16 - reinterpret_cast<uintptr_t>(buffer.data()) % 16) % 16;
  uint8_t* at = buffer.data() + base + shift;
  if (!message.empty()) std::memcpy(at, message.data(), message.size());
  uint32_t digest[8];
  if (double_hash) {
    Sha256dMessage<kAlign>(at, message.size(), digest);
  } else {
    Sha256Message<kAlign>(at, message.size(), digest);
  }
  Hash32 out;
  Sha256DigestBytes(digest, out.data());
  return out;
}

Hash32 Sha256Aligned16(ByteView message, bool double_hash) {
  return KernelSha256<16>(message, 0, double_hash);
}

Hash32 Sha256Unaligned(ByteView message, size_t shift, bool double_hash) {
  return KernelSha256<1>(message, shift, double_hash);
}

TEST_CASE("SHA-256 and SHA-256d of every length 0..1000 match the CPU engine",
          "[sha256][sha256d]") {
  auto rng = testing::MakeRng("kernels SHA-256 lengths 0..1000");
  for (size_t len = 0; len <= 1000; ++len) {
    const Bytes message = testing::RandomBytes(rng, len);
    Hash32 sha256, sha256d;
    Sha256(message, sha256.data());
    Sha256d(message, sha256d.data());
    INFO("length " << len);
    REQUIRE(ToHex(Sha256Aligned16(message, false)) == ToHex(sha256));
    REQUIRE(ToHex(Sha256Aligned16(message, true)) == ToHex(sha256d));
    for (size_t shift = 0; shift < 4; ++shift) {
      INFO("shift " << shift);
      REQUIRE(ToHex(Sha256Unaligned(message, shift, false)) == ToHex(sha256));
      REQUIRE(ToHex(Sha256Unaligned(message, shift, true)) == ToHex(sha256d));
    }
  }
}

TEST_CASE("SHA-256 of a 1 MiB message matches the CPU engine", "[sha256]") {
  auto rng = testing::MakeRng("kernels SHA-256 1 MiB");
  const Bytes message = testing::RandomBytes(rng, (1 << 20) + 13);
  Hash32 expected;
  Sha256(message, expected.data());
  CHECK(ToHex(Sha256Unaligned(message, 1, false)) == ToHex(expected));
  CHECK(ToHex(Sha256Aligned16(message, false)) == ToHex(expected));
}

void CheckNistFile(std::string_view file, size_t expected_count) {
  const auto vectors = testing::ReadDigestVectors(file);
  REQUIRE(vectors.size() == expected_count);
  for (const auto& v : vectors) {
    INFO(file << " Len = " << v.bits);
    CHECK(ToHex(Sha256Unaligned(v.message, 0, false)) == ToHex(v.digest));
    CHECK(ToHex(Sha256Aligned16(v.message, false)) == ToHex(v.digest));
  }
}

TEST_CASE("SHA-256 round functions match the NIST CAVP short messages", "[sha256][nist]") {
  CheckNistFile("nist-cavp-sha256/SHA256ShortMsg.rsp", 65);
}

TEST_CASE("SHA-256 round functions match the NIST CAVP long messages", "[sha256][nist]") {
  CheckNistFile("nist-cavp-sha256/SHA256LongMsg.rsp", 64);
}

TEST_CASE("SHA-256 round functions pass the NIST CAVP Monte Carlo test", "[sha256][nist]") {
  const auto lines = testing::ReadKeyValues("nist-cavp-sha256/SHA256Monte.rsp");
  REQUIRE(!lines.empty());
  REQUIRE(lines[0].first == "Seed");
  Bytes seed = testing::FromHex(lines[0].second);
  REQUIRE(seed.size() == 32);
  size_t checkpoints = 0;
  for (size_t k = 1; k < lines.size(); ++k) {
    if (lines[k].first != "MD") continue;
    // MD0 = MD1 = MD2 = Seed; MDi = SHA256(MDi-3 || MDi-2 || MDi-1) for i = 3..1002.
    uint8_t window[96];
    for (int i = 0; i < 3; ++i) std::memcpy(window + 32 * i, seed.data(), 32);
    for (int i = 3; i <= 1002; ++i) {
      uint32_t digest[8];
      Sha256Message<1>(window, sizeof(window), digest);
      std::memmove(window, window + 32, 64);
      Sha256DigestBytes(digest, window + 64);
    }
    INFO("checkpoint " << checkpoints);
    REQUIRE(ToHex({window + 64, 32}) == ToHex(testing::FromHex(lines[k].second)));
    seed.assign(window + 64, window + 96);
    ++checkpoints;
  }
  CHECK(checkpoints == 100);
}

}  // namespace
}  // namespace chainaccel::kernels
