// Conversions between crypto/groth16's types and the engines' raw layouts of
// core/groth16_circuit.h (limbs of Montgomery forms; on a little-endian host the same
// bytes as snarkjs's .zkey points). The daemon parses a .zkey once, turns it into a
// Groth16Circuit for the engines and keeps the rest (alpha1, beta1, delta1, the
// verifying key) for assembling proofs.
//
// Every function is a plain conversion: no checks beyond what is documented, no shared
// state, thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/groth16_circuit.h"
#include "core/status.h"
#include "crypto/groth16/keys.h"
#include "crypto/groth16/prover.h"

namespace chainaccel::groth16 {

// The engines' form of `key`'s proving material (the MSM bases and the QAP matrices in
// compressed rows), with `id` as its circuit id. INVALID_ARGUMENT when a coefficient's
// constraint is >= domain_size or its signal >= n_vars (ReadZkey already refuses both).
Status MakeEngineCircuit(const ProvingKey& key, std::span<const uint8_t, 32> id,
                         Groth16Circuit* out);

// The parts of a ProvingKey that the CPU prover's ComputeHCoset and ComputeMsmsCpu read
// (counts, coefficients, A, B1, B2, C, H), from a circuit; the verifying-key points are
// left at infinity. REQUIRES: `circuit` made by MakeEngineCircuit (values in range).
ProvingKey ProvingKeyFromEngineCircuit(const Groth16Circuit& circuit);

Groth16VerifyingKeyData MakeEngineVerifyingKey(const VerifyingKey& vk);
// REQUIRES: limbs below p (as MakeEngineVerifyingKey writes them).
VerifyingKey VerifyingKeyFromEngine(const Groth16VerifyingKeyData& data);

// Affine points and field elements from and to limbs (kG1AffineLimbs, kG2AffineLimbs,
// kFieldLimbs). REQUIRES (From*): every limb group below its modulus.
G1Affine G1FromLimbs(const uint64_t* limbs);
G2Affine G2FromLimbs(const uint64_t* limbs);
void G1ToLimbs(const G1Affine& p, uint64_t* limbs);
void G2ToLimbs(const G2Affine& p, uint64_t* limbs);
Fr FrFromLimbs(const uint64_t* limbs);
void FrToLimbs(const Fr& v, uint64_t* limbs);
// `count` field elements from kFieldLimbs-limb groups laid end to end (a witness).
std::vector<Fr> FrVectorFromLimbs(const uint64_t* limbs, size_t count);
// The values' limb groups appended to *limbs, end to end.
void AppendFrLimbs(std::span<const Fr> values, std::vector<uint64_t>* limbs);

// Jacobian points from and to limbs (kG1JacobianLimbs, kG2JacobianLimbs).
// REQUIRES (From*): every limb group below p.
bn254::G1 G1JacobianFromLimbs(const uint64_t* limbs);
bn254::G2 G2JacobianFromLimbs(const uint64_t* limbs);
void G1JacobianToLimbs(const bn254::G1& p, uint64_t* limbs);
void G2JacobianToLimbs(const bn254::G2& p, uint64_t* limbs);

// A proof's MSMs from and to the engines' parts.
ProofMsms MsmsFromParts(const Groth16ProofParts& parts);
Groth16ProofParts PartsFromMsms(const ProofMsms& msms);

}  // namespace chainaccel::groth16
