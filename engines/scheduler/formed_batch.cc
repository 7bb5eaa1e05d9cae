#include "engines/scheduler/formed_batch.h"

#include <algorithm>
#include <cstring>
#include <variant>

#include "engines/scheduler/batch_key.h"

namespace chainaccel {
namespace {

// Items [begin, end) of `items` as a view of the same bytes; variable-size items get
// their offsets rebased into *offsets.
PackedItems SliceItems(const PackedItems& items, size_t begin, size_t end,
                       std::vector<uint64_t>* offsets) {
  const size_t start = items.offset(begin);
  const ByteView data = items.data().subspan(start, items.offset(end) - start);
  if (items.fixed()) return PackedItems::Fixed(data, items.item_size());
  offsets->resize(end - begin + 1);
  for (size_t i = 0; i <= end - begin; ++i) (*offsets)[i] = items.offset(begin + i) - start;
  return PackedItems::Variable(data, *offsets);
}

// The packed input `get(task)` of every range, end to end in *data: fixed-size when every
// source is fixed-size with one item size, else variable-size with *offsets.
template <typename Get>
PackedItems GatherItems(const std::vector<TaskRange>& ranges, Get get, std::vector<uint8_t>* data,
                        std::vector<uint64_t>* offsets) {
  const size_t item_size = get(*ranges.front().task).item_size();
  bool fixed = item_size != 0;
  size_t bytes = 0;
  for (const TaskRange& r : ranges) {
    const PackedItems& items = get(*r.task);
    fixed = fixed && items.fixed() && items.item_size() == item_size;
    bytes += items.offset(r.end) - items.offset(r.begin);
  }
  data->clear();
  data->reserve(bytes);
  offsets->clear();
  if (!fixed) offsets->push_back(0);
  for (const TaskRange& r : ranges) {
    const PackedItems& items = get(*r.task);
    const size_t start = items.offset(r.begin);
    const size_t base = data->size();
    const ByteView source = items.data().subspan(start, items.offset(r.end) - start);
    data->insert(data->end(), source.begin(), source.end());
    if (fixed) continue;
    for (size_t i = r.begin + 1; i <= r.end; ++i) offsets->push_back(base + items.offset(i) - start);
  }
  return fixed ? PackedItems::Fixed(*data, item_size) : PackedItems::Variable(*data, *offsets);
}

// Appends bytes [begin * width, end * width) of `source` to *out.
void AppendRange(const uint8_t* source, size_t begin, size_t end, size_t width,
                 std::vector<uint8_t>* out) {
  out->insert(out->end(), source + begin * width, source + end * width);
}

}  // namespace

bool TaskRange::whole() const { return begin == 0 && end == TaskItemCount(*task); }

size_t BatchBuffers::CapacityBytes() const {
  size_t bytes = indices.capacity() * sizeof(uint64_t) + lengths.capacity() * sizeof(uint32_t) +
                 out_a.capacity() + out_b.capacity() + out_status.capacity() * sizeof(ItemStatus);
  for (const auto& d : data) bytes += d.capacity();
  for (const auto& o : offsets) bytes += o.capacity() * sizeof(uint64_t);
  return bytes;
}

FormedBatch::FormedBatch(std::vector<TaskRange> ranges, BatchBuffers* buffers)
    : ranges_(std::move(ranges)), buffers_(*buffers) {
  for (const TaskRange& r : ranges_) items_ += r.size();
  if (ranges_.size() == 1 && ranges_.front().whole()) {
    direct_ = ranges_.front().task;
  } else if (ranges_.size() == 1) {
    MakeView();
  } else {
    Gather();
  }
}

void FormedBatch::MakeView() {
  const TaskRange& r = ranges_.front();
  const size_t b = r.begin, e = r.end, n = r.size();
  if (auto* hash = std::get_if<HashTask>(r.task)) {
    owned_ = HashTask{hash->algorithm, SliceItems(hash->messages, b, e, &buffers_.offsets[0]), hash->digests + 32 * b};
  } else if (auto* proofs = std::get_if<MerkleVerifyTask>(r.task)) {
    MerkleVerifyTask v;
    v.scheme = proofs->scheme;
    v.root = proofs->root;
    v.leaf_count = proofs->leaf_count;
    v.leaves = SliceItems(proofs->leaves, b, e, &buffers_.offsets[0]);
    v.leaf_indices = proofs->leaf_indices.subspan(b, n);
    v.proof_lengths = proofs->proof_lengths.subspan(b, n);
    v.proof_hashes = proofs->proof_hashes.subspan(32 * ProofHashes(*proofs, 0, b),
                                                  32 * ProofHashes(*proofs, b, e));
    v.status = proofs->status + b;
    owned_ = v;
  } else if (auto* verify = std::get_if<SignatureVerifyTask>(r.task)) {
    SignatureVerifyTask v;
    v.scheme = verify->scheme;
    v.pre_hash = verify->pre_hash;
    v.encoding = verify->encoding;
    v.allow_high_s = verify->allow_high_s;
    v.messages = SliceItems(verify->messages, b, e, &buffers_.offsets[0]);
    v.public_keys = SliceItems(verify->public_keys, b, e, &buffers_.offsets[1]);
    v.signatures = SliceItems(verify->signatures, b, e, &buffers_.offsets[2]);
    v.status = verify->status + b;
    owned_ = v;
  } else if (auto* recover = std::get_if<SignatureRecoverTask>(r.task)) {
    owned_ = SignatureRecoverTask{n,
                                  recover->hashes + 32 * b,
                                  recover->signatures + 65 * b,
                                  recover->allow_high_s,
                                  recover->public_keys + 64 * b,
                                  recover->addresses + 20 * b,
                                  recover->status + b};
  }
  // A Merkle build is never split (Splittable), so it is always the whole task.
}

void FormedBatch::Gather() {
  gathered_ = true;
  Task& first = *ranges_.front().task;
  if (const auto* hash = std::get_if<HashTask>(&first)) {
    HashTask g;
    g.algorithm = hash->algorithm;
    g.messages = GatherItems(
        ranges_, [](Task& x) -> const PackedItems& { return std::get<HashTask>(x).messages; },
        &buffers_.data[0], &buffers_.offsets[0]);
    buffers_.out_a.assign(32 * items_, 0);
    g.digests = buffers_.out_a.data();
    owned_ = g;
  } else if (const auto* proofs = std::get_if<MerkleVerifyTask>(&first)) {
    MerkleVerifyTask g;
    g.scheme = proofs->scheme;
    g.root = proofs->root;
    g.leaf_count = proofs->leaf_count;
    g.leaves = GatherItems(
        ranges_, [](Task& x) -> const PackedItems& { return std::get<MerkleVerifyTask>(x).leaves; },
        &buffers_.data[0], &buffers_.offsets[0]);
    buffers_.indices.clear();
    buffers_.lengths.clear();
    buffers_.data[1].clear();
    buffers_.indices.reserve(items_);
    buffers_.lengths.reserve(items_);
    for (const TaskRange& r : ranges_) {
      const auto& v = std::get<MerkleVerifyTask>(*r.task);
      buffers_.indices.insert(buffers_.indices.end(), v.leaf_indices.begin() + static_cast<std::ptrdiff_t>(r.begin),
                      v.leaf_indices.begin() + static_cast<std::ptrdiff_t>(r.end));
      buffers_.lengths.insert(buffers_.lengths.end(), v.proof_lengths.begin() + static_cast<std::ptrdiff_t>(r.begin),
                      v.proof_lengths.begin() + static_cast<std::ptrdiff_t>(r.end));
      const uint64_t first_hash = ProofHashes(v, 0, r.begin);
      AppendRange(v.proof_hashes.data(), first_hash, first_hash + ProofHashes(v, r.begin, r.end),
                  32, &buffers_.data[1]);
    }
    g.leaf_indices = buffers_.indices;
    g.proof_lengths = buffers_.lengths;
    g.proof_hashes = buffers_.data[1];
    buffers_.out_status.assign(items_, ItemStatus::kUnspecified);
    g.status = buffers_.out_status.data();
    owned_ = g;
  } else if (const auto* verify = std::get_if<SignatureVerifyTask>(&first)) {
    SignatureVerifyTask g;
    g.scheme = verify->scheme;
    g.pre_hash = verify->pre_hash;
    g.encoding = verify->encoding;
    g.allow_high_s = verify->allow_high_s;
    g.messages = GatherItems(
        ranges_, [](Task& x) -> const PackedItems& { return std::get<SignatureVerifyTask>(x).messages; },
        &buffers_.data[0], &buffers_.offsets[0]);
    g.public_keys = GatherItems(
        ranges_, [](Task& x) -> const PackedItems& { return std::get<SignatureVerifyTask>(x).public_keys; },
        &buffers_.data[1], &buffers_.offsets[1]);
    g.signatures = GatherItems(
        ranges_, [](Task& x) -> const PackedItems& { return std::get<SignatureVerifyTask>(x).signatures; },
        &buffers_.data[2], &buffers_.offsets[2]);
    buffers_.out_status.assign(items_, ItemStatus::kUnspecified);
    g.status = buffers_.out_status.data();
    owned_ = g;
  } else if (const auto* recover = std::get_if<SignatureRecoverTask>(&first)) {
    buffers_.data[0].clear();
    buffers_.data[1].clear();
    buffers_.data[0].reserve(32 * items_);
    buffers_.data[1].reserve(65 * items_);
    for (const TaskRange& r : ranges_) {
      const auto& v = std::get<SignatureRecoverTask>(*r.task);
      AppendRange(v.hashes, r.begin, r.end, 32, &buffers_.data[0]);
      AppendRange(v.signatures, r.begin, r.end, 65, &buffers_.data[1]);
    }
    buffers_.out_a.assign(64 * items_, 0);
    buffers_.out_b.assign(20 * items_, 0);
    buffers_.out_status.assign(items_, ItemStatus::kUnspecified);
    owned_ = SignatureRecoverTask{items_, buffers_.data[0].data(), buffers_.data[1].data(), recover->allow_high_s,
                                  buffers_.out_a.data(), buffers_.out_b.data(), buffers_.out_status.data()};
  }
}

void FormedBatch::Scatter() {
  if (!gathered_) return;
  size_t at = 0;  // the range's first item in the batch
  for (const TaskRange& r : ranges_) {
    const size_t b = r.begin, n = r.size();
    if (auto* hash = std::get_if<HashTask>(r.task)) {
      std::memcpy(hash->digests + 32 * b, buffers_.out_a.data() + 32 * at, 32 * n);
    } else if (auto* proofs = std::get_if<MerkleVerifyTask>(r.task)) {
      std::copy_n(buffers_.out_status.data() + at, n, proofs->status + b);
    } else if (auto* verify = std::get_if<SignatureVerifyTask>(r.task)) {
      std::copy_n(buffers_.out_status.data() + at, n, verify->status + b);
    } else if (auto* recover = std::get_if<SignatureRecoverTask>(r.task)) {
      std::memcpy(recover->public_keys + 64 * b, buffers_.out_a.data() + 64 * at, 64 * n);
      std::memcpy(recover->addresses + 20 * b, buffers_.out_b.data() + 20 * at, 20 * n);
      std::copy_n(buffers_.out_status.data() + at, n, recover->status + b);
    }
    at += n;
  }
}

}  // namespace chainaccel
