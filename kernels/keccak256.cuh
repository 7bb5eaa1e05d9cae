// Keccak-256 (Keccak-f[1600] of FIPS 202 with the original 0x01 padding: Ethereum's
// keccak256, not SHA3-256) for host and device.
//
// The state is 25 64-bit lanes, A[x + 5y]. On the device each lane is a pair of 32-bit
// registers: XORs and the χ step are one LOP3 per half, a rotate is two funnel shifts.
// The 24 rounds are fully unrolled, so round constants are immediates, the zero lanes of
// a short message's only block fold away in round 0, and the last round computes only
// the four lanes the digest reads (the compiler drops the rest as dead code).
//
// A bit-interleaved (2×32) layout would turn θ's five 1-bit rotates into one funnel shift
// each instead of two, saving 5 of about 180 instructions a round, but costs a bit
// permutation of every lane absorbed and squeezed; on a GPU with funnel shifts it does
// not pay for a message of one or two blocks.
#pragma once

#include <cstdint>

#include "kernels/bits.cuh"

namespace chainaccel::kernels {

inline constexpr int kKeccak256Rate = 136;  // bytes: (1600 - 2 * 256) / 8

// RC[i] of FIPS 202 §3.2.5 (kernels/keccak256_test.cc derives them again from rc(t)).
CHAINACCEL_HD constexpr uint64_t KeccakRoundConstant(int round) {
  constexpr uint64_t rc[24] = {
      0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
      0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
      0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
      0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
      0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
      0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008};
  return rc[round];
}

// The ρ offset of lane x + 5y (FIPS 202 §3.2.2, Table 2).
CHAINACCEL_HD constexpr unsigned KeccakRhoOffset(int lane) {
  constexpr unsigned r[25] = {0,  1,  62, 28, 27, 36, 44, 6,  55, 20, 3,  10, 43,
                              25, 39, 41, 45, 15, 21, 8,  18, 2,  61, 56, 14};
  return r[lane];
}

// Keccak-f[1600] (FIPS 202 §3.3, 24 rounds of θ, ρ, π, χ, ι) on the state a.
CHAINACCEL_HD void KeccakF1600(uint64_t a[25]) {
  CHAINACCEL_UNROLL
  for (int round = 0; round < 24; ++round) {
    // θ: each lane takes the parity of two neighbouring columns, in one three-input XOR.
    uint64_t c[5];
    CHAINACCEL_UNROLL
    for (int x = 0; x < 5; ++x) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
    CHAINACCEL_UNROLL
    for (int x = 0; x < 5; ++x) {
      const uint64_t left = c[(x + 4) % 5];
      const uint64_t right = Rotl64(c[(x + 1) % 5], 1);
      CHAINACCEL_UNROLL
      for (int y = 0; y < 25; y += 5) a[x + y] = Xor3(a[x + y], left, right);
    }
    // ρ and π: lane (x, y) rotated by its offset moves to (y, 2x + 3y).
    uint64_t b[25];
    CHAINACCEL_UNROLL
    for (int x = 0; x < 5; ++x) {
      CHAINACCEL_UNROLL
      for (int y = 0; y < 5; ++y) {
        b[y + 5 * ((2 * x + 3 * y) % 5)] = Rotl64(a[x + 5 * y], KeccakRhoOffset(x + 5 * y));
      }
    }
    // χ: a = b ^ (~b[x+1] & b[x+2]) along each row; one LOP3 per 32-bit half.
    CHAINACCEL_UNROLL
    for (int y = 0; y < 25; y += 5) {
      CHAINACCEL_UNROLL
      for (int x = 0; x < 5; ++x) {
        a[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] & b[y + (x + 2) % 5]);
      }
    }
    // ι
    a[0] ^= KeccakRoundConstant(round);
  }
}

// Blocks absorbed for a `len`-byte message: the pad10*1 padding always adds one block's
// worth of at most kKeccak256Rate bytes, so there is one more block than full ones.
CHAINACCEL_HD constexpr uint64_t Keccak256BlockCount(uint64_t len) {
  return len / kKeccak256Rate + 1;
}

