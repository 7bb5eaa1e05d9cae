// Tests of GpuEngine's Merkle trees (MerkleBuildTask): root, proof lengths and every proof
// hash against the CpuEngine's, for the three schemes, leaf counts 1 .. 2^22 (powers of
// two, their neighbours, random counts), OZ leaves sorted and not (with duplicates),
// RFC 6962 raw entries (empty, short, longer than a chunk), trees across many chunks,
// and an injected fault mid-tree. Random input with a printed, replayable seed
// (CHAINACCEL_TEST_SEED). Needs a GPU (skipped without one under --require-gpu).
#include <catch2/catch.hpp>

#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "tests/support/random.h"
#include "engines/gpu/gpu_test_engines.h"
#include "engines/gpu/merkle_operator.h"

namespace chainaccel {
namespace {

using testing::MakeRng;
using testing::RandomBytes;
using testing::RandomSize;

constexpr MerkleScheme kSchemes[] = {MerkleScheme::kBitcoin, MerkleScheme::kRfc6962,
                                     MerkleScheme::kOzKeccakSorted};

// Leaves as a request carries them: 32-byte items end to end, or RFC 6962 raw entries.
struct Leaves {
  std::vector<uint8_t> data;
  std::vector<uint64_t> offsets;  // raw entries only
  bool entries = false;

