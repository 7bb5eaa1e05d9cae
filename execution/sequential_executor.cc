// The sequential executor: the reference every parallel result is checked against.
#include <array>
#include <memory>
#include <string>

#include "execution/executor.h"

namespace chainaccel::exec {

namespace {

// A transaction's view: its own writes (the call's, then the kept ones), then the
// block's earlier writes, then committed state.
class SequentialView final : public TransactionState {
 public:
  SequentialView(const Hash32& contract, const WriteMap& block_writes, const StateReader& base)
      : contract_(contract), block_writes_(block_writes), base_(base) {}

  ReadResult Read(std::string_view key, std::string* value) override {
    return ReadAt(contract_, key, value);
  }

  void Write(std::string_view key, const std::string* value) override {
    writes_[StateKey(contract_, key)] =
        value ? std::optional<std::string>(*value) : std::nullopt;
  }

  ReadResult ReadAt(const Hash32& address, std::string_view key,
                    std::string* value) override {
    const std::string k = StateKey(address, key);
    const std::optional<std::string>* found = nullptr;
    const std::array<const WriteMap*, 3> layers = {&writes_, &kept_writes_, &block_writes_};
    for (const WriteMap* layer : layers) {
      if (auto it = layer->find(k); it != layer->end()) {
        found = &it->second;
        break;
      }
    }
    if (found != nullptr) {
      if (!found->has_value()) return ReadResult::kAbsent;
      *value = **found;
      return ReadResult::kFound;
    }
    return base_.Get(k, value) ? ReadResult::kFound : ReadResult::kAbsent;
  }

  void WriteKept(const Hash32& address, std::string_view key,
                 const std::string& value) override {
    kept_writes_[StateKey(address, key)] = value;
  }

  WriteMap& writes() { return writes_; }
  WriteMap& kept_writes() { return kept_writes_; }

 private:
  const Hash32& contract_;
  const WriteMap& block_writes_;
  const StateReader& base_;
  WriteMap writes_;
  WriteMap kept_writes_;
};

class SequentialExecutor final : public BlockExecutor {
 public:
  explicit SequentialExecutor(const VmLimits& limits) : vm_(limits) {}

  BlockOutput Execute(const BlockInput& input) override {
    BlockOutput out;
    out.receipts.reserve(input.transactions.size());
    stats_ = ExecutorStats{input.transactions.size(), 0, 0, 0};
    WriteMap block_writes;
    for (size_t i = 0; i < input.transactions.size(); ++i) {
      SequentialView view(input.transactions[i].contract, block_writes, *input.state);
      bool blocked = false;
      Receipt r = RunTransaction(vm_, input, i, view, &blocked);
      if (r.status == ReceiptStatus::kOk) {
        for (auto& [k, v] : view.writes()) block_writes[k] = std::move(v);
      }
      for (auto& [k, v] : view.kept_writes()) block_writes[k] = std::move(v);
      out.receipts.push_back(std::move(r));
    }
    out.writes = ToWriteSet(std::move(block_writes));
    return out;
  }

  std::string name() const override { return "sequential"; }
  ExecutorStats last_stats() const override { return stats_; }

 private:
  ContractVm vm_;
  ExecutorStats stats_;
};

}  // namespace

std::unique_ptr<BlockExecutor> NewSequentialExecutor(const VmLimits& limits) {
  return std::make_unique<SequentialExecutor>(limits);
}

}  // namespace chainaccel::exec
