// Random signature items with the ItemStatus each must get, for the engine tests.
//
// Each case is a valid signature made with libsodium / libsecp256k1, or one corrupted
// in a known way (bit flips in message, key or signature; wrong lengths; keys off the
// curve or in the refused hybrid form; r or s zero or >= n; high S; recovery ids out of
// range). The expected status follows from the construction; where it depends on the
// random bytes (is this x on the curve, did the flip make s high), it is decided by a
// direct library call, never by the engine's code.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "tests/support/signing.h"
#include "core/task.h"

namespace chainaccel::testing {

struct SignatureCase {
  Bytes message;
  Bytes public_key;
  Bytes signature;
  ItemStatus expected = ItemStatus::kUnspecified;
  std::string what;  // how the case was made, for failure messages
};

struct SignatureConfig {
  SignatureScheme scheme = SignatureScheme::kEd25519;
  PreHash pre_hash = PreHash::kNone;
  SignatureEncoding encoding = SignatureEncoding::kCompact;
  bool allow_high_s = false;
};

// `count` cases for one configuration, about a third of them valid.
std::vector<SignatureCase> MakeSignatureCases(std::mt19937_64& rng, const SignatureConfig& config,
                                              size_t count);

struct RecoverCase {
  Bytes hash;       // 32
  Bytes signature;  // 65
  ItemStatus expected = ItemStatus::kUnspecified;
  Bytes public_key;  // 64, zero unless expected == ITEM_OK
  Bytes address;     // 20, zero unless expected == ITEM_OK
  std::string what;
};

std::vector<RecoverCase> MakeRecoverCases(std::mt19937_64& rng, bool allow_high_s, size_t count);

// Every configuration the API accepts (DER only with ECDSA).
std::vector<SignatureConfig> AllSignatureConfigs();

}  // namespace chainaccel::testing
