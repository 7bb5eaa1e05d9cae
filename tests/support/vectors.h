// Reading the published test vectors in the engine tests. They live in the repository
// (tests/vectors, with their licence files); the build compiles that folder's path in as
// CHAINACCEL_VECTORS_DIR, and the environment variable of the same name overrides it
// (a test binary carried to another machine, e.g. the GPU host, points it at its copy).
//
// A missing or empty vector file fails the running test case (Catch2 REQUIRE): a test
// must never pass because its vectors were not there.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/packed_items.h"

namespace chainaccel::testing {

using Bytes = std::vector<uint8_t>;

// $CHAINACCEL_VECTORS_DIR (when set and not empty) or the compiled-in folder, + "/" + relative.
std::string VectorPath(std::string_view relative);

// The whole file. REQUIREs that it exists and is not empty.
Bytes ReadVectorFile(std::string_view relative);

// The file parsed as JSON.
nlohmann::json ReadVectorJson(std::string_view relative);

// Hex (either case, even length) to bytes; REQUIREs valid hex.
Bytes FromHex(std::string_view hex);
// Lower-case hex.
std::string ToHex(ByteView bytes);

// The "Key = Value" lines of a NIST / Keccak-team response file, in file order;
// comments (#), section headers ([...]) and blank lines are skipped.
std::vector<std::pair<std::string, std::string>> ReadKeyValues(std::string_view relative);

// One "Len / Msg / MD" vector; `message` holds only the first Len / 8 bytes of Msg.
struct DigestVector {
  size_t bits = 0;
  Bytes message;
  Bytes digest;
};
std::vector<DigestVector> ReadDigestVectors(std::string_view relative);

// One test of a Wycheproof signature file, with its group's public key.
struct WycheproofCase {
  int id = 0;  // tcId
  std::string comment;
  Bytes public_key;
  Bytes message;
  Bytes signature;
  bool valid = false;  // result "valid" (these files have no "acceptable")
};
// Every test of the file; the key is testGroups[].publicKey[key_field] ("pk" for
// Ed25519, "uncompressed" for ECDSA).
std::vector<WycheproofCase> ReadWycheproofCases(std::string_view relative,
                                                std::string_view key_field);

// One verification vector of BIP-340's test-vectors.csv (tests/vectors/bip340): the
// x-only key, the message (any length, empty included), the signature and the expected
// verdict. The signing columns (secret key, aux_rand) are not kept.
struct Bip340Vector {
  int index = 0;
  Bytes public_key;
  Bytes message;
  Bytes signature;
  bool valid = false;   // "verification result" TRUE
  std::string comment;  // may be empty
};
// Every row of bip340/test-vectors.csv, in file order. REQUIREs the header and eight
// columns a row.
std::vector<Bip340Vector> ReadBip340Vectors();

}  // namespace chainaccel::testing
