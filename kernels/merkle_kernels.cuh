// The __global__ Merkle kernels: one level (BITCOIN, RFC6962) or heap row
// (OZ_KECCAK_SORTED) of parents per launch, the proof hashes each level contributes, and
// the gathers of the OZ leaf sort.
//
// Launched only through kernels/merkle_launch.h, which owns the tree walk, checks the
// arguments and chooses the geometry. Every node pointer is 16-byte aligned (device
// allocations are 256-aligned and nodes are 32 bytes), so nodes move as two 16-byte loads
// or stores.
#pragma once

#include <cstdint>

#include "core/task.h"
#include "kernels/hash_kernels.cuh"
#include "kernels/merkle_nodes.cuh"

namespace chainaccel::kernels {

// The same geometry as the hashing kernels (hash_kernels.cuh): the parent hashes are the
// same rounds and bound by the same integer pipe.
inline constexpr int kMerkleThreadsPerBlock = kHashThreadsPerBlock;

template <MerkleScheme kScheme>
__device__ __forceinline__ void ParentOnDevice(const uint32_t left[8], const uint32_t right[8],
                                               uint32_t parent[8]) {
  if constexpr (kScheme == MerkleScheme::kBitcoin) {
    BitcoinParent(left, right, parent);
  } else if constexpr (kScheme == MerkleScheme::kRfc6962) {
    Rfc6962Parent(left, right, parent);
  } else {
    OzParent(left, right, parent);
  }
}

// Level `level` of `size` nodes to the next level of (size + 1) / 2: parent i of nodes
// 2i and 2i + 1. A lone last node is paired with itself (BITCOIN) or moves up unchanged
// (RFC6962).
template <MerkleScheme kScheme>
__global__ void __launch_bounds__(kMerkleThreadsPerBlock, kHashMinBlocksPerSm)
    MerkleLevelKernel(const uint8_t* __restrict__ level, uint64_t size,
                      uint8_t* __restrict__ next) {
  static_assert(kScheme == MerkleScheme::kBitcoin || kScheme == MerkleScheme::kRfc6962);
  const uint64_t i = uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (i >= (size + 1) / 2) return;
  uint32_t left[8], right[8], parent[8];
  LoadNode(level + 64 * i, left);
  if (2 * i + 1 < size) {
    LoadNode(level + 64 * i + 32, right);
  } else if constexpr (kScheme == MerkleScheme::kRfc6962) {
    StoreNode(left, next + 32 * i);
    return;
  } else {
#pragma unroll
    for (int k = 0; k < 8; ++k) right[k] = left[k];
  }
  ParentOnDevice<kScheme>(left, right, parent);
  StoreNode(parent, next + 32 * i);
}

// The levels of a BITCOIN or RFC6962 tree below the root, for the proof kernel: level k
// (0 = the leaves) is nodes[k], of size[k] nodes. Passed by value (a kernel parameter).
struct MerkleLevels {
  static constexpr int kMaxLevels = 64;
  const uint8_t* nodes[kMaxLevels];
  uint64_t size[kMaxLevels];
  uint32_t count;  // levels below the root
};

// Every proof hash of every requested leaf, one thread per proof. The leaf's ancestor at
// level k is node p = position >> k (both schemes keep a node's position halving from
// level to level); its sibling is p ^ 1. BITCOIN: the sibling, or p itself where p is the
// lone duplicated last node: one entry per level. RFC6962: the sibling where it exists,
// else no entry at that level (the lone node moved up unchanged).
template <MerkleScheme kScheme>
__global__ void MerkleProofsKernel(MerkleLevels levels, const uint64_t* __restrict__ positions,
                                   const uint64_t* __restrict__ offsets, uint64_t proof_count,
                                   uint8_t* __restrict__ proofs) {
  const uint64_t j = uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (j >= proof_count) return;
  const uint64_t position = positions[j];
  uint8_t* out = proofs + 32 * offsets[j];
  for (uint32_t k = 0; k < levels.count; ++k) {
    const uint64_t p = position >> k;
    uint64_t sibling = p ^ 1;
    if (sibling >= levels.size[k]) {
      if constexpr (kScheme == MerkleScheme::kRfc6962) continue;
      sibling = p;
    }
    uint32_t node[8];
    LoadNode(levels.nodes[k] + 32 * sibling, node);
    StoreNode(node, out);
    out += 32;
  }
}

// OZ_KECCAK_SORTED works on OpenZeppelin's heap array of 2n - 1 nodes: node t has
// children 2t + 1 and 2t + 2; leaf s (of the leaves in tree order) is node 2n - 2 - s;
// nodes 0 .. n - 2 are inner. Heap row d holds nodes 2^d - 1 .. 2^(d+1) - 2. The kernels
// keep the inner nodes of one row in a buffer whose entry 0 is the row's first node.

// Node t of the heap: a leaf, or entry t - row_first of `row` (the inner nodes of t's row).
__device__ __forceinline__ const uint8_t* OzNodeAt(const uint8_t* leaves, uint64_t leaf_count,
                                                   const uint8_t* row, uint64_t row_first,
                                                   uint64_t t) {
  return t + 1 >= leaf_count ? leaves + 32 * (2 * leaf_count - 2 - t)
                             : row + 32 * (t - row_first);
}

// Inner nodes row_first .. row_first + count - 1 (all in one row) from their children,
// whose inner ones are in `below` (the row under, starting at node 2 * row_first + 1).
__global__ void __launch_bounds__(kMerkleThreadsPerBlock, kHashMinBlocksPerSm)
    OzRowKernel(const uint8_t* __restrict__ leaves, uint64_t leaf_count, uint64_t row_first,
                uint64_t count, const uint8_t* __restrict__ below, uint8_t* __restrict__ row) {
  const uint64_t i = uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (i >= count) return;
  const uint64_t t = row_first + i;
  const uint64_t below_first = 2 * row_first + 1;
  uint32_t a[8], b[8], parent[8];
  LoadNode(OzNodeAt(leaves, leaf_count, below, below_first, 2 * t + 1), a);
  LoadNode(OzNodeAt(leaves, leaf_count, below, below_first, 2 * t + 2), b);
  OzParent(a, b, parent);
  StoreNode(parent, row + 32 * i);
}

// Heap depth of node t: floor(log2(t + 1)).
__device__ __forceinline__ uint32_t OzDepth(uint64_t t) { return 63 - __clzll(t + 1); }

// Proof hashes from heap row `depth` (>= 1) for every requested leaf. The leaf at tree
// order s is node t = 2n - 2 - s of depth D; its proof (OpenZeppelin's getProof) lists,
// bottom up, the sibling of each ancestor below the root, so row `depth` gives entry
// D - depth, the sibling of ancestor a = ((t + 1) >> (D - depth)) - 1: a - 1 when a is
// even, a + 1 when odd.
__global__ void OzRowProofKernel(const uint8_t* __restrict__ leaves, uint64_t leaf_count,
                                 uint32_t depth, const uint8_t* __restrict__ row,
                                 const uint64_t* __restrict__ positions,
                                 const uint64_t* __restrict__ offsets, uint64_t proof_count,
                                 uint8_t* __restrict__ proofs) {
  const uint64_t j = uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (j >= proof_count) return;
  const uint64_t t = 2 * leaf_count - 2 - positions[j];
  const uint32_t leaf_depth = OzDepth(t);
  if (depth > leaf_depth) return;
  const uint64_t a = ((t + 1) >> (leaf_depth - depth)) - 1;
  const uint64_t sibling = (a % 2 == 0) ? a - 1 : a + 1;
  const uint64_t row_first = (uint64_t{1} << depth) - 1;
  uint32_t node[8];
  LoadNode(OzNodeAt(leaves, leaf_count, row, row_first, sibling), node);
  StoreNode(node, proofs + 32 * (offsets[j] + (leaf_depth - depth)));
}

// ---- The OZ leaf sort: by the first 64-bit word, or (where that leaves ties) an LSD radix
// sort by all four words, least significant first ----

// order[s] = s.
__global__ void IotaKernel(uint32_t* __restrict__ order, uint64_t count) {
  const uint64_t s = uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (s < count) order[s] = static_cast<uint32_t>(s);
}

// keys[s] = big-endian 64-bit word `word` (0..3) of leaf order[s].
__global__ void LeafWordKernel(const uint8_t* __restrict__ leaves,
                               const uint32_t* __restrict__ order, uint64_t count,
                               uint32_t word, uint64_t* __restrict__ keys) {
  const uint64_t s = uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (s >= count) return;
  const uint2 v = __ldg(reinterpret_cast<const uint2*>(leaves + 32 * uint64_t{order[s]}) + word);
  keys[s] = static_cast<uint64_t>(ByteSwap32(v.x)) << 32 | ByteSwap32(v.y);
}

// *tied = 1 if two neighbours of the sorted keys are equal (left alone otherwise).
__global__ void AnyTieKernel(const uint64_t* __restrict__ keys, uint64_t count,
                             uint32_t* __restrict__ tied) {
  const uint64_t s = uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (s + 1 < count && keys[s] == keys[s + 1]) *tied = 1;
}

// sorted[s] = leaves[order[s]]; position[order[s]] = s.
__global__ void ApplyOrderKernel(const uint8_t* __restrict__ leaves,
                                 const uint32_t* __restrict__ order, uint64_t count,
                                 uint8_t* __restrict__ sorted, uint64_t* __restrict__ position) {
  const uint64_t s = uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (s >= count) return;
  const uint64_t from = order[s];
  uint32_t node[8];
  LoadNode(leaves + 32 * from, node);
  StoreNode(node, sorted + 32 * s);
  position[from] = s;
}

// out[j] = values[indices[j]].
__global__ void GatherU64Kernel(const uint64_t* __restrict__ values,
                                const uint64_t* __restrict__ indices, uint64_t count,
                                uint64_t* __restrict__ out) {
  const uint64_t j = uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (j < count) out[j] = values[indices[j]];
}

}  // namespace chainaccel::kernels
