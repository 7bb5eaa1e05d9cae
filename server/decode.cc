#include "server/decode.h"

#include <string>

namespace chainaccel::server {

ByteView AsBytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

namespace {

std::string Field(std::string_view field, std::string_view sub) {
  std::string f(field);
  f += '.';
  f += sub;
  return f;
}

Status CheckItemCount(size_t n, std::string_view field, const Limits& limits) {
  if (n > limits.max_batch_items) {
    return Status::ResourceExhausted(std::string(field) + ": " + std::to_string(n) +
                                     " items exceed the limit of " +
                                     std::to_string(limits.max_batch_items) + " per batch");
  }
  return Status::Ok();
}

Status CheckNotEmpty(size_t n, std::string_view field) {
  if (n == 0) return Status::InvalidArgument(std::string(field) + ": empty batch");
  return Status::Ok();
}

Status CheckSameCount(size_t n, std::string_view field, size_t expected,
                      std::string_view expected_field) {
  if (n != expected) {
    return Status::InvalidArgument(std::string(field) + " has " + std::to_string(n) +
                                   " items but " + std::string(expected_field) + " has " +
                                   std::to_string(expected));
  }
  return Status::Ok();
}

// Copies u32 proof lengths into a u64 running check: sum * 32 must equal the bytes given.
Status CheckProofPacking(const google::protobuf::RepeatedField<uint32_t>& lengths,
                         const std::string& hashes) {
  if (hashes.size() % 32 != 0) {
    return Status::InvalidArgument("proof_hashes: " + std::to_string(hashes.size()) +
                                   " bytes is not a multiple of 32");
  }
  uint64_t total = 0;
  for (uint32_t len : lengths) total += len;
  if (total * 32 != hashes.size()) {
    return Status::InvalidArgument("proof_lengths: add up to " + std::to_string(total) +
                                   " hashes but proof_hashes holds " +
                                   std::to_string(hashes.size() / 32));
  }
  return Status::Ok();
}

}  // namespace

Status DecodeByteBatch(const v1::ByteBatch& batch, std::string_view field, const Limits& limits,
                       PackedItems* out) {
  const ByteView data = AsBytes(batch.data());
  if (batch.item_size() != 0) {
    if (!batch.offsets().empty()) {
      return Status::InvalidArgument(Field(field, "offsets") +
                                     ": must be empty when item_size is set");
    }
    if (data.size() % batch.item_size() != 0) {
      return Status::InvalidArgument(Field(field, "data") + ": " + std::to_string(data.size()) +
                                     " bytes is not a multiple of item_size " +
                                     std::to_string(batch.item_size()));
    }
    Status s = CheckItemCount(data.size() / batch.item_size(), field, limits);
    if (!s.ok()) return s;
    *out = PackedItems::Fixed(data, batch.item_size());
    return CheckNotEmpty(out->size(), field);
  }
  const auto& offsets = batch.offsets();
  if (offsets.empty()) {
    if (!data.empty()) {
      return Status::InvalidArgument(std::string(field) +
                                     ": data given without item_size or offsets");
    }
    return Status::InvalidArgument(std::string(field) + ": empty batch");
  }
  if (offsets.size() == 1) {
    // [0] with no data is a batch of zero items, as an omitted batch is.
    if (offsets[0] == 0 && data.empty()) return Status::InvalidArgument(std::string(field) + ": empty batch");
    return Status::InvalidArgument(Field(field, "offsets") + ": [" + std::to_string(offsets[0]) +
                                   "] describes no item, yet data has " +
                                   std::to_string(data.size()) + " bytes");
  }
  Status s = CheckItemCount(static_cast<size_t>(offsets.size()) - 1, field, limits);
  if (!s.ok()) return s;
  if (offsets[0] != 0) {
    return Status::InvalidArgument(Field(field, "offsets") + "[0]: must be 0, got " +
                                   std::to_string(offsets[0]));
  }
  for (int i = 1; i < offsets.size(); ++i) {
    if (offsets[i] < offsets[i - 1]) {
      return Status::InvalidArgument(Field(field, "offsets") + "[" + std::to_string(i) +
                                     "]: " + std::to_string(offsets[i]) +
                                     " is below the previous offset " +
                                     std::to_string(offsets[i - 1]) + " (item " +
                                     std::to_string(i - 1) + ")");
    }
  }
  if (offsets[offsets.size() - 1] != data.size()) {
    return Status::InvalidArgument(Field(field, "offsets") + "[" +
                                   std::to_string(offsets.size() - 1) + "]: last offset " +
                                   std::to_string(offsets[offsets.size() - 1]) +
                                   " must equal the data size " + std::to_string(data.size()));
  }
  *out = PackedItems::Variable(data, {offsets.data(), static_cast<size_t>(offsets.size())});
  return Status::Ok();
}

Status DecodeFixed(const std::string& bytes, size_t item_size, std::string_view field,
                   const Limits& limits, PackedItems* out) {
  if (bytes.size() % item_size != 0) {
    return Status::InvalidArgument(std::string(field) + ": " + std::to_string(bytes.size()) +
                                   " bytes is not a multiple of " + std::to_string(item_size));
  }
  Status s = CheckItemCount(bytes.size() / item_size, field, limits);
  if (!s.ok()) return s;
  *out = PackedItems::Fixed(AsBytes(bytes), item_size);
  return Status::Ok();
}

Status DecodePlacement(v1::Placement placement, Placement* out) {
  switch (placement) {
    case v1::PLACEMENT_AUTO: *out = Placement::kAuto; return Status::Ok();
    case v1::PLACEMENT_CPU: *out = Placement::kCpu; return Status::Ok();
    case v1::PLACEMENT_GPU: *out = Placement::kGpu; return Status::Ok();
    case v1::PLACEMENT_LOAD_BALANCE: *out = Placement::kLoadBalance; return Status::Ok();
    default:
      return Status::InvalidArgument("placement: unknown value " +
                                     std::to_string(static_cast<int>(placement)));
  }
}

Status DecodePriority(v1::Priority priority, Priority* out) {
  switch (priority) {
    case v1::PRIORITY_NORMAL: *out = Priority::kNormal; return Status::Ok();
    case v1::PRIORITY_HIGH: *out = Priority::kHigh; return Status::Ok();
    default:
      return Status::InvalidArgument("priority: unknown value " +
                                     std::to_string(static_cast<int>(priority)));
  }
}

namespace {

std::string UnknownEnum(std::string_view field, int value) {
  return std::string(field) + ": unknown value " + std::to_string(value);
}

Status DecodeHashAlgorithm(v1::HashAlgorithm a, HashAlgorithm* out) {
  switch (a) {
    case v1::HASH_ALGORITHM_SHA256: *out = HashAlgorithm::kSha256; return Status::Ok();
    case v1::HASH_ALGORITHM_SHA256D: *out = HashAlgorithm::kSha256d; return Status::Ok();
    case v1::HASH_ALGORITHM_KECCAK256: *out = HashAlgorithm::kKeccak256; return Status::Ok();
    case v1::HASH_ALGORITHM_UNSPECIFIED:
      return Status::InvalidArgument("algorithm: must be set (SHA256, SHA256D or KECCAK256)");
    default: return Status::InvalidArgument(UnknownEnum("algorithm", a));
  }
}

Status DecodeMerkleScheme(v1::MerkleScheme s, MerkleScheme* out) {
  switch (s) {
    case v1::MERKLE_SCHEME_BITCOIN: *out = MerkleScheme::kBitcoin; return Status::Ok();
    case v1::MERKLE_SCHEME_RFC6962: *out = MerkleScheme::kRfc6962; return Status::Ok();
    case v1::MERKLE_SCHEME_OZ_KECCAK_SORTED:
      *out = MerkleScheme::kOzKeccakSorted;
      return Status::Ok();
    case v1::MERKLE_SCHEME_UNSPECIFIED:
      return Status::InvalidArgument("scheme: must be set (BITCOIN, RFC6962 or OZ_KECCAK_SORTED)");
    default: return Status::InvalidArgument(UnknownEnum("scheme", s));
  }
}

Status DecodeSignatureScheme(v1::SignatureScheme s, SignatureScheme* out) {
  switch (s) {
    case v1::SIGNATURE_SCHEME_ED25519: *out = SignatureScheme::kEd25519; return Status::Ok();
    case v1::SIGNATURE_SCHEME_ECDSA_SECP256K1:
      *out = SignatureScheme::kEcdsaSecp256k1;
      return Status::Ok();
    case v1::SIGNATURE_SCHEME_SCHNORR_BIP340:
      *out = SignatureScheme::kSchnorrBip340;
      return Status::Ok();
    case v1::SIGNATURE_SCHEME_UNSPECIFIED:
      return Status::InvalidArgument(
          "scheme: must be set (ED25519, ECDSA_SECP256K1 or SCHNORR_BIP340)");
    default: return Status::InvalidArgument(UnknownEnum("scheme", s));
  }
}

Status DecodePreHash(v1::PreHash p, PreHash* out) {
  switch (p) {
    case v1::PRE_HASH_NONE: *out = PreHash::kNone; return Status::Ok();
    case v1::PRE_HASH_SHA256: *out = PreHash::kSha256; return Status::Ok();
    case v1::PRE_HASH_SHA256D: *out = PreHash::kSha256d; return Status::Ok();
    case v1::PRE_HASH_KECCAK256: *out = PreHash::kKeccak256; return Status::Ok();
    default: return Status::InvalidArgument(UnknownEnum("pre_hash", p));
  }
}

Status DecodeSignatureEncoding(v1::SignatureEncoding e, SignatureEncoding* out) {
  switch (e) {
    case v1::SIGNATURE_ENCODING_COMPACT: *out = SignatureEncoding::kCompact; return Status::Ok();
    case v1::SIGNATURE_ENCODING_DER: *out = SignatureEncoding::kDer; return Status::Ok();
    default: return Status::InvalidArgument(UnknownEnum("signature_encoding", e));
  }
}

Status DecodeRoot(const std::string& root, Hash32* out) {
  if (root.size() != 32) {
    return Status::InvalidArgument("root: must be 32 bytes, got " + std::to_string(root.size()));
  }
  std::copy(root.begin(), root.end(), out->begin());
  return Status::Ok();
}

// *field as `size` zero bytes, through `size_bytes` when set.
void SizeBytes(const SizeBytesField& size_bytes, std::string* field, size_t size) {
  if (size_bytes) {
    size_bytes(field, size);
  } else {
    field->resize(size);
  }
}

}  // namespace

Status DecodeHashRequest(const v1::HashRequest& request, const Limits& limits,
                         v1::HashResponse* response, HashTask* task,
                         const SizeBytesField& size_bytes) {
  Status s = DecodeHashAlgorithm(request.algorithm(), &task->algorithm);
  if (s.ok()) s = DecodeByteBatch(request.messages(), "messages", limits, &task->messages);
  if (!s.ok()) return s;
  std::string* digests = response->mutable_digests();
  SizeBytes(size_bytes, digests, task->messages.size() * 32);
  task->digests = reinterpret_cast<uint8_t*>(digests->data());
  return Status::Ok();
}

Status DecodeBuildTreeRequest(const v1::BuildTreeRequest& request, const Limits& limits,
                              MerkleBuildTask* task) {
  Status s = DecodeMerkleScheme(request.scheme(), &task->scheme);
  if (!s.ok()) return s;
  switch (request.leaf_encoding()) {
    case v1::LEAF_ENCODING_LEAF_HASHES: task->leaves_are_entries = false; break;
    case v1::LEAF_ENCODING_RAW_ENTRIES: task->leaves_are_entries = true; break;
    default: return Status::InvalidArgument(UnknownEnum("leaf_encoding", request.leaf_encoding()));
  }
  if (task->leaves_are_entries) {
    if (task->scheme != MerkleScheme::kRfc6962) {
      return Status::InvalidArgument("leaf_encoding: RAW_ENTRIES is only for the RFC6962 scheme");
    }
    if (!request.leaves().empty()) {
      return Status::InvalidArgument("leaves: must be empty with RAW_ENTRIES (use entries)");
    }
    const auto& entries = request.entries();
    // Zero entries, however sent (omitted, offsets [0], or a fixed size and no data):
    // the empty log, MTH({}) = SHA256("").
    const bool no_entries = entries.data().empty() &&
                            (entries.offsets().empty() ||
                             (entries.offsets().size() == 1 && entries.offsets(0) == 0));
    if (no_entries) {
      task->leaves = PackedItems();
    } else {
      s = DecodeByteBatch(entries, "entries", limits, &task->leaves);
    }
  } else {
    if (request.has_entries()) {
      return Status::InvalidArgument("entries: only with leaf_encoding RAW_ENTRIES (use leaves)");
    }
    s = DecodeFixed(request.leaves(), 32, "leaves", limits, &task->leaves);
  }
  if (!s.ok()) return s;
  if (task->leaves.empty() && task->scheme != MerkleScheme::kRfc6962) {
    return Status::InvalidArgument("leaves: the scheme needs at least one leaf");
  }
  if (request.sort_leaves() && task->scheme != MerkleScheme::kOzKeccakSorted) {
    return Status::InvalidArgument("sort_leaves: only for the OZ_KECCAK_SORTED scheme");
  }
  task->sort_leaves = request.sort_leaves();
  const auto& indices = request.proof_indices();
  s = CheckItemCount(indices.size(), "proof_indices", limits);
  if (!s.ok()) return s;
  for (int i = 0; i < indices.size(); ++i) {
    if (indices[i] >= task->leaves.size()) {
      return Status::InvalidArgument("proof_indices[" + std::to_string(i) + "]: leaf index " +
                                     std::to_string(indices[i]) + " is not below the " +
                                     std::to_string(task->leaves.size()) + " leaves");
    }
  }
  task->proof_indices = {indices.data(), static_cast<size_t>(indices.size())};
  return Status::Ok();
}

Status DecodeVerifyProofsRequest(const v1::VerifyProofsRequest& request, const Limits& limits,
                                 std::vector<ItemStatus>* statuses, MerkleVerifyTask* task) {
  Status s = DecodeMerkleScheme(request.scheme(), &task->scheme);
  if (s.ok()) s = DecodeRoot(request.root(), &task->root);
  if (s.ok()) s = DecodeFixed(request.leaves(), 32, "leaves", limits, &task->leaves);
  if (s.ok()) s = CheckNotEmpty(task->leaves.size(), "leaves");
  if (!s.ok()) return s;
  const size_t n = task->leaves.size();
  if (task->scheme != MerkleScheme::kOzKeccakSorted) {
    s = CheckSameCount(request.leaf_indices_size(), "leaf_indices", n, "leaves");
    if (!s.ok()) return s;
  } else if (request.leaf_indices_size() != 0) {
    s = CheckSameCount(request.leaf_indices_size(), "leaf_indices", n, "leaves");
    if (!s.ok()) return s;
  }
  s = CheckSameCount(request.proof_lengths_size(), "proof_lengths", n, "leaves");
  if (s.ok()) s = CheckProofPacking(request.proof_lengths(), request.proof_hashes());
  if (!s.ok()) return s;
  task->leaf_count = request.leaf_count();
  task->leaf_indices = {request.leaf_indices().data(),
                        static_cast<size_t>(request.leaf_indices_size())};
  task->proof_hashes = AsBytes(request.proof_hashes());
  task->proof_lengths = {request.proof_lengths().data(),
                         static_cast<size_t>(request.proof_lengths_size())};
  statuses->assign(n, ItemStatus::kUnspecified);
  task->status = statuses->data();
  return Status::Ok();
}

Status DecodeVerifyRequest(const v1::VerifyRequest& request, const Limits& limits,
                           std::vector<ItemStatus>* statuses, SignatureVerifyTask* task) {
  Status s = DecodeSignatureScheme(request.scheme(), &task->scheme);
  if (s.ok()) s = DecodePreHash(request.pre_hash(), &task->pre_hash);
  if (s.ok()) s = DecodeSignatureEncoding(request.signature_encoding(), &task->encoding);
  if (s.ok() && task->encoding == SignatureEncoding::kDer &&
      task->scheme != SignatureScheme::kEcdsaSecp256k1) {
    s = Status::InvalidArgument("signature_encoding: DER is only for ECDSA_SECP256K1");
  }
  if (s.ok()) s = DecodeByteBatch(request.messages(), "messages", limits, &task->messages);
  if (s.ok()) {
    s = DecodeByteBatch(request.public_keys(), "public_keys", limits, &task->public_keys);
  }
  if (s.ok()) s = DecodeByteBatch(request.signatures(), "signatures", limits, &task->signatures);
  if (s.ok()) {
    s = CheckSameCount(task->public_keys.size(), "public_keys", task->messages.size(),
                       "messages");
  }
  if (s.ok()) {
    s = CheckSameCount(task->signatures.size(), "signatures", task->messages.size(), "messages");
  }
  if (!s.ok()) return s;
  task->allow_high_s = request.allow_high_s();
  statuses->assign(task->messages.size(), ItemStatus::kUnspecified);
  task->status = statuses->data();
  return Status::Ok();
}

Status DecodeRecoverRequest(const v1::RecoverRequest& request, const Limits& limits,
                            v1::RecoverResponse* response, std::vector<ItemStatus>* statuses,
                            SignatureRecoverTask* task, const SizeBytesField& size_bytes) {
  PackedItems hashes, signatures;
  Status s = DecodeFixed(request.hashes(), 32, "hashes", limits, &hashes);
  if (s.ok()) s = CheckNotEmpty(hashes.size(), "hashes");
  if (s.ok()) s = DecodeFixed(request.signatures(), 65, "signatures", limits, &signatures);
  if (s.ok()) s = CheckSameCount(signatures.size(), "signatures", hashes.size(), "hashes");
  if (!s.ok()) return s;
  const size_t n = hashes.size();
  task->count = n;
  task->hashes = hashes.data().data();
  task->signatures = signatures.data().data();
  task->allow_high_s = request.allow_high_s();
  SizeBytes(size_bytes, response->mutable_public_keys(), n * 64);
  SizeBytes(size_bytes, response->mutable_addresses(), n * 20);
  task->public_keys = reinterpret_cast<uint8_t*>(response->mutable_public_keys()->data());
  task->addresses = reinterpret_cast<uint8_t*>(response->mutable_addresses()->data());
  statuses->assign(n, ItemStatus::kUnspecified);
  task->status = statuses->data();
  return Status::Ok();
}

uint64_t EncodeItemStatuses(const std::vector<ItemStatus>& statuses,
                            google::protobuf::RepeatedField<int>* out) {
  out->Resize(static_cast<int>(statuses.size()), 0);
  int* dst = out->mutable_data();
  uint64_t ok = 0;
  for (size_t i = 0; i < statuses.size(); ++i) {
    dst[i] = static_cast<int>(statuses[i]);
    ok += statuses[i] == ItemStatus::kOk;
  }
  return ok;
}

}  // namespace chainaccel::server
