// The EIP-196 (ECADD, ECMUL) and EIP-197 (pairing check) precompile vectors of
// go-ethereum's core/vm/testdata/precompiles (tests/vectors/bn254/README.md has their
// origin and licence), run through DecodeG1/DecodeG2, the group law and the multi-pairing,
// with the precompiles' input rules: short input is zero-padded, extra input ignored
// (ECADD, ECMUL); the pairing input is a sequence of 192-byte (G1, G2) pairs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "crypto/bn254/curve.h"
#include "crypto/bn254/pairing.h"
#include "tests/support/vectors.h"

namespace chainaccel::bn254 {
namespace {

using testing::Bytes;
using testing::FromHex;
using testing::ToHex;

template <size_t N>
std::array<uint8_t, N> Padded(const Bytes& input, size_t offset) {
  std::array<uint8_t, N> out{};
  for (size_t i = 0; i < N && offset + i < input.size(); ++i) out[i] = input[offset + i];
  return out;
}

std::string EncodeHex(const G1& p) {
  std::array<uint8_t, 64> out{};
  EncodeG1(p.ToAffine(), out);
  return ToHex(ByteView(out.data(), out.size()));
}

TEST_CASE("EIP-196 ECADD vectors (go-ethereum bn256Add.json)", "[vectors]") {
  nlohmann::json cases = testing::ReadVectorJson("bn254/bn256Add.json");
  REQUIRE(cases.size() == 16);
  for (const auto& c : cases) {
    INFO(c["Name"].get<std::string>());
    Bytes input = FromHex(c["Input"].get<std::string>());
    auto a = DecodeG1(Padded<64>(input, 0));
    auto b = DecodeG1(Padded<64>(input, 64));
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(EncodeHex(G1::FromAffine(*a).AddMixed(*b)) == c["Expected"].get<std::string>());
  }
}

TEST_CASE("EIP-196 ECMUL vectors (go-ethereum bn256ScalarMul.json)", "[vectors]") {
  nlohmann::json cases = testing::ReadVectorJson("bn254/bn256ScalarMul.json");
  REQUIRE(cases.size() == 19);
  for (const auto& c : cases) {
    INFO(c["Name"].get<std::string>());
    Bytes input = FromHex(c["Input"].get<std::string>());
    auto p = DecodeG1(Padded<64>(input, 0));
    REQUIRE(p.has_value());
    std::array<uint8_t, 32> k_be = Padded<32>(input, 64);
    U256 k{};  // any 256-bit scalar, not reduced mod r
    for (int i = 0; i < 32; ++i) k[(31 - i) / 8] |= static_cast<uint64_t>(k_be[i]) << (8 * ((31 - i) % 8));
    CHECK(EncodeHex(G1::FromAffine(*p).ScalarMulVar(std::span<const uint64_t>(k))) ==
          c["Expected"].get<std::string>());
  }
}

TEST_CASE("EIP-197 pairing check vectors (go-ethereum bn256Pairing.json)", "[vectors]") {
  nlohmann::json cases = testing::ReadVectorJson("bn254/bn256Pairing.json");
  REQUIRE(cases.size() == 14);
  int true_cases = 0, false_cases = 0;
  for (const auto& c : cases) {
    INFO(c["Name"].get<std::string>());
    Bytes input = FromHex(c["Input"].get<std::string>());
    REQUIRE(input.size() % 192 == 0);
    std::vector<G1Affine> ps;
    std::vector<G2Affine> qs;
    for (size_t off = 0; off < input.size(); off += 192) {
      auto p = DecodeG1(Padded<64>(input, off));
      auto q = DecodeG2(Padded<128>(input, off + 64));
      REQUIRE(p.has_value());
      REQUIRE(q.has_value());
      ps.push_back(*p);
      qs.push_back(*q);
    }
    std::string expected = c["Expected"].get<std::string>();
    bool one = PairingProductIsOne(ps, qs);
    CHECK(expected == std::string(63, '0') + (one ? "1" : "0"));
    (one ? true_cases : false_cases)++;
  }
  CHECK(true_cases == 12);
  CHECK(false_cases == 2);
}

}  // namespace
}  // namespace chainaccel::bn254
