// BatchKey: which submitted tasks may share one device batch, and the cost classes the
// scheduler's cost model keeps apart.
//
// Two tasks coalesce when their keys are equal: the same task type and every option
// that changes results or cost (hash algorithm; signature scheme, pre-hash, encoding and
// high-S rule; recovery's high-S rule; for Merkle proofs the scheme, the root and the
// tree size, since one batch checks against one root). Merkle builds and proof tasks
// never coalesce (each request is one tree, one circuit's or one key's batch).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/task.h"

namespace chainaccel {

struct BatchKey {
  TaskType type = TaskType::kHash;
  uint8_t variant = 0;  // HashAlgorithm, MerkleScheme or SignatureScheme value; 0 for recovery
  uint8_t pre_hash = 0;
  uint8_t encoding = 0;
  bool allow_high_s = false;
  bool leaves_are_entries = false;  // Merkle build
  bool sort_leaves = false;         // Merkle build
  Hash32 root{};                    // Merkle verify
  uint64_t leaf_count = 0;          // Merkle verify

  auto operator<=>(const BatchKey&) const = default;
};

BatchKey BatchKeyOf(const Task& task);

// Whether tasks of this type may be split into item ranges and joined with others
// (every type but the Merkle build and the proof tasks).
bool Splittable(TaskType type);

// Cost classes: a task type and its variant (the hash algorithm, the signature or Merkle
// scheme), numbered 0 .. kCostClassCount - 1.
inline constexpr size_t kCostClassCount = 15;
size_t CostClassOf(const BatchKey& key);
// "hash/sha256", "signature_verify/ed25519", "signature_recover/ecdsa_secp256k1", ...
std::string_view CostClassName(size_t cost_class);
// The part after the task type: "sha256", "ed25519", "ecdsa_secp256k1", ...
std::string_view CostClassVariant(size_t cost_class);
// The task type and variant of a cost class (a key with every other option at default).
BatchKey CostClassKey(size_t cost_class);

// A task of the key's type and options with no items (for Engine::Accepts).
Task EmptyTaskOf(const BatchKey& key);

// The work in items [begin, end) of `task`, in the units of the cost model: items, plus
// for hashes (and pre-hashed signatures) the 64-byte blocks of their messages (136-byte
// for Keccak), for Merkle proofs the proof hashes, for Groth16 proofs the points of
// their multi-scalar multiplications (Groth16Circuit::ProofWorkUnits), so that long
// messages, deep proofs and large circuits weigh what they cost.
double WorkUnits(const Task& task, size_t begin, size_t end);

// Proof hashes of proofs [begin, end) of `task` (the sum of their proof_lengths).
uint64_t ProofHashes(const MerkleVerifyTask& task, size_t begin, size_t end);

// Bytes of input in items [begin, end) of `task` (what a queued item holds in memory).
uint64_t InputBytes(const Task& task, size_t begin, size_t end);

}  // namespace chainaccel
