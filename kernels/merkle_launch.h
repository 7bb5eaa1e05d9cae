// Host launch wrappers of the Merkle kernels: a whole tree (root and proofs) over leaves
// in device memory for BITCOIN, RFC6962 and OZ_KECCAK_SORTED (docs/merkle.md); the
// subtree of a run of leaves on its own (LaunchMerkleSubtree: a caller hashes each chunk
// of leaves while later ones are still being copied in); and the stable sort of
// OZ_KECCAK_SORTED's leaves.
//
// Memory: the caller owns every buffer (CUB's habit): scratch is sized by the *Bytes
// functions and handed in, and given back by the caller as soon as the tree's root and
// proofs have been copied out. BITCOIN and RFC6962 keep their levels above the leaves
// (about one node per leaf) until one proof kernel has read every proof off them;
// OZ_KECCAK_SORTED keeps two heap rows at a time, taking each row's proof hashes before
// its buffer is reused.
//
// Every pointer is a device pointer of the current device, 16-byte aligned (node buffers
// hold 32-byte nodes end to end). The wrappers only enqueue work on `stream`: inputs must
// stay alive and unchanged, and outputs unread, until the stream has passed it.
//
// Returns: OK once everything is enqueued; INVALID_ARGUMENT for an unknown scheme, a null
// or misaligned pointer, or a tree too large to index, checked before any CUDA call;
// otherwise the CUDA error of the failing launch or copy (kernels/cuda_status.h), after
// which the outputs are unspecified. CHAINACCEL_CUDA_SYNC=1 synchronizes after every
// launch (kernels/launch_check.h). Thread-safe (each call works on the caller's stream).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "core/task.h"

