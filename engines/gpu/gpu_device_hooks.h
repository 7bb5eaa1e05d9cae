// GpuDeviceHooks: the seam through which tests reach into a GPU engine's device
// operations, as leveldb's Env lets its tests inject faults (db/fault_injection_test.cc).
// An engine created without hooks uses the default, which does nothing; a test passes
// its own subclass to GpuEngine::Create (gpu_test_engines.h has FailAfterChunks, which
// fails one chunk as a CUDA launch failure would, and HangAfterChunks, which makes one
// chunk outlast the hang timeout).
//
// Calls come from the thread running a batch. A device runs up to
// GpuOptions::concurrent_batches batches at once, each on a lane pair of its own, so calls
// for one engine may overlap, as may those of several engines given one object: a hook
// must be thread-safe (the chunk index is taken atomically before the call).
// REQUIRES: the object outlives every engine it was given to.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"

// The CUDA runtime's stream (cudaStream_t is a CUstream_st*), declared so that this
// header needs no CUDA header.
struct CUstream_st;

namespace chainaccel {

class GpuDeviceHooks {
 public:
  virtual ~GpuDeviceHooks() = default;

  // A chunk of a batch that GpuEngine::Run is processing has been launched: its copies
  // and kernels are enqueued on its lane's `stream`, the lane's event is not recorded
  // yet (a Groth16 proof: nothing is enqueued yet). Chunks of self-tests are not
  // offered. `chunk`: the chunk's index among the chunks of Run batches since Create
  // (0, 1, 2, ...); `what`: the launch ("LaunchHash", "LaunchMerkle", "signature
  // chunk", "a Groth16 proof"). Returns OK to go on, after enqueueing on `stream`
  // whatever the hook wants the chunk to wait for (HangAfterChunks: a kernel that does
  // not end in time); any other status fails the chunk as a failed launch would: the
  // batch stops, and the engine counts a fault, turns unhealthy and returns UNAVAILABLE
  // (for an UNAVAILABLE status) or INTERNAL.
  virtual Status OnChunkLaunch(uint64_t chunk, std::string_view what, CUstream_st* stream) {
    static_cast<void>(chunk);
    static_cast<void>(what);
    static_cast<void>(stream);
    return Status::Ok();
  }

  // The hooks that do nothing, shared by every engine created without hooks.
  static GpuDeviceHooks* Default() {
    static GpuDeviceHooks hooks;
    return &hooks;
  }
};

}  // namespace chainaccel
