// SHA-256 and SHA-256d (FIPS 180-4) for host and device.
//
// Sha256Compress is the compression function of FIPS 180-4 §6.2.2 on 32-bit words, fully
// unrolled: on the device each Σ is three funnel-shift rotates (SHF.R.W) and one
// three-input XOR (LOP3), Ch and Maj are one LOP3 each, and the round constants are
// immediates. Sha256Message hashes a whole message with the padding of §5.1.1; given a
// compile-time length (a fixed-size kernel), its padding blocks fold into constants and
// the message schedule of an all-padding block is computed by the compiler, not the GPU.
//
// Digests are the eight state words H0..H7; the digest bytes are each word big-endian.
// All functions are pure; the host build (kernels/sha256_test.cc) runs the same code.
#pragma once

#include <cstdint>

#include "kernels/bits.cuh"

namespace chainaccel::kernels {

// K_t of FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of
// the first 64 primes (kernels/sha256_test.cc derives them again).
CHAINACCEL_HD constexpr uint32_t Sha256RoundConstant(int t) {
  constexpr uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
      0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
      0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
      0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
      0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
      0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
      0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
      0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
      0xc67178f2};
  return k[t];
}

// H(0)_i of FIPS 180-4 §5.3.3: the first 32 bits of the fractional parts of the square
// roots of the first 8 primes.
CHAINACCEL_HD constexpr uint32_t Sha256InitialHash(int i) {
  constexpr uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                             0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  return h[i];
}

CHAINACCEL_HD void Sha256Init(uint32_t state[8]) {
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) state[i] = Sha256InitialHash(i);
}

