// StateTree: the incremental update of the authenticated state (docs/execution.md, "State
// root"), a sparse Merkle tree with the rules of execution/tx/state_proof.h, versioned by
// height. It does no I/O: a NodeReader gives it the committed tree's nodes, a NodeHasher
// hashes node preimages in batches, and the update it returns (the new root, the node
// records written at the block's height, the records it makes stale) is written by the
// caller (StateStore, in the block's one WriteBatch).
//
// The tree is logically binary (its hashes and proofs are a binary tree's) and stored as
// a 16-ary tree: a node lives at a position whose depth is a multiple of 4 (0 = the root,
// at most 252) and holds the four binary levels below it, ending in 16 slots, one for
// each next 4 bits of the path (docs/execution.md, "Storage and versions"). Its prefix is
// the path's first `depth` bits, later bits zero. A block that changes a node writes it
// again as a new record, versioned by the block's height; a parent's child slot names the
// child's version, so a tree at any height is read with exact (position, version) reads
// from its root down.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/task.h"
#include "engines/engine.h"
#include "execution/block.h"
#include "execution/worker_pool.h"
#include "execution/tx/state_proof.h"

namespace chainaccel::exec {

struct NodePosition {
  uint16_t depth = 0;
  Hash32 prefix{};
  bool operator==(const NodePosition& o) const { return depth == o.depth && prefix == o.prefix; }
};

// Key order of node positions: by depth, then prefix (TreeUpdate::written's order, and
// the node records' in the database).
inline bool NodeKeyLess(const NodePosition& a, const NodePosition& b) {
  return a.depth != b.depth ? a.depth < b.depth : a.prefix < b.prefix;
}

struct NodePositionHash {
  size_t operator()(const NodePosition& p) const {
    size_t h;
    static_assert(sizeof h <= 32);
    std::memcpy(&h, p.prefix.data(), sizeof h);  // the prefix's first bits: a hash's
    return h ^ (static_cast<size_t>(p.depth) * 0x9e3779b97f4a7c15ull);
  }
};

// The binary levels stored in one node, and its children.
inline constexpr unsigned kTreeNodeLevels = 4;
inline constexpr unsigned kTreeNodeSlots = 1u << kTreeNodeLevels;

// A binary subtree inside a node: empty, one leaf (a subtree of one leaf is that leaf, so
// it also stands for the node's ranges above it that hold nothing else) or an internal
// node (two leaves or more below it).
struct BinarySubtree {
  enum class Kind : uint8_t { kEmpty = 0, kLeaf = 1, kInternal = 2 };
  Kind kind = Kind::kEmpty;
  uint8_t leaf_slot = 0;  // kLeaf: the slot holding the leaf
  Hash32 hash{};          // zero when empty
};

// Which subtree two siblings join into, by the tree's rules: the right one when the left is
// empty and the right is not internal (empty over two empty ones, a leaf over an empty one
// and the leaf), the left one when it is a leaf and the right is empty, else a new
// internal node over both.
enum class JoinedSubtree : uint8_t { kLeft, kRight, kInternal };
constexpr JoinedSubtree JoinKinds(BinarySubtree::Kind left, BinarySubtree::Kind right) {
  using K = BinarySubtree::Kind;
  if (left == K::kEmpty && right != K::kInternal) return JoinedSubtree::kRight;
  if (right == K::kEmpty && left == K::kLeaf) return JoinedSubtree::kLeft;
  return JoinedSubtree::kInternal;
}

// The subtree over two sibling subtrees by JoinKinds' rule (*needs_hash set for a new
// internal node: the caller hashes 0x01 || left.hash || right.hash into its hash).
BinarySubtree JoinSubtrees(const BinarySubtree& left, const BinarySubtree& right, bool* needs_hash);

// A node's record: 16 slots, each empty, a leaf (a = key path, b = value hash) or a child
// node (a = its hash, version = the height that wrote it). A node other than the root has
// two leaves or more below it (a subtree of one leaf is a leaf slot of its parent); the
// root node has one or more.
struct TreeNode {
  struct Slot {
    enum class Kind : uint8_t { kEmpty = 0, kLeaf = 1, kChild = 2 };
    Kind kind = Kind::kEmpty;
    Hash32 a{};
    Hash32 b{};
    uint64_t version = 0;
  };
  std::array<Slot, kTreeNodeSlots> slots{};

