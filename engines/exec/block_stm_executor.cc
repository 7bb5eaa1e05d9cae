// Block-STM: optimistic parallel execution with multi-version memory, validation and
// re-execution (Gelashvili et al. 2022, Algorithms 1-5). The names follow the paper.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "engines/exec/executor.h"

namespace chainaccel::exec {
namespace {

constexpr uint32_t kNoTxn = std::numeric_limits<uint32_t>::max();

struct Version {
  uint32_t txn_idx = kNoTxn;  // kNoTxn: read from committed state
  uint32_t incarnation = 0;
  bool operator==(const Version&) const = default;
};

// ---- multi-version memory --------------------------------------------------------------
class MVMemory {
 public:
  struct ReadOutcome {
    enum class Kind : uint8_t { kStorage, kVersion, kEstimate } kind = Kind::kStorage;
    Version version;
  };

  explicit MVMemory(size_t block_size) : last_written_(block_size) {}

  // The entry of the highest transaction below txn_idx that wrote `key`. For kVersion,
  // *present says whether it holds a value (else a delete) and the value is copied to
  // *value_copy unless that is null.
  ReadOutcome Read(const std::string& key, uint32_t txn_idx, std::string* value_copy,
                   bool* present) const {
    const Shard& shard = ShardOf(key);
    std::lock_guard<std::mutex> lock(shard.mu);
    ReadOutcome out;
    auto it = shard.data.find(key);
    if (it == shard.data.end()) return out;
    const auto& versions = it->second;
    auto v = versions.lower_bound(txn_idx);
    if (v == versions.begin()) return out;
    --v;
    if (v->second.estimate) {
      out.kind = ReadOutcome::Kind::kEstimate;
      out.version = Version{v->first, v->second.incarnation};
      return out;
    }
    out.kind = ReadOutcome::Kind::kVersion;
    out.version = Version{v->first, v->second.incarnation};
    *present = v->second.value.has_value();
    if (*present && value_copy != nullptr) *value_copy = *v->second.value;
    return out;
  }

  // Records the write set of `version`; returns whether it wrote a key the previous
  // incarnation did not (wrote_new_location).
  bool Record(Version version, const WriteSet& writes) {
    bool wrote_new = false;
    std::vector<std::string>& last = last_written_[version.txn_idx];
    for (const auto& [key, value] : writes) {
      Shard& shard = ShardOf(key);
      std::lock_guard<std::mutex> lock(shard.mu);
      shard.data[key][version.txn_idx] = Entry{version.incarnation, false, value};
    }
    // Keys the previous incarnation wrote and this one did not.
    for (const std::string& key : last) {
      if (writes.count(key) != 0) continue;
      Shard& shard = ShardOf(key);
      std::lock_guard<std::mutex> lock(shard.mu);
      auto it = shard.data.find(key);
      if (it != shard.data.end()) it->second.erase(version.txn_idx);
    }
    for (const auto& entry : writes) {
      if (!std::binary_search(last.begin(), last.end(), entry.first)) {
        wrote_new = true;
        break;
      }
    }
    last.clear();
    for (const auto& entry : writes) last.push_back(entry.first);  // sorted: WriteSet is a map
    return wrote_new;
  }

  void ConvertWritesToEstimates(uint32_t txn_idx) {
    for (const std::string& key : last_written_[txn_idx]) {
      Shard& shard = ShardOf(key);
      std::lock_guard<std::mutex> lock(shard.mu);
      shard.data[key][txn_idx].estimate = true;
    }
  }

  // Moves the net writes of the block into *out (the last writer's value of every key).
  // Sorting first and appending in order keeps this serial step short.
  // REQUIRES: every worker has finished; the memory is not read afterwards.
  void TakeWrites(WriteSet* out) {
    std::vector<std::pair<std::string, std::optional<std::string>>> writes;
    for (Shard& shard : shards_) {
      for (auto& [key, versions] : shard.data) {
        if (versions.empty()) continue;
        writes.emplace_back(key, std::move(versions.rbegin()->second.value));
      }
    }
    std::sort(writes.begin(), writes.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& w : writes) out->emplace_hint(out->end(), std::move(w.first), std::move(w.second));
  }

 private:
  struct Entry {
    uint32_t incarnation = 0;
    bool estimate = false;
    std::optional<std::string> value;
  };
  struct Shard {
    mutable std::mutex mu;
    // Guarded by mu.
    std::unordered_map<std::string, std::map<uint32_t, Entry>> data;
  };
  // 256 shards: with 16 threads the chance that two concurrent accesses to distinct
  // keys share a shard lock is about 6%.
  static constexpr size_t kShards = 256;

