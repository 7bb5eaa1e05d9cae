#include "kernels/ecdsa_records.h"

#include <secp256k1.h>

#include <cstring>

#include "kernels/ecdsa.cuh"

namespace chainaccel::kernels {

void StageEcdsaVerifyRecord(const SignatureVerifyTask& task, size_t i, uint8_t* record) {
  std::memset(record, 0, kEcdsaVerifyRecordBytes);
  const ByteView key = task.public_keys[i];
  if (key.size() == 33 || key.size() == 65) {
    std::memcpy(record + kEcdsaKeyOffset, key.data(), key.size());
    record[kEcdsaKeySizeOffset] = static_cast<uint8_t>(key.size());
  }
  uint8_t flags = 0;
  const ByteView signature = task.signatures[i];
  if (task.encoding == SignatureEncoding::kCompact) {
    if (signature.size() == 64) {
      std::memcpy(record + kEcdsaROffset, signature.data(), 64);  // r || s
    } else {
      flags |= kEcdsaFlagBadSignature;
    }
  } else {
    // Parsing needs no precomputed tables: the static context serves.
    secp256k1_ecdsa_signature parsed;
    uint8_t rs[64];
    if (!signature.empty() &&
        secp256k1_ecdsa_signature_parse_der(secp256k1_context_static, &parsed, signature.data(),
                                            signature.size()) == 1) {
      secp256k1_ecdsa_signature_serialize_compact(secp256k1_context_static, rs, &parsed);
      std::memcpy(record + kEcdsaROffset, rs, 64);
    } else {
      flags |= kEcdsaFlagBadSignature;
    }
  }
  if (task.pre_hash == PreHash::kNone) {
    const ByteView message = task.messages[i];
    if (message.size() == 32) {
      std::memcpy(record + kEcdsaHashOffset, message.data(), 32);
    } else {
      flags |= kEcdsaFlagBadMessage;
    }
  }
  record[kEcdsaFlagsOffset] = flags;
}

void StageEcdsaRecoverRecord(const SignatureRecoverTask& task, size_t i, uint8_t* record) {
  std::memset(record, 0, kEcdsaRecoverRecordBytes);
  std::memcpy(record, task.hashes + 32 * i, 32);
  std::memcpy(record + 32, task.signatures + 65 * i, 65);
}

}  // namespace chainaccel::kernels
