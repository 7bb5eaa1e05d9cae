// Host tests of kernels/keccak256.cuh, compiled as plain C++: the tables against their
// definitions in FIPS 202, and the message hashing the kernels run against the CPU engine
// (Crypto++) and the Keccak team's KATs. They need no GPU.
#include "kernels/keccak256.cuh"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "crypto/hashes.h"
#include "tests/support/random.h"
#include "tests/support/vectors.h"

namespace chainaccel::kernels {
namespace {

using testing::Bytes;
using testing::ToHex;

// rc(t) of FIPS 202 Algorithm 5: an LFSR over GF(2)[x] / (x^8 + x^6 + x^5 + x^4 + 1).
int Rc(int t) {
  if (t % 255 == 0) return 1;
  unsigned r = 1;  // R = 10000000, bit i of r is R[i]
  for (int i = 1; i <= t % 255; ++i) {
    r <<= 1;  // R = 0 || R
    const unsigned r8 = (r >> 8) & 1;
    r ^= r8 | r8 << 4 | r8 << 5 | r8 << 6;  // R[0], R[4], R[5], R[6] ^= R[8]
    r &= 0xff;                               // R = Trunc8(R)
  }
  return static_cast<int>(r & 1);
}

TEST_CASE("Keccak round constants follow FIPS 202 Algorithm 6", "[keccak][constants]") {
  for (int round = 0; round < 24; ++round) {
    uint64_t rc = 0;
    for (int j = 0; j <= 6; ++j) {
      if (Rc(j + 7 * round) != 0) rc |= uint64_t{1} << ((1 << j) - 1);
    }
    INFO("round " << round);
    CHECK(KeccakRoundConstant(round) == rc);
  }
}

TEST_CASE("Keccak rho offsets follow FIPS 202 Algorithm 2", "[keccak][constants]") {
  unsigned expected[25] = {};  // lane (0, 0) keeps offset 0
  int x = 1, y = 0;
  for (int t = 0; t < 24; ++t) {
    expected[x + 5 * y] = static_cast<unsigned>(((t + 1) * (t + 2) / 2) % 64);
    const int next_y = (2 * x + 3 * y) % 5;
    x = y;
    y = next_y;
  }
  for (int lane = 0; lane < 25; ++lane) {
    INFO("lane " << lane);
    CHECK(KeccakRhoOffset(lane) == expected[lane]);
  }
}

TEST_CASE("Keccak-256 block count follows the padding rule", "[keccak]") {
  CHECK(Keccak256BlockCount(0) == 1);
  CHECK(Keccak256BlockCount(135) == 1);
  CHECK(Keccak256BlockCount(136) == 2);
  CHECK(Keccak256BlockCount(271) == 2);
  CHECK(Keccak256BlockCount(272) == 3);
}

Hash32 DigestOf(const uint64_t lanes[4]) {
  Hash32 out;
  Keccak256DigestBytes(lanes, out.data());
  return out;
}

// Keccak-256 by the kernels' code of the message copied `shift` bytes past a 16-byte
// boundary. kAlign 16 (REQUIRES shift 0) is what the fixed-size kernels promise; kAlign 1
// is any address, as in the variable-size kernels.
template <int kAlign>
Hash32 KernelKeccak256(ByteView message, size_t shift) {
  std::vector<uint8_t> buffer(message.size() + 32);
  const size_t base = (16 - reinterpret_cast<uintptr_t>(buffer.data()) % 16) % 16;
  uint8_t* at = buffer.data() + base + shift;
  if (!message.empty()) std::memcpy(at, message.data(), message.size());
  uint64_t lanes[4];
  Keccak256Message<kAlign>(at, message.size(), lanes);
  return DigestOf(lanes);
}

Hash32 Keccak256Aligned16(ByteView message) { return KernelKeccak256<16>(message, 0); }

Hash32 Keccak256Unaligned(ByteView message, size_t shift) {
  return KernelKeccak256<1>(message, shift);
}

TEST_CASE("Keccak-256 of every length 0..1000 matches the CPU engine", "[keccak]") {
  auto rng = testing::MakeRng("kernels Keccak-256 lengths 0..1000");
  for (size_t len = 0; len <= 1000; ++len) {
    const Bytes message = testing::RandomBytes(rng, len);
    Hash32 expected;
    Keccak256(message, expected.data());
    INFO("length " << len);
    REQUIRE(ToHex(Keccak256Aligned16(message)) == ToHex(expected));
    for (size_t shift : {0, 1, 3, 4, 7}) {
      INFO("shift " << shift);
      REQUIRE(ToHex(Keccak256Unaligned(message, shift)) == ToHex(expected));
    }
  }
}

TEST_CASE("Keccak-256 round functions use the original padding", "[keccak]") {
  CHECK(ToHex(Keccak256Unaligned({}, 0)) ==
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
}

void CheckKatFile(std::string_view file, size_t expected_count) {
  const auto vectors = testing::ReadDigestVectors(file);
  REQUIRE(vectors.size() == expected_count);
  for (const auto& v : vectors) {
    INFO(file << " Len = " << v.bits);
    CHECK(ToHex(Keccak256Unaligned(v.message, 0)) == ToHex(v.digest));
    CHECK(ToHex(Keccak256Aligned16(v.message)) == ToHex(v.digest));
  }
}

TEST_CASE("Keccak-256 round functions match the Keccak team short message KAT",
          "[keccak][kat]") {
  CheckKatFile("keccak256/ShortMsgKAT_256.txt", 256);
}

TEST_CASE("Keccak-256 round functions match the Keccak team long message KAT",
          "[keccak][kat]") {
  CheckKatFile("keccak256/LongMsgKAT_256.txt", 65);
}

// 1 GiB through KeccakF1600 on the host; streamed, 17 copies of the 64-byte text (eight
// 136-byte blocks) at a time, the one copy left over absorbed with the padding.
TEST_CASE("Keccak-256 round functions match the extremely long message KAT",
          "[keccak][kat][extremely_long]") {
  const auto lines = testing::ReadKeyValues("keccak256/ExtremelyLongMsgKAT_256.txt");
  REQUIRE(lines.size() == 3);
  REQUIRE(lines[0].first == "Repeat");
  REQUIRE(lines[1].first == "Text");
  REQUIRE(lines[2].first == "MD");
  const uint64_t repeat = std::stoull(lines[0].second);
  const std::string& text = lines[1].second;
  REQUIRE(text.size() == 64);

  constexpr uint64_t kCopiesPerChunk = 17;  // 17 * 64 = 8 * 136 bytes
  REQUIRE(repeat % kCopiesPerChunk == 1);
  std::string chunk;
  for (uint64_t i = 0; i < kCopiesPerChunk; ++i) chunk += text;
  const auto* chunk_bytes = reinterpret_cast<const uint8_t*>(chunk.data());
  uint64_t a[25] = {};
  for (uint64_t c = 0; c < repeat / kCopiesPerChunk; ++c) {
    for (int block = 0; block < 8; ++block) {
      for (int j = 0; j < 17; ++j) a[j] ^= LoadLe64(chunk_bytes + kKeccak256Rate * block + 8 * j);
      KeccakF1600(a);
    }
  }
  Keccak256AbsorbPaddedBlock<1>(chunk_bytes, text.size(), 0, a);  // the last copy
  KeccakF1600(a);
  CHECK(ToHex(DigestOf(a)) == ToHex(testing::FromHex(lines[2].second)));
}

}  // namespace
}  // namespace chainaccel::kernels
