#include "crypto/signatures.h"

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_recovery.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "crypto/hashes.h"

namespace chainaccel {
namespace {

constexpr size_t kEd25519KeySize = crypto_sign_PUBLICKEYBYTES;  // 32
constexpr size_t kEd25519SignatureSize = crypto_sign_BYTES;     // 64
constexpr size_t kCompressedKeySize = 33;
constexpr size_t kUncompressedKeySize = 65;
constexpr size_t kXOnlyKeySize = 32;
constexpr size_t kCompactSignatureSize = 64;
constexpr size_t kMessageHashSize = 32;

// The process-wide libsecp256k1 context, created after libsodium's initialization.
// Verification, parsing and recovery only read it, which libsecp256k1 documents as safe
// from many threads at once. Never destroyed: worker threads may still verify while
// static destructors run.
const secp256k1_context* Secp256k1() {
  static const secp256k1_context* const context = [] {
    if (sodium_init() < 0) {
      std::fprintf(stderr, "chainaccel: sodium_init failed\n");
      std::abort();
    }
    return secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  }();
  return context;
}

// Group order L of Ed25519, little-endian (2^252 + 27742317777372353535851937790883648493).
constexpr uint8_t kEd25519OrderLE[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

// Ed25519's field size p = 2^255 - 19, little-endian.
constexpr uint8_t kEd25519FieldLE[32] = {
    0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};

// secp256k1's field size p and group order n, big-endian.
constexpr uint8_t kSecp256k1FieldBE[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xfc, 0x2f};
constexpr uint8_t kSecp256k1OrderBE[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};

// a < b for 32-byte little-endian numbers.
bool LessLE32(const uint8_t* a, const uint8_t* b) {
  for (int i = 31; i >= 0; --i) {
    if (a[i] != b[i]) return a[i] < b[i];
  }
  return false;
}

// True when libsodium's verification refuses this Ed25519 key whatever the signature:
// its y is not canonical (y >= p), no curve point has that y, or the point has small
// order ([8]A is the identity). Mixed-order keys are not malformed: libsodium accepts
// them. crypto_core_ed25519_add decodes without the subgroup check that
// crypto_core_ed25519_is_valid_point adds.
bool Ed25519KeyIsMalformed(const uint8_t* key) {
  uint8_t y[32];
  std::memcpy(y, key, 32);
  y[31] &= 0x7f;  // the sign of x
  if (!LessLE32(y, kEd25519FieldLE)) return true;
  uint8_t twice[32], four[32], eight[32];
  if (crypto_core_ed25519_add(twice, key, key) != 0) return true;  // not on the curve
  if (crypto_core_ed25519_add(four, twice, twice) != 0 ||
      crypto_core_ed25519_add(eight, four, four) != 0) {
    return true;
  }
  static constexpr uint8_t kIdentity[32] = {1};
  return std::memcmp(eight, kIdentity, 32) == 0;
}

bool IsZero32(const uint8_t* bytes) {
  return std::all_of(bytes, bytes + 32, [](uint8_t b) { return b == 0; });
}

// r || s of a parsed signature are both non-zero. parse_compact accepts r = 0 or s = 0,
// and parse_der turns an out-of-range or negative INTEGER into 0; neither can verify,
// and both are "r or s out of range" (ITEM_MALFORMED_SIGNATURE).
bool HasNonZeroRS(const secp256k1_ecdsa_signature& sig) {
  uint8_t rs[kCompactSignatureSize];
  secp256k1_ecdsa_signature_serialize_compact(Secp256k1(), rs, &sig);
  return !IsZero32(rs) && !IsZero32(rs + 32);
}

}  // namespace

void InitSignatureLibraries() { Secp256k1(); }

ByteView ApplyPreHash(PreHash pre_hash, ByteView message, Hash32& digest) {
  switch (pre_hash) {
    case PreHash::kNone: return message;
    case PreHash::kSha256: Sha256(message, digest.data()); return digest;
    case PreHash::kSha256d: Sha256d(message, digest.data()); return digest;
    case PreHash::kKeccak256: Keccak256(message, digest.data()); return digest;
  }
  return message;  // not a PreHash value (REQUIRES of VerifySignatureItem)
}

ItemStatus VerifyEd25519(ByteView message, ByteView public_key, ByteView signature) {
  InitSignatureLibraries();
  if (public_key.size() != kEd25519KeySize) return ItemStatus::kMalformedPublicKey;
  if (signature.size() != kEd25519SignatureSize) return ItemStatus::kMalformedSignature;
  // The verdict is libsodium's alone: 1.0.18 rejects S >= L, small-order R and A, and
  // non-canonical A, then checks the cofactorless equation [S]B = R + [k]A by comparing
  // encodings.
  if (crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                  public_key.data()) == 0) {
    return ItemStatus::kOk;
  }
  // Rejected; say why: a key libsodium never accepts, S >= L, or a signature that does
  // not verify.
  if (Ed25519KeyIsMalformed(public_key.data())) return ItemStatus::kMalformedPublicKey;
  if (!LessLE32(signature.data() + 32, kEd25519OrderLE)) return ItemStatus::kMalformedSignature;
  return ItemStatus::kInvalid;
}

ItemStatus VerifyEcdsaSecp256k1(ByteView message_hash, ByteView public_key, ByteView signature,
                                SignatureEncoding encoding, bool allow_high_s) {
  const secp256k1_context* ctx = Secp256k1();

  // Public key: whatever secp256k1_ec_pubkey_parse accepts — 33-byte compressed
  // (0x02/0x03), 65-byte uncompressed (0x04) or hybrid (0x06/0x07, parity matching y) —
  // with x, y < p and the point on the curve. Hybrid keys are valid to libsecp256k1 and
  // to Bitcoin's consensus rules, so they are valid here.
  secp256k1_pubkey key;
  if ((public_key.size() != kCompressedKeySize && public_key.size() != kUncompressedKeySize) ||
      !secp256k1_ec_pubkey_parse(ctx, &key, public_key.data(), public_key.size())) {
    return ItemStatus::kMalformedPublicKey;
  }

  // Signature: compact r || s (parse fails when r or s >= n) or strict DER (parse fails
  // on any BER leniency); then 1 <= r, s < n.
  secp256k1_ecdsa_signature sig;
  bool parsed = false;
  if (encoding == SignatureEncoding::kCompact) {
    parsed = signature.size() == kCompactSignatureSize &&
             secp256k1_ecdsa_signature_parse_compact(ctx, &sig, signature.data());
  } else {
    parsed = !signature.empty() &&
             secp256k1_ecdsa_signature_parse_der(ctx, &sig, signature.data(), signature.size());
  }
  if (!parsed || !HasNonZeroRS(sig)) return ItemStatus::kMalformedSignature;

  if (message_hash.size() != kMessageHashSize) return ItemStatus::kMalformedMessage;

  // Low S: secp256k1_ecdsa_verify only accepts s <= n/2; normalizing maps s to n - s.
  const bool high_s = secp256k1_ecdsa_signature_normalize(ctx, &sig, &sig) == 1;
  if (high_s && !allow_high_s) return ItemStatus::kHighS;

  return secp256k1_ecdsa_verify(ctx, &sig, message_hash.data(), &key) == 1 ? ItemStatus::kOk
                                                                           : ItemStatus::kInvalid;
}

ItemStatus VerifySchnorrBip340(ByteView message, ByteView public_key, ByteView signature) {
  const secp256k1_context* ctx = Secp256k1();
  secp256k1_xonly_pubkey key;
  if (public_key.size() != kXOnlyKeySize ||
      !secp256k1_xonly_pubkey_parse(ctx, &key, public_key.data())) {
    return ItemStatus::kMalformedPublicKey;
  }
  if (signature.size() != kCompactSignatureSize) return ItemStatus::kMalformedSignature;
  if (secp256k1_schnorrsig_verify(ctx, signature.data(), message.data(), message.size(), &key) ==
      1) {
    return ItemStatus::kOk;
  }
  // Rejected (the verdict is libsecp256k1's); say why. BIP-340 fails r >= p and s >= n
  // inside verification; they are out-of-range encodings, like ECDSA's r or s >= n.
  if (std::memcmp(signature.data(), kSecp256k1FieldBE, 32) >= 0 ||
      std::memcmp(signature.data() + 32, kSecp256k1OrderBE, 32) >= 0) {
    return ItemStatus::kMalformedSignature;
  }
  return ItemStatus::kInvalid;
}

ItemStatus VerifySignatureItem(const SignatureVerifyTask& task, size_t i) {
  Hash32 digest;
  const ByteView message = ApplyPreHash(task.pre_hash, task.messages[i], digest);
  switch (task.scheme) {
    case SignatureScheme::kEd25519:
      return VerifyEd25519(message, task.public_keys[i], task.signatures[i]);
    case SignatureScheme::kEcdsaSecp256k1:
      return VerifyEcdsaSecp256k1(message, task.public_keys[i], task.signatures[i],
                                  task.encoding, task.allow_high_s);
    case SignatureScheme::kSchnorrBip340:
      return VerifySchnorrBip340(message, task.public_keys[i], task.signatures[i]);
  }
  return ItemStatus::kInvalid;  // not a SignatureScheme value (REQUIRES)
}

ItemStatus RecoverEthereumSigner(const uint8_t* hash32, const uint8_t* signature65,
                                 bool allow_high_s, uint8_t* public_key64, uint8_t* address20) {
  const secp256k1_context* ctx = Secp256k1();
  std::memset(public_key64, 0, 64);
  std::memset(address20, 0, 20);

  // v: 0/1 as in typed transactions, 27/28 as in legacy ones and ecrecover.
  const uint8_t v = signature65[64];
  int recid;
  if (v == 0 || v == 1) {
    recid = v;
  } else if (v == 27 || v == 28) {
    recid = v - 27;
  } else {
    return ItemStatus::kInvalidRecoveryId;
  }

  // 1 <= r, s < n (the parse rejects r or s >= n; ecrecover rejects zero as well).
  secp256k1_ecdsa_recoverable_signature rsig;
  if (IsZero32(signature65) || IsZero32(signature65 + 32) ||
      !secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rsig, signature65, recid)) {
    return ItemStatus::kMalformedSignature;
  }