  Shard& ShardOf(const std::string& key) { return shards_[std::hash<std::string>{}(key) % kShards]; }
  const Shard& ShardOf(const std::string& key) const {
    return shards_[std::hash<std::string>{}(key) % kShards];
  }

  Shard shards_[kShards];
  // last_written_[i]: sorted keys of txn i's last recorded write set. Only the thread
  // running txn i (executing or, for estimates, having aborted it) touches it.
  std::vector<std::vector<std::string>> last_written_;
};

// ---- collaborative scheduler (paper Algorithms 4 and 5) --------------------------------
enum class TaskKind : uint8_t { kExecution, kValidation };
struct Task {
  Version version;
  TaskKind kind;
};

class Scheduler {
 public:
  explicit Scheduler(uint32_t block_size)
      : block_size_(block_size), status_(block_size), deps_(block_size) {}

  bool done() const { return done_marker_.load(std::memory_order_acquire); }

  // Whether an incarnation of txn_idx is running right now.
  bool IsExecuting(uint32_t txn_idx) {
    std::lock_guard<std::mutex> lock(status_[txn_idx].mu);
    return status_[txn_idx].status == Status::kExecuting;
  }

  std::optional<Task> NextTask() {
    if (validation_idx_.load() < execution_idx_.load()) {
      if (auto v = NextVersionToValidate()) return Task{*v, TaskKind::kValidation};
    } else {
      if (auto v = NextVersionToExecute()) return Task{*v, TaskKind::kExecution};
    }
    return std::nullopt;
  }

  // false when blocking_idx has finished meanwhile (re-execute at once).
  bool AddDependency(uint32_t txn_idx, uint32_t blocking_idx) {
    {
      std::lock_guard<std::mutex> dep_lock(deps_[blocking_idx].mu);
      {
        std::lock_guard<std::mutex> st_lock(status_[blocking_idx].mu);
        if (status_[blocking_idx].status == Status::kExecuted) return false;
      }
      {
        std::lock_guard<std::mutex> st_lock(status_[txn_idx].mu);
        status_[txn_idx].status = Status::kAborting;
      }
      deps_[blocking_idx].waiting.push_back(txn_idx);
    }
    num_active_tasks_.fetch_sub(1);
    return true;
  }

  std::optional<Task> FinishExecution(uint32_t txn_idx, uint32_t incarnation, bool wrote_new) {
    {
      std::lock_guard<std::mutex> lock(status_[txn_idx].mu);
      status_[txn_idx].status = Status::kExecuted;
    }
    std::vector<uint32_t> waiting;
    {
      std::lock_guard<std::mutex> lock(deps_[txn_idx].mu);
      waiting.swap(deps_[txn_idx].waiting);
    }
    ResumeDependencies(waiting);
    if (validation_idx_.load() > txn_idx) {
      if (wrote_new) {
        DecreaseValidationIdx(txn_idx);
      } else {
        return Task{Version{txn_idx, incarnation}, TaskKind::kValidation};
      }
    }
    num_active_tasks_.fetch_sub(1);
    return std::nullopt;
  }

  bool TryValidationAbort(uint32_t txn_idx, uint32_t incarnation) {
    std::lock_guard<std::mutex> lock(status_[txn_idx].mu);
    if (status_[txn_idx].incarnation == incarnation &&
        status_[txn_idx].status == Status::kExecuted) {
      status_[txn_idx].status = Status::kAborting;
      return true;
    }
    return false;
  }

  std::optional<Task> FinishValidation(uint32_t txn_idx, bool aborted) {
    if (aborted) {
      SetReadyStatus(txn_idx);
      DecreaseValidationIdx(txn_idx + 1);
      if (execution_idx_.load() > txn_idx) {
        if (auto v = TryIncarnate(txn_idx)) return Task{*v, TaskKind::kExecution};
        return std::nullopt;  // TryIncarnate released the task
      }
    }
    num_active_tasks_.fetch_sub(1);
    return std::nullopt;
  }

 private:
  enum class Status : uint8_t { kReadyToExecute, kExecuting, kExecuted, kAborting };
  struct TxnStatus {
    std::mutex mu;
    // Guarded by mu.
    uint32_t incarnation = 0;
    Status status = Status::kReadyToExecute;
  };
  struct TxnDeps {
    std::mutex mu;
    // Guarded by mu: transactions waiting for this one to finish executing.
    std::vector<uint32_t> waiting;
  };

