// SharedPoolClock: how much work a batch got from an engine whose batches share one pool
// of workers (the CPU engine: two batches side by side split its threads), counted in
// seconds of the pool to itself. While n batches run, each advances at 1/n of the wall
// clock (processor sharing), so a batch that ran 10 ms beside another the whole time did
// ~5 ms of work. The cost model learns that, not the 10 ms (a fit through wall times
// taken at different degrees of sharing gave the CPU engine a fixed latency of 0.6 s
// after a sweep of 64- to 262,144-item requests, H100 host, 2026-12-06), and the
// scheduler predicts the sharing separately (SharedFinishSeconds).
// Thread-compatible: the scheduler calls it under its lock.
#pragma once

#include <cstddef>
#include <vector>

#include "engines/scheduler/scheduler.h"

namespace chainaccel {

class SharedPoolClock {
 public:
  // A batch starts at `now`; returns its start mark (for Finish and Progress).
  double Start(SchedulerClock::time_point now);
  // The batch started at `mark` ends at `now`; returns the seconds of work it got.
  // REQUIRES: one Finish per Start, at a `now` no earlier than any before.
  double Finish(SchedulerClock::time_point now, double mark);
  // Seconds of work the batch started at `mark` has got by `now` (while it runs).
  double Progress(SchedulerClock::time_point now, double mark) const;
  size_t running() const { return running_; }

 private:
  // The work one batch got since the clock began, at `now`.
  double VirtualNow(SchedulerClock::time_point now) const;
  void Advance(SchedulerClock::time_point now);

  double virtual_ = 0;  // at at_
  SchedulerClock::time_point at_{};
  size_t running_ = 0;
};

// Seconds until a batch of `work` seconds (of the pool to itself) started now finishes
// beside running batches that have `remaining` seconds of work left each, all sharing
// the pool equally: work + the sum of min(remaining_i, work).
double SharedFinishSeconds(double work, const std::vector<double>& remaining);

}  // namespace chainaccel
