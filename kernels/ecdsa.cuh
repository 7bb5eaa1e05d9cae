// ECDSA over secp256k1, per item, for host and device: the acceptance rules of the CPU
// engine (crypto/signatures.h, i.e. libsecp256k1's) on staged records.
//
// A verification record (kEcdsaVerifyRecordBytes, 16-byte aligned fields) is what the
// host stages per item (kernels/ecdsa_records.h builds it):
//   [0, 65)    the public key's bytes (33 or 65 of them), zero-padded
//   65         the public key's size as given (0 when it is neither 33 nor 65 bytes)
//   66         host flags: kEcdsaFlagBadSignature (the encoding did not parse: wrong
//              compact size, or DER that secp256k1_ecdsa_signature_parse_der refuses),
//              kEcdsaFlagBadMessage (no pre-hash and the message is not 32 bytes)
//   [80, 112)  r, big-endian (from the compact bytes, or from the parsed DER)
//   [112, 144) s, big-endian
//   [144, 176) the 32-byte message hash (unused when a pre-hash digest is given)
// A recovery record (kEcdsaRecoverRecordBytes): [0, 32) the hash, [32, 97) r || s || v.
// Its result (kEcdsaRecoverResultBytes): [0, 64) X || Y, [64, 84) the address, 84 the
// ItemStatus.
//
// Variable time (kernels/u256.cuh says why that is right here).
#pragma once

#include <cstdint>

#include "core/task.h"
#include "kernels/keccak256.cuh"
#include "kernels/secp256k1.cuh"
#include "kernels/secp256k1_split.cuh"
#include "kernels/warp_inverse.cuh"

