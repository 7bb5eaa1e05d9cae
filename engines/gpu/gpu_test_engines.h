// The engines the GPU engine tests compare: a small CPU engine (the reference) and GPU
// engines on device 0. Test-only.
#pragma once

#include <memory>

#include "engines/cpu/cpu_engine.h"
#include "engines/gpu/gpu_engine.h"

namespace chainaccel::testing {

// A 2-thread CpuEngine shared by all tests.
CpuEngine& ReferenceCpu();

// A new engine on device 0; fails the current test (REQUIRE) if it cannot be made.
std::unique_ptr<GpuEngine> MakeGpu(const GpuEngine::Options& options = {});

// An engine with default options shared by the tests that inject no faults.
GpuEngine& SharedGpu();

}  // namespace chainaccel::testing
