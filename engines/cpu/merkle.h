// Merkle trees of the CPU engine: BITCOIN, RFC6962 and OZ_KECCAK_SORTED.
//
// The constructions, proof formats and edge cases are specified in docs/merkle.md and
// the comments of proto/chainaccel/v1/merkle.proto; this file implements exactly those.
// Thread-safe: the functions share no state.
#pragma once

#include <cstdint>

#include "core/merkle_rules.h"  // CheckMerkleBuildTask, MerkleProofLength: callers use them
#include "core/thread_pool.h"
#include "core/packed_items.h"
#include "core/status.h"
#include "core/task.h"

namespace chainaccel {

// Builds the tree over task.leaves and fills task.root, task.proof_hashes and
// task.proof_lengths (one proof per task.proof_indices entry, in that order).
//
// Levels with enough nodes are hashed in parallel on `pool`, which may be null (then
// everything runs on the calling thread). May be called from inside a pool task. Memory
// beyond the caller's leaves: about 24 bytes per leaf (BITCOIN, RFC6962), up to 48
// (OZ_KECCAK_SORTED), plus 32 per RFC6962 raw entry, plus up to 32 per leaf while
// sorting OZ leaves, plus the proofs.
//
// Returns OK, or INVALID_ARGUMENT when the task breaks the REQUIRES of core/task.h
// (CheckMerkleBuildTask of core/merkle_rules.h; the server checks them, so this means a
// caller bug): no leaves for BITCOIN or
// OZ_KECCAK_SORTED, a leaf that is not 32 bytes (other than RFC6962 raw entries), raw
// entries for another scheme, sort_leaves outside OZ_KECCAK_SORTED, a proof index not
// below the leaf count, an unknown scheme.
Status BuildMerkleTree(MerkleBuildTask& task, ThreadPool* pool);

// Checks the inclusion proof `proof` (32-byte hashes end to end, bottom up) of `leaf`
// (32 bytes: for RFC6962 the leaf hash) at position `index` of a tree of `leaf_count`
// leaves against `root`. OZ_KECCAK_SORTED ignores index and leaf_count and accepts
// proofs of any length.
//
// Returns ITEM_OK when the proof reaches the root; ITEM_INDEX_OUT_OF_RANGE when
// index >= leaf_count (BITCOIN, RFC6962); ITEM_MALFORMED_PROOF when the proof is not a
// whole number of hashes, or (BITCOIN, RFC6962) does not have MerkleProofLength hashes;
// ITEM_INVALID otherwise (including a leaf that is not 32 bytes and an unknown scheme).
ItemStatus VerifyMerkleProof(MerkleScheme scheme, const Hash32& root, uint64_t leaf_count,
                             ByteView leaf, uint64_t index, ByteView proof);

}  // namespace chainaccel
