#include "core/periodic_thread.h"

#include <utility>

namespace chainaccel {

PeriodicThread::PeriodicThread(std::chrono::milliseconds interval, std::function<void()> tick)
    : interval_(interval), tick_(std::move(tick)), thread_([this] { Loop(); }) {}

PeriodicThread::~PeriodicThread() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
    wake_.NotifyAll();
  }
  thread_.join();
}

void PeriodicThread::Loop() {
  MutexLock lock(mu_);
  while (!stopping_) {
    static_cast<void>(wake_.WaitFor(mu_, interval_));
    if (stopping_) break;
    lock.Unlock();
    tick_();
    lock.Lock();
  }
}

}  // namespace chainaccel
