// Calibration workloads: batches the daemon makes itself for the scheduler's start-up
// calibration (engines/scheduler/calibration.h), so that each engine is timed on the
// work a real batch of that kind costs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/task.h"

namespace chainaccel {

// A task of `items` items of `type` and `variant` (the HashAlgorithm, MerkleScheme or
// SignatureScheme value; ignored for recovery) that owns its inputs and outputs: 32-byte
// messages and leaves; signatures that verify (64 distinct keys and messages, repeated:
// the libraries and kernels do the same work for a repeat); Merkle proofs of 20 hashes
// against a random root (they fail, after the same work as a valid one). nullptr for a
// variant it does not know. Deterministic for a given seed.
std::shared_ptr<Task> MakeCalibrationTask(TaskType type, uint8_t variant, size_t items,
                                          uint64_t seed = 1);

}  // namespace chainaccel
