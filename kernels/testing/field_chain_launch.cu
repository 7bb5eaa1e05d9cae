#include "kernels/testing/field_chain_launch.h"

#include <string>
#include <utility>

#include "kernels/ed25519.cuh"
#include "kernels/ed25519_quad.cuh"
#include "kernels/lane_u256.cuh"
#include "kernels/launch_check.h"
#include "kernels/secp256k1.cuh"
#include "kernels/secp256k1_quad.cuh"
#include "kernels/warp_inverse.cuh"

namespace chainaccel::kernels {
namespace {

// 128 threads a block, as the signature kernels: 128 values a block one-thread, 16 in
// eight lanes.
constexpr int kThreadsPerBlock = 128;

// Value i of an array of 8-limb values.
__device__ __forceinline__ U256 LoadValue(const uint32_t* values, size_t i) {
  U256 v;
  for (int k = 0; k < 8; ++k) v.w[k] = values[8 * i + k];
  return v;
}

__global__ void FieldMulChainOneThread(const uint32_t* a, const uint32_t* b, uint32_t* out,
                                       size_t count, uint32_t steps) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= count) return;
  const U256 y = LoadValue(b, i);
  U256 x = LoadValue(a, i);
  for (uint32_t s = 0; s < steps; ++s) x = ModMul<Fp>(x, y);
  for (int k = 0; k < 8; ++k) out[8 * i + k] = x.w[k];
}

template <class M>
__global__ void FieldInverseChain(const uint32_t* a, uint32_t* out, size_t count,
                                  uint32_t steps) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= count) return;
  U256 x = LoadValue(a, i);
  for (uint32_t s = 0; s < steps; ++s) x = ModAdd<M>(ModInv<M>(x), U256Small(1));
  for (int k = 0; k < 8; ++k) out[8 * i + k] = x.w[k];
}

// Every lane runs the chain (WarpModInv needs the whole warp); lanes past `count` on 1.
template <class M>
__global__ void FieldWarpInverseChain(const uint32_t* a, uint32_t* out, size_t count,
                                      uint32_t steps) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  const bool live = i < count;
  U256 x = live ? LoadValue(a, i) : U256Small(1);
  for (uint32_t s = 0; s < steps; ++s) x = ModAdd<M>(WarpModInv<M>(x), U256Small(1));
  if (live) {
    for (int k = 0; k < 8; ++k) out[8 * i + k] = x.w[k];
  }
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

template <class M>
__device__ void StoreModular(const U256& a, const U256& b, uint32_t* out) {
  const U256 product = ModMul<M>(a, b), square = ModSqr<M>(a);
  for (int k = 0; k < 8; ++k) {
    out[k] = product.w[k];
    out[8 + k] = square.w[k];
  }
}

__device__ __forceinline__ void StoreProducts(const U256& x, const U256& y, uint32_t* o) {
  uint32_t wide[16];
  U256MulWide(x, y, wide);
  for (int k = 0; k < 16; ++k) o[k] = wide[k];
  U256SqrWide(x, wide);
  for (int k = 0; k < 16; ++k) o[16 + k] = wide[k];
  StoreModular<Fp>(x, y, o + 32);
  StoreModular<Fn>(x, y, o + 48);
  StoreModular<Ed25519Field>(x, y, o + 64);
}

__global__ void ModularProducts(const uint32_t* a, const uint32_t* b, uint32_t* out,
                                size_t count) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= count) return;
  const U256 x = LoadValue(a, i), y = LoadValue(b, i);
  StoreProducts(x, y, out + kModularProductLimbs * i);
}

// Operand I of LaunchConstantModularProducts: a template argument, so that every
// operand but x is a constant the compiler sees (whatever it unrolls).
template <int I>
__device__ __forceinline__ U256 ConstantOperand(const U256& x) {
  U256 v = U256Zero();
  if constexpr (I == 1) v.w[0] = 1;
  if constexpr (I == 2) v.w[0] = 2;
  if constexpr (I == 3) v.w[0] = 38;
  if constexpr (I == 4) {
    v = Ed25519Field::Modulus();
    v.w[0] -= 1;
  }
  if constexpr (I == 5) {
    v = Fp::Modulus();
    v.w[0] -= 1;
  }
  if constexpr (I == 6) v = x;
  return v;
}

