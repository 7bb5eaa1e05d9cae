#include "client/cli/signature_set.h"

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_recovery.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>

namespace chainaccel::cli {
namespace {

const unsigned char* Item(const std::string& field, uint32_t size, uint64_t i) {
  return reinterpret_cast<const unsigned char*>(field.data()) + i * size;
}

// Points the cache at a fresh folder for the test's lifetime.
class ScopedCacheDir {
 public:
  ScopedCacheDir() {
    char pattern[] = "/tmp/chainaccel-cache-XXXXXX";
    dir_ = mkdtemp(pattern);
    setenv("XDG_CACHE_HOME", dir_.c_str(), 1);
  }
  ~ScopedCacheDir() {
    unsetenv("XDG_CACHE_HOME");
    std::filesystem::remove_all(dir_);
  }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

TEST_CASE("Ed25519 sets verify with libsodium and come back from the cache", "[signature_set]") {
  ScopedCacheDir cache;
  const SignatureSet set = LoadOrGenerateSignatures(SignatureKind::kEd25519, 5, 40, false);
  REQUIRE(set.count == 5);
  for (uint64_t i = 0; i < set.count; ++i) {
    CHECK(crypto_sign_verify_detached(Item(set.signatures, set.signature_size, i),
                                      Item(set.messages, set.message_size, i), set.message_size,
                                      Item(set.public_keys, set.public_key_size, i)) == 0);
  }
  CHECK(std::filesystem::exists(cache.dir() / "chainaccel" / "ed25519-5-m40.sigs"));
  const SignatureSet cached = LoadOrGenerateSignatures(SignatureKind::kEd25519, 5, 40, false);
  CHECK(cached.messages == set.messages);
  CHECK(cached.signatures == set.signatures);
}

TEST_CASE("secp256k1 sets verify with libsecp256k1", "[signature_set]") {
  ScopedCacheDir cache;
  secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  const uint64_t n = 4;

  const SignatureSet ecdsa = LoadOrGenerateSignatures(SignatureKind::kEcdsa, n, 32, false);
  for (uint64_t i = 0; i < n; ++i) {
    secp256k1_pubkey key;
    secp256k1_ecdsa_signature sig;
    REQUIRE(secp256k1_ec_pubkey_parse(ctx, &key, Item(ecdsa.public_keys, 33, i), 33) == 1);
    REQUIRE(secp256k1_ecdsa_signature_parse_compact(ctx, &sig, Item(ecdsa.signatures, 64, i)));
    CHECK(secp256k1_ecdsa_verify(ctx, &sig, Item(ecdsa.messages, 32, i), &key) == 1);
  }

  const SignatureSet schnorr = LoadOrGenerateSignatures(SignatureKind::kSchnorr, n, 50, false);
  for (uint64_t i = 0; i < n; ++i) {
    secp256k1_xonly_pubkey key;
    REQUIRE(secp256k1_xonly_pubkey_parse(ctx, &key, Item(schnorr.public_keys, 32, i)) == 1);
    CHECK(secp256k1_schnorrsig_verify(ctx, Item(schnorr.signatures, 64, i),
                                      Item(schnorr.messages, 50, i), 50, &key) == 1);
  }

  const SignatureSet recover = LoadOrGenerateSignatures(SignatureKind::kRecover, n, 32, false);
  for (uint64_t i = 0; i < n; ++i) {
    const unsigned char* sig65 = Item(recover.signatures, 65, i);
    secp256k1_ecdsa_recoverable_signature sig;
    secp256k1_pubkey key;
    REQUIRE(secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, sig65, sig65[64]));
    REQUIRE(secp256k1_ecdsa_recover(ctx, &key, &sig, Item(recover.messages, 32, i)) == 1);
    unsigned char uncompressed[65];
    size_t size = sizeof uncompressed;
    secp256k1_ec_pubkey_serialize(ctx, uncompressed, &size, &key, SECP256K1_EC_UNCOMPRESSED);
    CHECK(std::string_view(reinterpret_cast<char*>(uncompressed) + 1, 64) ==
          std::string_view(recover.public_keys).substr(64 * i, 64));
  }
  secp256k1_context_destroy(ctx);
}

}  // namespace
}  // namespace chainaccel::cli
