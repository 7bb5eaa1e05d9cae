#include "engines/gpu/hash_operator.h"

#include <algorithm>
#include <string>

#include "kernels/cuda_status.h"
#include "kernels/hash_launch.h"

namespace chainaccel {
namespace {

bool IsKnown(HashAlgorithm a) {
  return a == HashAlgorithm::kSha256 || a == HashAlgorithm::kSha256d ||
         a == HashAlgorithm::kKeccak256;
}

// The end of the chunk that starts at message `next`: as many messages as fit chunk_bytes
// and chunk_items, at least one.
size_t ChunkEnd(const PackedItems& messages, size_t next, const GpuOptions& options) {
  const size_t limit = std::min(messages.size(), next + options.chunk_items);
  if (messages.fixed()) {
    const size_t fit = std::max<size_t>(1, options.chunk_bytes / messages.item_size());
    return std::min(limit, next + fit);
  }
  // The offsets are non-decreasing: the largest end whose bytes fit, found by
  // bisection over (next, limit].
  const size_t budget = messages.offset(next) + options.chunk_bytes;
  size_t lo = next + 1;  // fits, or is alone in its chunk
  size_t hi = limit;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo + 1) / 2;
    if (messages.offset(mid) <= budget) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

// Messages in: a chunk's `bytes` at `source` onto the lane's device input, through its
// pinned input; *device_messages says where they landed. The host copy into pinned
// memory runs on this thread while the device works on the other lane's chunk.
Status CopyMessagesIn(GpuDevice& device, GpuDevice::Lane& lane, const uint8_t* source,
                      size_t bytes, DeviceBuffer* oversize, const uint8_t** device_messages) {
  const cudaStream_t stream = lane.stream.get();
  if (bytes <= device.options().chunk_bytes) {
    if (bytes != 0) device.Copy(lane.input.data(), source, bytes);
    *device_messages = lane.device_input.data();
    return CudaStatus(cudaMemcpyAsync(lane.device_input.data(), lane.input.data(), bytes,
                                      cudaMemcpyHostToDevice, stream),
                      "cudaMemcpyAsync (messages in)");
  }
  // Rare (one message above 32 MiB by default): a temporary from the device's memory
  // pool, filled from the caller's pageable memory (cudaMemcpyAsync returns once the
  // driver has staged the source, so the caller's bytes are not read afterwards), and
  // freed stream-ordered when `oversize` goes out of scope after the launch.
  Status s = DeviceBuffer::AllocateAsync(bytes, stream, oversize);
  if (s.ok()) {
    s = CudaStatus(cudaMemcpyAsync(oversize->data(), source, bytes, cudaMemcpyHostToDevice,
                                   stream),
                   "cudaMemcpyAsync (oversize message in)");
  }
  *device_messages = oversize->data();
  return s;
}

// Stages task messages [first, first + count) on `lane` and enqueues their hashing and
// the copy of their digests into the lane's pinned output.
Status LaunchChunk(GpuDevice& device, GpuDevice::Lane& lane, const HashTask& task,
                   size_t first, size_t count) {
  const PackedItems& messages = task.messages;
  const bool fixed = messages.fixed();
  const size_t begin = fixed ? first * messages.item_size() : messages.offset(first);
  const size_t end = fixed ? (first + count) * messages.item_size()
                           : messages.offset(first + count);
  const size_t bytes = end - begin;
  const cudaStream_t stream = lane.stream.get();
  const uint8_t* device_messages = nullptr;
  DeviceBuffer oversize;  // a single message longer than chunk_bytes, alone in its chunk
  Status s = CopyMessagesIn(device, lane, messages.data().data() + begin, bytes, &oversize,
                            &device_messages);
  if (!s.ok()) return s;

  // Offsets in, rebased so that the chunk's first message starts at 0.
  if (!fixed) {
    auto* offsets = reinterpret_cast<uint64_t*>(lane.offsets.data());
    for (size_t i = 0; i < count; ++i) offsets[i] = messages.offset(first + i) - begin;
    offsets[count] = bytes;
    s = CudaStatus(cudaMemcpyAsync(lane.device_offsets.data(), lane.offsets.data(),
                                   (count + 1) * sizeof(uint64_t), cudaMemcpyHostToDevice,
                                   stream),
                   "cudaMemcpyAsync (offsets in)");
    if (!s.ok()) return s;
  }

  if (fixed) {
    s = kernels::LaunchHashFixed(task.algorithm, device_messages, messages.item_size(), count,
                                 lane.device_output.data(), stream);
  } else {
    s = kernels::LaunchHashVariable(
        task.algorithm, device_messages,
        reinterpret_cast<const uint64_t*>(lane.device_offsets.data()), count,
        lane.device_output.data(), stream);
  }
  if (!s.ok()) return s;

  // Digests out; RunChunks records the lane's event behind them.
  return CudaStatus(cudaMemcpyAsync(lane.output.data(), lane.device_output.data(), count * 32,
                                    cudaMemcpyDeviceToHost, stream),
                    "cudaMemcpyAsync (digests out)");
}

}  // namespace

Status HashOperator::CanImplement(const HashTask& task) const {
  if (IsKnown(task.algorithm)) return Status::Ok();
  return Status::InvalidArgument("algorithm: unknown value " +
                                 std::to_string(static_cast<int>(task.algorithm)));
}

Status HashOperator::Run(GpuDevice::Batch& batch, HashTask& task) const {
  GpuDevice& device = batch.device();
  const PackedItems& messages = task.messages;
  const auto plan = [&](size_t next) {
    return ChunkEnd(messages, next, device.options()) - next;
  };
  const auto stage = [&](GpuDevice::Lane& lane, size_t first, size_t count) {
    return LaunchChunk(device, lane, task, first, count);
  };
  // The lane's digests into the task.
  const auto drain = [&](GpuDevice::Lane& lane, size_t first, size_t count) {
    device.Copy(task.digests + 32 * first, lane.output.data(), 32 * count);
  };
  return batch.RunChunks(messages.size(), "LaunchHash", plan, stage, drain);
}

}  // namespace chainaccel
