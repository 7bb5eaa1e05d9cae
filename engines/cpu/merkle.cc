#include "engines/cpu/merkle.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/merkle_rules.h"
#include "crypto/hashes.h"

namespace chainaccel {
namespace {

constexpr size_t kHashSize = 32;

// Pairs hashed per ParallelFor chunk: a pair costs 0.1-0.3 µs, so a chunk runs for
// 0.1-0.3 ms, long enough that claiming it is noise and short enough to balance a level
// across threads. Levels below this many pairs are hashed on the calling thread.
constexpr size_t kPairGrain = 1024;
// Proof hashes gathered per chunk (a 32-byte copy each).
constexpr size_t kProofGrain = 8192;
// Leaf hashes of raw RFC 6962 entries per chunk (entries are usually hundreds of bytes).
constexpr size_t kEntryGrain = 256;

// Hash of an inner node from its two children (32 bytes each).
using NodeHashFn = void (*)(const uint8_t* left, const uint8_t* right, uint8_t* out);

// BITCOIN: SHA256D(left || right).
void BitcoinNode(const uint8_t* left, const uint8_t* right, uint8_t* out) {
  uint8_t buf[2 * kHashSize];
  std::memcpy(buf, left, kHashSize);
  std::memcpy(buf + kHashSize, right, kHashSize);
  Sha256d(buf, out);
}

// RFC 6962 §2.1: SHA256(0x01 || left || right).
void Rfc6962Node(const uint8_t* left, const uint8_t* right, uint8_t* out) {
  uint8_t buf[1 + 2 * kHashSize];
  buf[0] = 0x01;
  std::memcpy(buf + 1, left, kHashSize);
  std::memcpy(buf + 1 + kHashSize, right, kHashSize);
  Sha256(buf, out);
}

// OpenZeppelin's standardNodeHash: keccak256 of the two children in byte-wise order,
// so the hash does not depend on which child is left.
void OzNode(const uint8_t* a, const uint8_t* b, uint8_t* out) {
  if (std::memcmp(a, b, kHashSize) > 0) std::swap(a, b);
  uint8_t buf[2 * kHashSize];
  std::memcpy(buf, a, kHashSize);
  std::memcpy(buf + kHashSize, b, kHashSize);
  Keccak256(buf, out);
}

// Shape of a scheme's tree, seen level by level from the bottom.
struct SchemeShape {
  NodeHashFn hash;
  MerkleOddNode odd;
};

bool ShapeOf(MerkleScheme scheme, SchemeShape* shape) {
  switch (scheme) {
    case MerkleScheme::kBitcoin: *shape = {BitcoinNode, MerkleOddNode::kDuplicate}; return true;
    case MerkleScheme::kRfc6962: *shape = {Rfc6962Node, MerkleOddNode::kPromote}; return true;
    // OZ levels always have an even number of nodes (see BuildPlan); kPromote is moot.
    case MerkleScheme::kOzKeccakSorted: *shape = {OzNode, MerkleOddNode::kPromote}; return true;
  }
  return false;
}

void ForRange(ThreadPool* pool, size_t n, size_t grain,
              const std::function<void(size_t, size_t)>& fn) {
  if (pool == nullptr || n <= grain) {
    if (n != 0) fn(0, n);
    return;
  }
  pool->ParallelFor(n, grain, fn);
}

// Hashes a level of `size` nodes, node j at at(j), into the ceil(size / 2) nodes of the
// level above, written from `out`.
template <typename NodeAt>
void HashLevel(ThreadPool* pool, const SchemeShape& shape, uint64_t size, const NodeAt& at,
               uint8_t* out) {
  const uint64_t pairs = size / 2;
  ForRange(pool, pairs, kPairGrain, [&](size_t begin, size_t end) {
    for (size_t j = begin; j < end; ++j) shape.hash(at(2 * j), at(2 * j + 1), out + j * kHashSize);
  });
  if (size % 2 == 1) {
    const uint8_t* last = at(size - 1);
    uint8_t* dst = out + pairs * kHashSize;
    if (shape.odd == MerkleOddNode::kDuplicate) {
      shape.hash(last, last, dst);
    } else {
      std::memcpy(dst, last, kHashSize);
    }
  }
}

// Order of the OZ leaves when sort_leaves is set: ascending bytes, ties in input order
// (JavaScript's Array.prototype.sort is stable, and OpenZeppelin sorts the leaves with it).
struct SortKey {
  uint64_t prefix;  // the first 8 leaf bytes, big-endian, so that integer order = byte order
  uint32_t index;
};

std::vector<uint32_t> SortedLeafOrder(ThreadPool* pool, const PackedItems& leaves) {
  const size_t n = leaves.size();
  std::vector<SortKey> keys(n);
  ForRange(pool, n, kProofGrain, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      uint64_t prefix = 0;
      for (size_t b = 0; b < 8; ++b) prefix = prefix << 8 | leaves[i][b];
      keys[i] = {prefix, static_cast<uint32_t>(i)};
    }
  });
  auto less = [&leaves](const SortKey& a, const SortKey& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    int c = std::memcmp(leaves[a.index].data(), leaves[b.index].data(), kHashSize);
    return c != 0 ? c < 0 : a.index < b.index;
  };
  // Sort one run per thread in parallel, then merge runs pairwise, in parallel too.
  // The order is total (ties broken by index), so the result is the stable order.
  const size_t runs = pool == nullptr || n < 2 * kProofGrain ? 1 : pool->size() + 1;
  const size_t run = (n + runs - 1) / runs;
  ForRange(pool, runs, 1, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      std::sort(keys.begin() + std::min(n, r * run), keys.begin() + std::min(n, (r + 1) * run),
                less);
    }
  });
  if (runs > 1) {
    std::vector<SortKey> merged(n);
    for (size_t width = run; width < n; width *= 2) {
      const size_t pairs = (n + 2 * width - 1) / (2 * width);
      ForRange(pool, pairs, 1, [&](size_t begin, size_t end) {
        for (size_t p = begin; p < end; ++p) {
          auto lo = keys.begin() + p * 2 * width;
          auto mid = keys.begin() + std::min(n, p * 2 * width + width);
          auto hi = keys.begin() + std::min(n, (p + 1) * 2 * width);
          std::merge(lo, mid, mid, hi, merged.begin() + p * 2 * width, less);
        }
      });
      keys.swap(merged);
    }
  }
  std::vector<uint32_t> order(n);
  for (size_t p = 0; p < n; ++p) order[p] = keys[p].index;
  return order;
}

