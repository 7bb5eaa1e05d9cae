#include "execution/worker_pool.h"

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

}  // namespace chainaccel::exec
