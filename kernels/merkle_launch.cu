#include "kernels/merkle_launch.h"

#include <cub/device/device_radix_sort.cuh>

#include <algorithm>
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

size_t LevelBufferBytes(uint64_t leaf_count) {
  return AlignUp256(kNodeBytes * ((leaf_count + 1) / 2));
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

Status LevelAndProofs(MerkleScheme scheme, const uint8_t* level, uint64_t size, uint32_t k,
                      uint8_t* next, const MerkleTreeLaunch& tree, cudaStream_t stream) {
  if (next != nullptr) {
    if (Status s = LaunchMerkleLevel(scheme, level, size, next, stream); !s.ok()) return s;
  }
  const std::string what = std::string("LaunchMerkleTree(") + SchemeName(scheme) + ") proofs";
  if (scheme == MerkleScheme::kBitcoin) {
    return Launch(what, MerkleLevelProofKernel<MerkleScheme::kBitcoin>, kCopyThreadsPerBlock,
                  tree.proof_count, stream, level, size, k, tree.leaf_count,
                  tree.proof_positions, tree.proof_offsets, tree.proof_count,
                  tree.proof_hashes);
  }
  return Launch(what, MerkleLevelProofKernel<MerkleScheme::kRfc6962>, kCopyThreadsPerBlock,
                tree.proof_count, stream, level, size, k, tree.leaf_count, tree.proof_positions,
                tree.proof_offsets, tree.proof_count, tree.proof_hashes);
}

// BITCOIN and RFC6962: level by level, two buffers in turn.
Status LevelTree(const MerkleTreeLaunch& tree, cudaStream_t stream) {
  uint8_t* buffers[2] = {tree.scratch, tree.scratch + LevelBufferBytes(tree.leaf_count)};
  const uint8_t* level = tree.leaves;
  uint64_t size = tree.leaf_count;
  uint32_t k = 0;
  if (tree.first_level_done && size > 1) {
    // Level 1 is there already: only level 0's proof hashes remain to be taken.
    Status s = LevelAndProofs(tree.scheme, level, size, k, nullptr, tree, stream);
    if (!s.ok()) return s;
    level = buffers[0];
    size = (size + 1) / 2;
    k = 1;
  }
  while (size > 1) {
    uint8_t* next = buffers[k % 2];
    Status s = LevelAndProofs(tree.scheme, level, size, k, next, tree, stream);
    if (!s.ok()) return s;
    level = next;
    size = (size + 1) / 2;
    ++k;
  }
  return CudaStatus(cudaMemcpyAsync(tree.root, level, kNodeBytes, cudaMemcpyDeviceToDevice,
                                    stream),
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
  uint8_t* buffers[2] = {tree.scratch, tree.scratch + LevelBufferBytes(n)};
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

// The 4 word arrays and 2 order arrays of the sort, then CUB's storage, each 256-aligned.
struct OzSortLayout {
  size_t keys_in = 0, keys_out = 0, order_in = 0, order_out = 0, cub = 0, cub_bytes = 0;
  size_t total = 0;
};

bool OzSortLayoutFor(uint64_t leaf_count, OzSortLayout* layout) {
  if (leaf_count == 0 || leaf_count > static_cast<uint64_t>(INT_MAX)) return false;
  size_t cub_bytes = 0;
  const cudaError_t error = cub::DeviceRadixSort::SortPairs(
      nullptr, cub_bytes, static_cast<const uint64_t*>(nullptr), static_cast<uint64_t*>(nullptr),
      static_cast<const uint32_t*>(nullptr), static_cast<uint32_t*>(nullptr),
      static_cast<int>(leaf_count));
  if (error != cudaSuccess) return false;
  const size_t words = AlignUp256(8 * leaf_count);
  const size_t orders = AlignUp256(4 * leaf_count);
  layout->keys_in = 0;
  layout->keys_out = words;
  layout->order_in = 2 * words;
  layout->order_out = 2 * words + orders;
  layout->cub = 2 * words + 2 * orders;
  layout->cub_bytes = cub_bytes;
  layout->total = layout->cub + AlignUp256(cub_bytes);
  return true;
}

}  // namespace

size_t MerkleScratchBytes(uint64_t leaf_count) { return 2 * LevelBufferBytes(leaf_count); }

uint8_t* MerkleScratchLevel1(uint8_t* scratch) { return scratch; }

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
  if (tree.first_level_done && tree.scheme == MerkleScheme::kOzKeccakSorted) {
    return Status::InvalidArgument(
        "LaunchMerkleTree: first_level_done is for BITCOIN and RFC6962 only");
  }
  if (tree.scheme == MerkleScheme::kOzKeccakSorted) return HeapTree(tree, stream);
  return LevelTree(tree, stream);
}

size_t OzSortScratchBytes(uint64_t leaf_count) {
  OzSortLayout layout;
  return OzSortLayoutFor(leaf_count, &layout) ? layout.total : 0;
}

Status LaunchOzSortLeaves(const uint8_t* leaves, uint64_t leaf_count, uint8_t* sorted,
                          uint64_t* position, void* scratch, size_t scratch_bytes,
                          cudaStream_t stream) {
  OzSortLayout layout;
  if (!OzSortLayoutFor(leaf_count, &layout)) {
    return Status::InvalidArgument("LaunchOzSortLeaves: " + std::to_string(leaf_count) +
                                   " leaves (1 .. 2^31 - 1 can be sorted)");
  }
  if (leaves == nullptr || sorted == nullptr || position == nullptr || scratch == nullptr ||
      !Aligned16(leaves) || !Aligned16(sorted)) {
    return Status::InvalidArgument("LaunchOzSortLeaves: null or misaligned buffer");
  }
  if (scratch_bytes < layout.total) {
    return Status::InvalidArgument("LaunchOzSortLeaves: scratch smaller than OzSortScratchBytes");
  }
  auto* base = static_cast<uint8_t*>(scratch);
  auto* keys_in = reinterpret_cast<uint64_t*>(base + layout.keys_in);
  auto* keys_out = reinterpret_cast<uint64_t*>(base + layout.keys_out);
  auto* order = reinterpret_cast<uint32_t*>(base + layout.order_in);
  auto* order_out = reinterpret_cast<uint32_t*>(base + layout.order_out);
  Status s = Launch("LaunchOzSortLeaves iota", IotaKernel, kCopyThreadsPerBlock, leaf_count,
                    stream, order, leaf_count);
  if (!s.ok()) return s;
  // Least significant word first: each pass is stable, so after the last (most
  // significant) one the order is bytewise, ties in input order.
  for (int word = 3; word >= 0; --word) {
    s = Launch("LaunchOzSortLeaves keys", LeafWordKernel, kCopyThreadsPerBlock, leaf_count,
               stream, leaves, order, leaf_count, static_cast<uint32_t>(word), keys_in);
    if (!s.ok()) return s;
    size_t cub_bytes = layout.cub_bytes;
    ClearLastCudaError();
    const cudaError_t error = cub::DeviceRadixSort::SortPairs(
        base + layout.cub, cub_bytes, keys_in, keys_out, order, order_out,
        static_cast<int>(leaf_count), 0, 64, stream);
    if (error != cudaSuccess) return CudaStatus(error, "LaunchOzSortLeaves: radix sort");
    if (s = CheckLaunch("LaunchOzSortLeaves: radix sort", stream); !s.ok()) return s;
    std::swap(order, order_out);
  }
  return Launch("LaunchOzSortLeaves apply", ApplyOrderKernel, kCopyThreadsPerBlock, leaf_count,
                stream, leaves, order, leaf_count, sorted, position);
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
