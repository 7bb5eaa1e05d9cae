// GpuEngine's signatures: ECDSA secp256k1 (and, with Options::ed25519, Ed25519)
// verification (SignatureVerifyTask) and Ethereum-style recovery (SignatureRecoverTask). Items are staged into fixed-size records
// on the host (kernels/ecdsa_records.h, on the copy threads), streamed through both lanes
// in chunks, pre-hashed on the device when the task asks for it, and checked one thread
// per signature (kernels/ecdsa_launch.h). gpu_engine.h has the contract.
#include <algorithm>
#include <cstring>
#include <string>

#include "engines/gpu/gpu_engine.h"
#include "kernels/cuda_status.h"
#include "kernels/ecdsa.cuh"
#include "kernels/ecdsa_launch.h"
#include "kernels/ecdsa_records.h"
#include "kernels/ed25519_launch.h"
#include "kernels/hash_launch.h"

namespace chainaccel {
namespace {

constexpr size_t kAlign = 256;

size_t AlignUp(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

// The pre-hash's algorithm (the enums share their values).
HashAlgorithm PreHashAlgorithm(PreHash pre_hash) { return static_cast<HashAlgorithm>(pre_hash); }

}  // namespace

bool GpuEngine::Accepts(const Task& task) const {
  if (const auto* verify = std::get_if<SignatureVerifyTask>(&task)) {
    return verify->scheme == SignatureScheme::kEcdsaSecp256k1 ||
           (verify->scheme == SignatureScheme::kEd25519 && options_.ed25519);
  }
  return Supports(TaskTypeOf(task));
}

void GpuEngine::ForEachItem(size_t count, const std::function<void(size_t, size_t)>& body) {
  // Grains of 2 048 items: a record takes ~0.1 us to stage, so a grain is ~0.2 ms of work.
  constexpr size_t kGrain = 2048;
  if (copy_pool_ == nullptr || count < 2 * kGrain) {
    body(0, count);
    return;
  }
  copy_pool_->ParallelFor(count, kGrain, body);
}

template <class Plan, class Stage, class Drain>
Status GpuEngine::RunChunks(size_t n, bool inject, const Plan& plan, const Stage& stage,
                            const Drain& drain) {
  Status s = CudaStatus(cudaSetDevice(ordinal_), "cudaSetDevice");
  size_t next = 0;
  size_t chunk = 0;  // chunk k runs on lanes_[k % 2]
  const auto drain_lane = [&](Lane& lane) -> Status {
    if (lane.count == 0) return Status::Ok();
    Status done = lane.done.Synchronize();
    if (done.ok()) drain(lane, lane.first, lane.count);
    lane.count = 0;
    return done;
  };
  while (s.ok() && next < n) {
    Lane& lane = lanes_[chunk % 2];
    s = drain_lane(lane);  // the lane's chunk before last: its buffers are reused now
    if (!s.ok()) break;
    const size_t count = plan(next);
    s = stage(lane, next, count);
    if (s.ok() && inject && chunks_launched_++ == options_.fail_after_chunks) {
      s = CudaStatus(cudaErrorLaunchFailure,
                     "signature chunk (fault injected by Options::fail_after_chunks)");
    }
    if (s.ok()) s = lane.done.Record(lane.stream.get());
    if (!s.ok()) break;
    lane.first = next;
    lane.count = count;
    next += count;
    ++chunk;
  }
  for (size_t k = 0; k < 2 && s.ok(); ++k) s = drain_lane(lanes_[(chunk + k) % 2]);
  if (!s.ok()) {
    for (Lane& lane : lanes_) {
      cudaStreamSynchronize(lane.stream.get());
      lane.count = 0;
    }
  }
  return s;
}

Status GpuEngine::VerifyBatch(SignatureVerifyTask& task, bool inject) {
  const size_t n = task.messages.size();
  const bool pre_hash = task.pre_hash != PreHash::kNone;
  const bool ed25519 = task.scheme == SignatureScheme::kEd25519;
  // Ed25519 hashes its message on the device inside verification (SHA-512 of R || A ||
  // M), so its messages are always staged; ECDSA's only for a pre-hash.
  const bool stage_messages = pre_hash || ed25519;
  const size_t kRecord = ed25519 ? size_t{kernels::kEd25519RecordBytes}
                                 : size_t{kernels::kEcdsaVerifyRecordBytes};
  // Device output holds a chunk's digests (32 bytes an item) and then its statuses.
  const size_t cap = std::max<size_t>(
      1, std::min(options_.chunk_items / 2, options_.chunk_bytes / kRecord));

  // As many items as fit: records, then (with a pre-hash) the messages, in the lane's
  // input; at least one (a message too long for the lane goes through a temporary).
  const auto plan = [&](size_t first) {
    size_t count = 0;
    size_t message_bytes = 0;
    while (first + count < n && count < cap) {
      const size_t m = stage_messages ? task.messages[first + count].size() : 0;
      if (AlignUp((count + 1) * kRecord) + message_bytes + m > options_.chunk_bytes) break;
      message_bytes += m;
      ++count;
    }
    return std::max<size_t>(count, 1);
  };

  const auto stage = [&](Lane& lane, size_t first, size_t count) -> Status {
    const cudaStream_t stream = lane.stream.get();
    uint8_t* records = lane.input.data();
    ForEachItem(count, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        if (ed25519) {
          kernels::StageEd25519Record(task, first + i, records + kRecord * i);
        } else {
          kernels::StageEcdsaVerifyRecord(task, first + i, records + kRecord * i);
        }
      }
    });
    const size_t message_base = AlignUp(count * kRecord);
    size_t in_bytes = count * kRecord;
    const uint8_t* device_messages = nullptr;
    DeviceBuffer oversize;
    Status s;
    if (stage_messages) {
      const size_t begin = task.messages.offset(first);
      const size_t total = task.messages.offset(first + count) - begin;
      auto* offsets = reinterpret_cast<uint64_t*>(lane.offsets.data());
      for (size_t i = 0; i <= count; ++i) offsets[i] = task.messages.offset(first + i) - begin;
      const uint8_t* source = task.messages.data().data() + begin;
      if (message_base + total <= options_.chunk_bytes) {
        if (total != 0) Copy(lane.input.data() + message_base, source, total);
        in_bytes = message_base + total;
        device_messages = lane.device_input.data() + message_base;
      } else {  // one message longer than the lane's input
        s = DeviceBuffer::AllocateAsync(total, stream, &oversize);
        if (s.ok()) {
          s = CudaStatus(cudaMemcpyAsync(oversize.data(), source, total, cudaMemcpyHostToDevice,
                                         stream),
                         "cudaMemcpyAsync (oversize message in)");
        }
        device_messages = oversize.data();
      }
      if (s.ok()) {
        s = CudaStatus(cudaMemcpyAsync(lane.device_offsets.data(), offsets,
                                       (count + 1) * sizeof(uint64_t), cudaMemcpyHostToDevice,
                                       stream),
                       "cudaMemcpyAsync (message offsets in)");
      }
    }
    if (s.ok()) {
      s = CudaStatus(cudaMemcpyAsync(lane.device_input.data(), lane.input.data(), in_bytes,
                                     cudaMemcpyHostToDevice, stream),
                     "cudaMemcpyAsync (signature records in)");
    }
    uint8_t* digests = lane.device_output.data();
    uint8_t* statuses = lane.device_output.data() + AlignUp(count * 32);
    if (s.ok() && pre_hash) {
      s = kernels::LaunchHashVariable(PreHashAlgorithm(task.pre_hash), device_messages,
                                      reinterpret_cast<const uint64_t*>(lane.device_offsets.data()),
                                      count, digests, stream);
    }
    if (s.ok() && ed25519) {
      s = kernels::LaunchEd25519Verify(
          lane.device_input.data(), device_messages,
          reinterpret_cast<const uint64_t*>(lane.device_offsets.data()),
          pre_hash ? digests : nullptr, count,
          reinterpret_cast<const kernels::EdPrecomputed*>(ed25519_table_.data()), statuses,
          stream);
    } else if (s.ok()) {
      s = kernels::LaunchEcdsaVerify(lane.device_input.data(), pre_hash ? digests : nullptr,
                                     count, task.allow_high_s,
                                     reinterpret_cast<const kernels::AffinePoint*>(
                                         generator_table_.data()),
                                     statuses, stream);
    }
    if (s.ok()) {
      s = CudaStatus(cudaMemcpyAsync(lane.output.data(), statuses, count,
                                     cudaMemcpyDeviceToHost, stream),
                     "cudaMemcpyAsync (statuses out)");
    }
    return s;
  };

