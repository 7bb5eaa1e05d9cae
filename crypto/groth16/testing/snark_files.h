// Test-only: writes .zkey, .wtns and .r1cs files laid out exactly as snarkjs (and circom)
// write them (so that the readers' tests can build every malformed variant), and a
// Groth16 setup with a known trapdoor that simulates valid proofs (so that the verifier's
// tests need no prover). tests/zk holds the readers and the verifier to snarkjs's own
// files.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "crypto/groth16/keys.h"
#include "crypto/groth16/r1cs.h"
#include "crypto/groth16/wtns.h"

namespace chainaccel::groth16::testing {

// A .zkey of `key` (version 1, 10 sections in snarkjs's order 1 2 4 3 9 8 5 6 7 10, the
// coefficients as v·R^2 mod r, a contributions section of a zero hash and no
// contribution).
std::vector<uint8_t> WriteZkey(const ProvingKey& key);
// A .wtns (version 2) of `witness`.
std::vector<uint8_t> WriteWtns(const Witness& witness);
// A .r1cs (version 1) of `r1cs` laid out as circom 2 writes it: sections 1 (header),
// 2 (constraints) and 3 (the wire-to-label map, here wire i -> label i). REQUIRES: each
// matrix has r1cs.n_constraints rows.
std::vector<uint8_t> WriteR1cs(const R1cs& r1cs);

// Where section `id` sits in an iden3 binary file. REQUIRES: the file has it.
struct SectionPosition {
  size_t header_at = 0;  // the section's id
  size_t body_at = 0;
  size_t size = 0;
};
SectionPosition FindSection(std::span<const uint8_t> file, uint32_t id);
void StoreU32LE(uint32_t v, uint8_t* p);

Fr RandomFr(std::mt19937_64& rng);
G1Affine RandomG1(std::mt19937_64& rng);
G2Affine RandomG2(std::mt19937_64& rng);
// A point of the twist E'(Fp2) outside G2 (a random point of the twist: in G2 with
// probability 1/10069h').
G2Affine TwistPointOutsideSubgroup(std::mt19937_64& rng);

// A proving key with random points (some at infinity) and coefficients: valid for the
// reader, meaningless as a circuit.
ProvingKey RandomProvingKey(uint32_t n_vars, uint32_t n_public, uint32_t domain_size,
                            std::mt19937_64& rng);

// A verifying key whose trapdoor is known: alpha1 = alpha·G1, beta2 = beta·G2, ...,
// IC[i] = ic[i]·G1.
struct SimulatedSetup {
  Fr alpha, beta, gamma, delta;
  std::vector<Fr> ic;
  VerifyingKey vk;
};
SimulatedSetup MakeSimulatedSetup(uint32_t n_public, std::mt19937_64& rng);
// A proof that satisfies the verification equation for `signals` (Groth16's simulator):
// A = a·G1, B = b·G2, C = ((a·b - alpha·beta - x·gamma) / delta)·G1 with
// x = ic[0] + sum_i signals[i]·ic[i+1].
Proof SimulateProof(const SimulatedSetup& setup, std::span<const Fr> signals,
                    std::mt19937_64& rng);

}  // namespace chainaccel::groth16::testing
