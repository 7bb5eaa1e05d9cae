#include "client/packed_batch.h"

#include <cstring>
#include <limits>
#include <utility>

namespace chainaccel {

PackedBatch PackedBatch::Fixed(std::string data, uint32_t item_size) {
  PackedBatch batch;
  batch.data = std::move(data);
  batch.item_size = item_size;
  return batch;
}

size_t PackedBatch::size() const {
  if (item_size != 0) return data.size() / item_size;
  return offsets.empty() ? 0 : offsets.size() - 1;
}

std::string_view PackedBatch::operator[](size_t i) const {
  const std::string_view all(data);
  if (item_size != 0) return all.substr(i * item_size, item_size);
  return all.substr(offsets[i], offsets[i + 1] - offsets[i]);
}

void PackedBatchBuilder::Reserve(size_t items, size_t bytes) {
  data_.reserve(bytes);
  if (variable_) offsets_.reserve(items + 1);
}

void PackedBatchBuilder::Add(std::string_view item) {
  if (item.empty()) {
    Append(0);
    return;
  }
  std::memcpy(Append(item.size()), item.data(), item.size());
}

void PackedBatchBuilder::Add(std::span<const uint8_t> item) {
  Add(std::string_view(reinterpret_cast<const char*>(item.data()), item.size()));
}

uint8_t* PackedBatchBuilder::Append(size_t size) {
  if (!variable_) {
    if (count_ == 0) uniform_size_ = size;
    // The fixed layout needs a non-zero size that fits ByteBatch.item_size.
    if (size != uniform_size_ || size == 0 || size > std::numeric_limits<uint32_t>::max()) {
      RecordOffsets();
    }
  }
  const size_t at = data_.size();
  data_.resize(at + size);
  ++count_;
  if (variable_) offsets_.push_back(data_.size());
  return reinterpret_cast<uint8_t*>(data_.data() + at);
}

void PackedBatchBuilder::RecordOffsets() {
  offsets_.reserve(count_ + 2);
  for (size_t i = 0; i <= count_; ++i) offsets_.push_back(i * uniform_size_);
  variable_ = true;
}

PackedBatch PackedBatchBuilder::Finish() {
  PackedBatch batch;
  batch.data = std::move(data_);
  if (variable_) {
    batch.offsets = std::move(offsets_);
  } else if (count_ != 0) {
    batch.item_size = static_cast<uint32_t>(uniform_size_);
  }
  *this = PackedBatchBuilder();
  return batch;
}

namespace {

template <typename Item>
PackedBatch PackItems(std::span<const Item> items) {
  size_t bytes = 0;
  for (const Item& item : items) bytes += item.size();
  PackedBatchBuilder builder;
  builder.Reserve(items.size(), bytes);
  for (const Item& item : items) {
    builder.Add(std::string_view(reinterpret_cast<const char*>(item.data()), item.size()));
  }
  return builder.Finish();
}

}  // namespace

PackedBatch PackBatch(std::span<const std::string> items) { return PackItems(items); }

PackedBatch PackBatch(std::span<const std::vector<uint8_t>> items) { return PackItems(items); }

}  // namespace chainaccel
