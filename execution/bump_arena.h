// BumpArena: one thread's allocator for arrays of trivially copyable items that all live
// until the next Reset (a block's read sets and write lists in Block-STM). Allocation is a
// pointer bump; Reset keeps the memory, so once its blocks have grown a thread allocates
// nothing from the heap, and nothing is freed item by item.
//
// Thread-safety: Copy and Reset are for the owning thread only; the arrays it hands out
// may be read by any thread until the next Reset.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

namespace chainaccel::exec {

class BumpArena {
 public:
  // An array of n items (their bytes unspecified until written), valid until the next
  // Reset.
  template <typename T>
  std::span<T> Allocate(size_t n) {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
    if (n == 0) return {};
    return {static_cast<T*>(AllocateBytes(n * sizeof(T), alignof(T))), n};
  }

  // A copy of `items` in the arena, valid until the next Reset.
  template <typename T>
  std::span<const T> Copy(std::span<const T> items) {
    std::span<T> copy = Allocate<T>(items.size());
    if (!items.empty()) std::memcpy(copy.data(), items.data(), items.size_bytes());
    return copy;
  }

  // Makes all memory reusable. REQUIRES: no array handed out is used any more.
  void Reset() {
    block_ = 0;
    used_ = 0;
  }

 private:
  // 64 KiB: a 10,000-transaction block's read sets and write lists (about 100 bytes a
  // transaction) take 16 blocks spread over the threads.
  static constexpr size_t kBlockBytes = 64 * 1024;

  struct Block {
    std::unique_ptr<std::byte[]> bytes;
    size_t size;
  };

  void* AllocateBytes(size_t n, size_t align) {
    for (;;) {
      if (block_ < blocks_.size()) {
        const size_t start = (used_ + align - 1) / align * align;
        if (start + n <= blocks_[block_].size) {
          used_ = start + n;
          return blocks_[block_].bytes.get() + start;
        }
        ++block_;  // the rest of this block stays unused until Reset
        used_ = 0;
        continue;
      }
      // new[] of std::byte is aligned for any fundamental type.
      const size_t size = std::max(kBlockBytes, n);
      blocks_.push_back(Block{std::make_unique<std::byte[]>(size), size});
    }
  }

  std::vector<Block> blocks_;
  size_t block_ = 0;  // the block being filled
  size_t used_ = 0;   // bytes used in it
};

}  // namespace chainaccel::exec
