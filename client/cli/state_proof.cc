#include "client/cli/state_proof.h"

#include <cstring>
#include <optional>

#include "execution/tx/state_proof.h"

namespace chainaccel {
namespace {

// Copies a 32-byte field; false (with *reason) for another length.
bool Read32(const std::string& bytes, const std::string& field, Hash32* out, std::string* reason) {
  if (bytes.size() != 32) {
    *reason = "proof: " + field + " is " + std::to_string(bytes.size()) + " bytes, not 32";
    return false;
  }
  std::memcpy(out->data(), bytes.data(), 32);
  return true;
}

}  // namespace

StateProofVerdict VerifyGetStateProof(std::string_view key, const v1::GetStateResponse& response) {
  StateProofVerdict verdict;
  Hash32 root;
  if (!Read32(response.state_root(), "state_root", &root, &verdict.reason)) return verdict;
  const v1::StateProof& p = response.proof();
  exec::StateProof proof;
  proof.siblings.resize(static_cast<size_t>(p.siblings_size()));
  for (int i = 0; i < p.siblings_size(); ++i) {
    if (!Read32(p.siblings(i), "siblings[" + std::to_string(i) + "]", &proof.siblings[i],
                &verdict.reason)) {
      return verdict;
    }
  }
  if (!p.leaf_key_path().empty() || !p.leaf_value_hash().empty()) {
    proof.leaf.emplace();
    if (!Read32(p.leaf_key_path(), "leaf_key_path", &proof.leaf->key_path, &verdict.reason) ||
        !Read32(p.leaf_value_hash(), "leaf_value_hash", &proof.leaf->value_hash, &verdict.reason)) {
      return verdict;
    }
  }
  const std::optional<std::string> value =
      response.found() ? std::optional<std::string>(response.value()) : std::nullopt;
  const Status s = exec::VerifyStateProof(root, key, value, proof);
  verdict.valid = s.ok();
  if (!s.ok()) verdict.reason = s.message();
  return verdict;
}

}  // namespace chainaccel
