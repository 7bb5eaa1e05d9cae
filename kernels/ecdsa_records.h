// Host side of the GPU's ECDSA: turns items of a SignatureVerifyTask or
// SignatureRecoverTask into the fixed-size records kernels/ecdsa.cuh reads.
//
// Only byte handling happens here: sizes, and DER signatures parsed by libsecp256k1's own
// secp256k1_ecdsa_signature_parse_der (so that exactly the DER it accepts is accepted)
// into r and s. Every numeric check runs in VerifyEcdsaRecord. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/task.h"

namespace chainaccel::kernels {

// Writes item i of `task` (scheme ECDSA_SECP256K1) as a kEcdsaVerifyRecordBytes record.
// With a pre-hash the record's hash field stays zero: the digest comes from the GPU.
// REQUIRES: i < task.messages.size(); record holds kEcdsaVerifyRecordBytes bytes.
void StageEcdsaVerifyRecord(const SignatureVerifyTask& task, size_t i, uint8_t* record);

// Writes item i of `task` as a kEcdsaRecoverRecordBytes record.
void StageEcdsaRecoverRecord(const SignatureRecoverTask& task, size_t i, uint8_t* record);

}  // namespace chainaccel::kernels
