// PackedItems: a read-only view of a packed batch of byte strings.
//
// Mirrors the API's ByteBatch without copying it: either n items of one fixed size laid
// end to end, or variable-size items delimited by n + 1 offsets. The view does not own
// the bytes; whoever builds it keeps them alive (the gRPC request, a test's vector).
// Thread-safe for concurrent reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace chainaccel {

using ByteView = std::span<const uint8_t>;

class PackedItems {
 public:
  PackedItems() = default;

  // n items of item_size bytes. REQUIRES: item_size > 0, data.size() % item_size == 0.
  static PackedItems Fixed(ByteView data, size_t item_size) {
    PackedItems p;
    p.data_ = data;
    p.item_size_ = item_size;
    p.count_ = item_size ? data.size() / item_size : 0;
    return p;
  }

  // offsets.size() - 1 items; item i is data[offsets[i], offsets[i+1]).
  // REQUIRES: offsets non-decreasing, offsets.front() == 0, offsets.back() == data.size()
  // (server/decode.h checks this for untrusted input).
  static PackedItems Variable(ByteView data, std::span<const uint64_t> offsets) {
    PackedItems p;
    p.data_ = data;
    p.offsets_ = offsets;
    p.count_ = offsets.empty() ? 0 : offsets.size() - 1;
    return p;
  }

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  bool fixed() const { return item_size_ != 0; }
  // Size of every item for the fixed layout, 0 for the variable one.
  size_t item_size() const { return item_size_; }
  // All items' bytes, end to end.
  ByteView data() const { return data_; }

  // Where item i starts in data(); offset(size()) == data().size().
  size_t offset(size_t i) const {
    if (item_size_ != 0) return i * item_size_;
    return i == count_ ? data_.size() : static_cast<size_t>(offsets_[i]);
  }

  ByteView operator[](size_t i) const {
    if (item_size_ != 0) return data_.subspan(i * item_size_, item_size_);
    return data_.subspan(offsets_[i], offsets_[i + 1] - offsets_[i]);
  }

 private:
  ByteView data_;
  std::span<const uint64_t> offsets_;
  size_t item_size_ = 0;
  size_t count_ = 0;
};

}  // namespace chainaccel