namespace chainaccel::kernels {

inline constexpr int kEcdsaVerifyRecordBytes = 176;
inline constexpr int kEcdsaKeyOffset = 0;
inline constexpr int kEcdsaKeySizeOffset = 65;
inline constexpr int kEcdsaFlagsOffset = 66;
inline constexpr int kEcdsaROffset = 80;
inline constexpr int kEcdsaSOffset = 112;
inline constexpr int kEcdsaHashOffset = 144;
inline constexpr uint8_t kEcdsaFlagBadSignature = 1;
inline constexpr uint8_t kEcdsaFlagBadMessage = 2;

inline constexpr int kEcdsaRecoverRecordBytes = 112;
inline constexpr int kEcdsaRecoverResultBytes = 96;
inline constexpr int kEcdsaRecoverStatusOffset = 84;

// A public key's encoding checked up to its square root: 33 bytes 0x02/0x03 || X with
// X < p (compressed: `point` holds X, `odd` Y's parity from the prefix; whether X^3 + 7 is
// a square is still open), or 65 bytes 0x04/0x06/0x07 || X || Y with X, Y < p on the
// curve (hybrid 0x06/0x07 must match Y's parity): `point` is the key. ok is false for
// anything else.
struct Secp256k1KeyEncoding {
  AffinePoint point;
  bool ok;
  bool compressed;
  bool odd;
};

CHAINACCEL_HD Secp256k1KeyEncoding ParseSecp256k1KeyEncoding(const uint8_t* key, int size) {
  const U256 p = Fp::Modulus();
  Secp256k1KeyEncoding out{AffinePoint{U256Zero(), U256Zero()}, false, size == 33, false};
  if (size == 33) {
    if (key[0] != 0x02 && key[0] != 0x03) return out;
    out.point.x = U256FromBytesBE(key + 1);
    out.odd = key[0] == 0x03;
    out.ok = U256Less(out.point.x, p);
    return out;
  }
  if (size == 65) {
    if (key[0] != 0x04 && key[0] != 0x06 && key[0] != 0x07) return out;
    const U256 x = U256FromBytesBE(key + 1);
    const U256 y = U256FromBytesBE(key + 33);
    if (!U256Less(x, p) || !U256Less(y, p)) return out;
    if (key[0] != 0x04 && (y.w[0] & 1) != static_cast<uint32_t>(key[0] == 0x07)) return out;
    if (!U256Equal(ModSqr<Fp>(y), CurveRhs(x))) return out;
    out.point = AffinePoint{x, y};
    out.ok = true;
  }
  return out;
}

// secp256k1_ec_pubkey_parse: ParseSecp256k1KeyEncoding, and a compressed key's X^3 + 7
// must be a square. Anything else is malformed.
CHAINACCEL_HD bool ParseSecp256k1PublicKey(const uint8_t* key, int size, AffinePoint& out) {
  const Secp256k1KeyEncoding encoding = ParseSecp256k1KeyEncoding(key, size);
  if (!encoding.ok) return false;
  if (encoding.compressed) return DecompressPoint(encoding.point.x, encoding.odd, out);
  out = encoding.point;
  return true;
}

// The checks of VerifyEcdsaRecord after the public key's, in its order: signature (1 <=
// r, s < n), message, low S; on success r, s (negated when high and allowed) and z, the
// 32-byte hash read as a number mod n (secp256k1_scalar_set_b32 reduces).
CHAINACCEL_HD ItemStatus EcdsaCheckScalars(const uint8_t* record, const uint8_t* digest,
                                           bool allow_high_s, U256& r, U256& s, U256& z) {
  const uint8_t flags = record[kEcdsaFlagsOffset];
  if (flags & kEcdsaFlagBadSignature) return ItemStatus::kMalformedSignature;
  const U256 n = Fn::Modulus();
  r = U256FromBytesBE(record + kEcdsaROffset);
  s = U256FromBytesBE(record + kEcdsaSOffset);
  if (U256IsZero(r) || U256IsZero(s) || !U256Less(r, n) || !U256Less(s, n)) {
    return ItemStatus::kMalformedSignature;
  }
  if (flags & kEcdsaFlagBadMessage) return ItemStatus::kMalformedMessage;
  if (U256Less(Secp256k1HalfOrder(), s)) {
    if (!allow_high_s) return ItemStatus::kHighS;
    s = ModNeg<Fn>(s);
  }
  z = ModReduce<Fn>(U256FromBytesBE(digest != nullptr ? digest : record + kEcdsaHashOffset));
  return ItemStatus::kOk;
}

// secp256k1_ecdsa_verify's last step: R must not be infinity and must have x = r (mod n).
// The x check compares in the field without an inversion, as libsecp256k1 does: X = r Z^2,
// or, when r + n < p, X = (r + n) Z^2.
CHAINACCEL_HD ItemStatus EcdsaCheckR(const U256& r, const JacobianPoint& rp) {
  if (IsInfinity(rp)) return ItemStatus::kInvalid;
  const U256 zz = ModSqr<Fp>(rp.z);
  if (U256Equal(ModMul<Fp>(r, zz), rp.x)) return ItemStatus::kOk;
  U256 r_plus_n;
  if (U256Add(r, Fn::Modulus(), r_plus_n) == 0 && U256Less(r_plus_n, Fp::Modulus()) &&
      U256Equal(ModMul<Fp>(r_plus_n, zz), rp.x)) {
    return ItemStatus::kOk;
  }
  return ItemStatus::kInvalid;
}

// The checks of VerifyEcdsaSecp256k1 (crypto/signatures.h), in its order:
// public key, then EcdsaCheckScalars, then secp256k1_ecdsa_verify:
// R = (z / s) G + (r / s) Q, checked by EcdsaCheckR.
CHAINACCEL_HD ItemStatus VerifyEcdsaRecord(const uint8_t* record, const uint8_t* digest,
                                           bool allow_high_s, const AffinePoint* g_table) {
  AffinePoint q;
  if (!ParseSecp256k1PublicKey(record + kEcdsaKeyOffset, record[kEcdsaKeySizeOffset], q)) {
    return ItemStatus::kMalformedPublicKey;
  }
  U256 r, s, z;
  const ItemStatus checks = EcdsaCheckScalars(record, digest, allow_high_s, r, s, z);
  if (checks != ItemStatus::kOk) return checks;
  const U256 w = ModInv<Fn>(s);
  return EcdsaCheckR(r, DoubleScalarMul(ModMul<Fn>(z, w), ModMul<Fn>(r, w), q, g_table));
}

// VerifyEcdsaRecord's work in the roles of kernels/secp256k1_split.cuh: the key role
// parses Q (a compressed key up to its abscissa: AbscissaPoint), the scalar role splits
// u2 = r / s, the fixed role computes a compressed key's y and (z / s) G; statuses as
// VerifyEcdsaRecord's, written to statuses[i].
struct EcdsaVerifyRoles : Secp256k1SplitPhases<EcdsaVerifyRoles> {
  const uint8_t* records;
  const uint8_t* digests;  // may be null
  bool allow_high_s;
  const AffinePoint* g_table;
  uint8_t* statuses;

