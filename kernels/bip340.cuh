// BIP-340 Schnorr verification over secp256k1, per item, for host and device: the
// verdict of libsecp256k1's secp256k1_schnorrsig_verify (messages of any length) and the
// CPU engine's classification of a rejection (crypto/signatures.h: VerifySchnorrBip340).
//
// A record (kBip340RecordBytes) is what the host stages per item (kernels/bip340_records.h):
//   [0, 32)   the x-only public key (zero unless the key is 32 bytes)
//   [32, 64)  r, big-endian (zero unless the signature is 64 bytes)
//   [64, 96)  s, big-endian
//   96        host flags: kBip340FlagBadKeySize (the key is not 32 bytes),
//             kBip340FlagBadSignatureSize (the signature is not 64 bytes)
// The message stays where the host put it (any length) and is hashed here, inside
// verification, as the Ed25519 kernel hashes its R || A || M (kernels/NOTES.md says why).
//
// Variable time (kernels/u256.cuh says why that is right here). kernels/bip340_test.cc
// runs these functions on the host against libsecp256k1.
#pragma once

#include <cstdint>

#include "core/task.h"
#include "kernels/secp256k1.cuh"
#include "kernels/sha256.cuh"

namespace chainaccel::kernels {

inline constexpr int kBip340RecordBytes = 112;  // 97 bytes used, rounded up to 16
inline constexpr int kBip340KeyOffset = 0;
inline constexpr int kBip340ROffset = 32;
inline constexpr int kBip340SOffset = 64;
inline constexpr int kBip340FlagsOffset = 96;
inline constexpr uint8_t kBip340FlagBadKeySize = 1;
inline constexpr uint8_t kBip340FlagBadSignatureSize = 2;

// The SHA-256 state after the first block of every challenge hash: BIP-340's
// tagged_hash("BIP0340/challenge", x) is SHA256(T || T || x) with T =
// SHA256("BIP0340/challenge"), and T || T is exactly one 64-byte block, so its
// compression is the same for every signature. libsecp256k1 starts from the same
// midstate (secp256k1_schnorrsig_sha256_tagged); kernels/bip340_test.cc derives it again
// from the tag.
CHAINACCEL_HD constexpr uint32_t Bip340ChallengeMidstate(int i) {
  constexpr uint32_t h[8] = {0x9cecba11, 0x23925381, 0x11679112, 0xd1627e0f,
                             0x97c87550, 0x003cc765, 0x90f61164, 0x33e9b66a};
  return h[i];
}

// int(tagged_hash("BIP0340/challenge", r || P || m)) mod n, r and P the 32 bytes at
// r_bytes and key_bytes, m the `message_size` bytes at `message` (any alignment; not read
// when message_size is 0).
// After the midstate block come r || P (one full block) and then m: the blocks of m
// padded on its own are those of the whole suffix, since 128 prefix bytes are two whole
// blocks, except for the bit length in the last block, which counts the prefix too.
CHAINACCEL_HD U256 Bip340Challenge(const uint8_t* r_bytes, const uint8_t* key_bytes,
                                   const uint8_t* message, uint64_t message_size) {
  constexpr uint64_t kPrefixBytes = 128;  // T || T || r || P
  uint32_t state[8];
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) state[i] = Bip340ChallengeMidstate(i);
  uint32_t w[16];
  CHAINACCEL_UNROLL
  for (int j = 0; j < 8; ++j) {
    w[j] = LoadBe32(r_bytes + 4 * j);
    w[8 + j] = LoadBe32(key_bytes + 4 * j);
  }
  Sha256Compress(state, w);
  const uint64_t blocks = Sha256BlockCount(message_size);
  for (uint64_t b = 0; b < blocks; ++b) {
    Sha256PaddedBlock<1>(message, message_size, 64 * b, w);
    if (b + 1 == blocks) {
      const uint64_t bits = (kPrefixBytes + message_size) << 3;
      w[14] = static_cast<uint32_t>(bits >> 32);
      w[15] = static_cast<uint32_t>(bits);
    }
    Sha256Compress(state, w);
  }
  U256 e;  // the digest read big-endian: H0 is the most significant word
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) e.w[i] = state[7 - i];
  return ModReduce<Fn>(e);
}

// BIP-340's lift_x: the point with abscissa x and even y, refused when x >= p or x^3 + 7
// is not a square mod p (secp256k1_xonly_pubkey_parse's rules).
CHAINACCEL_HD bool Bip340LiftX(const uint8_t* x_bytes, AffinePoint& out) {
  const U256 x = U256FromBytesBE(x_bytes);
  if (!U256Less(x, Fp::Modulus())) return false;
  return DecompressPoint(x, /*odd=*/false, out);
}

// VerifySchnorrBip340 of the CPU engine, in its order: ITEM_MALFORMED_PUBLIC_KEY unless
// the key is 32 bytes and lifts; ITEM_MALFORMED_SIGNATURE unless the signature is 64
// bytes with r < p and s < n (libsecp256k1 rejects r >= p and s >= n, and the CPU engine
// names such a rejection so); then secp256k1_schnorrsig_verify: e = the challenge,
// R = s G - e P, ITEM_INVALID when R is infinity, y(R) is odd or x(R) != r, else ITEM_OK.
// x(R) = r is checked first, in the field without an inversion (X = r Z^2); only then is
// Z inverted for the parity of y.
CHAINACCEL_HD ItemStatus VerifyBip340Record(const uint8_t* record, const uint8_t* message,
                                            uint64_t message_size, const AffinePoint* g_table) {
  const uint8_t flags = record[kBip340FlagsOffset];
  if (flags & kBip340FlagBadKeySize) return ItemStatus::kMalformedPublicKey;
  AffinePoint pk;
  if (!Bip340LiftX(record + kBip340KeyOffset, pk)) return ItemStatus::kMalformedPublicKey;
  if (flags & kBip340FlagBadSignatureSize) return ItemStatus::kMalformedSignature;
  const U256 r = U256FromBytesBE(record + kBip340ROffset);
  const U256 s = U256FromBytesBE(record + kBip340SOffset);
  if (!U256Less(r, Fp::Modulus()) || !U256Less(s, Fn::Modulus())) {
    return ItemStatus::kMalformedSignature;
  }
  const U256 e = Bip340Challenge(record + kBip340ROffset, record + kBip340KeyOffset, message,
                                 message_size);
  const JacobianPoint rj = DoubleScalarMul(s, ModNeg<Fn>(e), pk, g_table);
  if (IsInfinity(rj)) return ItemStatus::kInvalid;
  if (!U256Equal(ModMul<Fp>(r, ModSqr<Fp>(rj.z)), rj.x)) return ItemStatus::kInvalid;
  const AffinePoint ra = ToAffine(rj);
  if (ra.y.w[0] & 1) return ItemStatus::kInvalid;
  return ItemStatus::kOk;
}

}  // namespace chainaccel::kernels