  void DecreaseExecutionIdx(uint32_t target) {
    uint32_t cur = execution_idx_.load();
    while (target < cur && !execution_idx_.compare_exchange_weak(cur, target)) {
    }
    decrease_cnt_.fetch_add(1);
  }

  void DecreaseValidationIdx(uint32_t target) {
    uint32_t cur = validation_idx_.load();
    while (target < cur && !validation_idx_.compare_exchange_weak(cur, target)) {
    }
    decrease_cnt_.fetch_add(1);
  }

  void CheckDone() {
    const uint64_t observed = decrease_cnt_.load();
    if (std::min(execution_idx_.load(), validation_idx_.load()) >= block_size_ &&
        num_active_tasks_.load() == 0 && observed == decrease_cnt_.load()) {
      done_marker_.store(true, std::memory_order_release);
    }
  }

  std::optional<Version> TryIncarnate(uint32_t txn_idx) {
    if (txn_idx < block_size_) {
      std::lock_guard<std::mutex> lock(status_[txn_idx].mu);
      if (status_[txn_idx].status == Status::kReadyToExecute) {
        status_[txn_idx].status = Status::kExecuting;
        return Version{txn_idx, status_[txn_idx].incarnation};
      }
    }
    num_active_tasks_.fetch_sub(1);
    return std::nullopt;
  }

  std::optional<Version> NextVersionToExecute() {
    if (execution_idx_.load() >= block_size_) {
      CheckDone();
      return std::nullopt;
    }
    num_active_tasks_.fetch_add(1);
    return TryIncarnate(execution_idx_.fetch_add(1));
  }

  std::optional<Version> NextVersionToValidate() {
    if (validation_idx_.load() >= block_size_) {
      CheckDone();
      return std::nullopt;
    }
    num_active_tasks_.fetch_add(1);
    const uint32_t idx = validation_idx_.fetch_add(1);
    if (idx < block_size_) {
      std::lock_guard<std::mutex> lock(status_[idx].mu);
      if (status_[idx].status == Status::kExecuted) {
        return Version{idx, status_[idx].incarnation};
      }
    }
    num_active_tasks_.fetch_sub(1);
    return std::nullopt;
  }

  void SetReadyStatus(uint32_t txn_idx) {
    std::lock_guard<std::mutex> lock(status_[txn_idx].mu);
    status_[txn_idx].incarnation += 1;
    status_[txn_idx].status = Status::kReadyToExecute;
  }

  void ResumeDependencies(const std::vector<uint32_t>& waiting) {
    if (waiting.empty()) return;
    for (uint32_t dep : waiting) SetReadyStatus(dep);
    DecreaseExecutionIdx(*std::min_element(waiting.begin(), waiting.end()));
  }

  const uint32_t block_size_;
  std::atomic<uint32_t> execution_idx_{0};
  std::atomic<uint32_t> validation_idx_{0};
  std::atomic<uint64_t> decrease_cnt_{0};
  std::atomic<int64_t> num_active_tasks_{0};
  std::atomic<bool> done_marker_{false};
  std::vector<TxnStatus> status_;
  std::vector<TxnDeps> deps_;
};

// ---- one incarnation's view of state ---------------------------------------------------
struct ReadRecord {
  MVMemory::ReadOutcome::Kind kind;
  Version version;
};

class StmView final : public HostState {
 public:
  StmView(const MVMemory& memory, Scheduler& scheduler, const StateReader& base,
          uint32_t txn_idx, const Hash32& contract)
      : memory_(memory),
        scheduler_(scheduler),
        base_(base),
        txn_idx_(txn_idx),
        contract_(contract) {}