  CHAINACCEL_HD const uint8_t* Record(uint64_t i) const {
    return records + kEcdsaVerifyRecordBytes * i;
  }
  CHAINACCEL_HD const uint8_t* Digest(uint64_t i) const {
    return digests != nullptr ? digests + 32 * i : nullptr;
  }
  CHAINACCEL_HD Secp256k1KeyEncoding KeyEncoding(uint64_t i) const {
    const uint8_t* record = Record(i);
    return ParseSecp256k1KeyEncoding(record + kEcdsaKeyOffset, record[kEcdsaKeySizeOffset]);
  }
  CHAINACCEL_HD void KeyRole(uint64_t i, SplitParts& parts) const {
    const Secp256k1KeyEncoding encoding = KeyEncoding(i);
    parts.key_ok = encoding.ok;
    parts.key = encoding.compressed ? AbscissaPoint(encoding.point.x) : encoding.point;
  }
  CHAINACCEL_HD void ScalarRole(uint64_t i, SplitParts& parts) const {
    U256 r, s, z;
    parts.scalars_ok =
        EcdsaCheckScalars(Record(i), Digest(i), allow_high_s, r, s, z) == ItemStatus::kOk;
    // Every lane of the warp inverts (kernels/warp_inverse.cuh): 1 where the checks failed.
    const U256 w = WarpModInv<Fn>(parts.scalars_ok ? s : U256Small(1));
    if (parts.scalars_ok) parts.split = ScalarSplitLambda(ModMul<Fn>(r, w));
  }
  CHAINACCEL_HD SplitFixed FixedRole(uint64_t i) const {
    const Secp256k1KeyEncoding encoding = KeyEncoding(i);
    const KeyRoot root = encoding.ok && encoding.compressed
                             ? DeferredKeyRoot(encoding.point.x, encoding.odd)
                             : WholeKeyRoot();
    U256 r, s, z;
    const ItemStatus status = EcdsaCheckScalars(Record(i), Digest(i), allow_high_s, r, s, z);
    // Every lane of warp 0 inverts (kernels/warp_inverse.cuh): 1 where the checks failed.
    const U256 w = WarpModInv<Fn>(status == ItemStatus::kOk ? s : U256Small(1));
    if (status != ItemStatus::kOk) return SplitFixed{status, JacobianInfinity(), root};
    return SplitFixed{status, FixedBaseMul(ModMul<Fn>(z, w), g_table), root};
  }
  CHAINACCEL_HD void Finish(uint64_t i, const SplitFixed& fixed, const SplitParts& parts,
                            bool store) const {
    ItemStatus status = SplitChecksVerdict(fixed, parts);
    if (status == ItemStatus::kOk) {
      status = EcdsaCheckR(U256FromBytesBE(Record(i) + kEcdsaROffset),
                           SumOfSplitParts(fixed, parts));
    }
    if (store) statuses[i] = static_cast<uint8_t>(status);
  }
};

// The checks of RecoverEthereumSigner (crypto/signatures.h) before its point, in its
// order: v in {0, 1, 27, 28}; 1 <= r, s < n; low S unless allowed (a high S is used as
// given). On success recid = v mod 2 (these v never set the "x = r + n" bit), r, s and z,
// the hash mod n.
CHAINACCEL_HD ItemStatus RecoverCheckScalars(const uint8_t* record, bool allow_high_s,
                                             int& recid, U256& r, U256& s, U256& z) {
  const uint8_t v = record[96];
  if (v == 0 || v == 1) {
    recid = v;
  } else if (v == 27 || v == 28) {
    recid = v - 27;
  } else {
    return ItemStatus::kInvalidRecoveryId;
  }
  const U256 n = Fn::Modulus();
  r = U256FromBytesBE(record + 32);
  s = U256FromBytesBE(record + 64);
  if (U256IsZero(r) || U256IsZero(s) || !U256Less(r, n) || !U256Less(s, n)) {
    return ItemStatus::kMalformedSignature;
  }
  if (!allow_high_s && U256Less(Secp256k1HalfOrder(), s)) return ItemStatus::kHighS;
  z = ModReduce<Fn>(U256FromBytesBE(record));
  return ItemStatus::kOk;
}

// The recovered key q written as X || Y and keccak256(X || Y)[12, 32) into result.
CHAINACCEL_HD void WriteRecoveredAffine(const AffinePoint& q, uint8_t* result) {
  uint8_t key[64];
  U256ToBytesBE(q.x, key);
  U256ToBytesBE(q.y, key + 32);
  // The lanes by byte loads: `key` is in local memory, where the read-only cache path of
  // the aligned loaders (LDG) does not reach.
  uint64_t lanes[8];
  for (int i = 0; i < 8; ++i) lanes[i] = LoadLe64(key + 8 * i);
  uint64_t digest[4];
  Keccak256Of64(lanes, digest);
  uint8_t hash[32];
  Keccak256DigestBytes(digest, hash);
  for (int i = 0; i < 64; ++i) result[i] = key[i];
  for (int i = 0; i < 20; ++i) result[64 + i] = hash[12 + i];
}

// The recovered key Q (refused at infinity) written as WriteRecoveredAffine writes it
// into result, which the caller zeroed.
CHAINACCEL_HD ItemStatus WriteRecoveredKey(const JacobianPoint& qj, uint8_t* result) {
  if (IsInfinity(qj)) return ItemStatus::kRecoveryFailed;
  WriteRecoveredAffine(ToAffine(qj), result);
  return ItemStatus::kOk;
}

// RecoverEthereumSigner: RecoverCheckScalars, then secp256k1_ecdsa_recover with recid:
// R = (r, y of parity recid), refused when r^3 + 7 is not a square; Q = (-z / r) G +
// (s / r) R, refused at infinity. Writes X || Y and keccak256(X || Y)[12, 32) into
// result, zeros unless ITEM_OK.
CHAINACCEL_HD ItemStatus RecoverEcdsaRecord(const uint8_t* record, bool allow_high_s,
                                            const AffinePoint* g_table, uint8_t* result) {
  for (int i = 0; i < 84; ++i) result[i] = 0;
  int recid;
  U256 r, s, z;
  const ItemStatus checks = RecoverCheckScalars(record, allow_high_s, recid, r, s, z);
  if (checks != ItemStatus::kOk) return checks;
  AffinePoint big_r;
  if (!DecompressPoint(r, recid == 1, big_r)) return ItemStatus::kRecoveryFailed;
  const U256 ri = ModInv<Fn>(r);
  const U256 u1 = ModNeg<Fn>(ModMul<Fn>(z, ri));
  const U256 u2 = ModMul<Fn>(s, ri);
  return WriteRecoveredKey(DoubleScalarMul(u1, u2, big_r, g_table), result);
}

// RecoverEcdsaRecord's work in the roles of kernels/secp256k1_split.cuh: the key role
// hands on R as AbscissaPoint(r), the scalar role splits u2 = s / r, the fixed role
// decompresses R (its y) and computes (-z / r) G; results as LaunchEcdsaRecover's
// (kEcdsaRecoverResultBytes an item).
struct EcdsaRecoverRoles : Secp256k1SplitPhases<EcdsaRecoverRoles> {
  const uint8_t* records;
  bool allow_high_s;
  const AffinePoint* g_table;
  uint8_t* results;

