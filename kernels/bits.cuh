// Bit operations and byte loads shared by the hash round functions, for host and device.
//
// Every function here compiles three ways: as CUDA device code (where it uses the
// intrinsics named below), as the host side of a .cu file, and as plain C++ (g++), so
// that a CPU-only test runs the same hashing code the kernels run. Only the branches under
// __CUDA_ARCH__ differ between host and device, and each of those has a portable twin.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/host_device.h"

namespace chainaccel::kernels {

// x rotated right by n bits. REQUIRES: 0 < n < 32 (a compile-time constant in practice).
CHAINACCEL_HD uint32_t Rotr32(uint32_t x, unsigned n) {
#if defined(__CUDA_ARCH__)
  return __funnelshift_r(x, x, n);  // one SHF.R.W
#else
  return (x >> n) | (x << (32 - n));
#endif
}

// x rotated left by n bits, 0 <= n < 64. On the device a 64-bit value lives in two
// 32-bit registers; a rotate is two funnel shifts (SHF.L.W), none when n is 0 or 32.
CHAINACCEL_HD uint64_t Rotl64(uint64_t x, unsigned n) {
#if defined(__CUDA_ARCH__)
  uint32_t lo = static_cast<uint32_t>(x);
  uint32_t hi = static_cast<uint32_t>(x >> 32);
  if (n >= 32) {
    const uint32_t t = lo;
    lo = hi;
    hi = t;
    n -= 32;
  }
  if (n == 0) return static_cast<uint64_t>(hi) << 32 | lo;
  const uint32_t new_hi = __funnelshift_l(lo, hi, n);
  const uint32_t new_lo = __funnelshift_l(hi, lo, n);
  return static_cast<uint64_t>(new_hi) << 32 | new_lo;
#else
  return n == 0 ? x : (x << n) | (x >> (64 - n));
#endif
}

// Three-input XOR, one LOP3 per 32-bit half on the device. Written out because the
// compiler, left alone, computes Keccak's θ term D[x] = C[x-1] ^ rot(C[x+1]) once and
// XORs it into five lanes (60 LOP3 a round) instead of one three-input XOR a lane (50).
CHAINACCEL_HD uint64_t Xor3(uint64_t a, uint64_t b, uint64_t c) {
#if defined(__CUDA_ARCH__)
  uint32_t lo, hi;
  asm("lop3.b32 %0, %1, %2, %3, 0x96;"
      : "=r"(lo)
      : "r"(static_cast<uint32_t>(a)), "r"(static_cast<uint32_t>(b)),
        "r"(static_cast<uint32_t>(c)));
  asm("lop3.b32 %0, %1, %2, %3, 0x96;"
      : "=r"(hi)
      : "r"(static_cast<uint32_t>(a >> 32)), "r"(static_cast<uint32_t>(b >> 32)),
        "r"(static_cast<uint32_t>(c >> 32)));
  return static_cast<uint64_t>(hi) << 32 | lo;
#else
  return a ^ b ^ c;
#endif
}

CHAINACCEL_HD uint32_t ByteSwap32(uint32_t x) {
#if defined(__CUDA_ARCH__)
  return __byte_perm(x, 0, 0x0123);  // one PRMT
#else
  return __builtin_bswap32(x);
#endif
}

// The big-endian 32-bit word at p, any alignment (byte loads on the device).
CHAINACCEL_HD uint32_t LoadBe32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

// The big-endian 32-bit word at p. REQUIRES: p is 4-byte aligned.
CHAINACCEL_HD uint32_t LoadBe32Aligned(const uint8_t* p) {
#if defined(__CUDA_ARCH__)
  return ByteSwap32(__ldg(reinterpret_cast<const uint32_t*>(p)));
#else
  uint32_t w;
  std::memcpy(&w, p, 4);
  return ByteSwap32(w);
#endif
}

// The little-endian 64-bit word at p, any alignment.
CHAINACCEL_HD uint64_t LoadLe64(const uint8_t* p) {
  uint64_t v = 0;
  for (int k = 7; k >= 0; --k) v = v << 8 | p[k];
  return v;
}

// The little-endian 64-bit word at p. REQUIRES: p is 8-byte aligned.
CHAINACCEL_HD uint64_t LoadLe64Aligned(const uint8_t* p) {
#if defined(__CUDA_ARCH__)
  return __ldg(reinterpret_cast<const unsigned long long*>(p));
#else
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // the hosts we build for are little-endian, as are NVIDIA GPUs
#endif
}

// Four consecutive 32-bit words at p, as stored. REQUIRES: p is 16-byte aligned.
// On the device one 16-byte load (LDG.E.128).
CHAINACCEL_HD void Load128(const uint8_t* p, uint32_t out[4]) {
#if defined(__CUDA_ARCH__)
  const uint4 v = __ldg(reinterpret_cast<const uint4*>(p));
  out[0] = v.x;
  out[1] = v.y;
  out[2] = v.z;
  out[3] = v.w;
#else
  std::memcpy(out, p, 16);
#endif
}

}  // namespace chainaccel::kernels
