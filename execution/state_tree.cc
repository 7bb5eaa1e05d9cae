#include "execution/state_tree.h"

#include <algorithm>
#include <cstring>

#include "crypto/hashes.h"

namespace chainaccel::exec {
namespace {

// One changed key: its path and new value's hash (nullopt: removed).
struct Change {
  Hash32 path;
  std::optional<Hash32> value_hash;
};
using Changes = std::span<const Change>;

Hash32 ChildPrefix(const Hash32& prefix, unsigned depth, int side) {
  Hash32 p = prefix;
  if (side) p[depth / 8] |= static_cast<uint8_t>(0x80 >> (depth % 8));
  return p;
}

// The first change of `changes` (sorted by path) whose bit `depth` is 1.
size_t SplitAt(Changes changes, unsigned depth) {
  return static_cast<size_t>(
      std::partition_point(changes.begin(), changes.end(),
                           [depth](const Change& c) { return PathBit(c.path, depth) == 0; }) -
      changes.begin());
}

// The committed nodes an update reads, read ahead a level at a time from the root, each
// level in one NodeReader::LatestBatch, then served from memory. The update reads the
// nodes of a depth in the order they were read ahead (both go left before right, so by
// prefix), so each depth is a sorted list with a cursor: no per-node allocation or hash
// lookup (with a hash map, an update at 10^5 keys with the whole tree cached took 0.12 s
// against 0.07-0.09 s without reading ahead; with the lists, 0.09-0.10 s).
// A position not next in its list (the sibling a Join reads again) is read through the
// committed tree's reader.
class PrefetchedNodes final : public NodeReader {
 public:
  // An internal node read ahead, with the changes under it.
  struct Visit {
    NodePosition position;
    Changes changes;
    TreeNode node;
  };
  // The nodes read ahead at one depth (depth d: the (d - 1)th level), by prefix (nullopt:
  // not found). `cursor`: the next one the update reads (Latest moves it: one thread only).
  struct Level {
    std::vector<NodePosition> positions;
    std::vector<std::optional<VersionedNode>> nodes;
    mutable size_t cursor = 0;
  };
  // Memory kept from one update to the next (TreeUpdateScratch).
  struct Buffers {
    std::vector<Level> levels;  // the first `used` are this update's
    std::vector<Visit> visits, next;
  };

  PrefetchedNodes(const NodeReader& reader, Buffers& buffers)
      : reader_(reader), levels_(buffers.levels), visits_(buffers.visits), next_(buffers.next) {}

  // Reads every committed node that an update of the tree under `root` (the committed
  // root node) by `changes` visits below the root: at each depth, the children on the
  // changes' side of an internal node read at the depth above, where that child is not
  // empty. A node missing there is left for the update to find (and report).
  Status Load(const VersionedNode& root, Changes changes) {
    std::vector<Visit>& level = visits_;
    level.assign(1, Visit{NodePosition{}, changes, root.node});
    next_.clear();
    while (!level.empty()) {
      if (used_ == levels_.size()) levels_.emplace_back();
      Level& depth = levels_[used_++];
      depth.positions.clear();
      depth.nodes.clear();
      depth.cursor = 0;
      for (const Visit& v : level) ChildrenToRead(v, &depth.positions, &next_);
      Status s = depth.positions.empty() ? Status::Ok() : reader_.LatestBatch(depth.positions, &depth.nodes);
      if (!s.ok()) return s;
      level.clear();
      for (size_t i = 0; i < depth.nodes.size(); ++i) {
        const std::optional<VersionedNode>& n = depth.nodes[i];
        if (n && n->node.kind == TreeNode::Kind::kInternal) {
          level.push_back(Visit{next_[i].position, next_[i].changes, n->node});
        }
      }
      next_.clear();
    }
    return Status::Ok();
  }

  Status Latest(const NodePosition& position, std::optional<VersionedNode>* out) const override {
    const size_t d = position.depth;
    if (d >= 1 && d <= used_) {
      const Level& level = levels_[d - 1];
      size_t& at = level.cursor;
      if (at < level.positions.size() && level.positions[at] == position && level.nodes[at]) {
        *out = level.nodes[at++];
        return Status::Ok();
      }
    }
    return reader_.Latest(position, out);
  }

