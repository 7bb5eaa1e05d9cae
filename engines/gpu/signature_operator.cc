#include "engines/gpu/signature_operator.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "kernels/bip340.cuh"
#include "kernels/bip340_launch.h"
#include "kernels/bip340_records.h"
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

// The kernels' layout for a chunk of `scheme` (kernels/signature_layout.h).
// Ed25519: quads while the chunks on the device, this one included, hold at most
// kQuadLayoutMaxItems items, whether or not other batches run beside it (up to there the
// quads still fit the GPU at once and finish sooner); one thread a signature past that.
// Through gRPC on the H100 (2026-12-06, bench/RESULTS.md), quads for every chunk of up
// to 4,096 items beside others lifted 256 clients x 64 items from 2.47-2.60 to 2.96-2.98
// M/s, and cost 64 x 1,024 items (65,536 in flight) 7.40-7.44 -> 6.94-7.01: the bound on
// the items in flight keeps the first and not the second.
// secp256k1: kAuto, the split layout for chunks of up to 4,096 items, while this batch is
// alone on the device (H100, kernel-only, 1,024 items: ECDSA 1.92 -> 1.16 ms, recovery
// 2.18 -> 1.39, BIP-340 1.93 -> 1.23; with the key's square root and multiples off the
// critical path, 2026-12-07: ECDSA 0.98-1.01 ms, recovery 1.24, BIP-340 1.14, then 0.92
// without the inversion after its sum; at 4,096 items ECDSA 1.13-1.20, recovery 1.42,
// BIP-340 1.03; with one inversion a warp instead of one a lane, 2026-12-07 04:26 UTC:
// ECDSA 1.03 -> 0.89 ms, recovery 1.25 -> 0.98 at 1,024 items, 1.16 -> 0.98 and
// 1.40 -> 1.07 at 4,096); one thread a signature when other batches run
// beside it, where the split layout's extra work costs throughput (through gRPC, 64
// clients x 1,024 items, 8 batches in flight: ECDSA 7.7 -> 4.8 M/s with it;
// bench/RESULTS.md, 2026-12-05, third session).
kernels::SignatureLayout ChunkLayout(const GpuDevice& device, SignatureScheme scheme) {
  if (scheme == SignatureScheme::kEd25519) {
    return device.chunk_items_in_flight() <= kernels::kQuadLayoutMaxItems
               ? kernels::SignatureLayout::kSplitQuad
               : kernels::SignatureLayout::kThreadPerItem;
  }
  return device.batches_held() <= 1 ? kernels::SignatureLayout::kAuto
                                    : kernels::SignatureLayout::kThreadPerItem;
}

// The pre-hash's algorithm (the enums share their values).
HashAlgorithm PreHashAlgorithm(PreHash pre_hash) { return static_cast<HashAlgorithm>(pre_hash); }

// How a verification batch is laid out in a lane.
struct VerifyLayout {
  VerifyLayout(const SignatureVerifyTask& task, const GpuOptions& options)
      : scheme(task.scheme),
        pre_hash(task.pre_hash != PreHash::kNone),
        stage_messages(pre_hash || scheme != SignatureScheme::kEcdsaSecp256k1),
        record(RecordBytes(scheme)),
        cap(std::max<size_t>(1, std::min(options.chunk_items / 2, options.chunk_bytes / record))) {}

  static size_t RecordBytes(SignatureScheme scheme) {
    switch (scheme) {
      case SignatureScheme::kEd25519: return kernels::kEd25519RecordBytes;
      case SignatureScheme::kSchnorrBip340: return kernels::kBip340RecordBytes;
      case SignatureScheme::kEcdsaSecp256k1: break;
    }
    return kernels::kEcdsaVerifyRecordBytes;
  }

  const SignatureScheme scheme;
  const bool pre_hash;
  // Ed25519 and BIP-340 hash their message on the device inside verification (SHA-512 of
  // R || A || M; the tagged SHA-256 of r || P || m), so their messages are always staged;
  // ECDSA's only for a pre-hash.
  const bool stage_messages;
  const size_t record;  // bytes of an item's record
  // Items in a chunk at most: device output holds a chunk's digests (32 bytes an item)
  // and then its statuses.
  const size_t cap;
};

// The items of the chunk starting at `first`: as many as fit, records, then (with a
// pre-hash) the messages, in the lane's input; at least one (a message too long for the
// lane goes through a temporary).
size_t PlanVerifyChunk(const SignatureVerifyTask& task, const VerifyLayout& layout,
                       size_t chunk_bytes, size_t first) {
  const size_t n = task.messages.size();
  size_t count = 0;
  size_t message_bytes = 0;
  while (first + count < n && count < layout.cap) {
    const size_t m = layout.stage_messages ? task.messages[first + count].size() : 0;
    if (AlignUp((count + 1) * layout.record) + message_bytes + m > chunk_bytes) break;
    message_bytes += m;
    ++count;
  }
  return std::max<size_t>(count, 1);
}

