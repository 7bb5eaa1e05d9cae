#include "crypto/bn254/field.h"

namespace chainaccel::bn254 {
namespace {

U256 LimbsFromLE(std::span<const uint8_t, 32> bytes) {
  U256 v{};
  for (int i = 0; i < 32; ++i) v[i / 8] |= static_cast<uint64_t>(bytes[i]) << (8 * (i % 8));
  return v;
}

void LimbsToLE(const U256& v, std::span<uint8_t, 32> out) {
  for (int i = 0; i < 32; ++i) out[i] = static_cast<uint8_t>(v[i / 8] >> (8 * (i % 8)));
}

U256 LimbsFromBE(std::span<const uint8_t, 32> bytes) {
  U256 v{};
  for (int i = 0; i < 32; ++i) v[(31 - i) / 8] |= static_cast<uint64_t>(bytes[i]) << (8 * ((31 - i) % 8));
  return v;
}

// x -> x / 2 mod m, for x < m.
void HalveMod(U256& x, const U256& m) {
  if (x[0] & 1) {
    uint64_t carry = bigint::AddTo(x, m);
    bigint::ShiftRight1(x, carry);
  } else {
    bigint::ShiftRight1(x);
  }
}

// x -> x - y mod m, for x, y < m.
void SubMod(U256& x, const U256& y, const U256& m) {
  if (bigint::SubFrom(x, y) != 0) bigint::AddTo(x, m);
}

constexpr U256 kOne{1, 0, 0, 0};

}  // namespace

template <class P>
std::optional<MontgomeryField<P>> MontgomeryField<P>::FromBytesLE(
    std::span<const uint8_t, kBytes> bytes) {
  return FromCanonical(LimbsFromLE(bytes));
}

template <class P>
std::optional<MontgomeryField<P>> MontgomeryField<P>::FromBytesBE(
    std::span<const uint8_t, kBytes> bytes) {
  return FromCanonical(LimbsFromBE(bytes));
}

template <class P>
std::optional<MontgomeryField<P>> MontgomeryField<P>::FromMontgomeryBytesLE(
    std::span<const uint8_t, kBytes> bytes) {
  return FromRawMontgomery(LimbsFromLE(bytes));
}

template <class P>
void MontgomeryField<P>::ToBytesLE(std::span<uint8_t, kBytes> out) const {
  LimbsToLE(ToCanonical(), out);
}

template <class P>
void MontgomeryField<P>::ToBytesBE(std::span<uint8_t, kBytes> out) const {
  uint8_t le[32];
  LimbsToLE(ToCanonical(), le);
  for (int i = 0; i < 32; ++i) out[i] = le[31 - i];
}

template <class P>
void MontgomeryField<P>::ToMontgomeryBytesLE(std::span<uint8_t, kBytes> out) const {
  LimbsToLE(v_, out);
}

template <class P>
MontgomeryField<P> MontgomeryField<P>::PowVar(std::span<const uint64_t> exponent) const {
  MontgomeryField result = One();
  for (size_t i = exponent.size(); i-- > 0;) {
    for (int bit = 63; bit >= 0; --bit) {
      result = result.Square();
      if ((exponent[i] >> bit) & 1) result *= *this;
    }
  }
  return result;
}

template <class P>
MontgomeryField<P> MontgomeryField<P>::InverseVar() const {
  if (IsZero()) return Zero();
  // Invariants: x1·(a·R) ≡ u and x2·(a·R) ≡ w (mod m); gcd(u, w) = gcd(a·R, m) = 1.
  U256 u = v_, w = kModulus, x1 = kOne, x2{};
  while (u != kOne && w != kOne) {
    while ((u[0] & 1) == 0) {
      bigint::ShiftRight1(u);
      HalveMod(x1, kModulus);
    }
    while ((w[0] & 1) == 0) {
      bigint::ShiftRight1(w);
      HalveMod(x2, kModulus);
    }
    if (bigint::Compare(u, w) >= 0) {
      bigint::SubFrom(u, w);
      SubMod(x1, x2, kModulus);
    } else {
      bigint::SubFrom(w, u);
      SubMod(x2, x1, kModulus);
    }
  }
  // (a·R)^-1 as an integer; times R^3 in Montgomery multiplication gives a^-1·R.
  return FromRawUnchecked(Mul(u == kOne ? x1 : x2, kR3));
}

template <class P>
bool MontgomeryField<P>::IsSquareVar() const {
  if (IsZero()) return true;
  U256 e = kModulus;
  bigint::ShiftRight1(e);  // (m - 1) / 2, m odd
  return PowVar(e).IsOne();
}

template <class P>
std::optional<MontgomeryField<P>> MontgomeryField<P>::SqrtVar() const {
  if (IsZero()) return Zero();
  if (!IsSquareVar()) return std::nullopt;
  if ((kModulus[0] & 3) == 3) {
    U256 e = kModulus;
    bigint::AddTo(e, kOne);
    bigint::ShiftRight1(e);
    bigint::ShiftRight1(e);  // (m + 1) / 4
    return PowVar(e);
  }
  // Tonelli-Shanks for m ≡ 1 (mod 4): m - 1 = 2^s·t.
  U256 t = kModulus;
  bigint::SubFrom(t, kOne);
  int s = 0;
  while ((t[0] & 1) == 0) {
    bigint::ShiftRight1(t);
    ++s;
  }
  MontgomeryField z = FromUint64(2);
  while (z.IsSquareVar()) z += One();
  MontgomeryField c = z.PowVar(t);
  U256 t_plus_1_half = t;
  bigint::AddTo(t_plus_1_half, kOne);
  bigint::ShiftRight1(t_plus_1_half);
  MontgomeryField x = PowVar(t_plus_1_half);
  MontgomeryField b = PowVar(t);
  int m = s;
  while (!b.IsOne()) {
    int i = 0;
    for (MontgomeryField b2 = b; !b2.IsOne(); b2 = b2.Square()) ++i;
    MontgomeryField g = c;
    for (int j = 0; j < m - i - 1; ++j) g = g.Square();
    x *= g;
    c = g.Square();
    b *= c;
    m = i;
  }
  return x;
}

template class MontgomeryField<FpParams>;
template class MontgomeryField<FrParams>;

Fr FrNonResidue() { return Fr::FromUint64(5); }

Fr FrRootOfUnity(int log_n) {
  // 5^t mod r with r - 1 = 2^28·t, computed with Python's pow(5, t, r) and checked in
  // field_test.cc (it is 5^t, and its order is exactly 2^28).
  static const Fr kRoot28 = Fr::FromCanonicalUnchecked(bigint::Dec(
      "19103219067921713944291392827692070036145651957329286315305642004821462161904"));
  Fr w = kRoot28;
  for (int i = kFrTwoAdicity; i > log_n; --i) w = w.Square();
  return w;
}

Fr FrCosetShift() { return Fr::FromUint64(25); }

}  // namespace chainaccel::bn254
