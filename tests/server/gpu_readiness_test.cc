// GpuReadiness: degraded exactly while GPUs are expected and none is healthy; each change
// reported once.
#include "server/gpu_readiness.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <vector>

namespace chainaccel::server {
namespace {

// A GPU engine whose health the test sets.
class StubGpu : public Engine {
 public:
  explicit StubGpu(const char* name) { info_.name = name; info_.kind = EngineKind::kGpu; }
  const EngineInfo& info() const override { return info_; }
  bool Supports(TaskType) const override { return true; }
  Status Run(Task&) override { return Status::Ok(); }
  EngineStats stats() const override {
    EngineStats s;
    s.healthy = healthy_.load();
    return s;
  }
  void SetHealthy(bool healthy) { healthy_ = healthy; }

 private:
  EngineInfo info_;
  std::atomic<bool> healthy_{true};
};

// Every report, in order.
struct Reports {
  std::vector<bool> seen;
  std::function<void(bool)> Sink() {
    return [this](bool degraded) { seen.push_back(degraded); };
  }
};

constexpr std::chrono::milliseconds kLongInterval{3'600'000};  // the test calls Update

TEST_CASE("GpuReadiness: degraded while every expected GPU is out, reported on change",
          "[readiness]") {
  StubGpu a("gpu:0"), b("gpu:1");
  Reports reports;
  GpuReadiness readiness({&a, &b}, true, reports.Sink(), kLongInterval);
  CHECK(reports.seen == std::vector<bool>{false});  // the first state at once
  a.SetHealthy(false);
  CHECK_FALSE(readiness.Update());  // one GPU left: not degraded, nothing to report
  b.SetHealthy(false);
  CHECK(readiness.Update());
  CHECK(readiness.Update());  // no change: no second report
  b.SetHealthy(true);
  CHECK_FALSE(readiness.Update());
  CHECK(reports.seen == std::vector<bool>{false, true, false});
}

TEST_CASE("GpuReadiness: GPUs expected but none opened is degraded from the start",
          "[readiness]") {
  Reports reports;
  GpuReadiness readiness({}, true, reports.Sink(), kLongInterval);
  CHECK(readiness.Update());
  CHECK(reports.seen == std::vector<bool>{true});
}

TEST_CASE("GpuReadiness: a daemon that expects no GPU is never degraded", "[readiness]") {
  Reports reports;
  GpuReadiness readiness({}, false, reports.Sink(), kLongInterval);
  CHECK_FALSE(readiness.Update());
  CHECK(reports.seen == std::vector<bool>{false});
}

TEST_CASE("GpuReadiness: its thread notices a change by itself", "[readiness]") {
  StubGpu gpu("gpu:0");
  std::atomic<int> degraded_reports{0};
  GpuReadiness readiness({&gpu}, true,
                         [&degraded_reports](bool degraded) { degraded_reports += degraded; },
                         std::chrono::milliseconds(5));
  gpu.SetHealthy(false);
  for (int i = 0; i < 2000 && degraded_reports.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(degraded_reports.load() == 1);
}

}  // namespace
}  // namespace chainaccel::server
