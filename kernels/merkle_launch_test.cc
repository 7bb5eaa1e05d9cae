// Tests of kernels/merkle_nodes.cuh and kernels/merkle_launch.h.
//
// Host tests (everywhere): the parent-node functions, compiled as plain C++, against the
// CPU engine's two-leaf trees; the wrappers' argument checks. Device tests, tagged
// [device] (skipped where no GPU is present): whole trees with proofs for every scheme
// against the CPU engine (engines/cpu/merkle.h) over leaf counts 1 .. 2^22, and the OZ
// leaf sort against std::stable_sort with many equal and near-equal leaves. Outputs are
// poisoned first, so an unwritten proof hash fails.
#include "kernels/merkle_launch.h"

#include <catch2/catch.hpp>

#include <cuda_runtime_api.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <numeric>
#include <vector>

#include "engines/cpu/merkle.h"
#include "tests/support/random.h"
#include "kernels/merkle_nodes.cuh"
#include "kernels/testing/device_buffer.h"

namespace chainaccel::kernels {
namespace {

using testing::DeviceBuffer;

constexpr MerkleScheme kSchemes[] = {MerkleScheme::kBitcoin, MerkleScheme::kRfc6962,
                                     MerkleScheme::kOzKeccakSorted};

std::vector<uint8_t> RandomLeaves(std::mt19937_64& rng, size_t n) {
  return testing::RandomBytes(rng, 32 * n);
}

// The CPU engine's tree over `leaves` (32 bytes each) with the proofs of `indices`.
MerkleBuildTask CpuTree(MerkleScheme scheme, const std::vector<uint8_t>& leaves,
                        const std::vector<uint64_t>& indices, bool sort_leaves) {
  MerkleBuildTask task;
  task.scheme = scheme;
  task.leaves = PackedItems::Fixed(ByteView(leaves.data(), leaves.size()), 32);
  task.sort_leaves = sort_leaves;
  task.proof_indices = indices;
  REQUIRE(BuildMerkleTree(task, nullptr).ok());
  return task;
}

// ---- Host: the node functions -----------------------------------------------------------

TEST_CASE("Parent-node functions equal the CPU engine's two-leaf roots", "[merkle_launch]") {
  auto rng = testing::MakeRng("merkle parent nodes");
  for (int round = 0; round < 200; ++round) {
    std::vector<uint8_t> leaves = RandomLeaves(rng, 2);
    if (round % 4 == 1) std::memcpy(leaves.data() + 32, leaves.data(), 31);  // near-equal
    if (round % 4 == 2) std::memcpy(leaves.data() + 32, leaves.data(), 32);  // equal
    uint32_t left[8], right[8], parent[8];
    std::memcpy(left, leaves.data(), 32);
    std::memcpy(right, leaves.data() + 32, 32);
    for (MerkleScheme scheme : kSchemes) {
      if (scheme == MerkleScheme::kBitcoin) BitcoinParent(left, right, parent);
      if (scheme == MerkleScheme::kRfc6962) Rfc6962Parent(left, right, parent);
      if (scheme == MerkleScheme::kOzKeccakSorted) OzParent(left, right, parent);
      const MerkleBuildTask cpu = CpuTree(scheme, leaves, {}, false);
      INFO("scheme " << static_cast<int>(scheme) << " round " << round);
      CHECK(std::memcmp(parent, cpu.root.data(), 32) == 0);
    }
    // hashPair is symmetric.
    uint32_t swapped[8];
    OzParent(right, left, swapped);
    OzParent(left, right, parent);
    CHECK(std::memcmp(parent, swapped, 32) == 0);
  }
}

TEST_CASE("NodeLess orders nodes bytewise", "[merkle_launch]") {
  uint8_t a[32] = {}, b[32] = {};
  uint32_t x[8], y[8];
  b[31] = 1;  // differs in the last byte only
  std::memcpy(x, a, 32);
  std::memcpy(y, b, 32);
  CHECK(NodeLess(x, y));
  CHECK_FALSE(NodeLess(y, x));
  CHECK_FALSE(NodeLess(x, x));
  a[0] = 1;  // a first byte outweighs every later one
  std::memcpy(x, a, 32);
  CHECK(NodeLess(y, x));
}

// ---- Host: argument checks (each returns before any CUDA call) --------------------------

uint8_t* const kSomeDevicePointer = reinterpret_cast<uint8_t*>(uintptr_t{1} << 40);

TEST_CASE("LaunchMerkleLevel rejects OZ, null and misaligned buffers", "[merkle_launch]") {
  CHECK(LaunchMerkleLevel(MerkleScheme::kOzKeccakSorted, kSomeDevicePointer, 4,
                          kSomeDevicePointer, nullptr)
            .code() == Status::Code::kInvalidArgument);
  CHECK(LaunchMerkleLevel(MerkleScheme::kBitcoin, nullptr, 4, kSomeDevicePointer, nullptr)
            .code() == Status::Code::kInvalidArgument);
  CHECK(LaunchMerkleLevel(MerkleScheme::kBitcoin, kSomeDevicePointer + 4, 4,
                          kSomeDevicePointer, nullptr)
            .code() == Status::Code::kInvalidArgument);
  CHECK(LaunchMerkleLevel(MerkleScheme::kRfc6962, nullptr, 0, nullptr, nullptr).ok());
}

TEST_CASE("LaunchMerkleTree rejects bad trees before any CUDA call", "[merkle_launch]") {
  MerkleTreeLaunch tree;
  tree.leaves = kSomeDevicePointer;
  tree.root = kSomeDevicePointer;
  tree.scratch = kSomeDevicePointer;
  tree.leaf_count = 0;
  CHECK(LaunchMerkleTree(tree, nullptr).code() == Status::Code::kInvalidArgument);
  tree.leaf_count = 8;
  tree.scheme = static_cast<MerkleScheme>(9);
  CHECK(LaunchMerkleTree(tree, nullptr).code() == Status::Code::kInvalidArgument);
  tree.scheme = MerkleScheme::kOzKeccakSorted;
  tree.levels_done = 1;
  CHECK(LaunchMerkleTree(tree, nullptr).code() == Status::Code::kInvalidArgument);
  tree.scheme = MerkleScheme::kBitcoin;
  tree.levels_done = 4;  // 8 leaves have 3 levels
  CHECK(LaunchMerkleTree(tree, nullptr).code() == Status::Code::kInvalidArgument);
  tree.levels_done = 0;
  tree.proof_count = 1;  // no proof buffers
  CHECK(LaunchMerkleTree(tree, nullptr).code() == Status::Code::kInvalidArgument);
  tree.proof_count = 0;
  tree.scratch = nullptr;
  CHECK(LaunchMerkleTree(tree, nullptr).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("LaunchMerkleSubtree rejects runs that are not whole subtrees", "[merkle_launch]") {
  const auto subtree = [](uint64_t n, uint64_t first, uint64_t count, uint32_t levels) {
    return LaunchMerkleSubtree(MerkleScheme::kBitcoin, kSomeDevicePointer, n, first, count,
                               levels, kSomeDevicePointer, nullptr)
        .code();
  };
  constexpr auto kBad = Status::Code::kInvalidArgument;
  CHECK(subtree(100, 2, 4, 2) == kBad);   // first not a multiple of 4
  CHECK(subtree(100, 4, 6, 2) == kBad);   // count not a multiple of 4, not the end
  CHECK(subtree(100, 96, 8, 2) == kBad);  // past the end
  CHECK(subtree(100, 0, 100, 8) == kBad); // 100 leaves have 7 levels
  CHECK(subtree(100, 0, 0, 2) == Status::Code::kOk);
  CHECK(subtree(100, 4, 4, 0) == Status::Code::kOk);
}

TEST_CASE("MerkleTreeHeight is ceil(log2(n))", "[merkle_launch]") {
  CHECK(MerkleTreeHeight(1) == 0);
  CHECK(MerkleTreeHeight(2) == 1);
  CHECK(MerkleTreeHeight(3) == 2);
  CHECK(MerkleTreeHeight(4) == 2);
  CHECK(MerkleTreeHeight(5) == 3);
  CHECK(MerkleTreeHeight(uint64_t{1} << 24) == 24);
  CHECK(MerkleTreeHeight((uint64_t{1} << 24) + 1) == 25);
}

TEST_CASE("OzSortScratchBytes and LaunchOzSortLeaves* reject counts out of range",
          "[merkle_launch]") {
  CHECK(OzSortScratchBytes(0) == 0);
  CHECK(OzSortScratchBytes(uint64_t{1} << 32) == 0);
  auto* position = reinterpret_cast<uint64_t*>(kSomeDevicePointer);
  auto* ties = reinterpret_cast<uint32_t*>(kSomeDevicePointer);
  CHECK(LaunchOzSortLeaves(kSomeDevicePointer, 0, kSomeDevicePointer, position,
                           kSomeDevicePointer, 1 << 20, ties, nullptr)
            .code() == Status::Code::kInvalidArgument);
  CHECK(LaunchOzSortLeaves(kSomeDevicePointer, 4, kSomeDevicePointer, position,
                           kSomeDevicePointer, 1 << 20, nullptr, nullptr)
            .code() == Status::Code::kInvalidArgument);
  CHECK(LaunchOzSortLeavesStable(kSomeDevicePointer, 0, kSomeDevicePointer, position,
                                 kSomeDevicePointer, 1 << 20, nullptr)
            .code() == Status::Code::kInvalidArgument);
  CHECK(LaunchOzSortLeavesStable(kSomeDevicePointer, 4, kSomeDevicePointer, position,
                                 kSomeDevicePointer, 1, nullptr)
            .code() == Status::Code::kInvalidArgument);
}

// ---- Device: whole trees against the CPU engine -----------------------------------------

void Check(const Status& s) {
  INFO(s.ToString());
  REQUIRE(s.ok());
}

// The leaf sort as the GPU engine runs it: the one-pass sort, its tie flag read back, the
// four-pass sort after it where leaves tie. Returns the flag.
uint32_t SortLeavesOnDevice(const DeviceBuffer<uint8_t>& leaves, uint64_t n,
                            DeviceBuffer<uint8_t>& sorted, DeviceBuffer<uint64_t>& position) {
  DeviceBuffer<uint8_t> scratch(OzSortScratchBytes(n));
  REQUIRE(scratch.size() > 0);
  DeviceBuffer<uint32_t> ties(1);
  Check(LaunchOzSortLeaves(leaves.get(), n, sorted.get(), position.get(), scratch.get(),
                           scratch.size(), ties.get(), nullptr));
  const uint32_t tied = ties.Download()[0];
  REQUIRE(tied <= 1);
  if (tied != 0) {
    Check(LaunchOzSortLeavesStable(leaves.get(), n, sorted.get(), position.get(),
                                   scratch.get(), scratch.size(), nullptr));
  }
  return tied;
}

// Builds the tree of `leaves` on the device as the GPU engine does (sort, positions,
// offsets, tree) and compares root and proofs with the CPU engine's.
// subtree_levels > 0 (BITCOIN, RFC6962): the levels up to it are built first, run by run
// of 2^subtree_levels leaves, as the GPU engine does chunk by chunk.
void CheckTreeMatchesCpu(MerkleScheme scheme, const std::vector<uint8_t>& leaves,
                         const std::vector<uint64_t>& indices, bool sort_leaves,
                         uint32_t subtree_levels) {
  const uint64_t n = leaves.size() / 32;
  INFO("scheme " << static_cast<int>(scheme) << ", " << n << " leaves, "
                 << indices.size() << " proofs, sorted " << sort_leaves);
  const MerkleBuildTask cpu = CpuTree(scheme, leaves, indices, sort_leaves);

  DeviceBuffer<uint8_t> device_leaves(leaves.size());
  device_leaves.Upload(leaves.data(), leaves.size());
  std::vector<uint64_t> positions = indices;
  DeviceBuffer<uint8_t> sorted;
  if (sort_leaves) {
    sorted = DeviceBuffer<uint8_t>(leaves.size());
    DeviceBuffer<uint64_t> position(n);
    SortLeavesOnDevice(device_leaves, n, sorted, position);
    if (!indices.empty()) {
      DeviceBuffer<uint64_t> device_indices(indices.size());
      device_indices.Upload(indices.data(), indices.size());
      DeviceBuffer<uint64_t> gathered(indices.size());
      Check(LaunchGatherU64(position.get(), device_indices.get(), indices.size(),
                            gathered.get(), nullptr));
      positions = gathered.Download();
    }
  }
  std::vector<uint64_t> offsets(indices.size());
  uint64_t total = 0;
  for (size_t k = 0; k < indices.size(); ++k) {
    offsets[k] = total;
    total += scheme == MerkleScheme::kOzKeccakSorted
                 ? OzProofLength(n, positions[k])
                 : MerkleProofLength(scheme, n, indices[k]);
  }
  REQUIRE(total * 32 == cpu.proof_hashes.size());

  DeviceBuffer<uint64_t> device_positions(positions.size());
  device_positions.Upload(positions.data(), positions.size());
  DeviceBuffer<uint64_t> device_offsets(offsets.size());
  device_offsets.Upload(offsets.data(), offsets.size());
  DeviceBuffer<uint8_t> proofs(32 * total);
  proofs.Fill(0xa5);
  DeviceBuffer<uint8_t> root(32);
  root.Fill(0xa5);
  DeviceBuffer<uint8_t> scratch(MerkleScratchBytes(n));

  MerkleTreeLaunch tree;
  tree.scheme = scheme;
  tree.leaves = sort_leaves ? sorted.get() : device_leaves.get();
  tree.leaf_count = n;
  tree.proof_positions = device_positions.get();
  tree.proof_offsets = device_offsets.get();
  tree.proof_count = indices.size();
  tree.proof_hashes = proofs.get();
  tree.root = root.get();
  tree.scratch = scratch.get();
  subtree_levels = std::min(subtree_levels, MerkleTreeHeight(n));
  if (subtree_levels > 0 && scheme != MerkleScheme::kOzKeccakSorted) {
    const uint64_t run = uint64_t{1} << subtree_levels;
    for (uint64_t first = 0; first < n; first += run) {
      Check(LaunchMerkleSubtree(scheme, device_leaves.get(), n, first, std::min(run, n - first),
                                subtree_levels, scratch.get(), nullptr));
    }
    tree.levels_done = subtree_levels;
  }
  Check(LaunchMerkleTree(tree, nullptr));
  REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
  const std::vector<uint8_t> gpu_root = root.Download();
  CHECK(std::memcmp(gpu_root.data(), cpu.root.data(), 32) == 0);
  const std::vector<uint8_t> gpu_proofs = proofs.Download();
  CHECK(gpu_proofs == cpu.proof_hashes);
}

std::vector<uint64_t> SomeIndices(std::mt19937_64& rng, uint64_t n, size_t count) {
  std::vector<uint64_t> indices;
  if (n <= count) {
    indices.resize(n);
    std::iota(indices.begin(), indices.end(), 0);
    return indices;
  }
  indices = {0, n - 1, n / 2, n - 2};
  while (indices.size() < count) indices.push_back(rng() % n);
  return indices;
}

TEST_CASE("Trees of 1..300 leaves with every proof match the CPU", "[device][merkle]") {
  auto rng = testing::MakeRng("merkle small trees");
  for (MerkleScheme scheme : kSchemes) {
    for (uint64_t n = 1; n <= 300; ++n) {
      const std::vector<uint8_t> leaves = RandomLeaves(rng, n);
      const std::vector<uint64_t> indices = SomeIndices(rng, n, 300);
      CheckTreeMatchesCpu(scheme, leaves, indices, false, static_cast<uint32_t>(n % 5));
      if (scheme == MerkleScheme::kOzKeccakSorted) {
        CheckTreeMatchesCpu(scheme, leaves, indices, true, 0);
      }
    }
  }
}

TEST_CASE("Trees of 2^k - 1, 2^k, 2^k + 1 and random sizes up to 2^22 match the CPU",
          "[device][merkle][large]") {
  auto rng = testing::MakeRng("merkle large trees");
  std::vector<uint64_t> sizes;
  for (int k = 9; k <= 22; k += 3) {
    sizes.push_back((uint64_t{1} << k) - 1);
    sizes.push_back(uint64_t{1} << k);
    sizes.push_back((uint64_t{1} << k) + 1);
  }
  for (int i = 0; i < 6; ++i) sizes.push_back(testing::RandomSize(rng, 1000, uint64_t{1} << 22));
  for (MerkleScheme scheme : kSchemes) {
    for (uint64_t n : sizes) {
      const std::vector<uint8_t> leaves = RandomLeaves(rng, n);
      const std::vector<uint64_t> indices = SomeIndices(rng, n, 64);
      CheckTreeMatchesCpu(scheme, leaves, indices, false, 0);
      if (scheme != MerkleScheme::kOzKeccakSorted) {
        CheckTreeMatchesCpu(scheme, leaves, indices, false, 1 + static_cast<uint32_t>(rng() % 20));
      } else {
        CheckTreeMatchesCpu(scheme, leaves, indices, true, 0);
      }
    }
  }
}

// Whether sorted and position (downloaded) are the stable bytewise order of `leaves`.
void CheckOrder(const std::vector<uint8_t>& leaves, const std::vector<uint8_t>& gpu_sorted,
                const std::vector<uint64_t>& gpu_position) {
  const uint64_t n = leaves.size() / 32;
  std::vector<uint64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](uint64_t a, uint64_t b) {
    return std::memcmp(&leaves[32 * a], &leaves[32 * b], 32) < 0;
  });
  INFO(n << " leaves");
  for (uint64_t s = 0; s < n; ++s) {
    REQUIRE(std::memcmp(&gpu_sorted[32 * s], &leaves[32 * order[s]], 32) == 0);
    REQUIRE(gpu_position[order[s]] == s);
  }
}

// Sorts `leaves` on the device as the engine does (the tie flag must be `expect_ties`
// where that is 0 or 1) and alone by the four-pass sort; checks both orders against
// std::stable_sort.
void CheckOzSort(const std::vector<uint8_t>& leaves, int expect_ties = -1) {
  const uint64_t n = leaves.size() / 32;
  DeviceBuffer<uint8_t> device_leaves(leaves.size());
  device_leaves.Upload(leaves.data(), leaves.size());
  DeviceBuffer<uint8_t> sorted(leaves.size());
  DeviceBuffer<uint64_t> position(n);
  const uint32_t tied = SortLeavesOnDevice(device_leaves, n, sorted, position);
  if (expect_ties >= 0) CHECK(tied == static_cast<uint32_t>(expect_ties));
  CheckOrder(leaves, sorted.Download(), position.Download());
  DeviceBuffer<uint8_t> scratch(OzSortScratchBytes(n));
  Check(LaunchOzSortLeavesStable(device_leaves.get(), n, sorted.get(), position.get(),
                                 scratch.get(), scratch.size(), nullptr));
  CheckOrder(leaves, sorted.Download(), position.Download());
}

TEST_CASE("OZ leaf sort is stable and bytewise on equal and near-equal leaves",
          "[device][merkle][sort]") {
  auto rng = testing::MakeRng("merkle oz sort");
  for (uint64_t n : {uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{1000}, uint64_t{65537}}) {
    // Leaves from a small pool, each differing from the others in one byte position
    // (first, a middle word boundary, last), so that every key word decides some order.
    std::vector<uint8_t> leaves(32 * n, 0x5a);
    for (uint64_t i = 0; i < n; ++i) {
      const int at = std::array<int, 5>{0, 7, 8, 23, 31}[rng() % 5];
      leaves[32 * i + at] = static_cast<uint8_t>(rng() % 4);
    }
    CheckOzSort(leaves);
  }
}

// The one-pass sort (first 8 bytes) where they are all distinct, and the way back to the
// four-word sort where a single pair shares them, or a leaf appears twice.
TEST_CASE("OZ leaf sort by the first word alone, and with a single tie",
          "[device][merkle][sort]") {
  auto rng = testing::MakeRng("merkle oz sort ties");
  for (uint64_t n : {uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{1000}, uint64_t{65537},
                     uint64_t{1} << 20}) {
    const std::vector<uint8_t> distinct = testing::RandomBytes(rng, 32 * n);
    CheckOzSort(distinct, 0);  // 2^20 random leaves tie with probability 2^-25
    if (n < 2) continue;
    const uint64_t a = rng() % n, b = (a + 1 + rng() % (n - 1)) % n;
    std::vector<uint8_t> prefix_tie = distinct;  // b shares a's first 8 bytes, not the rest
    std::memcpy(&prefix_tie[32 * b], &prefix_tie[32 * a], 8);
    prefix_tie[32 * b + 31] = static_cast<uint8_t>(prefix_tie[32 * a + 31] ^ 1);
    CheckOzSort(prefix_tie, 1);
    std::vector<uint8_t> twice = distinct;  // b equals a: the stable order keeps a first
    std::memcpy(&twice[32 * b], &twice[32 * a], 32);
    CheckOzSort(twice, 1);
  }
}

}  // namespace
}  // namespace chainaccel::kernels
