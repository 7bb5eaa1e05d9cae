#include "execution/block_proofs.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <thread>

#include "core/hex.h"
#include "execution/tx/verifying_key.h"

namespace chainaccel::exec {
namespace {

std::string ProofError(ItemStatus status) {
  switch (status) {
    case ItemStatus::kOk: return {};
    case ItemStatus::kInvalid: return "proof does not verify";
    case ItemStatus::kMalformedProof:
      return "malformed proof: a point does not decode (a coordinate >= p, off the curve, "
             "or B outside the subgroup of order r)";
    case ItemStatus::kMalformedMessage: return "proof: a public signal is not below r";
    default: return "proof not verified";
  }
}

// The key registered under `id` in `committed`, or null with *error set.
std::shared_ptr<const Groth16VerifyingKeyData> RegisteredKey(const StateReader& committed,
                                                             const Hash32& id,
                                                             std::string* error) {
  std::string encoding;
  if (!committed.Get(StateKey(VerifyingKeyRegistryAddress(),
                              std::string_view(reinterpret_cast<const char*>(id.data()), 32)),
                     &encoding)) {
    *error = "verifying key " + HexEncode(id) +
             " is not registered (in the committed state, before this block)";
    return nullptr;
  }
  auto key = std::make_shared<Groth16VerifyingKeyData>();
  if (Status s = VerifyingKeyDataFromEncoding(encoding, key.get()); !s.ok()) {
    *error = "registered " + s.message();
    return nullptr;
  }
  return key;
}

// The proofs of one key that passed the checks before the engine, as one task's inputs.
struct KeyBatch {
  std::shared_ptr<const Groth16VerifyingKeyData> key;
  std::vector<size_t> indices;  // the transactions of the batch, in batch order
  ProofBatch batch;
  std::vector<ItemStatus> status;  // filled by Verify
  Status result;
};

// Checks the proofs of transactions `indices`, which name one key, against the key in
// `committed`: (*errors)[i] for those that do not fit it; the others form the batch.
KeyBatch PrepareKeyBatch(const StateReader& committed, std::span<const Transaction> txs,
                         const std::vector<size_t>& indices, std::vector<std::string>* errors) {
  const Hash32& id = txs[indices.front()].proof->verifying_key_id;
  std::string key_error;
  KeyBatch prepared;
  prepared.key = RegisteredKey(committed, id, &key_error);
  for (size_t i : indices) {
    const TransactionProof& p = *txs[i].proof;
    std::string& error = (*errors)[i];
    error = prepared.key ? PublicSignalsProblem(p.public_signals, prepared.key->n_public)
                         : key_error;
    if (!error.empty()) continue;
    prepared.indices.push_back(i);
    prepared.batch.Add(p);
  }
  return prepared;
}

// Batches of different keys at once, at most this many: each task is already spread over
// the engine's threads, but its final pairings are serial, and a block's small batches of
// several keys would otherwise wait on each other.
constexpr size_t kMaxConcurrentKeyBatches = 8;

// Runs every batch on `engine` (the calling thread and up to kMaxConcurrentKeyBatches - 1
// more); blocks until all are done.
void RunKeyBatches(Engine& engine, std::vector<KeyBatch>* batches) {
  std::atomic<size_t> next{0};
  auto work = [&engine, batches, &next] {
    for (size_t i = next++; i < batches->size(); i = next++) {
      KeyBatch& b = (*batches)[i];
      b.result = b.batch.Verify(engine, b.key, &b.status);
    }
  };
  std::vector<std::thread> helpers;
  const size_t extra = std::min(batches->size(), kMaxConcurrentKeyBatches) - 1;
  for (size_t t = 0; t < extra; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& t : helpers) t.join();
}

}  // namespace

void ProofBatch::Add(const TransactionProof& proof) {
  proofs_.insert(proofs_.end(), proof.proof.begin(), proof.proof.end());
  for (const Hash32& s : proof.public_signals) signals_.insert(signals_.end(), s.begin(), s.end());
}

Status ProofBatch::Verify(Engine& engine, std::shared_ptr<const Groth16VerifyingKeyData> key,
                          std::vector<ItemStatus>* status) const {
  status->assign(size(), ItemStatus::kUnspecified);
  ProofVerifyTask task;
  task.key = std::move(key);
  task.proofs = PackedItems::Fixed(proofs_, kTxProofBytes);
  task.public_signals = signals_;
  task.status = status->data();
  Task t = std::move(task);
  return engine.Run(t);
}

Status VerifyBlockProofs(Engine& engine, const StateReader& committed,
                         std::span<const Transaction> transactions,
                         std::vector<std::string>* errors) {
  errors->assign(transactions.size(), std::string());
  std::map<Hash32, std::vector<size_t>> by_key;
  for (size_t i = 0; i < transactions.size(); ++i) {
    if (transactions[i].proof) by_key[transactions[i].proof->verifying_key_id].push_back(i);
  }
  std::vector<KeyBatch> batches;
  for (const auto& [id, indices] : by_key) {
    KeyBatch prepared = PrepareKeyBatch(committed, transactions, indices, errors);
    if (!prepared.indices.empty()) batches.push_back(std::move(prepared));
  }
  if (batches.empty()) return Status::Ok();
  RunKeyBatches(engine, &batches);
  for (const KeyBatch& b : batches) {
    if (!b.result.ok()) return b.result;
    for (size_t k = 0; k < b.status.size(); ++k) (*errors)[b.indices[k]] = ProofError(b.status[k]);
  }
  return Status::Ok();
}

}  // namespace chainaccel::exec
