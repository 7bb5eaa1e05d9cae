// SHA-512 (FIPS 180-4) for host and device, over a message given as up to three byte
// segments (Ed25519 hashes R || A || M without copying them together).
//
// Sha512Compress is FIPS 180-4 §6.4.2 on 64-bit words, fully unrolled. Sha512Segments
// pads (§5.1.2: 0x80, zeros, the 128-bit bit length) and reads the bytes through a
// byte-at-a-time accessor: simple and fast enough for Ed25519's one to a few blocks per
// signature, where the scalar multiplication costs thousands of times more.
// All functions are pure; kernels/ed25519_test.cc runs them against libsodium.
#pragma once

#include <cstdint>

#include "kernels/host_device.h"

namespace chainaccel::kernels {

// K_t of FIPS 180-4 §4.2.3.
CHAINACCEL_HD constexpr uint64_t Sha512RoundConstant(int t) {
  constexpr uint64_t k[80] = {
      0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
      0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
      0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
      0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
      0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
      0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
      0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
      0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
      0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
      0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
      0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
      0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
      0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
      0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
      0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
      0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
      0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
      0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
      0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
      0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817};
  return k[t];
}

CHAINACCEL_HD uint64_t Rotr64(uint64_t x, unsigned n) { return (x >> n) | (x << (64 - n)); }

// One compression of `block` (16 big-endian 64-bit words) into `state`.
CHAINACCEL_HD void Sha512Compress(uint64_t state[8], const uint64_t block[16]) {
  uint64_t w[16];
  CHAINACCEL_UNROLL
  for (int i = 0; i < 16; ++i) w[i] = block[i];
  uint64_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint64_t e = state[4], f = state[5], g = state[6], h = state[7];
  CHAINACCEL_UNROLL
  for (int t = 0; t < 80; ++t) {
    if (t >= 16) {
      const uint64_t w15 = w[(t - 15) & 15];
      const uint64_t w2 = w[(t - 2) & 15];
      const uint64_t s0 = Rotr64(w15, 1) ^ Rotr64(w15, 8) ^ (w15 >> 7);
      const uint64_t s1 = Rotr64(w2, 19) ^ Rotr64(w2, 61) ^ (w2 >> 6);
      w[t & 15] += s0 + w[(t - 7) & 15] + s1;
    }
    const uint64_t big_s1 = Rotr64(e, 14) ^ Rotr64(e, 18) ^ Rotr64(e, 41);
    const uint64_t ch = (e & f) ^ (~e & g);
    const uint64_t t1 = h + big_s1 + ch + Sha512RoundConstant(t) + w[t & 15];
    const uint64_t big_s0 = Rotr64(a, 28) ^ Rotr64(a, 34) ^ Rotr64(a, 39);
    const uint64_t maj = (a & b) | (c & (a | b));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + big_s0 + maj;
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

// SHA-512 of s0[0, n0) || s1[0, n1) || s2[0, n2) into digest[64].
CHAINACCEL_HD void Sha512Segments(const uint8_t* s0, uint64_t n0, const uint8_t* s1, uint64_t n1,
                                  const uint8_t* s2, uint64_t n2, uint8_t digest[64]) {
  uint64_t state[8] = {0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b,
                       0xa54ff53a5f1d36f1, 0x510e527fade682d1, 0x9b05688c2b3e6c1f,
                       0x1f83d9abfb41bd6b, 0x5be0cd19137e2179};
  const uint64_t len = n0 + n1 + n2;
  const uint64_t blocks = (len + 17 + 127) / 128;  // 0x80 and the 16-byte length
  const auto byte_at = [&](uint64_t i) -> uint8_t {
    if (i < n0) return s0[i];
    i -= n0;
    if (i < n1) return s1[i];
    i -= n1;
    if (i < n2) return s2[i];
    return 0;
  };
  for (uint64_t b = 0; b < blocks; ++b) {
    uint64_t w[16];
    for (int j = 0; j < 16; ++j) {
      uint64_t word = 0;
      for (int k = 0; k < 8; ++k) {
        const uint64_t i = 128 * b + 8 * j + k;
        const uint8_t byte = i < len ? byte_at(i) : (i == len ? 0x80 : 0);
        word = word << 8 | byte;
      }
      w[j] = word;
    }
    if (b == blocks - 1) {  // the 128-bit bit length
      w[14] = len >> 61;
      w[15] = len << 3;
    }
    Sha512Compress(state, w);
  }
  for (int i = 0; i < 8; ++i) {
    for (int k = 0; k < 8; ++k) digest[8 * i + k] = static_cast<uint8_t>(state[i] >> (56 - 8 * k));
  }
}

}  // namespace chainaccel::kernels
