#include "kernels/zk/testing/zk_device_helpers.h"

#include "kernels/testing/device_buffer.h"
#include "kernels/zk/bn254_curve.cuh"

namespace chainaccel::kernels::zk::testing {
namespace {

using chainaccel::testing::CudaCheck;
using chainaccel::testing::DeviceBuffer;

constexpr int kThreads = 128;

template <class P>
__global__ void FieldOpsKernel(const uint64_t* a, const uint64_t* b, size_t n, uint64_t* mul,
                               uint64_t* add, uint64_t* sub, uint64_t* neg, uint64_t* square,
                               uint64_t* dbl) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  using F = FieldElement<P>;
  const F x = F::Load(a + 4 * i), y = F::Load(b + 4 * i);
  (x * y).Store(mul + 4 * i);
  (x + y).Store(add + 4 * i);
  (x - y).Store(sub + 4 * i);
  (-x).Store(neg + 4 * i);
  Square(x).Store(square + 4 * i);
  Double(x).Store(dbl + 4 * i);
}

template <class F>
__global__ void MultiplesKernel(AffinePoint<F> g, const uint64_t* scalars, size_t n,
                                uint64_t* affine) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  XyzzPoint<F> acc = XyzzPoint<F>::Infinity();
  for (int bit = 255; bit >= 0; --bit) {
    acc = PointDouble(acc);
    if ((scalars[4 * i + bit / 64] >> (bit % 64)) & 1) acc = PointAddMixed(acc, g);
  }
  ToAffine(acc).Store(affine + AffinePoint<F>::kLimbs * i);
}

template <class F>
void LaunchMultiples(const AffinePoint<F>& g, const uint64_t* scalars, size_t n,
                     uint64_t* affine, cudaStream_t stream) {
  if (n == 0) return;
  const unsigned blocks = static_cast<unsigned>((n + kThreads - 1) / kThreads);
  MultiplesKernel<F><<<blocks, kThreads, 0, stream>>>(g, scalars, n, affine);
  CudaCheck(cudaGetLastError(), "MultiplesKernel launch");
}

// ---- an experiment: Fp multiplication on eight 32-bit limbs --------------------------
// CIOS with the no-carry bound, each row one PTX chain of 32-bit mad.lo.cc / madc.hi.cc
// (one IMAD each in SASS, against several per 64-bit multiply-add). Measured against the
// 64-bit form of bn254_field.cuh by the benchmark; checked against crypto/bn254 by the
// device field test. Not used by the kernels.
struct Fp32 {
  uint32_t w[8];
};

// t[0..8] += a[0..7]·b.
__device__ __forceinline__ void Row32(uint32_t* t, const uint32_t* a, uint32_t b) {
  asm("mad.lo.cc.u32 %0, %9, %17, %0;\n\t"
      "madc.lo.cc.u32 %1, %10, %17, %1;\n\t"
      "madc.lo.cc.u32 %2, %11, %17, %2;\n\t"
      "madc.lo.cc.u32 %3, %12, %17, %3;\n\t"
      "madc.lo.cc.u32 %4, %13, %17, %4;\n\t"
      "madc.lo.cc.u32 %5, %14, %17, %5;\n\t"
      "madc.lo.cc.u32 %6, %15, %17, %6;\n\t"
      "madc.lo.cc.u32 %7, %16, %17, %7;\n\t"
      "addc.u32 %8, %8, 0;\n\t"
      "mad.hi.cc.u32 %1, %9, %17, %1;\n\t"
      "madc.hi.cc.u32 %2, %10, %17, %2;\n\t"
      "madc.hi.cc.u32 %3, %11, %17, %3;\n\t"
      "madc.hi.cc.u32 %4, %12, %17, %4;\n\t"
      "madc.hi.cc.u32 %5, %13, %17, %5;\n\t"
      "madc.hi.cc.u32 %6, %14, %17, %6;\n\t"
      "madc.hi.cc.u32 %7, %15, %17, %7;\n\t"
      "madc.hi.u32 %8, %16, %17, %8;"
      : "+r"(t[0]), "+r"(t[1]), "+r"(t[2]), "+r"(t[3]), "+r"(t[4]), "+r"(t[5]), "+r"(t[6]),
        "+r"(t[7]), "+r"(t[8])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(a[4]), "r"(a[5]), "r"(a[6]), "r"(a[7]),
        "r"(b));
}