  CHAINACCEL_HD const uint8_t* Record(uint64_t i) const {
    return records + kEcdsaRecoverRecordBytes * i;
  }
  CHAINACCEL_HD void KeyRole(uint64_t i, SplitParts& parts) const {
    int recid;
    U256 r, s, z;
    parts.key_ok =
        RecoverCheckScalars(Record(i), allow_high_s, recid, r, s, z) == ItemStatus::kOk;
    if (parts.key_ok) parts.key = AbscissaPoint(r);  // r < n < p
  }
  CHAINACCEL_HD void ScalarRole(uint64_t i, SplitParts& parts) const {
    int recid;
    U256 r, s, z;
    parts.scalars_ok =
        RecoverCheckScalars(Record(i), allow_high_s, recid, r, s, z) == ItemStatus::kOk;
    // Every lane of the warp inverts (kernels/warp_inverse.cuh): 1 where the checks failed.
    const U256 ri = WarpModInv<Fn>(parts.scalars_ok ? r : U256Small(1));
    if (parts.scalars_ok) parts.split = ScalarSplitLambda(ModMul<Fn>(s, ri));
  }
  CHAINACCEL_HD SplitFixed FixedRole(uint64_t i) const {
    int recid;
    U256 r, s, z;
    const ItemStatus status = RecoverCheckScalars(Record(i), allow_high_s, recid, r, s, z);
    // Every lane of warp 0 inverts (kernels/warp_inverse.cuh): 1 where the checks failed.
    const U256 ri = WarpModInv<Fn>(status == ItemStatus::kOk ? r : U256Small(1));
    if (status != ItemStatus::kOk) return SplitFixed{status, JacobianInfinity(), WholeKeyRoot()};
    const KeyRoot root = DeferredKeyRoot(r, recid == 1);
    return SplitFixed{status, FixedBaseMul(ModNeg<Fn>(ModMul<Fn>(z, ri)), g_table), root};
  }
  // The sum's affine form needs Z^-1: every lane of warp 0 inverts together
  // (WarpModInv; 1 where there is no finite sum), so Finish runs on every lane.
  CHAINACCEL_HD void Finish(uint64_t i, const SplitFixed& fixed, const SplitParts& parts,
                            bool store) const {
    ItemStatus status = fixed.status;
    if (status == ItemStatus::kOk && !SplitKeyFound(fixed, parts)) {
      status = ItemStatus::kRecoveryFailed;
    }
    const JacobianPoint sum =
        status == ItemStatus::kOk ? SumOfSplitParts(fixed, parts) : JacobianInfinity();
    if (status == ItemStatus::kOk && IsInfinity(sum)) status = ItemStatus::kRecoveryFailed;
    const U256 zi = WarpModInv<Fp>(status == ItemStatus::kOk ? sum.z : U256Small(1));
    if (!store) return;
    uint8_t* result = results + kEcdsaRecoverResultBytes * i;
    for (int b = 0; b < kEcdsaRecoverStatusOffset; ++b) result[b] = 0;
    if (status == ItemStatus::kOk) WriteRecoveredAffine(AffineWithInverse(sum, zi), result);
    result[kEcdsaRecoverStatusOffset] = static_cast<uint8_t>(status);
  }
};

}  // namespace chainaccel::kernels
