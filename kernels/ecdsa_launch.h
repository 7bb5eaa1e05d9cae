// Host launch wrappers of the secp256k1 ECDSA kernels: verification of staged records
// and Ethereum-style public-key recovery, one thread per signature or three
// (kernels/signature_layout.h; kernels/ecdsa.cuh has the records and the rules,
// kernels/ecdsa_records.h stages them).
//
// Every pointer is a device pointer of the current device; `generator_table` holds
// the kGeneratorTableEntries points of Secp256k1GeneratorTable
// (kernels/secp256k1.cuh) and stays unchanged while kernels read it. The wrappers only
// enqueue work on `stream`.
//
// Returns: OK once the kernel is enqueued (count == 0 enqueues nothing); INVALID_ARGUMENT
// for a null pointer or a batch too large to index, checked before any CUDA call;
// otherwise the launch's CUDA error (kernels/cuda_status.h). CHAINACCEL_CUDA_SYNC=1
// synchronizes after the launch (kernels/launch_check.h). Thread-safe.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "kernels/secp256k1.cuh"
#include "kernels/signature_layout.h"

namespace chainaccel::kernels {

// statuses[i] = VerifyEcdsaRecord(records + kEcdsaVerifyRecordBytes * i,
//                                 digests ? digests + 32 * i : null, allow_high_s)
// as a uint8_t ItemStatus. `digests` (the pre-hashed messages) may be null.
Status LaunchEcdsaVerify(const uint8_t* records, const uint8_t* digests, size_t count,
                         bool allow_high_s, const AffinePoint* generator_table,
                         uint8_t* statuses, SignatureLayout layout, cudaStream_t stream);

// results + kEcdsaRecoverResultBytes * i = RecoverEcdsaRecord(records +
// kEcdsaRecoverRecordBytes * i, allow_high_s): X || Y, the address, the status at
// kEcdsaRecoverStatusOffset.
Status LaunchEcdsaRecover(const uint8_t* records, size_t count, bool allow_high_s,
                          const AffinePoint* generator_table, uint8_t* results,
                          SignatureLayout layout, cudaStream_t stream);

}  // namespace chainaccel::kernels
