#include "tests/support/signing.h"

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_recovery.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>

#include <algorithm>
#include <stdexcept>

#include "tests/support/random.h"
#include "tests/support/reference_hashes.h"

namespace chainaccel::testing {

const std::array<uint8_t, 32> kSecp256k1Order = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
    0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41};

namespace {

// A signing context of the tests' own (the engine's is private to signatures.cc).
const secp256k1_context* Context() {
  static secp256k1_context* const ctx = [] {
    if (sodium_init() < 0) throw std::runtime_error("sodium_init failed");
    return secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  }();
  return ctx;
}

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

}  // namespace

Ed25519Key MakeEd25519Key(std::mt19937_64& rng) {
  Context();
  const Bytes seed = RandomBytes(rng, crypto_sign_SEEDBYTES);
  Ed25519Key key{Bytes(crypto_sign_PUBLICKEYBYTES), Bytes(crypto_sign_SECRETKEYBYTES)};
  Check(crypto_sign_seed_keypair(key.public_key.data(), key.secret_key.data(), seed.data()) == 0,
        "crypto_sign_seed_keypair");
  return key;
}

Bytes SignEd25519(const Ed25519Key& key, ByteView message) {
  Bytes sig(crypto_sign_BYTES);
  Check(crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(),
                             key.secret_key.data()) == 0,
        "crypto_sign_detached");
  return sig;
}

Secp256k1Key MakeSecp256k1Key(std::mt19937_64& rng) {
  Bytes secret;
  do {
    secret = RandomBytes(rng, 32);
  } while (!secp256k1_ec_seckey_verify(Context(), secret.data()));
  return Secp256k1KeyFromSecret(secret);
}

Secp256k1Key Secp256k1KeyFromSecret(ByteView secret32) {
  const secp256k1_context* ctx = Context();
  Secp256k1Key key;
  key.secret.assign(secret32.begin(), secret32.end());
  secp256k1_pubkey pub;
  Check(secp256k1_ec_pubkey_create(ctx, &pub, key.secret.data()), "pubkey_create");
  key.compressed.resize(33);
  key.uncompressed.resize(65);
  size_t size = 33;
  secp256k1_ec_pubkey_serialize(ctx, key.compressed.data(), &size, &pub, SECP256K1_EC_COMPRESSED);
  size = 65;
  secp256k1_ec_pubkey_serialize(ctx, key.uncompressed.data(), &size, &pub,
                                SECP256K1_EC_UNCOMPRESSED);
  key.x_only.assign(key.compressed.begin() + 1, key.compressed.end());
  return key;
}

Bytes SignEcdsaCompact(const Secp256k1Key& key, ByteView hash32) {
  const secp256k1_context* ctx = Context();
  secp256k1_ecdsa_signature sig;
  Check(secp256k1_ecdsa_sign(ctx, &sig, hash32.data(), key.secret.data(), nullptr, nullptr),
        "ecdsa_sign");
  Bytes out(64);
  secp256k1_ecdsa_signature_serialize_compact(ctx, out.data(), &sig);
  return out;
}

Bytes SignEcdsaDer(const Secp256k1Key& key, ByteView hash32) {
  return CompactToDer(SignEcdsaCompact(key, hash32));
}

Bytes SignSchnorr(const Secp256k1Key& key, ByteView message, std::mt19937_64& rng) {
  const secp256k1_context* ctx = Context();
  secp256k1_keypair keypair;
  Check(secp256k1_keypair_create(ctx, &keypair, key.secret.data()), "keypair_create");
  Bytes aux = RandomBytes(rng, 32);
  secp256k1_schnorrsig_extraparams params = SECP256K1_SCHNORRSIG_EXTRAPARAMS_INIT;
  params.ndata = aux.data();
  Bytes sig(64);
  Check(secp256k1_schnorrsig_sign_custom(ctx, sig.data(), message.data(), message.size(),
                                         &keypair, &params),
        "schnorrsig_sign_custom");
  return sig;
}