  ReadResult Read(std::string_view key, std::string* value) override {
    std::string k = StateKey(contract_, key);
    if (auto it = writes_.find(k); it != writes_.end()) {
      if (!it->second) return ReadResult::kAbsent;
      *value = *it->second;
      return ReadResult::kFound;
    }
    // Reads of one key within an incarnation all see its first read.
    if (auto it = cache_.find(k); it != cache_.end()) {
      if (!it->second) return ReadResult::kAbsent;
      *value = *it->second;
      return ReadResult::kFound;
    }
    bool present = false;
    std::string v;
    auto outcome = memory_.Read(k, txn_idx_, &v, &present);
    using Kind = MVMemory::ReadOutcome::Kind;
    // An ESTIMATE whose writer is re-executing right now: wait for its new writes instead
    // of suspending (a suspension throws this execution away and re-runs it later; on a
    // chain of dependent transactions that costs more than the wait). Only running
    // writers are waited for, and they have lower indices, so every chain of waits ends
    // at a writer that is not waiting: no deadlock.
    while (outcome.kind == Kind::kEstimate && scheduler_.IsExecuting(outcome.version.txn_idx)) {
      std::this_thread::yield();
      outcome = memory_.Read(k, txn_idx_, &v, &present);
    }
    if (outcome.kind == Kind::kEstimate) {
      blocking_txn_ = outcome.version.txn_idx;
      return ReadResult::kBlocked;
    }
    if (outcome.kind == Kind::kStorage) present = base_.Get(k, &v);
    reads_.emplace_back(k, ReadRecord{outcome.kind, outcome.version});
    std::optional<std::string>& cached = cache_[k];
    if (present) {
      cached = v;
      *value = std::move(v);
      return ReadResult::kFound;
    }
    return ReadResult::kAbsent;
  }

  void Write(std::string_view key, const std::string* value) override {
    writes_[StateKey(contract_, key)] =
        value ? std::optional<std::string>(*value) : std::nullopt;
  }

  uint32_t blocking_txn() const { return blocking_txn_; }
  WriteSet& writes() { return writes_; }
  std::vector<std::pair<std::string, ReadRecord>>& reads() { return reads_; }

 private:
  const MVMemory& memory_;
  Scheduler& scheduler_;
  const StateReader& base_;
  const uint32_t txn_idx_;
  const Hash32& contract_;
  WriteSet writes_;
  std::unordered_map<std::string, std::optional<std::string>> cache_;
  std::vector<std::pair<std::string, ReadRecord>> reads_;
  uint32_t blocking_txn_ = kNoTxn;
};

// ---- the block run ----------------------------------------------------------------------
class BlockRun {
 public:
  explicit BlockRun(const BlockInput& input)
      : input_(input),
        size_(static_cast<uint32_t>(input.transactions.size())),
        memory_(size_),
        scheduler_(size_),
        receipts_(size_),
        read_sets_(size_) {}

  using ReadSet = std::vector<std::pair<std::string, ReadRecord>>;

  // Algorithm 1: the loop every thread runs.
  void Work(ContractVm& vm) {
    std::optional<Task> task;
    while (!scheduler_.done()) {
      if (task && task->kind == TaskKind::kExecution) task = TryExecute(vm, task->version);
      if (task && task->kind == TaskKind::kValidation) task = NeedsReexecution(task->version);
      if (!task) {
        task = scheduler_.NextTask();
        // Nothing to do until another thread finishes its task: give it the core (with
        // more threads than cores, spinning here starves the thread everyone waits for).
        if (!task) std::this_thread::yield();
      }
    }
  }

  ExecutorStats stats() const {
    return ExecutorStats{executions_.load(), validations_.load(), aborts_.load(),
                         suspensions_.load()};
  }

  BlockOutput TakeOutput() {
    BlockOutput out;
    out.receipts = std::move(receipts_);
    memory_.TakeWrites(&out.writes);
    return out;
  }

 private:
  std::optional<Task> TryExecute(ContractVm& vm, Version version) {
    for (;;) {
      StmView view(memory_, scheduler_, *input_.state, version.txn_idx,
                   input_.transactions[version.txn_idx].contract);
      bool blocked = false;
      Receipt receipt = RunTransaction(vm, input_, version.txn_idx, view, &blocked);
      executions_.fetch_add(1, std::memory_order_relaxed);
      if (blocked) {
        suspensions_.fetch_add(1, std::memory_order_relaxed);
        if (scheduler_.AddDependency(version.txn_idx, view.blocking_txn())) return std::nullopt;
        continue;  // the blocking transaction finished meanwhile: re-execute now
      }
      // Reads stay part of the read set whatever the outcome: a revert or an
      // out-of-gas depends on what was read.
      if (receipt.status != ReceiptStatus::kOk) view.writes().clear();
      {
        auto reads = std::make_shared<const ReadSet>(std::move(view.reads()));
        ReadSetSlot& slot = read_sets_[version.txn_idx];
        std::lock_guard<std::mutex> lock(slot.mu);
        slot.reads = std::move(reads);
      }
      receipts_[version.txn_idx] = std::move(receipt);
      const bool wrote_new = memory_.Record(version, view.writes());
      return scheduler_.FinishExecution(version.txn_idx, version.incarnation, wrote_new);
    }
  }