__device__ __forceinline__ Fp32 MulFp32(const Fp32& a, const Fp32& b) {
  constexpr uint32_t kInv32 = static_cast<uint32_t>(FpParams::kInv);  // -p^-1 mod 2^32
  const uint32_t m[8] = {
      static_cast<uint32_t>(FpParams::kM0), static_cast<uint32_t>(FpParams::kM0 >> 32),
      static_cast<uint32_t>(FpParams::kM1), static_cast<uint32_t>(FpParams::kM1 >> 32),
      static_cast<uint32_t>(FpParams::kM2), static_cast<uint32_t>(FpParams::kM2 >> 32),
      static_cast<uint32_t>(FpParams::kM3), static_cast<uint32_t>(FpParams::kM3 >> 32)};
  uint32_t t[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) {
    Row32(t, a.w, b.w[i]);
    Row32(t, m, t[0] * kInv32);
    CHAINACCEL_UNROLL
    for (int k = 0; k < 8; ++k) t[k] = t[k + 1];
    t[8] = 0;
  }
  // t < 2p: subtract p once if t >= p (via the 64-bit code's reduction).
  Fp r = {{t[0] | uint64_t{t[1]} << 32, t[2] | uint64_t{t[3]} << 32,
           t[4] | uint64_t{t[5]} << 32, t[6] | uint64_t{t[7]} << 32}};
  r = field_detail::ReduceOnce<FpParams>(r);
  Fp32 out;
  for (int k = 0; k < 4; ++k) {
    out.w[2 * k] = static_cast<uint32_t>(r.l[k]);
    out.w[2 * k + 1] = static_cast<uint32_t>(r.l[k] >> 32);
  }
  return out;
}

__device__ __forceinline__ Fp32 ToFp32(const Fp& a) {
  Fp32 out;
  for (int k = 0; k < 4; ++k) {
    out.w[2 * k] = static_cast<uint32_t>(a.l[k]);
    out.w[2 * k + 1] = static_cast<uint32_t>(a.l[k] >> 32);
  }
  return out;
}

__global__ void Fp32MulKernel(const uint64_t* a, const uint64_t* b, size_t n, uint64_t* out) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const Fp32 r = MulFp32(ToFp32(Fp::Load(a + 4 * i)), ToFp32(Fp::Load(b + 4 * i)));
  for (int k = 0; k < 4; ++k) out[4 * i + k] = r.w[2 * k] | uint64_t{r.w[2 * k + 1]} << 32;
}

__global__ void Fp32MulThroughputKernel(int rounds, uint64_t* sink) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  Fp32 x[4];
  for (int j = 0; j < 4; ++j) x[j] = ToFp32(Fp{{i + j, 7 * i + 1, 3, 5}});
  const Fp32 y = ToFp32(Fp{{0x1234567890abcdefULL ^ i, 0xfedcba0987654321ULL,
                            0x0f0f0f0f0f0f0f0fULL, 0x0a0b0c0d0e0f1011ULL}});
  for (int r = 0; r < rounds; ++r) {
    CHAINACCEL_UNROLL
    for (int j = 0; j < 4; ++j) x[j] = MulFp32(x[j], y);
  }
  uint32_t acc = 0;
  for (int j = 0; j < 4; ++j) acc ^= x[j].w[0] ^ x[j].w[7];
  sink[4 * i] = acc;
}

__global__ void FpMulThroughputKernel(int rounds, uint64_t* sink) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  Fp x[4];
  for (int j = 0; j < 4; ++j) x[j] = Fp{{i + j, 7 * i + 1, 3, 5}};
  const Fp y = {{0x1234567890abcdefULL ^ i, 0xfedcba0987654321ULL, 0x0f0f0f0f0f0f0f0fULL,
                 0x0a0b0c0d0e0f1011ULL}};
  for (int r = 0; r < rounds; ++r) {
    CHAINACCEL_UNROLL
    for (int j = 0; j < 4; ++j) x[j] = x[j] * y;
  }
  (x[0] + x[1] + x[2] + x[3]).Store(sink + 4 * i);
}

}  // namespace