template <int... K>
__device__ __forceinline__ void StoreConstantPairs(const U256& x, uint32_t* out,
                                                   std::integer_sequence<int, K...>) {
  constexpr int n = static_cast<int>(kConstantOperands);
  (StoreProducts(ConstantOperand<K / n>(x), ConstantOperand<K % n>(x), out + kModularProductLimbs * K),
   ...);
}

__global__ void ConstantModularProducts(const uint32_t* x_limbs, uint32_t* out) {
  StoreConstantPairs(LoadValue(x_limbs, 0), out,
                     std::make_integer_sequence<int, static_cast<int>(kConstantOperands * kConstantOperands)>());
}

// Point i of an array of 32-limb points (X, Y, Z, T), and its store.
__device__ __forceinline__ EdPoint LoadEdPoint(const uint32_t* points, size_t i) {
  return EdPoint{LoadValue(points, 4 * i), LoadValue(points, 4 * i + 1),
                 LoadValue(points, 4 * i + 2), LoadValue(points, 4 * i + 3)};
}
__device__ __forceinline__ void StoreEdPoint(const EdPoint& p, uint32_t* out, size_t i) {
  const U256* coordinates[4] = {&p.x, &p.y, &p.z, &p.t};
  for (int c = 0; c < 4; ++c) {
    for (int k = 0; k < 8; ++k) out[32 * i + 8 * c + k] = coordinates[c]->w[k];
  }
}

__global__ void EdLadderOneThread(const uint32_t* scalars, const uint32_t* points,
                                  uint32_t* out, size_t count) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= count) return;
  EdCached multiples[kEdVariableWindowMultiples];
  EdCachedMultiples(LoadEdPoint(points, i), multiples);
  StoreEdPoint(EdWindowedMul(LoadValue(scalars, i), multiples), out, i);
}

// Four lanes a point; a quad past `count` leaves as a whole (its shuffles stay within it).
__global__ void EdLadderQuad(const uint32_t* scalars, const uint32_t* points, uint32_t* out,
                             size_t count) {
  const size_t thread = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  const size_t i = thread / quad::kQuadLanes;
  if (i >= count) return;
  const EdQuadPoint point = EdQuadFromPoint(LoadEdPoint(points, i));
  const EdPoint p = EdQuadToPoint(EdQuadWindowedMul(LoadValue(scalars, i), point));
  if (thread % quad::kQuadLanes == 0) StoreEdPoint(p, out, i);
}

__device__ __forceinline__ void StoreJacobian(const JacobianPoint& p, uint32_t* out, size_t i) {
  const U256* coordinates[3] = {&p.x, &p.y, &p.z};
  for (int c = 0; c < 3; ++c) {
    for (int k = 0; k < 8; ++k) out[24 * i + 8 * c + k] = coordinates[c]->w[k];
  }
}

__global__ void SecpHalfOneThread(const uint32_t* scalars, const uint32_t* points,
                                  uint32_t* out, size_t count) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= count) return;
  const AffinePoint p{LoadValue(points, 2 * i), LoadValue(points, 2 * i + 1)};
  StoreJacobian(GlvHalfMul(LoadValue(scalars, i), false, true, p), out, i);
}

__global__ void SecpHalfQuad(const uint32_t* scalars, const uint32_t* points, uint32_t* out,
                             size_t count) {
  const size_t thread = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  const size_t i = thread / quad::kQuadLanes;
  if (i >= count) return;
  const AffinePoint p{LoadValue(points, 2 * i), LoadValue(points, 2 * i + 1)};
  const JacobianPoint r = QuadGlvHalfMul(LoadValue(scalars, i), false, true, p);
  if (thread % quad::kQuadLanes == 0) StoreJacobian(r, out, i);
}

// A ladder kernel: out for items [0, count) from scalars and points (one thread an item,
// or a quad of lanes an item).
using LadderKernel = void (*)(const uint32_t*, const uint32_t*, uint32_t*, size_t);

