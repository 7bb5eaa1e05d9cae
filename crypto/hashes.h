// The hash functions of the CPU engine.
//
// SHA-256 and SHA-256d run on OpenSSL 3 (SHA-NI or AVX2 where the CPU has them);
// Keccak-256 runs on Crypto++ with the original Keccak padding (0x01), which is
// Ethereum's keccak256 and NOT FIPS 202 SHA3-256 (OpenSSL 3.0 has no Keccak-256).
//
// Every function writes exactly 32 bytes to `out`, which may alias none of the inputs.
// Thread-safe: each thread keeps its own hashing state, created on the thread's first
// call and freed when the thread exits. An OpenSSL failure (only possible when memory
// runs out) aborts the process with a message: there is no digest to return.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "core/packed_items.h"
#include "core/task.h"

namespace chainaccel {

// FIPS 180-4 SHA-256 of `data`.
void Sha256(ByteView data, uint8_t* out);

// SHA-256 of the concatenation of `parts`, without copying them together.
void Sha256Concat(std::initializer_list<ByteView> parts, uint8_t* out);

// SHA256(SHA256(data)), as in Bitcoin txids, block hashes and Merkle nodes.
void Sha256d(ByteView data, uint8_t* out);

// Keccak-256 of `data` with the original 0x01 padding (Ethereum's keccak256).
void Keccak256(ByteView data, uint8_t* out);

// Dispatches on `algorithm` to one of the above.
void HashMessage(HashAlgorithm algorithm, ByteView data, uint8_t* out);

}  // namespace chainaccel
