// The rules of the Merkle schemes that every engine shares (BITCOIN, RFC6962,
// OZ_KECCAK_SORTED; docs/merkle.md): which build tasks are well formed, how long each
// leaf's proof is, what a level does with an odd node, and the empty tree. No hashing
// here: the engines hash (engines/cpu/merkle.h on the libraries, the GPU's kernels).
// Thread-safe: the functions share no state.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "core/task.h"

namespace chainaccel {

// What a level with an odd number of nodes does with its last node.
enum class MerkleOddNode : uint8_t {
  kDuplicate,  // BITCOIN: hashed with itself; its proof step is the node itself
  kPromote,    // RFC 6962: moved up unchanged; its proof has no step for the level
};

// Whether `scheme` is one of the three schemes.
bool IsKnownMerkleScheme(MerkleScheme scheme);

// The odd-node rule of a known scheme (OZ_KECCAK_SORTED levels always have an even
// number of nodes, so its rule, kPromote, is moot).
MerkleOddNode MerkleOddNodeOf(MerkleScheme scheme);

// Nodes of the level above a level of `size` nodes: ceil(size / 2).
inline uint64_t MerkleNextLevelSize(uint64_t size) { return size / 2 + size % 2; }

// Proof steps of the node at `pos` of a level of `size` nodes, up to the root.
uint64_t MerkleStepsToRoot(MerkleOddNode odd, uint64_t size, uint64_t pos);

// The checks every engine makes before building a tree: OK, or INVALID_ARGUMENT naming
// the first broken REQUIRES of core/task.h's MerkleBuildTask: an unknown scheme, raw
// entries for another scheme than RFC6962, sort_leaves outside OZ_KECCAK_SORTED, no
// leaves for BITCOIN or OZ_KECCAK_SORTED, more than 2^32 - 1 OZ leaves, a leaf that is not
// 32 bytes (other than RFC6962 raw entries), a proof index not below the leaf count.
Status CheckMerkleBuildTask(const MerkleBuildTask& task);

// The tree of no leaves (RFC 6962 §2.1: MTH({}) = SHA-256 of the empty string): sets
// task.root to that constant and clears the proofs. REQUIRES: task.leaves is empty and
// CheckMerkleBuildTask(task) is OK (so the scheme is RFC6962 and there are no proofs).
void BuildEmptyMerkleTree(MerkleBuildTask& task);

// Number of 32-byte hashes in the BITCOIN or RFC6962 proof of leaf `index` of a tree of
// `leaf_count` leaves: BITCOIN has one per level (ceil(log2(leaf_count))), RFC6962 one
// per level where the node has a sibling (RFC 6962 §2.1.1 PATH). 0 for OZ_KECCAK_SORTED,
// whose proof length depends on where the leaf lands after sorting (OzProofLength).
// REQUIRES: index < leaf_count.
uint64_t MerkleProofLength(MerkleScheme scheme, uint64_t leaf_count, uint64_t index);

// The proof length of the leaf at tree-order position `position` of an OZ_KECCAK_SORTED
// tree of `leaf_count` leaves: the heap depth of its node 2n - 2 - position,
// floor(log2(2n - 1 - position)). REQUIRES: position < leaf_count.
uint32_t OzProofLength(uint64_t leaf_count, uint64_t position);

}  // namespace chainaccel
