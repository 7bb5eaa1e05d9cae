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

FormedBatch::FormedBatch(std::vector<TaskRange> ranges) : ranges_(std::move(ranges)) {
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
    owned_ = HashTask{hash->algorithm, SliceItems(hash->messages, b, e, &offsets_[0]), hash->digests + 32 * b};
  } else if (auto* proofs = std::get_if<MerkleVerifyTask>(r.task)) {
    MerkleVerifyTask v;
    v.scheme = proofs->scheme;
    v.root = proofs->root;
    v.leaf_count = proofs->leaf_count;
    v.leaves = SliceItems(proofs->leaves, b, e, &offsets_[0]);
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
    v.messages = SliceItems(verify->messages, b, e, &offsets_[0]);
    v.public_keys = SliceItems(verify->public_keys, b, e, &offsets_[1]);
    v.signatures = SliceItems(verify->signatures, b, e, &offsets_[2]);
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
        &data_[0], &offsets_[0]);
    out_a_.resize(32 * items_);
    g.digests = out_a_.data();
    owned_ = g;
  } else if (const auto* proofs = std::get_if<MerkleVerifyTask>(&first)) {
    MerkleVerifyTask g;
    g.scheme = proofs->scheme;
    g.root = proofs->root;
    g.leaf_count = proofs->leaf_count;
    g.leaves = GatherItems(
        ranges_, [](Task& x) -> const PackedItems& { return std::get<MerkleVerifyTask>(x).leaves; },
        &data_[0], &offsets_[0]);
    for (const TaskRange& r : ranges_) {
      const auto& v = std::get<MerkleVerifyTask>(*r.task);
      indices_.insert(indices_.end(), v.leaf_indices.begin() + static_cast<std::ptrdiff_t>(r.begin),
                      v.leaf_indices.begin() + static_cast<std::ptrdiff_t>(r.end));
      lengths_.insert(lengths_.end(), v.proof_lengths.begin() + static_cast<std::ptrdiff_t>(r.begin),
                      v.proof_lengths.begin() + static_cast<std::ptrdiff_t>(r.end));
      const uint64_t first_hash = ProofHashes(v, 0, r.begin);
      AppendRange(v.proof_hashes.data(), first_hash, first_hash + ProofHashes(v, r.begin, r.end),
                  32, &data_[1]);
    }
    g.leaf_indices = indices_;
    g.proof_lengths = lengths_;
    g.proof_hashes = data_[1];
    out_status_.resize(items_);
    g.status = out_status_.data();
    owned_ = g;
  } else if (const auto* verify = std::get_if<SignatureVerifyTask>(&first)) {
    SignatureVerifyTask g;
    g.scheme = verify->scheme;
    g.pre_hash = verify->pre_hash;
    g.encoding = verify->encoding;
    g.allow_high_s = verify->allow_high_s;
    g.messages = GatherItems(
        ranges_, [](Task& x) -> const PackedItems& { return std::get<SignatureVerifyTask>(x).messages; },
        &data_[0], &offsets_[0]);
    g.public_keys = GatherItems(
        ranges_, [](Task& x) -> const PackedItems& { return std::get<SignatureVerifyTask>(x).public_keys; },
        &data_[1], &offsets_[1]);
    g.signatures = GatherItems(
        ranges_, [](Task& x) -> const PackedItems& { return std::get<SignatureVerifyTask>(x).signatures; },
        &data_[2], &offsets_[2]);
    out_status_.resize(items_);
    g.status = out_status_.data();
    owned_ = g;
  } else if (const auto* recover = std::get_if<SignatureRecoverTask>(&first)) {
    for (const TaskRange& r : ranges_) {
      const auto& v = std::get<SignatureRecoverTask>(*r.task);
      AppendRange(v.hashes, r.begin, r.end, 32, &data_[0]);
      AppendRange(v.signatures, r.begin, r.end, 65, &data_[1]);
    }
    out_a_.resize(64 * items_);
    out_b_.resize(20 * items_);
    out_status_.resize(items_);
    owned_ = SignatureRecoverTask{items_, data_[0].data(), data_[1].data(), recover->allow_high_s,
                                  out_a_.data(), out_b_.data(), out_status_.data()};
  }
}

void FormedBatch::Scatter() {
  if (!gathered_) return;
  size_t at = 0;  // the range's first item in the batch
  for (const TaskRange& r : ranges_) {
    const size_t b = r.begin, n = r.size();
    if (auto* hash = std::get_if<HashTask>(r.task)) {
      std::memcpy(hash->digests + 32 * b, out_a_.data() + 32 * at, 32 * n);
    } else if (auto* proofs = std::get_if<MerkleVerifyTask>(r.task)) {
      std::copy_n(out_status_.data() + at, n, proofs->status + b);
    } else if (auto* verify = std::get_if<SignatureVerifyTask>(r.task)) {
      std::copy_n(out_status_.data() + at, n, verify->status + b);
    } else if (auto* recover = std::get_if<SignatureRecoverTask>(r.task)) {
      std::memcpy(recover->public_keys + 64 * b, out_a_.data() + 64 * at, 64 * n);
      std::memcpy(recover->addresses + 20 * b, out_b_.data() + 20 * at, 20 * n);
      std::copy_n(out_status_.data() + at, n, recover->status + b);
    }
    at += n;
  }
}

}  // namespace chainaccel
