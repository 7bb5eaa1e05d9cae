#include "execution/state_tree.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "crypto/hashes.h"
#include "execution/bucket_files.h"
#include "execution/state_db.h"

namespace chainaccel::exec {
namespace {

// One changed key: its path and new value's hash (nullopt: removed).
struct Change {
  Hash32 path;
  std::optional<Hash32> value_hash;
};
using Changes = std::span<const Change>;

// The prefix of slot `slot` of the node at (depth, prefix).
Hash32 ChildPrefix(const Hash32& prefix, unsigned depth, unsigned slot) {
  Hash32 p = prefix;
  p[depth / 8] |= static_cast<uint8_t>(depth % 8 == 0 ? slot << 4 : slot);
  return p;
}

// Calls visit(slot, part) for each slot of a node at `depth` that `changes` (sorted by
// path, all under the node's prefix) reach, in slot order, `part` the changes under it.
template <typename Visit>
Status ForEachChangedSlot(Changes changes, unsigned depth, Visit visit) {
  for (size_t begin = 0; begin < changes.size();) {
    const unsigned slot = PathSlot(changes[begin].path, depth);
    size_t end = begin + 1;
    while (end < changes.size() && PathSlot(changes[end].path, depth) == slot) ++end;
    Status s = visit(slot, changes.subspan(begin, end - begin));
    if (!s.ok()) return s;
    begin = end;
  }
  return Status::Ok();
}

}  // namespace

NodePosition ChildPosition(const NodePosition& parent, unsigned slot) {
  return NodePosition{static_cast<uint16_t>(parent.depth + kTreeNodeLevels),
                      ChildPrefix(parent.prefix, parent.depth, slot)};
}

namespace {

// The committed nodes an update reads, read ahead a level at a time from the root, each
// level in one NodeReader::LatestBatch, then served from memory. The update reads the
// nodes of a depth in the order they were read ahead (both go through the slots in order,
// so by prefix), so each depth is a sorted list with a cursor: no per-node allocation or
// hash lookup (with a hash map, an update at 10^5 keys with the whole tree cached took
// 0.12 s against 0.07-0.09 s without reading ahead; with the lists, 0.09-0.10 s).
// A position not next in its list is read through the committed tree's reader.
class PrefetchedNodes final : public NodeReader {
 public:
  // A node read ahead, with the changes under it.
  struct Visit {
    NodeRef ref;
    Changes changes;
    const TreeNode* node;
  };
  // The nodes read ahead at one depth (depth 4 * (l + 1) for level l), by prefix
  // (nullopt: not found).
  struct Level {
    std::vector<NodeRef> refs;
    std::vector<std::optional<VersionedNode>> nodes;
  };
  // Where one walk of the update is in each depth's list: the next node it reads there
  // (Get moves it). Each thread that walks a part of the tree has its own.
  using Cursors = std::array<size_t, 256 / kTreeNodeLevels>;
  // Memory kept from one update to the next (TreeUpdateScratch).
  struct Buffers {
    std::vector<Level> levels;  // the first `used` are this update's
    std::vector<Visit> visits, next;
  };

  PrefetchedNodes(const NodeReader& reader, Buffers& buffers)
      : reader_(reader), levels_(buffers.levels), visits_(buffers.visits), next_(buffers.next) {}

  // Reads every committed node that an update of the tree under `root` (the committed
  // root node) by `changes` visits below the root: at each depth, the children in the
  // changed slots of the nodes read at the depth above. A node missing there is left for
  // the update to find (and report).
  Status Load(const TreeNode& root, Changes changes) {
    std::vector<Visit>& level = visits_;
    level.assign(1, Visit{NodeRef{}, changes, &root});
    next_.clear();
    while (!level.empty()) {
      if (used_ == levels_.size()) levels_.emplace_back();
      Level& depth = levels_[used_++];
      depth.refs.clear();
      depth.nodes.clear();
      for (const Visit& v : level) ChildrenToRead(v, &depth.refs, &next_);
      Status s = depth.refs.empty() ? Status::Ok() : reader_.ReadBatch(depth.refs, &depth.nodes);
      if (!s.ok()) return s;
      level.clear();
      for (size_t i = 0; i < depth.nodes.size(); ++i) {
        if (depth.nodes[i]) level.push_back(Visit{next_[i].ref, next_[i].changes, &depth.nodes[i]->node});
      }
      next_.clear();
    }
    return Status::Ok();
  }

  // A walk of the whole tree from the root, with cursors of its own (one thread).
  Status Read(const NodeRef& ref, std::optional<VersionedNode>* out) const override {
    if (const VersionedNode* node = Next(ref, own_cursors_)) {
      *out = *node;
      return Status::Ok();
    }
    return reader_.Read(ref, out);
  }

  // Cursors for a walk of the root's slot `slot` alone: at each depth, at its first node
  // under that slot (the lists are by prefix, whose first four bits are the root's slot).
  void CursorsUnderRootSlot(unsigned slot, Cursors* cursors) const {
    cursors->fill(0);
    for (size_t l = 0; l < used_; ++l) {
      const std::vector<NodeRef>& refs = levels_[l].refs;
      (*cursors)[l] = static_cast<size_t>(
          std::partition_point(refs.begin(), refs.end(), [&](const NodeRef& r) {
            return PathSlot(r.position.prefix, 0) < slot;
          }) - refs.begin());
    }
  }

  // Read without a copy, by a walk at `cursors` (all zero: a walk of the whole tree;
  // CursorsUnderRootSlot: of one slot's): *out points at the node read ahead, or at
  // *fallback, where a node not read ahead is read; null when there is none.
  Status Get(const NodeRef& ref, const VersionedNode** out, std::optional<VersionedNode>* fallback,
             Cursors& cursors) const {
    *out = Next(ref, cursors);
    if (*out != nullptr) return Status::Ok();
    Status s = reader_.Read(ref, fallback);
    if (s.ok() && *fallback) *out = &**fallback;
    return s;
  }

 private:
  // The node read ahead for `ref` if it is the next one of its depth (the cursor moves
  // past it), else null.
  const VersionedNode* Next(const NodeRef& ref, Cursors& cursors) const {
    const size_t l = ref.position.depth / kTreeNodeLevels;
    if (ref.position.depth % kTreeNodeLevels != 0 || l < 1 || l > used_) return nullptr;
    const Level& level = levels_[l - 1];
    size_t& at = cursors[l - 1];
    if (at < level.refs.size() && level.refs[at].position == ref.position &&
        level.refs[at].version == ref.version && level.nodes[at]) {
      return &*level.nodes[at++];
    }
    return nullptr;
  }

