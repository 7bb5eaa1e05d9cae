#include "kernels/cuda_status.h"

#include <catch2/catch.hpp>

namespace chainaccel {
namespace {

TEST_CASE("CudaStatus maps success to OK", "[cuda_status]") {
  CHECK(CudaStatus(cudaSuccess, "anything").ok());
}

TEST_CASE("CudaStatus names the operation and the error", "[cuda_status]") {
  const Status status = CudaStatus(cudaErrorIllegalAddress, "LaunchHashFixed(SHA256)");
  CHECK(status.code() == Status::Code::kInternal);
  CHECK(status.message() ==
        std::string("LaunchHashFixed(SHA256): cudaErrorIllegalAddress: ") +
            cudaGetErrorString(cudaErrorIllegalAddress));
}

TEST_CASE("CudaStatus maps allocation failures to RESOURCE_EXHAUSTED", "[cuda_status]") {
  CHECK(CudaStatus(cudaErrorMemoryAllocation, "cudaMalloc").code() ==
        Status::Code::kResourceExhausted);
}

TEST_CASE("CudaStatus maps a missing device or driver to UNAVAILABLE", "[cuda_status]") {
  for (cudaError_t error : {cudaErrorNoDevice, cudaErrorInsufficientDriver,
                            cudaErrorDevicesUnavailable, cudaErrorSystemNotReady,
                            cudaErrorSystemDriverMismatch}) {
    INFO(cudaGetErrorName(error));
    CHECK(CudaStatus(error, "x").code() == Status::Code::kUnavailable);
  }
}

TEST_CASE("CudaStatus maps kernel faults and bad launches to INTERNAL", "[cuda_status]") {
  for (cudaError_t error : {cudaErrorLaunchFailure, cudaErrorInvalidConfiguration,
                            cudaErrorInvalidValue, cudaErrorMisalignedAddress,
                            cudaErrorNoKernelImageForDevice}) {
    INFO(cudaGetErrorName(error));
    CHECK(CudaStatus(error, "x").code() == Status::Code::kInternal);
  }
}

}  // namespace
}  // namespace chainaccel
