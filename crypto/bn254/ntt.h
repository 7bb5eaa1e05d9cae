// Radix-2 number-theoretic transforms over Fr (crypto/bn254/field.h), as ffjavascript
// computes them for snarkjs (src/engine_fft.js, the wasm frm_fft* functions):
//
//   forward: out[k] = Σ_j in[j]·w^(j·k)
//   inverse: out[k] = (1/n)·Σ_j in[j]·w^(-j·k)
//
// with n = 2^log_n and w = FrRootOfUnity(log_n), ffjavascript's Fr.w[log_n]. Input and
// output are in natural order (no bit-reversed outputs); the results are exact field
// values, so they equal ffjavascript's Fr.fft / Fr.ifft element for element.
//
// Algorithm: bit-reversal permutation, then Cooley-Tukey butterflies (decimation in time)
// with a table of twiddles built once per domain. The first kCacheStages stages run
// block by block (each block of 2^kCacheStages elements stays in the L2 cache); the
// later stages split their butterflies over the pool. The inverse is the forward
// transform followed by reversing out[1..n) and scaling by 1/n (w^-1 = w^(n-1)).
//
// Thread-safety: an FrNttDomain is immutable after construction and may be shared;
// transforms of different spans run concurrently. pool == nullptr: the calling thread
// only. Variable-time is irrelevant here (no branch on the values).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "crypto/bn254/field.h"

namespace chainaccel {
class ThreadPool;
}

namespace chainaccel::bn254 {

class FrNttDomain {
 public:
  // The domain of 2^log_n points. REQUIRES: 0 <= log_n <= kFrTwoAdicity.
  // Builds n/2 + ... twiddles (n - 1 elements, 32·n bytes), over `pool` when given.
  explicit FrNttDomain(int log_n, ThreadPool* pool = nullptr);

  int log_size() const { return log_n_; }
  size_t size() const { return size_t{1} << log_n_; }

  // In place. REQUIRES: values.size() == size().
  void Forward(std::span<Fr> values, ThreadPool* pool = nullptr) const;
  void Inverse(std::span<Fr> values, ThreadPool* pool = nullptr) const;

 private:
  void Butterflies(std::span<Fr> values, ThreadPool* pool) const;

  int log_n_;
  // twiddles_[m + j] = w_{2m}^j for every stage half-length m = 1, 2, 4, ..., n/2 and
  // 0 <= j < m (index 0 unused).
  std::vector<Fr> twiddles_;
};

// One-shot forms (they build the domain each call). REQUIRES: values.size() is a power
// of two, at most 2^kFrTwoAdicity.
void NttForward(std::span<Fr> values, ThreadPool* pool = nullptr);
void NttInverse(std::span<Fr> values, ThreadPool* pool = nullptr);

// values[i] *= first·ratio^i (ffjavascript's Fr.batchApplyKey(values, first, ratio)): with
// first = 1 and ratio = the coset generator, it moves coefficients onto a coset.
void MultiplyByPowers(std::span<Fr> values, const Fr& first, const Fr& ratio,
                      ThreadPool* pool = nullptr);

// log2(n) for a power of two n, or -1 when n is not one.
int Log2Exact(size_t n);

}  // namespace chainaccel::bn254
