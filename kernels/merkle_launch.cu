#include "kernels/merkle_launch.h"

#include <cub/device/device_radix_sort.cuh>

#include <algorithm>
#include <bit>
#include <climits>
#include <string>

#include "kernels/cuda_status.h"
#include "kernels/launch_check.h"
#include "kernels/merkle_kernels.cuh"

namespace chainaccel::kernels {
namespace {

constexpr size_t kNodeBytes = 32;
// Proof gathers and sort helpers move a node or a word per thread; they are bound by
// memory latency, not by the ALU, and any block size of a few warps does.
constexpr int kCopyThreadsPerBlock = 256;

size_t AlignUp256(size_t bytes) { return (bytes + 255) / 256 * 256; }

// Two OZ heap rows of at most ceil(n / 2) nodes each.
size_t RowBufferBytes(uint64_t leaf_count) {
  return AlignUp256(kNodeBytes * ((leaf_count + 1) / 2));
}

// Nodes of level j of a BITCOIN or RFC6962 tree of n >= 1 leaves.
uint64_t LevelSize(uint64_t leaf_count, uint32_t level) {
  return ((leaf_count - 1) >> level) + 1;
}

// Offset of level j >= 1 in the scratch: the levels 1 .. j - 1 before it, each aligned.
size_t LevelOffset(uint64_t leaf_count, uint32_t level) {
  size_t offset = 0;
  for (uint32_t j = 1; j < level; ++j) offset += AlignUp256(kNodeBytes * LevelSize(leaf_count, j));
  return offset;
}

bool Aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15) == 0; }

const char* SchemeName(MerkleScheme scheme) {
  switch (scheme) {
    case MerkleScheme::kBitcoin: return "BITCOIN";
    case MerkleScheme::kRfc6962: return "RFC6962";
    case MerkleScheme::kOzKeccakSorted: return "OZ_KECCAK_SORTED";
  }
  return nullptr;
}

// Launches `kernel` over `count` threads and checks it; `what` names it in errors.
template <typename Kernel, typename... Args>
Status Launch(const std::string& what, Kernel kernel, int threads, uint64_t count,
              cudaStream_t stream, Args... args) {
  if (count == 0) return Status::Ok();
  const unsigned blocks = GridBlocks(count, threads);
  if (blocks == 0) {
    return Status::InvalidArgument(what + ": " + std::to_string(count) +
                                   " threads are more than one launch can index");
  }
  ClearLastCudaError();
  kernel<<<blocks, threads, 0, stream>>>(args...);
  return CheckLaunch(what, stream);
}

// BITCOIN and RFC6962: the levels above levels_done, each into its place in the scratch,
// then every proof in one launch.
Status LevelTree(const MerkleTreeLaunch& tree, cudaStream_t stream) {
  const uint64_t n = tree.leaf_count;
  const uint32_t height = MerkleTreeHeight(n);
  const auto level_nodes = [&](uint32_t j) -> uint8_t* {
    return j == 0 ? const_cast<uint8_t*>(tree.leaves) : MerkleScratchLevel(tree.scratch, n, j);
  };
  for (uint32_t j = tree.levels_done; j < height; ++j) {
    Status s = LaunchMerkleLevel(tree.scheme, level_nodes(j), LevelSize(n, j),
                                 level_nodes(j + 1), stream);
    if (!s.ok()) return s;
  }
  if (tree.proof_count != 0) {
    MerkleLevels levels{};
    levels.count = height;
    for (uint32_t j = 0; j < height; ++j) {
      levels.nodes[j] = level_nodes(j);
      levels.size[j] = LevelSize(n, j);
    }
    const std::string what = std::string("LaunchMerkleTree(") + SchemeName(tree.scheme) +
                             ") proofs";
    Status s = tree.scheme == MerkleScheme::kBitcoin
                   ? Launch(what, MerkleProofsKernel<MerkleScheme::kBitcoin>,
                            kCopyThreadsPerBlock, tree.proof_count, stream, levels,
                            tree.proof_positions, tree.proof_offsets, tree.proof_count,
                            tree.proof_hashes)
                   : Launch(what, MerkleProofsKernel<MerkleScheme::kRfc6962>,
                            kCopyThreadsPerBlock, tree.proof_count, stream, levels,
                            tree.proof_positions, tree.proof_offsets, tree.proof_count,
                            tree.proof_hashes);
    if (!s.ok()) return s;
  }
  return CudaStatus(cudaMemcpyAsync(tree.root, level_nodes(height), kNodeBytes,
                                    cudaMemcpyDeviceToDevice, stream),
                    "LaunchMerkleTree: root copy");
}

