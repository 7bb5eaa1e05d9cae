#include "crypto/groth16/point_bytes.h"

#include <algorithm>
#include <optional>

namespace chainaccel::groth16 {

using bn254::Fp;
using bn254::Fp2;

std::string PointErrorText(PointError e) {
  switch (e) {
    case PointError::kNone: return "valid";
    case PointError::kCoordinateTooLarge: return "a coordinate is >= p";
    case PointError::kNotOnCurve: return "not on the curve";
    case PointError::kNotInSubgroup: return "not in the subgroup of order r";
  }
  return "invalid";
}

namespace {

std::optional<Fp> ReadFp(const uint8_t* p) {
  return Fp::FromMontgomeryBytesLE(std::span<const uint8_t, 32>(p, 32));
}

bool AllZero(std::span<const uint8_t> b) {
  return std::all_of(b.begin(), b.end(), [](uint8_t v) { return v == 0; });
}

}  // namespace

PointError DecodeG1Montgomery(std::span<const uint8_t, kG1Bytes> in, bool check,
                              bn254::G1Affine* out) {
  if (AllZero(in)) {
    *out = bn254::G1Affine::Infinity();
    return PointError::kNone;
  }
  const std::optional<Fp> x = ReadFp(in.data()), y = ReadFp(in.data() + 32);
  if (!x || !y) return PointError::kCoordinateTooLarge;
  const bn254::G1Affine p = bn254::G1Affine::FromXY(*x, *y);
  if (check && !p.IsOnCurve()) return PointError::kNotOnCurve;
  *out = p;
  return PointError::kNone;
}

PointError DecodeG2Montgomery(std::span<const uint8_t, kG2Bytes> in, bool check,
                              bn254::G2Affine* out) {
  if (AllZero(in)) {
    *out = bn254::G2Affine::Infinity();
    return PointError::kNone;
  }
  std::optional<Fp> c[4];
  for (int i = 0; i < 4; ++i) {
    c[i] = ReadFp(in.data() + 32 * i);
    if (!c[i]) return PointError::kCoordinateTooLarge;
  }
  const bn254::G2Affine p = bn254::G2Affine::FromXY(Fp2{*c[0], *c[1]}, Fp2{*c[2], *c[3]});
  if (check && !p.IsOnCurve()) return PointError::kNotOnCurve;
  if (check && !bn254::IsInSubgroupVar(p)) return PointError::kNotInSubgroup;
  *out = p;
  return PointError::kNone;
}

void EncodeG1Montgomery(const bn254::G1Affine& p, std::span<uint8_t, kG1Bytes> out) {
  std::fill(out.begin(), out.end(), uint8_t{0});
  if (p.infinity) return;
  p.x.ToMontgomeryBytesLE(out.subspan<0, 32>());
  p.y.ToMontgomeryBytesLE(out.subspan<32, 32>());
}

void EncodeG2Montgomery(const bn254::G2Affine& p, std::span<uint8_t, kG2Bytes> out) {
  std::fill(out.begin(), out.end(), uint8_t{0});
  if (p.infinity) return;
  p.x.c0.ToMontgomeryBytesLE(out.subspan<0, 32>());
  p.x.c1.ToMontgomeryBytesLE(out.subspan<32, 32>());
  p.y.c0.ToMontgomeryBytesLE(out.subspan<64, 32>());
  p.y.c1.ToMontgomeryBytesLE(out.subspan<96, 32>());
}

void EncodeProofEip197(const Proof& proof, std::span<uint8_t, kProofBytes> out) {
  bn254::EncodeG1(proof.a, out.subspan<0, 64>());
  bn254::EncodeG2(proof.b, out.subspan<64, 128>());
  bn254::EncodeG1(proof.c, out.subspan<192, 64>());
}

std::optional<Proof> DecodeProofEip197(std::span<const uint8_t, kProofBytes> bytes) {
  const auto a = bn254::DecodeG1(bytes.subspan<0, 64>());
  const auto b = bn254::DecodeG2(bytes.subspan<64, 128>());
  const auto c = bn254::DecodeG1(bytes.subspan<192, 64>());
  if (!a || !b || !c) return std::nullopt;
  return Proof{*a, *b, *c};
}

}  // namespace chainaccel::groth16
