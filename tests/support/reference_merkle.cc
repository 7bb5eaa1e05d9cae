#include "tests/support/reference_merkle.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <span>
#include <stdexcept>
#include <utility>

#include "tests/support/reference_hashes.h"

namespace chainaccel::testing {
namespace {

std::vector<uint8_t> Concat(std::initializer_list<ByteView> parts) {
  std::vector<uint8_t> out;
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// ---- BITCOIN --------------------------------------------------------------------------

ReferenceTree BuildBitcoin(const std::vector<Hash32>& leaves) {
  std::vector<std::vector<Hash32>> levels{leaves};
  while (levels.back().size() > 1) {
    std::vector<Hash32> level = levels.back();
    if (level.size() % 2 == 1) level.push_back(level.back());
    levels.back() = level;  // keep the duplicate: it is the proof step of the last node
    std::vector<Hash32> up;
    for (size_t i = 0; i < level.size(); i += 2) {
      up.push_back(ReferenceSha256d(Concat({level[i], level[i + 1]})));
    }
    levels.push_back(up);
  }
  ReferenceTree tree;
  tree.root = levels.back()[0];
  for (size_t leaf = 0; leaf < leaves.size(); ++leaf) {
    std::vector<Hash32> proof;
    size_t index = leaf;
    for (size_t l = 0; l + 1 < levels.size(); ++l, index /= 2) {
      proof.push_back(levels[l][index ^ 1]);
    }
    tree.proofs.push_back(proof);
  }
  return tree;
}

// ---- RFC 6962 -------------------------------------------------------------------------

class Rfc6962 {
 public:
  explicit Rfc6962(const std::vector<Hash32>& leaf_hashes) : d_(leaf_hashes) {}

  // MTH(D[begin:begin+n]), memoized per subtree.
  Hash32 Mth(size_t begin, size_t n) {
    if (n == 0) return ReferenceSha256({});
    if (n == 1) return d_[begin];
    auto it = memo_.find({begin, n});
    if (it != memo_.end()) return it->second;
    const size_t k = LargestPowerOfTwoBelow(n);
    static constexpr uint8_t kNode[1] = {0x01};
    const Hash32 left = Mth(begin, k);
    const Hash32 right = Mth(begin + k, n - k);
    const Hash32 h = ReferenceSha256(Concat({kNode, left, right}));
    memo_.emplace(std::make_pair(begin, n), h);
    return h;
  }

  // PATH(m, D[begin:begin+n]).
  std::vector<Hash32> Path(size_t m, size_t begin, size_t n) {
    if (n <= 1) return {};
    const size_t k = LargestPowerOfTwoBelow(n);
    std::vector<Hash32> path;
    if (m < k) {
      path = Path(m, begin, k);
      path.push_back(Mth(begin + k, n - k));
    } else {
      path = Path(m - k, begin + k, n - k);
      path.push_back(Mth(begin, k));
    }
    return path;
  }

 private:
  // The largest power of two smaller than n (n > 1).
  static size_t LargestPowerOfTwoBelow(size_t n) {
    size_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }

  const std::vector<Hash32>& d_;
  std::map<std::pair<size_t, size_t>, Hash32> memo_;
};

ReferenceTree BuildRfc6962(const std::vector<Hash32>& leaves) {
  Rfc6962 rfc(leaves);
  ReferenceTree tree;
  tree.root = rfc.Mth(0, leaves.size());
  for (size_t m = 0; m < leaves.size(); ++m) tree.proofs.push_back(rfc.Path(m, 0, leaves.size()));
  return tree;
}

// ---- OpenZeppelin ---------------------------------------------------------------------

// hashPair = (a, b) => keccak256(concat([a, b].sort(compare)))
Hash32 HashPair(const Hash32& a, const Hash32& b) {
  return a <= b ? ReferenceKeccak256(Concat({a, b})) : ReferenceKeccak256(Concat({b, a}));
}

ReferenceTree BuildOz(const std::vector<Hash32>& values, bool sort_leaves) {
  // MerkleTreeImpl.prepare: hashedValues = values.map((value, valueIndex) => ...);
  // if (sortLeaves) hashedValues.sort((a, b) => compare(a.hash, b.hash)) (stable).
  std::vector<std::pair<Hash32, size_t>> hashed;
  for (size_t i = 0; i < values.size(); ++i) hashed.emplace_back(values[i], i);
  if (sort_leaves) {
    std::stable_sort(hashed.begin(), hashed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  // makeMerkleTree
  const size_t n = hashed.size();
  std::vector<Hash32> tree(2 * n - 1);
  for (size_t i = 0; i < n; ++i) tree[tree.size() - 1 - i] = hashed[i].first;
  for (size_t i = tree.size() - n; i-- > 0;) {  // i = tree.length - 1 - n down to 0
    tree[i] = HashPair(tree[2 * i + 1], tree[2 * i + 2]);
  }
  // indexedValues[valueIndex].treeIndex = tree.length - leafIndex - 1
  std::vector<size_t> tree_index(n);
  for (size_t leaf = 0; leaf < n; ++leaf) tree_index[hashed[leaf].second] = tree.size() - leaf - 1;

  ReferenceTree out;
  out.root = tree[0];
  for (size_t v = 0; v < n; ++v) {
    // getProof: while (index > 0) { proof.push(tree[siblingIndex(index)]);
    //                               index = parentIndex(index); }
    std::vector<Hash32> proof;
    for (size_t index = tree_index[v]; index > 0; index = (index - 1) / 2) {
      proof.push_back(tree[index % 2 == 1 ? index + 1 : index - 1]);
    }
    out.proofs.push_back(proof);
  }
  return out;
}

}  // namespace

ReferenceTree BuildReferenceTree(MerkleScheme scheme, const std::vector<Hash32>& leaves,
                                 bool sort_leaves) {
  switch (scheme) {
    case MerkleScheme::kBitcoin: return BuildBitcoin(leaves);
    case MerkleScheme::kRfc6962: return BuildRfc6962(leaves);
    case MerkleScheme::kOzKeccakSorted: return BuildOz(leaves, sort_leaves);
  }
  throw std::invalid_argument("unknown Merkle scheme");
}

Hash32 ReferenceRfc6962LeafHash(ByteView entry) {
  static constexpr uint8_t kLeaf[1] = {0x00};
  return ReferenceSha256(Concat({kLeaf, entry}));
}

}  // namespace chainaccel::testing
