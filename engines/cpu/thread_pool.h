// ThreadPool: a fixed set of worker threads that run posted closures, and a ParallelFor
// that splits a range across them.
//
// ParallelFor lets the calling thread take part and only waits for chunks that some
// thread is already running, so it may be called from inside a pool task without
// deadlock: nested and concurrent ParallelFor calls always make progress.
// Thread-safe. The destructor finishes every posted closure, then joins the workers.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace chainaccel {

class ThreadPool {
 public:
  // REQUIRES: threads >= 1.
  explicit ThreadPool(size_t threads);
  ~ThreadPool();

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t size() const { return workers_.size(); }

  // Runs fn on a worker, in FIFO order with other posted closures.
  void Post(std::function<void()> fn);

  // Calls fn(begin, end) over [0, n) in chunks of at least `grain` items, on the workers
  // and the calling thread; returns when every chunk has run. fn must not throw.
  void ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn);

 private:
  void WorkerLoop();

  std::vector<std::thread> workers_;

  std::mutex mu_;
  // Guarded by mu_.
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
};

}  // namespace chainaccel
