// DeviceBuffer and PinnedBuffer: the memory of the kernel tests and benchmarks, freed on
// destruction. Any CUDA failure in here aborts the process naming the call: a test or a
// benchmark cannot go on without its memory. (The engine's memory will belong to the
// device pool, whose failures are Status values.)
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

namespace chainaccel::testing {

inline void CudaCheck(cudaError_t error, const char* what) {
  if (error == cudaSuccess) return;
  std::fprintf(stderr, "%s: %s: %s\n", what, cudaGetErrorName(error),
               cudaGetErrorString(error));
  std::abort();
}

// `size` elements of T in device memory (cudaMalloc: 256-byte aligned).
template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t size) : size_(size) {
    // One byte at least, so that an empty buffer still has an address to launch with.
    void* data = nullptr;
    CudaCheck(cudaMalloc(&data, size == 0 ? 1 : size * sizeof(T)), "cudaMalloc");
    data_ = static_cast<T*>(data);
  }
  ~DeviceBuffer() {
    if (data_ != nullptr) cudaFree(data_);
  }
  DeviceBuffer(DeviceBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* get() const { return data_; }
  size_t size() const { return size_; }

  // Copies n host elements to element `at` and on (synchronous).
  void Upload(const T* host, size_t n, size_t at = 0) {
    if (n == 0) return;
    CudaCheck(cudaMemcpy(data_ + at, host, n * sizeof(T), cudaMemcpyHostToDevice),
              "cudaMemcpy (to device)");
  }
  // Every element, to the host (synchronous).
  std::vector<T> Download() const {
    std::vector<T> out(size_);
    if (size_ != 0) {
      CudaCheck(cudaMemcpy(out.data(), data_, size_ * sizeof(T), cudaMemcpyDeviceToHost),
                "cudaMemcpy (to host)");
    }
    return out;
  }
  // Sets every byte to `value` (synchronous).
  void Fill(int value) {
    CudaCheck(cudaMemset(data_, value, size_ == 0 ? 1 : size_ * sizeof(T)), "cudaMemset");
  }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

// `size` elements of T in page-locked host memory (cudaMallocHost), which copies to and
// from the device at full PCIe speed and asynchronously.
template <class T>
class PinnedBuffer {
 public:
  explicit PinnedBuffer(size_t size) : size_(size) {
    void* data = nullptr;
    CudaCheck(cudaMallocHost(&data, size == 0 ? 1 : size * sizeof(T)), "cudaMallocHost");
    data_ = static_cast<T*>(data);
  }
  ~PinnedBuffer() { cudaFreeHost(data_); }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;

  T* get() const { return data_; }
  size_t size() const { return size_; }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace chainaccel::testing