// OZ_KECCAK_SORTED: the inner heap rows bottom up, two row buffers in turn (row d in
// buffer d % 2); after row d is built, row d + 1 gives its proof hashes.
Status HeapTree(const MerkleTreeLaunch& tree, cudaStream_t stream) {
  const uint64_t n = tree.leaf_count;
  if (n == 1) {
    return CudaStatus(cudaMemcpyAsync(tree.root, tree.leaves, kNodeBytes,
                                      cudaMemcpyDeviceToDevice, stream),
                      "LaunchMerkleTree: root copy");
  }
  uint8_t* buffers[2] = {tree.scratch, tree.scratch + RowBufferBytes(n)};
  const uint32_t deepest_inner_row = 63 - static_cast<uint32_t>(__builtin_clzll(n - 1));
  for (int64_t d = deepest_inner_row; d >= 0; --d) {
    const uint64_t row_first = (uint64_t{1} << d) - 1;
    const uint64_t count = std::min(uint64_t{1} << d, n - 1 - row_first);
    uint8_t* row = buffers[d % 2];
    const uint8_t* below = buffers[(d + 1) % 2];
    Status s = Launch("LaunchMerkleTree(OZ_KECCAK_SORTED) row", OzRowKernel,
                      kMerkleThreadsPerBlock, count, stream, tree.leaves, n, row_first, count,
                      below, row);
    if (!s.ok()) return s;
    s = Launch("LaunchMerkleTree(OZ_KECCAK_SORTED) proofs", OzRowProofKernel,
               kCopyThreadsPerBlock, tree.proof_count, stream, tree.leaves, n,
               static_cast<uint32_t>(d + 1), below, tree.proof_positions, tree.proof_offsets,
               tree.proof_count, tree.proof_hashes);
    if (!s.ok()) return s;
  }
  return CudaStatus(cudaMemcpyAsync(tree.root, buffers[0], kNodeBytes, cudaMemcpyDeviceToDevice,
                                    stream),
                    "LaunchMerkleTree: root copy");
}

// The 2 key word arrays and 2 order arrays of the sort, the tie flag, then CUB's storage,
// each 256-aligned.
struct OzSortLayout {
  size_t keys_in = 0, keys_out = 0, order_in = 0, order_out = 0, tied = 0, cub = 0;
  size_t cub_bytes = 0, total = 0;
};

bool OzSortLayoutFor(uint64_t leaf_count, OzSortLayout* layout) {
  if (leaf_count == 0 || leaf_count > static_cast<uint64_t>(INT_MAX)) return false;
  size_t cub_bytes = 0;
  cub::DoubleBuffer<uint64_t> keys(nullptr, nullptr);
  cub::DoubleBuffer<uint32_t> values(nullptr, nullptr);
  const cudaError_t error = cub::DeviceRadixSort::SortPairs(nullptr, cub_bytes, keys, values,
                                                            static_cast<int>(leaf_count));
  if (error != cudaSuccess) return false;
  const size_t words = AlignUp256(8 * leaf_count);
  const size_t orders = AlignUp256(4 * leaf_count);
  layout->keys_in = 0;
  layout->keys_out = words;
  layout->order_in = 2 * words;
  layout->order_out = 2 * words + orders;
  layout->tied = 2 * words + 2 * orders;
  layout->cub = layout->tied + 256;
  layout->cub_bytes = cub_bytes;
  layout->total = layout->cub + AlignUp256(cub_bytes);
  return true;
}

// The sort's arrays in the scratch, each pair a CUB double buffer. After SortByWords,
// order is the sorted order (order_other the other buffer) and keys the keys of its last
// pass in that order.
struct OzSortBuffers {
  uint64_t* keys = nullptr;
  uint64_t* keys_other = nullptr;
  uint32_t* order = nullptr;
  uint32_t* order_other = nullptr;
  uint8_t* cub = nullptr;
  size_t cub_bytes = 0;
};