  // The children of `v` that the update reads: those in a slot with changes. Appends their
  // records to *refs and their visits (node not yet read) to *next.
  static void ChildrenToRead(const Visit& v, std::vector<NodeRef>* refs, std::vector<Visit>* next) {
    (void)ForEachChangedSlot(v.changes, v.ref.position.depth, [&](unsigned slot, Changes part) {
      const TreeNode::Slot& child = v.node->slots[slot];
      if (child.kind == TreeNode::Slot::Kind::kChild) {
        refs->push_back(NodeRef{ChildPosition(v.ref.position, slot), child.version});
        next->push_back(Visit{refs->back(), part, nullptr});
      }
      return Status::Ok();
    });
  }

  const NodeReader& reader_;
  std::vector<Level>& levels_;
  size_t used_ = 0;
  mutable Cursors own_cursors_{};  // Read's
  std::vector<Visit>& visits_;
  std::vector<Visit>& next_;
};

class Updater {
 public:
  static constexpr uint32_t kNoChild = UINT32_MAX;
  struct Pending {
    NodePosition position;
    TreeNode node;  // a new child's slot gets its hash in Finish
    std::array<uint32_t, kTreeNodeSlots> child;  // new children (node ids) or kNoChild
    Hash32 hash{};
  };
  // What one walk of the update makes: its new nodes (in the order made), the records it
  // makes stale and the positions it removes. The root's walk is lane 0; with workers, a
  // large update walks each changed slot of the root in a lane of its own (1 + its index
  // among them), on the workers at once. A node's id is its lane (top kLaneBits bits) and
  // its index there.
  static constexpr unsigned kLaneBits = 5;
  static constexpr unsigned kIndexBits = 32 - kLaneBits;
  static_assert(kTreeNodeSlots + 1 < (1u << kLaneBits) - 1, "lane ids below kNoChild's");
  struct LaneBuffers {
    std::vector<Pending> pending;
    std::vector<std::pair<NodePosition, uint64_t>> stale;
    std::vector<NodePosition> removed;
    std::vector<Change> rebuilt;  // Rebuild's leaves
  };
  // A walk in progress: where its records go, and its cursors in the nodes read ahead.
  struct Lane {
    uint32_t id = 0;
    std::vector<Pending>* pending;
    std::vector<std::pair<NodePosition, uint64_t>>* stale;
    std::vector<NodePosition>* removed;
    std::vector<Change>* rebuilt;
    PrefetchedNodes::Cursors cursors{};
  };
  // How a new node's binary subtrees (heap order: 1 its own, 16 + s slot s) get their
  // hashes: bit i of `hashed` says subtree i is hashed; from[i] names the subtree whose
  // hash is subtree i's: i itself when hashed or a slot of a child node (the slot holds
  // its hash), the slot of a lone leaf moved up to i, 0 when i is empty (zero hash).
  // rank[i]: a hashed subtree's place among those its round hashes in the node.
  struct HashPlan {
    uint32_t hashed = 0;
    std::array<uint8_t, 2 * kTreeNodeSlots> from{};
    std::array<uint8_t, 2 * kTreeNodeSlots> rank{};
  };
  // Memory kept from one update to the next (TreeUpdateScratch).
  struct Buffers {
    std::vector<Pending> pending;                  // lane 0's nodes
    std::vector<Change> rebuilt;                   // lane 0's Rebuild leaves
    std::vector<LaneBuffers> lanes;                // lanes 1, 2, ...
    std::vector<std::vector<uint32_t>> by_level;   // Finish's nodes by depth / 4
    // HashNodes': per new node (in key order), its plan and where its first digest of
    // each round goes in its round's part of `digests`; a round's preimages.
    std::vector<HashPlan> plans;
    std::vector<std::array<uint32_t, kTreeNodeLevels + 1>> firsts;
    std::vector<uint8_t> preimages, digests;
    std::vector<uint32_t> key_order;     // Finish's: the new nodes in key order,
    std::vector<size_t> level_starts;    // depth l's from level_starts[l]
  };

  Updater(const PrefetchedNodes& reader, uint64_t height, TreeUpdate* out, Buffers& buffers,
          WorkerPool* workers)
      : reader_(reader), height_(height), out_(out), b_(buffers), pending_(buffers.pending),
        workers_(workers) {
    pending_.clear();
    root_lane_ = Lane{0, &pending_, &out_->stale, &out_->removed, &b_.rebuilt, {}};
  }

  // A subtree after the update, as its parent's slot will hold it: empty, one leaf, or a
  // node made here (Node(index)).
  struct Sub {
    enum class Kind : uint8_t { kEmpty, kLeaf, kNew } kind = Kind::kEmpty;
    uint32_t index = 0;
    Hash32 path{};        // kLeaf
    Hash32 value_hash{};  // kLeaf
  };

  // An update of at least this many changed keys walks the root's changed slots on the
  // workers at once: a block of 3·10^4 changed keys over 10^7 accounts made its ~7·10^4
  // nodes in 0.025-0.03 s on one thread (16-core host), and a lane costs a few
  // microseconds to start.
  static constexpr size_t kMinChangesForLanes = 4096;

  // The whole tree's update: the root node `old` with `changes` (non-empty) applied.
  Status UpdateRoot(Changes changes, const VersionedNode& old, Sub* out) {
    if (workers_ == nullptr || workers_->threads() < 2 || changes.size() < kMinChangesForLanes) {
      return Update(root_lane_, NodePosition{}, changes, old, out);
    }
    const NodePosition root{};
    out_->stale.push_back({root, old.version});
    Pending p{root, old.node, {}, {}};
    p.child.fill(kNoChild);
    struct Walk {
      unsigned slot;
      Changes part;
      Sub sub;
      Status status;
    };
    std::vector<Walk> walks;
    (void)ForEachChangedSlot(changes, 0, [&](unsigned slot, Changes part) {
      walks.push_back(Walk{slot, part, {}, Status::Ok()});
      return Status::Ok();
    });
    if (b_.lanes.size() < walks.size()) b_.lanes.resize(walks.size());
    ForRanges(workers_, walks.size(), 1, [&](size_t, size_t begin, size_t end) {
      for (size_t k = begin; k < end; ++k) {
        LaneBuffers& buffers = b_.lanes[k];
        buffers.pending.clear();
        buffers.stale.clear();
        buffers.removed.clear();
        Lane lane{static_cast<uint32_t>(k + 1), &buffers.pending, &buffers.stale, &buffers.removed,
                  &buffers.rebuilt, {}};
        reader_.CursorsUnderRootSlot(walks[k].slot, &lane.cursors);
        Walk& w = walks[k];
        w.status = UpdateSlot(lane, root, p.node.slots[w.slot], w.slot, w.part, &w.sub);
      }
    });
    // The lanes' records in slot order, then the root's, as one walk would have listed them.
    for (size_t k = 0; k < walks.size(); ++k) {
      if (!walks[k].status.ok()) return walks[k].status;
      const LaneBuffers& lane = b_.lanes[k];
      out_->stale.insert(out_->stale.end(), lane.stale.begin(), lane.stale.end());
      out_->removed.insert(out_->removed.end(), lane.removed.begin(), lane.removed.end());
      SetSlot(&p, walks[k].slot, walks[k].sub);
    }
    lanes_used_ = walks.size();
    *out = Close(root_lane_, std::move(p));
    if (out->kind != Sub::Kind::kNew) out_->removed.push_back(root);
    return Status::Ok();
  }

