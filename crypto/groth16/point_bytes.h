// snarkjs's binary point encoding (ffjavascript toRprLEM / fromRprLEM), shared by the
// .zkey reader and its tests: an affine point as its coordinates' Montgomery forms,
// 32 bytes little-endian each (G2: x.c0, x.c1, y.c0, y.c1); all zero is infinity. And
// the EIP-196/197 forms the daemon's API and chain carry: a proof's, and a verifying
// key's (the registry of proof-carrying transactions, docs/execution.md).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/status.h"
#include "crypto/bn254/curve.h"
#include "crypto/groth16/keys.h"

namespace chainaccel::groth16 {

inline constexpr size_t kG1Bytes = 64;
inline constexpr size_t kG2Bytes = 128;

enum class PointError { kNone, kCoordinateTooLarge, kNotOnCurve, kNotInSubgroup };

// What is wrong with it, in words ("not on the curve").
std::string PointErrorText(PointError e);

// Decodes a point; `check` false skips the curve (and subgroup) checks, never the
// coordinate range check. Returns kNone on success.
PointError DecodeG1Montgomery(std::span<const uint8_t, kG1Bytes> in, bool check,
                              bn254::G1Affine* out);
PointError DecodeG2Montgomery(std::span<const uint8_t, kG2Bytes> in, bool check,
                              bn254::G2Affine* out);
// The same checks on the EIP-196/197 encodings (crypto/bn254/curve.h: G1 x || y, G2
// x.c1 || x.c0 || y.c1 || y.c0, 32-byte big-endian coordinates; all zero is infinity),
// with the reason where bn254::DecodeG1/DecodeG2 say only that the bytes do not decode.
PointError DecodeG1Eip196(std::span<const uint8_t, kG1Bytes> in, bool check,
                          bn254::G1Affine* out);
PointError DecodeG2Eip197(std::span<const uint8_t, kG2Bytes> in, bool check,
                          bn254::G2Affine* out);
void EncodeG1Montgomery(const bn254::G1Affine& p, std::span<uint8_t, kG1Bytes> out);
void EncodeG2Montgomery(const bn254::G2Affine& p, std::span<uint8_t, kG2Bytes> out);

// A whole proof in the EIP-196/197 encodings (crypto/bn254/curve.h), as Solidity
// verifiers and the API take it: A (64 bytes) || B (128) || C (64).
inline constexpr size_t kProofBytes = 256;
void EncodeProofEip197(const Proof& proof, std::span<uint8_t, kProofBytes> out);
// nullopt when a point does not decode (a coordinate >= p, off the curve, B outside the
// subgroup of order r).
std::optional<Proof> DecodeProofEip197(std::span<const uint8_t, kProofBytes> bytes);

// A verifying key in the EIP-196/197 encodings, as Solidity verifiers hold one:
//   u32be(n_public) || alpha1 (64) || beta2 (128) || gamma2 (128) || delta2 (128)
//   || IC[0] .. IC[n_public] (64 each).
inline constexpr size_t kVerifyingKeyFixedBytes = 4 + kG1Bytes + 3 * kG2Bytes;
// The encoding's size for a key of n_public public signals.
size_t VerifyingKeyEip197Bytes(uint32_t n_public);
// REQUIRES: vk.ic.size() == vk.n_public + 1.
std::string EncodeVerifyingKeyEip197(const VerifyingKey& vk);
// INVALID_ARGUMENT naming what is wrong: the length ("verifying key: N bytes, but
// n_public = k takes M"), a coordinate >= p ("verifying key: beta2: a coordinate is >=
// p") and, when check_points, a point off its curve or a G2 point outside the subgroup
// ("verifying key: IC[2]: not on the curve"). Points at infinity are read as such.
Status DecodeVerifyingKeyEip197(std::span<const uint8_t> bytes, bool check_points,
                                VerifyingKey* out);

}  // namespace chainaccel::groth16
