// FormedBatch: one device batch made of item ranges of submitted tasks that share a
// BatchKey (batch_key.h), and the scatter of its results back to those tasks.
//
// Three shapes, cheapest first:
//   - one whole task: the batch is that task, run in place;
//   - a range of one task (a request split over several batches or engines): a view of
//     the task whose outputs point into the task's own (only variable-size items get
//     their offsets rebased, copied);
//   - ranges of several tasks (coalesced requests): inputs gathered into buffers the
//     batch owns, outputs into buffers of its own, scattered back by Scatter().
// Not thread-safe; the tasks must outlive the batch and stay unchanged while it exists.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/task.h"

namespace chainaccel {

// Items [begin, end) of *task.
struct TaskRange {
  Task* task = nullptr;
  size_t begin = 0;
  size_t end = 0;

  size_t size() const { return end - begin; }
  bool whole() const;
};

class FormedBatch {
 public:
  // REQUIRES: ranges non-empty, of tasks with equal BatchKeys; more than one range or a
  // partial range only for Splittable task types; ranges of one task do not overlap.
  explicit FormedBatch(std::vector<TaskRange> ranges);

  FormedBatch(const FormedBatch&) = delete;
  FormedBatch& operator=(const FormedBatch&) = delete;

  // The task an engine runs.
  Task& task() { return direct_ != nullptr ? *direct_ : owned_; }
  size_t items() const { return items_; }
  const std::vector<TaskRange>& ranges() const { return ranges_; }

  // After a successful run: copies each range's outputs back into its task (nothing to
  // do for the in-place shapes).
  void Scatter();

 private:
  void Gather();
  void MakeView();

  std::vector<TaskRange> ranges_;
  size_t items_ = 0;
  Task* direct_ = nullptr;  // the one whole task
  bool gathered_ = false;   // several ranges: outputs must be scattered
  Task owned_;
  // Input storage of a gathered batch or rebased offsets of a view: up to three packed
  // inputs (messages, public keys, signatures) and the Merkle proofs' arrays.
  std::array<std::vector<uint8_t>, 3> data_;
  std::array<std::vector<uint64_t>, 3> offsets_;
  std::vector<uint64_t> indices_;
  std::vector<uint32_t> lengths_;
  // Output storage of a gathered batch.
  std::vector<uint8_t> out_a_;
  std::vector<uint8_t> out_b_;
  std::vector<ItemStatus> out_status_;
};

}  // namespace chainaccel