  bool ValidateReadSet(uint32_t txn_idx) {
    using Kind = MVMemory::ReadOutcome::Kind;
    std::shared_ptr<const ReadSet> reads;
    {
      ReadSetSlot& slot = read_sets_[txn_idx];
      std::lock_guard<std::mutex> lock(slot.mu);
      reads = slot.reads;
    }
    if (!reads) return false;
    for (const auto& [key, record] : *reads) {
      bool present = false;
      const auto now = memory_.Read(key, txn_idx, nullptr, &present);
      if (now.kind != record.kind) return false;
      if (now.kind == Kind::kVersion && !(now.version == record.version)) return false;
    }
    return true;
  }

  std::optional<Task> NeedsReexecution(Version version) {
    const bool valid = ValidateReadSet(version.txn_idx);
    validations_.fetch_add(1, std::memory_order_relaxed);
    const bool aborted = !valid && scheduler_.TryValidationAbort(version.txn_idx,
                                                                 version.incarnation);
    if (aborted) {
      aborts_.fetch_add(1, std::memory_order_relaxed);
      memory_.ConvertWritesToEstimates(version.txn_idx);
    }
    return scheduler_.FinishValidation(version.txn_idx, aborted);
  }

  const BlockInput& input_;
  const uint32_t size_;
  MVMemory memory_;
  Scheduler scheduler_;
  // Slot i is written only by the thread running txn i's current incarnation (and read
  // after the run).
  std::vector<Receipt> receipts_;
  // A validation may still read an incarnation's read set while a later incarnation
  // replaces it (two validations of one version can run at once, and the other may
  // abort it): each read set is swapped in whole under its slot's mutex.
  struct ReadSetSlot {
    std::mutex mu;
    std::shared_ptr<const ReadSet> reads;  // guarded by mu
  };
  std::vector<ReadSetSlot> read_sets_;
  std::atomic<uint64_t> executions_{0};
  std::atomic<uint64_t> validations_{0};
  std::atomic<uint64_t> aborts_{0};
  std::atomic<uint64_t> suspensions_{0};
};

class BlockStmExecutor final : public BlockExecutor {
 public:
  BlockStmExecutor(const VmLimits& limits, size_t threads) {
    for (size_t i = 0; i < threads; ++i) vms_.push_back(std::make_unique<ContractVm>(limits));
  }

  ~BlockStmExecutor() override {
    if (teardown_.valid()) teardown_.wait();
  }

  BlockOutput Execute(const BlockInput& input) override {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    // At most one block's teardown is outstanding.
    if (teardown_.valid()) teardown_.wait();
    auto run = std::make_unique<BlockRun>(input);
    stats_ = ExecutorStats{};
    if (input.transactions.empty()) return run->TakeOutput();
    const size_t threads = std::min(vms_.size(), input.transactions.size());
    const auto t1 = Clock::now();
    std::vector<std::thread> helpers;
    for (size_t t = 1; t < threads; ++t) {
      helpers.emplace_back([&run, this, t] { run->Work(*vms_[t]); });
    }
    run->Work(*vms_[0]);
    for (std::thread& h : helpers) h.join();
    const auto t2 = Clock::now();
    stats_ = run->stats();
    BlockOutput out = run->TakeOutput();
    // Freeing the run (multi-version memory, read sets) takes as long as collecting the
    // writes; it happens on another thread, overlapping whatever the caller does next.
    teardown_ = std::async(std::launch::async, [r = std::move(run)]() mutable { r.reset(); });
    const auto t3 = Clock::now();
    stats_.setup_seconds = std::chrono::duration<double>(t1 - t0).count();
    stats_.parallel_seconds = std::chrono::duration<double>(t2 - t1).count();
    stats_.finish_seconds = std::chrono::duration<double>(t3 - t2).count();
    return out;
  }

  std::string name() const override { return "block-stm"; }
  ExecutorStats last_stats() const override { return stats_; }

 private:
  std::vector<std::unique_ptr<ContractVm>> vms_;
  ExecutorStats stats_;
  std::future<void> teardown_;  // freeing the previous block's run
};

}  // namespace

std::unique_ptr<BlockExecutor> NewBlockStmExecutor(const VmLimits& limits, size_t threads) {
  return std::make_unique<BlockStmExecutor>(limits, std::max<size_t>(threads, 1));
}

}  // namespace chainaccel::exec
