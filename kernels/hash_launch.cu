#include "kernels/hash_launch.h"

#include <limits>
#include <string>

#include "kernels/hash_kernels.cuh"
#include "kernels/launch_check.h"

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

unsigned BlockCount(size_t count) { return GridBlocks(count, kHashThreadsPerBlock); }

Status CheckHashLaunch(const char* wrapper, HashAlgorithm algorithm, cudaStream_t stream) {
  return CheckLaunch(std::string(wrapper) + "(" + std::string(HashAlgorithmName(algorithm)) + ")",
                     stream);
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
  ClearLastCudaError();
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
  return CheckHashLaunch("LaunchHashFixed", algorithm, stream);
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
  ClearLastCudaError();
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
  return CheckHashLaunch("LaunchHashVariable", algorithm, stream);
}

}  // namespace chainaccel::kernels
