// SignatureSet: n valid signatures under n random keys, for `chainaccel bench`.
//
// Generating a million secp256k1 signatures takes tens of seconds, so sets are cached
// in $XDG_CACHE_HOME/chainaccel (else ~/.cache/chainaccel), one file per scheme, count
// and message size. A cache file that does not match what is asked for is rebuilt.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace chainaccel::cli {

enum class SignatureKind {
  kEd25519,  // 32-byte keys, 64-byte signatures, messages of any size.
  kEcdsa,    // secp256k1: 32-byte message hashes, 33-byte compressed keys, 64-byte r || s.
  kSchnorr,  // BIP-340: 32-byte x-only keys, 64-byte signatures, messages of any size.
  // secp256k1 recovery: 32-byte hashes, 65-byte r || s || v signatures; public_keys holds
  // the 64-byte X || Y keys that recovery must return.
  kRecover,
};

// Every item is of fixed size; item i of each field is bytes [i * size, (i + 1) * size).
struct SignatureSet {
  uint64_t count = 0;
  uint32_t message_size = 0;
  uint32_t public_key_size = 0;
  uint32_t signature_size = 0;
  std::string messages;
  std::string public_keys;
  std::string signatures;
};

// The cache folder, or an empty path when neither XDG_CACHE_HOME nor HOME is set.
std::filesystem::path SignatureCacheDir();

// `count` valid signatures of `kind` over random messages of `message_size` bytes (32
// for kEcdsa and kRecover), from the cache or freshly generated on every core and then
// cached. With `progress`, reports generation progress on stderr.
// Throws CliError when the set cannot be generated.
SignatureSet LoadOrGenerateSignatures(SignatureKind kind, uint64_t count, uint32_t message_size,
                                      bool progress);

}  // namespace chainaccel::cli