 private:
  // The children of `v` that the update reads: those on a side with changes, not empty.
  // Appends their positions to *positions and their visits (node not yet read) to *next.
  static void ChildrenToRead(const Visit& v, std::vector<NodePosition>* positions,
                             std::vector<Visit>* next) {
    const unsigned depth = v.position.depth;
    if (depth >= 256) return;
    const size_t mid = SplitAt(v.changes, depth);
    for (int side = 0; side < 2; ++side) {
      const Changes part = side ? v.changes.subspan(mid) : v.changes.first(mid);
      if (part.empty() || (side ? v.node.b : v.node.a) == kEmptyStateRoot) continue;
      positions->push_back(
          NodePosition{static_cast<uint16_t>(depth + 1), ChildPrefix(v.position.prefix, depth, side)});
      next->push_back(Visit{positions->back(), part, TreeNode{}});
    }
  }

  const NodeReader& reader_;
  std::vector<Level>& levels_;
  size_t used_ = 0;
  std::vector<Visit>& visits_;
  std::vector<Visit>& next_;
};

class Updater {
 public:
  struct Pending {
    TreeNode node;  // an internal node's halves are filled from its new children in Finish
    NodePosition position;
    std::optional<size_t> left, right;  // new children (pending indices)
    Hash32 hash{};
  };
  // Memory kept from one update to the next (TreeUpdateScratch).
  struct Buffers {
    std::vector<Pending> pending;
    std::vector<Change> rebuilt;                // Rebuild's leaves
    std::vector<size_t> leaves;                 // Finish's new leaves
    std::vector<std::vector<size_t>> by_depth;  // and internal nodes by depth
    std::vector<uint8_t> preimages, digests;    // HashNodes'
  };

  Updater(const NodeReader& reader, TreeUpdate* out, Buffers& buffers)
      : reader_(reader), out_(out), b_(buffers), pending_(buffers.pending) {
    pending_.clear();
  }

  // A subtree after the update: empty, a node made here (pending_[index]) or a committed
  // node that stays where it is (its hash).
  struct Sub {
    enum class Kind : uint8_t { kEmpty, kNew, kClean } kind = Kind::kEmpty;
    size_t index = 0;
    Hash32 hash{};
  };

  // The subtree at (depth, prefix), whose committed node is `old` (nullopt: empty), with
  // `changes` (non-empty, all under the prefix) applied.
  Status Update(unsigned depth, const Hash32& prefix, Changes changes,
                const std::optional<VersionedNode>& old, Sub* out) {
    if (old) out_->stale.push_back({NodePosition{static_cast<uint16_t>(depth), prefix}, old->version});
    if (!old || old->node.kind == TreeNode::Kind::kLeaf) return Rebuild(depth, prefix, changes, old, out);
    const size_t mid = SplitAt(changes, depth);
    Sub sides[2];
    for (int side = 0; side < 2; ++side) {
      const Changes part = side ? changes.subspan(mid) : changes.first(mid);
      const Hash32& child_hash = side ? old->node.b : old->node.a;
      if (part.empty()) {
        if (child_hash != kEmptyStateRoot) sides[side] = Sub{Sub::Kind::kClean, 0, child_hash};
        continue;
      }
      std::optional<VersionedNode> child;
      const Hash32 child_prefix = ChildPrefix(prefix, depth, side);
      if (child_hash != kEmptyStateRoot) {
        Status s = ReadNode(depth + 1, child_prefix, &child);
        if (!s.ok()) return s;
      }
      Status s = Update(depth + 1, child_prefix, part, child, &sides[side]);
      if (!s.ok()) return s;
    }
    return Join(depth, prefix, sides, out);
  }

  // Places the root's subtree at depth 0 and hashes every new node: all leaves in one
  // batch, then the internal nodes a level at a time from the deepest up.
  Status Finish(const Sub& root, NodeHasher& hasher) {
    if (root.kind == Sub::Kind::kNew) Place(root.index, 0, Hash32{});
    std::vector<size_t>& leaves = b_.leaves;
    std::vector<std::vector<size_t>>& levels = b_.by_depth;
    leaves.clear();
    levels.resize(257);
    for (std::vector<size_t>& level : levels) level.clear();
    for (size_t i = 0; i < pending_.size(); ++i) {
      if (pending_[i].node.kind == TreeNode::Kind::kLeaf) {
        leaves.push_back(i);
      } else {
        levels[pending_[i].position.depth].push_back(i);
      }
    }
    Status s = HashNodes(leaves, hasher);
    for (size_t d = levels.size(); s.ok() && d-- > 0;) {
      for (size_t i : levels[d]) {
        Pending& p = pending_[i];
        if (p.left) p.node.a = pending_[*p.left].hash;
        if (p.right) p.node.b = pending_[*p.right].hash;
      }
      s = HashNodes(levels[d], hasher);
    }
    if (!s.ok()) return s;
    out_->written.reserve(pending_.size());
    for (const Pending& p : pending_) out_->written.push_back({p.position, p.node});
    out_->root = root.kind == Sub::Kind::kNew ? pending_[root.index].hash : root.hash;
    return Status::Ok();
  }

