#include "kernels/bip340_launch.h"

#include "kernels/bip340.cuh"
#include "kernels/launch_check.h"

namespace chainaccel::kernels {
namespace {

// The geometry of the ECDSA verification kernel (kernels/ecdsa_launch.cu), whose
// DoubleScalarMul this kernel shares: 128 threads a block, each keeping 15 Jacobian
// multiples of its key (1.4 KiB of local memory); at least 3 blocks an SM, as ECDSA's
// (166 registers, no spills). Measured on the H100 against 4 blocks (128 registers,
// ~450 bytes of spills with the carry chains): 2^20 items 87.5 against 85.9 ms, 1,024
// items the same (1.92 ms); 3 is the build whose device tests ran (kernels/NOTES.md,
// "Branchless modular addition and three blocks an SM").
constexpr int kBip340ThreadsPerBlock = 128;
constexpr int kBip340MinBlocksPerSm = 3;

__global__ void __launch_bounds__(kBip340ThreadsPerBlock, kBip340MinBlocksPerSm)
    Bip340VerifyKernel(const uint8_t* __restrict__ records, const uint8_t* __restrict__ messages,
                       const uint64_t* __restrict__ offsets, const uint8_t* __restrict__ digests,
                       uint64_t count, const AffinePoint* __restrict__ generator_table,
                       uint8_t* __restrict__ statuses) {
  const uint64_t i = uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (i >= count) return;
  const ItemMessage message = MessageOfItem(messages, offsets, digests, i);
  statuses[i] = static_cast<uint8_t>(VerifyBip340Record(
      records + kBip340RecordBytes * i, message.data, message.size, generator_table));
}

}  // namespace

Status LaunchBip340Verify(const uint8_t* records, const uint8_t* messages,
                          const uint64_t* offsets, const uint8_t* digests, size_t count,
                          const AffinePoint* generator_table, uint8_t* statuses,
                          SignatureLayout layout, cudaStream_t stream) {
  if (count == 0) return Status::Ok();
  if (records == nullptr || generator_table == nullptr || statuses == nullptr ||
      (digests == nullptr && offsets == nullptr)) {
    return Status::InvalidArgument("LaunchBip340Verify: null buffer");
  }
  const bool split = UsesSplitLayout(layout, count);
  const unsigned blocks =
      GridBlocks(count, split ? kSplitItemsPerBlock : kBip340ThreadsPerBlock);
  if (blocks == 0) return Status::InvalidArgument("LaunchBip340Verify: batch too large");
  ClearLastCudaError();
  if (split) {
    const Bip340VerifyRoles roles{
        {}, records, messages, offsets, digests, generator_table, statuses};
    if (layout == SignatureLayout::kSplitQuad) {
      EnqueueSplitVerify(Secp256k1QuadHalves<Bip340VerifyRoles>{roles}, count, blocks, stream);
    } else {
      EnqueueSplitVerify(roles, count, blocks, stream);
    }
    return CheckLaunch("LaunchBip340Verify", stream);
  }
  Bip340VerifyKernel<<<blocks, kBip340ThreadsPerBlock, 0, stream>>>(
      records, messages, offsets, digests, count, generator_table, statuses);
  return CheckLaunch("LaunchBip340Verify", stream);
}

}  // namespace chainaccel::kernels