  // The subtree under `position` of `leaves` (sorted by path, all present), built from
  // nothing, in lane 0.
  Status Build(const NodePosition& position, Changes leaves, Sub* out) {
    return Build(root_lane_, position, leaves, out);
  }

  // The node made with id `id`.
  Pending& Node(uint32_t id) {
    const uint32_t lane = id >> kIndexBits;
    const uint32_t index = id & ((1u << kIndexBits) - 1);
    return lane == 0 ? pending_[index] : b_.lanes[lane - 1].pending[index];
  }

  // Makes the root node from the root's subtree (a lone leaf gets a root node of its own;
  // an empty tree has none) and hashes every new node, a level of nodes at a time from the
  // deepest up.
  Status Finish(const Sub& root, NodeHasher& hasher) {
    if (root.kind == Sub::Kind::kLeaf) {
      // The root node collapsed to its one leaf is written again around it: not removed
      // (Update listed it last, after everything below it).
      if (!out_->removed.empty() && out_->removed.back().depth == 0) out_->removed.pop_back();
      Pending p{NodePosition{}, TreeNode{}, {}, {}};
      p.child.fill(kNoChild);
      SetSlot(&p, PathSlot(root.path, 0), root);
      pending_.push_back(std::move(p));
    }
    std::vector<std::vector<uint32_t>>& levels = b_.by_level;
    levels.resize(256 / kTreeNodeLevels);
    for (std::vector<uint32_t>& level : levels) level.clear();
    // The lanes of the root's slots in slot order, then lane 0 (only the root when there
    // are others).
    size_t total = 0;
    const auto add_lane = [&](uint32_t lane, const std::vector<Pending>& nodes) {
      for (size_t i = 0; i < nodes.size(); ++i) {
        levels[nodes[i].position.depth / kTreeNodeLevels].push_back(lane << kIndexBits | static_cast<uint32_t>(i));
      }
      total += nodes.size();
    };
    for (uint32_t lane = 1; lane <= lanes_used_; ++lane) add_lane(lane, b_.lanes[lane - 1].pending);
    add_lane(0, pending_);
    // The new nodes in key order: a depth's nodes are in `levels` by prefix already (a walk
    // goes through a node's slots in order and adds a node after everything below it, so
    // of two nodes of one depth the one under the lower slot of their common ancestor comes
    // first, and the lanes are taken in slot order); taking the depths in order gives key
    // order, which the commit writes in, without sorting (a sort of 7·10^4 positions took
    // 18-27 ms on one thread of the 2-core VM).
    std::vector<uint32_t>& order = b_.key_order;
    std::vector<size_t>& starts = b_.level_starts;
    order.clear();
    starts.clear();
    for (const std::vector<uint32_t>& level : levels) {
      starts.push_back(order.size());
      order.insert(order.end(), level.begin(), level.end());
    }
    starts.push_back(order.size());
    Status s = HashNodes(order, starts, hasher);
    if (!s.ok()) return s;
    // Out on the workers (~1.3 KB a node: 48,000 of them took 14 ms on one thread of the
    // 2-core VM); the elements a kept `written` already holds are overwritten, not built
    // again.
    out_->written.resize(total);
    ForEachNode(total, [&](size_t k) {
      const Pending& p = Node(order[k]);
      out_->written[k] = {p.position, p.node};
    });
    out_->root = TreeRoot{};
    if (root.kind == Sub::Kind::kEmpty) return Status::Ok();
    out_->root = TreeRoot{root.kind == Sub::Kind::kNew ? Node(root.index).hash : pending_.back().hash, height_};
    return Status::Ok();
  }

 private:
  // The subtree under `position`, whose committed node is `old`, with `changes`
  // (non-empty, all under the prefix) applied, walked in `lane`.
  Status Update(Lane& lane, const NodePosition& position, Changes changes, const VersionedNode& old,
                Sub* out) {
    lane.stale->push_back({position, old.version});
    Pending p{position, old.node, {}, {}};
    p.child.fill(kNoChild);
    Status s = ForEachChangedSlot(changes, position.depth, [&](unsigned slot, Changes part) {
      Sub sub;
      Status r = UpdateSlot(lane, position, p.node.slots[slot], slot, part, &sub);
      if (r.ok()) SetSlot(&p, slot, sub);
      return r;
    });
    if (!s.ok()) return s;
    *out = Close(lane, std::move(p));
    if (out->kind != Sub::Kind::kNew) lane.removed->push_back(position);
    return Status::Ok();
  }

  // The subtree in slot `slot` (holding `was` in the committed tree) of the node at
  // `position`, with `changes` (non-empty, all under the slot) applied, walked in `lane`.
  Status UpdateSlot(Lane& lane, const NodePosition& position, const TreeNode::Slot& was, unsigned slot,
                    Changes changes, Sub* out) {
    const NodePosition child = ChildPosition(position, slot);
    if (was.kind != TreeNode::Slot::Kind::kChild) {
      const std::optional<Change> leaf =
          was.kind == TreeNode::Slot::Kind::kLeaf ? std::optional<Change>(Change{was.a, was.b}) : std::nullopt;
      return Rebuild(lane, child, changes, leaf, out);
    }
    std::optional<VersionedNode> fallback;
    const VersionedNode* node = nullptr;
    Status r = reader_.Get(NodeRef{child, was.version}, &node, &fallback, lane.cursors);
    if (r.ok() && node == nullptr) r = Missing(child);
    if (r.ok()) r = Update(lane, child, changes, *node, out);
    return r;
  }

