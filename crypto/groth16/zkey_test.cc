// The .zkey and .wtns readers on files written as snarkjs writes them
// (testing/snark_files.h): exact round trips, and the message of every refusal.
// tests/zk/groth16_snarkjs.mjs holds the same readers to snarkjs's own files.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "crypto/groth16/bin_file.h"
#include "crypto/groth16/testing/snark_files.h"
#include "crypto/groth16/wtns.h"
#include "crypto/groth16/zkey.h"
#include "tests/support/random.h"

namespace chainaccel::groth16 {
namespace {

using testing::FindSection;
using testing::StoreU32LE;

constexpr uint32_t kVars = 9, kPublic = 2, kDomain = 16;

ProvingKey SmallKey(const char* test_name) {
  auto rng = chainaccel::testing::MakeRng(test_name);
  return testing::RandomProvingKey(kVars, kPublic, kDomain, rng);
}

// The reader's message for `bytes`, "OK" when it reads them.
std::string ZkeyMessage(const std::vector<uint8_t>& bytes, ZkeyReadOptions options = {}) {
  ProvingKey key;
  const Status s = ReadZkey(bytes, &key, options);
  if (s.ok()) return "OK";
  CHECK(s.code() == Status::Code::kInvalidArgument);
  return s.message();
}

std::string WtnsMessage(const std::vector<uint8_t>& bytes) {
  Witness w;
  const Status s = ReadWtns(bytes, &w);
  if (s.ok()) return "OK";
  CHECK(s.code() == Status::Code::kInvalidArgument);
  return s.message();
}

template <class Point>
bool SamePoints(const std::vector<Point>& a, const std::vector<Point>& b) {
  return a == b;
}

TEST_CASE("a zkey written as snarkjs writes it reads back exactly", "[zkey]") {
  const ProvingKey key = SmallKey("zkey round trip");
  ProvingKey read;
  REQUIRE(ReadZkey(testing::WriteZkey(key), &read).ok());
  CHECK(read.n_vars == kVars);
  CHECK(read.n_public == kPublic);
  CHECK(read.domain_size == kDomain);
  CHECK(read.power == 4);
  CHECK(read.alpha1 == key.alpha1);
  CHECK(read.beta1 == key.beta1);
  CHECK(read.delta1 == key.delta1);
  CHECK(read.beta2 == key.beta2);
  CHECK(read.gamma2 == key.gamma2);
  CHECK(read.delta2 == key.delta2);
  CHECK(SamePoints(read.ic, key.ic));
  CHECK(SamePoints(read.a, key.a));
  CHECK(SamePoints(read.b1, key.b1));
  CHECK(SamePoints(read.b2, key.b2));
  CHECK(SamePoints(read.c, key.c));
  CHECK(SamePoints(read.h, key.h));
  CHECK(read.a[3].IsInfinity());
  REQUIRE(read.coefficients.size() == key.coefficients.size());
  for (size_t i = 0; i < key.coefficients.size(); ++i) {
    CHECK(read.coefficients[i].matrix == key.coefficients[i].matrix);
    CHECK(read.coefficients[i].constraint == key.coefficients[i].constraint);
    CHECK(read.coefficients[i].signal == key.coefficients[i].signal);
    CHECK(read.coefficients[i].value == key.coefficients[i].value);
  }
  CHECK(read.coefficients[0].value == -Fr::One());
  const VerifyingKey vk = read.ToVerifyingKey();
  CHECK(vk.n_public == kPublic);
  CHECK(SamePoints(vk.ic, key.ic));
}

TEST_CASE("the zkey coefficient encoding is v·R^2 mod r", "[zkey]") {
  ProvingKey key = SmallKey("zkey coefficient encoding");
  key.coefficients = {{0, 0, 1, Fr::One()}};
  const std::vector<uint8_t> file = testing::WriteZkey(key);
  const auto section = FindSection(file, 4);
  // R^2 mod r for v = 1: the canonical bytes of Fr::kR2.
  const bn254::U256 stored = LoadU256LE(file.data() + section.body_at + 4 + 12);
  CHECK(stored == Fr::kR2);
}

TEST_CASE("the zkey reader refuses malformed files, naming the section", "[zkey]") {
  const ProvingKey key = SmallKey("zkey refusals");
  const std::vector<uint8_t> good = testing::WriteZkey(key);
  const auto header = FindSection(good, 2);
  auto patched = [&](size_t at, uint32_t v) {
    std::vector<uint8_t> b = good;
    StoreU32LE(v, b.data() + at);
    return b;
  };

  CHECK(ZkeyMessage({}) == "zkey: truncated: 0 bytes, shorter than the 12-byte file header");
  CHECK(ZkeyMessage(std::vector<uint8_t>(good.begin(), good.begin() + 20)) ==
        "zkey: truncated: section table entry 0 of 10 at offset 12 runs past the end of the "
        "file (20 bytes)");
  CHECK(ZkeyMessage(std::vector<uint8_t>(good.begin(), good.end() - 1)).starts_with(
      "zkey: truncated: section 10 declares 68 bytes at offset "));
  {
    std::vector<uint8_t> b = good;
    b.push_back(0);
    CHECK(ZkeyMessage(b) == "zkey: 1 bytes after the last of its 10 sections");
  }
  {
    std::vector<uint8_t> b = good;
    b[0] = 'Z';
    CHECK(ZkeyMessage(b) == "zkey: wrong magic: the file does not start with \"zkey\"");
  }
  CHECK(ZkeyMessage(patched(4, 2)) == "zkey: unsupported version 2 (supported: 1..1)");
  CHECK(ZkeyMessage(patched(FindSection(good, 1).body_at, 2)) ==
        "zkey: section 1 (header): protocol 2 (PLONK) is not Groth16 (1)");
  CHECK(ZkeyMessage(patched(header.body_at, 48)) ==
        "zkey: section 2 (Groth16 header): n8q is 48, expected 32: not a BN254 (bn128) key");
  {
    std::vector<uint8_t> b = good;
    b[header.body_at + 4] ^= 1;
    CHECK(ZkeyMessage(b) == "zkey: section 2 (Groth16 header): q is not BN254's base field "
                            "prime: the key is for another curve");
    b = good;
    b[header.body_at + 40 + 31] ^= 1;
    CHECK(ZkeyMessage(b) == "zkey: section 2 (Groth16 header): r is not BN254's scalar "
                            "field prime: the key is for another curve");
  }
  CHECK(ZkeyMessage(patched(header.body_at + 72, 2)) ==
        "zkey: section 2 (Groth16 header): nVars 2 is not more than nPublic 2");
  CHECK(ZkeyMessage(patched(header.body_at + 80, 24)) ==
        "zkey: section 2 (Groth16 header): domainSize 24 is not a power of two in [1, 2^28]");
  CHECK(ZkeyMessage(patched(header.body_at + 80, 2)) ==
        "zkey: section 2 (Groth16 header): domainSize 2 is smaller than nPublic + 1 = 3");
  CHECK(ZkeyMessage(patched(header.body_at + 72, kVars + 1)) ==
        "zkey: section 5 (A points): wrong size: 576 bytes, expected nVars = 10 points × 64 "
        "= 640");
  CHECK(ZkeyMessage(patched(header.body_at + 76, 3)) ==
        "zkey: section 3 (IC): wrong size: 192 bytes, expected nPublic + 1 = 4 points × 64 "
        "= 256");
  CHECK(ZkeyMessage(patched(header.body_at + 80, 32)) ==
        "zkey: section 9 (H points): wrong size: 1024 bytes, expected domainSize = 32 points "
        "× 64 = 2048");
  {
    std::vector<uint8_t> b = good;
    b.erase(b.begin() + static_cast<long>(header.body_at + 600), b.begin() +
            static_cast<long>(header.body_at + 660));
    StoreU32LE(600, b.data() + header.header_at + 4);
    CHECK(ZkeyMessage(b) == "zkey: section 2 (Groth16 header): truncated: delta2 needs 128 "
                            "bytes at offset 532, the section has 600");
  }
  CHECK(ZkeyMessage(patched(FindSection(good, 3).header_at, 11)) ==
        "zkey: section 3 (IC) is missing");
  CHECK(ZkeyMessage(patched(FindSection(good, 10).header_at, 5)) ==
        "zkey: section 5 (A points) appears more than once");
}

TEST_CASE("the zkey reader refuses bad points and coefficients", "[zkey]") {
  auto rng = chainaccel::testing::MakeRng("zkey bad points");
  const ProvingKey key = testing::RandomProvingKey(kVars, kPublic, kDomain, rng);
  const std::vector<uint8_t> good = testing::WriteZkey(key);
  const auto header = FindSection(good, 2);
  {
    std::vector<uint8_t> b = good;
    b[header.body_at + 84 + 32] ^= 1;  // alpha1.y
    CHECK(ZkeyMessage(b) == "zkey: section 2 (Groth16 header): alpha1: not on the curve");
  }
  {
    ProvingKey k = key;
    k.gamma2 = testing::TwistPointOutsideSubgroup(rng);
    CHECK(ZkeyMessage(testing::WriteZkey(k)) ==
          "zkey: section 2 (Groth16 header): gamma2: not in the subgroup of order r");
    k = key;
    k.b2[1] = testing::TwistPointOutsideSubgroup(rng);
    CHECK(ZkeyMessage(testing::WriteZkey(k)) ==
          "zkey: section 7 (B2 points): point 1: not in the subgroup of order r");
    // Trusted keys: the point sections are not checked, the header still is.
    CHECK(ZkeyMessage(testing::WriteZkey(k), {.check_points = false}) == "OK");
  }
  {
    // In parallel (chunks of 1,024 points): the same key, and of several bad points the
    // lowest one reported.
    ThreadPool pool(3);
    ProvingKey big = testing::RandomProvingKey(3000, kPublic, 4096, rng);
    ProvingKey parallel;
    REQUIRE(ReadZkey(testing::WriteZkey(big), &parallel, {.check_points = true, .pool = &pool}).ok());
    CHECK(parallel.b2 == big.b2);
    CHECK(parallel.h == big.h);
    big.b2[2900] = testing::TwistPointOutsideSubgroup(rng);
    big.b2[1500] = testing::TwistPointOutsideSubgroup(rng);
    CHECK(ZkeyMessage(testing::WriteZkey(big), {.check_points = true, .pool = &pool}) ==
          "zkey: section 7 (B2 points): point 1500: not in the subgroup of order r");
  }
  {
    std::vector<uint8_t> b = good;
    const auto a = FindSection(good, 5);
    b[a.body_at + 64 * 2 + 32] ^= 1;  // A[2].y (A[3] is the point at infinity)
    CHECK(ZkeyMessage(b) == "zkey: section 5 (A points): point 2: not on the curve");
    CHECK(ZkeyMessage(b, {.check_points = false}) == "OK");
    b = good;
    for (int i = 0; i < 32; ++i) b[a.body_at + 64 * 2 + i] = 0xff;
    CHECK(ZkeyMessage(b) == "zkey: section 5 (A points): point 2: a coordinate is >= p");
    CHECK(ZkeyMessage(b, {.check_points = false}) ==
          "zkey: section 5 (A points): point 2: a coordinate is >= p");
  }
  const auto coefficients = FindSection(good, 4);
  auto coefficient = [&](size_t field, uint32_t v) {
    std::vector<uint8_t> b = good;
    StoreU32LE(v, b.data() + coefficients.body_at + 4 + 44 * 5 + field);
    return b;
  };
  CHECK(ZkeyMessage(coefficient(0, 2)) ==
        "zkey: section 4 (coefficients): coefficient 5: matrix 2 is neither A (0) nor B (1)");
  CHECK(ZkeyMessage(coefficient(4, kDomain)) ==
        "zkey: section 4 (coefficients): coefficient 5: constraint 16 is not below "
        "domainSize 16");
  CHECK(ZkeyMessage(coefficient(8, kVars)) ==
        "zkey: section 4 (coefficients): coefficient 5: signal 9 is not below nVars 9");
  {
    std::vector<uint8_t> b = good;
    for (int i = 0; i < 32; ++i) b[coefficients.body_at + 4 + 44 * 5 + 12 + i] = 0xff;
    CHECK(ZkeyMessage(b) == "zkey: section 4 (coefficients): coefficient 5: value is >= r");
  }
  {
    std::vector<uint8_t> b = good;
    StoreU32LE(static_cast<uint32_t>(key.coefficients.size() + 1), b.data() + coefficients.body_at);
    CHECK(ZkeyMessage(b) == "zkey: section 4 (coefficients): wrong size: 1192 bytes, expected "
                            "4 + 28 coefficients × 44 = 1236");
  }
}

TEST_CASE("the wtns reader: round trip and refusals", "[wtns]") {
  auto rng = chainaccel::testing::MakeRng("wtns");
  Witness w;
  w.values.push_back(Fr::One());
  for (uint32_t i = 1; i < kVars; ++i) w.values.push_back(testing::RandomFr(rng));
  w.values[2] = -Fr::One();
  const std::vector<uint8_t> good = testing::WriteWtns(w);
  Witness read;
  REQUIRE(ReadWtns(good, &read).ok());
  CHECK(read.values == w.values);

  const ProvingKey key = testing::RandomProvingKey(kVars, kPublic, kDomain, rng);
  CHECK(CheckWitnessForKey(key, read).ok());
  Witness shorter = read;
  shorter.values.pop_back();
  CHECK(CheckWitnessForKey(key, shorter).message() ==
        "wtns: 8 values, but the circuit's nVars is 9");
  Witness not_one = read;
  not_one.values[0] = Fr::FromUint64(2);
  CHECK(CheckWitnessForKey(key, not_one).message() ==
        "wtns: value 0 (the constant signal) is not 1");

  const auto header = FindSection(good, 1);
  const auto values = FindSection(good, 2);
  CHECK(WtnsMessage(std::vector<uint8_t>(good.begin(), good.begin() + 9)) ==
        "wtns: truncated: 9 bytes, shorter than the 12-byte file header");
  CHECK(WtnsMessage(std::vector<uint8_t>(good.begin(), good.end() - 32)).starts_with(
      "wtns: truncated: section 2 declares 288 bytes"));
  {
    std::vector<uint8_t> b = good;
    StoreU32LE(3, b.data() + 4);
    CHECK(WtnsMessage(b) == "wtns: unsupported version 3 (supported: 1..2)");
    b = good;
    StoreU32LE(48, b.data() + header.body_at);
    CHECK(WtnsMessage(b) ==
          "wtns: section 1 (header): n8 is 48, expected 32: not a BN254 (bn128) witness");
    b = good;
    b[header.body_at + 4] ^= 1;
    CHECK(WtnsMessage(b) == "wtns: section 1 (header): the prime is not BN254's scalar field "
                            "r: a witness for another curve");
    b = good;
    StoreU32LE(kVars + 1, b.data() + header.body_at + 36);
    CHECK(WtnsMessage(b) == "wtns: section 2 (values): wrong size: 288 bytes, expected the "
                            "header's 10 values × 32 = 320");
    b = good;
    for (int i = 0; i < 32; ++i) b[values.body_at + 32 * 4 + i] = 0xff;
    CHECK(WtnsMessage(b) == "wtns: section 2 (values): value 4 is >= r");
    b = good;
    StoreU32LE(7, b.data() + values.header_at);
    CHECK(WtnsMessage(b) == "wtns: section 2 (values) is missing");
  }
}

TEST_CASE("random corruption of zkey and wtns files: refused or read, never a crash",
          "[zkey][wtns]") {
  auto rng = chainaccel::testing::MakeRng("zkey wtns random corruption");
  const ProvingKey key = testing::RandomProvingKey(kVars, kPublic, kDomain, rng);
  Witness w;
  for (uint32_t i = 0; i < kVars; ++i) w.values.push_back(testing::RandomFr(rng));
  const std::vector<std::vector<uint8_t>> files = {testing::WriteZkey(key), testing::WriteWtns(w)};
  int refused = 0;
  for (int round = 0; round < 400; ++round) {
    std::vector<uint8_t> b = files[round % 2];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % b.size();
      switch (rng() % 4) {
        case 0: b[at] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;
        case 1: b[at] = static_cast<uint8_t>(rng()); break;
        case 2: b.resize(at); break;
        default: b.insert(b.begin() + static_cast<long>(at), static_cast<uint8_t>(rng())); break;
      }
      if (b.empty()) break;
    }
    Status s;
    if (round % 2 == 0) {
      ProvingKey out;
      s = ReadZkey(b, &out);
    } else {
      Witness out;
      s = ReadWtns(b, &out);
    }
    if (!s.ok()) {
      ++refused;
      CHECK(s.code() == Status::Code::kInvalidArgument);
      CHECK((s.message().starts_with("zkey: ") || s.message().starts_with("wtns: ")));
    }
  }
  CHECK(refused > 200);  // most edits break something; a flipped bit in a value may not
}

}  // namespace
}  // namespace chainaccel::groth16
