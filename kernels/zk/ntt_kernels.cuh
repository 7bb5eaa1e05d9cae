// The __global__ kernels of the Fr NTT, snarkjs's H step and the constraint evaluation
// (ntt_launch.cu drives them). Elements are 4 uint64 Montgomery limbs (bn254_field.cuh).
#pragma once

#include <cstdint>

#include "kernels/zk/bn254_field.cuh"

namespace chainaccel::kernels::zk {

// Elements one block transforms in shared memory: the first kNttSharedLogSize stages of
// a decimation-in-time NTT touch only aligned runs of 2^kNttSharedLogSize elements, so one
// block does them with one global read and write instead of ten (32 KiB of shared memory
// at 32 bytes an element).
inline constexpr int kNttSharedLogSize = 10;
inline constexpr int kNttSharedThreads = 1 << (kNttSharedLogSize - 1);  // one per butterfly
static_assert((1 << kNttSharedLogSize) * 32 <= 48 * 1024, "fits the default shared memory");

__device__ __forceinline__ Fr LoadFr(const uint64_t* p, size_t i) { return Fr::Load(p + 4 * i); }
__device__ __forceinline__ void StoreFr(uint64_t* p, size_t i, const Fr& v) { v.Store(p + 4 * i); }

// out[k] = base^(k·stride) for k < count (square and multiply: for small tables only).
__global__ void PowerTableKernel(Fr base, uint64_t stride, uint32_t count, uint64_t* out) {
  const uint32_t k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= count) return;
  const uint64_t e = k * stride;
  StoreFr(out, k, Pow(base, &e, 1));
}

// out[i] = scale · lo[i mod 2^lo_bits] · hi[i >> lo_bits], i < count: a table of
// scale·x^i from two small tables (lo[j] = x^j, hi[j] = x^(j·2^lo_bits)) at one or two
// products an element.
__global__ void ExpandPowersKernel(const uint64_t* lo, const uint64_t* hi, int lo_bits, Fr scale,
                                   bool scaled, uint32_t count, uint64_t* out) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  Fr v = LoadFr(lo, i & ((1u << lo_bits) - 1)) * LoadFr(hi, i >> lo_bits);
  if (scaled) v = v * scale;
  StoreFr(out, i, v);
}

// values[i] <-> values[bitreverse(i)] over log_n bits.
__global__ void BitReverseKernel(uint64_t* values, int log_n, uint32_t n) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const uint32_t j = __brev(i) >> (32 - log_n);
  if (i >= j) return;
  const Fr a = LoadFr(values, i), b = LoadFr(values, j);
  StoreFr(values, i, b);
  StoreFr(values, j, a);
}

// Stages 0..stages-1 of the DIT NTT on one block's aligned run of 2^stages elements in
// shared memory. twiddles[k] = w^k for k < n/2; stage s uses w_(2^(s+1))^k =
// twiddles[k << (log_n - 1 - s)].
__global__ void __launch_bounds__(kNttSharedThreads)
    NttSharedStagesKernel(uint64_t* values, const uint64_t* twiddles, int log_n, int stages) {
  __shared__ uint64_t run[4 << kNttSharedLogSize];
  const uint32_t size = 1u << stages;
  uint64_t* base = values + 4 * (static_cast<size_t>(blockIdx.x) << stages);
  for (uint32_t i = threadIdx.x; i < 4 * size; i += blockDim.x) run[i] = base[i];
  for (int s = 0; s < stages; ++s) {
    __syncthreads();
    const uint32_t j = threadIdx.x;
    if (j < size / 2) {
      const uint32_t half = 1u << s, k = j & (half - 1);
      const uint32_t i0 = ((j >> s) << (s + 1)) | k, i1 = i0 + half;
      const Fr w = LoadFr(twiddles, static_cast<size_t>(k) << (log_n - 1 - s));
      const Fr u = Fr::Load(run + 4 * i0), v = Fr::Load(run + 4 * i1) * w;
      (u + v).Store(run + 4 * i0);
      (u - v).Store(run + 4 * i1);
    }
  }
  __syncthreads();
  for (uint32_t i = threadIdx.x; i < 4 * size; i += blockDim.x) base[i] = run[i];
}

// One DIT stage s (butterflies of span 2^s) over the whole array; one thread a butterfly.
__global__ void NttStageKernel(uint64_t* values, const uint64_t* twiddles, int log_n, int s) {
  const uint32_t j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= (1u << (log_n - 1))) return;
  const uint32_t half = 1u << s, k = j & (half - 1);
  const size_t i0 = ((static_cast<size_t>(j) >> s) << (s + 1)) | k, i1 = i0 + half;
  const Fr w = LoadFr(twiddles, static_cast<size_t>(k) << (log_n - 1 - s));
  const Fr u = LoadFr(values, i0), v = LoadFr(values, i1) * w;
  StoreFr(values, i0, u + v);
  StoreFr(values, i1, u - v);
}

// values[i] *= factors[i].
__global__ void MultiplyKernel(uint64_t* values, const uint64_t* factors, uint32_t n) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  StoreFr(values, i, LoadFr(values, i) * LoadFr(factors, i));
}

// values[i] *= scale.
__global__ void ScaleKernel(uint64_t* values, Fr scale, uint32_t n) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  StoreFr(values, i, LoadFr(values, i) * scale);
}

// out[i] = a[i]·b[i] - c[i].
__global__ void MultiplySubtractKernel(const uint64_t* a, const uint64_t* b, const uint64_t* c,
                                       uint64_t* out, uint32_t n) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  StoreFr(out, i, LoadFr(a, i) * LoadFr(b, i) - LoadFr(c, i));
}

// out[i] = a[i]·b[i].
__global__ void MultiplyPairKernel(const uint64_t* a, const uint64_t* b, uint64_t* out,
                                   uint32_t n) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  StoreFr(out, i, LoadFr(a, i) * LoadFr(b, i));
}

// out[i] = the canonical integer of the Montgomery element in[i].
__global__ void FromMontgomeryKernel(const uint64_t* in, uint64_t* out, uint32_t n) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  StoreFr(out, i, FromMontgomery(LoadFr(in, i)));
}

// out[row] = Σ_{k in [offsets[row], offsets[row+1])} coefficients[k]·witness[signals[k]]
// for row < rows, and 0 for rows <= row < domain_size.
__global__ void SparseMatrixTimesWitnessKernel(const uint32_t* offsets, const uint32_t* signals,
                                               const uint64_t* coefficients, uint32_t rows,
                                               const uint64_t* witness, uint64_t* out,
                                               uint32_t domain_size) {
  const uint32_t row = blockIdx.x * blockDim.x + threadIdx.x;
  if (row >= domain_size) return;
  Fr sum = Fr::Zero();
  if (row < rows) {
    for (uint32_t k = offsets[row]; k < offsets[row + 1]; ++k) {
      sum = sum + LoadFr(coefficients, k) * LoadFr(witness, signals[k]);
    }
  }
  StoreFr(out, row, sum);
}

}  // namespace chainaccel::kernels::zk
