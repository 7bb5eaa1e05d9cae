// PackedBatch: a batch of byte strings packed the way the API's ByteBatch carries them.
//
// Either n items of one fixed size laid end to end (`item_size` > 0, no offsets), or
// variable-size items delimited by n + 1 offsets into `data` (`item_size` == 0). See
// proto/chainaccel/v1/common.proto. A PackedBatch is a plain value: the Client moves its
// `data` into the request, so a batch of a million items is never copied item by item.
//
// PackedBatchBuilder appends items into one buffer without an allocation per item and
// picks the fixed layout when every item has the same (non-zero) size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace chainaccel {

struct PackedBatch {
  // The items, end to end.
  std::string data;
  // Size of every item for the fixed layout; 0 for the variable one.
  uint32_t item_size = 0;
  // n + 1 item boundaries for the variable layout; empty for the fixed one.
  std::vector<uint64_t> offsets;

  // n items of `item_size` bytes. REQUIRES: item_size > 0, data.size() % item_size == 0.
  static PackedBatch Fixed(std::string data, uint32_t item_size);

  // Number of items.
  size_t size() const;
  // Item i. REQUIRES: i < size(), and the batch is well formed.
  std::string_view operator[](size_t i) const;
};

// Builds a PackedBatch item by item. Not thread-safe.
class PackedBatchBuilder {
 public:
  // Reserves room for `items` items holding `bytes` bytes in all.
  void Reserve(size_t items, size_t bytes);

  void Add(std::string_view item);
  void Add(std::span<const uint8_t> item);
  // Appends an item of `size` bytes and returns where its bytes go, so that a decoder
  // can write them in place. The pointer is valid until the next call on the builder.
  uint8_t* Append(size_t size);

  size_t size() const { return count_; }

  // The batch: fixed layout when every item has the same non-zero size, offsets
  // otherwise (including an empty batch, which has no items and no offsets). Leaves the
  // builder empty.
  PackedBatch Finish();

 private:
  // Switches to the variable layout: writes the offsets of the items so far.
  void RecordOffsets();

  std::string data_;
  std::vector<uint64_t> offsets_;
  size_t count_ = 0;
  // Size of every item so far while the batch is still fixed-size.
  size_t uniform_size_ = 0;
  bool variable_ = false;
};

// Packs the items, fixed layout when they all have the same non-zero size.
PackedBatch PackBatch(std::span<const std::string> items);
PackedBatch PackBatch(std::span<const std::vector<uint8_t>> items);

}  // namespace chainaccel