// The chunk's messages and their offsets onto the device, after its records in the lane's
// input when they fit (*in_bytes grows to cover them), else through `oversize`.
// *device_messages says where they landed.
Status StageMessages(GpuDevice& device, GpuDevice::Lane& lane, const SignatureVerifyTask& task,
                     size_t first, size_t count, size_t* in_bytes, DeviceBuffer* oversize,
                     const uint8_t** device_messages) {
  const cudaStream_t stream = lane.stream.get();
  const size_t message_base = AlignUp(*in_bytes);
  const size_t begin = task.messages.offset(first);
  const size_t total = task.messages.offset(first + count) - begin;
  auto* offsets = reinterpret_cast<uint64_t*>(lane.offsets.data());
  for (size_t i = 0; i <= count; ++i) offsets[i] = task.messages.offset(first + i) - begin;
  const uint8_t* source = task.messages.data().data() + begin;
  Status s;
  if (message_base + total <= device.options().chunk_bytes) {
    if (total != 0) device.Copy(lane.input.data() + message_base, source, total);
    *in_bytes = message_base + total;
    *device_messages = lane.device_input.data() + message_base;
  } else {  // one message longer than the lane's input
    s = DeviceBuffer::AllocateAsync(total, stream, oversize);
    if (s.ok()) {
      s = CudaStatus(cudaMemcpyAsync(oversize->data(), source, total, cudaMemcpyHostToDevice,
                                     stream),
                     "cudaMemcpyAsync (oversize message in)");
    }
    *device_messages = oversize->data();
  }
  if (!s.ok()) return s;
  return CudaStatus(cudaMemcpyAsync(lane.device_offsets.data(), offsets,
                                    (count + 1) * sizeof(uint64_t), cudaMemcpyHostToDevice,
                                    stream),
                    "cudaMemcpyAsync (message offsets in)");
}

// The scheme's verification kernel on `stream`: the chunk's records (at the start of the
// lane's device input), its messages and offsets, or its digests when pre-hashed.
Status LaunchSchemeVerify(const GpuDevice& device, const SignatureVerifyTask& task,
                          const VerifyLayout& layout, const uint8_t* records,
                          const uint8_t* messages, const uint64_t* offsets,
                          const uint8_t* digests, size_t count, uint8_t* statuses,
                          cudaStream_t stream) {
  const auto* generator_table =
      reinterpret_cast<const kernels::AffinePoint*>(device.generator_table().data());
  switch (layout.scheme) {
    case SignatureScheme::kEd25519:
      return kernels::LaunchEd25519Verify(
          records, messages, offsets, digests, count,
          reinterpret_cast<const kernels::EdPrecomputed*>(device.ed25519_table().data()),
          statuses, ChunkLayout(device, layout.scheme), stream);
    case SignatureScheme::kSchnorrBip340:
      return kernels::LaunchBip340Verify(records, messages, offsets, digests, count,
                                         generator_table, statuses,
                                         ChunkLayout(device, layout.scheme), stream);
    case SignatureScheme::kEcdsaSecp256k1:
      break;
  }
  return kernels::LaunchEcdsaVerify(records, digests, count, task.allow_high_s,
                                    generator_table, statuses,
                                    ChunkLayout(device, layout.scheme), stream);
}

// The chunk's kernels on the lane (the pre-hash, then verification) and its statuses out.
Status LaunchVerify(const GpuDevice& device, GpuDevice::Lane& lane,
                    const SignatureVerifyTask& task, const VerifyLayout& layout, size_t count,
                    const uint8_t* device_messages) {
  const cudaStream_t stream = lane.stream.get();
  const auto* device_offsets = reinterpret_cast<const uint64_t*>(lane.device_offsets.data());
  uint8_t* digests = lane.device_output.data();
  uint8_t* statuses = lane.device_output.data() + AlignUp(count * 32);
  Status s;
  if (layout.pre_hash) {
    s = kernels::LaunchHashVariable(PreHashAlgorithm(task.pre_hash), device_messages,
                                    device_offsets, count, digests, stream);
  }
  if (s.ok()) {
    s = LaunchSchemeVerify(device, task, layout, lane.device_input.data(), device_messages,
                           device_offsets, layout.pre_hash ? digests : nullptr, count,
                           statuses, stream);
  }
  if (!s.ok()) return s;
  return CudaStatus(cudaMemcpyAsync(lane.output.data(), statuses, count, cudaMemcpyDeviceToHost,
                                    stream),
                    "cudaMemcpyAsync (statuses out)");
}