Bytes SchnorrWithWrongR(const Secp256k1Key& key, ByteView message, ByteView signature,
                        Bip340WrongR which) {
  const secp256k1_context* ctx = Context();
  secp256k1_keypair keypair;
  Check(secp256k1_keypair_create(ctx, &keypair, key.secret.data()), "keypair_create");
  secp256k1_xonly_pubkey x_only;
  int odd = 0;
  Check(secp256k1_keypair_xonly_pub(ctx, &x_only, &odd, &keypair), "keypair_xonly_pub");
  Bytes ed = key.secret;  // d, then e d
  if (odd) Check(secp256k1_ec_seckey_negate(ctx, ed.data()), "seckey_negate");
  Bytes preimage(signature.begin(), signature.begin() + 32);  // r || P || m
  preimage.insert(preimage.end(), key.x_only.begin(), key.x_only.end());
  preimage.insert(preimage.end(), message.begin(), message.end());
  static constexpr char kTag[] = "BIP0340/challenge";
  uint8_t e[32];
  Check(secp256k1_tagged_sha256(ctx, e, reinterpret_cast<const uint8_t*>(kTag), sizeof(kTag) - 1,
                                preimage.data(), preimage.size()),
        "tagged_sha256");
  // e >= n (a chance of ~2^-128) or e d = 0 would fail these, and the caller's test.
  Check(secp256k1_ec_seckey_tweak_mul(ctx, ed.data(), e), "seckey_tweak_mul");
  Bytes out(signature.begin(), signature.end());
  if (which == Bip340WrongR::kNegated) {
    Bytes minus_s(signature.begin() + 32, signature.end());
    Check(secp256k1_ec_seckey_negate(ctx, minus_s.data()), "seckey_negate");
    const Bytes once = ed;
    Check(secp256k1_ec_seckey_tweak_add(ctx, ed.data(), once.data()), "seckey_tweak_add");
    Check(secp256k1_ec_seckey_tweak_add(ctx, ed.data(), minus_s.data()), "seckey_tweak_add");
  }
  std::copy(ed.begin(), ed.end(), out.begin() + 32);
  return out;
}

Bytes SignRecoverable(const Secp256k1Key& key, ByteView hash32, uint8_t v_offset) {
  const secp256k1_context* ctx = Context();
  secp256k1_ecdsa_recoverable_signature sig;
  Check(secp256k1_ecdsa_sign_recoverable(ctx, &sig, hash32.data(), key.secret.data(), nullptr,
                                         nullptr),
        "ecdsa_sign_recoverable");
  Bytes out(65);
  int recid = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, out.data(), &recid, &sig);
  out[64] = static_cast<uint8_t>(recid + v_offset);
  return out;
}

Bytes FlipS(ByteView compact64) {
  Bytes out(compact64.begin(), compact64.end());
  // s' = n - s, big-endian, 256-bit.
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = static_cast<int>(kSecp256k1Order[i]) - compact64[32 + i] - borrow;
    borrow = d < 0;
    out[32 + i] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
  }
  return out;
}

Bytes CompactToDer(ByteView compact64) {
  const secp256k1_context* ctx = Context();
  secp256k1_ecdsa_signature sig;
  Check(secp256k1_ecdsa_signature_parse_compact(ctx, &sig, compact64.data()), "parse_compact");
  Bytes der(72);
  size_t size = der.size();
  Check(secp256k1_ecdsa_signature_serialize_der(ctx, der.data(), &size, &sig), "serialize_der");
  der.resize(size);
  return der;
}

Bytes DerToCompact(ByteView der) {
  const secp256k1_context* ctx = Context();
  secp256k1_ecdsa_signature sig;
  Check(secp256k1_ecdsa_signature_parse_der(ctx, &sig, der.data(), der.size()), "parse_der");
  Bytes out(64);
  secp256k1_ecdsa_signature_serialize_compact(ctx, out.data(), &sig);
  return out;
}

bool LibraryVerifyEd25519(ByteView message, ByteView public_key, ByteView signature) {
  Context();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     public_key.data()) == 0;
}

bool LibraryVerifyEcdsa(ByteView hash32, ByteView public_key, ByteView signature,
                        SignatureEncoding encoding, bool allow_high_s) {
  const secp256k1_context* ctx = Context();
  secp256k1_pubkey pub;
  secp256k1_ecdsa_signature sig;
  if (!secp256k1_ec_pubkey_parse(ctx, &pub, public_key.data(), public_key.size())) return false;
  const int parsed = encoding == SignatureEncoding::kCompact
                         ? secp256k1_ecdsa_signature_parse_compact(ctx, &sig, signature.data())
                         : secp256k1_ecdsa_signature_parse_der(ctx, &sig, signature.data(),
                                                               signature.size());
  if (!parsed) return false;
  if (allow_high_s) secp256k1_ecdsa_signature_normalize(ctx, &sig, &sig);
  return secp256k1_ecdsa_verify(ctx, &sig, hash32.data(), &pub) == 1;
}

