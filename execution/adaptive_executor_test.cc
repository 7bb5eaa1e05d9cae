// Tests of the adaptive executor's choice of level (execution/executor.h), over fake
// executors and a fake clock: each fake "runs" a block by advancing the clock by its
// cost per transaction and reporting its waste (runs beyond one per transaction). No
// wall time is read, so the decisions are exact. That every executor's output equals
// sequential execution is tested in executor_test.cc.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <vector>

#include "execution/executor.h"

namespace chainaccel::exec {
namespace {

struct FakeClock {
  double now = 0;
};

// A level whose blocks cost `seconds_per_tx` each and re-run `waste` × n transactions.
class FakeExecutor final : public BlockExecutor {
 public:
  FakeExecutor(FakeClock* clock, int* runs) : clock_(clock), runs_(runs) {}
  double seconds_per_tx = 1e-5;
  double waste = 0;

  BlockOutput Execute(const BlockInput& input) override {
    const size_t n = input.transactions.size();
    clock_->now += seconds_per_tx * static_cast<double>(n);
    stats_ = {};
    stats_.executions = n + static_cast<uint64_t>(waste * static_cast<double>(n));
    ++*runs_;
    return {};
  }
  std::string name() const override { return "fake"; }
  ExecutorStats last_stats() const override { return stats_; }

 private:
  FakeClock* clock_;
  int* runs_;
  ExecutorStats stats_;
};

// Sequential plus 2 and 4 threads (levels 1 and 2), all fake.
struct Setup {
  FakeClock clock;
  std::vector<int> runs = std::vector<int>(3, 0);  // per level
  std::vector<FakeExecutor*> level;                // 0: sequential
  std::unique_ptr<BlockExecutor> adaptive;
  std::vector<Transaction> transactions = std::vector<Transaction>(1000);

  Setup() {
    auto sequential = std::make_unique<FakeExecutor>(&clock, &runs[0]);
    level.push_back(sequential.get());
    std::vector<std::unique_ptr<BlockExecutor>> levels;
    for (int i = 1; i <= 2; ++i) {
      auto l = std::make_unique<FakeExecutor>(&clock, &runs[i]);
      level.push_back(l.get());
      levels.push_back(std::move(l));
    }
    adaptive = testing::NewAdaptiveExecutorForTest(
        std::move(sequential), std::move(levels), [this] { return clock.now; });
  }
  // Runs one block; returns the level it ran at.
  int Block() {
    const std::vector<int> before = runs;
    BlockInput input;
    input.transactions = transactions;
    adaptive->Execute(input);
    for (int i = 0; i < 3; ++i) {
      if (runs[i] != before[i]) return i;
    }
    return -1;
  }
};

// Sequential at 10 us per transaction; 2 threads at `two_threads` with waste 0.3 (between
// the bounds); 4 threads with waste 0.9. From 4 threads: back off for waste, then one
// sequential block to measure it (2 threads' waste alone does not decide).
void DescendWithModerateWaste(Setup& s, double two_threads) {
  s.level[0]->seconds_per_tx = 10e-6;
  s.level[1]->seconds_per_tx = two_threads;
  s.level[1]->waste = 0.3;
  s.level[2]->waste = 0.9;
  CHECK(s.Block() == 2);
  CHECK(s.Block() == 1);
  CHECK(s.Block() == 0);
}

TEST_CASE("Adaptive: no waste keeps every thread", "[adaptive]") {
  Setup s;
  s.level[0]->seconds_per_tx = 10e-6;
  s.level[1]->seconds_per_tx = 6e-6;
  s.level[2]->seconds_per_tx = 3e-6;
  for (int b = 0; b < 50; ++b) CHECK(s.Block() == 2);
}

TEST_CASE("Adaptive: heavy waste halves the threads down to sequential", "[adaptive]") {
  Setup s;
  s.level[1]->waste = s.level[2]->waste = 0.9;
  CHECK(s.Block() == 2);
  CHECK(s.Block() == 1);
  CHECK(s.Block() == 0);
  CHECK(s.Block() == 0);
}

TEST_CASE("Adaptive: a level slower than sequential goes back to it, and probes back off",
          "[adaptive]") {
  // A chain of cheap dependent transactions: 2 threads waste 0.3 (between the bounds) and
  // take 1.8x a sequential block's time; 4 threads waste 0.9.
  Setup s;
  DescendWithModerateWaste(s, 18e-6);
  // From here: sequential, and a probe of 2 threads every 8, 16, 32, 64, 64 blocks (the
  // block that measured sequential above is the first of the first 8).
  std::vector<int> probes_after;
  int since = 0;
  bool after_probe = false;
  for (int b = 0; b < 8 + 16 + 32 + 64 + 64; ++b) {
    const int level = s.Block();
    REQUIRE(level <= 1);
    if (after_probe) CHECK(level == 0);  // slower than sequential: straight back
    after_probe = level == 1;
    ++since;
    if (level == 1) {
      probes_after.push_back(since);
      since = 0;
    }
  }
  CHECK(probes_after == std::vector<int>{7, 16, 32, 64, 64});
}

TEST_CASE("Adaptive: a level faster than sequential stays despite moderate waste",
          "[adaptive]") {
  Setup s;
  DescendWithModerateWaste(s, 6e-6);
  // Probe 8 blocks after the first sequential one: 2 threads are faster, so the
  // executor stays there.
  for (int b = 0; b < 6; ++b) CHECK(s.Block() == 0);
  CHECK(s.Block() == 1);
  for (int b = 0; b < 20; ++b) CHECK(s.Block() == 1);
  // The workload changes: 2 threads become slower than sequential was.
  s.level[1]->seconds_per_tx = 30e-6;
  CHECK(s.Block() == 1);  // measured: smoothed 18 us > 10.5 us
  CHECK(s.Block() == 0);
}

TEST_CASE("Adaptive: moderate waste climbs to a level measured faster", "[adaptive]") {
  // Both parallel levels waste between the bounds; 4 threads are the fastest.
  Setup s;
  s.level[0]->seconds_per_tx = 10e-6;
  s.level[1]->seconds_per_tx = 6e-6;
  s.level[1]->waste = 0.15;
  s.level[2]->seconds_per_tx = 4e-6;
  s.level[2]->waste = 0.2;
  CHECK(s.Block() == 2);  // between the bounds with no sequential measurement: take one
  for (int b = 0; b < 7; ++b) CHECK(s.Block() == 0);
  CHECK(s.Block() == 1);  // the probe; 4 threads were measured faster than 2: climb
  for (int b = 0; b < 20; ++b) CHECK(s.Block() == 2);
  // Once the level above is measured slower, a level stays where it is.
  s.level[2]->seconds_per_tx = 12e-6;  // smoothed: 8 us, slower than 2 threads' 6
  s.level[2]->waste = 0.6;              // 4 threads back off to 2
  CHECK(s.Block() == 2);
  CHECK(s.Block() == 1);
  for (int b = 0; b < 20; ++b) CHECK(s.Block() == 1);
}

}  // namespace
}  // namespace chainaccel::exec