void FpMulThroughputOnDevice(size_t threads, int rounds, uint64_t* sink, cudaStream_t stream,
                             bool limbs32) {
  const unsigned blocks = static_cast<unsigned>((threads + kThreads - 1) / kThreads);
  if (limbs32) {
    Fp32MulThroughputKernel<<<blocks, kThreads, 0, stream>>>(rounds, sink);
  } else {
    FpMulThroughputKernel<<<blocks, kThreads, 0, stream>>>(rounds, sink);
  }
  CudaCheck(cudaGetLastError(), "FpMulThroughputKernel launch");
}

std::vector<uint64_t> RunFp32MulOnDevice(const std::vector<uint64_t>& a,
                                         const std::vector<uint64_t>& b) {
  const size_t limbs = a.size(), n = limbs / 4;
  DeviceBuffer<uint64_t> da(limbs), db(limbs), out(limbs);
  da.Upload(a.data(), limbs);
  db.Upload(b.data(), limbs);
  if (n != 0) {
    const unsigned blocks = static_cast<unsigned>((n + kThreads - 1) / kThreads);
    Fp32MulKernel<<<blocks, kThreads>>>(da.get(), db.get(), n, out.get());
    CudaCheck(cudaGetLastError(), "Fp32MulKernel launch");
    CudaCheck(cudaDeviceSynchronize(), "Fp32MulKernel");
  }
  return out.Download();
}

FieldOpResults RunFieldOpsOnDevice(TestField field, const std::vector<uint64_t>& a,
                                   const std::vector<uint64_t>& b) {
  const size_t limbs = a.size(), n = limbs / 4;
  DeviceBuffer<uint64_t> da(limbs), db(limbs);
  da.Upload(a.data(), limbs);
  db.Upload(b.data(), limbs);
  DeviceBuffer<uint64_t> out[6] = {DeviceBuffer<uint64_t>(limbs), DeviceBuffer<uint64_t>(limbs),
                                   DeviceBuffer<uint64_t>(limbs), DeviceBuffer<uint64_t>(limbs),
                                   DeviceBuffer<uint64_t>(limbs), DeviceBuffer<uint64_t>(limbs)};
  const unsigned blocks = static_cast<unsigned>((n + kThreads - 1) / kThreads);
  if (n != 0) {
    if (field == TestField::kFp) {
      FieldOpsKernel<FpParams><<<blocks, kThreads>>>(da.get(), db.get(), n, out[0].get(),
                                                     out[1].get(), out[2].get(), out[3].get(),
                                                     out[4].get(), out[5].get());
    } else {
      FieldOpsKernel<FrParams><<<blocks, kThreads>>>(da.get(), db.get(), n, out[0].get(),
                                                     out[1].get(), out[2].get(), out[3].get(),
                                                     out[4].get(), out[5].get());
    }
    CudaCheck(cudaGetLastError(), "FieldOpsKernel launch");
    CudaCheck(cudaDeviceSynchronize(), "FieldOpsKernel");
  }
  return {out[0].Download(), out[1].Download(), out[2].Download(),
          out[3].Download(), out[4].Download(), out[5].Download()};
}

void MultiplesOfGeneratorOnDevice(const uint64_t* scalars, size_t n, uint64_t* affine,
                                  cudaStream_t stream) {
  LaunchMultiples(G1AffinePoint{Fp::One(), Double(Fp::One())}, scalars, n, affine, stream);  // (1, 2)
}

void MultiplesOfG2PointOnDevice(const uint64_t* generator, const uint64_t* scalars, size_t n,
                                uint64_t* affine, cudaStream_t stream) {
  LaunchMultiples(G2AffinePoint::Load(generator), scalars, n, affine, stream);
}

}  // namespace chainaccel::kernels::zk::testing
