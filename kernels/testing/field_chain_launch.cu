#include "kernels/testing/field_chain_launch.h"

#include "kernels/lane_u256.cuh"
#include "kernels/launch_check.h"
#include "kernels/secp256k1.cuh"

namespace chainaccel::kernels {
namespace {

// 128 threads a block, as the signature kernels: 128 values a block one-thread, 16 in
// eight lanes.
constexpr int kThreadsPerBlock = 128;

__global__ void FieldMulChainOneThread(const uint32_t* a, const uint32_t* b, uint32_t* out,
                                       size_t count, uint32_t steps) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= count) return;
  U256 x, y;
  for (int k = 0; k < 8; ++k) {
    x.w[k] = a[8 * i + k];
    y.w[k] = b[8 * i + k];
  }
  for (uint32_t s = 0; s < steps; ++s) x = ModMul<Fp>(x, y);
  for (int k = 0; k < 8; ++k) out[8 * i + k] = x.w[k];
}

// Every lane of a warp runs the products (their shuffles need the whole warp); a group
// past `count` works on zeros and stores nothing.
__global__ void FieldMulChainEightLanes(const uint32_t* a, const uint32_t* b, uint32_t* out,
                                        size_t count, uint32_t steps) {
#if defined(__CUDA_ARCH__)  // Lanes<T> is one value a lane on the device only
  const size_t thread = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  const size_t value = thread / lanes::kLaneCount;
  const bool live = value < count;
  lanes::Lanes<uint32_t> x, y;
  x.x = live ? a[thread] : 0u;  // limb thread % 8 of value `value`: 8 * value + lane
  y.x = live ? b[thread] : 0u;
  for (uint32_t s = 0; s < steps; ++s) x = lanes::ModMulP(x, y);
  if (live) out[thread] = x.x;
#endif
}

}  // namespace

Status LaunchFieldMulChain(FieldLayout layout, const uint32_t* a, const uint32_t* b,
                           uint32_t* out, size_t count, uint32_t steps, cudaStream_t stream) {
  if (layout != FieldLayout::kOneThread && layout != FieldLayout::kEightLanes) {
    return Status::InvalidArgument("LaunchFieldMulChain: unknown layout");
  }
  if (count == 0 || steps == 0) return Status::Ok();
  if (a == nullptr || b == nullptr || out == nullptr) {
    return Status::InvalidArgument("LaunchFieldMulChain: null pointer");
  }
  const size_t threads =
      layout == FieldLayout::kOneThread ? count : count * lanes::kLaneCount;
  const unsigned blocks = count > (size_t{1} << 40) ? 0 : GridBlocks(threads, kThreadsPerBlock);
  if (blocks == 0) return Status::InvalidArgument("LaunchFieldMulChain: count too large");
  ClearLastCudaError();
  if (layout == FieldLayout::kOneThread) {
    FieldMulChainOneThread<<<blocks, kThreadsPerBlock, 0, stream>>>(a, b, out, count, steps);
  } else {
    FieldMulChainEightLanes<<<blocks, kThreadsPerBlock, 0, stream>>>(a, b, out, count, steps);
  }
  return CheckLaunch("LaunchFieldMulChain", stream);
}

}  // namespace chainaccel::kernels
