#include "kernels/ecdsa_launch.h"

#include <string>

#include "kernels/ecdsa.cuh"
#include "kernels/launch_check.h"

namespace chainaccel::kernels {
namespace {

// One signature per thread: each keeps 15 Jacobian multiples of its key (1.4 KiB of local
// memory) and the exponentiation window tables, so blocks stay small: 128 threads.
// At least 3 blocks an SM. With the block size alone ptxas once settled on 72 registers
// and spilled ~2 KB per thread (ncu: 128 M spill requests per 2^17 verifications); a
// minimum of 4 blocks held it to 128 registers, which the PTX carry chains of
// u256_chains.cuh (two accumulators) pushed into 430-500 bytes of spills. With 3 blocks
// the kernels take 150 (recovery) and 162 (verification) registers and spill nothing:
// on the H100 recovery ran 7 % faster (97.8 against 104.8 ms for 2^20) and verification
// the same (88.8 ms), with the branchless ModAdd/ModSub (kernels/NOTES.md, "Branchless
// modular addition and three blocks an SM"). Since the Jacobian point operations are
// called functions (CHAINACCEL_HD_CALLED, kernels/secp256k1.cuh) both take 168 registers
// and spill 36-84 bytes around the calls, and run 14-15 % faster (H100, 2^20: verification
// 11.1 -> 12.7 M/s, recovery 10.2 -> 11.7; kernels/NOTES.md, "Called point operations").
constexpr int kEcdsaThreadsPerBlock = 128;
constexpr int kEcdsaMinBlocksPerSm = 3;

__global__ void __launch_bounds__(kEcdsaThreadsPerBlock, kEcdsaMinBlocksPerSm)
    EcdsaVerifyKernel(const uint8_t* __restrict__ records, const uint8_t* __restrict__ digests,
                      uint64_t count, bool allow_high_s,
                      const AffinePoint* __restrict__ generator_table,
                      uint8_t* __restrict__ statuses) {
  const uint64_t i = uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (i >= count) return;
  statuses[i] = static_cast<uint8_t>(
      VerifyEcdsaRecord(records + kEcdsaVerifyRecordBytes * i,
                        digests != nullptr ? digests + 32 * i : nullptr, allow_high_s,
                        generator_table));
}

__global__ void __launch_bounds__(kEcdsaThreadsPerBlock, kEcdsaMinBlocksPerSm)
    EcdsaRecoverKernel(const uint8_t* __restrict__ records, uint64_t count, bool allow_high_s,
                       const AffinePoint* __restrict__ generator_table,
                       uint8_t* __restrict__ results) {
  const uint64_t i = uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (i >= count) return;
  uint8_t* result = results + kEcdsaRecoverResultBytes * i;
  result[kEcdsaRecoverStatusOffset] = static_cast<uint8_t>(RecoverEcdsaRecord(
      records + kEcdsaRecoverRecordBytes * i, allow_high_s, generator_table, result));
}

}  // namespace

Status LaunchEcdsaVerify(const uint8_t* records, const uint8_t* digests, size_t count,
                         bool allow_high_s, const AffinePoint* generator_table,
                         uint8_t* statuses, SignatureLayout layout, cudaStream_t stream) {
  if (count == 0) return Status::Ok();
  if (records == nullptr || generator_table == nullptr || statuses == nullptr) {
    return Status::InvalidArgument("LaunchEcdsaVerify: null buffer");
  }
  const bool split = UsesSplitLayout(layout, count);
  const unsigned blocks = GridBlocks(count, split ? kSplitItemsPerBlock : kEcdsaThreadsPerBlock);
  if (blocks == 0) return Status::InvalidArgument("LaunchEcdsaVerify: batch too large");
  ClearLastCudaError();
  if (split) {
    const EcdsaVerifyRoles roles{{}, records, digests, allow_high_s, generator_table, statuses};
    if (layout == SignatureLayout::kSplitQuad) {
      EnqueueSplitVerify(Secp256k1QuadHalves<EcdsaVerifyRoles>{roles}, count, blocks, stream);
    } else {
      EnqueueSplitVerify(roles, count, blocks, stream);
    }
    return CheckLaunch("LaunchEcdsaVerify", stream);
  }
  EcdsaVerifyKernel<<<blocks, kEcdsaThreadsPerBlock, 0, stream>>>(
      records, digests, count, allow_high_s, generator_table, statuses);
  return CheckLaunch("LaunchEcdsaVerify", stream);
}

Status LaunchEcdsaRecover(const uint8_t* records, size_t count, bool allow_high_s,
                          const AffinePoint* generator_table, uint8_t* results,
                          SignatureLayout layout, cudaStream_t stream) {
  if (count == 0) return Status::Ok();
  if (records == nullptr || generator_table == nullptr || results == nullptr) {
    return Status::InvalidArgument("LaunchEcdsaRecover: null buffer");
  }
  const bool split = UsesSplitLayout(layout, count);
  const unsigned blocks = GridBlocks(count, split ? kSplitItemsPerBlock : kEcdsaThreadsPerBlock);
  if (blocks == 0) return Status::InvalidArgument("LaunchEcdsaRecover: batch too large");
  ClearLastCudaError();
  if (split) {
    const EcdsaRecoverRoles roles{{}, records, allow_high_s, generator_table, results};
    if (layout == SignatureLayout::kSplitQuad) {
      EnqueueSplitVerify(Secp256k1QuadHalves<EcdsaRecoverRoles>{roles}, count, blocks, stream);
    } else {
      EnqueueSplitVerify(roles, count, blocks, stream);
    }
    return CheckLaunch("LaunchEcdsaRecover", stream);
  }
  EcdsaRecoverKernel<<<blocks, kEcdsaThreadsPerBlock, 0, stream>>>(
      records, count, allow_high_s, generator_table, results);
  return CheckLaunch("LaunchEcdsaRecover", stream);
}

}  // namespace chainaccel::kernels
