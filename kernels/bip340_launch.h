// Host launch wrapper of the BIP-340 Schnorr verification kernels: one thread per
// signature or three (kernels/signature_layout.h; kernels/bip340.cuh has the record and
// the rules, kernels/bip340_records.h stages the records).
//
// Every pointer is a device pointer of the current device; `generator_table` holds the
// kGeneratorTableEntries points of Secp256k1GeneratorTable (kernels/secp256k1.cuh) and
// stays unchanged while kernels read it. Messages are packed with count + 1 offsets (as
// kernels/hash_launch.h), or, when `digests` is not null, item i's message is the 32
// bytes at digests + 32 * i (a pre-hash computed on the device) and `messages`/`offsets`
// are not read. The wrapper only enqueues work on `stream`.
//
// Returns: OK once enqueued (count == 0 enqueues nothing); INVALID_ARGUMENT for a null
// pointer or a batch too large to index, checked before any CUDA call; otherwise the
// launch's CUDA error (kernels/cuda_status.h). CHAINACCEL_CUDA_SYNC=1 synchronizes after
// the launch (kernels/launch_check.h). Thread-safe.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "kernels/secp256k1.cuh"
#include "kernels/signature_layout.h"

namespace chainaccel::kernels {

// statuses[i] = VerifyBip340Record(records + kBip340RecordBytes * i, message i) as a
// uint8_t ItemStatus.
Status LaunchBip340Verify(const uint8_t* records, const uint8_t* messages,
                          const uint64_t* offsets, const uint8_t* digests, size_t count,
                          const AffinePoint* generator_table, uint8_t* statuses,
                          SignatureLayout layout, cudaStream_t stream);

}  // namespace chainaccel::kernels
