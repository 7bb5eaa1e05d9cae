// A signed transaction (execution/tx/transaction.h) as ExecutionService's proto, its proof
// included: what `chainaccel exec` sends, and what tests build their blocks with; and the
// GetState that reads a sender's next nonce (docs/execution.md, "Nonces"), which
// `chainaccel exec` signs with unless given --nonce. Thread-safe: no shared state.
#pragma once

#include "chainaccel/v1/execution.pb.h"
#include "execution/tx/transaction.h"

namespace chainaccel::cli {

// Fills *out with every field of `tx` (and its proof, when it carries one).
void TransactionToProto(const exec::Transaction& tx, v1::Transaction* out);

// The request for `sender`'s next nonce at the latest height: GetState of
// exec::NonceStateKey(sender).
v1::GetStateRequest NextNonceRequest(const Hash32& sender);

// The next nonce an answer to NextNonceRequest holds: 0 when the key is absent (the
// sender has sent nothing yet), else its 8-byte big-endian value. False when the value is
// not 8 bytes.
bool NextNonceFromResponse(const v1::GetStateResponse& response, uint64_t* next);

}  // namespace chainaccel::cli
