#include "crypto/signatures.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/support/random.h"
#include "tests/support/reference_hashes.h"
#include "tests/support/signature_cases.h"
#include "tests/support/signing.h"
#include "tests/support/vectors.h"

namespace chainaccel {
namespace {

using testing::Bytes;
using testing::FromHex;
using testing::SignatureConfig;
using testing::ToHex;

// Item 0 of a one-item task: the pre-hash and the scheme, as the engine runs them.
ItemStatus VerifyOne(const SignatureConfig& config, ByteView message, ByteView public_key,
                     ByteView signature) {
  SignatureVerifyTask task;
  task.scheme = config.scheme;
  task.pre_hash = config.pre_hash;
  task.encoding = config.encoding;
  task.allow_high_s = config.allow_high_s;
  const uint64_t message_offsets[] = {0, message.size()};
  const uint64_t key_offsets[] = {0, public_key.size()};
  const uint64_t signature_offsets[] = {0, signature.size()};
  task.messages = PackedItems::Variable(message, message_offsets);
  task.public_keys = PackedItems::Variable(public_key, key_offsets);
  task.signatures = PackedItems::Variable(signature, signature_offsets);
  return VerifySignatureItem(task, 0);
}

// ---- Wycheproof -----------------------------------------------------------------------

TEST_CASE("Ed25519 gives Wycheproof's verdict on every case", "[signatures][ed25519][wycheproof]") {
  const auto cases = testing::ReadWycheproofCases("wycheproof/ed25519_test.json", "pk");
  size_t valid = 0;
  for (const auto& c : cases) {
    INFO("tcId " << c.id << " " << c.comment);
    const ItemStatus status = VerifyEd25519(c.message, c.public_key, c.signature);
    CHECK((status == ItemStatus::kOk) == c.valid);
    if (c.signature.size() != 64) CHECK(status == ItemStatus::kMalformedSignature);
    valid += c.valid;
  }
  CHECK(cases.size() == 151);
  CHECK(valid == 88);
}

struct EcdsaFileResult {
  size_t tests = 0;
  size_t valid = 0;
  size_t high_s = 0;  // valid cases reported ITEM_HIGH_S (low-S required)
};

// Runs a Wycheproof ECDSA file (DER signatures of SHA-256(msg)): a valid case must give
// ITEM_OK (or ITEM_HIGH_S when low S is required and `high_s_is_valid`), an invalid one
// anything else.
EcdsaFileResult CheckEcdsaFile(std::string_view file, bool allow_high_s, bool high_s_is_valid) {
  const SignatureConfig config{SignatureScheme::kEcdsaSecp256k1, PreHash::kSha256,
                               SignatureEncoding::kDer, allow_high_s};
  EcdsaFileResult result;
  for (const auto& c : testing::ReadWycheproofCases(file, "uncompressed")) {
    INFO(file << " tcId " << c.id << " " << c.comment);
    const ItemStatus status = VerifyOne(config, c.message, c.public_key, c.signature);
    if (c.valid && status == ItemStatus::kHighS && high_s_is_valid && !allow_high_s) {
      ++result.high_s;
    } else {
      CHECK((status == ItemStatus::kOk) == c.valid);
    }
    ++result.tests;
    result.valid += c.valid;
  }
  return result;
}

TEST_CASE("ECDSA with high S allowed gives Wycheproof's secp256k1/SHA-256 verdicts",
          "[signatures][ecdsa][wycheproof]") {
  const auto r = CheckEcdsaFile("wycheproof/ecdsa_secp256k1_sha256_test.json", true, true);
  CHECK(r.tests == 476);
  CHECK(r.valid == 168);
}

TEST_CASE("ECDSA requiring low S reports the file's 72 valid high-S signatures as ITEM_HIGH_S",
          "[signatures][ecdsa][wycheproof]") {
  const auto r = CheckEcdsaFile("wycheproof/ecdsa_secp256k1_sha256_test.json", false, true);
  CHECK(r.tests == 476);
  CHECK(r.high_s == 72);
}

TEST_CASE("ECDSA requiring low S gives Wycheproof's Bitcoin verdicts",
          "[signatures][ecdsa][wycheproof]") {
  const auto r =
      CheckEcdsaFile("wycheproof/ecdsa_secp256k1_sha256_bitcoin_test.json", false, false);
  CHECK(r.tests == 463);
  CHECK(r.valid == 162);
}

// ---- Random cases ---------------------------------------------------------------------

TEST_CASE("Random signatures, valid and corrupted, get their expected status",
          "[signatures][random]") {
  auto rng = testing::MakeRng("signatures random");
  for (const SignatureConfig& config : testing::AllSignatureConfigs()) {
    for (const auto& c : testing::MakeSignatureCases(rng, config, 60)) {
      INFO("scheme " << int(config.scheme) << " pre-hash " << int(config.pre_hash) << " encoding "
                     << int(config.encoding) << " allow_high_s " << config.allow_high_s << ": "
                     << c.what << "; key " << ToHex(c.public_key) << " sig "
                     << ToHex(c.signature) << " msg " << ToHex(c.message));
      CHECK(VerifyOne(config, c.message, c.public_key, c.signature) == c.expected);
    }
  }
}

TEST_CASE("Random recoveries, valid and corrupted, get their expected status and key",
          "[signatures][recover][random]") {
  auto rng = testing::MakeRng("signatures recover");
  for (bool allow_high_s : {false, true}) {
    for (const auto& c : testing::MakeRecoverCases(rng, allow_high_s, 300)) {
      INFO("allow_high_s " << allow_high_s << ": " << c.what << "; sig " << ToHex(c.signature)
                           << " hash " << ToHex(c.hash));
      Bytes key(64, 0xAA), address(20, 0xAA);
      CHECK(RecoverEthereumSigner(c.hash.data(), c.signature.data(), allow_high_s, key.data(),
                                  address.data()) == c.expected);
      CHECK(ToHex(key) == ToHex(c.public_key));
      CHECK(ToHex(address) == ToHex(c.address));
    }
  }
}

// ---- Fixed cases ----------------------------------------------------------------------

TEST_CASE("Recovery gives the Ethereum address of secret key 1", "[signatures][recover]") {
  Bytes secret(32, 0);
  secret[31] = 1;
  const auto key = testing::Secp256k1KeyFromSecret(secret);
  const Hash32 hash = testing::ReferenceKeccak256({});
  for (uint8_t v_offset : {0, 27}) {
    const Bytes sig = testing::SignRecoverable(key, hash, v_offset);
    Bytes pub(64), address(20);
    REQUIRE(RecoverEthereumSigner(hash.data(), sig.data(), false, pub.data(), address.data()) ==
            ItemStatus::kOk);
    CHECK(ToHex(address) == "7e5f4552091a69125d5dfcb7b8c2659029395bdf");
    CHECK(ToHex(pub) ==
          "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
          "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
  }
}

TEST_CASE("An item with several faults gets the first in the documented order",
          "[signatures][order]") {
  auto rng = testing::MakeRng("signatures order");
  const auto key = testing::MakeSecp256k1Key(rng);
  const Bytes hash = testing::RandomBytes(rng, 32);
  const Bytes compact = testing::SignEcdsaCompact(key, hash);
  const Bytes high = testing::FlipS(compact);
  const Bytes bad_key(33, 0x05);
  const Bytes bad_sig(63, 0);
  const Bytes short_hash(31, 0);
  const SignatureConfig ecdsa{SignatureScheme::kEcdsaSecp256k1, PreHash::kNone,
                              SignatureEncoding::kCompact, false};
  // public key, then signature, then message, then high S.
  CHECK(VerifyOne(ecdsa, short_hash, bad_key, bad_sig) == ItemStatus::kMalformedPublicKey);
  CHECK(VerifyOne(ecdsa, short_hash, key.compressed, bad_sig) == ItemStatus::kMalformedSignature);
  CHECK(VerifyOne(ecdsa, short_hash, key.compressed, high) == ItemStatus::kMalformedMessage);
  CHECK(VerifyOne(ecdsa, hash, key.compressed, high) == ItemStatus::kHighS);
  CHECK(VerifyOne(ecdsa, hash, key.uncompressed, compact) == ItemStatus::kOk);

  const SignatureConfig ed25519{SignatureScheme::kEd25519, PreHash::kNone,
                                SignatureEncoding::kCompact, false};
  CHECK(VerifyOne(ed25519, hash, bad_key, bad_sig) == ItemStatus::kMalformedPublicKey);
  const SignatureConfig schnorr{SignatureScheme::kSchnorrBip340, PreHash::kNone,
                                SignatureEncoding::kCompact, false};
  CHECK(VerifyOne(schnorr, hash, bad_key, bad_sig) == ItemStatus::kMalformedPublicKey);

  // Recovery: v, then r and s, then high S.
  Bytes sig = testing::SignRecoverable(key, hash, 27);
  Bytes pub(64), address(20);
  Bytes zero_r_bad_v = sig;
  std::fill(zero_r_bad_v.begin(), zero_r_bad_v.begin() + 32, 0);
  zero_r_bad_v[64] = 2;
  CHECK(RecoverEthereumSigner(hash.data(), zero_r_bad_v.data(), false, pub.data(),
                              address.data()) == ItemStatus::kInvalidRecoveryId);
  Bytes zero_r_high_s = testing::FlipS(ByteView(sig).first(64));
  std::fill(zero_r_high_s.begin(), zero_r_high_s.begin() + 32, 0);
  zero_r_high_s.push_back(27);
  CHECK(RecoverEthereumSigner(hash.data(), zero_r_high_s.data(), false, pub.data(),
                              address.data()) == ItemStatus::kMalformedSignature);
}

TEST_CASE("DER signatures must be strict DER with r and s in range", "[signatures][ecdsa][der]") {
  auto rng = testing::MakeRng("signatures der");
  const auto key = testing::MakeSecp256k1Key(rng);
  const Bytes hash = testing::RandomBytes(rng, 32);
  const Bytes compact = testing::SignEcdsaCompact(key, hash);
  const Bytes der = testing::CompactToDer(compact);
  const SignatureConfig config{SignatureScheme::kEcdsaSecp256k1, PreHash::kNone,
                               SignatureEncoding::kDer, false};
  CHECK(VerifyOne(config, hash, key.compressed, der) == ItemStatus::kOk);
  CHECK(testing::DerEncode(ByteView(compact).first(32), ByteView(compact).last(32)) == der);
  // Compact bytes given as DER, an empty signature, trailing garbage.
  CHECK(VerifyOne(config, hash, key.compressed, compact) == ItemStatus::kMalformedSignature);
  CHECK(VerifyOne(config, hash, key.compressed, {}) == ItemStatus::kMalformedSignature);
  Bytes trailing = der;
  trailing.push_back(0);
  CHECK(VerifyOne(config, hash, key.compressed, trailing) == ItemStatus::kMalformedSignature);
  // BER long-form sequence length.
  Bytes long_form = der;
  long_form.insert(long_form.begin() + 1, 0x81);
  CHECK(VerifyOne(config, hash, key.compressed, long_form) == ItemStatus::kMalformedSignature);
  // A negative r: 0x80... encoded without the 0x00 pad DER needs for it. It parses
  // (libsecp256k1 reads it as an out-of-range value), and is then out of range.
  Bytes negative = testing::DerEncode(Bytes(32, 0x80), ByteView(compact).last(32));
  REQUIRE(negative[2] == 0x02);
  REQUIRE(negative[3] == 33);
  REQUIRE(negative[4] == 0x00);
  negative.erase(negative.begin() + 4);
  negative[3] = 32;
  negative[1] = static_cast<uint8_t>(negative[1] - 1);
  CHECK(VerifyOne(config, hash, key.compressed, negative) == ItemStatus::kMalformedSignature);
}

TEST_CASE("ApplyPreHash returns the message or its digest", "[signatures][pre_hash]") {
  const Bytes message = {'a', 'b', 'c'};
  Hash32 digest;
  CHECK(ApplyPreHash(PreHash::kNone, message, digest).data() == message.data());
  CHECK(ToHex(ApplyPreHash(PreHash::kSha256, message, digest)) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(ToHex(ApplyPreHash(PreHash::kSha256d, message, digest)) ==
        "4f8b42c22dd3729b519ba6f68d2da7cc5b2d606d05daed5ad5128cc03e6c6358");
  CHECK(ToHex(ApplyPreHash(PreHash::kKeccak256, message, digest)) ==
        "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

}  // namespace
}  // namespace chainaccel
