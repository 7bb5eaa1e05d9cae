#include "kernels/hash_launch.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "kernels/cuda_status.h"
#include "kernels/hash_kernels.cuh"

namespace chainaccel::kernels {

std::string_view HashAlgorithmName(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha256:
      return "SHA256";
    case HashAlgorithm::kSha256d:
      return "SHA256D";
    case HashAlgorithm::kKeccak256:
      return "KECCAK256";
  }
  return {};
}

namespace {

bool SyncAfterEachLaunch() {
  const char* value = std::getenv("CHAINACCEL_CUDA_SYNC");
  return value != nullptr && std::strcmp(value, "1") == 0;
}

// One thread per message: the block count, or 0 when the grid cannot index that many
// (over 2^31 - 1 blocks, about 5.5e11 messages).
unsigned BlockCount(size_t count) {
  const size_t blocks = (count + kHashThreadsPerBlock - 1) / kHashThreadsPerBlock;
  if (blocks > static_cast<size_t>(std::numeric_limits<int>::max())) return 0;
  return static_cast<unsigned>(blocks);
}

// Clears the calling thread's last-error slot before a launch, so that CheckLaunch reports
// this launch and not a stale error of an earlier runtime call (which that call returned
// itself). A sticky fault of the device survives the clearing and fails the launch.
void ClearLastError() { static_cast<void>(cudaGetLastError()); }

// The checks after a launch: the launch's own error, then, in debug mode, the kernel's.
Status CheckLaunch(const char* wrapper, HashAlgorithm algorithm, cudaStream_t stream) {
  const auto what = [&](const char* step) {
    return std::string(wrapper) + "(" + std::string(HashAlgorithmName(algorithm)) + ")" + step;
  };
  if (cudaError_t error = cudaGetLastError(); error != cudaSuccess) {
    return CudaStatus(error, what(""));
  }
  if (SyncAfterEachLaunch()) {
    if (cudaError_t error = cudaStreamSynchronize(stream); error != cudaSuccess) {
      return CudaStatus(error, what(" [CHAINACCEL_CUDA_SYNC]"));
    }
  }
  return Status::Ok();
}

template <HashAlgorithm kAlgorithm>
void EnqueueFixed(const uint8_t* messages, size_t item_size, size_t count, uint8_t* digests,
                  unsigned blocks, cudaStream_t stream) {
  const bool aligned16 = (reinterpret_cast<uintptr_t>(messages) & 15) == 0;
  if (aligned16 && item_size == 64) {
    HashFixedKernel<kAlgorithm, 64>
        <<<blocks, kHashThreadsPerBlock, 0, stream>>>(messages, item_size, count, digests);
  } else if (aligned16 && item_size == 32) {
    HashFixedKernel<kAlgorithm, 32>
        <<<blocks, kHashThreadsPerBlock, 0, stream>>>(messages, item_size, count, digests);
  } else {
    HashFixedKernel<kAlgorithm, 0>
        <<<blocks, kHashThreadsPerBlock, 0, stream>>>(messages, item_size, count, digests);
  }
}

template <HashAlgorithm kAlgorithm>
void EnqueueVariable(const uint8_t* messages, const uint64_t* offsets, size_t count,
                     uint8_t* digests, unsigned blocks, cudaStream_t stream) {
  HashVariableKernel<kAlgorithm>
      <<<blocks, kHashThreadsPerBlock, 0, stream>>>(messages, offsets, count, digests);
}

}  // namespace

Status LaunchHashFixed(HashAlgorithm algorithm, const uint8_t* messages, size_t item_size,
                       size_t count, uint8_t* digests, cudaStream_t stream) {
  if (HashAlgorithmName(algorithm).empty()) {
    return Status::InvalidArgument("LaunchHashFixed: unknown hash algorithm " +
                                   std::to_string(static_cast<int>(algorithm)));
  }
  if (count == 0) return Status::Ok();
  if (digests == nullptr) return Status::InvalidArgument("LaunchHashFixed: digests is null");
  if (item_size != 0 && count > std::numeric_limits<size_t>::max() / item_size) {
    return Status::InvalidArgument("LaunchHashFixed: count * item_size overflows");
  }
  if (messages == nullptr && item_size != 0) {
    return Status::InvalidArgument("LaunchHashFixed: messages is null");
  }
  const unsigned blocks = BlockCount(count);
  if (blocks == 0) {
    return Status::InvalidArgument("LaunchHashFixed: " + std::to_string(count) +
                                   " messages are more than one launch can index");
  }
  ClearLastError();
  switch (algorithm) {
    case HashAlgorithm::kSha256:
      EnqueueFixed<HashAlgorithm::kSha256>(messages, item_size, count, digests, blocks, stream);
      break;
    case HashAlgorithm::kSha256d:
      EnqueueFixed<HashAlgorithm::kSha256d>(messages, item_size, count, digests, blocks,
                                            stream);
      break;
    case HashAlgorithm::kKeccak256:
      EnqueueFixed<HashAlgorithm::kKeccak256>(messages, item_size, count, digests, blocks,
                                              stream);
      break;
  }
  return CheckLaunch("LaunchHashFixed", algorithm, stream);
}

Status LaunchHashVariable(HashAlgorithm algorithm, const uint8_t* messages,
                          const uint64_t* offsets, size_t count, uint8_t* digests,
                          cudaStream_t stream) {
  if (HashAlgorithmName(algorithm).empty()) {
    return Status::InvalidArgument("LaunchHashVariable: unknown hash algorithm " +
                                   std::to_string(static_cast<int>(algorithm)));
  }
  if (count == 0) return Status::Ok();
  if (digests == nullptr) {
    return Status::InvalidArgument("LaunchHashVariable: digests is null");
  }
  if (offsets == nullptr) {
    return Status::InvalidArgument("LaunchHashVariable: offsets is null");
  }
  const unsigned blocks = BlockCount(count);
  if (blocks == 0) {
    return Status::InvalidArgument("LaunchHashVariable: " + std::to_string(count) +
                                   " messages are more than one launch can index");
  }
  ClearLastError();
  switch (algorithm) {
    case HashAlgorithm::kSha256:
      EnqueueVariable<HashAlgorithm::kSha256>(messages, offsets, count, digests, blocks,
                                              stream);
      break;
    case HashAlgorithm::kSha256d:
      EnqueueVariable<HashAlgorithm::kSha256d>(messages, offsets, count, digests, blocks,
                                               stream);
      break;
    case HashAlgorithm::kKeccak256:
      EnqueueVariable<HashAlgorithm::kKeccak256>(messages, offsets, count, digests, blocks,
                                                 stream);
      break;
  }
  return CheckLaunch("LaunchHashVariable", algorithm, stream);
}

}  // namespace chainaccel::kernels
