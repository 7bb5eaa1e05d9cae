// Signature verification and Ethereum public-key recovery of the CPU engine.
//
// Ed25519 runs on libsodium, ECDSA, BIP-340 and recovery on libsecp256k1. Each function
// checks one item and returns its ItemStatus; an item never fails a batch. The exact
// acceptance rules are in docs/signatures.md; the comments below summarize them in the
// order the checks run, so that an item with several faults gets the first one.
//
// Thread-safe: libsodium is initialized and one libsecp256k1 context is created on the
// first call (or by InitSignatureLibraries) and then only read.
#pragma once

#include <cstdint>

#include "core/packed_items.h"
#include "core/task.h"

namespace chainaccel {

// Initializes libsodium and the shared libsecp256k1 context. Idempotent; the functions
// below call it themselves, so calling it is only a way to pay the setup cost early.
// Aborts the process if libsodium cannot initialize.
void InitSignatureLibraries();

// Applies `pre_hash` to `message`: returns `message` itself for PreHash::kNone, else
// the 32-byte digest, written to `digest` (which the returned view points into).
ByteView ApplyPreHash(PreHash pre_hash, ByteView message, Hash32& digest);

// Ed25519 (RFC 8032) with crypto_sign_verify_detached semantics.
// ITEM_MALFORMED_PUBLIC_KEY unless the key is 32 bytes; ITEM_MALFORMED_SIGNATURE unless
// the signature is 64 bytes; then ITEM_OK exactly when libsodium accepts, else
// ITEM_INVALID. The message may have any length.
ItemStatus VerifyEd25519(ByteView message, ByteView public_key, ByteView signature);

// ECDSA over secp256k1 of a 32-byte message hash.
// ITEM_MALFORMED_PUBLIC_KEY unless the key is 33 bytes (0x02/0x03 || X) or 65 bytes
// (0x04 || X || Y, or hybrid 0x06/0x07 || X || Y with the prefix's parity matching Y, as
// secp256k1_ec_pubkey_parse accepts) and on the curve;
// ITEM_MALFORMED_SIGNATURE unless the signature is 64 bytes r || s (compact) or strict
// DER that secp256k1_ecdsa_signature_parse_der accepts, with 1 <= r, s < n;
// ITEM_MALFORMED_MESSAGE unless `message_hash` is 32 bytes; ITEM_HIGH_S when s > n/2
// and !allow_high_s (with allow_high_s the signature is normalized to low S);
// then ITEM_OK when secp256k1_ecdsa_verify accepts, else ITEM_INVALID.
ItemStatus VerifyEcdsaSecp256k1(ByteView message_hash, ByteView public_key, ByteView signature,
                                SignatureEncoding encoding, bool allow_high_s);

// BIP-340 Schnorr over secp256k1 (libsecp256k1's variable-length message extension:
// messages of any length, BIP-340 proper being the 32-byte case).
// ITEM_MALFORMED_PUBLIC_KEY unless the key is 32 bytes and secp256k1_xonly_pubkey_parse
// accepts it (x < p, on the curve); ITEM_MALFORMED_SIGNATURE unless the signature is
// 64 bytes; then ITEM_OK when secp256k1_schnorrsig_verify accepts, else ITEM_INVALID.
ItemStatus VerifySchnorrBip340(ByteView message, ByteView public_key, ByteView signature);

// Item i of `task`: the pre-hash, then the task's scheme as above.
// REQUIRES: i < task.messages.size() == task.public_keys.size() == task.signatures.size(),
// task.scheme and task.pre_hash are values of their enums.
ItemStatus VerifySignatureItem(const SignatureVerifyTask& task, size_t i);

// Ethereum-style recovery from a 32-byte hash and a 65-byte signature r || s || v.
// ITEM_INVALID_RECOVERY_ID unless v is 0, 1, 27 or 28; ITEM_MALFORMED_SIGNATURE unless
// 1 <= r, s < n; ITEM_HIGH_S when s > n/2 and !allow_high_s (with allow_high_s the
// signature is used as given, as the ecrecover precompile does); ITEM_RECOVERY_FAILED
// when secp256k1_ecdsa_recover finds no key; else ITEM_OK.
// Writes the 64-byte public key X || Y and the 20-byte address keccak256(X || Y)[12:32];
// both are zero unless the result is ITEM_OK.
ItemStatus RecoverEthereumSigner(const uint8_t* hash32, const uint8_t* signature65,
                                 bool allow_high_s, uint8_t* public_key64, uint8_t* address20);

// Signing, for work the daemon makes itself (the scheduler's calibration batches); a
// request is never signed on a client's behalf. Each returns false when the library
// refuses the secret (zero or not below the group order).
// Ed25519 key from a 32-byte seed: public_key32 and signature64 of `message`.
bool SignEd25519(ByteView seed32, ByteView message, uint8_t* public_key32, uint8_t* signature64);
// Low-S ECDSA over secp256k1 (RFC 6979 nonce) of a 32-byte hash: the compressed public
// key (33 bytes) and r || s (64 bytes).
bool SignEcdsaSecp256k1(ByteView secret32, ByteView hash32, uint8_t* public_key33,
                        uint8_t* signature64);
// BIP-340 of a 32-byte message (no auxiliary randomness): x-only key and signature.
bool SignSchnorrBip340(ByteView secret32, ByteView message32, uint8_t* x_only32,
                       uint8_t* signature64);
// Recoverable ECDSA of a 32-byte hash: r || s || v with v the recovery id (0 or 1).
bool SignRecoverable(ByteView secret32, ByteView hash32, uint8_t* signature65);

}  // namespace chainaccel
