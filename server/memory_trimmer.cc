#include "server/memory_trimmer.h"

#include <malloc.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <fstream>

namespace chainaccel::server {
namespace {

// Growth since the last trim below which a trim is not worth its cost (it walks every
// arena under its lock).
constexpr uint64_t kMinGrowthBytes = 8u << 20;

}  // namespace

void KeepLargeBlocksMapped() {
  // A fixed threshold also turns off glibc's dynamic one.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
}

uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0, resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return 0;
  return resident_pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

MemoryTrimmer::MemoryTrimmer(std::function<uint64_t()> in_flight,
                             std::chrono::milliseconds interval, std::function<void()> on_tick)
    : in_flight_(std::move(in_flight)),
      on_tick_(std::move(on_tick)),
      baseline_bytes_(ResidentBytes()),
      thread_(interval, [this] {
        if (on_tick_) on_tick_();
        TrimIfIdle();
      }) {}

MemoryTrimmer::~MemoryTrimmer() = default;

uint64_t MemoryTrimmer::trims() const { return trims_.load(); }

uint64_t MemoryTrimmer::TrimIfIdle() {
  if (in_flight_() != 0) return 0;
  const uint64_t before = ResidentBytes();
  if (before < baseline_bytes_.load() + kMinGrowthBytes) return 0;
  malloc_trim(0);
  const uint64_t after = ResidentBytes();
  baseline_bytes_ = after;
  ++trims_;
  const uint64_t returned = before > after ? before - after : 0;
  spdlog::debug("idle: returned {} MiB of freed memory to the system ({} MiB resident)",
                returned >> 20, after >> 20);
  return returned;
}

}  // namespace chainaccel::server