  Status Build(Lane& lane, const NodePosition& position, Changes leaves, Sub* out) {
    if (leaves.size() <= 1) {
      *out = leaves.empty() ? Sub{} : Sub{Sub::Kind::kLeaf, 0, leaves[0].path, *leaves[0].value_hash};
      return Status::Ok();
    }
    if (position.depth >= 256) return Status::Internal("state tree: two keys with one path");
    Pending p{position, TreeNode{}, {}, {}};
    p.child.fill(kNoChild);
    Status s = ForEachChangedSlot(leaves, position.depth, [&](unsigned slot, Changes part) {
      Sub sub;
      Status r = Build(lane, ChildPosition(position, slot), part, &sub);
      if (r.ok()) SetSlot(&p, slot, sub);
      return r;
    });
    if (!s.ok()) return s;
    *out = Close(lane, std::move(p));
    return Status::Ok();
  }

  static Status Missing(const NodePosition& p) {
    return Status::Internal("state tree: no node at depth " + std::to_string(p.depth) +
                            " under a child slot (damaged database)");
  }

  // The committed subtree in a slot was empty or one leaf (`leaf`): the subtree of its
  // leaf (unless changed) and the changed keys' new leaves, built from nothing.
  Status Rebuild(Lane& lane, const NodePosition& position, Changes changes,
                 const std::optional<Change>& leaf, Sub* out) {
    // Build does not come back here before it is done with `leaves`.
    std::vector<Change>& leaves = *lane.rebuilt;
    leaves.clear();
    bool leaf_kept = leaf.has_value();
    for (const Change& c : changes) {
      if (leaf && c.path == leaf->path) leaf_kept = false;
      if (c.value_hash) leaves.push_back(c);
    }
    if (leaf_kept) {
      leaves.insert(std::lower_bound(leaves.begin(), leaves.end(), *leaf,
                                     [](const Change& x, const Change& y) { return x.path < y.path; }),
                    *leaf);
    }
    return Build(lane, position, leaves, out);
  }

  void SetSlot(Pending* p, unsigned slot, const Sub& sub) {
    TreeNode::Slot& s = p->node.slots[slot];
    p->child[slot] = kNoChild;
    switch (sub.kind) {
      case Sub::Kind::kEmpty:
        s = TreeNode::Slot{};
        break;
      case Sub::Kind::kLeaf:
        s = TreeNode::Slot{TreeNode::Slot::Kind::kLeaf, sub.path, sub.value_hash, 0};
        break;
      case Sub::Kind::kNew:
        s = TreeNode::Slot{TreeNode::Slot::Kind::kChild, {}, {}, height_};
        p->child[slot] = sub.index;
        break;
    }
  }

  // The subtree a node's new slots make: empty, its one leaf (which moves up into the
  // parent's slot), or the node itself, made here.
  Sub Close(Lane& lane, Pending&& p) {
    unsigned occupied = 0, leaf = 0;
    for (unsigned s = 0; s < kTreeNodeSlots; ++s) {
      if (p.node.slots[s].kind == TreeNode::Slot::Kind::kEmpty) continue;
      ++occupied;
      leaf = s;
    }
    if (occupied == 0) return Sub{};
    const TreeNode::Slot& only = p.node.slots[leaf];
    if (occupied == 1 && only.kind == TreeNode::Slot::Kind::kLeaf) {
      return Sub{Sub::Kind::kLeaf, 0, only.a, only.b};
    }
    lane.pending->push_back(std::move(p));
    const size_t index = lane.pending->size() - 1;
    return Sub{Sub::Kind::kNew, lane.id << kIndexBits | static_cast<uint32_t>(index), {}, {}};
  }

  // The rounds of hasher calls over the new nodes' binary subtrees: round 0 hashes every
  // leaf slot of every new node at once (a leaf's hash needs nothing else); then, from the
  // deepest depth up, round r (1-4) hashes the depth's joins of binary level 4 - r (its
  // subtrees 16 >> r up to 32 >> r in heap order), round 4 giving each node its hash.
  static constexpr unsigned kHashRounds = kTreeNodeLevels + 1;
  // The subtrees (bit i: subtree i in heap order, 16 + s for slot s) that round r hashes.
  static constexpr uint32_t RoundSubtrees(unsigned r) {
    return static_cast<uint32_t>((uint64_t{1} << (2 * kTreeNodeSlots >> r)) -
                                 (uint64_t{1} << (kTreeNodeSlots >> r)));
  }
  static constexpr unsigned RoundOf(unsigned subtree) {
    return kTreeNodeLevels + 1 - static_cast<unsigned>(std::bit_width(subtree));
  }

  // Hashes every new node: plans each node's subtrees (which are hashed, and whose digest
  // each one's hash is) in one pass; hashes all the leaf slots in one hasher call; then each
  // depth from the deepest up in four calls, a pass over the depth's nodes writing each
  // call's preimages straight from the digests of the calls before. `order` lists the
  // nodes by depth, depth l's at [starts[l], starts[l + 1]).
  Status HashNodes(const std::vector<uint32_t>& order, const std::vector<size_t>& starts,
                   NodeHasher& hasher) {
    const size_t n = order.size();
    if (n == 0) return Status::Ok();
    b_.plans.resize(n);
    b_.firsts.resize(n);
    ForEachNode(n, [&](size_t k) { PlanNode(Node(order[k]), k); });
    // Where each node's digests of each round go: rounds one after another in `digests`,
    // the nodes in `order` within a round.
    std::array<uint32_t, kHashRounds> total{};
    for (size_t k = 0; k < n; ++k) {
      for (unsigned r = 0; r < kHashRounds; ++r) {
        const uint32_t count = b_.firsts[k][r];
        b_.firsts[k][r] = total[r];
        total[r] += count;
      }
    }
    uint32_t all = 0;
    for (unsigned r = 0; r < kHashRounds; ++r) {
      round_start_[r] = all;
      all += total[r];
    }
    if (b_.digests.size() < size_t{all} * 32) b_.digests.resize(size_t{all} * 32);  // grown only
    const auto first = [&](size_t k, unsigned r) { return k < n ? b_.firsts[k][r] : total[r]; };
    Status s = HashRound(order, 0, 0, n, total[0], hasher);
    for (size_t l = starts.size() - 1; s.ok() && l-- > 0;) {
      const size_t begin = starts[l], end = starts[l + 1];
      if (begin == end) continue;
      for (unsigned r = 1; s.ok() && r < kHashRounds; ++r) {
        s = HashRound(order, r, begin, end, first(end, r) - first(begin, r), hasher);
      }
      if (!s.ok()) break;
      ForEachNode(end - begin, [&](size_t i) {
        const size_t k = begin + i;
        Pending& p = Node(order[k]);
        std::memcpy(p.hash.data(), SubtreeHash(k, p, 1), 32);
      });
    }
    return s;
  }