// Stable radix sorts of the leaves by their big-endian 64-bit words first_word down to
// last_word (the least significant first), starting from the input order.
Status SortByWords(const uint8_t* leaves, uint64_t leaf_count, int first_word, int last_word,
                   OzSortBuffers& b, cudaStream_t stream) {
  Status s = Launch("LaunchOzSortLeaves iota", IotaKernel, kCopyThreadsPerBlock, leaf_count,
                    stream, b.order, leaf_count);
  if (!s.ok()) return s;
  // Each pass is stable, so after the last (most significant) one the order is bytewise,
  // ties in input order.
  for (int word = first_word; word >= last_word; --word) {
    if (Status keys = Launch("LaunchOzSortLeaves keys", LeafWordKernel, kCopyThreadsPerBlock,
                             leaf_count, stream, leaves, b.order, leaf_count,
                             static_cast<uint32_t>(word), b.keys);
        !keys.ok()) {
      return keys;
    }
    // Double buffers: CUB sorts back and forth between the two arrays of each pair
    // without a copy, and says which one holds the result.
    cub::DoubleBuffer<uint64_t> keys(b.keys, b.keys_other);
    cub::DoubleBuffer<uint32_t> order(b.order, b.order_other);
    size_t cub_bytes = b.cub_bytes;
    ClearLastCudaError();
    const cudaError_t error = cub::DeviceRadixSort::SortPairs(
        b.cub, cub_bytes, keys, order, static_cast<int>(leaf_count), 0, 64, stream);
    if (error != cudaSuccess) return CudaStatus(error, "LaunchOzSortLeaves: radix sort");
    if (Status sorted = CheckLaunch("LaunchOzSortLeaves: radix sort", stream); !sorted.ok()) {
      return sorted;
    }
    b.keys = keys.Current();
    b.keys_other = keys.Alternate();
    b.order = order.Current();
    b.order_other = order.Alternate();
  }
  return Status::Ok();
}

}  // namespace

size_t MerkleScratchBytes(uint64_t leaf_count) {
  if (leaf_count == 0) return 0;
  return std::max(LevelOffset(leaf_count, MerkleTreeHeight(leaf_count) + 1),
                  2 * RowBufferBytes(leaf_count));
}

uint8_t* MerkleScratchLevel(uint8_t* scratch, uint64_t leaf_count, uint32_t level) {
  return scratch + LevelOffset(leaf_count, level);
}

uint32_t MerkleTreeHeight(uint64_t leaf_count) {
  return leaf_count <= 1 ? 0 : static_cast<uint32_t>(64 - __builtin_clzll(leaf_count - 1));
}

Status LaunchMerkleLevel(MerkleScheme scheme, const uint8_t* level, uint64_t size,
                         uint8_t* next, cudaStream_t stream) {
  if (scheme != MerkleScheme::kBitcoin && scheme != MerkleScheme::kRfc6962) {
    return Status::InvalidArgument("LaunchMerkleLevel: scheme " +
                                   std::to_string(static_cast<int>(scheme)) +
                                   " has no levels (BITCOIN and RFC6962 only)");
  }
  if (size == 0) return Status::Ok();
  if (level == nullptr || next == nullptr || !Aligned16(level) || !Aligned16(next)) {
    return Status::InvalidArgument("LaunchMerkleLevel: null or misaligned node buffer");
  }
  const std::string what = std::string("LaunchMerkleLevel(") + SchemeName(scheme) + ")";
  const uint64_t parents = (size + 1) / 2;
  if (scheme == MerkleScheme::kBitcoin) {
    return Launch(what, MerkleLevelKernel<MerkleScheme::kBitcoin>, kMerkleThreadsPerBlock,
                  parents, stream, level, size, next);
  }
  return Launch(what, MerkleLevelKernel<MerkleScheme::kRfc6962>, kMerkleThreadsPerBlock,
                parents, stream, level, size, next);
}

