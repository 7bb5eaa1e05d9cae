// Test and benchmark only: a random R1CS of a chosen number of constraints together with
// a witness that satisfies it, both from a seed, for proving benchmarks of any size
// without circom or Node.js (the GPU host has neither).
//
// Shape (circom's wire order: 1, outputs, public inputs, private inputs, internal):
//   kSyntheticOutputs public outputs, kSyntheticPublicInputs public inputs,
//   kSyntheticPrivateInputs private inputs; constraint c defines one fresh wire:
//     (a few terms)·(one or two terms) = 1·w_fresh
//   A has 1 to 3 terms, B 1 or 2 (sometimes the constant wire), over earlier wires: most
//   from the last 16 defined (chains, as in hash circuits), the rest from anywhere before;
//   coefficients are mostly 1, else small integers or uniform elements. The first
//   constraints read every input; the last kSyntheticOutputs define the outputs.
//   nWires = 1 + inputs + constraints; nPublic = 4.
// The witness is the inputs (uniform from the seed) and each fresh wire's value, so
// A·B = C holds on every row. Deterministic in (n_constraints, seed).
#pragma once

#include <cstdint>

#include "crypto/groth16/r1cs.h"
#include "crypto/groth16/wtns.h"

namespace chainaccel::groth16::testing {

inline constexpr uint32_t kSyntheticOutputs = 2;
inline constexpr uint32_t kSyntheticPublicInputs = 2;
inline constexpr uint32_t kSyntheticPrivateInputs = 4;
inline constexpr uint32_t kSyntheticPublic = kSyntheticOutputs + kSyntheticPublicInputs;

struct SyntheticCircuit {
  R1cs r1cs;
  Witness witness;  // r1cs.n_wires values, values[0] = 1
};

// REQUIRES: n_constraints >= kSyntheticOutputs and 1 + inputs + n_constraints < 2^32.
SyntheticCircuit MakeSyntheticCircuit(uint32_t n_constraints, uint64_t seed);

// The number of constraints that fills snarkjs's domain of 2^power points exactly:
// 2^power - nPublic - 1. REQUIRES: 3 <= power <= 27.
uint32_t SyntheticConstraintsForDomainPower(int power);

// Whether A·B = C holds on every row for `witness` (a test's check; O(terms)).
bool IsSatisfied(const R1cs& r1cs, const Witness& witness);

}  // namespace chainaccel::groth16::testing