  // One node's plan (b_.plans[k]) and its count of subtrees to hash in each round
  // (b_.firsts[k], made offsets by HashNodes): the shape of its binary subtrees follows
  // from its slots' kinds alone, by JoinKinds.
  void PlanNode(const Pending& p, size_t k) {
    using K = BinarySubtree::Kind;
    HashPlan& plan = b_.plans[k];
    std::array<K, 2 * kTreeNodeSlots> kind;
    uint32_t hashed = 0;
    for (unsigned s = 0; s < kTreeNodeSlots; ++s) {
      const unsigned i = kTreeNodeSlots + s;
      const TreeNode::Slot::Kind slot = p.node.slots[s].kind;
      kind[i] = slot == TreeNode::Slot::Kind::kChild  ? K::kInternal
                : slot == TreeNode::Slot::Kind::kLeaf ? K::kLeaf
                                                      : K::kEmpty;
      plan.from[i] = kind[i] == K::kEmpty ? 0 : static_cast<uint8_t>(i);
      if (kind[i] == K::kLeaf) hashed |= 1u << i;
    }
    for (unsigned i = kTreeNodeSlots; i-- > 1;) {
      switch (JoinKinds(kind[2 * i], kind[2 * i + 1])) {
        case JoinedSubtree::kLeft:
          kind[i] = kind[2 * i];
          plan.from[i] = plan.from[2 * i];
          break;
        case JoinedSubtree::kRight:
          kind[i] = kind[2 * i + 1];
          plan.from[i] = plan.from[2 * i + 1];
          break;
        case JoinedSubtree::kInternal:
          kind[i] = K::kInternal;
          plan.from[i] = static_cast<uint8_t>(i);
          hashed |= 1u << i;
          break;
      }
    }
    plan.hashed = hashed;
    for (unsigned r = 0; r < kHashRounds; ++r) {
      uint8_t rank = 0;
      for (uint32_t bits = hashed & RoundSubtrees(r); bits != 0; bits &= bits - 1) {
        plan.rank[std::countr_zero(bits)] = rank++;
      }
      b_.firsts[k][r] = rank;
    }
  }

  // Hashes, in one hasher call, the `count` subtrees that round r hashes in the nodes
  // order[begin..end): a leaf's preimage (0x00 || key path || value hash) for round 0, an
  // internal one's (0x01 || left hash || right hash) above. Round 1 first gives each
  // node's slots of new children their hashes (a deeper depth's round 4 made them).
  Status HashRound(const std::vector<uint32_t>& order, unsigned r, size_t begin, size_t end,
                   uint32_t count, NodeHasher& hasher) {
    if (count == 0 && r != 1) return Status::Ok();
    // Grown only: a resize down and up again would zero the batch's bytes every round.
    std::vector<uint8_t>& preimages = b_.preimages;
    const size_t bytes = size_t{count} * kTreeNodePreimageBytes;
    if (preimages.size() < bytes) preimages.resize(bytes);
    const uint32_t base = b_.firsts[begin][r];
    ForEachNode(end - begin, [&](size_t i) {
      const size_t k = begin + i;
      Pending& p = Node(order[k]);
      if (r == 1) {
        for (unsigned s = 0; s < kTreeNodeSlots; ++s) {
          if (p.child[s] != kNoChild) p.node.slots[s].a = Node(p.child[s]).hash;
        }
      }
      uint8_t* out = preimages.data() + size_t{b_.firsts[k][r] - base} * kTreeNodePreimageBytes;
      const uint32_t bits = b_.plans[k].hashed & RoundSubtrees(r);
      for (uint32_t left = bits; left != 0; left &= left - 1, out += kTreeNodePreimageBytes) {
        const unsigned sub = static_cast<unsigned>(std::countr_zero(left));
        if (r == 0) {
          const TreeNode::Slot& slot = p.node.slots[sub - kTreeNodeSlots];
          out[0] = kLeafDomain;
          std::memcpy(out + 1, slot.a.data(), 32);
          std::memcpy(out + 33, slot.b.data(), 32);
        } else {
          out[0] = kInternalDomain;
          std::memcpy(out + 1, SubtreeHash(k, p, 2 * sub), 32);
          std::memcpy(out + 33, SubtreeHash(k, p, 2 * sub + 1), 32);
        }
      }
    });
    if (count == 0) return Status::Ok();
    const auto start = std::chrono::steady_clock::now();
    Status s = hasher.Hash(std::span<const uint8_t>(preimages).first(bytes), count,
                           b_.digests.data() + size_t{round_start_[r] + base} * 32);
    out_->phases.hasher_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return s;
  }

  // The hash of subtree `sub` of the node order[k] (p), its round hashed already: zero
  // when empty, a child slot's hash, or the digest of the subtree its plan names.
  const uint8_t* SubtreeHash(size_t k, const Pending& p, unsigned sub) const {
    static constexpr Hash32 kZero{};
    const HashPlan& plan = b_.plans[k];
    const unsigned from = plan.from[sub];
    if (from == 0) return kZero.data();
    if ((plan.hashed >> from & 1) == 0) return p.node.slots[from - kTreeNodeSlots].a.data();
    const unsigned r = RoundOf(from);
    return b_.digests.data() + size_t{round_start_[r] + b_.firsts[k][r] + plan.rank[from]} * 32;
  }
  // Calls f(k) for k < n on the workers, at least kMinNodesPerThread nodes a thread (a
  // node's share of a round is ~0.1-1 us; waking a pool thread a few microseconds).
  static constexpr size_t kMinNodesPerThread = 512;
  template <typename F>
  void ForEachNode(size_t n, const F& f) {
    ForRanges(workers_, n, kMinNodesPerThread, [&](size_t, size_t begin, size_t end) {
      for (size_t k = begin; k < end; ++k) f(k);
    });
  }

