// The parent-node hashes of the three Merkle schemes (docs/merkle.md) for host and device.
//
// A node is handled as its memory image: eight 32-bit words, word i holding bytes
// 4i .. 4i+3 of the 32-byte node in little-endian order (what a 16-byte load of the node
// gives on the GPU and a memcpy gives on the host). Each function maps the images of two
// children to the image of their parent, so that a level kernel loads 64 bytes and stores
// 32 without touching individual bytes.
//
// Costs (the kernels are bound by the integer pipe, kernels/NOTES.md): BITCOIN is three
// SHA-256 compressions (the 64-byte pair, its constant padding block, the second hash of
// SHA-256d), RFC6962 two (65 bytes: the 0x01 prefix pushes the pair into a second block),
// OZ_KECCAK_SORTED one Keccak-f[1600] permutation (64 bytes fit one 136-byte block).
// All functions are pure; kernels/merkle_launch_test.cc runs them on the CPU against the
// CPU engine's node hashes.
#pragma once

#include <cstdint>

#include "kernels/bits.cuh"
#include "kernels/keccak256.cuh"
#include "kernels/sha256.cuh"

namespace chainaccel::kernels {

// The node at p as its memory image. REQUIRES: p is 16-byte aligned.
CHAINACCEL_HD void LoadNode(const uint8_t* p, uint32_t node[8]) {
  Load128(p, node);
  Load128(p + 16, node + 4);
}

// Stores the image `node` at p. REQUIRES: p is 16-byte aligned.
CHAINACCEL_HD void StoreNode(const uint32_t node[8], uint8_t* p) {
#if defined(__CUDA_ARCH__)
  uint4* v = reinterpret_cast<uint4*>(p);
  v[0] = make_uint4(node[0], node[1], node[2], node[3]);
  v[1] = make_uint4(node[4], node[5], node[6], node[7]);
#else
  std::memcpy(p, node, 32);
#endif
}

// The image of a SHA-256 digest given as its state words H0..H7 (each big-endian in
// memory).
CHAINACCEL_HD void Sha256DigestImage(const uint32_t digest[8], uint32_t node[8]) {
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) node[i] = ByteSwap32(digest[i]);
}

// left || right as the 16 big-endian words SHA-256 reads.
CHAINACCEL_HD void PairBigEndianWords(const uint32_t left[8], const uint32_t right[8],
                                      uint32_t words[16]) {
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) {
    words[i] = ByteSwap32(left[i]);
    words[8 + i] = ByteSwap32(right[i]);
  }
}

// BITCOIN: SHA256(SHA256(left || right)).
CHAINACCEL_HD void BitcoinParent(const uint32_t left[8], const uint32_t right[8],
                                 uint32_t parent[8]) {
  uint32_t w[16];
  PairBigEndianWords(left, right, w);
  uint32_t first[8];
  Sha256Init(first);
  Sha256Compress(first, w);
  // The padding block of a 64-byte message: 0x80, zeros, the bit length 512.
  w[0] = 0x80000000u;
  CHAINACCEL_UNROLL
  for (int i = 1; i < 15; ++i) w[i] = 0;
  w[15] = 512;
  Sha256Compress(first, w);
  uint32_t second[8];
  Sha256Of32(first, second);
  Sha256DigestImage(second, parent);
}

// RFC6962: SHA256(0x01 || left || right), 65 bytes in two blocks. In big-endian words s
// of left || right, the prefix byte shifts every word right by 8 bits: block one is
// 0x01 s0[0..2], then s[i-1][3] s[i][0..2]; block two is s15[3], 0x80, zeros and the bit
// length 520.
CHAINACCEL_HD void Rfc6962Parent(const uint32_t left[8], const uint32_t right[8],
                                 uint32_t parent[8]) {
  uint32_t s[16];
  PairBigEndianWords(left, right, s);
  uint32_t w[16];
  w[0] = 0x01000000u | s[0] >> 8;
  CHAINACCEL_UNROLL
  for (int i = 1; i < 16; ++i) w[i] = s[i - 1] << 24 | s[i] >> 8;
  uint32_t digest[8];
  Sha256Init(digest);
  Sha256Compress(digest, w);
  w[0] = s[15] << 24 | 0x00800000u;
  CHAINACCEL_UNROLL
  for (int i = 1; i < 15; ++i) w[i] = 0;
  w[15] = 65 * 8;
  Sha256Compress(digest, w);
  Sha256DigestImage(digest, parent);
}

// Whether node a sorts before node b, comparing bytes in order (their big-endian words).
CHAINACCEL_HD bool NodeLess(const uint32_t a[8], const uint32_t b[8]) {
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) {
    const uint32_t x = ByteSwap32(a[i]);
    const uint32_t y = ByteSwap32(b[i]);
    if (x != y) return x < y;
  }
  return false;
}

// OZ_KECCAK_SORTED (OpenZeppelin's hashPair): keccak256(min(a, b) || max(a, b)), the 64
// bytes as the lanes of one block (Keccak256Of64).
CHAINACCEL_HD void OzParent(const uint32_t a[8], const uint32_t b[8], uint32_t parent[8]) {
  const bool swap = NodeLess(b, a);
  uint64_t state[8];
  CHAINACCEL_UNROLL
  for (int i = 0; i < 4; ++i) {
    const uint32_t lo0 = swap ? b[2 * i] : a[2 * i];
    const uint32_t lo1 = swap ? b[2 * i + 1] : a[2 * i + 1];
    const uint32_t hi0 = swap ? a[2 * i] : b[2 * i];
    const uint32_t hi1 = swap ? a[2 * i + 1] : b[2 * i + 1];
    state[i] = static_cast<uint64_t>(lo1) << 32 | lo0;
    state[4 + i] = static_cast<uint64_t>(hi1) << 32 | hi0;
  }
  uint64_t digest[4];
  Keccak256Of64(state, digest);
  CHAINACCEL_UNROLL
  for (int i = 0; i < 4; ++i) {
    parent[2 * i] = static_cast<uint32_t>(digest[i]);
    parent[2 * i + 1] = static_cast<uint32_t>(digest[i] >> 32);
  }
}

}  // namespace chainaccel::kernels
