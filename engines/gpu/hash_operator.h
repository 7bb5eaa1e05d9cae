// HashOperator: HashTasks (SHA-256, SHA-256d, Keccak-256) on a GpuDevice, with the
// operator lifecycle of CUTLASS: CanImplement rejects a task before any device work, Run
// streams it through the device's lanes. Stateless: one may be made per batch.
//
// Run: the messages stream through both lanes in chunks of as many messages as fit
// GpuOptions::chunk_bytes and chunk_items (at least one). For each chunk the calling
// thread copies the messages into the lane's pinned input (rebasing a variable batch's
// offsets to 0), then enqueues the copy in, the kernel (kernels/hash_launch.h) and the
// copy out into pinned output; the digests go into the task once the lane's event has
// passed (GpuDevice::Batch::RunChunks). No workspace beyond the lanes, except a temporary
// from the device's memory pool for a message longer than a chunk.
// Thread-safety: Run uses only the lanes of the Batch it is given.
#pragma once

#include "core/status.h"
#include "core/task.h"
#include "core/thread_annotations.h"
#include "engines/gpu/gpu_device.h"

namespace chainaccel {

class HashOperator {
 public:
  // OK, or INVALID_ARGUMENT ("algorithm: unknown value N") for an algorithm that is not
  // SHA256, SHA256D or KECCAK256.
  Status CanImplement(const HashTask& task) const;

  // Fills task.digests. REQUIRES: CanImplement(task) is OK. Runs on `batch`'s lanes.
  // Returns OK, or the first CUDA error (or the hooks' injected one).
  Status Run(GpuDevice::Batch& batch, HashTask& task) const;
};

}  // namespace chainaccel
