#include "core/merkle_rules.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

namespace chainaccel {
namespace {

TEST_CASE("Merkle proof lengths follow each scheme's odd-node rule", "[merkle_rules]") {
  // BITCOIN duplicates the odd node: every leaf has ceil(log2(n)) steps.
  CHECK(MerkleProofLength(MerkleScheme::kBitcoin, 1, 0) == 0);
  CHECK(MerkleProofLength(MerkleScheme::kBitcoin, 2, 1) == 1);
  CHECK(MerkleProofLength(MerkleScheme::kBitcoin, 5, 4) == 3);
  CHECK(MerkleProofLength(MerkleScheme::kBitcoin, 8, 3) == 3);
  // RFC 6962 promotes it: leaf 4 of 5 has a single step (the root of the first eight).
  CHECK(MerkleProofLength(MerkleScheme::kRfc6962, 5, 4) == 1);
  CHECK(MerkleProofLength(MerkleScheme::kRfc6962, 5, 0) == 3);
  CHECK(MerkleProofLength(MerkleScheme::kRfc6962, 7, 6) == 2);
  CHECK(MerkleProofLength(MerkleScheme::kOzKeccakSorted, 5, 0) == 0);
  // OZ: heap depth of node 2n - 2 - position.
  CHECK(OzProofLength(1, 0) == 0);
  CHECK(OzProofLength(2, 0) == 1);
  CHECK(OzProofLength(3, 0) == 2);
  CHECK(OzProofLength(3, 2) == 1);
  CHECK(MerkleNextLevelSize(7) == 4);
  CHECK(MerkleStepsToRoot(MerkleOddNode::kPromote, 3, 2) == 1);
}

TEST_CASE("CheckMerkleBuildTask names the broken rule", "[merkle_rules]") {
  const std::vector<uint8_t> leaves(3 * 32, 7);
  const std::vector<uint64_t> proof_indices = {0, 3};
  MerkleBuildTask task;
  task.leaves = PackedItems::Fixed(leaves, 32);
  CHECK(CheckMerkleBuildTask(task).ok());
  task.proof_indices = proof_indices;
  Status s = CheckMerkleBuildTask(task);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message() == "merkle: proof index 3 is not below the leaf count 3");
  task.proof_indices = {};
  task.sort_leaves = true;
  CHECK(CheckMerkleBuildTask(task).message() ==
        "merkle: sort_leaves is only for OZ_KECCAK_SORTED");
  task.sort_leaves = false;
  task.scheme = static_cast<MerkleScheme>(9);
  CHECK(CheckMerkleBuildTask(task).message() == "merkle: unknown scheme 9");
  task.scheme = MerkleScheme::kBitcoin;
  task.leaves = PackedItems::Fixed({}, 32);
  CHECK(CheckMerkleBuildTask(task).message() == "merkle: the scheme needs at least one leaf");
  task.scheme = MerkleScheme::kRfc6962;
  CHECK(CheckMerkleBuildTask(task).ok());
}

TEST_CASE("The empty RFC 6962 tree's root is SHA-256 of nothing", "[merkle_rules]") {
  MerkleBuildTask task;
  task.scheme = MerkleScheme::kRfc6962;
  task.proof_hashes = {1, 2, 3};
  BuildEmptyMerkleTree(task);
  const Hash32 expected = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
                           0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
                           0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
  CHECK(task.root == expected);
  CHECK(task.proof_hashes.empty());
  CHECK(task.proof_lengths.empty());
}

}  // namespace
}  // namespace chainaccel
