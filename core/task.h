// The tasks an engine runs: one struct per task type, gathered in the Task variant.
//
// A task holds views of its inputs (owned by the caller, usually the gRPC request) and
// pointers to its outputs (owned by the caller, usually the gRPC response), sized by
// the caller before the task is submitted. Engines write every output slot; per-item
// failures go into the item's status, never into the returned Status, which is reserved
// for failures of the whole batch (a device fault, a cancelled request).
//
// Enum values equal those of the proto enums of the same name, so that the server maps
// between them with a cast after checking the range.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "core/groth16_circuit.h"
#include "core/packed_items.h"

namespace chainaccel {

using Hash32 = std::array<uint8_t, 32>;

enum class TaskType : uint8_t {
  kHash,
  kMerkleBuild,
  kMerkleVerify,
  kSignatureVerify,
  kSignatureRecover,
  kProofGenerate,
  kProofVerify,
};
inline constexpr size_t kTaskTypeCount = 7;

// "hash", "merkle_build", "merkle_verify", "signature_verify", "signature_recover",
// "proof_generate", "proof_verify".
std::string_view TaskTypeName(TaskType type);

// Outcome of one item of a batch (the API's ItemStatus).
enum class ItemStatus : uint8_t {
  kUnspecified = 0,
  kOk = 1,
  kInvalid = 2,
  kMalformedPublicKey = 3,
  kMalformedSignature = 4,
  kMalformedMessage = 5,
  kHighS = 6,
  kInvalidRecoveryId = 7,
  kRecoveryFailed = 8,
  kIndexOutOfRange = 9,
  kMalformedProof = 10,
  kMalformedWitness = 11,
};

enum class HashAlgorithm : uint8_t { kSha256 = 1, kSha256d = 2, kKeccak256 = 3 };

enum class MerkleScheme : uint8_t { kBitcoin = 1, kRfc6962 = 2, kOzKeccakSorted = 3 };

enum class SignatureScheme : uint8_t { kEd25519 = 1, kEcdsaSecp256k1 = 2, kSchnorrBip340 = 3 };

enum class PreHash : uint8_t { kNone = 0, kSha256 = 1, kSha256d = 2, kKeccak256 = 3 };

enum class SignatureEncoding : uint8_t { kCompact = 0, kDer = 1 };

// Digest i of messages[i] goes to digests[32*i, 32*i+32).
struct HashTask {
  HashAlgorithm algorithm = HashAlgorithm::kSha256;
  PackedItems messages;
  uint8_t* digests = nullptr;  // messages.size() * 32 bytes
};

// Builds a tree and the proofs of the leaves at proof_indices.
struct MerkleBuildTask {
  MerkleScheme scheme = MerkleScheme::kBitcoin;
  // 32-byte leaves, or raw entries when leaves_are_entries (RFC 6962 only).
  PackedItems leaves;
  bool leaves_are_entries = false;
  bool sort_leaves = false;  // OZ only
  // REQUIRES: every index < number of leaves (the server checks).
  std::span<const uint64_t> proof_indices;

  // Outputs, filled by the engine.
  Hash32 root{};
  std::vector<uint8_t> proof_hashes;    // proofs end to end, 32 bytes per hash
  std::vector<uint32_t> proof_lengths;  // hashes per proof
};

// Checks proof k of leaves[k] at leaf_indices[k] against root.
struct MerkleVerifyTask {
  MerkleScheme scheme = MerkleScheme::kBitcoin;
  Hash32 root{};
  uint64_t leaf_count = 0;
  PackedItems leaves;                       // 32-byte leaves
  std::span<const uint64_t> leaf_indices;   // one per leaf (ignored by OZ)
  std::span<const uint8_t> proof_hashes;    // proofs end to end
  std::span<const uint32_t> proof_lengths;  // one per leaf; sum * 32 == proof_hashes.size()
  ItemStatus* status = nullptr;             // leaves.size() entries
};

// Verifies (messages[i], public_keys[i], signatures[i]) for every i.
struct SignatureVerifyTask {
  SignatureScheme scheme = SignatureScheme::kEd25519;
  PreHash pre_hash = PreHash::kNone;
  SignatureEncoding encoding = SignatureEncoding::kCompact;  // ECDSA only
  bool allow_high_s = false;                                 // ECDSA only
  // REQUIRES: the three have the same size.
  PackedItems messages;
  PackedItems public_keys;
  PackedItems signatures;
  ItemStatus* status = nullptr;  // messages.size() entries
};

// Ethereum-style recovery of (hashes[32i..], signatures[65i..] = r || s || v).
struct SignatureRecoverTask {
  size_t count = 0;
  const uint8_t* hashes = nullptr;      // count * 32 bytes
  const uint8_t* signatures = nullptr;  // count * 65 bytes
  bool allow_high_s = false;
  uint8_t* public_keys = nullptr;  // count * 64 bytes (X || Y), zeroed on failure
  uint8_t* addresses = nullptr;    // count * 20 bytes, zeroed on failure
  ItemStatus* status = nullptr;    // count entries
};

// Groth16 proofs on BN254 of `count` witnesses of one registered circuit, up to the
// randomness: each item's five multi-scalar multiplications (core/groth16_circuit.h),
// which the caller turns into a proof with its own r and s (crypto/groth16/prover.h).
// Never split or joined with another request: the items share the circuit's bases.
struct ProofGenerateTask {
  std::shared_ptr<const Groth16Circuit> circuit;
  size_t count = 0;
  // count × n_vars field elements (Fr, Montgomery form, each < r), witness after witness;
  // REQUIRES: each witness's first value is 1 (the server checks).
  const uint64_t* witnesses = nullptr;
  Groth16ProofParts* parts = nullptr;  // count entries
  ItemStatus* status = nullptr;        // count entries: kOk, or why the item has no parts
};

// Verifies `proofs.size()` Groth16 proofs against one verifying key: item i is proof i
// (256 bytes, EIP-197 encodings A || B || C as in Solidity calldata) with its public
// signals (key->n_public values, 32 bytes big-endian each, end to end). kOk when it
// verifies, kInvalid when it does not, kMalformedProof when a point does not decode (off
// the curve, outside the subgroup, a coordinate >= p), kMalformedMessage when a public
// signal is >= r.
struct ProofVerifyTask {
  std::shared_ptr<const Groth16VerifyingKeyData> key;
  // REQUIRES: fixed 256-byte items; public_signals holds proofs.size() * key->n_public
  // values of 32 bytes, proof after proof.
  PackedItems proofs;
  ByteView public_signals;
  ItemStatus* status = nullptr;  // proofs.size() entries
};

using Task = std::variant<HashTask, MerkleBuildTask, MerkleVerifyTask, SignatureVerifyTask,
                          SignatureRecoverTask, ProofGenerateTask, ProofVerifyTask>;

// The variant's alternatives are in TaskType order.
inline TaskType TaskTypeOf(const Task& task) { return static_cast<TaskType>(task.index()); }

// Number of items the task processes (messages, leaves, proofs, signatures).
size_t TaskItemCount(const Task& task);

}  // namespace chainaccel
