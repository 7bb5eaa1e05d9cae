// A transaction's proof from snarkjs's files (docs/execution.md, "Proof-carrying
// transactions"): `snarkjs groth16 prove`'s proof.json and public.json, as the client
// attaches them to a transaction.
//
// Part of chainaccel_execution_tx, so that the client converts them without the crypto
// layer's headers. Thread-safe: no shared state.
#pragma once

#include <string_view>

#include "core/status.h"
#include "core/task.h"
#include "execution/tx/transaction.h"

namespace chainaccel::exec {

// The proof of `proof_json` in the EIP-196/197 form (256 bytes) and the signals of
// `public_json` as 32-byte big-endian values, under key `verifying_key_id`.
// INVALID_ARGUMENT naming the field ("proof: pi_b[1][0]: …", "public signals: [2]: …",
// crypto/groth16/snarkjs_json.h) when a text does not parse, a coordinate is
// >= p or a signal >= 2^256 (snarkjs's readers' checks: whether the points lie on the
// curve and the signals below r is the block's verification to decide, BAD_PROOF).
Status TransactionProofFromSnarkjs(std::string_view proof_json, std::string_view public_json,
                                   const Hash32& verifying_key_id, TransactionProof* out);

}  // namespace chainaccel::exec
