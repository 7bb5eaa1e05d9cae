// A signed transaction (execution/tx/transaction.h) as ExecutionService's proto, its proof
// included: what `chainaccel exec` sends, and what tests build their blocks with.
// Thread-safe: no shared state.
#pragma once

#include "chainaccel/v1/execution.pb.h"
#include "execution/tx/transaction.h"

namespace chainaccel::cli {

// Fills *out with every field of `tx` (and its proof, when it carries one).
void TransactionToProto(const exec::Transaction& tx, v1::Transaction* out);

}  // namespace chainaccel::cli
