// Keys and signatures for the engine tests, made with libsodium and libsecp256k1 from a
// test's random generator (so a printed seed reproduces them), and the libraries' own
// verdicts, called directly, as the reference the engine is compared with.
#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "core/packed_items.h"
#include "core/task.h"

namespace chainaccel::testing {

using Bytes = std::vector<uint8_t>;

// n, the order of secp256k1, big-endian.
extern const std::array<uint8_t, 32> kSecp256k1Order;

struct Ed25519Key {
  Bytes public_key;  // 32
  Bytes secret_key;  // 64 (libsodium's seed || public key)
};
Ed25519Key MakeEd25519Key(std::mt19937_64& rng);
Bytes SignEd25519(const Ed25519Key& key, ByteView message);

struct Secp256k1Key {
  Bytes secret;        // 32
  Bytes compressed;    // 33
  Bytes uncompressed;  // 65
  Bytes x_only;        // 32
};
Secp256k1Key MakeSecp256k1Key(std::mt19937_64& rng);
// REQUIRES: 0 < secret < n.
Secp256k1Key Secp256k1KeyFromSecret(ByteView secret32);
// Low-S ECDSA signature of a 32-byte hash (RFC 6979 nonce), as r || s or as DER.
Bytes SignEcdsaCompact(const Secp256k1Key& key, ByteView hash32);
Bytes SignEcdsaDer(const Secp256k1Key& key, ByteView hash32);
// BIP-340 signature of a message of any length.
Bytes SignSchnorr(const Secp256k1Key& key, ByteView message, std::mt19937_64& rng);
// The BIP-340 signature (r, s) of `key` on `message` with s replaced so that R = s G - e P
// is not the signature's R though r and e stay: kNegated, s = 2 e d - s (R is the point
// with abscissa r and the odd y); kInfinite, s = e d (R is the point at infinity). d is
// the secret of P with its even y, e the challenge of r || P || m. Both verify false.
// REQUIRES: `signature` is key's valid signature of `message`.
enum class Bip340WrongR { kNegated, kInfinite };
Bytes SchnorrWithWrongR(const Secp256k1Key& key, ByteView message, ByteView signature,
                        Bip340WrongR which);
// r || s || v with v = recovery id + v_offset (0 or 27).
Bytes SignRecoverable(const Secp256k1Key& key, ByteView hash32, uint8_t v_offset);

// r || s (64 bytes) with s replaced by n - s: the same signature in the other S form.
Bytes FlipS(ByteView compact64);
// Compact r || s to DER, or back (REQUIRES: DER that libsecp256k1 parses).
Bytes CompactToDer(ByteView compact64);
Bytes DerToCompact(ByteView der);

// The libraries' verdicts, called directly: false when a parse or the verification
// fails. ECDSA normalizes first when allow_high_s. REQUIRES: a 64-byte signature for
// compact ECDSA and BIP-340, a non-empty one for DER.
bool LibraryVerifyEd25519(ByteView message, ByteView public_key, ByteView signature);
bool LibraryVerifyEcdsa(ByteView hash32, ByteView public_key, ByteView signature,
                        SignatureEncoding encoding, bool allow_high_s);
bool LibraryVerifySchnorr(ByteView message, ByteView public_key, ByteView signature);
// secp256k1_ecdsa_recover and keccak256 of the key; false when parsing or recovery
// fails. REQUIRES: v (signature65[64]) is 0, 1, 27 or 28.
bool LibraryRecover(ByteView hash32, ByteView signature65, Bytes* public_key64, Bytes* address20);

// What libsecp256k1 makes of an ECDSA signature: does it parse, are r or s zero after
// parsing (parse_der turns out-of-range integers into zero), is s above n/2.
struct EcdsaSignatureFacts {
  bool parses = false;
  bool zero_r_or_s = false;
  bool high_s = false;
};
EcdsaSignatureFacts LibraryInspectEcdsa(ByteView signature, SignatureEncoding encoding);
// secp256k1_ec_pubkey_parse / secp256k1_xonly_pubkey_parse accept the key.
bool LibraryParsesPublicKey(ByteView key);
bool LibraryParsesXOnlyKey(ByteView key32);

// DER SEQUENCE { INTEGER r, INTEGER s } of two 32-byte big-endian values, minimal as
// DER requires, whatever their range (unlike CompactToDer).
Bytes DerEncode(ByteView r32, ByteView s32);

// Ethereum address of a secp256k1 public key (65-byte uncompressed): keccak256(X||Y)[12:].
Bytes EthereumAddress(const Secp256k1Key& key);

}  // namespace chainaccel::testing
