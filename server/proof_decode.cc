#include "server/proof_decode.h"

#include <algorithm>
#include <string>

#include "crypto/bn254/curve.h"
#include "crypto/groth16/engine_layout.h"
#include "crypto/groth16/point_bytes.h"
#include "crypto/groth16/snarkjs_json.h"
#include "crypto/groth16/verifier.h"
#include "crypto/groth16/wtns.h"
#include "server/decode.h"

namespace chainaccel::server {
namespace {

// The witness of item `i`, when it is a .wtns of the circuit, appended to `limbs`.
bool AppendWitness(ByteView bytes, const Groth16Circuit& circuit, ThreadPool* pool,
                   std::vector<uint64_t>* limbs) {
  groth16::Witness witness;
  if (!groth16::ReadWtns(bytes, &witness, pool).ok()) return false;
  if (witness.values.size() != circuit.n_vars || !witness.values[0].IsOne()) return false;
  groth16::AppendFrLimbs(witness.values, limbs);
  return true;
}

void AppendBytes(std::string* out, std::span<const uint8_t> bytes) {
  out->append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// The public signals as one contiguous view of proofs * n_public * 32 bytes.
Status DecodePublicSignals(const v1::ByteBatch& batch, size_t proofs, uint32_t n_public,
                           const Limits& limits, ByteView* out) {
  if (n_public == 0) {
    if (!batch.data().empty() || batch.item_size() != 0 || !batch.offsets().empty()) {
      return Status::InvalidArgument(
          "public_signals: must be empty, the verification key has no public signals");
    }
    *out = {};
    return Status::Ok();
  }
  PackedItems items;
  if (Status s = DecodeByteBatch(batch, "public_signals", limits, &items); !s.ok()) return s;
  if (items.size() != proofs) {
    return Status::InvalidArgument("public_signals has " + std::to_string(items.size()) +
                                   " items but proofs has " + std::to_string(proofs));
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].size() != size_t{n_public} * 32) {
      return Status::InvalidArgument(
          "public_signals[" + std::to_string(i) + "]: " + std::to_string(items[i].size()) +
          " bytes, the key's " + std::to_string(n_public) + " signals take " +
          std::to_string(size_t{n_public} * 32));
    }
  }
  *out = items.data();
  return Status::Ok();
}

}  // namespace

Status DecodeCircuitId(const std::string& bytes, groth16::CircuitId* out) {
  if (bytes.size() != out->size()) {
    return Status::InvalidArgument("circuit_id: must be 32 bytes (the SHA-256 of the .zkey), got " +
                                   std::to_string(bytes.size()));
  }
  std::copy(bytes.begin(), bytes.end(), out->begin());
  return Status::Ok();
}

Status DecodeWitnesses(const v1::ProveRequest& request, const Limits& limits,
                       const Groth16Circuit& circuit, ThreadPool* pool,
                       std::vector<ItemStatus>* statuses, ProveWitnesses* out) {
  PackedItems items;
  if (Status s = DecodeByteBatch(request.witnesses(), "witnesses", limits, &items); !s.ok()) {
    return s;
  }
  statuses->assign(items.size(), ItemStatus::kUnspecified);
  for (size_t i = 0; i < items.size(); ++i) {
    if (AppendWitness(items[i], circuit, pool, &out->limbs)) {
      out->items.push_back(i);
    } else {
      (*statuses)[i] = ItemStatus::kMalformedWitness;
    }
  }
  return Status::Ok();
}

void AppendProof(const groth16::FinishedProof* proof, uint32_t n_public, v1::ProveResponse* out) {
  std::string* proofs = out->mutable_proofs()->mutable_data();
  std::string* signals = out->mutable_public_signals()->mutable_data();
  if (proof == nullptr) {
    proofs->append(groth16::kProofBytes, '\0');
    signals->append(size_t{n_public} * 32, '\0');
    out->add_proof_json();
    out->add_public_json();
    return;
  }
  std::array<uint8_t, groth16::kProofBytes> bytes{};
  groth16::EncodeProofEip197(proof->proof, bytes);
  AppendBytes(proofs, bytes);
  for (const bn254::U256& v : proof->public_signals) {
    std::array<uint8_t, 32> be{};
    groth16::Fr::FromCanonicalUnchecked(v).ToBytesBE(be);
    AppendBytes(signals, be);
  }
  out->add_proof_json(groth16::ProofToJson(proof->proof));
  out->add_public_json(groth16::PublicSignalsToJson(proof->public_signals));
}

