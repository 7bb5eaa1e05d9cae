// Tests of GpuEngine's Groth16 proofs (ProofGenerateTask, proof_operator.h): every part
// (A, B1, C, H and B2, all on the device) equals the CPU engine's, for
// synthetic circuits of domains 2^3 .. 2^14 and batches of several witnesses; the
// circuit stays resident for the next batch; the proofs verify. Random circuits from a
// printed, replayable seed (CHAINACCEL_TEST_SEED). Needs a GPU (--require-gpu
// skips without one).
#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "crypto/groth16/circuit_registry.h"
#include "crypto/groth16/engine_layout.h"
#include "crypto/groth16/prover.h"
#include "crypto/groth16/testing/insecure_setup.h"
#include "crypto/groth16/testing/synthetic_circuit.h"
#include "crypto/groth16/verifier.h"
#include "engines/gpu/gpu_test_engines.h"
#include "tests/support/random.h"

namespace chainaccel {
namespace {

namespace gt = groth16::testing;
using groth16::Fr;

struct Circuit {
  groth16::ProvingKey key;
  std::shared_ptr<const groth16::RegisteredCircuit> registered;
  groth16::Witness witness;
};

Circuit MakeCircuit(uint32_t constraints, uint64_t seed) {
  gt::SyntheticCircuit synthetic = gt::MakeSyntheticCircuit(constraints, seed);
  Circuit c;
  REQUIRE(gt::InsecureSetup(synthetic.r1cs, gt::TrapdoorFromSeed(seed), nullptr, &c.key).ok());
  groth16::CircuitId id{};
  for (size_t i = 0; i < 8; ++i) id[i] = static_cast<uint8_t>(seed >> (8 * i));
  id[8] = static_cast<uint8_t>(constraints);
  REQUIRE(groth16::RegisteredCircuit::Make(c.key, id, &c.registered).ok());
  c.witness = std::move(synthetic.witness);
  return c;
}

// `count` copies of the circuit's witness as the engines' limbs.
std::vector<uint64_t> WitnessLimbs(const Circuit& c, size_t count) {
  std::vector<uint64_t> limbs;
  for (size_t k = 0; k < count; ++k) groth16::AppendFrLimbs(c.witness.values, &limbs);
  return limbs;
}

// The task of `count` witnesses.
struct Batch {
  std::vector<uint64_t> limbs;
  std::vector<Groth16ProofParts> parts;
  std::vector<ItemStatus> status;
  ProofGenerateTask task;
};

void MakeBatch(const Circuit& c, size_t count, Batch* b) {
  b->limbs = WitnessLimbs(c, count);
  b->parts.assign(count, {});
  b->status.assign(count, ItemStatus::kUnspecified);
  b->task.circuit = c.registered->engine_circuit();
  b->task.count = count;
  b->task.witnesses = b->limbs.data();
  b->task.parts = b->parts.data();
  b->task.status = b->status.data();
}

void CheckAgainstCpu(const Circuit& c, const Batch& gpu) {
  std::vector<Fr> h;
  REQUIRE(groth16::ComputeHCoset(c.key, c.witness.values, nullptr, &h).ok());
  const groth16::ProofMsms cpu = groth16::ComputeMsmsCpu(c.key, c.witness.values, h, nullptr);
  for (size_t i = 0; i < gpu.parts.size(); ++i) {
    INFO("item " << i << " of a circuit of " << c.key.n_vars << " signals, domain "
                 << c.key.domain_size);
    CHECK(gpu.status[i] == ItemStatus::kOk);
    const groth16::ProofMsms got = groth16::MsmsFromParts(gpu.parts[i]);
    CHECK(got.a == cpu.a);
    CHECK(got.b1 == cpu.b1);
    CHECK(got.c == cpu.c);
    CHECK(got.h == cpu.h);
    CHECK(got.b2 == cpu.b2);
  }
}

TEST_CASE("GPU proof parts equal the CPU's across circuit sizes", "[gpu][groth16]") {
  std::mt19937_64 rng = testing::MakeRng("gpu groth16 parts");
  GpuEngine& gpu = testing::SharedGpu();
  for (int power : {3, 4, 5, 8, 10, 12, 14}) {
    const Circuit c = MakeCircuit(gt::SyntheticConstraintsForDomainPower(power), rng());
    Batch batch;
    MakeBatch(c, power <= 8 ? 3 : 1, &batch);
    Task task = batch.task;  // a copy that points into batch's buffers
    REQUIRE(gpu.Run(task).ok());
    CheckAgainstCpu(c, batch);
  }
}

TEST_CASE("A resident circuit proves again, and its proofs verify", "[gpu][groth16]") {
  std::mt19937_64 rng = testing::MakeRng("gpu groth16 resident");
  GpuEngine& gpu = testing::SharedGpu();
  const Circuit c = MakeCircuit(300, rng());
  for (int round = 0; round < 2; ++round) {
    Batch batch;
    MakeBatch(c, 2, &batch);
    Task task = batch.task;
    REQUIRE(gpu.Run(task).ok());
    CheckAgainstCpu(c, batch);
    const groth16::FinishedProof proof = c.registered->Finish(batch.parts[0], c.witness.values);
    groth16::PreparedVerifyingKey vk;
    REQUIRE(groth16::PreparedVerifyingKey::Prepare(c.registered->verifying_key(), &vk).ok());
    CHECK(groth16::Verify(vk, proof.proof, proof.public_signals).verdict == groth16::Verdict::kValid);
  }
}

}  // namespace
}  // namespace chainaccel
