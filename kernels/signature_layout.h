// How a signature kernel lays its items on threads (kernels/ecdsa_launch.h,
// kernels/bip340_launch.h, kernels/ed25519_launch.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace chainaccel::kernels {

enum class SignatureLayout : uint8_t {
  // kSplit for batches of at most kSplitLayoutMaxItems items, else kThreadPerItem.
  kAuto,
  // One thread a signature: the most signatures a second once the GPU is full.
  kThreadPerItem,
  // Three threads a signature, in three warps (kernels/split_verify.cuh): a batch that
  // leaves the GPU mostly idle finishes sooner, for more work in all.
  kSplit,
};

// The largest batch that kAuto splits: 3 threads an item and 12 warps an SM hold ~16,900
// items on 132 SMs in one wave; past that the one-thread layout's lower work wins.
inline constexpr size_t kSplitLayoutMaxItems = 4096;

constexpr bool UsesSplitLayout(SignatureLayout layout, size_t count) {
  return layout == SignatureLayout::kSplit ||
         (layout == SignatureLayout::kAuto && count <= kSplitLayoutMaxItems);
}

}  // namespace chainaccel::kernels
