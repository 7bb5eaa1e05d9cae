// Decoding and encoding of ProofService messages (proto/chainaccel/v1/proof.proto):
// the server/decode.h rules (INVALID_ARGUMENT naming the field and item, RESOURCE_EXHAUSTED
// for limits) for Groth16's inputs, and the proofs' wire forms.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "chainaccel/v1/proof.pb.h"
#include "core/status.h"
#include "core/task.h"
#include "core/thread_pool.h"
#include "crypto/groth16/circuit_registry.h"
#include "server/limits.h"

namespace chainaccel::server {

// INVALID_ARGUMENT "circuit_id: ..." unless it is 32 bytes.
Status DecodeCircuitId(const std::string& bytes, groth16::CircuitId* out);

// The witnesses of a Prove request that fit `circuit`, in the engines' layout.
struct ProveWitnesses {
  std::vector<uint64_t> limbs;  // items.size() * n_vars field elements
  std::vector<size_t> items;    // the request index of each witness in `limbs`
};

// Sizes `statuses` to the request's witnesses: ITEM_MALFORMED_WITNESS for each one that
// is not a .wtns of the circuit (it does not parse, n_vars values, the first 1), the
// others left kUnspecified and copied into *out. INVALID_ARGUMENT for an empty or badly
// packed batch, RESOURCE_EXHAUSTED over limits.max_batch_items. The values are converted
// on `pool`'s threads when one is given.
Status DecodeWitnesses(const v1::ProveRequest& request, const Limits& limits,
                       const Groth16Circuit& circuit, ThreadPool* pool,
                       std::vector<ItemStatus>* statuses, ProveWitnesses* out);

// Appends one proof to the response: the 256-byte EIP-196/197 form, the public signals
// (32 bytes big-endian each), and snarkjs's proof.json and public.json texts; an empty
// slot (zero bytes, empty strings) when `proof` is null.
void AppendProof(const groth16::FinishedProof* proof, uint32_t n_public, v1::ProveResponse* out);

// The binary forms of proofs sent as snarkjs JSON: the task's views point here.
struct ProofVerifyBuffers {
  std::string proofs;   // 256 bytes a proof
  std::string signals;  // n_public * 32 bytes a proof
};

// The request as a task: the verification key parsed (INVALID_ARGUMENT
// "verification_key_json: ..." when it does not parse or its points are invalid),
// 256-byte proofs and n_public * 32-byte public signals per proof (from the binary
// fields, or converted from the JSON ones into *buffers); `statuses` sized.
// A JSON text that does not parse becomes bytes the engine refuses with the documented
// item status: a proof of 0xFF bytes (coordinates >= p: ITEM_MALFORMED_PROOF), signals
// of 0xFF bytes (>= r: ITEM_MALFORMED_MESSAGE).
Status DecodeProofVerifyRequest(const v1::ProofVerifyRequest& request, const Limits& limits,
                                std::vector<ItemStatus>* statuses, ProofVerifyBuffers* buffers,
                                ProofVerifyTask* task);

}  // namespace chainaccel::server
