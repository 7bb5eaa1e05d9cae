#include "execution/testing/tree_records.h"

#include <rocksdb/db.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "execution/state_tree.h"

namespace chainaccel::exec::testing {
namespace {

std::string BigEndian64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (56 - 8 * i));
  return s;
}

// "t" || u16be(depth) || prefix: the versioned records of a position.
std::string RecordPrefix(const NodePosition& p) {
  std::string k = "t";
  k.push_back(static_cast<char>(p.depth >> 8));
  k.push_back(static_cast<char>(p.depth & 0xff));
  k.append(reinterpret_cast<const char*>(p.prefix.data()), 32);
  return k;
}

// The child position in `slot` of a node at `p` (written out here, not taken from the
// code under test).
NodePosition ChildOf(const NodePosition& p, unsigned slot) {
  NodePosition c = p;
  c.depth = static_cast<uint16_t>(p.depth + 4);
  c.prefix[p.depth / 8] |= static_cast<uint8_t>(p.depth % 8 == 0 ? slot << 4 : slot);
  return c;
}

struct Pending {
  NodePosition position;
  uint64_t version;
  Hash32 hash;
};

Status WalkTree(rocksdb::DB& db, const Hash32& root, uint64_t height, size_t* walked) {
  // The root: the latest record at or below the height.
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
  const std::string root_prefix = RecordPrefix(NodePosition{});
  it->SeekForPrev(root_prefix + BigEndian64(height));
  if (!it->Valid() || !it->key().starts_with(root_prefix)) return Status::Internal("no root record");
  uint64_t root_version = 0;
  for (size_t i = root_prefix.size(); i < it->key().size(); ++i) {
    root_version = root_version << 8 | static_cast<uint8_t>(it->key()[i]);
  }
  std::vector<Pending> todo = {{NodePosition{}, root_version, root}};
  while (!todo.empty()) {
    const Pending p = todo.back();
    todo.pop_back();
    std::string record;
    if (!db.Get(rocksdb::ReadOptions(), RecordPrefix(p.position) + BigEndian64(p.version), &record).ok()) {
      return Status::Internal("a child slot names a record that is missing");
    }
    TreeNode node;
    if (!node.Decode(record)) return Status::Internal("a malformed node record");
    if (node.Hash() != p.hash) return Status::Internal("a node that does not hash to its parent's slot");
    ++*walked;
    for (unsigned slot = 0; slot < kTreeNodeSlots; ++slot) {
      const TreeNode::Slot& s = node.slots[slot];
      if (s.kind == TreeNode::Slot::Kind::kChild) todo.push_back({ChildOf(p.position, slot), s.version, s.a});
    }
  }
  return Status::Ok();
}

uint64_t ParseHeight(const std::string& be) {
  uint64_t h = 0;
  for (char c : be) h = (h << 8) | static_cast<uint8_t>(c);
  return h;
}

}  // namespace

Status CheckLatestTree(const std::string& path, size_t* reachable) {
  *reachable = 0;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status rs = rocksdb::DB::OpenForReadOnly(rocksdb::Options(), path, &raw);
  if (!rs.ok()) return Status::Internal(rs.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string v;
  uint64_t height = 0;
  if (db->Get(rocksdb::ReadOptions(), "m:height", &v).ok()) height = ParseHeight(v);
  std::string root;
  if (height > 0 && db->Get(rocksdb::ReadOptions(), "r" + BigEndian64(height), &root).ok() &&
      root != std::string(32, '\0')) {
    Hash32 hash;
    std::memcpy(hash.data(), root.data(), 32);
    Status s = WalkTree(*db, hash, height, reachable);
    if (!s.ok()) return s;
  }
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  it->Seek("n");
  if (it->Valid() && it->key().starts_with("n")) return Status::Internal("a latest-node record of the old layout");
  if (!it->status().ok()) return Status::Internal(it->status().ToString());
  // Each block's stale index: whole 42-byte entries in ascending order (pruning deletes
  // them in that order).
  constexpr size_t kEntry = 2 + 32 + 8;
  for (it->Seek("x"); it->Valid() && it->key().starts_with("x"); it->Next()) {
    const std::string_view value(it->value().data(), it->value().size());
    const std::string at = "the stale index record of height " +
                           std::to_string(it->key().size() == 9 ? ParseHeight(it->key().ToString().substr(1)) : 0);
    if (value.size() % kEntry != 0) return Status::Internal(at + ": not whole entries");
    for (size_t e = kEntry; e < value.size(); e += kEntry) {
      // Bytewise unsigned, as RocksDB orders keys (string_view's compare is memcmp's).
      if (value.substr(e - kEntry, kEntry) >= value.substr(e, kEntry)) {
        return Status::Internal(at + ": entries out of order at " + std::to_string(e / kEntry));
      }
    }
  }
  return it->status().ok() ? Status::Ok() : Status::Internal(it->status().ToString());
}

}  // namespace chainaccel::exec::testing
