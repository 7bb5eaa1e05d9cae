// The adaptive executor: Block-STM whose thread count follows the contention of recent
// blocks, down to the sequential executor when parallel execution only wastes work or
// is measured slower than running the block in order.
//
// The choice of executor changes how long a block takes, never its result (every
// executor's output equals sequential execution's), so deciding on measured wall time
// is safe for consensus.
#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "execution/executor.h"

namespace chainaccel::exec {
namespace {

class AdaptiveExecutor final : public BlockExecutor {
 public:
  AdaptiveExecutor(std::unique_ptr<BlockExecutor> sequential,
                   std::vector<std::unique_ptr<BlockExecutor>> levels,
                   std::function<double()> seconds_now)
      : sequential_(std::move(sequential)),
        levels_(std::move(levels)),
        seconds_now_(std::move(seconds_now)) {
    level_ = static_cast<int>(levels_.size());  // start fully parallel
    seconds_per_tx_.assign(levels_.size() + 1, -1);
  }

  BlockOutput Execute(const BlockInput& input) override {
    const size_t n = input.transactions.size();
    // At level 0 (sequential), probe parallel execution again every probe_every_ blocks.
    int level = level_;
    const bool probe =
        level == 0 && !levels_.empty() && ++blocks_since_probe_ >= probe_every_;
    if (probe) {
      level = 1;
      blocks_since_probe_ = 0;
    }
    BlockExecutor& executor = level == 0 ? *sequential_ : *levels_[level - 1];
    const double start = seconds_now_();
    BlockOutput out = executor.Execute(input);
    const double seconds = seconds_now_() - start;
    stats_ = executor.last_stats();
    if (n >= kMinBlock) {
      Remember(level, seconds / static_cast<double>(n));
      if (level > 0) level_ = NextLevel(level, n);
      // A probe that goes straight back waits twice as long for the next one (a chain of
      // dependencies stays one: each failed probe costs up to ~2 blocks' time).
      if (probe) {
        probe_every_ = level_ == 0 ? std::min(2 * probe_every_, kMaxProbeEvery) : kProbeEvery;
      }
    }
    return out;
  }

  std::string name() const override { return "adaptive"; }
  ExecutorStats last_stats() const override { return stats_; }

 private:
  // Smoothed seconds per transaction at `level` (the newest block weighs kNewWeight).
  void Remember(int level, double seconds_per_tx) {
    double& s = seconds_per_tx_[level];
    s = s < 0 ? seconds_per_tx : (1 - kNewWeight) * s + kNewWeight * seconds_per_tx;
  }

  // The level of the next block after one at `level` > 0.
  int NextLevel(int level, size_t n) const {
    // Every transaction runs at least once; each run beyond that (a re-execution after an
    // abort or a suspension) is waste.
    const double waste =
        static_cast<double>(stats_.executions - n) / static_cast<double>(n);
    if (waste > kBackOffWaste) return level - 1;
    const double sequential = seconds_per_tx_[0];
    // Slower than the sequential executor was: back to it (it probes again later, with a
    // fresh measurement of its own). Cheap transactions on a chain of dependencies get
    // there with little waste: each re-execution and suspension costs about a whole
    // transaction.
    if (sequential > 0 && seconds_per_tx_[level] > sequential * (1 + kSlowerMargin)) return 0;
    if (waste < kGrowWaste) {
      return level < static_cast<int>(levels_.size()) ? level + 1 : level;
    }
    // Between the two bounds: without a measurement of the sequential executor, take one.
    if (sequential < 0) return 0;
    // Moderate waste often still pays on more threads (on the 16-core host, transfers
    // among 1% hot accounts waste 0.10 on 8 threads and 0.19 on 16, and 16 are 1.4x
    // faster): climb while the next level up is untried or was measured faster.
    const int up = level + 1;
    if (up <= static_cast<int>(levels_.size()) &&
        (seconds_per_tx_[up] < 0 || seconds_per_tx_[up] < seconds_per_tx_[level])) {
      return up;
    }
    return level;
  }

  // Runs beyond the first per transaction (re-executions after aborts and suspensions)
  // above which the next block gets half the threads (at 0.5, half of all work is thrown
  // away), and below which it gets twice as many.
  static constexpr double kBackOffWaste = 0.5;
  static constexpr double kGrowWaste = 0.1;
  // A level this much slower per transaction than the sequential executor goes back to
  // it: 5% leaves room for the noise between blocks of one kind.
  static constexpr double kSlowerMargin = 0.05;
  static constexpr double kNewWeight = 0.5;
  // Smaller blocks say too little about contention to change the level.
  static constexpr size_t kMinBlock = 64;
  static constexpr uint64_t kProbeEvery = 8;
  static constexpr uint64_t kMaxProbeEvery = 64;

  std::unique_ptr<BlockExecutor> sequential_;
  std::vector<std::unique_ptr<BlockExecutor>> levels_;  // 2, 4, ..., max threads
  std::function<double()> seconds_now_;
  int level_ = 0;  // 0: sequential; i: levels_[i - 1]
  uint64_t blocks_since_probe_ = 0;
  uint64_t probe_every_ = kProbeEvery;
  // Per level, the smoothed seconds per transaction of its blocks; -1 before the first.
  std::vector<double> seconds_per_tx_;
  ExecutorStats stats_;
};

}  // namespace

std::unique_ptr<BlockExecutor> NewAdaptiveExecutor(const VmLimits& limits, size_t max_threads) {
  std::vector<std::unique_ptr<BlockExecutor>> levels;
  for (size_t t = 2; t < max_threads; t *= 2) levels.push_back(NewBlockStmExecutor(limits, t));
  if (max_threads >= 2) levels.push_back(NewBlockStmExecutor(limits, max_threads));
  const auto seconds_now = [] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
  return std::make_unique<AdaptiveExecutor>(NewSequentialExecutor(limits), std::move(levels),
                                            seconds_now);
}

namespace testing {

std::unique_ptr<BlockExecutor> NewAdaptiveExecutorForTest(
    std::unique_ptr<BlockExecutor> sequential,
    std::vector<std::unique_ptr<BlockExecutor>> levels, std::function<double()> seconds_now) {
  return std::make_unique<AdaptiveExecutor>(std::move(sequential), std::move(levels),
                                            std::move(seconds_now));
}

}  // namespace testing

}  // namespace chainaccel::exec