 private:
  Status ReadNode(unsigned depth, const Hash32& prefix, std::optional<VersionedNode>* out) {
    Status s = reader_.Latest(NodePosition{static_cast<uint16_t>(depth), prefix}, out);
    if (s.ok() && !*out) {
      return Status::Internal("state tree: no node at depth " + std::to_string(depth) +
                              " under a non-empty hash (damaged database)");
    }
    return s;
  }

  // The committed subtree was empty or one leaf: the subtree of its leaf (unless changed)
  // and the changed keys' new leaves, built from nothing.
  Status Rebuild(unsigned depth, const Hash32& prefix, Changes changes,
                 const std::optional<VersionedNode>& old, Sub* out) {
    // Build does not come back here before it is done with `leaves`.
    std::vector<Change>& leaves = b_.rebuilt;
    leaves.clear();
    bool old_kept = old.has_value();
    for (const Change& c : changes) {
      if (old && c.path == old->node.a) old_kept = false;
      if (c.value_hash) leaves.push_back(c);
    }
    if (old_kept) {
      const Change kept{old->node.a, old->node.b};
      leaves.insert(std::lower_bound(leaves.begin(), leaves.end(), kept,
                                     [](const Change& x, const Change& y) { return x.path < y.path; }),
                    kept);
    }
    return Build(depth, prefix, leaves, out);
  }

  Status Build(unsigned depth, const Hash32& prefix, Changes leaves, Sub* out) {
    if (leaves.empty()) {
      *out = Sub{};
      return Status::Ok();
    }
    if (leaves.size() == 1) {
      *out = NewNode(TreeNode{TreeNode::Kind::kLeaf, leaves[0].path, *leaves[0].value_hash});
      return Status::Ok();
    }
    if (depth == 256) return Status::Internal("state tree: two keys with one path");
    const size_t mid = SplitAt(leaves, depth);
    Sub sides[2];
    for (int side = 0; side < 2; ++side) {
      Status s = Build(depth + 1, ChildPrefix(prefix, depth, side),
                       side ? leaves.subspan(mid) : leaves.first(mid), &sides[side]);
      if (!s.ok()) return s;
    }
    *out = NewInternal(depth, prefix, sides);
    return Status::Ok();
  }

  // The node at (depth, prefix) over its two updated sides: empty, the one leaf left
  // (moved up here; a committed leaf's record below becomes stale), or an internal node.
  Status Join(unsigned depth, const Hash32& prefix, const Sub sides[2], Sub* out) {
    const bool empty0 = sides[0].kind == Sub::Kind::kEmpty;
    const bool empty1 = sides[1].kind == Sub::Kind::kEmpty;
    if (empty0 && empty1) {
      *out = Sub{};
      return Status::Ok();
    }
    if (empty0 || empty1) {
      const int side = empty0 ? 1 : 0;
      const Sub& only = sides[side];
      if (only.kind == Sub::Kind::kNew && pending_[only.index].node.kind == TreeNode::Kind::kLeaf) {
        *out = only;
        return Status::Ok();
      }
      if (only.kind == Sub::Kind::kClean) {
        std::optional<VersionedNode> child;
        const Hash32 child_prefix = ChildPrefix(prefix, depth, side);
        Status s = ReadNode(depth + 1, child_prefix, &child);
        if (!s.ok()) return s;
        if (child->node.kind == TreeNode::Kind::kLeaf) {
          out_->stale.push_back({NodePosition{static_cast<uint16_t>(depth + 1), child_prefix},
                                 child->version});
          *out = NewNode(child->node);
          return Status::Ok();
        }
      }
    }
    *out = NewInternal(depth, prefix, sides);
    return Status::Ok();
  }

  Sub NewNode(const TreeNode& node) {
    pending_.push_back(Pending{node, {}, std::nullopt, std::nullopt, {}});
    return Sub{Sub::Kind::kNew, pending_.size() - 1, {}};
  }

