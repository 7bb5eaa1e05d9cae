#include "engines/cpu/calibration_workload.h"

#include <algorithm>
#include <random>
#include <vector>

#include "crypto/signatures.h"

namespace chainaccel {
namespace {

// Distinct signed items per batch; the rest repeat them.
constexpr size_t kDistinctSignatures = 64;
// Proof length of the Merkle verification workload: a tree of 2^20 leaves.
constexpr uint32_t kProofHashes = 20;

// The task and the buffers it points into.
struct Workload {
  Task task;
  std::vector<uint8_t> a, b, c, out;
  std::vector<uint64_t> indices;
  std::vector<uint32_t> lengths;
  std::vector<ItemStatus> status;
};

std::vector<uint8_t> RandomBytes(std::mt19937_64& rng, size_t n) {
  std::vector<uint8_t> bytes(n);
  for (uint8_t& byte : bytes) byte = static_cast<uint8_t>(rng());
  return bytes;
}

// A secret below every group order in play (the top byte clear), never zero.
std::vector<uint8_t> RandomSecret(std::mt19937_64& rng) {
  std::vector<uint8_t> secret = RandomBytes(rng, 32);
  secret[0] &= 0x7f;
  secret[31] |= 1;
  return secret;
}

// Repeats the first `distinct` items of `width` bytes in *bytes until it holds `items`.
void Repeat(std::vector<uint8_t>* bytes, size_t width, size_t distinct, size_t items) {
  bytes->resize(width * items);
  for (size_t i = distinct; i < items; ++i) {
    std::copy_n(bytes->data() + width * (i % distinct), width, bytes->data() + width * i);
  }
}

bool MakeSignatures(Workload& w, SignatureScheme scheme, size_t items, std::mt19937_64& rng) {
  const size_t distinct = std::min(items, kDistinctSignatures);
  const size_t key_size = scheme == SignatureScheme::kEcdsaSecp256k1 ? 33 : 32;
  w.a.resize(32 * distinct);
  w.b.resize(key_size * distinct);
  w.c.resize(64 * distinct);
  for (size_t i = 0; i < distinct; ++i) {
    const std::vector<uint8_t> message = RandomBytes(rng, 32);
    const std::vector<uint8_t> secret = RandomSecret(rng);
    std::copy(message.begin(), message.end(), w.a.begin() + static_cast<std::ptrdiff_t>(32 * i));
    uint8_t* key = w.b.data() + key_size * i;
    uint8_t* signature = w.c.data() + 64 * i;
    const bool ok = scheme == SignatureScheme::kEd25519
                        ? SignEd25519(secret, message, key, signature)
                    : scheme == SignatureScheme::kEcdsaSecp256k1
                        ? SignEcdsaSecp256k1(secret, message, key, signature)
                        : SignSchnorrBip340(secret, message, key, signature);
    if (!ok) return false;
  }
  Repeat(&w.a, 32, distinct, items);
  Repeat(&w.b, key_size, distinct, items);
  Repeat(&w.c, 64, distinct, items);
  w.status.resize(items);
  SignatureVerifyTask t;
  t.scheme = scheme;
  t.messages = PackedItems::Fixed(w.a, 32);
  t.public_keys = PackedItems::Fixed(w.b, key_size);
  t.signatures = PackedItems::Fixed(w.c, 64);
  t.status = w.status.data();
  w.task = t;
  return true;
}

bool MakeRecovery(Workload& w, size_t items, std::mt19937_64& rng) {
  const size_t distinct = std::min(items, kDistinctSignatures);
  w.a.resize(32 * distinct);
  w.c.resize(65 * distinct);
  for (size_t i = 0; i < distinct; ++i) {
    const std::vector<uint8_t> hash = RandomBytes(rng, 32);
    std::copy(hash.begin(), hash.end(), w.a.begin() + static_cast<std::ptrdiff_t>(32 * i));
    if (!SignRecoverable(RandomSecret(rng), hash, w.c.data() + 65 * i)) return false;
  }
  Repeat(&w.a, 32, distinct, items);
  Repeat(&w.c, 65, distinct, items);
  w.b.resize(64 * items);
  w.out.resize(20 * items);
  w.status.resize(items);
  w.task = SignatureRecoverTask{items, w.a.data(), w.c.data(), false, w.b.data(), w.out.data(),
                                w.status.data()};
  return true;
}

}  // namespace

std::shared_ptr<Task> MakeCalibrationTask(TaskType type, uint8_t variant, size_t items,
                                          uint64_t seed) {
  auto w = std::make_shared<Workload>();
  std::mt19937_64 rng(seed);
  switch (type) {
    case TaskType::kHash:
      if (variant < 1 || variant > 3) return nullptr;
      w->a = RandomBytes(rng, 32 * items);
      w->out.resize(32 * items);
      w->task = HashTask{static_cast<HashAlgorithm>(variant), PackedItems::Fixed(w->a, 32),
                         w->out.data()};
      break;
    case TaskType::kMerkleBuild: {
      if (variant < 1 || variant > 3) return nullptr;
      w->a = RandomBytes(rng, 32 * items);
      MerkleBuildTask t;
      t.scheme = static_cast<MerkleScheme>(variant);
      t.leaves = PackedItems::Fixed(w->a, 32);
      w->task = std::move(t);
      break;
    }
    case TaskType::kMerkleVerify: {
      if (variant < 1 || variant > 3) return nullptr;
      w->a = RandomBytes(rng, 32 * items);
      w->b = RandomBytes(rng, 32 * kProofHashes * items);
      w->indices.resize(items);
      for (uint64_t& index : w->indices) index = rng() % (uint64_t{1} << kProofHashes);
      w->lengths.assign(items, kProofHashes);
      w->status.resize(items);
      MerkleVerifyTask t;
      t.scheme = static_cast<MerkleScheme>(variant);
      t.leaf_count = uint64_t{1} << kProofHashes;
      const std::vector<uint8_t> root = RandomBytes(rng, 32);
      std::copy(root.begin(), root.end(), t.root.begin());
      t.leaves = PackedItems::Fixed(w->a, 32);
      t.leaf_indices = w->indices;
      t.proof_hashes = w->b;
      t.proof_lengths = w->lengths;
      t.status = w->status.data();
      w->task = t;
      break;
    }
    case TaskType::kSignatureVerify:
      if (variant < 1 || variant > 3) return nullptr;
      if (!MakeSignatures(*w, static_cast<SignatureScheme>(variant), items, rng)) return nullptr;
      break;
    case TaskType::kSignatureRecover:
      if (!MakeRecovery(*w, items, rng)) return nullptr;
      break;
    case TaskType::kProofGenerate:
    case TaskType::kProofVerify:
      // Their cost depends on the circuit: the model learns from the first batches.
      return nullptr;
  }
  return std::shared_ptr<Task>(w, &w->task);
}

}  // namespace chainaccel
