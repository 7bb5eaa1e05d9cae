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

std::optional<Fp> ReadFpBE(const uint8_t* p) {
  return Fp::FromBytesBE(std::span<const uint8_t, 32>(p, 32));
}

bool AllZero(std::span<const uint8_t> b) {
  return std::all_of(b.begin(), b.end(), [](uint8_t v) { return v == 0; });
}

// The point (x, y), checked as `check` says (all zero is infinity, never checked).
PointError MakeG1(std::span<const uint8_t> in, std::optional<Fp> x, std::optional<Fp> y,
                  bool check, bn254::G1Affine* out) {
  if (AllZero(in)) {
    *out = bn254::G1Affine::Infinity();
    return PointError::kNone;
  }
  if (!x || !y) return PointError::kCoordinateTooLarge;
  const bn254::G1Affine p = bn254::G1Affine::FromXY(*x, *y);
  if (check && !p.IsOnCurve()) return PointError::kNotOnCurve;
  *out = p;
  return PointError::kNone;
}

// The point (x.c0 + x.c1·u, y.c0 + y.c1·u) of c = {x.c0, x.c1, y.c0, y.c1}.
PointError MakeG2(std::span<const uint8_t> in, const std::optional<Fp> (&c)[4], bool check,
                  bn254::G2Affine* out) {
  if (AllZero(in)) {
    *out = bn254::G2Affine::Infinity();
    return PointError::kNone;
  }
  for (const std::optional<Fp>& v : c) {
    if (!v) return PointError::kCoordinateTooLarge;
  }
  const bn254::G2Affine p = bn254::G2Affine::FromXY(Fp2{*c[0], *c[1]}, Fp2{*c[2], *c[3]});
  if (check && !p.IsOnCurve()) return PointError::kNotOnCurve;
  if (check && !bn254::IsInSubgroupVar(p)) return PointError::kNotInSubgroup;
  *out = p;
  return PointError::kNone;
}

}  // namespace

PointError DecodeG1Montgomery(std::span<const uint8_t, kG1Bytes> in, bool check,
                              bn254::G1Affine* out) {
  return MakeG1(in, ReadFp(in.data()), ReadFp(in.data() + 32), check, out);
}

PointError DecodeG2Montgomery(std::span<const uint8_t, kG2Bytes> in, bool check,
                              bn254::G2Affine* out) {
  const std::optional<Fp> c[4] = {ReadFp(in.data()), ReadFp(in.data() + 32),
                                  ReadFp(in.data() + 64), ReadFp(in.data() + 96)};
  return MakeG2(in, c, check, out);
}

PointError DecodeG1Eip196(std::span<const uint8_t, kG1Bytes> in, bool check,
                          bn254::G1Affine* out) {
  return MakeG1(in, ReadFpBE(in.data()), ReadFpBE(in.data() + 32), check, out);
}

PointError DecodeG2Eip197(std::span<const uint8_t, kG2Bytes> in, bool check,
                          bn254::G2Affine* out) {
  // x_im || x_re || y_im || y_re
  const std::optional<Fp> c[4] = {ReadFpBE(in.data() + 32), ReadFpBE(in.data()),
                                  ReadFpBE(in.data() + 96), ReadFpBE(in.data() + 64)};
  return MakeG2(in, c, check, out);
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

size_t VerifyingKeyEip197Bytes(uint32_t n_public) {
  return kVerifyingKeyFixedBytes + kG1Bytes * (size_t{n_public} + 1);
}

std::string EncodeVerifyingKeyEip197(const VerifyingKey& vk) {
  std::string out(VerifyingKeyEip197Bytes(vk.n_public), '\0');
  auto* p = reinterpret_cast<uint8_t*>(out.data());
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(vk.n_public >> (8 * (3 - i)));
  bn254::EncodeG1(vk.alpha1, std::span<uint8_t, kG1Bytes>(p + 4, kG1Bytes));
  bn254::EncodeG2(vk.beta2, std::span<uint8_t, kG2Bytes>(p + 68, kG2Bytes));
  bn254::EncodeG2(vk.gamma2, std::span<uint8_t, kG2Bytes>(p + 196, kG2Bytes));
  bn254::EncodeG2(vk.delta2, std::span<uint8_t, kG2Bytes>(p + 324, kG2Bytes));
  for (size_t i = 0; i < vk.ic.size(); ++i) {
    bn254::EncodeG1(vk.ic[i], std::span<uint8_t, kG1Bytes>(
                                  p + kVerifyingKeyFixedBytes + kG1Bytes * i, kG1Bytes));
  }
  return out;
}

namespace {

Status KeyPointError(const std::string& name, PointError e) {
  return Status::InvalidArgument("verifying key: " + name + ": " + PointErrorText(e));
}

}  // namespace

Status DecodeVerifyingKeyEip197(std::span<const uint8_t> bytes, bool check_points,
                                VerifyingKey* out) {
  if (bytes.size() < kVerifyingKeyFixedBytes + kG1Bytes) {
    return Status::InvalidArgument("verifying key: " + std::to_string(bytes.size()) +
                                   " bytes, shorter than a key with no public signal (" +
                                   std::to_string(kVerifyingKeyFixedBytes + kG1Bytes) + ")");
  }
  VerifyingKey vk;
  for (int i = 0; i < 4; ++i) vk.n_public = (vk.n_public << 8) | bytes[i];
  if (bytes.size() != VerifyingKeyEip197Bytes(vk.n_public)) {
    return Status::InvalidArgument(
        "verifying key: " + std::to_string(bytes.size()) + " bytes, but n_public = " +
        std::to_string(vk.n_public) + " takes " +
        std::to_string(VerifyingKeyEip197Bytes(vk.n_public)));
  }
  auto g1 = [&](size_t at) { return std::span<const uint8_t, kG1Bytes>(bytes.data() + at, kG1Bytes); };
  auto g2 = [&](size_t at) { return std::span<const uint8_t, kG2Bytes>(bytes.data() + at, kG2Bytes); };
  if (PointError e = DecodeG1Eip196(g1(4), check_points, &vk.alpha1); e != PointError::kNone) {
    return KeyPointError("alpha1", e);
  }
  const std::pair<const char*, bn254::G2Affine*> g2s[] = {
      {"beta2", &vk.beta2}, {"gamma2", &vk.gamma2}, {"delta2", &vk.delta2}};
  for (size_t k = 0; k < 3; ++k) {
    const PointError e = DecodeG2Eip197(g2(68 + kG2Bytes * k), check_points, g2s[k].second);
    if (e != PointError::kNone) return KeyPointError(g2s[k].first, e);
  }
  vk.ic.resize(size_t{vk.n_public} + 1);
  for (size_t i = 0; i < vk.ic.size(); ++i) {
    const PointError e =
        DecodeG1Eip196(g1(kVerifyingKeyFixedBytes + kG1Bytes * i), check_points, &vk.ic[i]);
    if (e != PointError::kNone) return KeyPointError("IC[" + std::to_string(i) + "]", e);
  }
  *out = std::move(vk);
  return Status::Ok();
}

}  // namespace chainaccel::groth16