  Sub NewInternal(unsigned depth, const Hash32& prefix, const Sub sides[2]) {
    Pending p{TreeNode{TreeNode::Kind::kInternal, {}, {}}, NodePosition{static_cast<uint16_t>(depth), prefix},
              std::nullopt, std::nullopt, {}};
    for (int side = 0; side < 2; ++side) {
      Hash32& half = side ? p.node.b : p.node.a;
      std::optional<size_t>& child = side ? p.right : p.left;
      if (sides[side].kind == Sub::Kind::kClean) half = sides[side].hash;
      if (sides[side].kind != Sub::Kind::kNew) continue;
      child = sides[side].index;
      Place(sides[side].index, depth + 1, ChildPrefix(prefix, depth, side));
    }
    pending_.push_back(std::move(p));
    return Sub{Sub::Kind::kNew, pending_.size() - 1, {}};
  }

  // A leaf's position is known once its parent is made (it moves up while its siblings
  // empty); an internal node's when it is made.
  void Place(size_t index, unsigned depth, const Hash32& prefix) {
    pending_[index].position = NodePosition{static_cast<uint16_t>(depth), prefix};
  }

  Status HashNodes(const std::vector<size_t>& nodes, NodeHasher& hasher) {
    if (nodes.empty()) return Status::Ok();
    std::vector<uint8_t>& preimages = b_.preimages;
    std::vector<uint8_t>& digests = b_.digests;
    preimages.resize(nodes.size() * kTreeNodePreimageBytes);
    digests.resize(nodes.size() * 32);
    for (size_t k = 0; k < nodes.size(); ++k) {
      const TreeNode& n = pending_[nodes[k]].node;
      uint8_t* p = preimages.data() + k * kTreeNodePreimageBytes;
      p[0] = n.kind == TreeNode::Kind::kLeaf ? kLeafDomain : kInternalDomain;
      std::memcpy(p + 1, n.a.data(), 32);
      std::memcpy(p + 33, n.b.data(), 32);
    }
    Status s = hasher.Hash(preimages, nodes.size(), digests.data());
    if (!s.ok()) return s;
    for (size_t k = 0; k < nodes.size(); ++k) {
      std::memcpy(pending_[nodes[k]].hash.data(), digests.data() + k * 32, 32);
    }
    return Status::Ok();
  }

