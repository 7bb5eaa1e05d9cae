// How a signature kernel lays its items on threads (kernels/ecdsa_launch.h,
// kernels/bip340_launch.h, kernels/ed25519_launch.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace chainaccel::kernels {

enum class SignatureLayout : uint8_t {
  // For batches of at most kSplitLayoutMaxItems items kSplitQuad (Ed25519) or kSplit
  // (the secp256k1 schemes, whose quads measured no faster), else kThreadPerItem.
  kAuto,
  // One thread a signature: the most signatures a second once the GPU is full.
  kThreadPerItem,
  // Three threads a signature, in three warps (kernels/split_verify.cuh): a batch that
  // leaves the GPU mostly idle finishes sooner, for more work in all.
  kSplit,
  // kSplit with the long scalar multiplications on quads of lanes (kernels/quad_u256.cuh):
  // Ed25519's [k](-A) on four lanes (six warps for 32 items; 1,024 items in 0.81 ms
  // against kSplit's 2.36 on the H200), secp256k1's two halves on four lanes each (nine
  // warps; no faster than kSplit: kernels/NOTES.md, "Quads in the split kernels").
  kSplitQuad,
};

// The largest batch that kAuto splits: 3 threads an item and 12 warps an SM hold ~16,900
// items on 132 SMs in one wave; past that the one-thread layout's lower work wins.
inline constexpr size_t kSplitLayoutMaxItems = 4096;

constexpr bool UsesSplitLayout(SignatureLayout layout, size_t count) {
  return layout == SignatureLayout::kSplit || layout == SignatureLayout::kSplitQuad ||
         (layout == SignatureLayout::kAuto && count <= kSplitLayoutMaxItems);
}

}  // namespace chainaccel::kernels
