#include "execution/tx/state_proof.h"

#include <cstring>

#include "core/hex.h"
#include "crypto/hashes.h"

namespace chainaccel::exec {
namespace {

ByteView Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// SHA-256 of a key or value.
Hash32 NodeHash(std::string_view bytes) {
  Hash32 out;
  Sha256(Bytes(bytes), out.data());
  return out;
}

// SHA-256 of a node's preimage: its domain byte and halves.
Hash32 NodeHash(uint8_t domain, const Hash32& a, const Hash32& b) {
  Hash32 out;
  const uint8_t d[1] = {domain};
  Sha256Concat({ByteView(d, 1), ByteView(a), ByteView(b)}, out.data());
  return out;
}


}  // namespace

Hash32 StateKeyPath(std::string_view state_key) { return NodeHash(state_key); }

Hash32 StateValueHash(std::string_view value) { return NodeHash(value); }

Hash32 StateLeafHash(const Hash32& key_path, const Hash32& value_hash) {
  return NodeHash(kLeafDomain, key_path, value_hash);
}

Hash32 StateInternalHash(const Hash32& left, const Hash32& right) {
  return NodeHash(kInternalDomain, left, right);
}

Hash32 StateProofRoot(const Hash32& path, const StateProof& proof) {
  Hash32 h = proof.leaf ? StateLeafHash(proof.leaf->key_path, proof.leaf->value_hash)
                        : kEmptyStateRoot;
  for (size_t i = proof.siblings.size(); i-- > 0;) {
    h = PathBit(path, static_cast<unsigned>(i)) ? StateInternalHash(proof.siblings[i], h)
                                                : StateInternalHash(h, proof.siblings[i]);
  }
  return h;
}

Status VerifyStateProof(const Hash32& root, std::string_view key,
                        const std::optional<std::string>& value, const StateProof& proof) {
  if (proof.siblings.size() > 256) {
    return Status::InvalidArgument("the proof has " + std::to_string(proof.siblings.size()) +
                                   " siblings, more than 256");
  }
  const Hash32 path = StateKeyPath(key);
  const bool own_leaf = proof.leaf && proof.leaf->key_path == path;
  if (proof.leaf && !own_leaf) {
    // Another key's leaf proves absence only where the key's path leads: it shares the
    // path's first siblings.size() bits.
    for (unsigned d = 0; d < proof.siblings.size(); ++d) {
      if (PathBit(proof.leaf->key_path, d) != PathBit(path, d)) {
        return Status::InvalidArgument("the proof's leaf is off the key's path (bit " +
                                       std::to_string(d) + ")");
      }
    }
  }
  if (own_leaf && !value) return Status::InvalidArgument("the proof shows a value");
  if (!own_leaf && value) return Status::InvalidArgument("the proof shows the key absent");
  if (own_leaf && StateValueHash(*value) != proof.leaf->value_hash) {
    return Status::InvalidArgument("the proof shows a value whose hash is " +
                                   HexEncode(proof.leaf->value_hash) + ", not the value's");
  }
  const Hash32 computed = StateProofRoot(path, proof);
  if (computed != root) {
    return Status::InvalidArgument("the proof's root " + HexEncode(computed) + " differs from " +
                                   HexEncode(root));
  }
  return Status::Ok();
}

}  // namespace chainaccel::exec
