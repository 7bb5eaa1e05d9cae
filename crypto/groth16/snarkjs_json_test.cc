// snarkjs's JSON formats: round trips (ours -> text -> ours, and snarkjs's layout), the
// point encodings (affine, infinity, Jacobian z), and the message of every refusal.
// tests/zk/groth16_snarkjs.mjs round-trips snarkjs's own files.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "crypto/groth16/snarkjs_json.h"
#include "crypto/groth16/testing/snark_files.h"
#include "tests/support/random.h"

namespace chainaccel::groth16 {
namespace {

using bn254::U256;
using Json = nlohmann::json;

const char* const kP =
    "21888242871839275222246405745257275088696311157297823662689037894645226208583";
const char* const kR =
    "21888242871839275222246405745257275088548364400416034343698204186575808495617";

std::string ProofMessage(const std::string& text) {
  Proof p;
  const Status s = ParseProofJson(text, &p);
  if (s.ok()) return "OK";
  CHECK(s.code() == Status::Code::kInvalidArgument);
  return s.message();
}

std::string VkMessage(const Json& doc) {
  VerifyingKey vk;
  const Status s = ParseVerifyingKeyJson(doc.dump(), &vk);
  if (s.ok()) return "OK";
  CHECK(s.code() == Status::Code::kInvalidArgument);
  return s.message();
}

TEST_CASE("decimal text of 256-bit integers", "[json]") {
  CHECK(ToDecimal({0, 0, 0, 0}) == "0");
  CHECK(ToDecimal({7, 0, 0, 0}) == "7");
  CHECK(ToDecimal({0, 1, 0, 0}) == "18446744073709551616");
  CHECK(ToDecimal(bn254::FrParams::kModulus) == kR);
  CHECK(ToDecimal({~0ull, ~0ull, ~0ull, ~0ull}) ==
        "115792089237316195423570985008687907853269984665640564039457584007913129639935");
}

TEST_CASE("verification key, proof and public signals round-trip", "[json]") {
  auto rng = chainaccel::testing::MakeRng("json round trip");
  const testing::SimulatedSetup setup = testing::MakeSimulatedSetup(3, rng);
  VerifyingKey vk = setup.vk;
  vk.ic[2] = G1Affine::Infinity();
  const std::string text = VerifyingKeyToJson(vk);
  VerifyingKey back;
  REQUIRE(ParseVerifyingKeyJson(text, &back).ok());
  CHECK(back.n_public == 3);
  CHECK(back.alpha1 == vk.alpha1);
  CHECK(back.beta2 == vk.beta2);
  CHECK(back.gamma2 == vk.gamma2);
  CHECK(back.delta2 == vk.delta2);
  CHECK(back.ic == vk.ic);
  CHECK(VerifyingKeyToJson(back) == text);

  const Json doc = Json::parse(text);
  CHECK(doc["protocol"] == "groth16");
  CHECK(doc["curve"] == "bn128");
  CHECK(doc["nPublic"] == 3);
  CHECK(doc["IC"][2] == Json::array({"0", "1", "0"}));
  CHECK(doc["vk_beta_2"][2] == Json::array({"1", "0"}));
  CHECK(doc["vk_beta_2"][0][0] == ToDecimal(vk.beta2.x.c0.ToCanonical()));
  CHECK(doc["vk_beta_2"][0][1] == ToDecimal(vk.beta2.x.c1.ToCanonical()));
  CHECK(doc["vk_beta_2"][1][0] == ToDecimal(vk.beta2.y.c0.ToCanonical()));
  CHECK(doc["vk_alphabeta_12"].size() == 2);
  CHECK(doc["vk_alphabeta_12"][0].size() == 3);
  CHECK(doc["vk_alphabeta_12"][0][0].size() == 2);

  const Proof proof = testing::SimulateProof(setup, std::vector<Fr>(3, Fr::One()), rng);
  const std::string proof_text = ProofToJson(proof);
  Proof proof_back;
  REQUIRE(ParseProofJson(proof_text, &proof_back).ok());
  CHECK(proof_back.a == proof.a);
  CHECK(proof_back.b == proof.b);
  CHECK(proof_back.c == proof.c);
  CHECK(ProofToJson(proof_back) == proof_text);
  const Json proof_doc = Json::parse(proof_text);
  CHECK(proof_doc["pi_a"][2] == "1");
  CHECK(proof_doc["pi_b"][2] == Json::array({"1", "0"}));

  const std::vector<U256> signals = {{0, 0, 0, 0}, {5, 0, 0, 0}, bn254::FrParams::kModulus,
                                     {~0ull, ~0ull, ~0ull, ~0ull}};
  std::vector<U256> signals_back;
  REQUIRE(ParsePublicSignalsJson(PublicSignalsToJson(signals), &signals_back).ok());
  CHECK(signals_back == signals);
  CHECK(Json::parse(PublicSignalsToJson(signals))[1] == "5");
}

TEST_CASE("points in ffjavascript's Jacobian coordinates and at infinity", "[json]") {
  auto rng = chainaccel::testing::MakeRng("json jacobian");
  const bn254::G1 p = bn254::G1::Generator().ScalarMulVar(testing::RandomFr(rng));
  const bn254::G2 q = bn254::G2::Generator().ScalarMulVar(testing::RandomFr(rng));
  REQUIRE_FALSE(p.z.IsOne());
  auto dec = [](const bn254::Fp& f) { return ToDecimal(f.ToCanonical()); };
  auto dec2 = [&](const bn254::Fp2& f) { return Json::array({dec(f.c0), dec(f.c1)}); };
  // (nlohmann reads a braced list of [string, value] pairs as an object: Json::array.)
  Json doc = {{"pi_a", Json::array({dec(p.x), dec(p.y), dec(p.z)})},
              {"pi_b", Json::array({dec2(q.x), dec2(q.y), dec2(q.z)})},
              {"pi_c", Json::array({"0", "1", "0"})}};
  Proof proof;
  REQUIRE(ParseProofJson(doc.dump(), &proof).ok());
  CHECK(proof.a == p.ToAffine());
  CHECK(proof.b == q.ToAffine());
  CHECK(proof.c.IsInfinity());
  // Two coordinates: z = 1; snarkjs's G2 infinity; protocol and curve are optional.
  const G1Affine pa = p.ToAffine();
  doc["pi_a"] = Json::array({dec(pa.x), dec(pa.y)});
  doc["pi_b"] = Json::array({Json::array({"0", "0"}), Json::array({"1", "0"}),
                             Json::array({"0", "0"})});
  REQUIRE(ParseProofJson(doc.dump(), &proof).ok());
  CHECK(proof.a == pa);
  CHECK(proof.b.IsInfinity());
  doc["curve"] = "BN254";
  CHECK(ProofMessage(doc.dump()) == "OK");
}

TEST_CASE("JSON refusals name the field", "[json]") {
  CHECK(ProofMessage("{") == "proof: not valid JSON");
  CHECK(ProofMessage("[]") == "proof: expected a JSON object");
  CHECK(ProofMessage("{}") == "proof: pi_a: missing");
  const Json g2 = Json::array({Json::array({"1", "0"}), Json::array({"1", "0"}),
                               Json::array({"1", "0"})});
  const Json good = {{"pi_a", Json::array({"1", "2", "1"})},
                     {"pi_b", g2},
                     {"pi_c", Json::array({"1", "2", "1"})},
                     {"protocol", "groth16"},
                     {"curve", "bn128"}};
  CHECK(ProofMessage(good.dump()) == "OK");  // the reader checks ranges, not the curve
  Json j = good;
  j["pi_a"][1] = kP;
  CHECK(ProofMessage(j.dump()) == "proof: pi_a[1]: coordinate is >= p");
  j = good;
  j["pi_b"][1][0] = 7;
  CHECK(ProofMessage(j.dump()) == "proof: pi_b[1][0]: expected a decimal string");
  j = good;
  j["pi_b"][0] = Json::array({"1"});
  CHECK(ProofMessage(j.dump()) == "proof: pi_b[0]: expected [c0, c1]");
  j = good;
  j["pi_c"] = Json::array({"1"});
  CHECK(ProofMessage(j.dump()) == "proof: pi_c: expected [x, y, z]");
  j = good;
  j["pi_c"][0] = "0x12";
  CHECK(ProofMessage(j.dump()) ==
        "proof: pi_c[0]: \"0x12\" is not a decimal integer below 2^256");
  j = good;
  j["pi_c"][0] = "-1";
  CHECK(ProofMessage(j.dump()) == "proof: pi_c[0]: \"-1\" is not a decimal integer below 2^256");
  j = good;
  j["protocol"] = "plonk";
  CHECK(ProofMessage(j.dump()) == "proof: protocol: \"plonk\", expected \"groth16\"");
  j = good;
  j["curve"] = "bls12381";
  CHECK(ProofMessage(j.dump()) == "proof: curve: \"bls12381\" is not bn128 (BN254)");

  Json vk = {{"protocol", "groth16"},
             {"curve", "bn128"},
             {"nPublic", 1},
             {"vk_alpha_1", Json::array({"1", "2", "1"})},
             {"vk_beta_2", g2},
             {"vk_gamma_2", g2},
             {"vk_delta_2", g2},
             {"IC", Json::array({Json::array({"1", "2", "1"}), Json::array({"1", "2", "1"})})}};
  CHECK(VkMessage(vk) == "OK");
  Json v = vk;
  v["IC"].erase(1);
  CHECK(VkMessage(v) == "verification key: IC: 1 points, expected nPublic + 1 = 2");
  v = vk;
  v["nPublic"] = -1;
  CHECK(VkMessage(v) == "verification key: nPublic: expected a non-negative integer");
  v = vk;
  v.erase("vk_delta_2");
  CHECK(VkMessage(v) == "verification key: vk_delta_2: missing");
  v = vk;
  v.erase("protocol");
  CHECK(VkMessage(v) == "verification key: protocol: missing");
  v = vk;
  v["IC"][1][2] = kP;
  CHECK(VkMessage(v) == "verification key: IC[1][2]: coordinate is >= p");

  std::vector<U256> signals;
  CHECK(ParsePublicSignalsJson("{}", &signals).message() ==
        "public signals: expected an array of decimal strings");
  CHECK(ParsePublicSignalsJson("[\"1\", 2]", &signals).message() ==
        "public signals: [1]: expected a decimal string");
  const std::string two_to_256 =
      "115792089237316195423570985008687907853269984665640564039457584007913129639936";
  CHECK(ParsePublicSignalsJson("[\"" + two_to_256 + "\"]", &signals).message() ==
        "public signals: [0]: \"" + two_to_256 + "\" is not a decimal integer below 2^256");
  // A signal >= r is read (the verifier refuses it, as snarkjs's does).
  REQUIRE(ParsePublicSignalsJson(std::string("[\"") + kR + "\"]", &signals).ok());
  CHECK(signals[0] == bn254::FrParams::kModulus);
}

TEST_CASE("random corruption of JSON files: refused or read, never a crash", "[json]") {
  auto rng = chainaccel::testing::MakeRng("json random corruption");
  const testing::SimulatedSetup setup = testing::MakeSimulatedSetup(2, rng);
  const Proof proof = testing::SimulateProof(setup, std::vector<Fr>(2, Fr::One()), rng);
  const std::string texts[] = {VerifyingKeyToJson(setup.vk), ProofToJson(proof),
                               PublicSignalsToJson({{1, 0, 0, 0}, {2, 0, 0, 0}})};
  const char alphabet[] = "0123456789[]{}\",: \\\x80\xff";
  for (int round = 0; round < 300; ++round) {
    std::string t = texts[round % 3];
    for (int e = 0; e < 3; ++e) {
      const size_t at = rng() % t.size();
      if (rng() % 2 == 0) {
        t[at] = alphabet[rng() % (sizeof(alphabet) - 1)];
      } else {
        t.erase(at, rng() % 8);
      }
      if (t.empty()) break;
    }
    Status s;
    if (round % 3 == 0) {
      VerifyingKey vk;
      s = ParseVerifyingKeyJson(t, &vk);
    } else if (round % 3 == 1) {
      Proof p;
      s = ParseProofJson(t, &p);
    } else {
      std::vector<U256> signals;
      s = ParsePublicSignalsJson(t, &signals);
    }
    if (!s.ok()) CHECK(s.code() == Status::Code::kInvalidArgument);
  }
}

}  // namespace
}  // namespace chainaccel::groth16
