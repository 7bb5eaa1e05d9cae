// The verifier and the batch verifier on proofs simulated with the setup's trapdoor
// (testing/snark_files.h): valid proofs accepted, tampered ones refused, malformed
// input (points off the curve or outside G2's subgroup, signals >= r, wrong counts)
// refused before any pairing, and every item's verdict in a batch.
// tests/zk/groth16_snarkjs.mjs runs the same verifier on snarkjs's proofs.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "crypto/groth16/testing/snark_files.h"
#include "crypto/groth16/verifier.h"
#include "tests/support/random.h"

namespace chainaccel::groth16 {
namespace {

using bn254::U256;

std::vector<U256> Canonical(const std::vector<Fr>& v) {
  std::vector<U256> out;
  for (const Fr& f : v) out.push_back(f.ToCanonical());
  return out;
}

struct Fixture {
  explicit Fixture(const char* name, uint32_t n_public = 3)
      : rng(chainaccel::testing::MakeRng(name)) {
    setup = testing::MakeSimulatedSetup(n_public, rng);
    REQUIRE(PreparedVerifyingKey::Prepare(setup.vk, &key).ok());
  }
  // A valid proof for fresh random signals; the signals go to *signals.
  Proof ValidProof(std::vector<U256>* signals) {
    std::vector<Fr> s;
    for (uint32_t i = 0; i < setup.vk.n_public; ++i) s.push_back(testing::RandomFr(rng));
    *signals = Canonical(s);
    return testing::SimulateProof(setup, s, rng);
  }
  std::mt19937_64 rng;
  testing::SimulatedSetup setup;
  PreparedVerifyingKey key;
};

TEST_CASE("valid proofs are accepted, tampered ones refused", "[verifier]") {
  Fixture f("verifier valid and tampered");
  std::vector<U256> signals;
  const Proof proof = f.ValidProof(&signals);
  CHECK(Verify(f.key, proof, signals).verdict == Verdict::kValid);
  CHECK(Verify(f.key, proof, signals).reason.empty());

  std::vector<U256> changed = signals;
  changed[1] = (Fr::FromCanonical(changed[1]).value() + Fr::One()).ToCanonical();
  const VerifyResult r = Verify(f.key, proof, changed);
  CHECK(r.verdict == Verdict::kInvalid);
  CHECK(r.reason == "the pairing check fails");

  Proof p = proof;
  p.a = -p.a;
  CHECK(Verify(f.key, p, signals).verdict == Verdict::kInvalid);
  p = proof;
  std::swap(p.a, p.c);
  CHECK(Verify(f.key, p, signals).verdict == Verdict::kInvalid);
  p = proof;
  p.b = f.setup.vk.delta2;
  CHECK(Verify(f.key, p, signals).verdict == Verdict::kInvalid);
  p = proof;
  p.c = G1Affine::Infinity();
  CHECK(Verify(f.key, p, signals).verdict == Verdict::kInvalid);
}

TEST_CASE("zero public signals, and a key with none", "[verifier]") {
  Fixture f("verifier no public signals", 0);
  std::vector<U256> signals;
  const Proof proof = f.ValidProof(&signals);
  REQUIRE(signals.empty());
  CHECK(Verify(f.key, proof, signals).verdict == Verdict::kValid);
  Fixture g("verifier zero-valued signals", 2);
  const std::vector<Fr> zeros(2, Fr::Zero());
  const Proof zero_proof = testing::SimulateProof(g.setup, zeros, g.rng);
  CHECK(Verify(g.key, zero_proof, Canonical(zeros)).verdict == Verdict::kValid);
}

TEST_CASE("malformed proofs and signals are refused before the pairing", "[verifier]") {
  Fixture f("verifier malformed");
  std::vector<U256> signals;
  const Proof proof = f.ValidProof(&signals);
  auto reason = [&](const Proof& p, const std::vector<U256>& s) {
    const VerifyResult r = Verify(f.key, p, s);
    CHECK(r.verdict == Verdict::kMalformed);
    return r.reason;
  };
  Proof p = proof;
  p.a.y += bn254::Fp::One();
  CHECK(reason(p, signals) == "pi_a: not on the curve");
  p = proof;
  p.c.x += bn254::Fp::One();
  CHECK(reason(p, signals) == "pi_c: not on the curve");
  p = proof;
  p.b.y += bn254::Fp2::One();
  CHECK(reason(p, signals) == "pi_b: not on the curve");
  p = proof;
  p.b = testing::TwistPointOutsideSubgroup(f.rng);
  CHECK(reason(p, signals) == "pi_b: not in the subgroup of order r");

  std::vector<U256> s = signals;
  s[2] = bn254::FrParams::kModulus;
  CHECK(reason(proof, s) == "public signal 2 is >= r");
  // s + r, which snarkjs also refuses (it would be the same field element).
  s = signals;
  bn254::bigint::AddTo(s[0], bn254::FrParams::kModulus);
  CHECK(reason(proof, s) == "public signal 0 is >= r");
  s = signals;
  s.pop_back();
  CHECK(reason(proof, s) == "2 public signals, the key expects nPublic = 3");
  s = signals;
  s.push_back({1, 0, 0, 0});
  CHECK(reason(proof, s) == "4 public signals, the key expects nPublic = 3");
}

TEST_CASE("a verifying key is checked when prepared", "[verifier]") {
  Fixture f("verifier key checks");
  PreparedVerifyingKey key;
  VerifyingKey vk = f.setup.vk;
  vk.ic.pop_back();
  CHECK(PreparedVerifyingKey::Prepare(vk, &key).message() ==
        "verification key: IC: 3 points, expected nPublic + 1 = 4");
  vk = f.setup.vk;
  vk.gamma2 = testing::TwistPointOutsideSubgroup(f.rng);
  CHECK(PreparedVerifyingKey::Prepare(vk, &key).message() ==
        "verification key: vk_gamma_2: not in the subgroup of order r");
  vk = f.setup.vk;
  vk.ic[1].y += bn254::Fp::One();
  CHECK(PreparedVerifyingKey::Prepare(vk, &key).message() ==
        "verification key: IC[1]: not on the curve");
  vk = f.setup.vk;
  vk.alpha1.x += bn254::Fp::One();
  CHECK(PreparedVerifyingKey::Prepare(vk, &key).message() ==
        "verification key: vk_alpha_1: not on the curve");
}

TEST_CASE("batch verification gives every item's verdict", "[verifier][batch]") {
  Fixture f("batch verdicts");
  const size_t n = 7;
  std::vector<Proof> proofs(n);
  std::vector<std::vector<U256>> signals(n);
  for (size_t j = 0; j < n; ++j) proofs[j] = f.ValidProof(&signals[j]);
  auto run = [&](const BatchRandomness& randomness) {
    std::vector<BatchItem> items;
    for (size_t j = 0; j < n; ++j) items.push_back({&proofs[j], signals[j]});
    std::vector<VerifyResult> out;
    REQUIRE(BatchVerify(f.key, items, randomness, &out).ok());
    REQUIRE(out.size() == n);
    std::vector<Verdict> verdicts;
    for (const VerifyResult& r : out) verdicts.push_back(r.verdict);
    return verdicts;
  };
  const std::vector<Verdict> all_valid(n, Verdict::kValid);
  CHECK(run({}) == all_valid);
  CHECK(run({.seed = 1}) == all_valid);

  // Two invalid proofs whose errors cancel in an unweighted sum (A_3 + D, A_5 - D with
  // the same B): the random weights must still catch both.
  const G1Affine d = testing::RandomG1(f.rng);
  proofs[5].b = proofs[3].b;
  std::vector<Fr> s5;
  for (const U256& v : signals[3]) s5.push_back(Fr::FromCanonical(v).value());
  signals[5] = signals[3];
  proofs[5] = proofs[3];
  proofs[3].a = (bn254::G1::FromAffine(proofs[3].a) + d).ToAffine();
  proofs[5].a = (bn254::G1::FromAffine(proofs[5].a) - bn254::G1::FromAffine(d)).ToAffine();
  proofs[1].c.y += bn254::Fp::One();       // malformed
  signals[6][0] = bn254::FrParams::kModulus;  // malformed
  std::vector<Verdict> expected = all_valid;
  expected[1] = Verdict::kMalformed;
  expected[3] = Verdict::kInvalid;
  expected[5] = Verdict::kInvalid;
  expected[6] = Verdict::kMalformed;
  CHECK(run({}) == expected);
  for (uint64_t seed : {0ull, 2ull, 0xdeadbeefull}) CHECK(run({.seed = seed}) == expected);
}

TEST_CASE("batch verification of an empty batch and of only malformed items", "[verifier][batch]") {
  Fixture f("batch edge cases");
  std::vector<VerifyResult> out;
  REQUIRE(BatchVerify(f.key, {}, {}, &out).ok());
  CHECK(out.empty());
  std::vector<U256> signals;
  const Proof proof = f.ValidProof(&signals);
  signals.pop_back();
  const std::vector<BatchItem> items = {{&proof, signals}, {nullptr, signals}};
  REQUIRE(BatchVerify(f.key, items, {.seed = 3}, &out).ok());
  REQUIRE(out.size() == 2);
  CHECK(out[0].verdict == Verdict::kMalformed);
  CHECK(out[1].verdict == Verdict::kMalformed);
  CHECK(out[1].reason == "no proof");
}

}  // namespace
}  // namespace chainaccel::groth16
