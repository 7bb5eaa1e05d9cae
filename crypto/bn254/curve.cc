#include "crypto/bn254/curve.h"

#include <algorithm>
#include <array>
#include <vector>

namespace chainaccel::bn254 {
namespace {

Fp FpConst(std::string_view decimal) { return Fp::FromCanonicalUnchecked(bigint::Dec(decimal)); }

// The signed digits of k in width-w NAF, least significant first: every non-zero digit
// is odd and |d| < 2^(w-1), and of any w consecutive digits at most one is non-zero.
std::vector<int8_t> WnafDigits(std::span<const uint64_t> k, int w) {
  std::vector<uint64_t> v(k.begin(), k.end());
  v.push_back(0);  // one spare limb: adding |d| may carry past the top
  auto is_zero = [&] {
    for (uint64_t limb : v) {
      if (limb != 0) return false;
    }
    return true;
  };
  const int64_t window = int64_t{1} << w;
  std::vector<int8_t> digits;
  digits.reserve(64 * v.size());
  while (!is_zero()) {
    int64_t d = 0;
    if (v[0] & 1) {
      d = static_cast<int64_t>(v[0] & static_cast<uint64_t>(window - 1));
      if (d >= window / 2) d -= window;
      if (d > 0) {  // v -= d: v's low bits are d, so no borrow leaves the low limb
        v[0] -= static_cast<uint64_t>(d);
      } else {      // v += |d|
        uint64_t carry = static_cast<uint64_t>(-d);
        for (auto& limb : v) {
          limb += carry;
          carry = limb < carry ? 1 : 0;
          if (carry == 0) break;
        }
      }
    }
    digits.push_back(static_cast<int8_t>(d));
    for (size_t i = 0; i + 1 < v.size(); ++i) v[i] = (v[i] >> 1) | (v[i + 1] << 63);
    v.back() >>= 1;
  }
  return digits;
}

}  // namespace

const Fp& G1Curve::B() {
  static const Fp kB = Fp::FromUint64(3);
  return kB;
}

const Fp2& G2Curve::B() {
  static const Fp2 kB = Fp2{Fp::FromUint64(3), Fp::Zero()} * Fp2::Xi().InverseVar();
  return kB;
}

template <>
G1Affine G1Affine::Generator() {
  return FromXY(Fp::FromUint64(1), Fp::FromUint64(2));
}

template <>
G2Affine G2Affine::Generator() {
  // EIP-197 (and snarkjs's bn128 G2 generator), coordinates as c0 + c1·u.
  static const G2Affine kGenerator = FromXY(
      {FpConst("10857046999023057135944570762232829481370756359578518086990519993285655852781"),
       FpConst("11559732032986387107991004021392285783925812861821192530917403151452391805634")},
      {FpConst("8495653923123431417604973247489272438418190587263600148770280649306958101930"),
       FpConst("4082367875863433681332203403145435568316851327593401208105741076214120093531")});
  return kGenerator;
}

template <class Curve>
bool AffinePoint<Curve>::IsOnCurve() const {
  if (infinity) return true;
  return y.Square() == x.Square() * x + Curve::B();
}

template <class Curve>
bool JacobianPoint<Curve>::IsOnCurve() const {
  if (IsInfinity()) return true;
  F z2 = z.Square();
  F z6 = z2.Square() * z2;
  return y.Square() == x.Square() * x + Curve::B() * z6;
}

template <class Curve>
AffinePoint<Curve> JacobianPoint<Curve>::ToAffine() const {
  if (IsInfinity()) return Affine::Infinity();
  F zi = z.InverseVar();
  F zi2 = zi.Square();
  return Affine::FromXY(x * zi2, y * zi2 * zi);
}

template <class Curve>
JacobianPoint<Curve> JacobianPoint<Curve>::Double() const {
  if (IsInfinity()) return *this;
  F a = x.Square();
  F b = y.Square();
  F c = b.Square();
  F d = ((x + b).Square() - a - c).Double();
  F e = a.Double() + a;
  F f = e.Square();
  JacobianPoint r;
  r.x = f - d.Double();
  r.y = e * (d - r.x) - c.Double().Double().Double();
  r.z = (y * z).Double();
  return r;
}

template <class Curve>
JacobianPoint<Curve> JacobianPoint<Curve>::Add(const JacobianPoint& q) const {
  if (IsInfinity()) return q;
  if (q.IsInfinity()) return *this;
  F z1z1 = z.Square(), z2z2 = q.z.Square();
  F u1 = x * z2z2, u2 = q.x * z1z1;
  F s1 = y * q.z * z2z2, s2 = q.y * z * z1z1;
  F h = u2 - u1;
  F r = (s2 - s1).Double();
  if (h.IsZero()) return r.IsZero() ? Double() : Infinity();
  F i = h.Double().Square();
  F j = h * i;
  F v = u1 * i;
  JacobianPoint out;
  out.x = r.Square() - j - v.Double();
  out.y = r * (v - out.x) - (s1 * j).Double();
  out.z = ((z + q.z).Square() - z1z1 - z2z2) * h;
  return out;
}

template <class Curve>
JacobianPoint<Curve> JacobianPoint<Curve>::AddMixed(const Affine& q) const {
  if (q.infinity) return *this;
  if (IsInfinity()) return FromAffine(q);
  F z1z1 = z.Square();
  F u2 = q.x * z1z1;
  F s2 = q.y * z * z1z1;
  F h = u2 - x;
  F r = (s2 - y).Double();
  if (h.IsZero()) return r.IsZero() ? Double() : Infinity();
  F hh = h.Square();
  F i = hh.Double().Double();
  F j = h * i;
  F v = x * i;
  JacobianPoint out;
  out.x = r.Square() - j - v.Double();
  out.y = r * (v - out.x) - (y * j).Double();
  out.z = (z + h).Square() - z1z1 - hh;
  return out;
}

template <class Curve>
JacobianPoint<Curve> JacobianPoint<Curve>::ScalarMulVar(std::span<const uint64_t> k) const {
  constexpr int kWindow = 5;  // 8 precomputed odd multiples; fewest operations for 254 bits
  std::vector<int8_t> digits = WnafDigits(k, kWindow);
  std::array<JacobianPoint, 1 << (kWindow - 2)> odd;  // P, 3P, 5P, ..., 15P
  odd[0] = *this;
  JacobianPoint twice = Double();
  for (size_t i = 1; i < odd.size(); ++i) odd[i] = odd[i - 1] + twice;
  JacobianPoint acc = Infinity();
  for (size_t i = digits.size(); i-- > 0;) {
    acc = acc.Double();
    int d = digits[i];
    if (d > 0) acc = acc + odd[static_cast<size_t>(d / 2)];
    if (d < 0) acc = acc - odd[static_cast<size_t>(-d / 2)];
  }
  return acc;
}

template <class Curve>
JacobianPoint<Curve> JacobianPoint<Curve>::ScalarMulVar(const Fr& k) const {
  U256 limbs = k.ToCanonical();
  return ScalarMulVar(std::span<const uint64_t>(limbs));
}

template <class Curve>
bool JacobianPoint<Curve>::Equals(const JacobianPoint& q) const {
  if (IsInfinity() || q.IsInfinity()) return IsInfinity() == q.IsInfinity();
  F z1z1 = z.Square(), z2z2 = q.z.Square();
  if (!(x * z2z2 == q.x * z1z1)) return false;
  return y * q.z * z2z2 == q.y * z * z1z1;
}

template <class Curve>
bool JacobianPoint<Curve>::Equals(const Affine& q) const {
  if (IsInfinity() || q.infinity) return IsInfinity() == q.infinity;
  F z1z1 = z.Square();
  return x == q.x * z1z1 && y == q.y * z1z1 * z;
}

template <class Curve>
void BatchToAffine(std::span<const JacobianPoint<Curve>> points,
                   std::span<AffinePoint<Curve>> out) {
  using F = typename Curve::Field;
  std::vector<F> z_inv(points.size());
  for (size_t i = 0; i < points.size(); ++i) z_inv[i] = points[i].z;
  BatchInverseVar(std::span<F>(z_inv));  // zeros (infinity) stay zero
  for (size_t i = 0; i < points.size(); ++i) {
    if (points[i].IsInfinity()) {
      out[i] = AffinePoint<Curve>::Infinity();
      continue;
    }
    F zi2 = z_inv[i].Square();
    out[i] = AffinePoint<Curve>::FromXY(points[i].x * zi2, points[i].y * zi2 * z_inv[i]);
  }
}

template struct AffinePoint<G1Curve>;
template struct AffinePoint<G2Curve>;
template struct JacobianPoint<G1Curve>;
template struct JacobianPoint<G2Curve>;
template void BatchToAffine<G1Curve>(std::span<const G1>, std::span<G1Affine>);
template void BatchToAffine<G2Curve>(std::span<const G2>, std::span<G2Affine>);

G2Affine FrobeniusTwist(const G2Affine& q) {
  if (q.infinity) return q;
  return G2Affine::FromXY(q.x.Conjugate() * FrobeniusCoefficient(2),
                          q.y.Conjugate() * FrobeniusCoefficient(3));
}

G2 FrobeniusTwist(const G2& q) {
  // On (X/Z^2, Y/Z^3) the conjugation goes through Z; the constants stay on X and Y.
  return {q.x.Conjugate() * FrobeniusCoefficient(2), q.y.Conjugate() * FrobeniusCoefficient(3),
          q.z.Conjugate()};
}

bool IsInSubgroupVar(const G2Affine& q) {
  if (q.infinity) return true;
  // 6x^2 with x = 4965661367192848881, the BN parameter.
  constexpr uint64_t kX = 4965661367192848881ULL;
  constexpr uint128 kSixXSquared = static_cast<uint128>(kX) * kX * 6;
  const uint64_t k[2] = {static_cast<uint64_t>(kSixXSquared),
                         static_cast<uint64_t>(kSixXSquared >> 64)};
  G2 p = G2::FromAffine(q);
  return FrobeniusTwist(p) == p.ScalarMulVar(k);
}

namespace {

bool AllZero(std::span<const uint8_t> bytes) {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

template <size_t N>
std::span<const uint8_t, 32> Word(std::span<const uint8_t, N> bytes, size_t i) {
  return bytes.subspan(32 * i).template first<32>();
}

}  // namespace

std::optional<G1Affine> DecodeG1(std::span<const uint8_t, 64> bytes) {
  if (AllZero(bytes)) return G1Affine::Infinity();
  auto x = Fp::FromBytesBE(Word(bytes, 0));
  auto y = Fp::FromBytesBE(Word(bytes, 1));
  if (!x || !y) return std::nullopt;
  G1Affine p = G1Affine::FromXY(*x, *y);
  if (!p.IsOnCurve()) return std::nullopt;
  return p;
}

std::optional<G2Affine> DecodeG2(std::span<const uint8_t, 128> bytes) {
  if (AllZero(bytes)) return G2Affine::Infinity();
  auto x1 = Fp::FromBytesBE(Word(bytes, 0));
  auto x0 = Fp::FromBytesBE(Word(bytes, 1));
  auto y1 = Fp::FromBytesBE(Word(bytes, 2));
  auto y0 = Fp::FromBytesBE(Word(bytes, 3));
  if (!x0 || !x1 || !y0 || !y1) return std::nullopt;
  G2Affine q = G2Affine::FromXY({*x0, *x1}, {*y0, *y1});
  if (!q.IsOnCurve() || !IsInSubgroupVar(q)) return std::nullopt;
  return q;
}

void EncodeG1(const G1Affine& p, std::span<uint8_t, 64> out) {
  if (p.infinity) {
    std::fill(out.begin(), out.end(), uint8_t{0});
    return;
  }
  p.x.ToBytesBE(out.subspan<0, 32>());
  p.y.ToBytesBE(out.subspan<32, 32>());
}

void EncodeG2(const G2Affine& p, std::span<uint8_t, 128> out) {
  if (p.infinity) {
    std::fill(out.begin(), out.end(), uint8_t{0});
    return;
  }
  p.x.c1.ToBytesBE(out.subspan<0, 32>());
  p.x.c0.ToBytesBE(out.subspan<32, 32>());
  p.y.c1.ToBytesBE(out.subspan<64, 32>());
  p.y.c0.ToBytesBE(out.subspan<96, 32>());
}

}  // namespace chainaccel::bn254
