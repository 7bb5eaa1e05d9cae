// snarkjs's binary point encoding (ffjavascript toRprLEM / fromRprLEM), shared by the
// .zkey reader and its tests: an affine point as its coordinates' Montgomery forms,
// 32 bytes little-endian each (G2: x.c0, x.c1, y.c0, y.c1); all zero is infinity. And a
// proof's EIP-197 form, what the daemon's API carries.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

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
void EncodeG1Montgomery(const bn254::G1Affine& p, std::span<uint8_t, kG1Bytes> out);
void EncodeG2Montgomery(const bn254::G2Affine& p, std::span<uint8_t, kG2Bytes> out);

// A whole proof in the EIP-196/197 encodings (crypto/bn254/curve.h), as Solidity
// verifiers and the API take it: A (64 bytes) || B (128) || C (64).
inline constexpr size_t kProofBytes = 256;
void EncodeProofEip197(const Proof& proof, std::span<uint8_t, kProofBytes> out);
// nullopt when a point does not decode (a coordinate >= p, off the curve, B outside the
// subgroup of order r).
std::optional<Proof> DecodeProofEip197(std::span<const uint8_t, kProofBytes> bytes);

}  // namespace chainaccel::groth16
