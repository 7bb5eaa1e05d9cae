// Host launch wrapper of the Ed25519 verification kernels: one thread per signature or
// three (kernels/signature_layout.h; kernels/ed25519.cuh has the record and the rules).
//
// Every pointer is a device pointer of the current device; `base_table` holds
// the kEd25519TableEntries entries of Ed25519BaseTable and stays unchanged while
// kernels read it. Messages are packed with count + 1 offsets (as kernels/hash_launch.h),
// or, when `digests` is not null, item i's message is the 32 bytes at digests + 32 * i
// (a pre-hash computed on the device) and `messages`/`offsets` are not read.
//
// Returns: OK once enqueued (count == 0 enqueues nothing); INVALID_ARGUMENT for a null
// pointer or a batch too large to index, before any CUDA call; otherwise the launch's CUDA
// error. CHAINACCEL_CUDA_SYNC=1 synchronizes after the launch. Thread-safe.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "kernels/ed25519.cuh"
#include "kernels/signature_layout.h"

namespace chainaccel::kernels {

// statuses[i] = VerifyEd25519Record(records + kEd25519RecordBytes * i, message i): one
// thread a signature, or the split roles (Ed25519VerifyRoles, Ed25519QuadVerifyRoles) as
// `layout` asks.
Status LaunchEd25519Verify(const uint8_t* records, const uint8_t* messages,
                           const uint64_t* offsets, const uint8_t* digests, size_t count,
                           const EdPrecomputed* base_table, uint8_t* statuses,
                           SignatureLayout layout, cudaStream_t stream);

}  // namespace chainaccel::kernels
