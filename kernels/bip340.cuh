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
#include "kernels/item_message.cuh"
#include "kernels/secp256k1.cuh"
#include "kernels/secp256k1_split.cuh"
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

// The signature's checks of VerifyBip340Record (after the key's): 64 bytes with r < p
// and s < n (libsecp256k1 rejects r >= p and s >= n, and the CPU engine names such a
// rejection ITEM_MALFORMED_SIGNATURE); r and s on success.
CHAINACCEL_HD ItemStatus Bip340CheckScalars(const uint8_t* record, U256& r, U256& s) {
  if (record[kBip340FlagsOffset] & kBip340FlagBadSignatureSize) {
    return ItemStatus::kMalformedSignature;
  }
  r = U256FromBytesBE(record + kBip340ROffset);
  s = U256FromBytesBE(record + kBip340SOffset);
  if (!U256Less(r, Fp::Modulus()) || !U256Less(s, Fn::Modulus())) {
    return ItemStatus::kMalformedSignature;
  }
  return ItemStatus::kOk;
}

// The key's checks before its square root: 32 bytes, x < p; x on success.
CHAINACCEL_HD bool Bip340ParseKeyAbscissa(const uint8_t* record, U256& x) {
  if (record[kBip340FlagsOffset] & kBip340FlagBadKeySize) return false;
  x = U256FromBytesBE(record + kBip340KeyOffset);
  return U256Less(x, Fp::Modulus());
}

// The key's checks: 32 bytes that lift by BIP-340's lift_x (the point with abscissa x and
// even y, refused when x >= p or x^3 + 7 is not a square mod p: the rules of
// secp256k1_xonly_pubkey_parse).
CHAINACCEL_HD bool Bip340ParseKey(const uint8_t* record, AffinePoint& pk) {
  U256 x;
  return Bip340ParseKeyAbscissa(record, x) && DecompressPoint(x, /*odd=*/false, pk);
}

// secp256k1_schnorrsig_verify's last step: ITEM_INVALID when R is infinity, x(R) != r or
// y(R) is odd. x(R) = r is checked first, in the field without an inversion (X = r Z^2);
// only then is Z inverted for the parity of y.
CHAINACCEL_HD ItemStatus Bip340CheckR(const U256& r, const JacobianPoint& rj) {
  if (IsInfinity(rj)) return ItemStatus::kInvalid;
  if (!U256Equal(ModMul<Fp>(r, ModSqr<Fp>(rj.z)), rj.x)) return ItemStatus::kInvalid;
  const AffinePoint ra = ToAffine(rj);
  if (ra.y.w[0] & 1) return ItemStatus::kInvalid;
  return ItemStatus::kOk;
}

// Bip340CheckR without the inversion, for the split roles, whose fixed role has time for a
// square root while the halves run: r_root is R's expected y, the even y of the point
// with abscissa r (DecompressPoint(r, even)), found false when r^3 + 7 has no square
// root. ITEM_OK exactly when Bip340CheckR's is: the one point with x = r and an even y is
// (r, y) with y = r_root.y (y is never 0: n is odd), and a Jacobian (X, Y, Z), Z != 0, is
// it when X = r Z^2 and Y = y Z^3; no point has x = r when r_root was not found.
CHAINACCEL_HD ItemStatus Bip340CheckRAgainstRoot(const U256& r, const KeyRoot& r_root,
                                                 const JacobianPoint& rj) {
  if (IsInfinity(rj) || !r_root.found) return ItemStatus::kInvalid;
  const U256 z2 = ModSqr<Fp>(rj.z);
  if (!U256Equal(ModMul<Fp>(r, z2), rj.x)) return ItemStatus::kInvalid;
  const U256 z3 = ModMul<Fp>(z2, rj.z);
  if (!U256Equal(ModMul<Fp>(r_root.y, z3), rj.y)) return ItemStatus::kInvalid;
  return ItemStatus::kOk;
}

