#include "core/task.h"

namespace chainaccel {

std::string_view TaskTypeName(TaskType type) {
  switch (type) {
    case TaskType::kHash: return "hash";
    case TaskType::kMerkleBuild: return "merkle_build";
    case TaskType::kMerkleVerify: return "merkle_verify";
    case TaskType::kSignatureVerify: return "signature_verify";
    case TaskType::kSignatureRecover: return "signature_recover";
    case TaskType::kProofGenerate: return "proof_generate";
    case TaskType::kProofVerify: return "proof_verify";
  }
  return "unknown";
}

size_t TaskItemCount(const Task& task) {
  struct Counter {
    size_t operator()(const HashTask& t) const { return t.messages.size(); }
    size_t operator()(const MerkleBuildTask& t) const { return t.leaves.size(); }
    size_t operator()(const MerkleVerifyTask& t) const { return t.leaves.size(); }
    size_t operator()(const SignatureVerifyTask& t) const { return t.messages.size(); }
    size_t operator()(const SignatureRecoverTask& t) const { return t.count; }
    size_t operator()(const ProofGenerateTask& t) const { return t.count; }
    size_t operator()(const ProofVerifyTask& t) const { return t.proofs.size(); }
  };
  return std::visit(Counter{}, task);
}

}  // namespace chainaccel
