#include "engines/gpu/cuda_resources.h"

#include <string>
#include <thread>
#include <utility>

#include "kernels/cuda_status.h"

namespace chainaccel {

// ---- CudaStream ------------------------------------------------------------------------

CudaStream::~CudaStream() {
  if (stream_ != nullptr) cudaStreamDestroy(stream_);
}

CudaStream::CudaStream(CudaStream&& other) noexcept
    : stream_(std::exchange(other.stream_, nullptr)) {}

CudaStream& CudaStream::operator=(CudaStream&& other) noexcept {
  std::swap(stream_, other.stream_);
  return *this;
}

Status CudaStream::Create(CudaStream* out) {
  cudaStream_t stream = nullptr;
  Status s = CudaStatus(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
                        "cudaStreamCreateWithFlags");
  if (!s.ok()) return s;
  *out = CudaStream();
  out->stream_ = stream;
  return Status::Ok();
}

Status CudaStream::Synchronize() const {
  return CudaStatus(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
}

// ---- CudaEvent -------------------------------------------------------------------------

CudaEvent::~CudaEvent() {
  if (event_ != nullptr) cudaEventDestroy(event_);
}

CudaEvent::CudaEvent(CudaEvent&& other) noexcept : event_(std::exchange(other.event_, nullptr)) {}

CudaEvent& CudaEvent::operator=(CudaEvent&& other) noexcept {
  std::swap(event_, other.event_);
  return *this;
}

Status CudaEvent::Create(CudaEvent* out) {
  cudaEvent_t event = nullptr;
  Status s = CudaStatus(cudaEventCreateWithFlags(&event, cudaEventDisableTiming),
                        "cudaEventCreateWithFlags");
  if (!s.ok()) return s;
  *out = CudaEvent();
  out->event_ = event;
  return Status::Ok();
}

Status CudaEvent::Record(cudaStream_t stream) {
  return CudaStatus(cudaEventRecord(event_, stream), "cudaEventRecord");
}

Status CudaEvent::Synchronize() const {
  return CudaStatus(cudaEventSynchronize(event_), "cudaEventSynchronize");
}

Status CudaEvent::WaitFor(std::chrono::steady_clock::duration timeout,
                          std::chrono::steady_clock::duration spin) const {
  constexpr auto kShortPolls = std::chrono::milliseconds(50);
  constexpr auto kShortPoll = std::chrono::microseconds(50);
  constexpr auto kLongPoll = std::chrono::microseconds(200);
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    const cudaError_t e = cudaEventQuery(event_);
    if (e != cudaErrorNotReady) return CudaStatus(e, "cudaEventQuery");
    const auto waited = std::chrono::steady_clock::now() - start;
    if (waited >= timeout) {
      return Status::DeadlineExceeded(
          "the device has not finished a chunk after " +
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()) +
          " ms: it hangs");
    }
    if (waited < spin) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(waited < kShortPolls ? kShortPoll : kLongPoll);
    }
  }
}

// ---- PinnedBuffer ----------------------------------------------------------------------

PinnedBuffer::~PinnedBuffer() {
  if (data_ != nullptr) cudaFreeHost(data_);
}

PinnedBuffer::PinnedBuffer(PinnedBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

PinnedBuffer& PinnedBuffer::operator=(PinnedBuffer&& other) noexcept {
  std::swap(data_, other.data_);
  std::swap(size_, other.size_);
  return *this;
}

Status PinnedBuffer::Allocate(size_t size, PinnedBuffer* out) {
  void* data = nullptr;
  Status s = CudaStatus(cudaMallocHost(&data, size == 0 ? 1 : size), "cudaMallocHost");
  if (!s.ok()) return s;
  *out = PinnedBuffer();
  out->data_ = static_cast<uint8_t*>(data);
  out->size_ = size;
  return Status::Ok();
}

// ---- DeviceBuffer ----------------------------------------------------------------------

DeviceBuffer::~DeviceBuffer() { Release(); }

void DeviceBuffer::Release() {
  if (data_ == nullptr) return;
  if (stream_ordered_) {
    cudaFreeAsync(data_, stream_);
  } else {
    cudaFree(data_);
  }
  data_ = nullptr;
  size_ = 0;
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      stream_ordered_(std::exchange(other.stream_ordered_, false)),
      stream_(std::exchange(other.stream_, nullptr)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  std::swap(data_, other.data_);
  std::swap(size_, other.size_);
  std::swap(stream_ordered_, other.stream_ordered_);
  std::swap(stream_, other.stream_);
  return *this;
}

Status DeviceBuffer::Allocate(size_t size, DeviceBuffer* out) {
  void* data = nullptr;
  Status s = CudaStatus(cudaMalloc(&data, size == 0 ? 1 : size), "cudaMalloc");
  if (!s.ok()) return s;
  *out = DeviceBuffer();
  out->data_ = static_cast<uint8_t*>(data);
  out->size_ = size;
  return Status::Ok();
}

Status DeviceBuffer::AllocateAsync(size_t size, cudaStream_t stream, DeviceBuffer* out) {
  void* data = nullptr;
  Status s = CudaStatus(cudaMallocAsync(&data, size == 0 ? 1 : size, stream), "cudaMallocAsync");
  if (!s.ok()) return s;
  *out = DeviceBuffer();
  out->data_ = static_cast<uint8_t*>(data);
  out->size_ = size;
  out->stream_ordered_ = true;
  out->stream_ = stream;
  return Status::Ok();
}

}  // namespace chainaccel
