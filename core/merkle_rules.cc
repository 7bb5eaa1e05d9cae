#include "core/merkle_rules.h"

#include <bit>
#include <limits>
#include <string>

namespace chainaccel {
namespace {

constexpr size_t kHashSize = 32;

// SHA-256 of the empty string (FIPS 180-4; the well-known e3b0c442...b855).
constexpr Hash32 kSha256OfNothing = {
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};

}  // namespace

bool IsKnownMerkleScheme(MerkleScheme scheme) {
  return scheme == MerkleScheme::kBitcoin || scheme == MerkleScheme::kRfc6962 ||
         scheme == MerkleScheme::kOzKeccakSorted;
}

MerkleOddNode MerkleOddNodeOf(MerkleScheme scheme) {
  return scheme == MerkleScheme::kBitcoin ? MerkleOddNode::kDuplicate : MerkleOddNode::kPromote;
}

uint64_t MerkleStepsToRoot(MerkleOddNode odd, uint64_t size, uint64_t pos) {
  uint64_t steps = 0;
  for (; size > 1; size = MerkleNextLevelSize(size), pos >>= 1) {
    if ((pos ^ 1) < size || odd == MerkleOddNode::kDuplicate) ++steps;
  }
  return steps;
}

Status CheckMerkleBuildTask(const MerkleBuildTask& task) {
  if (!IsKnownMerkleScheme(task.scheme)) {
    return Status::InvalidArgument("merkle: unknown scheme " +
                                   std::to_string(static_cast<int>(task.scheme)));
  }
  const size_t n = task.leaves.size();
  if (task.leaves_are_entries && task.scheme != MerkleScheme::kRfc6962) {
    return Status::InvalidArgument("merkle: raw entries are only for RFC6962");
  }
  if (task.sort_leaves && task.scheme != MerkleScheme::kOzKeccakSorted) {
    return Status::InvalidArgument("merkle: sort_leaves is only for OZ_KECCAK_SORTED");
  }
  if (n == 0 && task.scheme != MerkleScheme::kRfc6962) {
    return Status::InvalidArgument("merkle: the scheme needs at least one leaf");
  }
  if (task.scheme == MerkleScheme::kOzKeccakSorted && n > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("merkle: too many leaves for OZ_KECCAK_SORTED");
  }
  if (!task.leaves_are_entries) {
    if (!(task.leaves.fixed() && task.leaves.item_size() == kHashSize)) {
      for (size_t i = 0; i < n; ++i) {
        if (task.leaves[i].size() != kHashSize) {
          return Status::InvalidArgument("merkle: leaf " + std::to_string(i) +
                                         " is not 32 bytes");
        }
      }
    }
  }
  for (size_t k = 0; k < task.proof_indices.size(); ++k) {
    if (task.proof_indices[k] >= n) {
      return Status::InvalidArgument("merkle: proof index " +
                                     std::to_string(task.proof_indices[k]) +
                                     " is not below the leaf count " + std::to_string(n));
    }
  }
  return Status::Ok();
}

void BuildEmptyMerkleTree(MerkleBuildTask& task) {
  task.root = kSha256OfNothing;
  task.proof_hashes.clear();
  task.proof_lengths.clear();
}

uint64_t MerkleProofLength(MerkleScheme scheme, uint64_t leaf_count, uint64_t index) {
  switch (scheme) {
    case MerkleScheme::kBitcoin:
      return MerkleStepsToRoot(MerkleOddNode::kDuplicate, leaf_count, index);
    case MerkleScheme::kRfc6962:
      return MerkleStepsToRoot(MerkleOddNode::kPromote, leaf_count, index);
    case MerkleScheme::kOzKeccakSorted: return 0;
  }
  return 0;
}

uint32_t OzProofLength(uint64_t leaf_count, uint64_t position) {
  return static_cast<uint32_t>(std::bit_width(2 * leaf_count - 1 - position) - 1);
}

}  // namespace chainaccel
