#include "engines/exec/worker_pool.h"

namespace chainaccel::exec {

WorkerPool::WorkerPool(size_t threads) {
  for (size_t i = 1; i < threads; ++i) helpers_.emplace_back([this, i] { HelperLoop(i); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  start_.notify_all();
  for (std::thread& t : helpers_) t.join();
}

void WorkerPool::Run(size_t n, const std::function<void(size_t)>& job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &job;
    workers_ = n;
    running_ = n - 1;
    ++generation_;
  }
  if (n > 1) start_.notify_all();
  job(0);
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [this] { return running_ == 0; });
  job_ = nullptr;
}

void WorkerPool::HelperLoop(size_t index) {
  uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    start_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    if (index >= workers_) continue;  // not needed for this job
    const std::function<void(size_t)>& job = *job_;
    lock.unlock();
    job(index);
    lock.lock();
    if (--running_ == 0) done_.notify_one();
  }
}

}  // namespace chainaccel::exec
