// The adaptive executor: Block-STM whose thread count follows the contention of recent
// blocks, down to the sequential executor when parallel execution only wastes work.
#include <memory>
#include <string>
#include <vector>

#include "engines/exec/executor.h"

namespace chainaccel::exec {
namespace {

class AdaptiveExecutor final : public BlockExecutor {
 public:
  AdaptiveExecutor(const VmLimits& limits, size_t max_threads)
      : sequential_(NewSequentialExecutor(limits)) {
    for (size_t t = 2; t < max_threads; t *= 2) levels_.push_back(NewBlockStmExecutor(limits, t));
    if (max_threads >= 2) levels_.push_back(NewBlockStmExecutor(limits, max_threads));
    level_ = static_cast<int>(levels_.size());  // start fully parallel
  }

  BlockOutput Execute(const BlockInput& input) override {
    const size_t n = input.transactions.size();
    // At level 0 (sequential), probe parallel execution again every kProbeEvery blocks.
    int level = level_;
    if (level == 0 && !levels_.empty() && ++blocks_sequential_ % kProbeEvery == 0) level = 1;
    BlockExecutor& executor = level == 0 ? *sequential_ : *levels_[level - 1];
    BlockOutput out = executor.Execute(input);
    stats_ = executor.last_stats();
    if (level > 0 && n >= kMinBlock) {
      // Every transaction runs at least once; each run beyond that (a re-execution after
      // an abort or a suspension) is waste.
      const double waste =
          static_cast<double>(stats_.executions - n) / static_cast<double>(n);
      if (waste > kBackOffWaste) {
        level_ = level - 1;
      } else if (waste < kGrowWaste && level < static_cast<int>(levels_.size())) {
        level_ = level + 1;
      } else {
        level_ = level;
      }
    }
    return out;
  }

  std::string name() const override { return "adaptive"; }
  ExecutorStats last_stats() const override { return stats_; }

 private:
  // Runs beyond the first per transaction (re-executions after aborts and suspensions)
  // above which the next block
  // gets half the threads (at 0.5, half of all work is thrown away), and below which it
  // gets twice as many.
  static constexpr double kBackOffWaste = 0.5;
  static constexpr double kGrowWaste = 0.1;
  // Smaller blocks say too little about contention to change the level.
  static constexpr size_t kMinBlock = 64;
  static constexpr uint64_t kProbeEvery = 8;

  std::unique_ptr<BlockExecutor> sequential_;
  std::vector<std::unique_ptr<BlockExecutor>> levels_;  // 2, 4, ..., max threads
  int level_ = 0;  // 0: sequential; i: levels_[i - 1]
  uint64_t blocks_sequential_ = 0;
  ExecutorStats stats_;
};

}  // namespace

std::unique_ptr<BlockExecutor> NewAdaptiveExecutor(const VmLimits& limits, size_t max_threads) {
  return std::make_unique<AdaptiveExecutor>(limits, max_threads);
}

}  // namespace chainaccel::exec