  const NodeReader& reader_;
  TreeUpdate* const out_;
  Buffers& b_;
  std::vector<Pending>& pending_;
};

// The changes of `writes`, sorted by path, into *changes.
void ChangesOf(const WriteSet& writes, std::vector<Change>* out) {
  std::vector<Change>& changes = *out;
  changes.clear();
  changes.reserve(writes.size());
  for (const auto& [key, value] : writes) {
    changes.push_back(Change{StateKeyPath(key),
                             value ? std::optional<Hash32>(StateValueHash(*value)) : std::nullopt});
  }
  std::sort(changes.begin(), changes.end(),
            [](const Change& x, const Change& y) { return x.path < y.path; });
}

// Releases v's memory when it holds more than `keep_bytes`.
template <typename T>
void ReleaseIfLarger(std::vector<T>& v, size_t keep_bytes) {
  if (v.capacity() * sizeof(T) > keep_bytes) std::vector<T>().swap(v);
}

// The reader of the empty tree (which has no nodes to read).
class EmptyTreeReader final : public NodeReader {
 public:
  Status Latest(const NodePosition&, std::optional<VersionedNode>* out) const override {
    out->reset();
    return Status::Ok();
  }
};

// A subtree built apart from its parent: empty, one leaf (which moves up past empty
// siblings, its hash unchanged), or an internal node.
struct Subtree {
  enum class Kind : uint8_t { kEmpty, kLeaf, kInternal } kind = Kind::kEmpty;
  Hash32 hash{};
};

// The node over two sibling subtrees, by the tree's rules.
Subtree Join(const Subtree& left, const Subtree& right) {
  using K = Subtree::Kind;
  if (left.kind == K::kEmpty && right.kind != K::kInternal) return right;
  if (right.kind == K::kEmpty && left.kind == K::kLeaf) return left;
  return Subtree{K::kInternal, StateInternalHash(left.hash, right.hash)};
}

// The first `bits` bits of a key path (bits <= 32), as an integer.
uint64_t PathPrefix(const Hash32& path, unsigned bits) {
  uint64_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | path[i];
  return bits == 0 ? 0 : v >> (32 - bits);
}

// The subtree at depth `bits` under prefix `prefix` of the keys `part` (all of whose
// paths start with that prefix), built from nothing.
Status BuildSubtree(const WriteSet& part, unsigned bits, uint64_t prefix, NodeHasher& hasher,
                    Subtree* out) {
  EmptyTreeReader empty;
  TreeUpdate update;
  Status s = UpdateStateTree(empty, kEmptyStateRoot, part, hasher, &update);
  if (!s.ok()) return s;
  if (part.size() < 2) {
    *out = Subtree{part.empty() ? Subtree::Kind::kEmpty : Subtree::Kind::kLeaf, update.root};
    return Status::Ok();
  }
  // Two leaves or more under the prefix: the internal node at (bits, prefix).
  NodePosition at{static_cast<uint16_t>(bits), Hash32{}};
  for (unsigned i = 0; i < bits; ++i) {
    if ((prefix >> (bits - 1 - i)) & 1) at.prefix[i / 8] |= static_cast<uint8_t>(0x80 >> (i % 8));
  }
  for (const auto& [position, node] : update.written) {
    if (position == at) {
      *out = Subtree{Subtree::Kind::kInternal, node.Hash()};
      return Status::Ok();
    }
  }
  return Status::Internal("state tree: no node under a prefix of two keys or more");
}

}  // namespace

Status NodeReader::LatestBatch(std::span<const NodePosition> positions,
                               std::vector<std::optional<VersionedNode>>* out) const {
  out->assign(positions.size(), std::nullopt);
  for (size_t i = 0; i < positions.size(); ++i) {
    Status s = Latest(positions[i], &(*out)[i]);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

std::string TreeNode::Encode() const {
  std::string s(65, '\0');
  s[0] = static_cast<char>(kind);
  std::memcpy(s.data() + 1, a.data(), 32);
  std::memcpy(s.data() + 33, b.data(), 32);
  return s;
}

bool TreeNode::Decode(std::string_view bytes) {
  if (bytes.size() != 65) return false;
  const auto k = static_cast<uint8_t>(bytes[0]);
  if (k != static_cast<uint8_t>(Kind::kLeaf) && k != static_cast<uint8_t>(Kind::kInternal)) return false;
  kind = static_cast<Kind>(k);
  std::memcpy(a.data(), bytes.data() + 1, 32);
  std::memcpy(b.data(), bytes.data() + 33, 32);
  return true;
}

Status CpuNodeHasher::Hash(std::span<const uint8_t> preimages, size_t n, uint8_t* digests) {
  for (size_t i = 0; i < n; ++i) {
    Sha256(preimages.subspan(i * kTreeNodePreimageBytes, kTreeNodePreimageBytes), digests + 32 * i);
  }
  return Status::Ok();
}

Status EngineNodeHasher::Hash(std::span<const uint8_t> preimages, size_t n, uint8_t* digests) {
  if (n < kMinEngineNodes) return cpu_.Hash(preimages, n, digests);
  HashTask task;
  task.algorithm = HashAlgorithm::kSha256;
  task.messages = PackedItems::Fixed(preimages.first(n * kTreeNodePreimageBytes), kTreeNodePreimageBytes);
  task.digests = digests;
  Task t = std::move(task);
  ++engine_batches_;
  return engine_.Run(t);
}

struct TreeUpdateScratch::Buffers {
  std::vector<Change> changes;
  PrefetchedNodes::Buffers prefetch;
  Updater::Buffers update;

  // Releases every buffer that holds more than `keep_bytes`.
  void ReleaseLarge(size_t keep_bytes) {
    ReleaseIfLarger(changes, keep_bytes);
    for (PrefetchedNodes::Level& level : prefetch.levels) {
      ReleaseIfLarger(level.positions, keep_bytes);
      ReleaseIfLarger(level.nodes, keep_bytes);
    }
    ReleaseIfLarger(prefetch.visits, keep_bytes);
    ReleaseIfLarger(prefetch.next, keep_bytes);
    ReleaseIfLarger(update.pending, keep_bytes);
    ReleaseIfLarger(update.rebuilt, keep_bytes);
    ReleaseIfLarger(update.leaves, keep_bytes);
    for (std::vector<size_t>& level : update.by_depth) ReleaseIfLarger(level, keep_bytes);
    ReleaseIfLarger(update.preimages, keep_bytes);
    ReleaseIfLarger(update.digests, keep_bytes);
  }
};

TreeUpdateScratch::TreeUpdateScratch() : buffers_(std::make_unique<Buffers>()) {}
TreeUpdateScratch::~TreeUpdateScratch() = default;

void TreeUpdate::ReleaseLarge(size_t keep_bytes) {
  ReleaseIfLarger(written, keep_bytes);
  ReleaseIfLarger(stale, keep_bytes);
}

namespace {

Status UpdateWithBuffers(const NodeReader& reader, const Hash32& committed_root,
                         const WriteSet& writes, NodeHasher& hasher, TreeUpdate* out,
                         TreeUpdateScratch::Buffers& buffers) {
  out->root = committed_root;
  out->written.clear();
  out->stale.clear();
  if (writes.empty()) return Status::Ok();
  ChangesOf(writes, &buffers.changes);
  const Changes changes = buffers.changes;
  PrefetchedNodes nodes(reader, buffers.prefetch);
  Updater updater(nodes, out, buffers.update);
  std::optional<VersionedNode> root;
  if (committed_root != kEmptyStateRoot) {
    Status s = reader.Latest(NodePosition{}, &root);
    if (!s.ok()) return s;
    if (!root) return Status::Internal("state tree: no root node under a non-empty root (damaged database)");
    if (root->node.kind == TreeNode::Kind::kInternal) s = nodes.Load(*root, changes);
    if (!s.ok()) return s;
  }
  Updater::Sub sub;
  Status s = updater.Update(0, Hash32{}, changes, root, &sub);
  if (!s.ok()) return s;
  return updater.Finish(sub, hasher);
}

}  // namespace

Status UpdateStateTree(const NodeReader& reader, const Hash32& committed_root,
                       const WriteSet& writes, NodeHasher& hasher, TreeUpdate* out,
                       TreeUpdateScratch* scratch) {
  if (scratch == nullptr) {
    TreeUpdateScratch own;
    return UpdateWithBuffers(reader, committed_root, writes, hasher, out, own.buffers());
  }
  Status s = UpdateWithBuffers(reader, committed_root, writes, hasher, out, scratch->buffers());
  scratch->buffers().ReleaseLarge(TreeUpdateScratch::kKeepBytes);
  return s;
}

Status BuildStateRoot(const StateScan& scan, NodeHasher& hasher, Hash32* root,
                      size_t keys_per_pass) {
  WriteSet part;
  size_t keys = 0;
  Status s = scan([&](std::string_view k, std::string_view v) {
    if (++keys <= keys_per_pass) part.emplace_back(std::string(k), std::string(v));
  });
  if (!s.ok()) return s;
  unsigned bits = 0;
  while (bits < 24 && (keys >> bits) > keys_per_pass) ++bits;
  std::vector<Subtree> level(size_t{1} << bits);
  for (uint64_t prefix = 0; prefix < level.size(); ++prefix) {
    if (bits > 0) {
      part.clear();
      s = scan([&](std::string_view k, std::string_view v) {
        if (PathPrefix(StateKeyPath(k), bits) == prefix) part.emplace_back(std::string(k), std::string(v));
      });
      if (!s.ok()) return s;
    }
    s = BuildSubtree(part, bits, prefix, hasher, &level[prefix]);
    if (!s.ok()) return s;
  }
  for (; level.size() > 1; level.resize(level.size() / 2)) {
    for (size_t i = 0; i < level.size() / 2; ++i) level[i] = Join(level[2 * i], level[2 * i + 1]);
  }
  *root = level[0].hash;
  return Status::Ok();
}

Status BuildStateRoot(const std::map<std::string, std::string, std::less<>>& state,
                      const WriteSet* overlay, NodeHasher& hasher, Hash32* root) {
  std::map<std::string_view, const std::optional<std::string>*> over;
  if (overlay) {
    for (const auto& [k, v] : *overlay) over[k] = &v;
  }
  return BuildStateRoot(
      [&](const StateVisitor& visit) {
        for (const auto& [k, v] : state) {
          if (!over.count(k)) visit(k, v);
        }
        for (const auto& [k, v] : over) {
          if (*v) visit(k, **v);
        }
        return Status::Ok();
      },
      hasher, root);
}

}  // namespace chainaccel::exec
