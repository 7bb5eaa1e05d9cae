// How a signature kernel lays its items on threads (kernels/ecdsa_launch.h,
// kernels/bip340_launch.h, kernels/ed25519_launch.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace chainaccel::kernels {

enum class SignatureLayout : uint8_t {
  // kSplitQuad for Ed25519 batches of at most kQuadLayoutMaxItems items, kSplit for
  // secp256k1 batches of at most kSplitLayoutMaxItems (their quads measured no faster),
  // else kThreadPerItem.
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

// The largest Ed25519 batch that kAuto gives the quad layout. On the H100 (2026-12-06,
// kernel-only, kernels/NOTES.md "Called point operations") the quad kernel took 0.88 /
// 1.22 / 2.63 / 5.53 ms for 4,096 / 8,192 / 16,384 / 32,768 items against one thread a
// signature's 2.63 / 2.66 / 2.78 / 5.52: up to ~16,000 items the quads still fit the
// GPU at once; past that the two take as long and one thread does less work.
inline constexpr size_t kQuadLayoutMaxItems = 16384;

// Whether the secp256k1 kernels split a batch of `count` items (kSplit or kSplitQuad).
constexpr bool UsesSplitLayout(SignatureLayout layout, size_t count) {
  return layout == SignatureLayout::kSplit || layout == SignatureLayout::kSplitQuad ||
         (layout == SignatureLayout::kAuto && count <= kSplitLayoutMaxItems);
}

// Whether the Ed25519 kernel runs a batch of `count` items on quads (kSplitQuad, or kAuto
// up to kQuadLayoutMaxItems); kSplit is its three-thread split without quads.
constexpr bool UsesQuadLayout(SignatureLayout layout, size_t count) {
  return layout == SignatureLayout::kSplitQuad ||
         (layout == SignatureLayout::kAuto && count <= kQuadLayoutMaxItems);
}

}  // namespace chainaccel::kernels
