// ThreadPool: a fixed set of worker threads that run posted closures, and a ParallelFor
// that splits a range across them.
//
// ParallelFor lets the calling thread take part and only waits for chunks that some
// thread is already running, so it may be called from inside a pool task without
// deadlock: nested and concurrent ParallelFor calls always make progress.
// Thread-safe. The destructor finishes every posted closure, then joins the workers.
#pragma once

#include <time.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "core/thread_annotations.h"

namespace chainaccel {

class ThreadPool {
 public:
  // REQUIRES: threads >= 1. nice: the workers' Linux nice value (a per-thread attribute
  // there), set as each starts: 0 leaves them at the process's; a positive value (up to
  // 19) lowers their priority, which needs no privilege, so that they take the cores
  // other threads leave idle. Best effort: where it cannot be set (other systems, a
  // sandbox that forbids it) the workers run at the process's priority.
  // name: the workers' thread name (core/thread_name.h; empty: the process's).
  explicit ThreadPool(size_t threads, int nice = 0, std::string_view name = {});
  ~ThreadPool();

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t size() const { return workers_.size(); }

  // The CPU time the workers have used so far (their thread clocks), in nanoseconds; not
  // the time callers of ParallelFor spent on their own chunks. Thread-safe.
  int64_t WorkersCpuNanoseconds() const;

  // Runs fn on a worker, in FIFO order with other posted closures.
  void Post(std::function<void()> fn) CHAINACCEL_EXCLUDES(mu_);

  // Calls fn(begin, end) over [0, n) in chunks of at least `grain` items, on the workers
  // and the calling thread; returns when every chunk has run. fn must not throw.
  void ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn)
      CHAINACCEL_EXCLUDES(mu_);

 private:
  void WorkerLoop() CHAINACCEL_EXCLUDES(mu_);

  std::vector<std::thread> workers_;  // set by the constructor only
  std::vector<clockid_t> worker_clocks_;  // their CPU-time clocks; set by the constructor only

  Mutex mu_;
  CondVar cv_;  // waited on with mu_: a closure was queued, or stopping_ was set
  std::deque<std::function<void()>> queue_ CHAINACCEL_GUARDED_BY(mu_);
  bool stopping_ CHAINACCEL_GUARDED_BY(mu_) = false;
};

}  // namespace chainaccel