  // The node's binary subtrees in heap order, hashed on the calling thread (up to 31
  // hashes): [1] the node's own, [2i] and [2i + 1] the halves of [i], [16 + s] slot s.
  void BinarySubtrees(std::array<BinarySubtree, 2 * kTreeNodeSlots>* out) const;
  // The node's hash: BinarySubtrees' [1].
  Hash32 Hash() const;
  // 0x03, u16be(leaf slots' mask), u16be(child slots' mask) (bit s: slot s), then for each
  // slot in order the leaf's 64 bytes or the child's hash and u64be(version). Decode:
  // false for anything else (a 65-byte record of the binary format of earlier versions
  // included).
  std::string Encode() const;
  // Encode's bytes appended to *out.
  void EncodeTo(std::string* out) const;
  bool Decode(std::string_view bytes);
  // The size of Encode's record.
  size_t EncodedBytes() const;
};

// The slot of `path` in a node at `depth` (a multiple of 4): the path's bits depth..depth + 3.
inline unsigned PathSlot(const Hash32& path, unsigned depth) {
  const uint8_t byte = path[depth / 8];
  return depth % 8 == 0 ? byte >> 4 : byte & 0x0F;
}

// The position of the child node in slot `slot` of the node at `parent`.
NodePosition ChildPosition(const NodePosition& parent, unsigned slot);

struct VersionedNode {
  TreeNode node;
  uint64_t version = 0;  // the height that wrote it
};

// One record of the tree: a position and the height that wrote the node there.
struct NodeRef {
  NodePosition position;
  uint64_t version = 0;
};

// The committed tree's nodes. Thread-safety: as the implementation's.
class NodeReader {
 public:
  virtual ~NodeReader() = default;
  // The node `ref` names, or nullopt when no such record exists. INTERNAL when storage
  // fails.
  virtual Status Read(const NodeRef& ref, std::optional<VersionedNode>* out) const = 0;
  // The nodes `refs` name: (*out)[i] as Read(refs[i]) answers, out resized to
  // refs.size(). An implementation may read them at once (several threads, batched
  // storage reads); this one calls Read for each. INTERNAL as Read.
  virtual Status ReadBatch(std::span<const NodeRef> refs,
                           std::vector<std::optional<VersionedNode>>* out) const;
};

// Hashes n node preimages of kTreeNodePreimageBytes each (n * 65 bytes) into n * 32 bytes.
class NodeHasher {
 public:
  virtual ~NodeHasher() = default;
  virtual Status Hash(std::span<const uint8_t> preimages, size_t n, uint8_t* digests) = 0;
};

// Hashes on the calling thread with the crypto library.
class CpuNodeHasher final : public NodeHasher {
 public:
  Status Hash(std::span<const uint8_t> preimages, size_t n, uint8_t* digests) override;
};

// Hashes a level of tree nodes as one HashTask through `engine` (the daemon's scheduler:
// CPU threads or a GPU) when it has at least kMinEngineNodes nodes, else on the calling
// thread, where a small level costs less than a scheduler round trip. `engine` must
// outlive the hasher and support kHash.
class EngineNodeHasher final : public NodeHasher {
 public:
  // One SHA-256 of 65 bytes takes ~0.3-0.5 us on one thread, a task through the scheduler
  // tens of microseconds of fixed cost: from ~1,000 nodes a level is worth the engine's
  // threads (bench/EXEC_RESULTS.md, "State root update").
  static constexpr size_t kMinEngineNodes = 1024;

  explicit EngineNodeHasher(Engine& engine) : engine_(engine) {}
  Status Hash(std::span<const uint8_t> preimages, size_t n, uint8_t* digests) override;
  size_t engine_batches() const { return engine_batches_; }

 private:
  Engine& engine_;
  CpuNodeHasher cpu_;
  size_t engine_batches_ = 0;
};

// The tree an update starts from: its root's hash and the height that wrote its root
// node (0 for the empty tree, which has none).
struct TreeRoot {
  Hash32 hash{};
  uint64_t version = 0;
};

struct TreeUpdate {
  TreeRoot root;
  // New records, version = the block's height, in key order (NodeKeyLess).
  std::vector<std::pair<NodePosition, TreeNode>> written;
  // Whether `written` is in key order, as UpdateStateTree makes it (one pass).
  bool WrittenInKeyOrder() const;
  // Records of the committed tree replaced or made unreachable by the block: (position,
  // version written).
  std::vector<std::pair<NodePosition, uint64_t>> stale;
  // The positions of `stale` records that the block does not write again (no longer in
  // the tree: a node gone empty or down to one leaf), so that a cache of the latest tree
  // drops only these and lets `written` replace the rest.
  std::vector<NodePosition> removed;
  // Where the update's time went, in seconds: the changes' paths and value hashes, the
  // read-ahead of the committed nodes on the changed paths, making the new nodes, and
  // hashing them (the hasher's calls and the subtrees' preparation); within hash_s, the
  // hasher's calls alone (NodeHasher::Hash: the engine's batches, or the small rounds
  // hashed on the calling thread).
  struct Phases {
    double changes_s = 0;
    double read_ahead_s = 0;
    double update_s = 0;
    double hash_s = 0;
    double hasher_s = 0;
  } phases;

