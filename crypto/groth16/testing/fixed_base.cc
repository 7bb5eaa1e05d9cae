#include "crypto/groth16/testing/fixed_base.h"

#include <algorithm>

namespace chainaccel::groth16::testing {

namespace {

using bn254::Fr;
using bn254::U256;

constexpr int kScalarBits = 254;  // r < 2^254
constexpr int kMaxWindowBits = 16;
// Points normalised to affine together (one field inversion each batch).
constexpr size_t kAffineBatch = 4096;

// Bits [start, start + width) of k (width <= 20).
uint32_t Digit(const U256& k, int start, int width) {
  const int limb = start / 64, shift = start % 64;
  uint64_t bits = k[limb] >> shift;
  if (shift + width > 64 && limb + 1 < 4) bits |= k[limb + 1] << (64 - shift);
  return static_cast<uint32_t>(bits & ((uint64_t{1} << width) - 1));
}

}  // namespace

void ForChunks(size_t n, size_t grain, ThreadPool* pool,
               const std::function<void(size_t, size_t)>& fn) {
  if (pool == nullptr) {
    for (size_t begin = 0; begin < n; begin += grain) fn(begin, std::min(n, begin + grain));
    return;
  }
  pool->ParallelFor(n, grain, fn);
}

int FixedBaseWindowBits(size_t count) {
  int best = 1;
  double best_cost = 1e300;
  for (int w = 1; w <= kMaxWindowBits; ++w) {
    const double windows = (kScalarBits + w - 1) / w;
    const double cost = windows * (static_cast<double>(uint64_t{1} << w) + count);
    if (cost < best_cost) best_cost = cost, best = w;
  }
  return best;
}

template <class Curve>
FixedBaseTable<Curve>::FixedBaseTable(const Affine& base, int window_bits, ThreadPool* pool)
    : window_bits_(window_bits),
      windows_((kScalarBits + window_bits - 1) / window_bits),
      row_size_((size_t{1} << window_bits) - 1),
      table_(static_cast<size_t>(windows_) * row_size_) {
  // The first point of each window: 2^(w·j)·G, by doublings.
  std::vector<Jacobian> window_base(windows_);
  Jacobian b = Jacobian::FromAffine(base);
  for (int j = 0; j < windows_; ++j) {
    window_base[j] = b;
    for (int i = 0; i < window_bits_; ++i) b = b.Double();
  }
  ForChunks(windows_, 1, pool, [&](size_t begin, size_t end) {
    std::vector<Jacobian> row(row_size_);
    for (size_t j = begin; j < end; ++j) {
      row[0] = window_base[j];
      const Affine first = window_base[j].ToAffine();
      for (size_t d = 1; d < row_size_; ++d) row[d] = row[d - 1].AddMixed(first);
      bn254::BatchToAffine<Curve>(row, std::span<Affine>(table_).subspan(j * row_size_,
                                                                          row_size_));
    }
  });
}

template <class Curve>
typename FixedBaseTable<Curve>::Jacobian FixedBaseTable<Curve>::Mul(const Fr& k) const {
  const U256 canonical = k.ToCanonical();
  Jacobian acc = Jacobian::Infinity();
  for (int j = 0; j < windows_; ++j) {
    const uint32_t d = Digit(canonical, j * window_bits_, window_bits_);
    if (d != 0) acc = acc.AddMixed(table_[j * row_size_ + d - 1]);
  }
  return acc;
}

template <class Curve>
void FixedBaseTable<Curve>::MulMany(std::span<const Fr> scalars, std::span<Affine> out,
                                    ThreadPool* pool) const {
  ForChunks(scalars.size(), kAffineBatch, pool, [&](size_t begin, size_t end) {
    std::vector<Jacobian> batch;
    for (size_t at = begin; at < end; at += kAffineBatch) {
      const size_t n = std::min(kAffineBatch, end - at);
      batch.resize(n);
      for (size_t i = 0; i < n; ++i) batch[i] = Mul(scalars[at + i]);
      bn254::BatchToAffine<Curve>(batch, out.subspan(at, n));
    }
  });
}

template class FixedBaseTable<bn254::G1Curve>;
template class FixedBaseTable<bn254::G2Curve>;

}  // namespace chainaccel::groth16::testing
