#include "crypto/hashes.h"

#include <catch2/catch.hpp>

#include <cryptopp/keccak.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/support/random.h"
#include "tests/support/reference_hashes.h"
#include "tests/support/vectors.h"

namespace chainaccel {
namespace {

using testing::Bytes;
using testing::FromHex;
using testing::ToHex;

std::string Sha256Hex(ByteView data) {
  Hash32 out;
  Sha256(data, out.data());
  return ToHex(out);
}

std::string Keccak256Hex(ByteView data) {
  Hash32 out;
  Keccak256(data, out.data());
  return ToHex(out);
}

// Checks every Len / Msg / MD vector of `file` against hex_digest(message).
void CheckDigestFile(std::string_view file, size_t expected_count,
                     std::string (*hex_digest)(ByteView)) {
  const auto vectors = testing::ReadDigestVectors(file);
  REQUIRE(vectors.size() == expected_count);
  for (const auto& v : vectors) {
    INFO(file << " Len = " << v.bits);
    CHECK(hex_digest(v.message) == ToHex(v.digest));
  }
}

TEST_CASE("SHA-256 matches every NIST CAVP short message vector", "[hashes][sha256][nist]") {
  CheckDigestFile("nist-cavp-sha256/SHA256ShortMsg.rsp", 65, Sha256Hex);
}

TEST_CASE("SHA-256 matches every NIST CAVP long message vector", "[hashes][sha256][nist]") {
  CheckDigestFile("nist-cavp-sha256/SHA256LongMsg.rsp", 64, Sha256Hex);
}

TEST_CASE("SHA-256 passes the NIST CAVP Monte Carlo test", "[hashes][sha256][nist]") {
  const auto lines = testing::ReadKeyValues("nist-cavp-sha256/SHA256Monte.rsp");
  REQUIRE(!lines.empty());
  REQUIRE(lines[0].first == "Seed");
  Bytes seed = FromHex(lines[0].second);
  size_t checkpoints = 0;
  for (size_t k = 1; k < lines.size(); ++k) {
    if (lines[k].first != "MD") continue;
    // MD0 = MD1 = MD2 = Seed; MDi = SHA256(MDi-3 || MDi-2 || MDi-1) for i = 3..1002.
    Hash32 md[3];
    for (auto& m : md) std::copy(seed.begin(), seed.end(), m.begin());
    for (int i = 3; i <= 1002; ++i) {
      Hash32 next;
      Sha256Concat({md[0], md[1], md[2]}, next.data());
      md[0] = md[1];
      md[1] = md[2];
      md[2] = next;
    }
    INFO("checkpoint " << checkpoints);
    REQUIRE(ToHex(md[2]) == ToHex(FromHex(lines[k].second)));
    seed.assign(md[2].begin(), md[2].end());
    ++checkpoints;
  }
  CHECK(checkpoints == 100);
}

TEST_CASE("Keccak-256 matches every Keccak team short message KAT", "[hashes][keccak][kat]") {
  CheckDigestFile("keccak256/ShortMsgKAT_256.txt", 256, Keccak256Hex);
}

TEST_CASE("Keccak-256 matches every Keccak team long message KAT", "[hashes][keccak][kat]") {
  CheckDigestFile("keccak256/LongMsgKAT_256.txt", 65, Keccak256Hex);
}

// 1 GiB of input: about 3-4 s. Streamed through Crypto++'s Keccak_256 directly (the
// engine hashes whole messages), so this checks the library and its padding, which the
// engine's Keccak256 uses unchanged.
TEST_CASE("Keccak-256 matches the Keccak team extremely long message KAT",
          "[hashes][keccak][kat][extremely_long]") {
  const auto lines = testing::ReadKeyValues("keccak256/ExtremelyLongMsgKAT_256.txt");
  REQUIRE(lines.size() == 3);
  REQUIRE(lines[0].first == "Repeat");
  REQUIRE(lines[1].first == "Text");
  REQUIRE(lines[2].first == "MD");
  const size_t repeat = std::stoul(lines[0].second);
  const std::string& text = lines[1].second;
  REQUIRE(repeat == 16777216);
  REQUIRE(text.size() == 64);

  constexpr size_t kCopiesPerChunk = 16384;  // 1 MiB chunks
  std::string chunk;
  for (size_t i = 0; i < kCopiesPerChunk; ++i) chunk += text;
  CryptoPP::Keccak_256 keccak;
  size_t left = repeat;
  for (; left >= kCopiesPerChunk; left -= kCopiesPerChunk) {
    keccak.Update(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size());
  }
  keccak.Update(reinterpret_cast<const uint8_t*>(chunk.data()), left * text.size());
  Hash32 out;
  keccak.Final(out.data());
  CHECK(ToHex(out) == ToHex(FromHex(lines[2].second)));
}

TEST_CASE("Keccak-256 uses the original padding, not SHA3-256's", "[hashes][keccak]") {
  CHECK(Keccak256Hex({}) == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
}

TEST_CASE("SHA-256d hashes the digest again", "[hashes][sha256d]") {
  Hash32 out;
  Sha256d({}, out.data());
  CHECK(ToHex(out) == "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456");
}

TEST_CASE("HashMessage and Sha256Concat agree with direct library calls on random input",
          "[hashes][random]") {
  auto rng = testing::MakeRng("hashes random");
  for (int round = 0; round < 500; ++round) {
    const Bytes a = testing::RandomBytes(rng, testing::RandomSize(rng, 0, 300));
    const Bytes b = testing::RandomBytes(rng, testing::RandomSize(rng, 0, 300));
    Bytes ab = a;
    ab.insert(ab.end(), b.begin(), b.end());
    for (HashAlgorithm alg :
         {HashAlgorithm::kSha256, HashAlgorithm::kSha256d, HashAlgorithm::kKeccak256}) {
      Hash32 out;
      HashMessage(alg, ab, out.data());
      CHECK(ToHex(out) == ToHex(testing::ReferenceHash(alg, ab)));
    }
    Hash32 concat;
    Sha256Concat({a, b}, concat.data());
    CHECK(ToHex(concat) == ToHex(testing::ReferenceSha256(ab)));
  }
}

TEST_CASE("Hashing from many threads at once keeps per-thread state apart", "[hashes][threads]") {
  auto rng = testing::MakeRng("hashes threads");
  std::vector<Bytes> messages;
  for (int i = 0; i < 64; ++i) {
    messages.push_back(testing::RandomBytes(rng, testing::RandomSize(rng, 0, 200)));
  }
  constexpr int kThreads = 4;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        for (const Bytes& m : messages) {
          Hash32 sha, sha2, keccak;
          Sha256(m, sha.data());
          Sha256d(m, sha2.data());
          Keccak256(m, keccak.data());
          mismatches[t] += sha != testing::ReferenceSha256(m);
          mismatches[t] += sha2 != testing::ReferenceSha256d(m);
          mismatches[t] += keccak != testing::ReferenceKeccak256(m);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) CHECK(mismatches[t] == 0);
}

}  // namespace
}  // namespace chainaccel
