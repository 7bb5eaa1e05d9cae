// Naive Merkle trees for the engine tests, written straight from each specification and
// sharing no code with engines/cpu/merkle.cc:
// - BITCOIN: every level materialized, the odd last node duplicated (Bitcoin Core's
//   ComputeMerkleRoot), proofs read off the levels;
// - RFC6962: the recursive MTH and PATH of RFC 6962 §2.1 and §2.1.1;
// - OZ_KECCAK_SORTED: a line-by-line port of @openzeppelin/merkle-tree's makeMerkleTree,
//   getProof and SimpleMerkleTree.of (stable sort by value).
#pragma once

#include <vector>

#include "core/task.h"

namespace chainaccel::testing {

struct ReferenceTree {
  Hash32 root{};
  // proofs[i]: the proof of leaf i (input order), bottom up.
  std::vector<std::vector<Hash32>> proofs;
};

// `leaves` are the 32-byte leaves (RFC6962: leaf hashes). REQUIRES: leaves non-empty,
// except for RFC6962. `sort_leaves` only for OZ_KECCAK_SORTED.
ReferenceTree BuildReferenceTree(MerkleScheme scheme, const std::vector<Hash32>& leaves,
                                 bool sort_leaves = false);

// RFC 6962 leaf hash SHA256(0x00 || entry).
Hash32 ReferenceRfc6962LeafHash(ByteView entry);

}  // namespace chainaccel::testing