  const auto drain = [&](Lane& lane, size_t first, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      task.status[first + i] = static_cast<ItemStatus>(lane.output.data()[i]);
    }
  };
  return RunChunks(n, inject, plan, stage, drain);
}

Status GpuEngine::RecoverBatch(SignatureRecoverTask& task, bool inject) {
  constexpr size_t kRecord = kernels::kEcdsaRecoverRecordBytes;
  constexpr size_t kResult = kernels::kEcdsaRecoverResultBytes;
  const size_t cap = std::max<size_t>(
      1, std::min({options_.chunk_items, options_.chunk_items * 32 / kResult,
                   options_.chunk_bytes / kRecord}));
  const auto plan = [&](size_t first) { return std::min(cap, task.count - first); };
  const auto stage = [&](Lane& lane, size_t first, size_t count) -> Status {
    const cudaStream_t stream = lane.stream.get();
    uint8_t* records = lane.input.data();
    ForEachItem(count, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        kernels::StageEcdsaRecoverRecord(task, first + i, records + kRecord * i);
      }
    });
    Status s = CudaStatus(cudaMemcpyAsync(lane.device_input.data(), records, count * kRecord,
                                          cudaMemcpyHostToDevice, stream),
                          "cudaMemcpyAsync (recovery records in)");
    if (s.ok()) {
      s = kernels::LaunchEcdsaRecover(
          lane.device_input.data(), count, task.allow_high_s,
          reinterpret_cast<const kernels::AffinePoint*>(generator_table_.data()),
          lane.device_output.data(), stream);
    }
    if (s.ok()) {
      s = CudaStatus(cudaMemcpyAsync(lane.output.data(), lane.device_output.data(),
                                     count * kResult, cudaMemcpyDeviceToHost, stream),
                     "cudaMemcpyAsync (recovered keys out)");
    }
    return s;
  };
  const auto drain = [&](Lane& lane, size_t first, size_t count) {
    ForEachItem(count, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        const uint8_t* result = lane.output.data() + kResult * i;
        std::memcpy(task.public_keys + 64 * (first + i), result, 64);
        std::memcpy(task.addresses + 20 * (first + i), result + 64, 20);
        task.status[first + i] =
            static_cast<ItemStatus>(result[kernels::kEcdsaRecoverStatusOffset]);
      }
    });
  };
  return RunChunks(task.count, inject, plan, stage, drain);
}

}  // namespace chainaccel
