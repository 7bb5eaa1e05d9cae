#include "execution/block_proofs.h"

#include <map>
#include <memory>

#include "execution/tx/verifying_key.h"

namespace chainaccel::exec {
namespace {

std::string Hex(const Hash32& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

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
    *error = "verifying key " + Hex(id) +
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

// Verifies the proofs of transactions `indices`, which name one key, as one task.
Status VerifyOneKey(Engine& engine, const StateReader& committed,
                    std::span<const Transaction> txs, const std::vector<size_t>& indices,
                    std::vector<std::string>* errors) {
  const Hash32& id = txs[indices.front()].proof->verifying_key_id;
  std::string key_error;
  const auto key = RegisteredKey(committed, id, &key_error);
  std::vector<size_t> indices_in_batch;
  ProofBatch batch;
  for (size_t i : indices) {
    const TransactionProof& p = *txs[i].proof;
    std::string& error = (*errors)[i];
    error = key ? PublicSignalsProblem(p.public_signals, key->n_public) : key_error;
    if (!error.empty()) continue;
    indices_in_batch.push_back(i);
    batch.Add(p);
  }
  if (indices_in_batch.empty()) return Status::Ok();
  std::vector<ItemStatus> status;
  if (Status s = batch.Verify(engine, key, &status); !s.ok()) return s;
  for (size_t k = 0; k < status.size(); ++k) (*errors)[indices_in_batch[k]] = ProofError(status[k]);
  return Status::Ok();
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
  for (const auto& [id, indices] : by_key) {
    if (Status s = VerifyOneKey(engine, committed, transactions, indices, errors); !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

}  // namespace chainaccel::exec
