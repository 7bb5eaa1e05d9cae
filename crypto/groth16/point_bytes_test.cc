// The EIP-196/197 forms of point_bytes.h: points with the reason they are refused, and the
// verifying-key encoding of proof-carrying transactions (round trips and each refusal).
#include <catch2/catch.hpp>

#include <string>

#include "crypto/groth16/point_bytes.h"
#include "crypto/groth16/testing/snark_files.h"
#include "tests/support/random.h"

namespace chainaccel::groth16 {
namespace {

std::span<const uint8_t> Span(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Status Decode(const std::string& bytes, VerifyingKey* vk, bool check = true) {
  return DecodeVerifyingKeyEip197(Span(bytes), check, vk);
}

TEST_CASE("EIP-197 verifying key: round trip, layout and size", "[point_bytes]") {
  auto rng = chainaccel::testing::MakeRng("vk eip197 round trip");
  for (uint32_t n : {0u, 1u, 5u}) {
    const VerifyingKey vk = testing::MakeSimulatedSetup(n, rng).vk;
    const std::string bytes = EncodeVerifyingKeyEip197(vk);
    REQUIRE(bytes.size() == VerifyingKeyEip197Bytes(n));
    CHECK(bytes.size() == 4 + 64 + 3 * 128 + 64 * (n + 1));
    CHECK(static_cast<uint8_t>(bytes[3]) == n);
    // alpha1 and beta2 as curve.h's EIP-196/197 encoders write them.
    std::array<uint8_t, 64> a{};
    bn254::EncodeG1(vk.alpha1, a);
    CHECK(bytes.compare(4, 64, std::string(a.begin(), a.end())) == 0);
    std::array<uint8_t, 128> b{};
    bn254::EncodeG2(vk.beta2, b);
    CHECK(bytes.compare(68, 128, std::string(b.begin(), b.end())) == 0);
    VerifyingKey back;
    REQUIRE(Decode(bytes, &back).ok());
    CHECK(EncodeVerifyingKeyEip197(back) == bytes);
    CHECK(back.n_public == n);
    CHECK(back.ic.size() == n + 1);
  }
}

TEST_CASE("EIP-197 verifying key: each refusal names its problem", "[point_bytes]") {
  auto rng = chainaccel::testing::MakeRng("vk eip197 refusals");
  const VerifyingKey vk = testing::MakeSimulatedSetup(2, rng).vk;
  const std::string good = EncodeVerifyingKeyEip197(vk);
  VerifyingKey out;
  CHECK(Decode(good.substr(0, 100), &out).message() ==
        "verifying key: 100 bytes, shorter than a key with no public signal (516)");
  CHECK(Decode(good + "x", &out).message() ==
        "verifying key: 645 bytes, but n_public = 2 takes 644");
  std::string bad = good;
  bad[3] = 3;
  CHECK(Decode(bad, &out).message() == "verifying key: 644 bytes, but n_public = 3 takes 708");

  // A coordinate >= p in each point (all ones is above p).
  const std::pair<size_t, const char*> points[] = {
      {4, "alpha1"}, {68, "beta2"}, {196, "gamma2"}, {324, "delta2"}, {452, "IC[0]"},
      {580, "IC[2]"}};
  for (const auto& [at, name] : points) {
    bad = good;
    bad.replace(at, 32, 32, '\xff');
    CHECK(Decode(bad, &out).message() ==
          std::string("verifying key: ") + name + ": a coordinate is >= p");
  }
  // Off the curve: y + 1 (the last byte of the point, y's low byte for G1, y_re's for G2).
  bad = good;
  bad[4 + 63] ^= 1;
  CHECK(Decode(bad, &out).message() == "verifying key: alpha1: not on the curve");
  CHECK(Decode(bad, &out, /*check=*/false).ok());  // the range is all that is checked
  bad = good;
  bad[196 + 127] ^= 1;
  CHECK(Decode(bad, &out).message() == "verifying key: gamma2: not on the curve");
  bad = good;
  bad[516 + 63] ^= 1;
  CHECK(Decode(bad, &out).message() == "verifying key: IC[1]: not on the curve");
  // A twist point outside G2's subgroup.
  VerifyingKey outside = vk;
  outside.delta2 = testing::TwistPointOutsideSubgroup(rng);
  CHECK(Decode(EncodeVerifyingKeyEip197(outside), &out).message() ==
        "verifying key: delta2: not in the subgroup of order r");
}

TEST_CASE("EIP-196/197 point decoders agree with curve.h and give the reason",
          "[point_bytes]") {
  auto rng = chainaccel::testing::MakeRng("eip197 points");
  for (int i = 0; i < 8; ++i) {
    const G1Affine p = testing::RandomG1(rng);
    const G2Affine q = testing::RandomG2(rng);
    std::array<uint8_t, 64> pb{};
    std::array<uint8_t, 128> qb{};
    bn254::EncodeG1(p, pb);
    bn254::EncodeG2(q, qb);
    G1Affine p2;
    G2Affine q2;
    REQUIRE(DecodeG1Eip196(pb, true, &p2) == PointError::kNone);
    REQUIRE(DecodeG2Eip197(qb, true, &q2) == PointError::kNone);
    CHECK(p2 == *bn254::DecodeG1(pb));
    CHECK(q2 == *bn254::DecodeG2(qb));
  }
  std::array<uint8_t, 64> zero{};
  G1Affine inf;
  CHECK(DecodeG1Eip196(zero, true, &inf) == PointError::kNone);
  CHECK(inf.infinity);
}

}  // namespace
}  // namespace chainaccel::groth16
