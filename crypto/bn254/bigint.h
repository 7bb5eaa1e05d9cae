// 256-bit unsigned integers as four 64-bit limbs, least significant limb first: the
// representation under the BN254 fields (crypto/bn254/field.h) and of scalars.
//
// Every function here is constexpr; they compute the fields' constants at compile time,
// serve the slow paths (inversion, parsing) and, AddTo and SubFrom (fully unrolled,
// branch-free), the field's addition and subtraction. Compare, BitLength and the parsers
// branch on their inputs (variable-time).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace chainaccel::bn254 {

// Little-endian limbs: value = limb[0] + limb[1]·2^64 + limb[2]·2^128 + limb[3]·2^192.
using U256 = std::array<uint64_t, 4>;

using uint128 = unsigned __int128;

namespace bigint {

constexpr bool IsZero(const U256& a) { return (a[0] | a[1] | a[2] | a[3]) == 0; }

// -1, 0, 1 as a <, ==, > b.
constexpr int Compare(const U256& a, const U256& b) {
#pragma GCC unroll 4
  for (int i = 3; i >= 0; --i) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

// a + b; returns the carry out of the top limb.
constexpr uint64_t AddTo(U256& a, const U256& b) {
  uint64_t carry = 0;
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    uint128 t = static_cast<uint128>(a[i]) + b[i] + carry;
    a[i] = static_cast<uint64_t>(t);
    carry = static_cast<uint64_t>(t >> 64);
  }
  return carry;
}

// a - b; returns the borrow out of the top limb (1 when a < b).
constexpr uint64_t SubFrom(U256& a, const U256& b) {
  uint64_t borrow = 0;
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    uint128 t = static_cast<uint128>(a[i]) - b[i] - borrow;
    a[i] = static_cast<uint64_t>(t);
    borrow = static_cast<uint64_t>(t >> 64) & 1;
  }
  return borrow;
}

constexpr void ShiftRight1(U256& a, uint64_t top_bit = 0) {
#pragma GCC unroll 3
  for (int i = 0; i < 3; ++i) a[i] = (a[i] >> 1) | (a[i + 1] << 63);
  a[3] = (a[3] >> 1) | (top_bit << 63);
}

constexpr bool Bit(const U256& a, int i) { return (a[i / 64] >> (i % 64)) & 1; }

// Index of the highest set bit plus one (0 for zero).
// The 32 bytes of a, big-endian (the EIP-196 and snarkjs-public-signal byte order).
constexpr std::array<uint8_t, 32> ToBytesBE(const U256& a) {
  std::array<uint8_t, 32> out{};
  for (int i = 0; i < 32; ++i) out[31 - i] = static_cast<uint8_t>(a[i / 8] >> (8 * (i % 8)));
  return out;
}

constexpr int BitLength(const U256& a) {
  for (int i = 3; i >= 0; --i) {
    if (a[i] != 0) return 64 * i + 64 - __builtin_clzll(a[i]);
  }
  return 0;
}

// a · m + add, for small m; returns the limb carried out.
constexpr uint64_t MulSmallAdd(U256& a, uint64_t m, uint64_t add) {
  uint64_t carry = add;
  for (int i = 0; i < 4; ++i) {
    uint128 t = static_cast<uint128>(a[i]) * m + carry;
    a[i] = static_cast<uint64_t>(t);
    carry = static_cast<uint64_t>(t >> 64);
  }
  return carry;
}

// a / d for a small divisor; returns the remainder.
constexpr uint64_t DivSmall(U256& a, uint64_t d) {
  uint128 rem = 0;
  for (int i = 3; i >= 0; --i) {
    uint128 cur = (rem << 64) | a[i];
    a[i] = static_cast<uint64_t>(cur / d);
    rem = cur % d;
  }
  return static_cast<uint64_t>(rem);
}

// Parses decimal digits. Returns false on an empty string, a non-digit or overflow.
constexpr bool ParseDecimal(std::string_view text, U256* out) {
  U256 v{};
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    if (MulSmallAdd(v, 10, static_cast<uint64_t>(c - '0')) != 0) return false;
  }
  *out = v;
  return true;
}

// Parses big-endian hex (optional 0x, at most 64 digits, either case).
constexpr bool ParseHex(std::string_view text, U256* out) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
  }
  if (text.empty() || text.size() > 64) return false;
  U256 v{};
  for (char c : text) {
    uint64_t d = 0;
    if (c >= '0' && c <= '9') d = static_cast<uint64_t>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<uint64_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = static_cast<uint64_t>(c - 'A' + 10);
    else return false;
    MulSmallAdd(v, 16, d);
  }
  *out = v;
  return true;
}

// For constants written in the source: a bad literal fails compilation in a constant
// expression (the non-constexpr call below), and is a zero value otherwise.
inline void InvalidConstantLiteral() {}
constexpr U256 Dec(std::string_view text) {
  U256 v{};
  if (!ParseDecimal(text, &v)) InvalidConstantLiteral();
  return v;
}

}  // namespace bigint
}  // namespace chainaccel::bn254