  if (!allow_high_s) {
    secp256k1_ecdsa_signature sig;
    secp256k1_ecdsa_recoverable_signature_convert(ctx, &sig, &rsig);
    if (secp256k1_ecdsa_signature_normalize(ctx, nullptr, &sig) == 1) return ItemStatus::kHighS;
  }

  // Recovery works with either S, so a high-S signature is used as given: normalizing
  // it would flip the parity of R and recover a different key.
  secp256k1_pubkey key;
  if (!secp256k1_ecdsa_recover(ctx, &key, &rsig, hash32)) return ItemStatus::kRecoveryFailed;

  uint8_t uncompressed[kUncompressedKeySize];
  size_t size = sizeof uncompressed;
  secp256k1_ec_pubkey_serialize(ctx, uncompressed, &size, &key, SECP256K1_EC_UNCOMPRESSED);
  uint8_t digest[32];
  Keccak256(ByteView(uncompressed + 1, 64), digest);
  std::memcpy(public_key64, uncompressed + 1, 64);
  std::memcpy(address20, digest + 12, 20);
  return ItemStatus::kOk;
}

// ---- Signing ---------------------------------------------------------------------------

bool SignEd25519(ByteView seed32, ByteView message, uint8_t* public_key32, uint8_t* signature64) {
  static_cast<void>(Secp256k1());  // sodium_init
  if (seed32.size() != crypto_sign_SEEDBYTES) return false;
  uint8_t secret[crypto_sign_SECRETKEYBYTES];
  if (crypto_sign_seed_keypair(public_key32, secret, seed32.data()) != 0) return false;
  const bool ok = crypto_sign_detached(signature64, nullptr, message.data(), message.size(), secret) == 0;
  sodium_memzero(secret, sizeof secret);
  return ok;
}

