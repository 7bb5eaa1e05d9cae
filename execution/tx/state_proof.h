// The authenticated state's hashing rules and its proofs (docs/execution.md, "State
// root"): a sparse Merkle tree of 256 levels over key paths SHA-256(state key), with
// empty subtrees as 32 zero bytes and a subtree of one leaf shortened to that leaf.
//
//   key path    = SHA-256(state key)            bit d = bit (7 - d % 8) of byte d / 8
//   value hash  = SHA-256(value)
//   leaf        = SHA-256(0x00 || key path || value hash)
//   internal    = SHA-256(0x01 || left || right)   (a subtree of two leaves or more)
//   empty       = 32 zero bytes                     (the empty state's root too)
//
// Here because the client verifies proofs and may link execution/tx, not the rest of
// execution/; the tree that produces them is execution/state_tree.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/task.h"

namespace chainaccel::exec {

// The root of the empty state: 32 zero bytes.
inline constexpr Hash32 kEmptyStateRoot{};

// Bytes hashed per tree node: 1 domain byte and two 32-byte halves.
inline constexpr size_t kTreeNodePreimageBytes = 65;
inline constexpr uint8_t kLeafDomain = 0x00;
inline constexpr uint8_t kInternalDomain = 0x01;

Hash32 StateKeyPath(std::string_view state_key);
Hash32 StateValueHash(std::string_view value);
Hash32 StateLeafHash(const Hash32& key_path, const Hash32& value_hash);
Hash32 StateInternalHash(const Hash32& left, const Hash32& right);
// Bit `depth` (0 = the root's choice) of a key path: 0 goes left, 1 right.
inline int PathBit(const Hash32& path, unsigned depth) {
  return (path[depth / 8] >> (7 - depth % 8)) & 1;
}

// The proof of one key at one height: the siblings of the key's path from the root down
// to where the path ends, at a leaf (its own or another key's) or at an empty subtree.
struct StateProof {
  // siblings[i]: the hash of the other child of the path's node at depth i.
  std::vector<Hash32> siblings;
  // The leaf where the path ends (at depth siblings.size()); absent: an empty subtree.
  struct Leaf {
    Hash32 key_path{};
    Hash32 value_hash{};
  };
  std::optional<Leaf> leaf;
};

// Checks that `proof` proves, under `root`, that `key` holds `value` (present) or holds
// nothing (nullopt). OK when it does; INVALID_ARGUMENT naming the first check that fails
// ("the proof's root ... differs from ...", "the proof shows a value whose hash ...",
// "the proof shows the key absent", "the proof shows a value", "... more than 256 siblings",
// "the proof's leaf is off the key's path").
Status VerifyStateProof(const Hash32& root, std::string_view key,
                        const std::optional<std::string>& value, const StateProof& proof);

// The root `proof` leads to for key path `path` (no check that it proves anything).
Hash32 StateProofRoot(const Hash32& path, const StateProof& proof);

}  // namespace chainaccel::exec
