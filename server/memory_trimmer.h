// MemoryTrimmer: gives freed heap memory back to the operating system once the daemon is
// idle after load.
//
// glibc keeps what a burst of requests freed in its arenas (measured: 35 MiB resident
// at start, ~200 MiB after a 12,000-request burst, still there after 60 s idle). Every
// `interval`, when no request is in flight and the resident size has grown by more than
// 8 MiB since the last trim, it calls malloc_trim(0), which releases the free pages of
// every arena. Thread-safe; the destructor stops its thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "core/periodic_thread.h"

namespace chainaccel::server {

class MemoryTrimmer {
 public:
  // `in_flight` tells how many requests are being served (called from the trimmer's
  // thread); `on_tick`, when set, runs first on every tick (the daemon frees the request
  // buffers its FieldBufferPool kept unused for an interval). REQUIRES: interval > 0.
  MemoryTrimmer(std::function<uint64_t()> in_flight, std::chrono::milliseconds interval,
                std::function<void()> on_tick = {});
  ~MemoryTrimmer();

  MemoryTrimmer(const MemoryTrimmer&) = delete;
  MemoryTrimmer& operator=(const MemoryTrimmer&) = delete;

  // Trims now if the process is idle and has grown since the last trim; returns the
  // bytes the resident size fell by (0 when it did not trim).
  uint64_t TrimIfIdle();

  // Trims performed so far.
  uint64_t trims() const;

 private:
  const std::function<uint64_t()> in_flight_;
  const std::function<void()> on_tick_;
  std::atomic<uint64_t> trims_{0};
  std::atomic<uint64_t> baseline_bytes_{0};  // resident size after the last trim
  PeriodicThread thread_;  // last: started after the members it uses
};

// Sets glibc's allocator so that large blocks do not stay behind: blocks of 128 KiB and
// more (request and response buffers) are mapped on their own and unmapped when freed.
// glibc's default threshold starts there too but rises after each large free (up to
// 32 MiB), after which such buffers fragment the arenas for good. Call once at start.
void KeepLargeBlocksMapped();

// The process's resident set size in bytes (/proc/self/statm), 0 where unknown.
uint64_t ResidentBytes();

}  // namespace chainaccel::server
