// Engine: something that runs batches of tasks (the CPU engine, one GPU).
//
// The interface of the original design (shared/design): an engine says which task types
// it supports and what it is, and runs a batch. Implementations must be thread-safe:
// the scheduler calls Run from many threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/task.h"

namespace chainaccel {

enum class EngineKind : uint8_t { kCpu, kGpu };

// What an engine is; fixed for its lifetime.
struct EngineInfo {
  std::string name;   // as named in responses: "cpu", "gpu:0"
  EngineKind kind = EngineKind::kCpu;
  std::string model;  // CPU model name, GPU product name
  uint32_t threads = 0;             // CPU: worker threads
  uint64_t memory_bytes = 0;        // GPU: global memory
  uint32_t multiprocessors = 0;     // GPU: SMs
  std::string compute_capability;   // GPU: "9.0"
};

// Counters an engine keeps since start. Busy seconds add up the wall time of each Run,
// so they can exceed elapsed time when batches overlap.
struct EngineStats {
  uint64_t batches = 0;
  uint64_t items = 0;
  double busy_seconds = 0;
  // Batches the engine failed on its own account (a device fault), not for bad input.
  uint64_t faults = 0;
  bool healthy = true;
  // GPU: device memory free right now (cudaMemGetInfo), 0 where unknown or for the CPU.
  uint64_t memory_free_bytes = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;

  virtual const EngineInfo& info() const = 0;
  virtual bool Supports(TaskType type) const = 0;
  // Whether the engine runs this particular task: by default whether it supports its
  // type; an engine that runs only some variants of a type (a GPU engine that verifies
  // ECDSA but not Ed25519 signatures) says no to the others, and the scheduler keeps
  // them elsewhere.
  virtual bool Accepts(const Task& task) const { return Supports(TaskTypeOf(task)); }

  // Runs the batch to completion on the calling thread (using the engine's own workers
  // as it sees fit) and fills the task's outputs.
  // Returns OK when every item has its result (per-item failures are in the task's
  // statuses); UNIMPLEMENTED for an unsupported task type; INTERNAL or UNAVAILABLE when
  // the engine failed and the outputs must not be used.
  // REQUIRES: the task's inputs are valid as documented in core/task.h.
  virtual Status Run(Task& task) = 0;

  virtual EngineStats stats() const = 0;

  // Whether the engine takes work now (stats().healthy), cheaply: the scheduler asks it
  // for every request it places.
  virtual bool healthy() const { return stats().healthy; }
};

}  // namespace chainaccel
