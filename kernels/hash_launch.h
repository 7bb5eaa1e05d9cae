// Host launch wrappers of the hashing kernels: SHA-256, SHA-256d and Keccak-256 over a
// packed batch of messages in device memory, one 32-byte digest per message.
//
// The layouts mirror core/packed_items.h: `count` messages of `item_size` bytes end to
// end (fixed), or messages delimited by count + 1 offsets (variable). Every pointer is a
// device pointer (cudaMalloc, cudaMallocAsync or managed memory) of the current device.
// The wrappers only enqueue work on `stream`: inputs must stay alive and unchanged, and
// outputs unread, until the stream has passed the launch. Any alignment works; a fixed
// batch of 32- or 64-byte items with 16-byte aligned data takes a faster kernel.
//
// Returns: OK once the kernel is enqueued (count == 0 enqueues nothing);
// INVALID_ARGUMENT for an unknown algorithm, a null pointer where bytes are needed, or a
// batch too large to index, all checked before any CUDA call; otherwise the CUDA error of
// the launch as converted by kernels/cuda_status.h (a device left faulty by earlier work
// fails the launch too).
// Debugging: with CHAINACCEL_CUDA_SYNC=1 in the environment (read at each call) the wrapper
// synchronizes the stream after the launch and returns any error of the kernel itself.
// Thread-safe (each call is one launch on the caller's stream).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/status.h"
#include "core/task.h"

namespace chainaccel::kernels {

// "SHA256", "SHA256D", "KECCAK256" (the API's enum names); "" for a value out of range.
std::string_view HashAlgorithmName(HashAlgorithm algorithm);

// digests[32i, 32i + 32) = H(messages[i * item_size, (i + 1) * item_size)), i < count.
// item_size may be 0 (every message empty; messages may then be null).
// REQUIRES: messages holds count * item_size bytes; digests holds count * 32 bytes and
// overlaps no input.
Status LaunchHashFixed(HashAlgorithm algorithm, const uint8_t* messages, size_t item_size,
                       size_t count, uint8_t* digests, cudaStream_t stream);

// digests[32i, 32i + 32) = H(messages[offsets[i], offsets[i + 1])), i < count.
// REQUIRES: offsets holds count + 1 non-decreasing values (server/decode.h checks them for
// untrusted input); messages holds offsets[count] bytes (may be null when that is 0);
// digests holds count * 32 bytes and overlaps no input.
Status LaunchHashVariable(HashAlgorithm algorithm, const uint8_t* messages,
                          const uint64_t* offsets, size_t count, uint8_t* digests,
                          cudaStream_t stream);

}  // namespace chainaccel::kernels
