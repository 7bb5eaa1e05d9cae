#include "core/thread_pool.h"

#include <pthread.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>

#include "core/thread_name.h"

namespace chainaccel {

ThreadPool::ThreadPool(size_t threads, int nice, std::string_view name) {
  workers_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) {
    workers_.emplace_back([this, nice, name = std::string(name)] {
      if (!name.empty()) NameCurrentThread(name);
#ifdef __linux__
      if (nice != 0) static_cast<void>(setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice));
#endif
      WorkerLoop();
    });
    clockid_t clock;
    if (pthread_getcpuclockid(workers_.back().native_handle(), &clock) == 0) {
      worker_clocks_.push_back(clock);
    }
  }
}

ThreadPool::~ThreadPool() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.NotifyAll();
  for (auto& w : workers_) w.join();
}

void ThreadPool::Post(std::function<void()> fn) {
  {
    MutexLock lock(mu_);
    queue_.push_back(std::move(fn));
  }
  cv_.NotifyOne();
}

void ThreadPool::WorkerLoop() {
  for (;;) {
    std::function<void()> fn;
    {
      MutexLock lock(mu_);
      while (!stopping_ && queue_.empty()) cv_.Wait(mu_);
      if (queue_.empty()) return;  // stopping and drained
      fn = std::move(queue_.front());
      queue_.pop_front();
    }
    fn();
  }
}

namespace {

// Shared by the caller and the helpers of one ParallelFor. Helpers hold it by
// shared_ptr because they may start after the caller has returned.
struct ParallelForState {
  size_t n = 0;
  size_t chunk = 0;
  size_t chunks = 0;
  const std::function<void(size_t, size_t)>* fn = nullptr;
  std::atomic<size_t> next{0};  // next chunk to claim
  std::atomic<size_t> done{0};  // chunks finished
  Mutex mu;
  CondVar cv;  // waited on with mu: the last chunk finished

  // Claims and runs chunks until none is left.
  void Drain() {
    for (;;) {
      size_t c = next.fetch_add(1, std::memory_order_relaxed);
      if (c >= chunks) return;
      size_t begin = c * chunk;
      (*fn)(begin, std::min(n, begin + chunk));
      if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks) {
        MutexLock lock(mu);
        cv.NotifyAll();
      }
    }
  }
};

}  // namespace

void ThreadPool::ParallelFor(size_t n, size_t grain,
                             const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  grain = std::max<size_t>(grain, 1);
  const size_t threads = workers_.size() + 1;
  // About four chunks per thread balances uneven items without much claiming traffic.
  size_t chunk = std::max(grain, (n + threads * 4 - 1) / (threads * 4));
  size_t chunks = (n + chunk - 1) / chunk;
  if (chunks == 1) {
    fn(0, n);
    return;
  }
  auto state = std::make_shared<ParallelForState>();
  state->n = n;
  state->chunk = chunk;
  state->chunks = chunks;
  state->fn = &fn;
  size_t helpers = std::min(chunks - 1, workers_.size());
  for (size_t i = 0; i < helpers; ++i) {
    Post([state] { state->Drain(); });
  }
  state->Drain();
  // Every chunk is claimed; wait for those other threads are still running. A helper
  // that starts after this returns finds nothing to claim and never touches fn.
  MutexLock lock(state->mu);
  while (state->done.load(std::memory_order_acquire) != chunks) state->cv.Wait(state->mu);
}

int64_t ThreadPool::WorkersCpuNanoseconds() const {
  int64_t total = 0;
  for (const clockid_t clock : worker_clocks_) {
    timespec t{};
    if (clock_gettime(clock, &t) == 0) total += int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
  }
  return total;
}

}  // namespace chainaccel