// Where a leaf enters the level-by-level build: OZ leaves sit on two levels.
struct LeafSlot {
  uint32_t level;  // 0 (bottom) or 1
  uint64_t pos;    // position in that level
};

// The tree of a scheme as a sequence of levels, bottom up.
//
// BITCOIN and RFC 6962: level 0 is the leaves; each level above hashes adjacent pairs
// of the one below, the odd last node duplicated or promoted (for RFC 6962 this equals
// the recursive MTH split at the largest power of two below n, RFC 6962 §2.1).
//
// OZ: OpenZeppelin's array tree has 2n - 1 nodes, tree[2n - 2 - i] = leaf i (leaves in
// sorted order when sorting), tree[k] = hash(tree[2k + 1], tree[2k + 2]). Its depth-d
// row is tree[2^d - 1, 2^(d+1) - 1). With D the depth of the deepest row, that row holds
// the m = 2n - 2^D leaves 0..m-1 and the row above holds the inner nodes followed by
// leaves n-1 down to m. Mirroring every row (the node hash is symmetric, so a mirrored
// pair hashes alike) turns this into: level 0 = leaves 0..m-1 in order; level 1 =
// leaves m..n-1 followed by the hashes of the pairs of level 0; every level above
// hashes the pairs of the one below. All these levels have an even number of nodes
// until the root. A node's sibling is pos ^ 1 on every level, as in getProof.
struct BuildPlan {
  uint64_t bottom = 0;   // nodes on level 0
  uint64_t carried = 0;  // leaves placed at the front of level 1 (OZ only)

  static BuildPlan For(MerkleScheme scheme, uint64_t n) {
    BuildPlan plan{n, 0};
    if (scheme == MerkleScheme::kOzKeccakSorted) {
      const uint64_t deepest_row = std::bit_floor(2 * n - 1);  // 2^D
      plan.bottom = 2 * n - deepest_row;
      plan.carried = n - plan.bottom;
    }
    return plan;
  }

  // Slot of the leaf at position p of the (sorted, for OZ) leaf order.
  LeafSlot Slot(uint64_t p) const {
    return p < bottom ? LeafSlot{0, p} : LeafSlot{1, p - bottom};
  }

  uint64_t Level1Size() const { return carried + MerkleNextLevelSize(bottom); }

