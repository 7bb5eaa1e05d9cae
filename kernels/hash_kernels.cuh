// The __global__ hashing kernels: one thread per message, digest i to digests[32i, 32i+32).
//
// Launched only through kernels/hash_launch.h, which checks the arguments and chooses the
// kernel and the geometry. Consecutive threads hash consecutive messages, so the loads of
// a warp walk one contiguous range: for a fixed item size of 32 or 64 bytes each thread
// reads its message with 16-byte loads (LDG.E.128), and the two or four loads of a warp
// together cover every byte of every 32-byte sector they touch. Digests leave as two
// 16-byte stores per thread where the output is 16-byte aligned.
#pragma once

#include <cstdint>

#include "core/task.h"
#include "kernels/keccak256.cuh"
#include "kernels/sha256.cuh"

namespace chainaccel::kernels {

// 256 threads: 8 warps a block. __launch_bounds__ asks for at least two blocks an SM,
// which caps a thread at 128 registers (65536 / 512); the kernels fit without spilling
// (kernels/NOTES.md has the -Xptxas -v report). At least 16 warps an SM, 4 per scheduler,
// keep the integer ALU pipe busy (97-98 % of its peak in ncu): the rounds have plenty of
// independent instructions. Blocks of 128 threads measured the same (kernels/NOTES.md).
inline constexpr int kHashThreadsPerBlock = 256;
inline constexpr int kHashMinBlocksPerSm = 2;

// Writes the eight digest words (in memory order) to out.
__device__ __forceinline__ void StoreDigest(const uint32_t words[8], uint8_t* out,
                                            bool out_aligned16) {
  if (out_aligned16) {
    uint4* v = reinterpret_cast<uint4*>(out);
    v[0] = make_uint4(words[0], words[1], words[2], words[3]);
    v[1] = make_uint4(words[4], words[5], words[6], words[7]);
  } else {
#pragma unroll
    for (int i = 0; i < 32; ++i) out[i] = static_cast<uint8_t>(words[i / 4] >> (8 * (i % 4)));
  }
}

// Hashes p[0, len) with kAlgorithm into out[0, 32). kAlign as in the round headers.
template <HashAlgorithm kAlgorithm, int kAlign>
__device__ __forceinline__ void HashMessageOnDevice(const uint8_t* p, uint64_t len,
                                                    uint8_t* out, bool out_aligned16) {
  uint32_t words[8];
  if constexpr (kAlgorithm == HashAlgorithm::kKeccak256) {
    uint64_t lanes[4];
    Keccak256Message<kAlign>(p, len, lanes);
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      words[2 * i] = static_cast<uint32_t>(lanes[i]);
      words[2 * i + 1] = static_cast<uint32_t>(lanes[i] >> 32);
    }
  } else {
    uint32_t digest[8];
    if constexpr (kAlgorithm == HashAlgorithm::kSha256) {
      Sha256Message<kAlign>(p, len, digest);
    } else {
      static_assert(kAlgorithm == HashAlgorithm::kSha256d);
      Sha256dMessage<kAlign>(p, len, digest);
    }
#pragma unroll
    for (int i = 0; i < 8; ++i) words[i] = ByteSwap32(digest[i]);
  }
  StoreDigest(words, out, out_aligned16);
}

// Fixed layout: message i is data[i * item_size, (i + 1) * item_size).
// kItemSize > 0: item_size == kItemSize, a multiple of 16, and data is 16-byte aligned, so
// every message is; kItemSize == 0: item_size is read at run time and any alignment goes.
// The launcher instantiates 32 (transaction ids, leaves) and 64 (a pair of hashes, as in
// every Merkle level): a compile-time length makes the padding blocks constants, worth
// 38 % for SHA-256 of 64-byte messages (kernels/NOTES.md).
template <HashAlgorithm kAlgorithm, uint32_t kItemSize>
__global__ void __launch_bounds__(kHashThreadsPerBlock, kHashMinBlocksPerSm)
    HashFixedKernel(const uint8_t* __restrict__ data, uint64_t item_size, uint64_t count,
                    uint8_t* __restrict__ digests) {
  static_assert(kItemSize % 16 == 0, "a specialized item size keeps messages 16-aligned");
  const uint64_t i = uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (i >= count) return;
  const bool out_aligned16 = (reinterpret_cast<uintptr_t>(digests) & 15) == 0;
  if constexpr (kItemSize > 0) {
    HashMessageOnDevice<kAlgorithm, 16>(data + i * kItemSize, kItemSize, digests + 32 * i,
                                        out_aligned16);
  } else {
    HashMessageOnDevice<kAlgorithm, 1>(data + i * item_size, item_size, digests + 32 * i,
                                       out_aligned16);
  }
}

// Variable layout: message i is data[offsets[i], offsets[i + 1]).
template <HashAlgorithm kAlgorithm>
__global__ void __launch_bounds__(kHashThreadsPerBlock, kHashMinBlocksPerSm)
    HashVariableKernel(const uint8_t* __restrict__ data,
                       const uint64_t* __restrict__ offsets, uint64_t count,
                       uint8_t* __restrict__ digests) {
  const uint64_t i = uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (i >= count) return;
  const uint64_t begin = offsets[i];
  const uint64_t end = offsets[i + 1];
  const bool out_aligned16 = (reinterpret_cast<uintptr_t>(digests) & 15) == 0;
  HashMessageOnDevice<kAlgorithm, 1>(data + begin, end - begin, digests + 32 * i,
                                     out_aligned16);
}

}  // namespace chainaccel::kernels
