// The engines' layouts (engine_layout.h) and the daemon's circuit registry
// (circuit_registry.h): a key survives the trip to the engine circuit and back; points
// survive their limbs; proving through the parts (what the engines return) gives the
// proof the prover gives, byte for byte with the same r and s; the registry drops the
// least recently used circuit to make room and refuses one larger than its budget.
#include "crypto/groth16/engine_layout.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <tuple>

#include "crypto/bn254/msm.h"
#include "crypto/groth16/circuit_registry.h"
#include "crypto/groth16/prover.h"
#include "crypto/groth16/testing/insecure_setup.h"
#include "crypto/groth16/testing/snark_files.h"
#include "crypto/groth16/testing/synthetic_circuit.h"
#include "crypto/groth16/verifier.h"
#include "tests/support/random.h"

namespace chainaccel::groth16 {
namespace {

// A satisfiable synthetic circuit of `constraints` rows, its key (a trapdoor from the
// seed) and its witness.
struct SmallCircuit {
  ProvingKey key;
  Witness witness;
};

SmallCircuit MakeSmallCircuit(uint32_t constraints, uint64_t seed) {
  testing::SyntheticCircuit synthetic = testing::MakeSyntheticCircuit(constraints, seed);
  SmallCircuit out;
  REQUIRE(testing::InsecureSetup(synthetic.r1cs, testing::TrapdoorFromSeed(seed), nullptr, &out.key).ok());
  out.witness = std::move(synthetic.witness);
  return out;
}

std::vector<Coefficient> SortedByRow(std::vector<Coefficient> c) {
  std::stable_sort(c.begin(), c.end(), [](const Coefficient& x, const Coefficient& y) {
    return std::tie(x.matrix, x.constraint) < std::tie(y.matrix, y.constraint);
  });
  return c;
}

CircuitId IdOf(uint8_t b) {
  CircuitId id{};
  id.fill(b);
  return id;
}

TEST_CASE("A proving key survives the engine layout and back", "[groth16][layout]") {
  std::mt19937_64 rng = ::chainaccel::testing::MakeRng("groth16 layout round trip");
  const ProvingKey key = testing::RandomProvingKey(37, 3, 64, rng);
  Groth16Circuit circuit;
  REQUIRE(MakeEngineCircuit(key, IdOf(7), &circuit).ok());
  CHECK(circuit.qap_a.rows() == 64);
  CHECK(circuit.qap_b.rows() == 64);
  const ProvingKey back = ProvingKeyFromEngineCircuit(circuit);
  CHECK(back.n_vars == key.n_vars);
  CHECK(back.n_public == key.n_public);
  CHECK(back.domain_size == key.domain_size);
  CHECK(back.a == key.a);
  CHECK(back.b1 == key.b1);
  CHECK(back.b2 == key.b2);
  CHECK(back.c == key.c);
  CHECK(back.h == key.h);
  const auto expected = SortedByRow(key.coefficients);
  REQUIRE(back.coefficients.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CHECK(std::tie(back.coefficients[i].matrix, back.coefficients[i].constraint,
                   back.coefficients[i].signal) ==
          std::tie(expected[i].matrix, expected[i].constraint, expected[i].signal));
    CHECK(back.coefficients[i].value == expected[i].value);
  }
}

TEST_CASE("A coefficient outside the circuit is refused", "[groth16][layout]") {
  std::mt19937_64 rng = ::chainaccel::testing::MakeRng("groth16 layout refusal");
  ProvingKey key = testing::RandomProvingKey(9, 1, 16, rng);
  key.coefficients.push_back({0, 16, 1, Fr::One()});
  Groth16Circuit circuit;
  const Status s = MakeEngineCircuit(key, IdOf(1), &circuit);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("constraint 16"));
}

TEST_CASE("Points survive their limbs, affine and Jacobian", "[groth16][layout]") {
  std::mt19937_64 rng = ::chainaccel::testing::MakeRng("groth16 layout points");
  for (int i = 0; i < 8; ++i) {
    const G1Affine p = i == 0 ? G1Affine::Infinity() : testing::RandomG1(rng);
    const G2Affine q = i == 0 ? G2Affine::Infinity() : testing::RandomG2(rng);
    uint64_t g1[kG1AffineLimbs], g2[kG2AffineLimbs], j1[kG1JacobianLimbs], j2[kG2JacobianLimbs];
    G1ToLimbs(p, g1);
    G2ToLimbs(q, g2);
    CHECK(G1FromLimbs(g1) == p);
    CHECK(G2FromLimbs(g2) == q);
    const bn254::G1 pj = bn254::G1::FromAffine(p).Double();
    const bn254::G2 qj = bn254::G2::FromAffine(q).Double();
    G1JacobianToLimbs(pj, j1);
    G2JacobianToLimbs(qj, j2);
    CHECK(G1JacobianFromLimbs(j1) == pj);
    CHECK(G2JacobianFromLimbs(j2) == qj);
  }
}

TEST_CASE("Proving through the engines' parts gives the prover's proof", "[groth16][layout]") {
  const uint64_t seed = ::chainaccel::testing::MakeRng("groth16 parts proof")();
  const SmallCircuit small = MakeSmallCircuit(50, seed);
  ProveOptions options;
  options.fixed_randomness = ProverRandomness{Fr::FromUint64(12345), Fr::FromUint64(678)};
  Proof direct;
  std::vector<Fr> signals;
  REQUIRE(Prove(small.key, small.witness, options, &direct, &signals).ok());

  Groth16Circuit circuit;
  REQUIRE(MakeEngineCircuit(small.key, IdOf(3), &circuit).ok());
  const ProvingKey engine_key = ProvingKeyFromEngineCircuit(circuit);
  std::vector<Fr> h;
  REQUIRE(ComputeHCoset(engine_key, small.witness.values, nullptr, &h).ok());
  const Groth16ProofParts parts = PartsFromMsms(ComputeMsmsCpu(engine_key, small.witness.values, h, nullptr));
  const Proof via_parts = AssembleProof(small.key, MsmsFromParts(parts), *options.fixed_randomness);
  CHECK(via_parts.a == direct.a);
  CHECK(via_parts.b == direct.b);
  CHECK(via_parts.c == direct.c);

  // The registry's finish (fresh r and s) makes a proof our verifier accepts.
  std::shared_ptr<const RegisteredCircuit> registered;
  REQUIRE(RegisteredCircuit::Make(small.key, IdOf(3), &registered).ok());
  const FinishedProof finished = registered->Finish(parts, small.witness.values);
  PreparedVerifyingKey vk;
  REQUIRE(PreparedVerifyingKey::Prepare(registered->verifying_key(), &vk).ok());
  REQUIRE(finished.public_signals.size() == small.key.n_public);
  CHECK(Verify(vk, finished.proof, finished.public_signals).verdict == Verdict::kValid);
  std::vector<bn254::U256> wrong = finished.public_signals;
  wrong[0][0] ^= 1;
  CHECK(Verify(vk, finished.proof, wrong).verdict == Verdict::kInvalid);
}

TEST_CASE("The circuit registry drops the least recently used circuit", "[groth16][registry]") {
  const SmallCircuit small = MakeSmallCircuit(20, 5);
  std::vector<std::shared_ptr<const RegisteredCircuit>> circuits(3);
  for (uint8_t i = 0; i < 3; ++i) REQUIRE(RegisteredCircuit::Make(small.key, IdOf(i), &circuits[i]).ok());
  const uint64_t each = circuits[0]->memory_bytes();
  CircuitRegistry registry(2 * each + each / 2);  // room for two
  std::shared_ptr<const RegisteredCircuit> got;
  REQUIRE(registry.Add(circuits[0], &got).ok());
  REQUIRE(registry.Add(circuits[1], &got).ok());
  CHECK(registry.Find(IdOf(0)) == circuits[0]);  // 0 is now the most recent
  REQUIRE(registry.Add(circuits[2], &got).ok());
  CHECK(registry.Find(IdOf(1)) == nullptr);  // 1 made room
  CHECK(registry.Find(IdOf(0)) == circuits[0]);
  CHECK(registry.Find(IdOf(2)) == circuits[2]);
  CHECK(registry.size() == 2);
  CHECK(registry.used_bytes() == 2 * each);
  CHECK(registry.evictions() == 1);

  // The same id again: the registered one comes back, nothing is added.
  std::shared_ptr<const RegisteredCircuit> again;
  REQUIRE(RegisteredCircuit::Make(small.key, IdOf(2), &again).ok());
  REQUIRE(registry.Add(again, &got).ok());
  CHECK(got == circuits[2]);
  CHECK(registry.size() == 2);

  CircuitRegistry tiny(each - 1);
  const Status s = tiny.Add(circuits[0], &got);
  CHECK(s.code() == Status::Code::kResourceExhausted);
  CHECK_THAT(s.message(), Catch::Contains("proof.max_circuit_bytes"));
  CHECK(tiny.size() == 0);
}

TEST_CASE("Circuit ids print as hex", "[groth16][registry]") {
  CircuitId id{};
  id[0] = 0xab;
  id[31] = 0x01;
  CHECK(CircuitIdHex(id) == "ab" + std::string(60, '0') + "01");
}

}  // namespace
}  // namespace chainaccel::groth16