  // Hashes in the proof of the leaf in `slot`: its steps up to level 1, then from there.
  uint64_t ProofLength(MerkleOddNode odd, LeafSlot slot) const {
    if (slot.level == 1) return MerkleStepsToRoot(odd, Level1Size(), slot.pos);
    if (bottom == 1 && carried == 0) return 0;  // the leaf is the root
    const bool has_step = (slot.pos ^ 1) < bottom || odd == MerkleOddNode::kDuplicate;
    return has_step + MerkleStepsToRoot(odd, Level1Size(), carried + (slot.pos >> 1));
  }
};

// Builds a tree of n >= 1 leaf nodes. leaf(p) is the p-th 32-byte leaf node in tree
// order. Proof k is for the leaf at tree order position proof_pos[k].
template <typename LeafAt>
void BuildLevels(ThreadPool* pool, const SchemeShape& shape, const BuildPlan& plan,
                 const LeafAt& leaf, const std::vector<uint64_t>& proof_pos,
                 MerkleBuildTask& task) {
  const size_t proofs = proof_pos.size();
  std::vector<LeafSlot> slots(proofs);
  std::vector<uint64_t> cursor(proofs + 1, 0);  // next hash slot of each proof
  for (size_t k = 0; k < proofs; ++k) {
    slots[k] = plan.Slot(proof_pos[k]);
    const uint64_t steps = plan.ProofLength(shape.odd, slots[k]);
    task.proof_lengths[k] = static_cast<uint32_t>(steps);
    cursor[k + 1] = cursor[k] + steps;
  }
  task.proof_hashes.assign(cursor[proofs] * kHashSize, 0);

  // Appends, to every proof whose leaf is on `level`, its step for that level; then
  // moves its position to the parent.
  auto collect = [&](uint32_t level, uint64_t size, const auto& at) {
    ForRange(pool, proofs, kProofGrain, [&](size_t begin, size_t end) {
      for (size_t k = begin; k < end; ++k) {
        LeafSlot& s = slots[k];
        if (s.level != level) continue;
        const uint64_t sibling = s.pos ^ 1;
        const uint8_t* step = nullptr;
        if (sibling < size) {
          step = at(sibling);
        } else if (shape.odd == MerkleOddNode::kDuplicate) {
          step = at(s.pos);
        }
        if (step != nullptr) {
          std::memcpy(task.proof_hashes.data() + cursor[k] * kHashSize, step, kHashSize);
          ++cursor[k];
        }
        s.level = level + 1;
        s.pos = (level == 0 ? plan.carried : 0) + (s.pos >> 1);
      }
    });
  };

  if (plan.bottom == 1 && plan.carried == 0) {  // one leaf: it is the root
    std::memcpy(task.root.data(), leaf(0), kHashSize);
    return;
  }

  // Level 1 from the leaves, then ping-pong between two buffers up to the root.
  std::vector<uint8_t> below(plan.Level1Size() * kHashSize);
  collect(0, plan.bottom, leaf);
  ForRange(pool, plan.carried, kProofGrain, [&](size_t begin, size_t end) {
    for (size_t j = begin; j < end; ++j) {
      std::memcpy(below.data() + j * kHashSize, leaf(plan.bottom + j), kHashSize);
    }
  });
  HashLevel(pool, shape, plan.bottom, leaf, below.data() + plan.carried * kHashSize);

  std::vector<uint8_t> above(MerkleNextLevelSize(plan.Level1Size()) * kHashSize);
  uint64_t size = plan.Level1Size();
  for (uint32_t level = 1; size > 1; ++level) {
    const uint8_t* nodes = below.data();
    auto at = [nodes](uint64_t j) { return nodes + j * kHashSize; };
    collect(level, size, at);
    HashLevel(pool, shape, size, at, above.data());
    below.swap(above);
    size = MerkleNextLevelSize(size);
  }
  std::memcpy(task.root.data(), below.data(), kHashSize);
}

}  // namespace