  const PrefetchedNodes& reader_;
  const uint64_t height_;
  TreeUpdate* const out_;
  Buffers& b_;
  std::vector<Pending>& pending_;  // lane 0's
  WorkerPool* const workers_;
  Lane root_lane_;
  size_t lanes_used_ = 0;  // lanes besides lane 0 that UpdateRoot walked
  std::array<uint32_t, kHashRounds> round_start_{};  // HashNodes': each round's first digest
};

// The changes of `writes`, sorted by path, into *changes; their two SHA-256s a key on
// `workers` (may be null), at least kMinChangesPerThread keys a thread: ~0.5 us a key, so
// a block of 3·10^4 changed keys spent 0.015-0.022 s here on one thread (16-core host).
constexpr size_t kMinChangesPerThread = 2048;
void ChangesOf(const WriteSet& writes, std::vector<Change>* out, WorkerPool* workers) {
  std::vector<Change>& changes = *out;
  changes.resize(writes.size());
  ForRanges(workers, writes.size(), kMinChangesPerThread, [&](size_t, size_t begin, size_t end) {
    for (size_t k = begin; k < end; ++k) {
      const auto& [key, value] = writes[k];
      changes[k] = Change{StateKeyPath(key),
                          value ? std::optional<Hash32>(StateValueHash(*value)) : std::nullopt};
    }
  });
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
  Status Read(const NodeRef&, std::optional<VersionedNode>* out) const override {
    out->reset();
    return Status::Ok();
  }
};

// The node over two sibling subtrees built apart, by the tree's rules.
BinarySubtree Join(const BinarySubtree& left, const BinarySubtree& right) {
  bool needs_hash = false;
  BinarySubtree joined = JoinSubtrees(left, right, &needs_hash);
  if (needs_hash) joined.hash = StateInternalHash(left.hash, right.hash);
  return joined;
}

// The first `bits` bits of a key path (bits <= 32), as an integer.
uint64_t PathPrefix(const Hash32& path, unsigned bits) {
  uint64_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | path[i];
  return bits == 0 ? 0 : v >> (32 - bits);
}

// BuildStateRoot's state spilled to files by the first `bits` bits of each key's path
// (bits <= kMaxBits: at most 256 files; BucketFiles), so that its passes read one file
// each instead of the whole database. A record is the key's and the value's sizes (4
// bytes each, big-endian) and their bytes. Each file's records are buffered in memory
// up to kBufferBytes and appended (256 buffers: 16 MiB at most). The folder is made
// afresh by Open (anything there before is removed) and removed, with its files, by the
// destructor.
class SpilledState {
 public:
  static constexpr unsigned kMaxBits = 8;
  static constexpr size_t kBufferBytes = 64 * 1024;

  Status Open(const std::string& dir, unsigned bits) {
    bits_ = bits;
    buffers_.assign(size_t{1} << bits, std::string());
    return files_.Open(dir, buffers_.size());
  }

  Status Add(std::string_view key, std::string_view value) {
    const size_t bucket = PathPrefix(StateKeyPath(key), bits_);
    std::string& buffer = buffers_[bucket];
    state_db::AppendBigEndian32(static_cast<uint32_t>(key.size()), &buffer);
    state_db::AppendBigEndian32(static_cast<uint32_t>(value.size()), &buffer);
    buffer.append(key);
    buffer.append(value);
    return buffer.size() >= kBufferBytes ? Write(bucket) : Status::Ok();
  }

  // Every buffer to its file, and the files written out.
  Status Flush() {
    for (size_t bucket = 0; bucket < buffers_.size(); ++bucket) {
      if (Status s = Write(bucket); !s.ok()) return s;
    }
    return files_.Flush();
  }

  // Visits every key of file `bucket` with its value. REQUIRES: Flush() since the last Add.
  Status Read(size_t bucket, const StateVisitor& visit) {
    BucketFiles::Reader in = files_.Read(bucket);
    std::string key, value;
    for (char sizes[8]; in.Read(sizes, 8);) {
      key.resize(state_db::ParseBigEndian32(std::string_view(sizes, 4)));
      value.resize(state_db::ParseBigEndian32(std::string_view(sizes + 4, 4)));
      if (!in.Read(key.data(), key.size()) || !in.Read(value.data(), value.size())) return in.CutShort();
      visit(key, value);
    }
    return in.status();  // OK at the file's end; a record's sizes cut short are not
  }

 private:

  Status Write(size_t bucket) {
    std::string& buffer = buffers_[bucket];
    Status s = files_.Append(bucket, buffer);
    buffer.clear();
    return s;
  }

