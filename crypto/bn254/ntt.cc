#include "crypto/bn254/ntt.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <functional>
#include <utility>

#include "core/parallel_for.h"
#include "core/thread_pool.h"

namespace chainaccel::bn254 {
namespace {

// 2^12 elements of 32 bytes (128 KiB) per block for the first stages: fits the 512 KiB
// L2 of the dev VM's EPYC cores with room for the twiddles.
constexpr int kCacheStages = 12;
// Below this many elements (or butterflies) a ParallelFor costs more than it saves.
constexpr size_t kParallelGrain = size_t{1} << 12;

uint32_t ReverseBits32(uint32_t v) {
  v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
  v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
  v = ((v >> 4) & 0x0f0f0f0fu) | ((v & 0x0f0f0f0fu) << 4);
  v = ((v >> 8) & 0x00ff00ffu) | ((v & 0x00ff00ffu) << 8);
  return (v >> 16) | (v << 16);
}

void BitReverse(std::span<Fr> values, int log_n, ThreadPool* pool) {
  if (log_n == 0) return;
  ParallelForOrHere(pool, values.size(), kParallelGrain, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const size_t j = ReverseBits32(static_cast<uint32_t>(i)) >> (32 - log_n);
      if (i < j) std::swap(values[i], values[j]);
    }
  });
}

inline void Butterfly(Fr& lo, Fr& hi, const Fr& twiddle) {
  const Fr t = hi * twiddle;
  hi = lo - t;
  lo = lo + t;
}

// Every stage with half-length m < block on each block of `block` elements.
void SmallStages(std::span<Fr> values, size_t block, const std::vector<Fr>& twiddles,
                 ThreadPool* pool) {
  ParallelForOrHere(pool, values.size() / block, 1, [&](size_t first, size_t last) {
    for (size_t b = first; b < last; ++b) {
      Fr* v = values.data() + b * block;
      for (size_t m = 1; m < block; m <<= 1) {
        const Fr* w = twiddles.data() + m;
        for (size_t k = 0; k < block; k += 2 * m) {
          for (size_t j = 0; j < m; ++j) Butterfly(v[k + j], v[k + j + m], w[j]);
        }
      }
    }
  });
}

// One stage of half-length m, its n/2 butterflies split over the pool.
void LargeStage(std::span<Fr> values, size_t m, const std::vector<Fr>& twiddles,
                ThreadPool* pool) {
  const Fr* w = twiddles.data() + m;
  ParallelForOrHere(pool, values.size() / 2, kParallelGrain, [&](size_t begin, size_t end) {
    size_t idx = begin;
    while (idx < end) {
      const size_t group = idx / m;
      size_t j = idx % m;
      Fr* v = values.data() + group * 2 * m;
      const size_t stop = std::min(m, j + (end - idx));
      for (; j < stop; ++j, ++idx) Butterfly(v[j], v[j + m], w[j]);
    }
  });
}

}  // namespace

int Log2Exact(size_t n) {
  if (n == 0 || (n & (n - 1)) != 0) return -1;
  return __builtin_ctzll(n);
}

FrNttDomain::FrNttDomain(int log_n, ThreadPool* pool) : log_n_(log_n) {
  assert(log_n >= 0 && log_n <= kFrTwoAdicity);
  const size_t n = size();
  twiddles_.resize(std::max<size_t>(n, 2));
  if (n < 2) return;
  const size_t top = n / 2;  // the last stage's half-length: twiddles w_n^j, j < n/2
  std::fill(twiddles_.begin() + top, twiddles_.end(), Fr::One());
  MultiplyByPowers(std::span<Fr>(twiddles_).subspan(top, top), Fr::One(),
                   FrRootOfUnity(log_n), pool);
  for (size_t m = top / 2; m >= 1; m /= 2) {
    for (size_t j = 0; j < m; ++j) twiddles_[m + j] = twiddles_[2 * m + 2 * j];
  }
}

void FrNttDomain::Butterflies(std::span<Fr> values, ThreadPool* pool) const {
  assert(values.size() == size());
  BitReverse(values, log_n_, pool);
  const size_t block = std::min(size(), size_t{1} << kCacheStages);
  SmallStages(values, block, twiddles_, pool);
  for (size_t m = block; m < size(); m <<= 1) LargeStage(values, m, twiddles_, pool);
}

void FrNttDomain::Forward(std::span<Fr> values, ThreadPool* pool) const {
  Butterflies(values, pool);
}

void FrNttDomain::Inverse(std::span<Fr> values, ThreadPool* pool) const {
  Butterflies(values, pool);
  // Σ_j in[j]·w^(-jk) = Σ_j in[j]·w^(j(n-k)): the forward output at n - k.
  std::reverse(values.begin() + 1, values.end());
  const Fr n_inverse = Fr::FromUint64(size()).InverseVar();
  ParallelForOrHere(pool, values.size(), kParallelGrain, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) values[i] *= n_inverse;
  });
}

void NttForward(std::span<Fr> values, ThreadPool* pool) {
  FrNttDomain(Log2Exact(values.size()), pool).Forward(values, pool);
}

void NttInverse(std::span<Fr> values, ThreadPool* pool) {
  FrNttDomain(Log2Exact(values.size()), pool).Inverse(values, pool);
}

void MultiplyByPowers(std::span<Fr> values, const Fr& first, const Fr& ratio,
                      ThreadPool* pool) {
  ParallelForOrHere(pool, values.size(), kParallelGrain, [&](size_t begin, size_t end) {
    const uint64_t exponent = begin;
    Fr power = first * ratio.PowVar(std::span<const uint64_t>(&exponent, 1));
    for (size_t i = begin; i < end; ++i) {
      values[i] *= power;
      power *= ratio;
    }
  });
}

}  // namespace chainaccel::bn254
