#include "reference.h"

#include <cryptopp/keccak.h>
#include <openssl/evp.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_recovery.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>

#include <stdexcept>

namespace chainaccel::testing {
namespace {

const secp256k1_context* Ctx() {
  static secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  return ctx;
}

const unsigned char* U(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string S(const unsigned char* p, size_t n) { return {reinterpret_cast<const char*>(p), n}; }

}  // namespace

std::string Sha256(const std::string& m) {
  unsigned char out[32];
  unsigned int len = 0;
  if (!EVP_Digest(m.data(), m.size(), out, &len, EVP_sha256(), nullptr)) {
    throw std::runtime_error("EVP_Digest failed");
  }
  return S(out, 32);
}

std::string Keccak256(const std::string& m) {
  CryptoPP::Keccak_256 k;
  unsigned char out[32];
  k.CalculateDigest(out, U(m), m.size());
  return S(out, 32);
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

Ed25519Signer::Ed25519Signer(std::mt19937_64& rng) {
  if (sodium_init() < 0) throw std::runtime_error("sodium_init");
  const std::string seed = RandomBytes(rng, 32);
  unsigned char pk[32], sk[64];
  crypto_sign_seed_keypair(pk, sk, U(seed));
  public_key = S(pk, 32);
  secret_key = S(sk, 64);
}

std::string Ed25519Signer::Sign(const std::string& m) const {
  unsigned char sig[64];
  crypto_sign_detached(sig, nullptr, U(m), m.size(), U(secret_key));
  return S(sig, 64);
}

Secp256k1Signer::Secp256k1Signer(std::mt19937_64& rng) {
  do {
    secret = RandomBytes(rng, 32);
  } while (!secp256k1_ec_seckey_verify(Ctx(), U(secret)));
  secp256k1_pubkey pub;
  if (!secp256k1_ec_pubkey_create(Ctx(), &pub, U(secret))) throw std::runtime_error("pubkey");
  unsigned char buf[65];
  size_t len = 33;
  secp256k1_ec_pubkey_serialize(Ctx(), buf, &len, &pub, SECP256K1_EC_COMPRESSED);
  compressed_key = S(buf, len);
  len = 65;
  secp256k1_ec_pubkey_serialize(Ctx(), buf, &len, &pub, SECP256K1_EC_UNCOMPRESSED);
  uncompressed_key = S(buf, len);
  address = Keccak256(uncompressed_key.substr(1)).substr(12);
  secp256k1_keypair kp;
  secp256k1_xonly_pubkey xonly;
  if (!secp256k1_keypair_create(Ctx(), &kp, U(secret)) ||
      !secp256k1_keypair_xonly_pub(Ctx(), &xonly, nullptr, &kp)) {
    throw std::runtime_error("keypair");
  }
  unsigned char x[32];
  secp256k1_xonly_pubkey_serialize(Ctx(), x, &xonly);
  xonly_key = S(x, 32);
}

std::string Secp256k1Signer::SignEcdsaCompact(const std::string& hash32) const {
  secp256k1_ecdsa_signature sig;
  secp256k1_ecdsa_sign(Ctx(), &sig, U(hash32), U(secret), nullptr, nullptr);
  unsigned char out[64];
  secp256k1_ecdsa_signature_serialize_compact(Ctx(), out, &sig);
  return S(out, 64);
}

std::string Secp256k1Signer::SignEcdsaDer(const std::string& hash32) const {
  secp256k1_ecdsa_signature sig;
  secp256k1_ecdsa_sign(Ctx(), &sig, U(hash32), U(secret), nullptr, nullptr);
  unsigned char out[72];
  size_t len = sizeof out;
  secp256k1_ecdsa_signature_serialize_der(Ctx(), out, &len, &sig);
  return S(out, len);
}

std::string Secp256k1Signer::SignRecoverable(const std::string& hash32) const {
  secp256k1_ecdsa_recoverable_signature sig;
  secp256k1_ecdsa_sign_recoverable(Ctx(), &sig, U(hash32), U(secret), nullptr, nullptr);
  unsigned char out[65];
  int recid = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(Ctx(), out, &recid, &sig);
  out[64] = static_cast<unsigned char>(recid);
  return S(out, 65);
}

std::string Secp256k1Signer::SignSchnorr(const std::string& msg32, std::mt19937_64& rng) const {
  secp256k1_keypair kp;
  if (!secp256k1_keypair_create(Ctx(), &kp, U(secret))) throw std::runtime_error("keypair");
  const std::string aux = RandomBytes(rng, 32);
  unsigned char sig[64];
  secp256k1_schnorrsig_sign32(Ctx(), sig, U(msg32), &kp, U(aux));
  return S(sig, 64);
}

}  // namespace chainaccel::testing
