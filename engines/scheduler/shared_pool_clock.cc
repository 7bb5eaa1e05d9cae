#include "engines/scheduler/shared_pool_clock.h"

#include <algorithm>
#include <chrono>

namespace chainaccel {

double SharedPoolClock::VirtualNow(SchedulerClock::time_point now) const {
  if (running_ == 0 || now <= at_) return virtual_;
  return virtual_ + std::chrono::duration<double>(now - at_).count() / static_cast<double>(running_);
}

void SharedPoolClock::Advance(SchedulerClock::time_point now) {
  virtual_ = VirtualNow(now);
  at_ = std::max(at_, now);
}

double SharedPoolClock::Start(SchedulerClock::time_point now) {
  Advance(now);
  ++running_;
  return virtual_;
}

double SharedPoolClock::Finish(SchedulerClock::time_point now, double mark) {
  Advance(now);
  if (running_ > 0) --running_;
  return std::max(0.0, virtual_ - mark);
}

double SharedPoolClock::Progress(SchedulerClock::time_point now, double mark) const {
  return std::max(0.0, VirtualNow(now) - mark);
}

double SharedFinishSeconds(double work, const std::vector<double>& remaining) {
  double seconds = work;
  for (double r : remaining) seconds += std::clamp(r, 0.0, work);
  return seconds;
}

}  // namespace chainaccel
