// WorkerPool: threads kept for the owner's lifetime that run one job at a time together
// with the calling thread. Block-STM runs each block on one, so a block starts no thread
// and the helpers keep their allocator caches from block to block.
//
// Unlike chainaccel::ThreadPool's ParallelFor (chunks claimed by whichever thread is
// free, possibly several by one), a job here runs as a gang: job(i) for every i at the
// same time on distinct threads, which Block-STM needs (each worker owns an interpreter,
// and the workers meet at a barrier before merging the block's writes).
//
// Thread-safety: Run is called by one thread at a time (the owner's); the job runs on
// up to threads() threads at once and must be safe for that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "core/status.h"
#include "core/thread_annotations.h"

namespace chainaccel::exec {

class WorkerPool {
 public:
  // Starts threads - 1 helpers (none for 0 or 1).
  explicit WorkerPool(size_t threads);
  // Stops and joins the helpers. REQUIRES: no Run in progress.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // The calling thread and the helpers.
  size_t threads() const { return helpers_.size() + 1; }

  // Calls job(0) on the calling thread and job(i) on helper i for 0 < i < n, and returns
  // when all of them have returned. REQUIRES: 1 <= n <= threads().
  void Run(size_t n, const std::function<void(size_t)>& job) CHAINACCEL_EXCLUDES(mu_);

 private:
  void HelperLoop(size_t index) CHAINACCEL_EXCLUDES(mu_);

  Mutex mu_;
  CondVar start_;  // waited on with mu_: a new job, or stop
  CondVar done_;   // waited on with mu_: the last helper of a job finished
  uint64_t generation_ CHAINACCEL_GUARDED_BY(mu_) = 0;  // bumped per job
  // Threads of the current job, the caller included.
  size_t workers_ CHAINACCEL_GUARDED_BY(mu_) = 0;
  // Helpers of the current job not yet finished.
  size_t running_ CHAINACCEL_GUARDED_BY(mu_) = 0;
  bool stop_ CHAINACCEL_GUARDED_BY(mu_) = false;
  // The current job (the pointer, not the function: helpers call it without mu_).
  const std::function<void(size_t)>* job_ CHAINACCEL_GUARDED_BY(mu_) = nullptr;

  std::vector<std::thread> helpers_;  // helpers_[i - 1] is helper i
};

// Calls work(t, begin, end) for ranges that cover [0, n) once, taken by up to
// pool->threads() threads at once (the calling thread one of them), each range at least
// `min_each` long; with fewer items, or no pool, one range on the calling thread (t = 0).
// Returns when every range is done. t is the range's index, below pool->threads().
// REQUIRES: as Run (one caller at a time per pool; work does not use the pool).
void ForRanges(WorkerPool* pool, size_t n, size_t min_each,
               const std::function<void(size_t t, size_t begin, size_t end)>& work);

// Calls job(t) on every thread of `pool` at once (t = 0 the calling one) and returns the
// first failure in thread order, else OK. REQUIRES: as Run.
Status RunOnAll(WorkerPool& pool, const std::function<Status(size_t t)>& job);

}  // namespace chainaccel::exec
