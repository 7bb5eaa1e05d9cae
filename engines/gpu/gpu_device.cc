#include "engines/gpu/gpu_device.h"

#include <spdlog/spdlog.h>

#include <cstring>
#include <string>
#include <utility>

#include "kernels/ed25519.cuh"
#include "kernels/secp256k1.cuh"

namespace chainaccel {
namespace {

// Bounds on GpuOptions: a chunk's digests (chunk_items * 32 bytes) and its input must
// stay well inside one device's memory, and the kernels index a chunk's messages with 32
// bits.
constexpr size_t kMaxChunkItems = size_t{1} << 26;  // 2 GiB of digests
constexpr size_t kMaxChunkBytes = size_t{1} << 34;  // 16 GiB of messages
// Each lane pair pins 2 x (chunk_bytes + offsets + chunk_items x 32) of host memory.
constexpr size_t kMaxConcurrentBatches = 16;

// Device `ordinal`'s EngineInfo (named for engine `instance` of it), or the CUDA error.
// Makes the device current.
Status ReadInfo(int ordinal, unsigned instance, EngineInfo* info) {
  Status s = CudaStatus(cudaSetDevice(ordinal), "cudaSetDevice");
  cudaDeviceProp prop{};
  if (s.ok()) s = CudaStatus(cudaGetDeviceProperties(&prop, ordinal), "cudaGetDeviceProperties");
  if (!s.ok()) return s;
  info->name = "gpu:" + std::to_string(ordinal);
  if (instance != 0) info->name += "." + std::to_string(instance);
  info->kind = EngineKind::kGpu;
  info->model = prop.name;
  info->memory_bytes = prop.totalGlobalMem;
  info->multiprocessors = static_cast<uint32_t>(prop.multiProcessorCount);
  info->compute_capability = std::to_string(prop.major) + "." + std::to_string(prop.minor);
  return Status::Ok();
}

}  // namespace

// ---- Creation --------------------------------------------------------------------------

Status GpuDevice::Create(int ordinal, const GpuOptions& options, GpuDeviceHooks* hooks,
                         std::unique_ptr<GpuDevice>* out) {
  int devices = 0;
  const cudaError_t error = cudaGetDeviceCount(&devices);
  if (error != cudaSuccess) {
    return Status::Unavailable(std::string("no usable CUDA device: ") +
                               cudaGetErrorName(error) + ": " + cudaGetErrorString(error));
  }
  if (ordinal < 0 || ordinal >= devices) {
    return Status::InvalidArgument("GPU ordinal " + std::to_string(ordinal) +
                                   " out of range: " + std::to_string(devices) +
                                   " device(s)");
  }
  if (options.chunk_bytes == 0 || options.chunk_bytes > kMaxChunkBytes ||
      options.chunk_items == 0 || options.chunk_items > kMaxChunkItems ||
      options.concurrent_batches == 0 || options.concurrent_batches > kMaxConcurrentBatches) {
    return Status::InvalidArgument("GpuEngine::Options: chunk_bytes must be in [1, 2^34], "
                                   "chunk_items in [1, 2^26] and concurrent_batches in "
                                   "[1, 16]");
  }
  EngineInfo info;
  Status s = ReadInfo(ordinal, options.instance, &info);
  if (!s.ok()) return s;
  std::unique_ptr<GpuDevice> device(new GpuDevice(ordinal, options, hooks, std::move(info)));
  s = device->AllocateLanes();
  if (s.ok()) s = device->UploadTables();
  if (!s.ok()) return s;
  *out = std::move(device);
  return Status::Ok();
}

GpuDevice::GpuDevice(int ordinal, const GpuOptions& options, GpuDeviceHooks* hooks,
                     EngineInfo info)
    : ordinal_(ordinal),
      options_(options),
      info_(std::move(info)),
      hooks_(hooks),
      copy_pool_(options.copy_threads > 0 ? std::make_unique<ThreadPool>(options.copy_threads)
                                          : nullptr) {}

GpuDevice::~GpuDevice() {
  // The lanes' resources belong to this device; nothing may still run on them.
  cudaSetDevice(ordinal_);
  for (const auto& pair : pairs_) {
    for (size_t k = 0; k < 2; ++k) {
      if (pair[k].stream.get() != nullptr) cudaStreamSynchronize(pair[k].stream.get());
    }
  }
}

Status GpuDevice::AllocateLanes() {
  // REQUIRES: the device is current (Create set it). The lanes' buffers live as long as
  // the device, so they come from plain cudaMalloc: stream-ordered allocation would buy
  // nothing for them.
  const size_t offsets_bytes = (options_.chunk_items + 1) * sizeof(uint64_t);
  const size_t output_bytes = options_.chunk_items * 32;
  std::vector<Lane*> lanes;
  for (size_t p = 0; p < options_.concurrent_batches; ++p) {
    pairs_.push_back(std::make_unique<Lane[]>(2));
    lanes.push_back(&pairs_.back()[0]);
    lanes.push_back(&pairs_.back()[1]);
  }
  for (Lane* lane_pointer : lanes) {
    Lane& lane = *lane_pointer;
    Status s = CudaStream::Create(&lane.stream);
    if (s.ok()) s = CudaEvent::Create(&lane.done);
    if (s.ok()) s = PinnedBuffer::Allocate(options_.chunk_bytes, &lane.input);
    if (s.ok()) s = PinnedBuffer::Allocate(offsets_bytes, &lane.offsets);
    if (s.ok()) s = PinnedBuffer::Allocate(output_bytes, &lane.output);
    if (s.ok()) s = DeviceBuffer::Allocate(options_.chunk_bytes, &lane.device_input);
    if (s.ok()) s = DeviceBuffer::Allocate(offsets_bytes, &lane.device_offsets);
    if (s.ok()) s = DeviceBuffer::Allocate(output_bytes, &lane.device_output);
    if (!s.ok()) return s;
  }
  MutexLock lock(lanes_mu_);
  for (const auto& pair : pairs_) free_.push_back(pair.get());
  return Status::Ok();
}

Status GpuDevice::UploadTables() {
  // The fixed-base tables (built on the host once per process) into device memory.
  const auto upload = [](const auto& table, DeviceBuffer* out, const char* what) {
    const size_t bytes = table.size() * sizeof(table[0]);
    Status s = DeviceBuffer::Allocate(bytes, out);
    if (s.ok()) {
      s = CudaStatus(cudaMemcpy(out->data(), table.data(), bytes, cudaMemcpyHostToDevice), what);
    }
    return s;
  };
  Status s = upload(kernels::Secp256k1GeneratorTable(), &generator_table_,
                    "cudaMemcpy (secp256k1 generator table)");
  if (s.ok() && options_.ed25519) {
    s = upload(kernels::Ed25519BaseTable(), &ed25519_table_, "cudaMemcpy (Ed25519 base table)");
  }
  return s;
}

// ---- Batches ---------------------------------------------------------------------------

GpuDevice::Lane* GpuDevice::TakeLanes() {
  MutexLock lock(lanes_mu_);
  while (free_.empty() && retired_ < pairs_.size()) lane_freed_.Wait(lanes_mu_);
  if (free_.empty()) return nullptr;  // every pair retired after hangs
  Lane* lanes = free_.back();
  free_.pop_back();
  return lanes;
}

void GpuDevice::RetireLanes() {
  size_t retired = 0;
  {
    MutexLock lock(lanes_mu_);
    retired = ++retired_;
  }
  lane_freed_.NotifyAll();  // waiters see whether any pair can still come back
  spdlog::error("{}: a lane pair is out of service for good after a hang ({} of {} retired)",
                info_.name, retired, pairs_.size());
}

void GpuDevice::ReturnLanes(Lane* lanes) {
  {
    MutexLock lock(lanes_mu_);
    free_.push_back(lanes);
  }
  lane_freed_.NotifyOne();
}

GpuDevice::Batch::Batch(GpuDevice& device, BatchKind kind)
    : device_(device), count_chunks_(kind == BatchKind::kTask), lanes_(device.TakeLanes()) {
  if (lanes_ != nullptr) device_.batches_held_.fetch_add(1, std::memory_order_relaxed);
}

Status GpuDevice::Batch::WaitForLane(Lane& lane, std::chrono::steady_clock::duration extra) {
  Status s = lane.done.WaitFor(device_.hang_timeout() + extra, device_.wait_spin());
  if (s.code() == Status::Code::kDeadlineExceeded) poisoned_ = true;
  return s;
}

void GpuDevice::Batch::ReleaseChunk(Lane& lane) {
  device_.chunk_items_in_flight_.fetch_sub(lane.count, std::memory_order_relaxed);
  lane.count = 0;
}

GpuDevice::Batch::~Batch() {
  if (lanes_ == nullptr) return;
  // A hung pair's chunks stop counting with it (the pair is retired below).
  for (size_t k = 0; k < 2; ++k) ReleaseChunk(lanes_[k]);
  device_.batches_held_.fetch_sub(1, std::memory_order_relaxed);
  if (poisoned_) {
    device_.RetireLanes();
  } else {
    device_.ReturnLanes(lanes_);
  }
}

Status GpuDevice::Batch::OnChunkLaunch(const char* what, Lane& lane) {
  if (!count_chunks_) return Status::Ok();
  return device_.hooks_->OnChunkLaunch(device_.chunks_launched_.fetch_add(1), what,
                                       lane.stream.get());
}

void GpuDevice::Copy(void* destination, const void* source, size_t bytes) {
  // Slices of at least 1 MiB: a slice takes ~0.2 ms, far above the cost of handing it out.
  constexpr size_t kSliceBytes = size_t{1} << 20;
  if (copy_pool_ == nullptr || bytes < 2 * kSliceBytes) {
    std::memcpy(destination, source, bytes);
    return;
  }
  auto* to = static_cast<uint8_t*>(destination);
  const auto* from = static_cast<const uint8_t*>(source);
  copy_pool_->ParallelFor(bytes, kSliceBytes, [to, from](size_t begin, size_t end) {
    std::memcpy(to + begin, from + begin, end - begin);
  });
}

void GpuDevice::ForEachItem(size_t count, const std::function<void(size_t, size_t)>& body) {
  // Grains of 2 048 items: a record takes ~0.1 us to stage, so a grain is ~0.2 ms of work.
  constexpr size_t kGrain = 2048;
  if (copy_pool_ == nullptr || count < 2 * kGrain) {
    body(0, count);
    return;
  }
  copy_pool_->ParallelFor(count, kGrain, body);
}

// ---- Health, faults and counters -------------------------------------------------------

void GpuDevice::RecordFault(const Status& cause, const char* during) {
  healthy_.store(false);
  faults_.fetch_add(1, std::memory_order_relaxed);
  spdlog::error("{}: CUDA fault during {}: {}; the engine is unhealthy until a self-test "
                "passes",
                info_.name, during, cause.ToString());
}

Status GpuDevice::Fault(const Status& cause, const char* during) {
  RecordFault(cause, during);
  const Status::Code code = cause.code() == Status::Code::kUnavailable
                                ? Status::Code::kUnavailable
                                : Status::Code::kInternal;
  return Status(code, info_.name + ": " + cause.message());
}

void GpuDevice::CountBatch(uint64_t items, std::chrono::steady_clock::duration busy) {
  batches_.fetch_add(1, std::memory_order_relaxed);
  items_.fetch_add(items, std::memory_order_relaxed);
  busy_nanos_.fetch_add(
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(busy).count()),
      std::memory_order_relaxed);
}

EngineStats GpuDevice::stats() const {
  EngineStats s;
  s.batches = batches_.load(std::memory_order_relaxed);
  s.items = items_.load(std::memory_order_relaxed);
  s.busy_seconds = static_cast<double>(busy_nanos_.load(std::memory_order_relaxed)) * 1e-9;
  s.faults = faults_.load(std::memory_order_relaxed);
  s.healthy = healthy_.load();
  // Makes this engine's device current on the calling thread (a metrics or admin thread,
  // which does no other CUDA work).
  size_t free_bytes = 0, total_bytes = 0;
  if (cudaSetDevice(ordinal_) == cudaSuccess &&
      cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess) {
    s.memory_free_bytes = free_bytes;
  } else {
    static_cast<void>(cudaGetLastError());  // not this thread's concern later
  }
  return s;
}

}  // namespace chainaccel