bool LibraryVerifySchnorr(ByteView message, ByteView public_key, ByteView signature) {
  const secp256k1_context* ctx = Context();
  secp256k1_xonly_pubkey pub;
  if (!secp256k1_xonly_pubkey_parse(ctx, &pub, public_key.data())) return false;
  return secp256k1_schnorrsig_verify(ctx, signature.data(), message.data(), message.size(),
                                     &pub) == 1;
}

bool LibraryRecover(ByteView hash32, ByteView signature65, Bytes* public_key64,
                    Bytes* address20) {
  const secp256k1_context* ctx = Context();
  const uint8_t v = signature65[64];
  const int recid = v >= 27 ? v - 27 : v;
  secp256k1_ecdsa_recoverable_signature sig;
  secp256k1_pubkey pub;
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, signature65.data(), recid) ||
      !secp256k1_ecdsa_recover(ctx, &pub, &sig, hash32.data())) {
    return false;
  }
  Bytes uncompressed(65);
  size_t size = 65;
  secp256k1_ec_pubkey_serialize(ctx, uncompressed.data(), &size, &pub, SECP256K1_EC_UNCOMPRESSED);
  public_key64->assign(uncompressed.begin() + 1, uncompressed.end());
  const Hash32 digest = ReferenceKeccak256(*public_key64);
  address20->assign(digest.begin() + 12, digest.end());
  return true;
}

EcdsaSignatureFacts LibraryInspectEcdsa(ByteView signature, SignatureEncoding encoding) {
  const secp256k1_context* ctx = Context();
  EcdsaSignatureFacts facts;
  secp256k1_ecdsa_signature sig;
  if (encoding == SignatureEncoding::kCompact) {
    facts.parses = signature.size() == 64 &&
                   secp256k1_ecdsa_signature_parse_compact(ctx, &sig, signature.data());
  } else {
    facts.parses = !signature.empty() &&
                   secp256k1_ecdsa_signature_parse_der(ctx, &sig, signature.data(), signature.size());
  }
  if (!facts.parses) return facts;
  uint8_t rs[64];
  secp256k1_ecdsa_signature_serialize_compact(ctx, rs, &sig);
  auto zero = [](const uint8_t* p) {
    for (int i = 0; i < 32; ++i) {
      if (p[i] != 0) return false;
    }
    return true;
  };
  facts.zero_r_or_s = zero(rs) || zero(rs + 32);
  facts.high_s = secp256k1_ecdsa_signature_normalize(ctx, nullptr, &sig) == 1;
  return facts;
}

bool LibraryParsesPublicKey(ByteView key) {
  secp256k1_pubkey pub;
  return !key.empty() && secp256k1_ec_pubkey_parse(Context(), &pub, key.data(), key.size());
}

bool LibraryParsesXOnlyKey(ByteView key32) {
  secp256k1_xonly_pubkey pub;
  return key32.size() == 32 && secp256k1_xonly_pubkey_parse(Context(), &pub, key32.data());
}

Bytes DerEncode(ByteView r32, ByteView s32) {
  auto integer = [](ByteView v) {
    size_t skip = 0;
    while (skip + 1 < v.size() && v[skip] == 0) ++skip;
    Bytes out{0x02, 0};
    if (v[skip] & 0x80) out.push_back(0);
    out.insert(out.end(), v.begin() + skip, v.end());
    out[1] = static_cast<uint8_t>(out.size() - 2);
    return out;
  };
  const Bytes r = integer(r32);
  const Bytes s = integer(s32);
  Bytes der{0x30, static_cast<uint8_t>(r.size() + s.size())};
  der.insert(der.end(), r.begin(), r.end());
  der.insert(der.end(), s.begin(), s.end());
  return der;
}

Bytes EthereumAddress(const Secp256k1Key& key) {
  const Hash32 digest = ReferenceKeccak256(ByteView(key.uncompressed).subspan(1));
  return Bytes(digest.begin() + 12, digest.end());
}

}  // namespace chainaccel::testing