// The launchers' shared body: the checks (errors named after `name`), the grid, and the
// kernel of `layout`.
Status LaunchLadder(const char* name, LadderKernel one_thread, LadderKernel on_quads,
                    LadderLayout layout, const uint32_t* scalars, const uint32_t* points,
                    uint32_t* out, size_t count, cudaStream_t stream) {
  const std::string what = name;
  if (layout != LadderLayout::kOneThread && layout != LadderLayout::kQuad) {
    return Status::InvalidArgument(what + ": unknown layout");
  }
  if (count == 0) return Status::Ok();
  if (scalars == nullptr || points == nullptr || out == nullptr) {
    return Status::InvalidArgument(what + ": null pointer");
  }
  const size_t threads = layout == LadderLayout::kQuad ? count * quad::kQuadLanes : count;
  const unsigned blocks = count > (size_t{1} << 40) ? 0 : GridBlocks(threads, kThreadsPerBlock);
  if (blocks == 0) return Status::InvalidArgument(what + ": count too large");
  ClearLastCudaError();
  const LadderKernel kernel = layout == LadderLayout::kQuad ? on_quads : one_thread;
  kernel<<<blocks, kThreadsPerBlock, 0, stream>>>(scalars, points, out, count);
  return CheckLaunch(name, stream);
}

}  // namespace

Status LaunchSecpHalfLadder(LadderLayout layout, const uint32_t* scalars,
                            const uint32_t* points, uint32_t* out, size_t count,
                            cudaStream_t stream) {
  return LaunchLadder("LaunchSecpHalfLadder", SecpHalfOneThread, SecpHalfQuad, layout, scalars,
                      points, out, count, stream);
}

Status LaunchEdLadder(LadderLayout layout, const uint32_t* scalars, const uint32_t* points,
                     uint32_t* out, size_t count, cudaStream_t stream) {
  return LaunchLadder("LaunchEdLadder", EdLadderOneThread, EdLadderQuad, layout, scalars,
                      points, out, count, stream);
}

Status LaunchModularProducts(const uint32_t* a, const uint32_t* b, uint32_t* out, size_t count,
                             cudaStream_t stream) {
  if (count == 0) return Status::Ok();
  if (a == nullptr || b == nullptr || out == nullptr) {
    return Status::InvalidArgument("LaunchModularProducts: null pointer");
  }
  const unsigned blocks = count > (size_t{1} << 40) ? 0 : GridBlocks(count, kThreadsPerBlock);
  if (blocks == 0) return Status::InvalidArgument("LaunchModularProducts: count too large");
  ClearLastCudaError();
  ModularProducts<<<blocks, kThreadsPerBlock, 0, stream>>>(a, b, out, count);
  return CheckLaunch("LaunchModularProducts", stream);
}

Status LaunchConstantModularProducts(const uint32_t* x, uint32_t* out, cudaStream_t stream) {
  if (x == nullptr || out == nullptr) {
    return Status::InvalidArgument("LaunchConstantModularProducts: null pointer");
  }
  ClearLastCudaError();
  ConstantModularProducts<<<1, 1, 0, stream>>>(x, out);
  return CheckLaunch("LaunchConstantModularProducts", stream);
}

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

Status LaunchFieldInverseChain(InverseModulus modulus, InverseMethod method, const uint32_t* a,
                               uint32_t* out, size_t count, uint32_t steps, cudaStream_t stream) {
  if (modulus != InverseModulus::kFieldP && modulus != InverseModulus::kOrderN) {
    return Status::InvalidArgument("LaunchFieldInverseChain: unknown modulus");
  }
  if (method != InverseMethod::kEuclid && method != InverseMethod::kWarp) {
    return Status::InvalidArgument("LaunchFieldInverseChain: unknown method");
  }
  if (count == 0 || steps == 0) return Status::Ok();
  if (a == nullptr || out == nullptr) {
    return Status::InvalidArgument("LaunchFieldInverseChain: null pointer");
  }
  const unsigned blocks = count > (size_t{1} << 40) ? 0 : GridBlocks(count, kThreadsPerBlock);
  if (blocks == 0) return Status::InvalidArgument("LaunchFieldInverseChain: count too large");
  ClearLastCudaError();
  const bool p = modulus == InverseModulus::kFieldP;
  if (method == InverseMethod::kEuclid) {
    (p ? FieldInverseChain<Fp> : FieldInverseChain<Fn>)<<<blocks, kThreadsPerBlock, 0, stream>>>(
        a, out, count, steps);
  } else {
    (p ? FieldWarpInverseChain<Fp>
       : FieldWarpInverseChain<Fn>)<<<blocks, kThreadsPerBlock, 0, stream>>>(a, out, count, steps);
  }
  return CheckLaunch("LaunchFieldInverseChain", stream);
}

}  // namespace chainaccel::kernels