// VerifySchnorrBip340 of the CPU engine, in its order: ITEM_MALFORMED_PUBLIC_KEY unless
// Bip340ParseKey; then Bip340CheckScalars; then secp256k1_schnorrsig_verify: e = the
// challenge, R = s G - e P, checked by Bip340CheckR.
CHAINACCEL_HD ItemStatus VerifyBip340Record(const uint8_t* record, const uint8_t* message,
                                            uint64_t message_size, const AffinePoint* g_table) {
  AffinePoint pk;
  if (!Bip340ParseKey(record, pk)) return ItemStatus::kMalformedPublicKey;
  U256 r, s;
  const ItemStatus checks = Bip340CheckScalars(record, r, s);
  if (checks != ItemStatus::kOk) return checks;
  const U256 e = Bip340Challenge(record + kBip340ROffset, record + kBip340KeyOffset, message,
                                 message_size);
  return Bip340CheckR(r, DoubleScalarMul(s, ModNeg<Fn>(e), pk, g_table));
}

// Warp 0's part for BIP-340: SplitFixed and R's expected y (Bip340CheckRAgainstRoot).
struct Bip340Fixed : SplitFixed {
  KeyRoot r_root;
};

// VerifyBip340Record's work in the roles of kernels/secp256k1_split.cuh: the key role
// hands on P as AbscissaPoint(x), the scalar role hashes the challenge e and splits -e,
// the fixed role lifts x (P's even y), computes s G and lifts r (R's even y, so that the
// last check needs no inversion of Z: a square root on warp 0, which works beside the
// halves' ladders, for ModInv's binary Euclid after the sum, on the critical path, whose
// branches also diverge across the warp's items); statuses as VerifyBip340Record's,
// written to statuses[i]. Messages as LaunchBip340Verify takes them: the 32 bytes at
// digests + 32 i when digests is not null, else bytes [offsets[i], offsets[i + 1]) of
// messages.
struct Bip340VerifyRoles : Secp256k1SplitPhases<Bip340VerifyRoles> {
  using Fixed = Bip340Fixed;

  const uint8_t* records;
  const uint8_t* messages;
  const uint64_t* offsets;
  const uint8_t* digests;
  const AffinePoint* g_table;
  uint8_t* statuses;

  CHAINACCEL_HD const uint8_t* Record(uint64_t i) const { return records + kBip340RecordBytes * i; }
  CHAINACCEL_HD void KeyRole(uint64_t i, SplitParts& parts) const {
    U256 x;
    parts.key_ok = Bip340ParseKeyAbscissa(Record(i), x);
    if (parts.key_ok) parts.key = AbscissaPoint(x);
  }
  CHAINACCEL_HD void ScalarRole(uint64_t i, SplitParts& parts) const {
    const uint8_t* record = Record(i);
    U256 r, s;
    parts.scalars_ok = Bip340CheckScalars(record, r, s) == ItemStatus::kOk;
    if (!parts.scalars_ok) return;
    const ItemMessage message = MessageOfItem(messages, offsets, digests, i);
    const U256 e = Bip340Challenge(record + kBip340ROffset, record + kBip340KeyOffset,
                                   message.data, message.size);
    parts.split = ScalarSplitLambda(ModNeg<Fn>(e));
  }
  CHAINACCEL_HD Bip340Fixed FixedRole(uint64_t i) const {
    U256 x;
    const KeyRoot root = Bip340ParseKeyAbscissa(Record(i), x)
                             ? DeferredKeyRoot(x, /*odd=*/false)
                             : WholeKeyRoot();
    U256 r, s;
    const ItemStatus status = Bip340CheckScalars(Record(i), r, s);
    if (status != ItemStatus::kOk) {
      return Bip340Fixed{{status, JacobianInfinity(), root}, WholeKeyRoot()};
    }
    return Bip340Fixed{{status, FixedBaseMul(s, g_table), root},
                       DeferredKeyRoot(r, /*odd=*/false)};
  }
  CHAINACCEL_HD void Finish(uint64_t i, const Bip340Fixed& fixed, const SplitParts& parts,
                            bool store) const {
    ItemStatus status = SplitChecksVerdict(fixed, parts);
    if (status == ItemStatus::kOk) {
      status = Bip340CheckRAgainstRoot(U256FromBytesBE(Record(i) + kBip340ROffset),
                                       fixed.r_root, SumOfSplitParts(fixed, parts));
    }
    if (store) statuses[i] = static_cast<uint8_t>(status);
  }
};

}  // namespace chainaccel::kernels