Status BuildMerkleTree(MerkleBuildTask& task, ThreadPool* pool) {
  Status s = CheckMerkleBuildTask(task);
  if (!s.ok()) return s;
  SchemeShape shape;
  ShapeOf(task.scheme, &shape);

  const size_t n = task.leaves.size();
  const size_t proofs = task.proof_indices.size();
  task.proof_lengths.assign(proofs, 0);
  task.proof_hashes.clear();
  if (n == 0) {  // RFC 6962 §2.1: MTH({}) = SHA-256()
    BuildEmptyMerkleTree(task);
    return Status::Ok();
  }

  const BuildPlan plan = BuildPlan::For(task.scheme, n);
  std::vector<uint64_t> proof_pos(task.proof_indices.begin(), task.proof_indices.end());

  if (task.leaves_are_entries) {  // RFC 6962 leaf hashes: SHA256(0x00 || entry)
    std::vector<uint8_t> hashes(n * kHashSize);
    ForRange(pool, n, kEntryGrain, [&](size_t begin, size_t end) {
      static constexpr uint8_t kLeafPrefix[1] = {0x00};
      for (size_t i = begin; i < end; ++i) {
        Sha256Concat({kLeafPrefix, task.leaves[i]}, hashes.data() + i * kHashSize);
      }
    });
    const uint8_t* base = hashes.data();
    BuildLevels(pool, shape, plan, [base](uint64_t p) { return base + p * kHashSize; },
                proof_pos, task);
    return Status::Ok();
  }

  if (task.sort_leaves) {
    const std::vector<uint32_t> order = SortedLeafOrder(pool, task.leaves);
    if (proofs != 0) {
      std::vector<uint32_t> position(n);
      for (size_t p = 0; p < n; ++p) position[order[p]] = static_cast<uint32_t>(p);
      for (uint64_t& pos : proof_pos) pos = position[pos];
    }
    const PackedItems& leaves = task.leaves;
    BuildLevels(pool, shape, plan,
                [&leaves, &order](uint64_t p) { return leaves[order[p]].data(); }, proof_pos,
                task);
    return Status::Ok();
  }

  const PackedItems& leaves = task.leaves;
  BuildLevels(pool, shape, plan, [&leaves](uint64_t p) { return leaves[p].data(); }, proof_pos,
              task);
  return Status::Ok();
}

ItemStatus VerifyMerkleProof(MerkleScheme scheme, const Hash32& root, uint64_t leaf_count,
                             ByteView leaf, uint64_t index, ByteView proof) {
  SchemeShape shape;
  if (!ShapeOf(scheme, &shape) || leaf.size() != kHashSize) return ItemStatus::kInvalid;
  if (proof.size() % kHashSize != 0) return ItemStatus::kMalformedProof;
  const size_t steps = proof.size() / kHashSize;
  if (scheme != MerkleScheme::kOzKeccakSorted) {
    if (index >= leaf_count) return ItemStatus::kIndexOutOfRange;
    if (steps != MerkleProofLength(scheme, leaf_count, index)) return ItemStatus::kMalformedProof;
  }

  uint8_t node[kHashSize];
  std::memcpy(node, leaf.data(), kHashSize);
  switch (scheme) {
    case MerkleScheme::kBitcoin:
      // The proof has a step per level; the position's low bit says which side the
      // node is on (a duplicated node is on the left, its step is itself).
      for (size_t i = 0; i < steps; ++i, index >>= 1) {
        const uint8_t* step = proof.data() + i * kHashSize;
        if (index & 1) {
          BitcoinNode(step, node, node);
        } else {
          BitcoinNode(node, step, node);
        }
      }
      break;
    case MerkleScheme::kRfc6962: {
      // RFC 9162 §2.1.3.2, step by step, with fn = index and sn = leaf_count - 1.
      uint64_t fn = index;
      uint64_t sn = leaf_count - 1;
      for (size_t i = 0; i < steps; ++i) {
        if (sn == 0) return ItemStatus::kInvalid;
        const uint8_t* step = proof.data() + i * kHashSize;
        if ((fn & 1) || fn == sn) {
          Rfc6962Node(step, node, node);
          if (!(fn & 1)) {
            while (fn != 0 && !(fn & 1)) {
              fn >>= 1;
              sn >>= 1;
            }
          }
        } else {
          Rfc6962Node(node, step, node);
        }
        fn >>= 1;
        sn >>= 1;
      }
      if (sn != 0) return ItemStatus::kInvalid;
      break;
    }
    case MerkleScheme::kOzKeccakSorted:
      // OpenZeppelin's processProof: fold with the order-independent node hash.
      for (size_t i = 0; i < steps; ++i) OzNode(node, proof.data() + i * kHashSize, node);
      break;
  }
  return std::memcmp(node, root.data(), kHashSize) == 0 ? ItemStatus::kOk : ItemStatus::kInvalid;
}

}  // namespace chainaccel
