#include "execution/node_cache.h"

#include <array>
#include <cstring>
#include <optional>
#include <string>

namespace chainaccel::exec {
namespace {

constexpr auto kNode = StateCache::Kind::kNode;

// u16 depth || prefix: the entry's key.
constexpr size_t kKeyBytes = NodeCache::kPositionBytes;
struct Key {
  explicit Key(const NodePosition& p) {
    std::memcpy(bytes.data(), &p.depth, 2);
    std::memcpy(bytes.data() + 2, p.prefix.data(), 32);
  }
  std::string_view view() const { return {bytes.data(), bytes.size()}; }
  std::array<char, kKeyBytes> bytes;
};

}  // namespace

bool NodeCache::Lookup(const NodePosition& position, VersionedNode* out) {
  bool decoded = false;
  const bool hit = cache_.Lookup(kNode, Key(position).view(), [&](const std::string_view* bytes) {
    // Entries are this class's own (version, record): decoding one fails only if memory
    // is corrupt, and then *out may be half written: a miss all the same.
    if (bytes == nullptr || bytes->size() < 8 || !out->node.Decode(bytes->substr(8))) return;
    std::memcpy(&out->version, bytes->data(), 8);
    decoded = true;
  });
  return hit && decoded;
}

void NodeCache::Insert(const NodePosition& position, const VersionedNode& node) {
  Insert(EncodedNode(position, node));
}

NodeCache::EncodedNode::EncodedNode(const NodePosition& position, const VersionedNode& node) {
  bytes_.reserve(kKeyBytes + 8 + node.node.EncodedBytes());
  bytes_.append(Key(position).view());
  bytes_.append(reinterpret_cast<const char*>(&node.version), 8);
  node.node.EncodeTo(&bytes_);
}

std::string_view NodeCache::EncodedNode::record() const {
  return std::string_view(bytes_).substr(kKeyBytes + 8);
}

void NodeCache::Insert(EncodedNode&& node) { cache_.Insert(kNode, kKeyBytes, std::move(node.bytes_)); }

void NodeCache::Erase(const NodePosition& position) { cache_.Erase(kNode, Key(position).view()); }

NodeCache::Stats NodeCache::stats() const {
  const StateCache::Stats c = cache_.stats();
  constexpr auto k = static_cast<size_t>(kNode);
  return Stats{c.hits[k], c.misses[k], c.evictions, c.entries, c.bytes, c.capacity};
}

}  // namespace chainaccel::exec
