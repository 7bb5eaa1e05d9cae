#include "execution/worker_pool.h"

#include <algorithm>

namespace chainaccel::exec {

WorkerPool::WorkerPool(size_t threads) {
  for (size_t i = 1; i < threads; ++i) helpers_.emplace_back([this, i] { HelperLoop(i); });
}

WorkerPool::~WorkerPool() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  start_.NotifyAll();
  for (std::thread& t : helpers_) t.join();
}

void WorkerPool::Run(size_t n, const std::function<void(size_t)>& job) {
  {
    MutexLock lock(mu_);
    job_ = &job;
    workers_ = n;
    running_ = n - 1;
    ++generation_;
  }
  if (n > 1) start_.NotifyAll();
  job(0);
  MutexLock lock(mu_);
  while (running_ != 0) done_.Wait(mu_);
  job_ = nullptr;
}

void WorkerPool::HelperLoop(size_t index) {
  uint64_t seen = 0;
  MutexLock lock(mu_);
  for (;;) {
    while (!stop_ && generation_ == seen) start_.Wait(mu_);
    if (stop_) return;
    seen = generation_;
    if (index >= workers_) continue;  // not needed for this job
    const std::function<void(size_t)>& job = *job_;
    lock.Unlock();
    job(index);
    lock.Lock();
    if (--running_ == 0) done_.NotifyOne();
  }
}

void ForRanges(WorkerPool* pool, size_t n, size_t min_each,
               const std::function<void(size_t t, size_t begin, size_t end)>& work) {
  const size_t ranges =
      pool == nullptr ? 1 : std::max<size_t>(1, std::min(pool->threads(), n / std::max<size_t>(1, min_each)));
  if (ranges == 1) {
    work(0, 0, n);
    return;
  }
  const size_t per = (n + ranges - 1) / ranges;
  pool->Run(ranges, [&](size_t t) {
    const size_t begin = std::min(n, t * per);
    work(t, begin, std::min(n, begin + per));
  });
}

Status RunOnAll(WorkerPool& pool, const std::function<Status(size_t t)>& job) {
  std::vector<Status> results(pool.threads());
  pool.Run(pool.threads(), [&](size_t t) { results[t] = job(t); });
  return FirstError(results);
}

}  // namespace chainaccel::exec
