#include "engines/scheduler/batch_key.h"

#include <array>
#include <numeric>
#include <variant>

namespace chainaccel {
namespace {

struct CostClassEntry {
  TaskType type;
  uint8_t variant;
  std::string_view name;
};

constexpr std::array<CostClassEntry, kCostClassCount> kCostClasses{{
    {TaskType::kHash, static_cast<uint8_t>(HashAlgorithm::kSha256), "hash/sha256"},
    {TaskType::kHash, static_cast<uint8_t>(HashAlgorithm::kSha256d), "hash/sha256d"},
    {TaskType::kHash, static_cast<uint8_t>(HashAlgorithm::kKeccak256), "hash/keccak256"},
    {TaskType::kMerkleBuild, static_cast<uint8_t>(MerkleScheme::kBitcoin), "merkle_build/bitcoin"},
    {TaskType::kMerkleBuild, static_cast<uint8_t>(MerkleScheme::kRfc6962), "merkle_build/rfc6962"},
    {TaskType::kMerkleBuild, static_cast<uint8_t>(MerkleScheme::kOzKeccakSorted),
     "merkle_build/oz_keccak_sorted"},
    {TaskType::kMerkleVerify, static_cast<uint8_t>(MerkleScheme::kBitcoin), "merkle_verify/bitcoin"},
    {TaskType::kMerkleVerify, static_cast<uint8_t>(MerkleScheme::kRfc6962), "merkle_verify/rfc6962"},
    {TaskType::kMerkleVerify, static_cast<uint8_t>(MerkleScheme::kOzKeccakSorted),
     "merkle_verify/oz_keccak_sorted"},
    {TaskType::kSignatureVerify, static_cast<uint8_t>(SignatureScheme::kEd25519),
     "signature_verify/ed25519"},
    {TaskType::kSignatureVerify, static_cast<uint8_t>(SignatureScheme::kEcdsaSecp256k1),
     "signature_verify/ecdsa_secp256k1"},
    {TaskType::kSignatureVerify, static_cast<uint8_t>(SignatureScheme::kSchnorrBip340),
     "signature_verify/schnorr_bip340"},
    {TaskType::kSignatureRecover, 0, "signature_recover/ecdsa_secp256k1"},
    {TaskType::kProofGenerate, 0, "proof_generate/groth16_bn254"},
    {TaskType::kProofVerify, 0, "proof_verify/groth16_bn254"},
}};

template <typename E>
uint8_t Value(E e) {
  return static_cast<uint8_t>(e);
}

// Bytes of items [begin, end) of a packed batch.
uint64_t SpanBytes(const PackedItems& items, size_t begin, size_t end) {
  return items.offset(end) - items.offset(begin);
}

}  // namespace

uint64_t ProofHashes(const MerkleVerifyTask& task, size_t begin, size_t end) {
  return std::accumulate(task.proof_lengths.begin() + static_cast<std::ptrdiff_t>(begin),
                         task.proof_lengths.begin() + static_cast<std::ptrdiff_t>(end),
                         uint64_t{0});
}

BatchKey BatchKeyOf(const Task& task) {
  BatchKey key;
  key.type = TaskTypeOf(task);
  if (const auto* hash = std::get_if<HashTask>(&task)) {
    key.variant = Value(hash->algorithm);
  } else if (const auto* build = std::get_if<MerkleBuildTask>(&task)) {
    key.variant = Value(build->scheme);
    key.leaves_are_entries = build->leaves_are_entries;
    key.sort_leaves = build->sort_leaves;
  } else if (const auto* proofs = std::get_if<MerkleVerifyTask>(&task)) {
    key.variant = Value(proofs->scheme);
    key.root = proofs->root;
    key.leaf_count = proofs->leaf_count;
  } else if (const auto* verify = std::get_if<SignatureVerifyTask>(&task)) {
    key.variant = Value(verify->scheme);
    key.pre_hash = Value(verify->pre_hash);
    key.encoding = Value(verify->encoding);
    key.allow_high_s = verify->allow_high_s;
  } else if (const auto* recover = std::get_if<SignatureRecoverTask>(&task)) {
    key.allow_high_s = recover->allow_high_s;
  }
  // Proof tasks are never joined (Splittable), so their keys need no circuit.
  return key;
}

bool Splittable(TaskType type) {
  return type != TaskType::kMerkleBuild && type != TaskType::kProofGenerate &&
         type != TaskType::kProofVerify;
}

size_t CostClassOf(const BatchKey& key) {
  for (size_t i = 0; i < kCostClasses.size(); ++i) {
    if (kCostClasses[i].type == key.type && kCostClasses[i].variant == key.variant) return i;
  }
  // Enum values outside the table do not reach the scheduler (the server checks them);
  // the type's first class is the nearest estimate.
  for (size_t i = 0; i < kCostClasses.size(); ++i) {
    if (kCostClasses[i].type == key.type) return i;
  }
  return 0;
}

std::string_view CostClassName(size_t cost_class) {
  return cost_class < kCostClasses.size() ? kCostClasses[cost_class].name : "unknown";
}

std::string_view CostClassVariant(size_t cost_class) {
  const std::string_view name = CostClassName(cost_class);
  return name.substr(name.find('/') + 1);
}

BatchKey CostClassKey(size_t cost_class) {
  BatchKey key;
  key.type = kCostClasses[cost_class].type;
  key.variant = kCostClasses[cost_class].variant;
  return key;
}

Task EmptyTaskOf(const BatchKey& key) {
  switch (key.type) {
    case TaskType::kHash:
      return HashTask{static_cast<HashAlgorithm>(key.variant), {}, nullptr};
    case TaskType::kMerkleBuild: {
      MerkleBuildTask t;
      t.scheme = static_cast<MerkleScheme>(key.variant);
      t.leaves_are_entries = key.leaves_are_entries;
      t.sort_leaves = key.sort_leaves;
      return t;
    }
    case TaskType::kMerkleVerify: {
      MerkleVerifyTask t;
      t.scheme = static_cast<MerkleScheme>(key.variant);
      return t;
    }
    case TaskType::kSignatureVerify: {
      SignatureVerifyTask t;
      t.scheme = static_cast<SignatureScheme>(key.variant);
      t.pre_hash = static_cast<PreHash>(key.pre_hash);
      t.encoding = static_cast<SignatureEncoding>(key.encoding);
      t.allow_high_s = key.allow_high_s;
      return t;
    }
    case TaskType::kProofGenerate:
      return ProofGenerateTask{};
    case TaskType::kProofVerify:
      return ProofVerifyTask{};
    case TaskType::kSignatureRecover:
      break;
  }
  SignatureRecoverTask t;
  t.allow_high_s = key.allow_high_s;
  return t;
}

double WorkUnits(const Task& task, size_t begin, size_t end) {
  const double items = static_cast<double>(end - begin);
  if (const auto* hash = std::get_if<HashTask>(&task)) {
    const double block = hash->algorithm == HashAlgorithm::kKeccak256 ? 136.0 : 64.0;
    return items + static_cast<double>(SpanBytes(hash->messages, begin, end)) / block;
  }
  if (const auto* build = std::get_if<MerkleBuildTask>(&task)) {
    if (!build->leaves_are_entries) return items;
    return items + static_cast<double>(SpanBytes(build->leaves, begin, end)) / 64.0;
  }
  if (const auto* proofs = std::get_if<MerkleVerifyTask>(&task)) {
    return items + static_cast<double>(ProofHashes(*proofs, begin, end));
  }
  if (const auto* verify = std::get_if<SignatureVerifyTask>(&task)) {
    if (verify->pre_hash == PreHash::kNone) return items;
    // A 64-byte block of pre-hashing costs about 1/700 of a verification (0.1 us against
    // ~70 us on one core, bench/RESULTS.md), so only long messages weigh.
    const double blocks = static_cast<double>(SpanBytes(verify->messages, begin, end)) / 64.0;
    return items + blocks / 700.0;
  }
  if (const auto* prove = std::get_if<ProofGenerateTask>(&task)) {
    return prove->circuit == nullptr ? items : items * prove->circuit->ProofWorkUnits();
  }
  if (const auto* check = std::get_if<ProofVerifyTask>(&task)) {
    // A proof costs one four-pairing product; each public signal one G1 multiplication,
    // about 1/16 of that (docs/zk.md's verifier figures).
    const double signals = check->key == nullptr ? 0.0 : static_cast<double>(check->key->n_public);
    return items * (1.0 + signals / 16.0);
  }
  return items;
}

uint64_t InputBytes(const Task& task, size_t begin, size_t end) {
  if (const auto* hash = std::get_if<HashTask>(&task)) return SpanBytes(hash->messages, begin, end);
  if (const auto* build = std::get_if<MerkleBuildTask>(&task)) return SpanBytes(build->leaves, begin, end);
  if (const auto* proofs = std::get_if<MerkleVerifyTask>(&task)) {
    return SpanBytes(proofs->leaves, begin, end) + 32 * ProofHashes(*proofs, begin, end) + 12 * (end - begin);
  }
  if (const auto* verify = std::get_if<SignatureVerifyTask>(&task)) {
    return SpanBytes(verify->messages, begin, end) + SpanBytes(verify->public_keys, begin, end) +
           SpanBytes(verify->signatures, begin, end);
  }
  if (const auto* prove = std::get_if<ProofGenerateTask>(&task)) {
    const uint64_t n_vars = prove->circuit == nullptr ? 0 : prove->circuit->n_vars;
    return 32 * n_vars * (end - begin);
  }
  if (const auto* check = std::get_if<ProofVerifyTask>(&task)) {
    const uint64_t n_public = check->key == nullptr ? 0 : check->key->n_public;
    return (256 + 32 * n_public) * (end - begin);
  }
  return 97 * static_cast<uint64_t>(end - begin);  // recovery: 32-byte hash + 65-byte signature
}

}  // namespace chainaccel
