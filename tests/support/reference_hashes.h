// Reference digests for the engine tests: each a direct call into the library
// (OpenSSL's one-shot EVP_Digest, a fresh Crypto++ Keccak_256), independent of
// the engine's own hashing path in crypto/hashes.cc.
#pragma once

#include "core/packed_items.h"
#include "core/task.h"

namespace chainaccel::testing {

Hash32 ReferenceSha256(ByteView data);
Hash32 ReferenceSha256d(ByteView data);
Hash32 ReferenceKeccak256(ByteView data);
Hash32 ReferenceHash(HashAlgorithm algorithm, ByteView data);

}  // namespace chainaccel::testing
