// FormedBatch: one device batch made of item ranges of submitted tasks that share a
// BatchKey (batch_key.h), and the scatter of its results back to those tasks.
//
// Three shapes, cheapest first:
//   - one whole task: the batch is that task, run in place;
//   - a range of one task (a request split over several batches or engines): a view of
//     the task whose outputs point into the task's own (only variable-size items get
//     their offsets rebased, copied);
//   - ranges of several tasks (coalesced requests): inputs gathered into the caller's
//     BatchBuffers, outputs into them too, scattered back by Scatter().
// The caller keeps its BatchBuffers from batch to batch (the scheduler: one set per
// dispatch thread), so the copies write to memory already mapped.
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

// The storage a gathered batch copies its inputs into and takes its outputs in, and the
// rebased offsets of a view. Kept between batches, it holds the largest batch's capacity:
// a batch of 65,536 recoveries gathered into fresh memory (the daemon maps every block
// of 128 KiB or more anew, server/memory_trimmer.h) pays a page fault per 4 KiB of its
// ~12 MB besides the copy.
struct BatchBuffers {
  // Up to three packed inputs (messages, public keys, signatures) and the Merkle proofs'
  // arrays.
  std::array<std::vector<uint8_t>, 3> data;
  std::array<std::vector<uint64_t>, 3> offsets;
  std::vector<uint64_t> indices;
  std::vector<uint32_t> lengths;
  // Outputs, zeroed for every batch: an item an engine left unwritten never shows a
  // previous batch's verdict.
  std::vector<uint8_t> out_a;
  std::vector<uint8_t> out_b;
  std::vector<ItemStatus> out_status;

  // The bytes reserved in all of them.
  size_t CapacityBytes() const;
  // Returns every buffer's memory (an idle dispatch thread keeps none).
  void Release() { *this = BatchBuffers(); }
};

class FormedBatch {
 public:
  // REQUIRES: ranges non-empty, of tasks with equal BatchKeys; more than one range or a
  // partial range only for Splittable task types; ranges of one task do not overlap;
  // *buffers unused by any other batch while this one exists (its contents are replaced).
  FormedBatch(std::vector<TaskRange> ranges, BatchBuffers* buffers);

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
  BatchBuffers& buffers_;   // a gathered batch's storage, a view's offsets
};

}  // namespace chainaccel
