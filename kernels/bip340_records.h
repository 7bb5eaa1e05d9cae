// Host side of the GPU's BIP-340 verification: turns items of a SignatureVerifyTask
// (scheme SCHNORR_BIP340) into the fixed-size records kernels/bip340.cuh reads.
//
// Only sizes are looked at here; every numeric check (x < p and on the curve, r < p,
// s < n) runs in VerifyBip340Record. The messages are not part of the record: the caller
// stages them packed beside the records (engines/gpu/signature_operator.cc). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/task.h"

namespace chainaccel::kernels {

// Writes item i of `task` as a kBip340RecordBytes record: the key when it is 32 bytes,
// r || s when the signature is 64 bytes, and a flag for each that is not.
// REQUIRES: i < task.messages.size(); record holds kBip340RecordBytes bytes.
void StageBip340Record(const SignatureVerifyTask& task, size_t i, uint8_t* record);

}  // namespace chainaccel::kernels
