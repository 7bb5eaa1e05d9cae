// Fixed-base scalar multiplication k·G for many scalars k and one base G (G1 or G2),
// for the insecure setup (insecure_setup.h), which multiplies the generators by millions
// of scalars.
//
// The table holds, for each window j of `window_bits` bits of the scalar, the affine
// points d·2^(window_bits·j)·G for d = 1 .. 2^window_bits - 1; k·G is then one mixed
// addition per non-zero digit of k (254 / window_bits additions, no doublings).
// Unsigned digits: the table is twice a signed-digit table's size, and simpler.
//
// Memory: ceil(254 / w)·(2^w - 1) affine points: about 70 MiB for G1 and 140 MiB for G2
// at w = 16. Variable-time (for public data and test keys only). A built table is
// immutable: Mul and MulMany are thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "core/thread_pool.h"
#include "crypto/bn254/curve.h"
#include "crypto/bn254/field.h"

namespace chainaccel::groth16::testing {

// The window that minimises table building plus `count` multiplications:
// (254 / w)·(2^w + count) additions, capped at 16 bits (the table's memory).
int FixedBaseWindowBits(size_t count);

template <class Curve>
class FixedBaseTable {
 public:
  using Affine = bn254::AffinePoint<Curve>;
  using Jacobian = bn254::JacobianPoint<Curve>;

  // REQUIRES: 1 <= window_bits <= 20. pool may be null (the calling thread only).
  FixedBaseTable(const Affine& base, int window_bits, ThreadPool* pool);

  // k·base.
  Jacobian Mul(const bn254::Fr& k) const;
  // out[i] = scalars[i]·base, affine, over the pool. REQUIRES: equal sizes.
  void MulMany(std::span<const bn254::Fr> scalars, std::span<Affine> out,
               ThreadPool* pool) const;

 private:
  int window_bits_;
  int windows_;
  size_t row_size_;            // 2^window_bits - 1 points a window
  std::vector<Affine> table_;  // window j, digit d at j·row_size_ + d - 1
};

extern template class FixedBaseTable<bn254::G1Curve>;
extern template class FixedBaseTable<bn254::G2Curve>;

// Runs fn(begin, end) over [0, n) in chunks of `grain`, on the pool or here.
void ForChunks(size_t n, size_t grain, ThreadPool* pool,
               const std::function<void(size_t, size_t)>& fn);

}  // namespace chainaccel::groth16::testing