// One compression (FIPS 180-4 §6.2.2) of the block `block` (16 big-endian words) into
// `state`. The schedule W_16..W_63 lives in a rolling window of 16 registers.
CHAINACCEL_HD void Sha256Compress(uint32_t state[8], const uint32_t block[16]) {
  uint32_t w[16];
  CHAINACCEL_UNROLL
  for (int i = 0; i < 16; ++i) w[i] = block[i];
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
  CHAINACCEL_UNROLL
  for (int t = 0; t < 64; ++t) {
    if (t >= 16) {
      const uint32_t w15 = w[(t - 15) & 15];
      const uint32_t w2 = w[(t - 2) & 15];
      const uint32_t s0 = Rotr32(w15, 7) ^ Rotr32(w15, 18) ^ (w15 >> 3);
      const uint32_t s1 = Rotr32(w2, 17) ^ Rotr32(w2, 19) ^ (w2 >> 10);
      w[t & 15] += s0 + w[(t - 7) & 15] + s1;
    }
    const uint32_t big_s1 = Rotr32(e, 6) ^ Rotr32(e, 11) ^ Rotr32(e, 25);
    const uint32_t ch = (e & f) ^ (~e & g);
    const uint32_t t1 = h + big_s1 + ch + Sha256RoundConstant(t) + w[t & 15];
    const uint32_t big_s0 = Rotr32(a, 2) ^ Rotr32(a, 13) ^ Rotr32(a, 22);
    const uint32_t maj = (a & b) | (c & (a | b));
    const uint32_t t2 = big_s0 + maj;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

// Blocks of a `len`-byte message after padding (FIPS 180-4 §5.1.1: 0x80, zeros, and the
// 64-bit bit length, so that the total is a multiple of 64 bytes).
CHAINACCEL_HD constexpr uint64_t Sha256BlockCount(uint64_t len) { return (len + 72) / 64; }

// Block `start / 64` of the padded message `p[0, len)`, as 16 big-endian words.
// kAlign: what the caller promises about p's alignment, 16 or 1 (none: the loader checks
// for 4-byte alignment at run time and falls back to byte loads).
// REQUIRES: start % 64 == 0, start < 64 * Sha256BlockCount(len).
template <int kAlign>
CHAINACCEL_HD void Sha256PaddedBlock(const uint8_t* p, uint64_t len, uint64_t start,
                                     uint32_t w[16]) {
  static_assert(kAlign == 1 || kAlign == 16, "kAlign is 1 or 16");
  const uint8_t* q = p + start;
  const bool aligned4 = kAlign == 16 || (reinterpret_cast<uintptr_t>(p) & 3) == 0;
  if (start + 64 <= len) {  // all message bytes
    if constexpr (kAlign == 16) {
      CHAINACCEL_UNROLL
      for (int v = 0; v < 4; ++v) Load128(q + 16 * v, w + 4 * v);
      CHAINACCEL_UNROLL
      for (int j = 0; j < 16; ++j) w[j] = ByteSwap32(w[j]);
    } else if (aligned4) {
      CHAINACCEL_UNROLL
      for (int j = 0; j < 16; ++j) w[j] = LoadBe32Aligned(q + 4 * j);
    } else {
      CHAINACCEL_UNROLL
      for (int j = 0; j < 16; ++j) w[j] = LoadBe32(q + 4 * j);
    }
    return;
  }
  // The block holding the message's end, or one after it: bytes, then 0x80, then zeros.
  CHAINACCEL_UNROLL
  for (int j = 0; j < 16; ++j) {
    const uint64_t off = start + 4 * j;
    uint32_t word = 0;
    if (off + 4 <= len) {
      word = aligned4 ? LoadBe32Aligned(p + off) : LoadBe32(p + off);
    } else if (off <= len) {
      const uint32_t tail = static_cast<uint32_t>(len - off);  // 0..3 message bytes
      word = 0x80u << (8 * (3 - tail));
      CHAINACCEL_UNROLL
      for (uint32_t k = 0; k < 3; ++k) {
        if (k < tail) word |= static_cast<uint32_t>(p[off + k]) << (24 - 8 * k);
      }
    }
    w[j] = word;
  }
  if (start + 64 == 64 * Sha256BlockCount(len)) {  // the last block ends with the length
    w[14] = static_cast<uint32_t>(len >> 29);
    w[15] = static_cast<uint32_t>(len << 3);
  }
}

// SHA-256 of p[0, len) into digest (H0..H7). The block loop has one compression in its
// body; it is unrolled only where `len` is a compile-time constant after inlining.
template <int kAlign>
CHAINACCEL_HD void Sha256Message(const uint8_t* p, uint64_t len, uint32_t digest[8]) {
  Sha256Init(digest);
  const uint64_t blocks = Sha256BlockCount(len);
  CHAINACCEL_UNROLL
  for (uint64_t b = 0; b < blocks; ++b) {
    uint32_t w[16];
    Sha256PaddedBlock<kAlign>(p, len, 64 * b, w);
    Sha256Compress(digest, w);
  }
}

// SHA-256 of a 32-byte message given as 8 big-endian words (the second hash of SHA-256d):
// one block, whose padding words are constants.
CHAINACCEL_HD void Sha256Of32(const uint32_t message[8], uint32_t digest[8]) {
  uint32_t w[16];
  CHAINACCEL_UNROLL
  for (int j = 0; j < 8; ++j) w[j] = message[j];
  w[8] = 0x80000000u;
  CHAINACCEL_UNROLL
  for (int j = 9; j < 15; ++j) w[j] = 0;
  w[15] = 256;  // bit length
  Sha256Init(digest);
  Sha256Compress(digest, w);
}

// SHA256(SHA256(p[0, len))) into digest.
template <int kAlign>
CHAINACCEL_HD void Sha256dMessage(const uint8_t* p, uint64_t len, uint32_t digest[8]) {
  uint32_t first[8];
  Sha256Message<kAlign>(p, len, first);
  Sha256Of32(first, digest);
}

// The 32 digest bytes of the state words.
CHAINACCEL_HD void Sha256DigestBytes(const uint32_t digest[8], uint8_t out[32]) {
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) {
    out[4 * i] = static_cast<uint8_t>(digest[i] >> 24);
    out[4 * i + 1] = static_cast<uint8_t>(digest[i] >> 16);
    out[4 * i + 2] = static_cast<uint8_t>(digest[i] >> 8);
    out[4 * i + 3] = static_cast<uint8_t>(digest[i]);
  }
}

}  // namespace chainaccel::kernels
