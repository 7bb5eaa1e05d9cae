#include "execution/testing/tree_records.h"

#include <rocksdb/db.h>

#include <memory>
#include <set>
#include <vector>

namespace chainaccel::exec::testing {
namespace {

std::string BigEndian64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (56 - 8 * i));
  return s;
}

// u16be(depth) || prefix of the child of `position` in slot `slot` (its depth + 4, the
// slot's 4 bits set after the prefix).
std::string Child(const std::string& position, unsigned slot) {
  const unsigned depth = (static_cast<uint8_t>(position[0]) << 8) | static_cast<uint8_t>(position[1]);
  std::string c = position;
  c[0] = static_cast<char>((depth + 4) >> 8);
  c[1] = static_cast<char>((depth + 4) & 0xff);
  c[2 + depth / 8] = static_cast<char>(c[2 + depth / 8] | (depth % 8 == 0 ? slot << 4 : slot));
  return c;
}

// The child slots of a node record (docs/execution.md: 0x03, u16be(leaf slots),
// u16be(child slots), ...): a mask, or -1 when the record is not a node.
int ChildSlots(const std::string& record) {
  if (record.size() < 5 || record[0] != 3) return -1;
  return (static_cast<uint8_t>(record[3]) << 8) | static_cast<uint8_t>(record[4]);
}

// The latest "t" record of `position` at or below `height`: *value is its node and
// u64be(version); empty when there is none.
Status LatestVersioned(rocksdb::Iterator& it, const std::string& position, uint64_t height,
                       std::string* value) {
  value->clear();
  const std::string prefix = "t" + position;
  it.SeekForPrev(prefix + BigEndian64(height));
  if (!it.status().ok()) return Status::Internal(it.status().ToString());
  if (!it.Valid() || !it.key().starts_with(prefix) || it.key().size() != prefix.size() + 8) {
    return Status::Ok();
  }
  *value = it.value().ToString() + it.key().ToString().substr(prefix.size());
  return Status::Ok();
}

// Walks the tree of `height` from the root, checking each position's "n" record.
Status WalkTree(rocksdb::DB& db, uint64_t height, std::set<std::string>* walked) {
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
  std::vector<std::string> todo = {std::string(34, '\0')};
  while (!todo.empty()) {
    const std::string position = todo.back();
    todo.pop_back();
    std::string versioned, latest;
    Status s = LatestVersioned(*it, position, height, &versioned);
    if (!s.ok()) return s;
    if (versioned.empty()) return Status::Internal("a reachable position without a node record");
    if (!db.Get(rocksdb::ReadOptions(), "n" + position, &latest).ok() || latest != versioned) {
      return Status::Internal("a reachable position whose latest-node record is missing or stale");
    }
    walked->insert(position);
    const int children = ChildSlots(versioned);
    if (children < 0) return Status::Internal("a node record of another format");
    for (unsigned slot = 0; slot < 16; ++slot) {
      if (children >> slot & 1) todo.push_back(Child(position, slot));
    }
  }
  return Status::Ok();
}

}  // namespace

Status CheckLatestNodeRecords(const std::string& path, size_t* reachable) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Status rs = rocksdb::DB::OpenForReadOnly(rocksdb::Options(), path, &raw);
  if (!rs.ok()) return Status::Internal(rs.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string v;
  uint64_t height = 0;
  if (db->Get(rocksdb::ReadOptions(), "m:height", &v).ok()) {
    for (char c : v) height = (height << 8) | static_cast<uint8_t>(c);
  }
  std::string root;
  std::set<std::string> walked;
  if (height > 0 && db->Get(rocksdb::ReadOptions(), "r" + BigEndian64(height), &root).ok() &&
      root != std::string(32, '\0')) {
    Status s = WalkTree(*db, height, &walked);
    if (!s.ok()) return s;
  }
  *reachable = walked.size();
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("n"); it->Valid() && it->key().starts_with("n"); it->Next()) {
    if (!walked.count(it->key().ToString().substr(1))) {
      return Status::Internal("a latest-node record at a position the tree does not reach");
    }
  }
  return it->status().ok() ? Status::Ok() : Status::Internal(it->status().ToString());
}

}  // namespace chainaccel::exec::testing
