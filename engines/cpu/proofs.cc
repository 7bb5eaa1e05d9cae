#include "engines/cpu/proofs.h"

#include <algorithm>
#include <span>
#include <vector>

#include "crypto/bn254/curve.h"
#include "crypto/bn254/field.h"
#include "crypto/groth16/engine_layout.h"
#include "crypto/groth16/point_bytes.h"
#include "crypto/groth16/prover.h"
#include "crypto/groth16/verifier.h"

namespace chainaccel {
namespace {

using groth16::Fr;

// Decodes proof `i` and its signals; the item's status when it cannot be checked.
ItemStatus DecodeItem(const ProofVerifyTask& task, size_t i, groth16::Proof* proof,
                      std::vector<bn254::U256>* signals) {
  const std::optional<groth16::Proof> decoded =
      groth16::DecodeProofEip197(task.proofs[i].first<groth16::kProofBytes>());
  if (!decoded) return ItemStatus::kMalformedProof;
  *proof = *decoded;
  const size_t n = task.key->n_public;
  signals->resize(n);
  const ByteView values = task.public_signals.subspan(i * n * 32, n * 32);
  for (size_t k = 0; k < n; ++k) {
    const auto v = Fr::FromBytesBE(values.subspan(k * 32).first<32>());
    if (!v) return ItemStatus::kMalformedMessage;
    (*signals)[k] = v->ToCanonical();
  }
  return ItemStatus::kOk;
}

ItemStatus FromVerdict(groth16::Verdict verdict) {
  switch (verdict) {
    case groth16::Verdict::kValid: return ItemStatus::kOk;
    case groth16::Verdict::kInvalid: return ItemStatus::kInvalid;
    case groth16::Verdict::kMalformed: break;
  }
  return ItemStatus::kMalformedProof;
}

// Proofs [begin, end) of `task` checked as one batch.
Status VerifySlice(const groth16::PreparedVerifyingKey& key, ProofVerifyTask& task, size_t begin,
                   size_t end) {
  std::vector<groth16::Proof> proofs(end - begin);
  std::vector<std::vector<bn254::U256>> signals(end - begin);
  std::vector<groth16::BatchItem> items;
  std::vector<size_t> item_index;
  for (size_t i = begin; i < end; ++i) {
    task.status[i] = DecodeItem(task, i, &proofs[i - begin], &signals[i - begin]);
    if (task.status[i] != ItemStatus::kOk) continue;
    items.push_back({&proofs[i - begin], signals[i - begin]});
    item_index.push_back(i);
  }
  std::vector<groth16::VerifyResult> results;
  if (Status s = groth16::BatchVerify(key, items, {}, &results); !s.ok()) return s;
  for (size_t k = 0; k < results.size(); ++k) task.status[item_index[k]] = FromVerdict(results[k].verdict);
  return Status::Ok();
}

}  // namespace

Status RunProofGenerate(ThreadPool& pool, ProofGenerateTask& task) {
  if (task.circuit == nullptr || (task.count > 0 && (task.witnesses == nullptr ||
                                                     task.parts == nullptr || task.status == nullptr))) {
    return Status::InvalidArgument("proof task without circuit or buffers");
  }
  const Groth16Circuit& circuit = *task.circuit;
  const groth16::ProvingKey key = groth16::ProvingKeyFromEngineCircuit(circuit);
  for (size_t i = 0; i < task.count; ++i) {
    const std::vector<Fr> witness = groth16::FrVectorFromLimbs(
        task.witnesses + i * circuit.n_vars * kFieldLimbs, circuit.n_vars);
    std::vector<Fr> h;
    if (Status s = groth16::ComputeHCoset(key, witness, &pool, &h); !s.ok()) {
      task.status[i] = ItemStatus::kMalformedWitness;
      task.parts[i] = Groth16ProofParts{};
      continue;
    }
    task.parts[i] = groth16::PartsFromMsms(groth16::ComputeMsmsCpu(key, witness, h, &pool));
    task.status[i] = ItemStatus::kOk;
  }
  return Status::Ok();
}

Status RunProofVerify(ThreadPool& pool, ProofVerifyTask& task) {
  const size_t n = task.proofs.size();
  if (task.key == nullptr || (n > 0 && task.status == nullptr) ||
      task.public_signals.size() != n * task.key->n_public * 32) {
    return Status::InvalidArgument("proof verification task without key or buffers");
  }
  groth16::PreparedVerifyingKey key;
  if (Status s = groth16::PreparedVerifyingKey::Prepare(groth16::VerifyingKeyFromEngine(*task.key), &key);
      !s.ok()) {
    return s;
  }
  // Slices of 64 proofs: one combination's n + 3 Miller loops per slice, slices in
  // parallel (a batch of one slice runs on the calling thread).
  constexpr size_t kSlice = 64;
  const size_t slices = (n + kSlice - 1) / kSlice;
  std::vector<Status> statuses(slices);
  pool.ParallelFor(slices, 1, [&](size_t begin, size_t end) {
    for (size_t s = begin; s < end; ++s) {
      statuses[s] = VerifySlice(key, task, s * kSlice, std::min(n, (s + 1) * kSlice));
    }
  });
  for (const Status& s : statuses) {
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace chainaccel
