// The CPU engine's Groth16 tasks: ProofGenerateTask gives the prover's MSMs for every
// witness (engines/cpu/proofs.h); ProofVerifyTask gives each proof its own verdict —
// valid, a wrong signal (ITEM_INVALID), a proof whose bytes do not decode
// (ITEM_MALFORMED_PROOF), a signal >= r (ITEM_MALFORMED_MESSAGE) — in one batch.
#include "engines/cpu/proofs.h"

#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "crypto/bn254/curve.h"
#include "crypto/groth16/circuit_registry.h"
#include "crypto/groth16/engine_layout.h"
#include "crypto/groth16/point_bytes.h"
#include "crypto/groth16/prover.h"
#include "crypto/groth16/testing/insecure_setup.h"
#include "crypto/groth16/testing/synthetic_circuit.h"
#include "tests/support/random.h"

namespace chainaccel {
namespace {

using groth16::Fr;

struct Fixture {
  groth16::ProvingKey key;
  std::shared_ptr<const groth16::RegisteredCircuit> circuit;
  std::vector<groth16::Witness> witnesses;
};

Fixture MakeFixture(uint32_t constraints, uint64_t seed) {
  Fixture f;
  groth16::testing::SyntheticCircuit first = groth16::testing::MakeSyntheticCircuit(constraints, seed);
  REQUIRE(groth16::testing::InsecureSetup(first.r1cs, groth16::testing::TrapdoorFromSeed(seed),
                                          nullptr, &f.key).ok());
  groth16::CircuitId id{};
  id[0] = 1;
  REQUIRE(groth16::RegisteredCircuit::Make(f.key, id, &f.circuit).ok());
  f.witnesses.push_back(first.witness);
  // The generator ties the witness to the seed, so the second item proves the same
  // witness again: items of one batch must not interfere.
  f.witnesses.push_back(first.witness);
  return f;
}

std::vector<uint64_t> WitnessLimbs(const std::vector<groth16::Witness>& witnesses) {
  std::vector<uint64_t> limbs;
  for (const groth16::Witness& w : witnesses) groth16::AppendFrLimbs(w.values, &limbs);
  return limbs;
}

std::array<uint8_t, 256> ProofBytes(const groth16::Proof& p) {
  std::array<uint8_t, 256> out{};
  groth16::EncodeProofEip197(p, out);
  return out;
}

TEST_CASE("The CPU engine's proof parts are the prover's MSMs", "[cpu][groth16]") {
  const Fixture f = MakeFixture(40, ::chainaccel::testing::MakeRng("cpu proof parts")());
  ThreadPool pool(2);
  const std::vector<uint64_t> limbs = WitnessLimbs(f.witnesses);
  std::vector<Groth16ProofParts> parts(f.witnesses.size());
  std::vector<ItemStatus> status(f.witnesses.size(), ItemStatus::kUnspecified);
  ProofGenerateTask task;
  task.circuit = f.circuit->engine_circuit();
  task.count = f.witnesses.size();
  task.witnesses = limbs.data();
  task.parts = parts.data();
  task.status = status.data();
  REQUIRE(RunProofGenerate(pool, task).ok());
  std::vector<Fr> h;
  REQUIRE(groth16::ComputeHCoset(f.key, f.witnesses[0].values, nullptr, &h).ok());
  const groth16::ProofMsms expected = groth16::ComputeMsmsCpu(f.key, f.witnesses[0].values, h, nullptr);
  for (size_t i = 0; i < parts.size(); ++i) {
    CHECK(status[i] == ItemStatus::kOk);
    const groth16::ProofMsms got = groth16::MsmsFromParts(parts[i]);
    CHECK(got.a == expected.a);
    CHECK(got.b1 == expected.b1);
    CHECK(got.c == expected.c);
    CHECK(got.h == expected.h);
    CHECK(got.b2 == expected.b2);
  }
  ProofGenerateTask broken = task;
  broken.circuit = nullptr;
  CHECK(RunProofGenerate(pool, broken).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("The CPU engine gives every proof of a batch its own verdict", "[cpu][groth16]") {
  const Fixture f = MakeFixture(30, ::chainaccel::testing::MakeRng("cpu proof verdicts")());
  groth16::ProveOptions options;
  groth16::Proof proof;
  std::vector<Fr> signals;
  REQUIRE(groth16::Prove(f.key, f.witnesses[0], options, &proof, &signals).ok());
  const uint32_t n_public = f.key.n_public;
  auto signal_bytes = [&](const std::vector<Fr>& values) {
    std::vector<uint8_t> out(values.size() * 32);
    for (size_t k = 0; k < values.size(); ++k) values[k].ToBytesBE(std::span(out).subspan(32 * k).first<32>());
    return out;
  };
  std::vector<Fr> wrong = signals;
  wrong[0] += Fr::One();
  const auto good = ProofBytes(proof);
  std::array<uint8_t, 256> garbage;
  garbage.fill(0xff);
  std::vector<uint8_t> proofs, all_signals;
  const std::vector<uint8_t> too_large(n_public * 32, 0xff);
  for (const auto& [p, s] : std::vector<std::pair<std::array<uint8_t, 256>, std::vector<uint8_t>>>{
           {good, signal_bytes(signals)}, {good, signal_bytes(wrong)},
           {garbage, signal_bytes(signals)}, {good, too_large}, {good, signal_bytes(signals)}}) {
    proofs.insert(proofs.end(), p.begin(), p.end());
    all_signals.insert(all_signals.end(), s.begin(), s.end());
  }
  ProofVerifyTask task;
  task.key = std::make_shared<const Groth16VerifyingKeyData>(
      groth16::MakeEngineVerifyingKey(f.circuit->verifying_key()));
  task.proofs = PackedItems::Fixed(proofs, 256);
  task.public_signals = all_signals;
  std::vector<ItemStatus> status(5, ItemStatus::kUnspecified);
  task.status = status.data();
  ThreadPool pool(2);
  REQUIRE(RunProofVerify(pool, task).ok());
  CHECK(status == std::vector<ItemStatus>{ItemStatus::kOk, ItemStatus::kInvalid,
                                          ItemStatus::kMalformedProof,
                                          ItemStatus::kMalformedMessage, ItemStatus::kOk});
  task.public_signals = ByteView(all_signals).first(all_signals.size() - 1);
  CHECK(RunProofVerify(pool, task).code() == Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace chainaccel
