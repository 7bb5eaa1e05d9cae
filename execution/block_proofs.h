// The pre-verification of a block's proofs (docs/execution.md, "Proof-carrying
// transactions"): every transaction that carries a proof is checked against the key
// registered in the committed state, one ProofVerifyTask per key on the Engine it is
// given (the daemon's scheduler: PLACEMENT_AUTO at high priority, like the signature
// batches).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "engines/engine.h"
#include "execution/block.h"

namespace chainaccel::exec {

// Fills (*errors)[i] for every transaction i: empty when it carries no proof or its proof
// verifies, else why not (the key is not registered in `committed`, the signal count or a
// signal's value does not fit the key, a point does not decode, the proof does not
// verify). Returns OK, or the engine's status when a batch fails as a whole (the block
// must then fail: *errors is not to be used). `committed` is read from this thread only;
// blocks until every batch is done. Thread-safe as far as `engine` and `committed` are.
Status VerifyBlockProofs(Engine& engine, const StateReader& committed,
                         std::span<const Transaction> transactions,
                         std::vector<std::string>* errors);

}  // namespace chainaccel::exec
