// RAII owners of the CUDA objects the GPU engine uses: streams, events, page-locked host
// buffers and device buffers.
//
// Each is created by a static Create/Allocate that returns a Status (a cudaError_t turned
// into one by kernels/cuda_status.h) and fills an out-parameter; nothing throws. Each
// is non-copyable and movable; a moved-from or default-constructed object owns nothing.
// Destructors release what they own and ignore CUDA errors (a device left faulty cannot
// give memory back, and there is nobody to tell).
//
// Device: CUDA objects belong to the device that is current (cudaSetDevice) on the
// calling thread when they are created. REQUIRES: the same device is current when they
// are destroyed (the GPU engine sets it in its destructor).
// Thread-safety: none of these objects is thread-safe; their owner serialises access.
#pragma once

#include <cuda_runtime_api.h>

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "core/status.h"

namespace chainaccel {

// A stream that does not synchronise with the legacy default stream
// (cudaStreamNonBlocking), so that two engines, or two lanes of one, never wait on
// each other through stream 0.
class CudaStream {
 public:
  CudaStream() = default;
  ~CudaStream();
  CudaStream(CudaStream&& other) noexcept;
  CudaStream& operator=(CudaStream&& other) noexcept;
  CudaStream(const CudaStream&) = delete;
  CudaStream& operator=(const CudaStream&) = delete;

  static Status Create(CudaStream* out);

  cudaStream_t get() const { return stream_; }
  // Blocks until every operation enqueued so far has finished; returns its error.
  Status Synchronize() const;

 private:
  cudaStream_t stream_ = nullptr;
};

// An event without timing (cudaEventDisableTiming: recording and waiting are cheaper),
// used to tell when a stream has passed a point.
class CudaEvent {
 public:
  CudaEvent() = default;
  ~CudaEvent();
  CudaEvent(CudaEvent&& other) noexcept;
  CudaEvent& operator=(CudaEvent&& other) noexcept;
  CudaEvent(const CudaEvent&) = delete;
  CudaEvent& operator=(const CudaEvent&) = delete;

  static Status Create(CudaEvent* out);

  cudaEvent_t get() const { return event_; }
  // Captures the work enqueued on `stream` so far.
  Status Record(cudaStream_t stream);
  // Blocks until the recorded work has finished; returns its error (OK if never recorded).
  Status Synchronize() const;
  // Synchronize, giving up after `timeout`: DEADLINE_EXCEEDED then (the work may still
  // be running). Polls: yields for the first `spin` (cudaEventSynchronize's default
  // spin-wait yields throughout), then sleeps 50 us between polls up to 50 ms and 200 us
  // after that. A yielding thread keeps its core busy; a sleeping one gives it to the
  // gRPC and CPU-engine threads for a wake-up ~50-100 us late (GpuOptions::wait_spin).
  Status WaitFor(std::chrono::steady_clock::duration timeout,
                 std::chrono::steady_clock::duration spin) const;

 private:
  cudaEvent_t event_ = nullptr;
};

// `size` bytes of page-locked host memory (cudaMallocHost): the device copies to and from
// it by DMA, asynchronously and at full PCIe speed, which it cannot do with pageable
// memory.
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  ~PinnedBuffer();
  PinnedBuffer(PinnedBuffer&& other) noexcept;
  PinnedBuffer& operator=(PinnedBuffer&& other) noexcept;
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;

  // size may be 0 (one byte is taken so that data() is never null).
  static Status Allocate(size_t size, PinnedBuffer* out);

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// `size` bytes of device memory of the current device, 256-byte aligned.
//
// Allocate takes it with cudaMalloc and keeps it until destruction (for buffers that live
// as long as their owner). AllocateAsync takes it stream-ordered from the device's
// default memory pool (cudaMallocAsync on `stream`): usable by work enqueued on `stream`
// after the call, and given back with cudaFreeAsync on the same stream at destruction,
// so that a temporary can be dropped as soon as the work that uses it is enqueued.
// REQUIRES (AllocateAsync): `stream` outlives the buffer.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  // size may be 0 (one byte is taken so that data() is never null).
  static Status Allocate(size_t size, DeviceBuffer* out);
  static Status AllocateAsync(size_t size, cudaStream_t stream, DeviceBuffer* out);

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void Release();

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool stream_ordered_ = false;
  cudaStream_t stream_ = nullptr;  // the stream of a stream-ordered allocation
};

}  // namespace chainaccel
