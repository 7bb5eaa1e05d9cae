// PeriodicThread: calls `tick` every `interval` on a thread of its own, until destroyed.
// The destructor wakes the thread and joins it (a tick in progress finishes first), so
// `tick` may use whatever outlives the PeriodicThread; declare it after those members.
// Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

#include "core/mutex.h"
#include "core/thread_annotations.h"

namespace chainaccel {

class PeriodicThread {
 public:
  // REQUIRES: interval > 0.
  PeriodicThread(std::chrono::milliseconds interval, std::function<void()> tick);
  ~PeriodicThread();

  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

 private:
  void Loop() CHAINACCEL_EXCLUDES(mu_);

  const std::chrono::milliseconds interval_;
  const std::function<void()> tick_;
  Mutex mu_;
  CondVar wake_;  // waited on with mu_: stopping_ was set
  bool stopping_ CHAINACCEL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: started after the members it uses
};

}  // namespace chainaccel
