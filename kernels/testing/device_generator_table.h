// The fixed-base table of secp256k1's G (Secp256k1GeneratorTable, kernels/secp256k1.cuh)
// in device memory, for the kernel tests of ECDSA and BIP-340: made at the first call on
// the current device and kept for the process (never freed: the tests' kernels may read
// it until exit). Aborts naming the CUDA call if the upload fails (device_buffer.h).
#pragma once

#include <vector>

#include "kernels/secp256k1.cuh"
#include "kernels/testing/device_buffer.h"

namespace chainaccel::testing {

inline const kernels::AffinePoint* DeviceGeneratorTable() {
  static DeviceBuffer<kernels::AffinePoint>* table = [] {
    const std::vector<kernels::AffinePoint>& host = kernels::Secp256k1GeneratorTable();
    auto* t = new DeviceBuffer<kernels::AffinePoint>(host.size());
    t->Upload(host.data(), host.size());
    return t;
  }();
  return table->get();
}

}  // namespace chainaccel::testing