// Stages task items [first, first + count) on `lane` and enqueues their verification.
Status StageVerifyChunk(GpuDevice& device, GpuDevice::Lane& lane,
                        const SignatureVerifyTask& task, const VerifyLayout& layout,
                        size_t first, size_t count) {
  uint8_t* records = lane.input.data();
  device.ForEachItem(count, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      uint8_t* record = records + layout.record * i;
      switch (layout.scheme) {
        case SignatureScheme::kEd25519:
          kernels::StageEd25519Record(task, first + i, record);
          break;
        case SignatureScheme::kSchnorrBip340:
          kernels::StageBip340Record(task, first + i, record);
          break;
        case SignatureScheme::kEcdsaSecp256k1:
          kernels::StageEcdsaVerifyRecord(task, first + i, record);
          break;
      }
    }
  });
  size_t in_bytes = count * layout.record;
  const uint8_t* device_messages = nullptr;
  DeviceBuffer oversize;  // freed stream-ordered once the chunk's kernels are enqueued
  Status s;
  if (layout.stage_messages) {
    s = StageMessages(device, lane, task, first, count, &in_bytes, &oversize, &device_messages);
  }
  if (s.ok()) {
    s = CudaStatus(cudaMemcpyAsync(lane.device_input.data(), lane.input.data(), in_bytes,
                                   cudaMemcpyHostToDevice, lane.stream.get()),
                   "cudaMemcpyAsync (signature records in)");
  }
  if (!s.ok()) return s;
  return LaunchVerify(device, lane, task, layout, count, device_messages);
}

// Stages task items [first, first + count) on `lane` and enqueues their recovery.
Status StageRecoverChunk(GpuDevice& device, GpuDevice::Lane& lane,
                         const SignatureRecoverTask& task, size_t first, size_t count) {
  constexpr size_t kRecord = kernels::kEcdsaRecoverRecordBytes;
  const cudaStream_t stream = lane.stream.get();
  uint8_t* records = lane.input.data();
  device.ForEachItem(count, [&](size_t begin, size_t end) {
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
        reinterpret_cast<const kernels::AffinePoint*>(device.generator_table().data()),
        lane.device_output.data(), ChunkLayout(device, SignatureScheme::kEcdsaSecp256k1),
        stream);
  }
  if (s.ok()) {
    s = CudaStatus(cudaMemcpyAsync(lane.output.data(), lane.device_output.data(),
                                   count * kernels::kEcdsaRecoverResultBytes,
                                   cudaMemcpyDeviceToHost, stream),
                   "cudaMemcpyAsync (recovered keys out)");
  }
  return s;
}

}  // namespace

bool SignatureOperator::Verifies(SignatureScheme scheme) const {
  return scheme == SignatureScheme::kEcdsaSecp256k1 ||
         scheme == SignatureScheme::kSchnorrBip340 ||
         (scheme == SignatureScheme::kEd25519 && ed25519_);
}

Status SignatureOperator::CanImplement(const SignatureVerifyTask& task) const {
  if (Verifies(task.scheme)) return Status::Ok();
  return Status::Unimplemented("signature scheme " +
                               std::to_string(static_cast<int>(task.scheme)) +
                               " is not verified on the GPU");
}

Status SignatureOperator::CanImplement(const SignatureRecoverTask& task) const {
  static_cast<void>(task);
  return Status::Ok();
}

Status SignatureOperator::Run(GpuDevice::Batch& batch, SignatureVerifyTask& task) const {
  GpuDevice& device = batch.device();
  const VerifyLayout layout(task, device.options());
  const size_t chunk_bytes = device.options().chunk_bytes;
  const auto plan = [&](size_t first) {
    return PlanVerifyChunk(task, layout, chunk_bytes, first);
  };
  const auto stage = [&](GpuDevice::Lane& lane, size_t first, size_t count) {
    return StageVerifyChunk(device, lane, task, layout, first, count);
  };
  const auto drain = [&](GpuDevice::Lane& lane, size_t first, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      task.status[first + i] = static_cast<ItemStatus>(lane.output.data()[i]);
    }
  };
  return batch.RunChunks(task.messages.size(), "signature chunk", plan, stage, drain);
}

Status SignatureOperator::Run(GpuDevice::Batch& batch, SignatureRecoverTask& task) const {
  GpuDevice& device = batch.device();
  constexpr size_t kRecord = kernels::kEcdsaRecoverRecordBytes;
  constexpr size_t kResult = kernels::kEcdsaRecoverResultBytes;
  const GpuOptions& options = device.options();
  const size_t cap = std::max<size_t>(
      1, std::min({options.chunk_items, options.chunk_items * 32 / kResult,
                   options.chunk_bytes / kRecord}));
  const auto plan = [&](size_t first) { return std::min(cap, task.count - first); };
  const auto stage = [&](GpuDevice::Lane& lane, size_t first, size_t count) {
    return StageRecoverChunk(device, lane, task, first, count);
  };
  const auto drain = [&](GpuDevice::Lane& lane, size_t first, size_t count) {
    device.ForEachItem(count, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        const uint8_t* result = lane.output.data() + kResult * i;
        std::memcpy(task.public_keys + 64 * (first + i), result, 64);
        std::memcpy(task.addresses + 20 * (first + i), result + 64, 20);
        task.status[first + i] =
            static_cast<ItemStatus>(result[kernels::kEcdsaRecoverStatusOffset]);
      }
    });
  };
  return batch.RunChunks(task.count, "signature chunk", plan, stage, drain);
}

}  // namespace chainaccel