  BucketFiles files_{"state root check"};
  unsigned bits_ = 0;
  std::vector<std::string> buffers_;
};

// Free disk BuildStateRoot leaves beside its spill files: they are not made when the
// disk has less than their size and this (the database and others share the disk).
constexpr uint64_t kSpillDiskMargin = uint64_t{64} << 20;

// The second walk of BuildStateRoot: the state `scan` walks into files in `dir` by the
// first `bits` bits of each path (*spilled set) when the disk has room for `bytes` and
// everything can be written. Returns why it was not spilled ("" when it was). *walk_status
// is the walk's own status (not OK: the walk failed, and the build with it).
std::string SpillState(const StateScan& scan, const std::string& dir, unsigned bits, uint64_t bytes,
                       std::optional<SpilledState>* spilled, Status* walk_status) {
  *walk_status = Status::Ok();
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::path(dir).parent_path();
  const std::filesystem::space_info space = std::filesystem::space(parent.empty() ? "." : parent, ec);
  if (ec) return "the free disk of " + parent.string() + " is unknown: " + ec.message();
  if (space.available < bytes + kSpillDiskMargin) {
    return "the spill files need " + std::to_string(bytes >> 20) + " MiB and " +
           std::to_string(kSpillDiskMargin >> 20) + " MiB to spare, the disk has " +
           std::to_string(space.available >> 20) + " MiB free";
  }
  spilled->emplace();
  Status added = (*spilled)->Open(dir, bits);
  if (added.ok()) {
    *walk_status = scan([&](std::string_view k, std::string_view v) {
      if (added.ok()) added = (*spilled)->Add(k, v);
    });
  }
  if (added.ok() && walk_status->ok()) added = (*spilled)->Flush();
  if (added.ok() && walk_status->ok()) return "";
  spilled->reset();  // removes the folder
  return added.ok() ? "" : "the state could not be spilled (" + added.message() + ")";
}

// The subtree at depth `bits` under prefix `prefix` of the keys `part` (all of whose
// paths start with that prefix), built from nothing.
Status BuildSubtree(const WriteSet& part, unsigned bits, uint64_t prefix, NodeHasher& hasher,
                    BinarySubtree* out) {
  EmptyTreeReader empty;
  TreeUpdate update;
  Status s = UpdateStateTree(empty, TreeRoot{}, 1, part, hasher, &update);
  if (!s.ok()) return s;
  if (part.size() < 2) {
    *out = BinarySubtree{part.empty() ? BinarySubtree::Kind::kEmpty : BinarySubtree::Kind::kLeaf, 0,
                         update.root.hash};
    return Status::Ok();
  }
  // Two leaves or more under the prefix: an internal subtree inside the node whose depth
  // is the multiple of 4 at or above `bits`, `bits - depth` binary levels below its top.
  Hash32 path{};
  for (unsigned i = 0; i < bits; ++i) {
    if ((prefix >> (bits - 1 - i)) & 1) path[i / 8] |= static_cast<uint8_t>(0x80 >> (i % 8));
  }
  const unsigned depth = bits - bits % kTreeNodeLevels;
  NodePosition at{static_cast<uint16_t>(depth), Hash32{}};
  for (unsigned i = 0; i < depth; ++i) at.prefix[i / 8] |= path[i / 8] & static_cast<uint8_t>(0x80 >> (i % 8));
  for (const auto& [position, node] : update.written) {
    if (!(position == at)) continue;
    std::array<BinarySubtree, 2 * kTreeNodeSlots> subtrees;
    node.BinarySubtrees(&subtrees);
    unsigned h = 1;
    for (unsigned d = depth; d < bits; ++d) h = 2 * h + PathBit(path, d);
    if (subtrees[h].kind != BinarySubtree::Kind::kInternal) break;
    *out = subtrees[h];
    return Status::Ok();
  }
  return Status::Internal("state tree: no node under a prefix of two keys or more");
}

}  // namespace

Status NodeReader::ReadBatch(std::span<const NodeRef> refs,
                             std::vector<std::optional<VersionedNode>>* out) const {
  out->assign(refs.size(), std::nullopt);
  for (size_t i = 0; i < refs.size(); ++i) {
    Status s = Read(refs[i], &(*out)[i]);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

BinarySubtree JoinSubtrees(const BinarySubtree& left, const BinarySubtree& right, bool* needs_hash) {
  const JoinedSubtree joined = JoinKinds(left.kind, right.kind);
  *needs_hash = joined == JoinedSubtree::kInternal;
  if (joined == JoinedSubtree::kLeft) return left;
  if (joined == JoinedSubtree::kRight) return right;
  return BinarySubtree{BinarySubtree::Kind::kInternal, 0, {}};
}

void TreeNode::BinarySubtrees(std::array<BinarySubtree, 2 * kTreeNodeSlots>* out) const {
  std::array<BinarySubtree, 2 * kTreeNodeSlots>& t = *out;
  for (unsigned s = 0; s < kTreeNodeSlots; ++s) {
    const Slot& slot = slots[s];
    BinarySubtree& leaf = t[kTreeNodeSlots + s];
    leaf = BinarySubtree{};
    if (slot.kind == Slot::Kind::kChild) leaf = {BinarySubtree::Kind::kInternal, 0, slot.a};
    if (slot.kind == Slot::Kind::kLeaf) {
      leaf = {BinarySubtree::Kind::kLeaf, static_cast<uint8_t>(s), StateLeafHash(slot.a, slot.b)};
    }
  }
  for (unsigned i = kTreeNodeSlots; i-- > 1;) {
    bool needs_hash = false;
    t[i] = JoinSubtrees(t[2 * i], t[2 * i + 1], &needs_hash);
    if (needs_hash) t[i].hash = StateInternalHash(t[2 * i].hash, t[2 * i + 1].hash);
  }
}

Hash32 TreeNode::Hash() const {
  std::array<BinarySubtree, 2 * kTreeNodeSlots> t;
  BinarySubtrees(&t);
  return t[1].hash;
}

namespace {
constexpr uint8_t kNodeRecordFormat = 0x03;  // 0x01 / 0x02 were the binary format's kinds
}  // namespace

std::string TreeNode::Encode() const {
  std::string out;
  EncodeTo(&out);
  return out;
}

size_t TreeNode::EncodedBytes() const {
  size_t size = 5;
  for (const Slot& slot : slots) {
    if (slot.kind == Slot::Kind::kLeaf) size += 64;
    if (slot.kind == Slot::Kind::kChild) size += 40;
  }
  return size;
}

void TreeNode::EncodeTo(std::string* record) const {
  uint16_t leaves = 0, children = 0;
  for (unsigned s = 0; s < kTreeNodeSlots; ++s) {
    if (slots[s].kind == Slot::Kind::kLeaf) leaves |= static_cast<uint16_t>(1u << s);
    if (slots[s].kind == Slot::Kind::kChild) children |= static_cast<uint16_t>(1u << s);
  }
  const size_t start = record->size();
  record->resize(start + EncodedBytes());
  char* at = record->data() + start;
  *at++ = static_cast<char>(kNodeRecordFormat);
  *at++ = static_cast<char>(leaves >> 8);
  *at++ = static_cast<char>(leaves & 0xFF);
  *at++ = static_cast<char>(children >> 8);
  *at++ = static_cast<char>(children & 0xFF);
  for (const Slot& slot : slots) {
    if (slot.kind == Slot::Kind::kEmpty) continue;
    std::memcpy(at, slot.a.data(), 32);
    at += 32;
    if (slot.kind == Slot::Kind::kLeaf) {
      std::memcpy(at, slot.b.data(), 32);
      at += 32;
    } else {
      for (int i = 0; i < 8; ++i) *at++ = static_cast<char>(slot.version >> (56 - 8 * i));
    }
  }
}

bool TreeNode::Decode(std::string_view bytes) {
  if (bytes.size() < 5 || static_cast<uint8_t>(bytes[0]) != kNodeRecordFormat) return false;
  const auto u16 = [&](size_t i) {
    return static_cast<uint16_t>(static_cast<uint8_t>(bytes[i]) << 8 | static_cast<uint8_t>(bytes[i + 1]));
  };
  const uint16_t leaves = u16(1), children = u16(3);
  if ((leaves & children) != 0 || (leaves | children) == 0) return false;
  const size_t size = 5 + 64 * static_cast<size_t>(__builtin_popcount(leaves)) +
                      40 * static_cast<size_t>(__builtin_popcount(children));
  if (bytes.size() != size) return false;
  const char* at = bytes.data() + 5;
  for (unsigned s = 0; s < kTreeNodeSlots; ++s) {
    Slot& slot = slots[s];
    slot = Slot{};
    if (((leaves | children) >> s & 1) == 0) continue;
    slot.kind = (leaves >> s & 1) ? Slot::Kind::kLeaf : Slot::Kind::kChild;
    std::memcpy(slot.a.data(), at, 32);
    at += 32;
    if (slot.kind == Slot::Kind::kLeaf) {
      std::memcpy(slot.b.data(), at, 32);
      at += 32;
    } else {
      for (int i = 0; i < 8; ++i) slot.version = slot.version << 8 | static_cast<uint8_t>(*at++);
    }
  }
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
      ReleaseIfLarger(level.refs, keep_bytes);
      ReleaseIfLarger(level.nodes, keep_bytes);
    }
    ReleaseIfLarger(prefetch.visits, keep_bytes);
    ReleaseIfLarger(prefetch.next, keep_bytes);
    ReleaseIfLarger(update.pending, keep_bytes);
    ReleaseIfLarger(update.rebuilt, keep_bytes);
    for (std::vector<uint32_t>& level : update.by_level) ReleaseIfLarger(level, keep_bytes);
    ReleaseIfLarger(update.plans, keep_bytes);
    ReleaseIfLarger(update.firsts, keep_bytes);
    ReleaseIfLarger(update.preimages, keep_bytes);
    ReleaseIfLarger(update.digests, keep_bytes);
    ReleaseIfLarger(update.key_order, keep_bytes);
    ReleaseIfLarger(update.level_starts, keep_bytes);
    for (Updater::LaneBuffers& lane : update.lanes) {
      ReleaseIfLarger(lane.pending, keep_bytes);
      ReleaseIfLarger(lane.stale, keep_bytes);
      ReleaseIfLarger(lane.removed, keep_bytes);
      ReleaseIfLarger(lane.rebuilt, keep_bytes);
    }
  }
};

TreeUpdateScratch::TreeUpdateScratch() : buffers_(std::make_unique<Buffers>()) {}
TreeUpdateScratch::~TreeUpdateScratch() = default;

bool TreeUpdate::WrittenInKeyOrder() const {
  return std::is_sorted(written.begin(), written.end(),
                        [](const auto& x, const auto& y) { return NodeKeyLess(x.first, y.first); });
}

void TreeUpdate::ReleaseLarge(size_t keep_bytes) {
  ReleaseIfLarger(written, keep_bytes);
  ReleaseIfLarger(removed, keep_bytes);
  ReleaseIfLarger(stale, keep_bytes);
}

namespace {

Status UpdateWithBuffers(const NodeReader& reader, const TreeRoot& committed, uint64_t height,
                         const WriteSet& writes, NodeHasher& hasher, TreeUpdate* out,
                         TreeUpdateScratch::Buffers& buffers, WorkerPool* workers) {
  out->root = committed;
  // `written` is resized and filled by Updater::Finish (its kept elements reused).
  out->stale.clear();
  out->removed.clear();
  out->phases = TreeUpdate::Phases{};
  if (writes.empty()) {
    out->written.clear();
    return Status::Ok();
  }
  using Clock = std::chrono::steady_clock;
  const auto since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  auto t = Clock::now();
  ChangesOf(writes, &buffers.changes, workers);
  out->phases.changes_s = since(t);
  const Changes changes = buffers.changes;
  PrefetchedNodes nodes(reader, buffers.prefetch);
  Updater updater(nodes, height, out, buffers.update, workers);
  Updater::Sub sub;
  Status s;
  if (committed.hash == kEmptyStateRoot) {
    std::vector<Change>& leaves = buffers.update.rebuilt;
    leaves.clear();
    for (const Change& c : changes) {
      if (c.value_hash) leaves.push_back(c);
    }
    t = Clock::now();
    s = updater.Build(NodePosition{}, leaves, &sub);
  } else {
    t = Clock::now();
    std::optional<VersionedNode> root;
    s = reader.Read(NodeRef{NodePosition{}, committed.version}, &root);
    if (!s.ok()) return s;
    if (!root) return Status::Internal("state tree: no root node under a non-empty root (damaged database)");
    s = nodes.Load(root->node, changes);
    out->phases.read_ahead_s = since(t);
    t = Clock::now();
    if (s.ok()) s = updater.UpdateRoot(changes, *root, &sub);
  }
  out->phases.update_s = since(t);
  if (!s.ok()) return s;
  t = Clock::now();
  s = updater.Finish(sub, hasher);
  out->phases.hash_s = since(t);
  return s;
}

}  // namespace

Status UpdateStateTree(const NodeReader& reader, const TreeRoot& committed, uint64_t height,
                       const WriteSet& writes, NodeHasher& hasher, TreeUpdate* out,
                       TreeUpdateScratch* scratch, WorkerPool* workers) {
  std::optional<TreeUpdateScratch> own;
  if (scratch == nullptr) scratch = &own.emplace();
  Status s = UpdateWithBuffers(reader, committed, height, writes, hasher, out, scratch->buffers(), workers);
  if (!s.ok()) out->written.clear();  // nothing half made is left for a caller to read
  if (!own) scratch->buffers().ReleaseLarge(TreeUpdateScratch::kKeepBytes);
  return s;
}

Status BuildStateRoot(const StateScan& scan, NodeHasher& hasher, Hash32* root,
                      size_t keys_per_pass, const std::string& spill_dir, RootBuildReport* report) {
  RootBuildReport local;
  RootBuildReport& r = report != nullptr ? *report : local;
  r = RootBuildReport{};
  // Every walk of the state goes through here, so that the report counts each one (a
  // spill that fails after its walk included).
  const StateScan walk = [&scan, &r](const StateVisitor& visit) {
    ++r.walks;
    return scan(visit);
  };
  WriteSet part;
  size_t keys = 0;
  uint64_t spill_bytes = 0;  // the spill files' size: each record's sizes, key and value
  Status s = walk([&](std::string_view k, std::string_view v) {
    if (++keys <= keys_per_pass) part.emplace_back(std::string(k), std::string(v));
    spill_bytes += 8 + k.size() + v.size();
  });
  if (!s.ok()) return s;
  unsigned bits = 0;
  while (bits < 24 && (keys >> bits) > keys_per_pass) ++bits;
  // The passes' walks: the whole state again each, or, spilled, the file of their prefix.
  // The spill only saves walks: when it cannot be made (too little free disk, a file that
  // cannot be written or read) the passes walk the state instead.
  std::optional<SpilledState> spilled;
  const unsigned spill_bits = std::min(bits, SpilledState::kMaxBits);
  if (bits > 0 && !spill_dir.empty()) {
    r.not_spilled_because = SpillState(walk, spill_dir, spill_bits, spill_bytes, &spilled, &s);
    if (!s.ok()) return s;  // the walk itself failed
  }
  r.spilled = spilled.has_value();
  // A file of all k bits holds its pass's keys alone: no path to hash again.
  bool file_is_pass = spilled.has_value() && spill_bits == bits;
  std::vector<BinarySubtree> level(size_t{1} << bits);
  for (uint64_t prefix = 0; prefix < level.size(); ++prefix) {
    if (bits > 0) {
      part.clear();
      const StateVisitor keep = [&](std::string_view k, std::string_view v) {
        if (file_is_pass || PathPrefix(StateKeyPath(k), bits) == prefix) {
          part.emplace_back(std::string(k), std::string(v));
        }
      };
      if (spilled.has_value() && !spilled->Read(prefix >> (bits - spill_bits), keep).ok()) {
        r.not_spilled_because = "a spill file could not be read; the passes from prefix " +
                                std::to_string(prefix) + " on walk the state";
        r.spilled = false;
        spilled.reset();  // removes the folder
        file_is_pass = false;
        part.clear();
      }
      if (!spilled.has_value()) {
        s = walk(keep);
        if (!s.ok()) return s;
      }
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