Status LaunchMerkleSubtree(MerkleScheme scheme, const uint8_t* leaves, uint64_t leaf_count,
                           uint64_t first, uint64_t count, uint32_t levels, uint8_t* scratch,
                           cudaStream_t stream) {
  if (count == 0 || levels == 0) return Status::Ok();
  const uint64_t align = levels < 64 ? uint64_t{1} << levels : 0;
  const bool ends = first + count == leaf_count;
  if (first >= leaf_count || count > leaf_count - first || levels > MerkleTreeHeight(leaf_count) ||
      first % align != 0 || (!ends && count % align != 0)) {
    return Status::InvalidArgument("LaunchMerkleSubtree: leaves [" + std::to_string(first) +
                                   ", +" + std::to_string(count) + ") of " +
                                   std::to_string(leaf_count) + " do not hold whole " +
                                   std::to_string(levels) + "-level subtrees");
  }
  if (scratch == nullptr || !Aligned16(scratch)) {
    return Status::InvalidArgument("LaunchMerkleSubtree: null or misaligned scratch");
  }
  for (uint32_t j = 0; j < levels; ++j) {
    // The run's nodes at level j: from first >> j to the end of the run (or the level).
    const uint64_t begin = first >> j;
    const uint64_t size = ends ? LevelSize(leaf_count, j) - begin : count >> j;
    const uint8_t* in = j == 0 ? leaves : MerkleScratchLevel(scratch, leaf_count, j);
    uint8_t* out = MerkleScratchLevel(scratch, leaf_count, j + 1);
    Status s = LaunchMerkleLevel(scheme, in + kNodeBytes * begin, size,
                                 out + kNodeBytes * (begin / 2), stream);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status LaunchMerkleTree(const MerkleTreeLaunch& tree, cudaStream_t stream) {
  if (SchemeName(tree.scheme) == nullptr) {
    return Status::InvalidArgument("LaunchMerkleTree: unknown scheme " +
                                   std::to_string(static_cast<int>(tree.scheme)));
  }
  if (tree.leaf_count == 0) {
    return Status::InvalidArgument("LaunchMerkleTree: a tree needs at least one leaf");
  }
  if (tree.leaf_count > (uint64_t{1} << 40)) {
    return Status::InvalidArgument("LaunchMerkleTree: too many leaves");
  }
  if (tree.leaves == nullptr || tree.root == nullptr || tree.scratch == nullptr ||
      !Aligned16(tree.leaves) || !Aligned16(tree.scratch)) {
    return Status::InvalidArgument("LaunchMerkleTree: null or misaligned leaves, root or scratch");
  }
  if (tree.proof_count != 0 &&
      (tree.proof_positions == nullptr || tree.proof_offsets == nullptr ||
       tree.proof_hashes == nullptr || !Aligned16(tree.proof_hashes))) {
    return Status::InvalidArgument("LaunchMerkleTree: null or misaligned proof buffers");
  }
  if (tree.levels_done != 0 && (tree.scheme == MerkleScheme::kOzKeccakSorted ||
                                 tree.levels_done > MerkleTreeHeight(tree.leaf_count))) {
    return Status::InvalidArgument(
        "LaunchMerkleTree: levels_done is for BITCOIN and RFC6962, at most the tree's height");
  }
  if (tree.scheme == MerkleScheme::kOzKeccakSorted) return HeapTree(tree, stream);
  return LevelTree(tree, stream);
}

size_t OzSortScratchBytes(uint64_t leaf_count) {
  OzSortLayout layout;
  return OzSortLayoutFor(leaf_count, &layout) ? layout.total : 0;
}

namespace {

// Checks a sort's arguments and lays out its scratch into *b (and *tied, the flag).
Status OzSortBuffersFor(const char* wrapper, const uint8_t* leaves, uint64_t leaf_count,
                        uint8_t* sorted, uint64_t* position, void* scratch,
                        size_t scratch_bytes, OzSortBuffers* b, uint32_t** tied) {
  OzSortLayout layout;
  if (!OzSortLayoutFor(leaf_count, &layout)) {
    return Status::InvalidArgument(std::string(wrapper) + ": " + std::to_string(leaf_count) +
                                   " leaves (1 .. 2^31 - 1 can be sorted)");
  }
  if (leaves == nullptr || sorted == nullptr || position == nullptr || scratch == nullptr ||
      !Aligned16(leaves) || !Aligned16(sorted)) {
    return Status::InvalidArgument(std::string(wrapper) + ": null or misaligned buffer");
  }
  if (scratch_bytes < layout.total) {
    return Status::InvalidArgument(std::string(wrapper) +
                                   ": scratch smaller than OzSortScratchBytes");
  }
  auto* base = static_cast<uint8_t*>(scratch);
  b->keys = reinterpret_cast<uint64_t*>(base + layout.keys_in);
  b->keys_other = reinterpret_cast<uint64_t*>(base + layout.keys_out);
  b->order = reinterpret_cast<uint32_t*>(base + layout.order_in);
  b->order_other = reinterpret_cast<uint32_t*>(base + layout.order_out);
  b->cub = base + layout.cub;
  b->cub_bytes = layout.cub_bytes;
  *tied = reinterpret_cast<uint32_t*>(base + layout.tied);
  return Status::Ok();
}

}  // namespace

Status LaunchOzSortLeaves(const uint8_t* leaves, uint64_t leaf_count, uint8_t* sorted,
                          uint64_t* position, void* scratch, size_t scratch_bytes,
                          uint32_t* ties, cudaStream_t stream) {
  if (ties == nullptr) return Status::InvalidArgument("LaunchOzSortLeaves: ties is null");
  OzSortBuffers b;
  uint32_t* tied = nullptr;
  if (Status s = OzSortBuffersFor("LaunchOzSortLeaves", leaves, leaf_count, sorted, position,
                                  scratch, scratch_bytes, &b, &tied);
      !s.ok()) {
    return s;
  }
  // The most significant word alone, then whether any two sorted neighbours are equal.
  if (Status s = SortByWords(leaves, leaf_count, 0, 0, b, stream); !s.ok()) return s;
  if (Status s = CudaStatus(cudaMemsetAsync(tied, 0, sizeof(uint32_t), stream),
                            "LaunchOzSortLeaves: tie flag");
      !s.ok()) {
    return s;
  }
  if (Status s = Launch("LaunchOzSortLeaves ties", AnyTieKernel, kCopyThreadsPerBlock,
                        leaf_count, stream, b.keys, leaf_count, tied);
      !s.ok()) {
    return s;
  }
  if (Status s = CudaStatus(cudaMemcpyAsync(ties, tied, sizeof(uint32_t), cudaMemcpyDefault,
                                            stream),
                            "LaunchOzSortLeaves: tie flag out");
      !s.ok()) {
    return s;
  }
  return Launch("LaunchOzSortLeaves apply", ApplyOrderKernel, kCopyThreadsPerBlock, leaf_count,
                stream, leaves, b.order, leaf_count, sorted, position);
}

Status LaunchOzSortLeavesStable(const uint8_t* leaves, uint64_t leaf_count, uint8_t* sorted,
                                uint64_t* position, void* scratch, size_t scratch_bytes,
                                cudaStream_t stream) {
  OzSortBuffers b;
  uint32_t* tied = nullptr;
  if (Status s = OzSortBuffersFor("LaunchOzSortLeavesStable", leaves, leaf_count, sorted,
                                  position, scratch, scratch_bytes, &b, &tied);
      !s.ok()) {
    return s;
  }
  if (Status s = SortByWords(leaves, leaf_count, 3, 0, b, stream); !s.ok()) return s;
  return Launch("LaunchOzSortLeavesStable apply", ApplyOrderKernel, kCopyThreadsPerBlock,
                leaf_count, stream, leaves, b.order, leaf_count, sorted, position);
}

Status LaunchGatherU64(const uint64_t* values, const uint64_t* indices, uint64_t count,
                       uint64_t* out, cudaStream_t stream) {
  if (count == 0) return Status::Ok();
  if (values == nullptr || indices == nullptr || out == nullptr) {
    return Status::InvalidArgument("LaunchGatherU64: null buffer");
  }
  return Launch("LaunchGatherU64", GatherU64Kernel, kCopyThreadsPerBlock, count, stream, values,
                indices, count, out);
}

}  // namespace chainaccel::kernels