namespace {

// Proof i of the JSON form in binary, or 0xFF bytes when it does not parse.
void ConvertJsonProof(const std::string& text, std::string* out) {
  groth16::Proof proof;
  if (!groth16::ParseProofJson(text, &proof).ok()) {
    out->append(groth16::kProofBytes, '\xff');
    return;
  }
  std::array<uint8_t, groth16::kProofBytes> bytes{};
  // A point off the curve encodes as given and is refused by the engine's decoding.
  groth16::EncodeProofEip197(proof, bytes);
  AppendBytes(out, bytes);
}

// The signals of the JSON form in binary, or 0xFF bytes when they do not parse or
// number other than n_public.
void ConvertJsonSignals(const std::string& text, uint32_t n_public, std::string* out) {
  std::vector<bn254::U256> values;
  if (!groth16::ParsePublicSignalsJson(text, &values).ok() || values.size() != n_public) {
    out->append(size_t{n_public} * 32, '\xff');
    return;
  }
  for (const bn254::U256& v : values) {
    for (int limb = 3; limb >= 0; --limb) {
      for (int byte = 7; byte >= 0; --byte) out->push_back(static_cast<char>(v[limb] >> (8 * byte)));
    }
  }
}

Status DecodeJsonProofs(const v1::ProofVerifyRequest& request, const Limits& limits,
                        uint32_t n_public, ProofVerifyBuffers* buffers, ProofVerifyTask* task) {
  const size_t n = static_cast<size_t>(request.proof_json_size());
  if (request.proofs().data().size() != 0 || request.public_signals().data().size() != 0) {
    return Status::InvalidArgument("proof_json: give proofs either as JSON or as bytes, not both");
  }
  if (static_cast<size_t>(request.public_json_size()) != n) {
    return Status::InvalidArgument("public_json has " + std::to_string(request.public_json_size()) +
                                   " items but proof_json has " + std::to_string(n));
  }
  if (n > limits.max_batch_items) {
    return Status::ResourceExhausted("proof_json: " + std::to_string(n) + " items exceed the limit of " +
                                     std::to_string(limits.max_batch_items) + " per batch");
  }
  for (size_t i = 0; i < n; ++i) {
    ConvertJsonProof(request.proof_json(static_cast<int>(i)), &buffers->proofs);
    ConvertJsonSignals(request.public_json(static_cast<int>(i)), n_public, &buffers->signals);
  }
  task->proofs = PackedItems::Fixed(AsBytes(buffers->proofs), groth16::kProofBytes);
  task->public_signals = AsBytes(buffers->signals);
  return Status::Ok();
}

Status DecodeBinaryProofs(const v1::ProofVerifyRequest& request, const Limits& limits,
                          uint32_t n_public, ProofVerifyTask* task) {
  PackedItems proofs;
  if (Status s = DecodeByteBatch(request.proofs(), "proofs", limits, &proofs); !s.ok()) return s;
  if (!proofs.fixed() || proofs.item_size() != groth16::kProofBytes) {
    return Status::InvalidArgument("proofs: items must be 256 bytes (A || B || C, EIP-197)");
  }
  ByteView signals;
  Status s = DecodePublicSignals(request.public_signals(), proofs.size(), n_public, limits, &signals);
  if (!s.ok()) return s;
  task->proofs = proofs;
  task->public_signals = signals;
  return Status::Ok();
}

}  // namespace

Status DecodeProofVerifyRequest(const v1::ProofVerifyRequest& request, const Limits& limits,
                                std::vector<ItemStatus>* statuses, ProofVerifyBuffers* buffers,
                                ProofVerifyTask* task) {
  groth16::VerifyingKey vk;
  Status s = groth16::ParseVerifyingKeyJson(request.verification_key_json(), &vk);
  groth16::PreparedVerifyingKey prepared;
  if (s.ok()) s = groth16::PreparedVerifyingKey::Prepare(vk, &prepared);
  if (!s.ok()) return Status::InvalidArgument("verification_key_json: " + s.message());
  s = request.proof_json_size() > 0 ? DecodeJsonProofs(request, limits, vk.n_public, buffers, task)
                                    : DecodeBinaryProofs(request, limits, vk.n_public, task);
  if (!s.ok()) return s;
  task->key = std::make_shared<const Groth16VerifyingKeyData>(groth16::MakeEngineVerifyingKey(vk));
  statuses->assign(task->proofs.size(), ItemStatus::kUnspecified);
  task->status = statuses->data();
  return Status::Ok();
}

}  // namespace chainaccel::server
