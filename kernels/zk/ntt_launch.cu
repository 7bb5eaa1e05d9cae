#include "kernels/zk/ntt_launch.h"

#include <algorithm>
#include <limits>
#include <string>

#include "kernels/cuda_status.h"
#include "kernels/launch_check.h"
#include "kernels/zk/ntt_kernels.cuh"

namespace chainaccel::kernels::zk {
namespace {

// ffjavascript's Fr.w[28] = 5^((r - 1) / 2^28) in Montgomery form (ntt_launch_test.cc
// checks it, and every w[k], against crypto/bn254's FrRootOfUnity).
constexpr uint64_t kRoot28[4] = {0x636e735580d13d9cULL, 0xa22bf3742445ffd6ULL,
                                 0x56452ac01eb203d8ULL, 0x1860ef942963f9e7ULL};
constexpr uint64_t kCosetShift = 25;  // ffjavascript's Fr.shift = nqr^2 (log_n = 28)
constexpr int kThreadsPerBlock = 128;
// Power tables are built from a table of x^j, j < 2^kLowTableBits, and one of its steps.
constexpr int kLowTableBits = 12;
constexpr size_t kElementBytes = 32;
constexpr size_t kRegionAlignment = 256;

size_t AlignUp(size_t bytes) {
  return (bytes + kRegionAlignment - 1) / kRegionAlignment * kRegionAlignment;
}

// Bytes of the two small tables behind a power table of up to 2^log_count entries.
size_t SmallTablesBytes(int log_count) {
  const int lo = std::min(log_count, kLowTableBits);
  return AlignUp(((size_t{1} << lo) + (size_t{1} << (log_count - lo))) * kElementBytes);
}

Status CheckLogSize(const char* what, int log_n) {
  if (log_n < kNttMinLogSize || log_n > kNttMaxLogSize) {
    return Status::InvalidArgument(std::string(what) + ": log_n = " + std::to_string(log_n) +
                                   " is outside [1, 28]");
  }
  return Status::Ok();
}

unsigned Blocks(size_t threads) { return GridBlocks(threads, kThreadsPerBlock); }

Fr FrFromSmall(uint64_t v) { return ToMontgomery(Fr{{v, 0, 0, 0}}); }

// out[i] = scale·x^i for i < 2^log_count (scaled) or x^i; `small` holds SmallTablesBytes.
Status EnqueuePowerTable(const Fr& x, const Fr& scale, bool scaled, int log_count,
                         uint64_t* out, uint64_t* small, cudaStream_t stream) {
  const int lo_bits = std::min(log_count, kLowTableBits);
  const uint32_t lo_count = 1u << lo_bits, hi_count = 1u << (log_count - lo_bits);
  uint64_t* hi = small + 4 * size_t{lo_count};
  ClearLastCudaError();
  PowerTableKernel<<<Blocks(lo_count), kThreadsPerBlock, 0, stream>>>(x, 1, lo_count, small);
  PowerTableKernel<<<Blocks(hi_count), kThreadsPerBlock, 0, stream>>>(x, lo_count, hi_count, hi);
  const uint32_t count = 1u << log_count;
  ExpandPowersKernel<<<Blocks(count), kThreadsPerBlock, 0, stream>>>(small, hi, lo_bits, scale,
                                                                     scaled, count, out);
  return CheckLaunch("power table", stream);
}

// In-place DIT NTT of 2^log_n elements with twiddles[k] = w^k, k < n/2 (no 1/n).
Status EnqueueTransform(uint64_t* values, int log_n, const uint64_t* twiddles,
                        cudaStream_t stream) {
  const uint32_t n = 1u << log_n;
  ClearLastCudaError();
  BitReverseKernel<<<Blocks(n), kThreadsPerBlock, 0, stream>>>(values, log_n, n);
  const int shared_stages = std::min(log_n, kNttSharedLogSize);
  NttSharedStagesKernel<<<n >> shared_stages, kNttSharedThreads, 0, stream>>>(
      values, twiddles, log_n, shared_stages);
  for (int s = shared_stages; s < log_n; ++s) {
    NttStageKernel<<<Blocks(n / 2), kThreadsPerBlock, 0, stream>>>(values, twiddles, log_n, s);
  }
  return CheckLaunch("NTT stages", stream);
}

Fr InverseOfSize(int log_n) { return Inverse(FrFromSmall(uint64_t{1} << log_n)); }

Fr RootInverse(int log_n) {
  const uint64_t e = (uint64_t{1} << log_n) - 1;  // w^(n-1) = w^-1
  return Pow(Fr::Load(FrRootOfUnityLimbs(log_n).data()), &e, 1);
}

Status CheckWorkspace(const char* what, void* workspace, size_t bytes, size_t needed) {
  if (workspace == nullptr) return Status::InvalidArgument(std::string(what) + ": workspace is null");
  if (bytes < needed) {
    return Status::InvalidArgument(std::string(what) + ": workspace of " + std::to_string(bytes) +
                                   " bytes, " + std::to_string(needed) + " needed");
  }
  return Status::Ok();
}

size_t NttBytes(int log_n) {
  return AlignUp((size_t{1} << (log_n - 1)) * kElementBytes) + SmallTablesBytes(log_n - 1);
}

// Region sizes of the H step: A, B, C, the coset factors (n each), the forward and
// inverse twiddles (n/2 each), the small tables.
struct HCosetLayout {
  size_t vector = 0, twiddles = 0, small = 0, total = 0;
};
HCosetLayout HLayout(int log_n) {
  HCosetLayout l;
  l.vector = AlignUp((size_t{1} << log_n) * kElementBytes);
  l.twiddles = AlignUp((size_t{1} << (log_n - 1)) * kElementBytes);
  l.small = SmallTablesBytes(log_n);
  l.total = 4 * l.vector + 2 * l.twiddles + l.small;
  return l;
}

// Typed views of the H step's workspace.
struct HCosetArrays {
  uint64_t* abc[3];  // A, B, C in turn: evaluations, coefficients, odd-coset evaluations
  uint64_t *coset, *forward, *inverse, *small;
};
HCosetArrays ViewHWorkspace(const HCosetLayout& l, void* workspace) {
  char* base = static_cast<char*>(workspace);
  auto at = [base](size_t offset) { return reinterpret_cast<uint64_t*>(base + offset); };
  return {{at(0), at(l.vector), at(2 * l.vector)},
          at(3 * l.vector),
          at(4 * l.vector),
          at(4 * l.vector + l.twiddles),
          at(4 * l.vector + 2 * l.twiddles)};
}

// The forward and inverse twiddles and the coset factors (1/n)·inc^i, one table after the
// other (they share `small`).
Status EnqueueHTables(int log_n, const HCosetArrays& t, cudaStream_t stream) {
  const Fr inc = log_n == kNttMaxLogSize ? FrFromSmall(kCosetShift)
                                         : Fr::Load(FrRootOfUnityLimbs(log_n + 1).data());
  const Fr root = Fr::Load(FrRootOfUnityLimbs(log_n).data());
  if (Status s = EnqueuePowerTable(root, Fr::One(), false, log_n - 1, t.forward, t.small, stream);
      !s.ok()) {
    return s;
  }
  if (Status s = EnqueuePowerTable(RootInverse(log_n), Fr::One(), false, log_n - 1, t.inverse,
                                   t.small, stream);
      !s.ok()) {
    return s;
  }
  return EnqueuePowerTable(inc, InverseOfSize(log_n), true, log_n, t.coset, t.small, stream);
}

// v (evaluations over the domain) becomes its evaluations on the odd coset: an inverse
// NTT without the 1/n, the multiplication by (1/n)·inc^i, a forward NTT.
Status EnqueueToOddCoset(uint64_t* v, int log_n, const HCosetArrays& t, cudaStream_t stream) {
  if (Status s = EnqueueTransform(v, log_n, t.inverse, stream); !s.ok()) return s;
  const uint32_t n = 1u << log_n;
  ClearLastCudaError();
  MultiplyKernel<<<Blocks(n), kThreadsPerBlock, 0, stream>>>(v, t.coset, n);
  if (Status s = CheckLaunch("LaunchHCoset(coset)", stream); !s.ok()) return s;
  return EnqueueTransform(v, log_n, t.forward, stream);
}

}  // namespace

std::array<uint64_t, 4> FrRootOfUnityLimbs(int log_n) {
  Fr w = Fr::Load(kRoot28);
  for (int k = kNttMaxLogSize; k > log_n; --k) w = Square(w);
  return {w.l[0], w.l[1], w.l[2], w.l[3]};
}

Status NttWorkspaceBytes(int log_n, size_t* bytes) {
  if (bytes == nullptr) return Status::InvalidArgument("NttWorkspaceBytes: bytes is null");
  if (Status s = CheckLogSize("NttWorkspaceBytes", log_n); !s.ok()) return s;
  *bytes = NttBytes(log_n);
  return Status::Ok();
}

Status LaunchNtt(uint64_t* values, int log_n, NttDirection direction, void* workspace,
                 size_t workspace_bytes, cudaStream_t stream) {
  if (Status s = CheckLogSize("LaunchNtt", log_n); !s.ok()) return s;
  if (values == nullptr) return Status::InvalidArgument("LaunchNtt: values is null");
  if (Status s = CheckWorkspace("LaunchNtt", workspace, workspace_bytes, NttBytes(log_n));
      !s.ok()) {
    return s;
  }
  const bool inverse = direction == NttDirection::kInverse;
  uint64_t* twiddles = static_cast<uint64_t*>(workspace);
  uint64_t* small = reinterpret_cast<uint64_t*>(
      static_cast<char*>(workspace) + AlignUp((size_t{1} << (log_n - 1)) * kElementBytes));
  const Fr root = inverse ? RootInverse(log_n) : Fr::Load(FrRootOfUnityLimbs(log_n).data());
  if (Status s = EnqueuePowerTable(root, Fr::One(), false, log_n - 1, twiddles, small, stream);
      !s.ok()) {
    return s;
  }
  if (Status s = EnqueueTransform(values, log_n, twiddles, stream); !s.ok()) return s;
  if (!inverse) return Status::Ok();
  const uint32_t n = 1u << log_n;
  ClearLastCudaError();
  ScaleKernel<<<Blocks(n), kThreadsPerBlock, 0, stream>>>(values, InverseOfSize(log_n), n);
  return CheckLaunch("LaunchNtt(scale)", stream);
}

Status HCosetWorkspaceBytes(int log_n, size_t* bytes) {
  if (bytes == nullptr) return Status::InvalidArgument("HCosetWorkspaceBytes: bytes is null");
  if (Status s = CheckLogSize("HCosetWorkspaceBytes", log_n); !s.ok()) return s;
  *bytes = HLayout(log_n).total;
  return Status::Ok();
}

Status LaunchHCoset(const uint64_t* a, const uint64_t* b, int log_n, uint64_t* h,
                    void* workspace, size_t workspace_bytes, cudaStream_t stream) {
  if (Status s = CheckLogSize("LaunchHCoset", log_n); !s.ok()) return s;
  if (a == nullptr || b == nullptr || h == nullptr) {
    return Status::InvalidArgument("LaunchHCoset: a, b or h is null");
  }
  const HCosetLayout layout = HLayout(log_n);
  if (Status s = CheckWorkspace("LaunchHCoset", workspace, workspace_bytes, layout.total);
      !s.ok()) {
    return s;
  }
  const HCosetArrays arrays = ViewHWorkspace(layout, workspace);
  if (Status s = EnqueueHTables(log_n, arrays, stream); !s.ok()) return s;
  const uint32_t n = 1u << log_n;
  cudaError_t error =
      cudaMemcpyAsync(arrays.abc[0], a, n * kElementBytes, cudaMemcpyDeviceToDevice, stream);
  if (error == cudaSuccess) {
    error = cudaMemcpyAsync(arrays.abc[1], b, n * kElementBytes, cudaMemcpyDeviceToDevice, stream);
  }
  if (error != cudaSuccess) return CudaStatus(error, "LaunchHCoset(copy)");
  ClearLastCudaError();
  MultiplyPairKernel<<<Blocks(n), kThreadsPerBlock, 0, stream>>>(a, b, arrays.abc[2], n);
  if (Status s = CheckLaunch("LaunchHCoset(c = a·b)", stream); !s.ok()) return s;
  for (uint64_t* v : arrays.abc) {
    if (Status s = EnqueueToOddCoset(v, log_n, arrays, stream); !s.ok()) return s;
  }
  ClearLastCudaError();
  MultiplySubtractKernel<<<Blocks(n), kThreadsPerBlock, 0, stream>>>(
      arrays.abc[0], arrays.abc[1], arrays.abc[2], h, n);
  return CheckLaunch("LaunchHCoset(h)", stream);
}

Status LaunchSparseMatrixTimesWitness(const uint32_t* row_offsets, const uint32_t* signals,
                                      const uint64_t* coefficients, size_t rows,
                                      const uint64_t* witness, size_t domain_size,
                                      uint64_t* out, cudaStream_t stream) {
  constexpr const char* kWhat = "LaunchSparseMatrixTimesWitness";
  if (domain_size > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument(std::string(kWhat) + ": domain_size exceeds 2^32 - 1");
  }
  if (rows > domain_size) {
    return Status::InvalidArgument(std::string(kWhat) + ": " + std::to_string(rows) +
                                   " rows exceed the domain of " + std::to_string(domain_size));
  }
  if (domain_size == 0) return Status::Ok();
  if (out == nullptr || (rows != 0 && (row_offsets == nullptr || signals == nullptr ||
                                       coefficients == nullptr || witness == nullptr))) {
    return Status::InvalidArgument(std::string(kWhat) + ": a needed pointer is null");
  }
  ClearLastCudaError();
  SparseMatrixTimesWitnessKernel<<<Blocks(domain_size), kThreadsPerBlock, 0, stream>>>(
      row_offsets, signals, coefficients, static_cast<uint32_t>(rows), witness, out,
      static_cast<uint32_t>(domain_size));
  return CheckLaunch(kWhat, stream);
}

Status LaunchFrFromMontgomery(const uint64_t* in, uint64_t* out, size_t n, cudaStream_t stream) {
  if (n > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("LaunchFrFromMontgomery: n exceeds 2^32 - 1");
  }
  if (n == 0) return Status::Ok();
  if (in == nullptr || out == nullptr) {
    return Status::InvalidArgument("LaunchFrFromMontgomery: in or out is null");
  }
  ClearLastCudaError();
  FromMontgomeryKernel<<<Blocks(n), kThreadsPerBlock, 0, stream>>>(in, out,
                                                                   static_cast<uint32_t>(n));
  return CheckLaunch("LaunchFrFromMontgomery", stream);
}

}  // namespace chainaccel::kernels::zk