  // Releases the memory of a vector that holds more than `keep_bytes` (a caller that keeps
  // one TreeUpdate from block to block calls it after each block).
  void ReleaseLarge(size_t keep_bytes);
};

// The working buffers of UpdateStateTree, kept from one update to the next by a caller
// that updates the tree block after block: a block of 10^4 changed keys fills vectors of
// ~1-2·10^4 nodes of ~1.1 KB (the nodes read ahead, the new ones, their binary subtrees:
// ~50-70 MB in all), which the daemon's allocator policy maps afresh and
// faults in page by page whenever they are allocated (bench/EXEC_RESULTS.md, "Page faults
// in the block path"). A buffer grown past kKeepBytes is released after its update
// instead of kept. 256 MiB keeps those of a block of 10^4 transfers over 10^7 accounts
// (~3·10^4 changed keys, ~7·10^4 new nodes: ~100 MB of new nodes alone); at 64 MiB a
// block over 10^6 accounts already lost them each time and its update took 4x as long
// (0.08 s against 0.02 s, bench/EXEC_RESULTS.md, "The 16-core host"), while the much
// larger blocks of a bulk load still give theirs back. Not thread-safe: one update at a
// time uses a scratch.
class TreeUpdateScratch {
 public:
  static constexpr size_t kKeepBytes = size_t{256} << 20;
  struct Buffers;  // defined in state_tree.cc

  TreeUpdateScratch();
  ~TreeUpdateScratch();
  TreeUpdateScratch(const TreeUpdateScratch&) = delete;
  TreeUpdateScratch& operator=(const TreeUpdateScratch&) = delete;
  Buffers& buffers() { return *buffers_; }

 private:
  std::unique_ptr<Buffers> buffers_;
};

// Block `height`'s update of the tree `committed`: `writes` (state keys to new values,
// nullopt a removal) applied. Reads every committed node on the changed paths (once
// each) first, a level of nodes at a time from the root, each level in one
// NodeReader::ReadBatch; then writes every node on them again; hashes the new nodes a
// level of nodes at a time, deepest first: the level's leaves in one hasher call, then
// each of its four binary levels in one. `out`'s vectors are
// cleared, not replaced, so a caller that passes the same TreeUpdate each block reuses
// their memory; `scratch` (may be null: buffers of this call only) likewise. `workers`
// (may be null: the calling thread alone) prepares each hasher call's inputs and takes
// its outputs back on several threads (the hasher itself spreads its batches as it
// does). INTERNAL when the reader fails or a node is missing (a damaged database).
Status UpdateStateTree(const NodeReader& reader, const TreeRoot& committed, uint64_t height,
                       const WriteSet& writes, NodeHasher& hasher, TreeUpdate* out,
                       TreeUpdateScratch* scratch = nullptr, WorkerPool* workers = nullptr);

// A walk over a whole state: a StateScan calls the visitor once for every key with its
// value, in any order, and returns how the walk went (INTERNAL when storage fails).
using StateVisitor = std::function<void(std::string_view key, std::string_view value)>;
using StateScan = std::function<Status(const StateVisitor& visit)>;

// The most keys BuildStateRoot holds at once: a key costs ~0.7-1 KB while its pass is
// built (the key and value, its change, its leaf and ~1.4 internal nodes, each with its
// position), so a pass of 2^18 keys takes ~200 MB (state_root_bench's rebuild at 10^6
// keys raised the process's peak by up to 197 MiB).
inline constexpr size_t kRootBuildKeysPerPass = size_t{1} << 18;

// The root of the state `scan` walks, built from nothing with the same hasher batching:
// the full check of a database on open (StateStore::ScanState), and a reference for
// tests. Memory is bounded by `keys_per_pass` keys, not by the state: the first walk
// keeps the keys while they fit one pass and counts them all; a state of more is built
// in 2^k passes (k the least with keys / 2^k <= keys_per_pass, at most 24), each
// building the subtree of the keys whose paths start with one k-bit prefix, and the
// 2^k subtrees are joined. Each pass walks the whole state again, unless `spill_dir` is
// given: then a second walk writes the state into files there by the first min(k, 8)
// bits of each path (the folder made afresh and removed at the end; disk: the state's
// keys and values once more), and each pass reads its prefix's file only: two walks of
// the state, and each file read by 2^max(0, k - 8) passes, where without the files a
// state of 10^8 keys (k = 9) takes 513 walks. The files only save walks: when the disk
// holds less than their size and 64 MiB to spare, or they cannot be written or read, the
// passes walk the state instead (*report says so, when given). INTERNAL when a walk fails.
// REQUIRES: keys_per_pass >= 1.
struct RootBuildReport {
  size_t walks = 0;                 // walks of the state (scan's calls)
  bool spilled = false;             // the passes read spill files
  std::string not_spilled_because;  // why a spill_dir given went unused (or was left)
};
Status BuildStateRoot(const StateScan& scan, NodeHasher& hasher, Hash32* root,
                      size_t keys_per_pass = kRootBuildKeysPerPass,
                      const std::string& spill_dir = std::string(),
                      RootBuildReport* report = nullptr);

// BuildStateRoot over `state` with `overlay` applied (when not null): the reference of
// tests.
Status BuildStateRoot(const std::map<std::string, std::string, std::less<>>& state,
                      const WriteSet* overlay, NodeHasher& hasher, Hash32* root);

}  // namespace chainaccel::exec