  PackedItems View() const {
    return entries ? PackedItems::Variable(data, offsets) : PackedItems::Fixed(data, 32);
  }
  size_t size() const { return entries ? offsets.size() - 1 : data.size() / 32; }
};

Leaves RandomLeaves(std::mt19937_64& rng, size_t n, bool with_duplicates = false) {
  Leaves leaves;
  leaves.data = RandomBytes(rng, 32 * n);
  if (with_duplicates) {
    for (size_t i = 1; i < n; ++i) {
      if (rng() % 3 == 0) std::memcpy(&leaves.data[32 * i], &leaves.data[32 * (rng() % i)], 32);
    }
  }
  return leaves;
}

Leaves RandomEntries(std::mt19937_64& rng, const std::vector<size_t>& lengths) {
  Leaves leaves;
  leaves.entries = true;
  leaves.offsets.push_back(0);
  for (size_t length : lengths) leaves.offsets.push_back(leaves.offsets.back() + length);
  leaves.data = RandomBytes(rng, leaves.offsets.back());
  return leaves;
}

// Every index when there are few leaves; else the ends, the middle and random ones
// (duplicates and any order included).
std::vector<uint64_t> ProofIndices(std::mt19937_64& rng, uint64_t n, size_t most) {
  std::vector<uint64_t> indices;
  if (n <= most) {
    indices.resize(n);
    std::iota(indices.begin(), indices.end(), 0);
    std::shuffle(indices.begin(), indices.end(), rng);
    return indices;
  }
  indices = {n - 1, 0, n / 2, n - 2, 1, n - 1};
  while (indices.size() < most) indices.push_back(rng() % n);
  return indices;
}

// Builds the tree on `gpu` and on the CPU engine and compares root and proofs.
void CheckTree(GpuEngine& gpu, MerkleScheme scheme, const Leaves& leaves,
               const std::vector<uint64_t>& indices, bool sort_leaves = false) {
  INFO("scheme " << static_cast<int>(scheme) << ", " << leaves.size()
                 << (leaves.entries ? " raw entries" : " leaves") << ", " << indices.size()
                 << " proofs, sort_leaves " << sort_leaves);
  MerkleBuildTask build;
  build.scheme = scheme;
  build.leaves = leaves.View();
  build.leaves_are_entries = leaves.entries;
  build.sort_leaves = sort_leaves;
  build.proof_indices = indices;
  Task on_gpu = build;
  Task on_cpu = build;
  std::get<MerkleBuildTask>(on_gpu).root.fill(0xA5);
  const Status status = gpu.Run(on_gpu);
  INFO(status.ToString());
  REQUIRE(status.ok());
  REQUIRE(testing::ReferenceCpu().Run(on_cpu).ok());
  const auto& g = std::get<MerkleBuildTask>(on_gpu);
  const auto& c = std::get<MerkleBuildTask>(on_cpu);
  CHECK(g.root == c.root);
  REQUIRE(g.proof_lengths == c.proof_lengths);
  if (g.proof_hashes != c.proof_hashes) {
    size_t at = 0;
    for (size_t k = 0; k < indices.size(); ++k) {
      const size_t bytes = 32 * size_t{c.proof_lengths[k]};
      if (std::memcmp(&g.proof_hashes[at], &c.proof_hashes[at], bytes) != 0) {
        FAIL("proof " << k << " (leaf " << indices[k] << ") differs from the CPU's");
      }
      at += bytes;
    }
  }
}

TEST_CASE("GpuEngine Merkle trees of 1..257 leaves, every proof, match the CPU",
          "[gpu_engine][merkle]") {
  auto rng = MakeRng("gpu_engine merkle small");
  for (MerkleScheme scheme : kSchemes) {
    for (uint64_t n = 1; n <= 257; ++n) {
      const Leaves leaves = RandomLeaves(rng, n, n % 5 == 0);
      CheckTree(testing::SharedGpu(), scheme, leaves, ProofIndices(rng, n, 300));
      if (scheme == MerkleScheme::kOzKeccakSorted) {
        CheckTree(testing::SharedGpu(), scheme, leaves, ProofIndices(rng, n, 300), true);
      }
    }
  }
}

TEST_CASE("GpuEngine Merkle trees up to 2^22 leaves match the CPU",
          "[gpu_engine][merkle][large]") {
  auto rng = MakeRng("gpu_engine merkle large");
  std::vector<uint64_t> sizes = {(uint64_t{1} << 20) + 3, (uint64_t{1} << 22) - 1,
                                 uint64_t{1} << 22};
  for (int i = 0; i < 4; ++i) sizes.push_back(RandomSize(rng, 300, uint64_t{1} << 22));
  for (MerkleScheme scheme : kSchemes) {
    for (uint64_t n : sizes) {
      const Leaves leaves = RandomLeaves(rng, n);
      CheckTree(testing::SharedGpu(), scheme, leaves, ProofIndices(rng, n, 100));
      if (scheme == MerkleScheme::kOzKeccakSorted) {
        CheckTree(testing::SharedGpu(), scheme, RandomLeaves(rng, n, true),
                  ProofIndices(rng, n, 100), true);
      }
    }
  }
}

TEST_CASE("GpuEngine Merkle trees across many small chunks match the CPU",
          "[gpu_engine][merkle]") {
  auto rng = MakeRng("gpu_engine merkle chunks");
  GpuEngine::Options options;
  options.chunk_bytes = 32 * 1001;  // 1001 leaves fit: chunks of 1000 (even) leaves
  options.chunk_items = 4096;
  std::unique_ptr<GpuEngine> gpu = testing::MakeGpu(options);
  for (MerkleScheme scheme : kSchemes) {
    for (uint64_t n : {uint64_t{999}, uint64_t{1000}, uint64_t{1001}, uint64_t{2001},
                       uint64_t{65537}, RandomSize(rng, 2000, 200000)}) {
      CheckTree(*gpu, scheme, RandomLeaves(rng, n), ProofIndices(rng, n, 64));
    }
  }
}

TEST_CASE("GpuEngine RFC 6962 raw entries match the CPU", "[gpu_engine][merkle]") {
  auto rng = MakeRng("gpu_engine merkle entries");
  GpuEngine& gpu = testing::SharedGpu();
  // The empty tree, one empty entry, entries of every length 0..300.
  CheckTree(gpu, MerkleScheme::kRfc6962, RandomEntries(rng, {}), {});
  CheckTree(gpu, MerkleScheme::kRfc6962, RandomEntries(rng, {0}), {0});
  std::vector<size_t> lengths(301);
  std::iota(lengths.begin(), lengths.end(), 0);
  std::shuffle(lengths.begin(), lengths.end(), rng);
  CheckTree(gpu, MerkleScheme::kRfc6962, RandomEntries(rng, lengths),
            ProofIndices(rng, lengths.size(), 400));
  // Many short entries across chunks, and entries longer than a chunk, on small chunks.
  GpuEngine::Options options;
  options.chunk_bytes = 4096;
  options.chunk_items = 64;
  std::unique_ptr<GpuEngine> small = testing::MakeGpu(options);
  std::vector<size_t> mixed;
  for (int i = 0; i < 3000; ++i) mixed.push_back(RandomSize(rng, 0, 200));
  mixed[17] = 4095;  // exactly a chunk with its prefix byte
  mixed[18] = 4096;  // one byte over: alone, through a temporary
  mixed[1000] = 100000;
  CheckTree(*small, MerkleScheme::kRfc6962, RandomEntries(rng, mixed),
            ProofIndices(rng, mixed.size(), 200));
}

TEST_CASE("MerkleOperator::WorkspaceBytes: about 64 bytes a leaf, 72 more sorted, proofs",
          "[gpu_engine][merkle]") {
  constexpr uint64_t kLeaves = uint64_t{1} << 20;  // height 20: BITCOIN proofs of 20 hashes
  const std::vector<uint8_t> data(32 * kLeaves);
  MerkleBuildTask build;
  build.scheme = MerkleScheme::kBitcoin;
  build.leaves = PackedItems::Fixed(data, 32);
  const MerkleOperator merkle;
  REQUIRE(merkle.CanImplement(build).ok());
  const size_t bare = merkle.WorkspaceBytes(build);
  CHECK(bare >= 64 * kLeaves);
  CHECK(bare < 65 * kLeaves);
  // Each proof: its position and offset (8 bytes each) and its 20 hashes.
  const std::vector<uint64_t> indices = {0, 1, kLeaves - 1};
  build.proof_indices = indices;
  CHECK(merkle.WorkspaceBytes(build) == bare + indices.size() * (16 + 20 * 32));
  // Sorted OZ leaves: the sorted copy and the positions (40 bytes a leaf) and the sort's
  // scratch on top.
  build.scheme = MerkleScheme::kOzKeccakSorted;
  build.proof_indices = {};
  const size_t unsorted = merkle.WorkspaceBytes(build);
  build.sort_leaves = true;
  REQUIRE(merkle.CanImplement(build).ok());
  const size_t sorted = merkle.WorkspaceBytes(build);
  CHECK(sorted - unsorted >= 40 * kLeaves);
  CHECK(sorted - unsorted < 120 * kLeaves);
}

MerkleBuildTask BitcoinTree(const Leaves& leaves, const std::vector<uint64_t>& indices) {
  MerkleBuildTask build;
  build.scheme = MerkleScheme::kBitcoin;
  build.leaves = leaves.View();
  build.proof_indices = indices;
  return build;
}

// What the scheduler does after a GPU fault: the same task (whatever the GPU left in it)
// on the CPU engine, which gives the tree a fresh one gives.
void CheckCpuRerun(Task& task, const MerkleBuildTask& build) {
  REQUIRE(testing::ReferenceCpu().Run(task).ok());
  Task fresh = build;
  REQUIRE(testing::ReferenceCpu().Run(fresh).ok());
  CHECK(std::get<MerkleBuildTask>(task).root == std::get<MerkleBuildTask>(fresh).root);
  CHECK(std::get<MerkleBuildTask>(task).proof_hashes ==
        std::get<MerkleBuildTask>(fresh).proof_hashes);
}

TEST_CASE("GpuEngine Merkle fault mid-tree: unhealthy, counted, the CPU re-run is right",
          "[gpu_engine][merkle][fault]") {
  auto rng = MakeRng("gpu_engine merkle fault");
  GpuEngine::Options options;
  options.chunk_bytes = 32 * 1024;
  testing::FailAfterChunks fail(2);
  std::unique_ptr<GpuEngine> gpu = testing::MakeGpu(options, &fail);
  const Leaves leaves = RandomLeaves(rng, 10000);
  const std::vector<uint64_t> indices = ProofIndices(rng, 10000, 20);
  const MerkleBuildTask build = BitcoinTree(leaves, indices);
  Task task = build;
  const Status fault = gpu->Run(task);
  INFO(fault.ToString());
  CHECK((fault.code() == Status::Code::kInternal || fault.code() == Status::Code::kUnavailable));
  CHECK_FALSE(gpu->stats().healthy);
  CHECK(gpu->faults() == 1);
  CHECK(gpu->Run(task).code() == Status::Code::kUnavailable);
  CheckCpuRerun(task, build);
  // A self-test brings the engine back, and its trees are right again.
  REQUIRE(gpu->SelfTest().ok());
  CheckTree(*gpu, MerkleScheme::kBitcoin, leaves, indices);
  CHECK(gpu->faults() == 1);
}

TEST_CASE("GpuEngine Merkle hang: the tree gives up after hang_seconds, its pair retires",
          "[gpu_engine][merkle][hang]") {
  auto rng = MakeRng("gpu_engine merkle hang");
  GpuEngine::Options options;
  options.chunk_bytes = 32 * 1024;
  options.hang_seconds = 0.25;
  options.concurrent_batches = 2;
  testing::HangAfterChunks hang(2, 2.0);  // the third chunk outlasts the timeout 8 times
  std::unique_ptr<GpuEngine> gpu = testing::MakeGpu(options, &hang);
  const Leaves leaves = RandomLeaves(rng, 10000);
  const std::vector<uint64_t> indices = ProofIndices(rng, 10000, 20);
  const MerkleBuildTask build = BitcoinTree(leaves, indices);
  Task task = build;
  testing::CheckHangFault(gpu->Run(task), *gpu);
  CheckCpuRerun(task, build);
  // The other pair passes the self-test and builds trees, while the hung one still spins.
  REQUIRE(gpu->SelfTest().ok());
  CheckTree(*gpu, MerkleScheme::kBitcoin, leaves, indices);
  CHECK(gpu->faults() == 1);
}

}  // namespace
}  // namespace chainaccel
