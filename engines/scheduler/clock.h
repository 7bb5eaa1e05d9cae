// Clock: where the hybrid scheduler reads the time (queue waits, deadlines, the delay it
// may hold a batch open, batch run times), so that tests can drive it with a fake one.
#pragma once

#include "engines/scheduler/scheduler.h"

namespace chainaccel {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SchedulerClock::time_point Now() const = 0;

  // The process's steady clock.
  static const Clock& Steady();
};

}  // namespace chainaccel
