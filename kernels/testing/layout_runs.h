// The signature kernels' device tests run every case in every layout
// (kernels/signature_layout.h: one thread, split, split with quads). RunInEveryLayout: for
// each layout, `out` poisoned with 0xEE, launch(layout) enqueued on the default stream and
// finished (its status and the device's must be OK), then check(layout, out's bytes).
// Catch2 assertions; test code.
#pragma once

#include <catch2/catch.hpp>

#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "kernels/signature_layout.h"
#include "kernels/testing/device_buffer.h"

namespace chainaccel::testing {

template <class Launch, class Check>
void RunInEveryLayout(DeviceBuffer<uint8_t>& out, const Launch& launch, const Check& check) {
  for (const kernels::SignatureLayout layout :
       {kernels::SignatureLayout::kThreadPerItem, kernels::SignatureLayout::kSplit,
        kernels::SignatureLayout::kSplitQuad}) {
    out.Fill(0xEE);
    const Status s = launch(layout);
    INFO(s.ToString() << "; layout " << int(layout));
    REQUIRE(s.ok());
    REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
    check(layout, out.Download());
  }
}

}  // namespace chainaccel::testing