bool SignEcdsaSecp256k1(ByteView secret32, ByteView hash32, uint8_t* public_key33,
                        uint8_t* signature64) {
  const secp256k1_context* ctx = Secp256k1();
  secp256k1_pubkey key;
  secp256k1_ecdsa_signature signature;
  if (secret32.size() != 32 || hash32.size() != 32 ||
      !secp256k1_ec_pubkey_create(ctx, &key, secret32.data()) ||
      !secp256k1_ecdsa_sign(ctx, &signature, hash32.data(), secret32.data(), nullptr, nullptr)) {
    return false;
  }
  size_t length = 33;
  secp256k1_ec_pubkey_serialize(ctx, public_key33, &length, &key, SECP256K1_EC_COMPRESSED);
  secp256k1_ecdsa_signature_serialize_compact(ctx, signature64, &signature);
  return true;
}

bool SignSchnorrBip340(ByteView secret32, ByteView message32, uint8_t* x_only32,
                       uint8_t* signature64) {
  const secp256k1_context* ctx = Secp256k1();
  secp256k1_keypair keypair;
  secp256k1_xonly_pubkey x_only;
  if (secret32.size() != 32 || message32.size() != 32 ||
      !secp256k1_keypair_create(ctx, &keypair, secret32.data()) ||
      !secp256k1_schnorrsig_sign32(ctx, signature64, message32.data(), &keypair, nullptr) ||
      !secp256k1_keypair_xonly_pub(ctx, &x_only, nullptr, &keypair)) {
    return false;
  }
  secp256k1_xonly_pubkey_serialize(ctx, x_only32, &x_only);
  return true;
}

bool SignRecoverable(ByteView secret32, ByteView hash32, uint8_t* signature65) {
  const secp256k1_context* ctx = Secp256k1();
  secp256k1_ecdsa_recoverable_signature signature;
  if (secret32.size() != 32 || hash32.size() != 32 ||
      !secp256k1_ecdsa_sign_recoverable(ctx, &signature, hash32.data(), secret32.data(), nullptr,
                                        nullptr)) {
    return false;
  }
  int recovery_id = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, signature65, &recovery_id, &signature);
  signature65[64] = static_cast<uint8_t>(recovery_id);
  return true;
}

}  // namespace chainaccel