// XORs block `start / 136` of the padded message p[0, len) into the first 17 lanes of a.
// Padding (original Keccak): 0x01 after the message, 0x80 into the block's last byte.
// kAlign: what the caller promises about p's alignment, 16 or 1 (none: the loader checks
// for 8-byte alignment at run time and falls back to byte loads). Blocks are 136 bytes,
// so every block of an 8-aligned message is 8-aligned.
// REQUIRES: start % 136 == 0, start < 136 * Keccak256BlockCount(len).
template <int kAlign>
CHAINACCEL_HD void Keccak256AbsorbPaddedBlock(const uint8_t* p, uint64_t len,
                                              uint64_t start, uint64_t a[25]) {
  static_assert(kAlign == 1 || kAlign == 16, "kAlign is 1 or 16");
  const bool aligned8 = kAlign == 16 || (reinterpret_cast<uintptr_t>(p) & 7) == 0;
  if (start + kKeccak256Rate <= len) {  // all message bytes
    const uint8_t* q = p + start;
    if (aligned8) {
      CHAINACCEL_UNROLL
      for (int j = 0; j < 17; ++j) a[j] ^= LoadLe64Aligned(q + 8 * j);
    } else {
      CHAINACCEL_UNROLL
      for (int j = 0; j < 17; ++j) a[j] ^= LoadLe64(q + 8 * j);
    }
    return;
  }
  // The last block: the message's remaining 0..135 bytes, 0x01, zeros, 0x80.
  CHAINACCEL_UNROLL
  for (int j = 0; j < 17; ++j) {
    const uint64_t off = start + 8 * j;
    uint64_t lane = 0;
    if (off + 8 <= len) {
      lane = aligned8 ? LoadLe64Aligned(p + off) : LoadLe64(p + off);
    } else if (off <= len) {
      const uint32_t tail = static_cast<uint32_t>(len - off);  // 0..7 message bytes
      lane = uint64_t{0x01} << (8 * tail);
      CHAINACCEL_UNROLL
      for (uint32_t k = 0; k < 7; ++k) {
        if (k < tail) lane |= static_cast<uint64_t>(p[off + k]) << (8 * k);
      }
    }
    if (j == 16) lane ^= uint64_t{0x80} << 56;
    a[j] ^= lane;
  }
}

// Keccak-256 of p[0, len) into digest: the first four lanes of the final state, whose
// little-endian bytes are the digest. The block loop holds one permutation; it unrolls
// only where `len` is a compile-time constant after inlining.
template <int kAlign>
CHAINACCEL_HD void Keccak256Message(const uint8_t* p, uint64_t len, uint64_t digest[4]) {
  uint64_t a[25];
  CHAINACCEL_UNROLL
  for (int i = 0; i < 25; ++i) a[i] = 0;
  const uint64_t blocks = Keccak256BlockCount(len);
  CHAINACCEL_UNROLL
  for (uint64_t b = 0; b < blocks; ++b) {
    Keccak256AbsorbPaddedBlock<kAlign>(p, len, kKeccak256Rate * b, a);
    KeccakF1600(a);
  }
  CHAINACCEL_UNROLL
  for (int i = 0; i < 4; ++i) digest[i] = a[i];
}

// Keccak-256 of a 64-byte message given as its eight little-endian lanes: one block, the
// original padding's 0x01 in byte 64 (lane 8) and 0x80 in byte 135 (the top of lane 16).
// For messages held in registers or local memory (a Merkle pair, a public key).
CHAINACCEL_HD void Keccak256Of64(const uint64_t message[8], uint64_t digest[4]) {
  uint64_t a[25];
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) a[i] = message[i];
  CHAINACCEL_UNROLL
  for (int i = 8; i < 25; ++i) a[i] = 0;
  a[8] = 0x01;
  a[16] = uint64_t{0x80} << 56;
  KeccakF1600(a);
  CHAINACCEL_UNROLL
  for (int i = 0; i < 4; ++i) digest[i] = a[i];
}

// The 32 digest bytes of the four lanes.
CHAINACCEL_HD void Keccak256DigestBytes(const uint64_t digest[4], uint8_t out[32]) {
  CHAINACCEL_UNROLL
  for (int i = 0; i < 32; ++i) out[i] = static_cast<uint8_t>(digest[i / 8] >> (8 * (i % 8)));
}

}  // namespace chainaccel::kernels
