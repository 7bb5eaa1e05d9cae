// The pre-verification of a block's proofs (docs/execution.md, "Proof-carrying
// transactions"): every transaction that carries a proof is checked against the key
// registered in the committed state, one ProofVerifyTask per key on the Engine it is
// given (the daemon's scheduler: PLACEMENT_AUTO at high priority, like the signature
// batches).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "engines/engine.h"
#include "execution/block.h"

namespace chainaccel::exec {

// Proofs of one verifying key packed as one ProofVerifyTask's inputs (core/task.h).
// Not thread-safe; Verify may be called more than once.
class ProofBatch {
 public:
  // Appends a proof. REQUIRES: its signal count is the key's n_public (as Verify's key).
  void Add(const TransactionProof& proof);
  size_t size() const { return proofs_.size() / kTxProofBytes; }
  // Runs the proofs added as one ProofVerifyTask on `engine` (blocking): (*status)[k] is
  // the k-th proof's verdict (kOk, kInvalid, kMalformedProof, kMalformedMessage). The
  // engine's status when the batch fails as a whole. REQUIRES: size() > 0, key not null.
  Status Verify(Engine& engine, std::shared_ptr<const Groth16VerifyingKeyData> key,
                std::vector<ItemStatus>* status) const;

 private:
  std::vector<uint8_t> proofs_;   // 256 bytes a proof, end to end
  std::vector<uint8_t> signals_;  // n_public × 32 bytes a proof, end to end
};

// Fills (*errors)[i] for every transaction i: empty when it carries no proof or its proof
// verifies, else why not (the key is not registered in `committed`, the signal count or a
// signal's value does not fit the key, a point does not decode, the proof does not
// verify). Returns OK, or the engine's status when a batch fails as a whole (the block
// must then fail: *errors is not to be used). `committed` is read from this thread only;
// the batches of different keys run at once (up to 8, on threads of this call), so
// `engine` sees concurrent Run calls; blocks until every batch is done. Thread-safe as far
// as `engine` and `committed` are.
Status VerifyBlockProofs(Engine& engine, const StateReader& committed,
                         std::span<const Transaction> transactions,
                         std::vector<std::string>* errors);

}  // namespace chainaccel::exec
