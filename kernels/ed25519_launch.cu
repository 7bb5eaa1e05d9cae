#include "kernels/ed25519_launch.h"

#include "kernels/ed25519_quad.cuh"
#include "kernels/launch_check.h"

namespace chainaccel::kernels {
namespace {

// As the ECDSA kernel (kernels/ecdsa_launch.cu): one signature per thread with 15 cached
// multiples (2 KiB) in local memory, 128 threads a block. At least 4 blocks an SM caps
// the registers at 128 (ptxas: 128, 28 bytes spilled): left free, ptxas took 154, which
// held the SM to 3 blocks (12 warps; ncu: 20% of issue slots busy, half the stalls on
// instruction fetch). Measured on the H100, 2^20 signatures: 7.5 M/s with 154 registers,
// 10.6 M/s with the cap of 4 blocks, 10.0 M/s with 5 (102 registers).
// The full-size equation: VerifyEd25519RecordHalfScalars (kernels/ed25519_half_scalars.cuh)
// counts 22 % fewer limb products but ran at 9.8 M/s against 12.9 on the H100 (2^20
// signatures, 2026-12-06; kernels/NOTES.md, "Half-size scalars on the device"), and at
// 15.7-16.1 only with its Euclid replaced by a free (wrong) reduction. Point operations
// stay inlined here: called (CHAINACCEL_HD_CALLED, as secp256k1's are) they made this
// kernel 7 % slower at 2^20 signatures (H100: 12.1 against 13.0 M/s; "Called point
// operations"). Since the field arithmetic lost its branches (2026-12-07) this kernel ran
// 15.1 M/s there, bound by instruction fetch (ncu: 54 % of a warp's stalls); with its
// ladders in weak arithmetic (ed25519.cuh's FeWeak, the same day) 16.1-16.4 M/s, 663 k
// warp instructions a verification against 754 k (ptxas: 128 registers, 8 bytes spilled;
// kernels/NOTES.md, "Weak arithmetic in the Ed25519 ladders").
constexpr int kEd25519ThreadsPerBlock = 128;
constexpr int kEd25519MinBlocksPerSm = 4;

__global__ void __launch_bounds__(kEd25519ThreadsPerBlock, kEd25519MinBlocksPerSm)
    Ed25519VerifyKernel(const uint8_t* __restrict__ records, const uint8_t* __restrict__ messages,
                        const uint64_t* __restrict__ offsets,
                        const uint8_t* __restrict__ digests, uint64_t count,
                        const EdPrecomputed* __restrict__ base_table,
                        uint8_t* __restrict__ statuses) {
  const uint64_t i = uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (i >= count) return;
  const ItemMessage message = MessageOfItem(messages, offsets, digests, i);
  statuses[i] = static_cast<uint8_t>(VerifyEd25519Record(
      records + kEd25519RecordBytes * i, message.data, message.size, base_table));
}

}  // namespace

Status LaunchEd25519Verify(const uint8_t* records, const uint8_t* messages,
                           const uint64_t* offsets, const uint8_t* digests, size_t count,
                           const EdPrecomputed* base_table, uint8_t* statuses,
                           SignatureLayout layout, cudaStream_t stream) {
  if (count == 0) return Status::Ok();
  if (records == nullptr || base_table == nullptr || statuses == nullptr ||
      (digests == nullptr && offsets == nullptr)) {
    return Status::InvalidArgument("LaunchEd25519Verify: null buffer");
  }
  const bool quad = UsesQuadLayout(layout, count);
  const bool split = quad || layout == SignatureLayout::kSplit;
  const unsigned blocks =
      GridBlocks(count, split ? kSplitItemsPerBlock : kEd25519ThreadsPerBlock);
  if (blocks == 0) return Status::InvalidArgument("LaunchEd25519Verify: batch too large");
  ClearLastCudaError();
  if (split) {
    const Ed25519VerifyRoles roles{records, messages, offsets, digests, base_table, statuses};
    if (quad) {
      EnqueueSplitVerify(Ed25519QuadVerifyRoles{roles}, count, blocks, stream);
    } else {
      EnqueueSplitVerify(roles, count, blocks, stream);
    }
    return CheckLaunch("LaunchEd25519Verify", stream);
  }
  Ed25519VerifyKernel<<<blocks, kEd25519ThreadsPerBlock, 0, stream>>>(
      records, messages, offsets, digests, count, base_table, statuses);
  return CheckLaunch("LaunchEd25519Verify", stream);
}

}  // namespace chainaccel::kernels