namespace chainaccel::kernels {

// Bytes of scratch a tree of `leaf_count` leaves needs: BITCOIN and RFC6962 keep every
// level above the leaves (level j, j >= 1, has ((n - 1) >> j) + 1 nodes: about n nodes in
// all), since proofs are read off them at the end; OZ_KECCAK_SORTED keeps two heap rows
// of at most ceil(n / 2) nodes. Each level or row starts 256-byte aligned.
size_t MerkleScratchBytes(uint64_t leaf_count);

// Where level `level` (>= 1) of a BITCOIN or RFC6962 tree of `leaf_count` leaves lives
// inside `scratch`: node i of that level is at 32 * i from the returned pointer.
uint8_t* MerkleScratchLevel(uint8_t* scratch, uint64_t leaf_count, uint32_t level);

// Levels above the leaves (the root's level): ceil(log2(leaf_count)), 0 for one leaf.
uint32_t MerkleTreeHeight(uint64_t leaf_count);

// next[i] = parent of level nodes 2i and 2i + 1, for i < (size + 1) / 2; the lone last
// node of an odd level is paired with itself (BITCOIN) or copied up (RFC6962).
// REQUIRES: scheme is BITCOIN or RFC6962 (OZ_KECCAK_SORTED's heap has no levels; it is
// INVALID_ARGUMENT); `level` holds size nodes, `next` (size + 1) / 2, not overlapping.
// size == 0 enqueues nothing.
Status LaunchMerkleLevel(MerkleScheme scheme, const uint8_t* level, uint64_t size,
                         uint8_t* next, cudaStream_t stream);

// Levels 1 .. `levels` of the subtree over leaves [first, first + count) of a BITCOIN or
// RFC6962 tree of `leaf_count` leaves (all of them at `leaves`), into the scratch
// (MerkleScratchLevel): what a caller runs on each chunk of leaves as soon as it has
// been copied in, so that little of the tree is left once the last chunk lands.
// REQUIRES: first is a multiple of 2^levels; count is too, or the run ends the leaves
// (then its lone last nodes are the level's own); levels <= MerkleTreeHeight. Otherwise
// INVALID_ARGUMENT.
Status LaunchMerkleSubtree(MerkleScheme scheme, const uint8_t* leaves, uint64_t leaf_count,
                           uint64_t first, uint64_t count, uint32_t levels, uint8_t* scratch,
                           cudaStream_t stream);

// A whole tree. Proof k is that of the leaf at `proof_positions[k]` of `leaves`; its
// hashes go bottom up to proof_hashes[32 * proof_offsets[k] ...], as many as the scheme
// gives that leaf: BITCOIN and RFC6962 MerkleProofLength (core/merkle_rules.h),
// OZ_KECCAK_SORTED OzProofLength (core/merkle_rules.h).
struct MerkleTreeLaunch {
  MerkleScheme scheme = MerkleScheme::kBitcoin;
  // n >= 1 leaves of 32 bytes (RFC6962: leaf hashes; OZ_KECCAK_SORTED: in tree order,
  // i.e. already sorted when the request sorts them).
  const uint8_t* leaves = nullptr;
  uint64_t leaf_count = 0;
  const uint64_t* proof_positions = nullptr;  // proof_count, each < leaf_count
  const uint64_t* proof_offsets = nullptr;    // proof_count, in hashes
  uint64_t proof_count = 0;
  uint8_t* proof_hashes = nullptr;  // may be null when proof_count == 0
  uint8_t* root = nullptr;          // 32 bytes
  uint8_t* scratch = nullptr;       // MerkleScratchBytes(leaf_count) bytes
  // BITCOIN, RFC6962: levels 1 .. levels_done are already in the scratch
  // (LaunchMerkleSubtree over every leaf); the launch builds the levels above them.
  // REQUIRES: levels_done <= MerkleTreeHeight(leaf_count).
  uint32_t levels_done = 0;
};
Status LaunchMerkleTree(const MerkleTreeLaunch& tree, cudaStream_t stream);

// Bytes of scratch LaunchOzSortLeaves and LaunchOzSortLeavesStable need for `leaf_count`
// leaves (CUB's radix sort temporary storage included). REQUIRES: leaf_count <= 2^32 - 1.
// Returns 0 for a count out of range.
size_t OzSortScratchBytes(uint64_t leaf_count);

// The OZ leaf order: ascending, bytewise, equal leaves in input order (a stable sort, as
// JavaScript's in OpenZeppelin's SimpleMerkleTree); sorted[s] is the leaf at position s
// and position[i] the position of input leaf i. Two wrappers, because the fast one is
// right only where no two leaves share their first 8 bytes, and which case holds is known
// on the device only:
//
// LaunchOzSortLeaves: one radix sort of (first 8 bytes as a big-endian word, leaf index)
// pairs, then *ties = 1 if two leaves share those bytes, else 0 (ties: pinned host or
// device memory, written on `stream`). With *ties == 0, sorted and position are the
// order; with 1 they are not, and LaunchOzSortLeavesStable must follow. (Random leaves
// tie with probability ~n^2 / 2^65: 2^-17 for 2^24 leaves.) Enqueues only: the caller
// waits for the stream as it can (the GPU engine: within its hang timeout).
Status LaunchOzSortLeaves(const uint8_t* leaves, uint64_t leaf_count, uint8_t* sorted,
                          uint64_t* position, void* scratch, size_t scratch_bytes,
                          uint32_t* ties, cudaStream_t stream);

// LaunchOzSortLeavesStable: the order for any leaves, by four stable radix sorts of
// (64-bit key word, leaf index) pairs, least significant word first (about 4x the work).
Status LaunchOzSortLeavesStable(const uint8_t* leaves, uint64_t leaf_count, uint8_t* sorted,
                                uint64_t* position, void* scratch, size_t scratch_bytes,
                                cudaStream_t stream);

// out[j] = values[indices[j]] for j < count (the sorted positions of the proved leaves).
Status LaunchGatherU64(const uint64_t* values, const uint64_t* indices, uint64_t count,
                       uint64_t* out, cudaStream_t stream);

}  // namespace chainaccel::kernels
