// Block-STM: optimistic parallel execution with multi-version memory, validation and
// re-execution (Gelashvili et al. 2022, Algorithms 1-5). The names follow the paper.
#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "execution/bump_arena.h"
#include "execution/executor.h"
#include "execution/mv_memory.h"
#include "execution/worker_pool.h"

namespace chainaccel::exec {
namespace {

// Per-transaction slots and the scheduler's counters are each aligned to a cache line
// (64 bytes on x86-64): neighbouring transactions run on different threads at the same
// time, and slots sharing a line would move it between their cores on every lock.
constexpr size_t kCacheLine = 64;
// A worker whose NextTask finds nothing tries this many times before yielding its core.
// A failed try has usually moved an index on (it met a transaction still executing on
// another thread, whose validation that thread will run itself), so the next try
// mostly finds work; yielding on the first miss cost a system call every few
// transactions (5% of the workers' time at 2 threads, transfer_low).
constexpr uint32_t kTriesBeforeYield = 4;

using stm::kNoTxn;
using stm::Location;
using stm::LocationWrite;
using stm::MVMemory;
using stm::Version;

struct ReadRecord {
  const Location* location;
  MVMemory::ReadOutcome::Kind kind;
  Version version;
};

// ---- per-transaction state ---------------------------------------------------------------
enum class TxnStatus : uint8_t { kReadyToExecute, kExecuting, kExecuted, kAborting };

// What a block run keeps for one transaction index, each part on its own cache line. The
// executor keeps the slots from block to block (allocating and zeroing them was a serial
// step of every block); the workers Reset them after each block, in parallel.
struct TxnSlot {
  struct alignas(kCacheLine) Status {
    std::mutex mu;
    // Guarded by mu.
    uint32_t incarnation = 0;
    TxnStatus status = TxnStatus::kReadyToExecute;
  } status;
  struct alignas(kCacheLine) Dependents {
    std::mutex mu;
    // Guarded by mu: transactions waiting for this one to finish executing.
    std::vector<uint32_t> waiting;
  } dependents;
  // The read set of the last incarnation. A validation reads it under the mutex while a
  // later incarnation may be about to replace it (two validations of one version can run
  // at once, and the other may abort it).
  struct alignas(kCacheLine) ReadSet {
    std::mutex mu;
    // Guarded by mu.
    bool recorded = false;
    std::span<const ReadRecord> reads;  // in the arena of the thread that ran it
  } read_set;

  // Back to the state of a new slot. REQUIRES: no other thread uses the slot.
  void Reset() {
    status.incarnation = 0;
    status.status = TxnStatus::kReadyToExecute;
    dependents.waiting.clear();
    read_set.recorded = false;
    read_set.reads = {};
  }
};

// ---- collaborative scheduler (paper Algorithms 4 and 5) --------------------------------
enum class TaskKind : uint8_t { kExecution, kValidation };
struct Task {
  Version version;
  TaskKind kind;
};

class Scheduler {
 public:
  // REQUIRES: one slot per transaction, each as Reset leaves it.
  explicit Scheduler(std::span<TxnSlot> slots)
      : block_size_(static_cast<uint32_t>(slots.size())), slots_(slots) {}

  bool done() const { return done_marker_.load(std::memory_order_acquire); }

  // Whether an incarnation of txn_idx is running right now.
  bool IsExecuting(uint32_t txn_idx) {
    std::lock_guard<std::mutex> lock(status(txn_idx).mu);
    return status(txn_idx).status == Status::kExecuting;
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
      std::lock_guard<std::mutex> dep_lock(deps(blocking_idx).mu);
      {
        std::lock_guard<std::mutex> st_lock(status(blocking_idx).mu);
        if (status(blocking_idx).status == Status::kExecuted) return false;
      }
      {
        std::lock_guard<std::mutex> st_lock(status(txn_idx).mu);
        status(txn_idx).status = Status::kAborting;
      }
      deps(blocking_idx).waiting.push_back(txn_idx);
    }
    num_active_tasks_.fetch_sub(1);
    return true;
  }

  std::optional<Task> FinishExecution(uint32_t txn_idx, uint32_t incarnation, bool wrote_new) {
    {
      std::lock_guard<std::mutex> lock(status(txn_idx).mu);
      status(txn_idx).status = Status::kExecuted;
    }
    std::vector<uint32_t> waiting;
    {
      std::lock_guard<std::mutex> lock(deps(txn_idx).mu);
      waiting.swap(deps(txn_idx).waiting);
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
    std::lock_guard<std::mutex> lock(status(txn_idx).mu);
    if (status(txn_idx).incarnation == incarnation &&
        status(txn_idx).status == Status::kExecuted) {
      status(txn_idx).status = Status::kAborting;
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
  using Status = TxnStatus;
  TxnSlot::Status& status(uint32_t txn_idx) { return slots_[txn_idx].status; }
  TxnSlot::Dependents& deps(uint32_t txn_idx) { return slots_[txn_idx].dependents; }

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
      std::lock_guard<std::mutex> lock(status(txn_idx).mu);
      if (status(txn_idx).status == Status::kReadyToExecute) {
        status(txn_idx).status = Status::kExecuting;
        return Version{txn_idx, status(txn_idx).incarnation};
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
      std::lock_guard<std::mutex> lock(status(idx).mu);
      if (status(idx).status == Status::kExecuted) {
        return Version{idx, status(idx).incarnation};
      }
    }
    num_active_tasks_.fetch_sub(1);
    return std::nullopt;
  }

  void SetReadyStatus(uint32_t txn_idx) {
    std::lock_guard<std::mutex> lock(status(txn_idx).mu);
    status(txn_idx).incarnation += 1;
    status(txn_idx).status = Status::kReadyToExecute;
  }

  void ResumeDependencies(const std::vector<uint32_t>& waiting) {
    if (waiting.empty()) return;
    for (uint32_t dep : waiting) SetReadyStatus(dep);
    DecreaseExecutionIdx(*std::min_element(waiting.begin(), waiting.end()));
  }

  const uint32_t block_size_;
  // Every task start reads both indices and done_marker_; each counter changes at a
  // different rate, so each has its line.
  alignas(kCacheLine) std::atomic<uint32_t> execution_idx_{0};
  alignas(kCacheLine) std::atomic<uint32_t> validation_idx_{0};
  alignas(kCacheLine) std::atomic<uint64_t> decrease_cnt_{0};
  alignas(kCacheLine) std::atomic<int64_t> num_active_tasks_{0};
  alignas(kCacheLine) std::atomic<bool> done_marker_{false};
  const std::span<TxnSlot> slots_;
};

// ---- one incarnation's view of state ---------------------------------------------------
// The keys one incarnation has read or written, each with the value the incarnation
// sees: its own last write, else its first read. Cleared, not freed, between
// incarnations.
class IncarnationKeys {
 public:
  struct Entry {
    Location* location;
    std::optional<std::string> value;  // nullopt: absent (or deleted)
    bool written;
    bool kept;  // written by WriteKept: recorded whatever the receipt
  };

  Entry* Find(const Location* location) {
    if (index_.empty()) {
      for (Entry& e : entries_) {
        if (e.location == location) return &e;
      }
      return nullptr;
    }
    auto it = index_.find(location);
    return it == index_.end() ? nullptr : &entries_[it->second];
  }

  // The entry of the location whose key is `key`, looked for only while the keys are
  // few (a scan of their keys); null when absent or when there are many.
  Entry* FindFewByKey(std::string_view key) {
    if (!index_.empty()) return nullptr;
    for (Entry& e : entries_) {
      if (e.location->key() == key) return &e;
    }
    return nullptr;
  }

  // REQUIRES: Find(entry.location) is null.
  void Add(Entry entry) {
    Location* location = entry.location;
    entries_.push_back(std::move(entry));
    if (entries_.size() > kLinearEntries) {
      if (index_.empty()) {
        for (size_t i = 0; i + 1 < entries_.size(); ++i) index_.emplace(entries_[i].location, i);
      }
      index_.emplace(location, entries_.size() - 1);
    }
  }

  std::vector<Entry>& entries() { return entries_; }

  void Clear() {
    entries_.clear();
    index_.clear();
  }

 private:
  // Up to this many keys a linear scan beats hashing (a token transfer touches 2).
  static constexpr size_t kLinearEntries = 16;
  std::vector<Entry> entries_;
  std::unordered_map<const Location*, size_t> index_;  // built past kLinearEntries
};

// What a worker thread reuses from one incarnation to the next, so that running a
// transaction allocates nothing for its bookkeeping once the buffers have grown.
struct WorkerScratch {
  std::string key;  // the state key being accessed
  IncarnationKeys keys;
  std::vector<ReadRecord> reads;
  std::vector<LocationWrite> writes;
  // The block's recorded read sets and write lists of this thread's incarnations; reset
  // when the next block starts.
  BumpArena arena;
};

class StmView final : public TransactionState {
 public:
  StmView(MVMemory& memory, Scheduler& scheduler, const StateReader& base, uint32_t txn_idx,
          const Hash32& contract, WorkerScratch& scratch)
      : memory_(memory),
        scheduler_(scheduler),
        base_(base),
        txn_idx_(txn_idx),
        contract_(contract),
        scratch_(scratch) {
    scratch_.keys.Clear();
    scratch_.reads.clear();
  }

  ReadResult Read(std::string_view key, std::string* value) override {
    return ReadAt(contract_, key, value);
  }

  void Write(std::string_view key, const std::string* value) override {
    WriteAt(contract_, key, value ? std::optional<std::string>(*value) : std::nullopt,
            /*kept=*/false);
  }

  ReadResult ReadAt(const Hash32& address, std::string_view key,
                    std::string* value) override {
    Location& location = Resolve(address, key);
    // Reads of one key within an incarnation all see its first read (or its own write).
    if (const IncarnationKeys::Entry* seen = scratch_.keys.Find(&location)) {
      if (!seen->value) return ReadResult::kAbsent;
      *value = *seen->value;
      return ReadResult::kFound;
    }
    bool present = false;
    std::string v;
    auto outcome = memory_.Read(location, txn_idx_, &v, &present);
    using Kind = MVMemory::ReadOutcome::Kind;
    // An ESTIMATE whose writer is re-executing right now: wait for its new writes instead
    // of suspending (a suspension throws this execution away and re-runs it later; on a
    // chain of dependent transactions that costs more than the wait). Only running
    // writers are waited for, and they have lower indices, so every chain of waits ends
    // at a writer that is not waiting: no deadlock.
    while (outcome.kind == Kind::kEstimate && scheduler_.IsExecuting(outcome.version.txn_idx)) {
      std::this_thread::yield();
      outcome = memory_.Read(location, txn_idx_, &v, &present);
    }
    if (outcome.kind == Kind::kEstimate) {
      blocking_txn_ = outcome.version.txn_idx;
      return ReadResult::kBlocked;
    }
    if (outcome.kind == Kind::kStorage) present = base_.Get(scratch_.key, &v);
    scratch_.reads.push_back(ReadRecord{&location, outcome.kind, outcome.version});
    if (!present) {
      scratch_.keys.Add({&location, std::nullopt, false, false});
      return ReadResult::kAbsent;
    }
    *value = v;
    scratch_.keys.Add({&location, std::move(v), false, false});
    return ReadResult::kFound;
  }

  void WriteKept(const Hash32& address, std::string_view key,
                 const std::string& value) override {
    WriteAt(address, key, value, /*kept=*/true);
  }

  uint32_t blocking_txn() const { return blocking_txn_; }

  // Moves the incarnation's writes into scratch.writes: the call's when `keep_call` is
  // true, and the kept ones (WriteKept) always.
  void TakeWrites(bool keep_call) {
    scratch_.writes.clear();
    for (IncarnationKeys::Entry& e : scratch_.keys.entries()) {
      if (e.written && (keep_call || e.kept)) {
        scratch_.writes.push_back(LocationWrite{e.location, std::move(e.value)});
      }
    }
  }

 private:
  void WriteAt(const Hash32& address, std::string_view key, std::optional<std::string> value,
               bool kept) {
    Location& location = Resolve(address, key);
    if (IncarnationKeys::Entry* seen = scratch_.keys.Find(&location)) {
      seen->value = std::move(value);
      seen->written = true;
      seen->kept = kept;
    } else {
      scratch_.keys.Add({&location, std::move(value), true, kept});
    }
  }

  // The location of `key` of `address`: its state key built in the scratch buffer.
  // A key the incarnation touched already is found among its own (a contract reads a
  // key, then writes it), without the shared memory's hash and shard lock.
  Location& Resolve(const Hash32& address, std::string_view key) {
    scratch_.key.assign(reinterpret_cast<const char*>(address.data()), address.size());
    scratch_.key.append(key);
    if (IncarnationKeys::Entry* seen = scratch_.keys.FindFewByKey(scratch_.key)) {
      return *seen->location;
    }
    return memory_.Resolve(scratch_.key);
  }

  MVMemory& memory_;
  Scheduler& scheduler_;
  const StateReader& base_;
  const uint32_t txn_idx_;
  const Hash32& contract_;
  WorkerScratch& scratch_;
  uint32_t blocking_txn_ = kNoTxn;
};

// ---- the block run ----------------------------------------------------------------------
class BlockRun {
  // One worker's counts, on its own cache line.
  struct alignas(kCacheLine) WorkerCounters {
    uint64_t executions = 0;
    uint64_t validations = 0;
    uint64_t aborts = 0;
    uint64_t suspensions = 0;
  };

 public:
  // REQUIRES: one slot per transaction, each as TxnSlot::Reset leaves it; the run
  // leaves them so.
  BlockRun(const BlockInput& input, size_t threads, std::span<TxnSlot> slots)
      : input_(input),
        size_(static_cast<uint32_t>(input.transactions.size())),
        slots_(slots),
        memory_(size_),
        scheduler_(slots),
        receipts_(size_),
        write_runs_(threads),
        collected_(static_cast<std::ptrdiff_t>(threads), PlanMergeStep{this}),
        counters_(threads) {}

  // Algorithm 1: the loop every thread runs; then the threads gather the block's writes:
  // each collects and sorts its share of the multi-version memory, one of them plans
  // the merge, and each merges its range of keys into the output (thread `worker` of
  // the run's `threads`, each calling Work once).
  void Work(ContractVm& vm, WorkerScratch& scratch, size_t worker) {
    WorkerCounters& counters = counters_[worker];
    std::optional<Task> task;
    uint32_t idle_tries = 0;
    while (!scheduler_.done()) {
      if (task && task->kind == TaskKind::kExecution) {
        task = TryExecute(vm, scratch, counters, task->version);
      }
      if (task && task->kind == TaskKind::kValidation) {
        task = NeedsReexecution(counters, task->version);
      }
      if (!task) {
        task = scheduler_.NextTask();
        if (task) {
          idle_tries = 0;
        } else if (++idle_tries >= kTriesBeforeYield) {
          // Nothing to do until another thread finishes its task: give it the core
          // (with more threads than cores, spinning here starves the thread everyone
          // waits for).
          idle_tries = 0;
          std::this_thread::yield();
        }
      }
    }
    memory_.CollectWrites(worker, write_runs_.size(), &write_runs_[worker]);
    collected_.arrive_and_wait();  // the last to arrive plans the merge
    MVMemory::MergePart(write_runs_, merge_plan_, worker, &writes_);
    // Every worker is past the loop: the slots are free to reset for the next block.
    const size_t workers = write_runs_.size();
    for (size_t i = worker * size_ / workers; i < (worker + 1) * size_ / workers; ++i) {
      slots_[i].Reset();
    }
  }

  ExecutorStats stats() const {
    ExecutorStats total;
    for (const WorkerCounters& c : counters_) {
      total.executions += c.executions;
      total.validations += c.validations;
      total.aborts += c.aborts;
      total.suspensions += c.suspensions;
    }
    return total;
  }

  // REQUIRES: every worker's Work has returned.
  BlockOutput TakeOutput() {
    BlockOutput out;
    out.receipts = std::move(receipts_);
    out.writes = std::move(writes_);
    return out;
  }

 private:
  std::optional<Task> TryExecute(ContractVm& vm, WorkerScratch& scratch,
                                 WorkerCounters& counters, Version version) {
    for (;;) {
      StmView view(memory_, scheduler_, *input_.state, version.txn_idx,
                   input_.transactions[version.txn_idx].contract, scratch);
      bool blocked = false;
      Receipt receipt = RunTransaction(vm, input_, version.txn_idx, view, &blocked);
      ++counters.executions;
      if (blocked) {
        ++counters.suspensions;
        if (scheduler_.AddDependency(version.txn_idx, view.blocking_txn())) return std::nullopt;
        continue;  // the blocking transaction finished meanwhile: re-execute now
      }
      // Reads stay part of the read set whatever the outcome: a revert, an out-of-gas or
      // a BAD_NONCE depends on what was read. The sender's next nonce is kept whatever
      // the receipt.
      view.TakeWrites(receipt.status == ReceiptStatus::kOk);
      {
        const std::span<const ReadRecord> reads =
            scratch.arena.Copy(std::span<const ReadRecord>(scratch.reads));
        TxnSlot::ReadSet& slot = slots_[version.txn_idx].read_set;
        std::lock_guard<std::mutex> lock(slot.mu);
        slot.reads = reads;
        slot.recorded = true;
      }
      receipts_[version.txn_idx] = std::move(receipt);
      const bool wrote_new = memory_.Record(version, scratch.writes, scratch.arena);
      return scheduler_.FinishExecution(version.txn_idx, version.incarnation, wrote_new);
    }
  }

  bool ValidateReadSet(uint32_t txn_idx) {
    using Kind = MVMemory::ReadOutcome::Kind;
    TxnSlot::ReadSet& slot = slots_[txn_idx].read_set;
    std::lock_guard<std::mutex> lock(slot.mu);
    if (!slot.recorded) return false;
    for (const ReadRecord& read : slot.reads) {
      bool present = false;
      const auto now = memory_.Read(*read.location, txn_idx, nullptr, &present);
      if (now.kind != read.kind) return false;
      if (now.kind == Kind::kVersion && !(now.version == read.version)) return false;
    }
    return true;
  }

  std::optional<Task> NeedsReexecution(WorkerCounters& counters, Version version) {
    const bool valid = ValidateReadSet(version.txn_idx);
    ++counters.validations;
    const bool aborted = !valid && scheduler_.TryValidationAbort(version.txn_idx,
                                                                 version.incarnation);
    if (aborted) {
      ++counters.aborts;
      memory_.ConvertWritesToEstimates(version.txn_idx);
    }
    return scheduler_.FinishValidation(version.txn_idx, aborted);
  }

  const BlockInput& input_;
  const uint32_t size_;
  const std::span<TxnSlot> slots_;
  MVMemory memory_;
  Scheduler scheduler_;
  // Slot i is written only by the thread running txn i's current incarnation (and read
  // after the run).
  std::vector<Receipt> receipts_;
  // The block's writes: write_runs_[w] those worker w collected (sorted), merged into
  // writes_ as merge_plan_ says.
  std::vector<WriteSet> write_runs_;
  MVMemory::MergePlan merge_plan_;
  WriteSet writes_;
  // Between collecting and merging: PlanMergeStep runs once all workers have collected.
  struct PlanMergeStep {
    BlockRun* run;
    void operator()() noexcept {
      run->merge_plan_ = MVMemory::PlanMerge(run->write_runs_, run->write_runs_.size());
      run->writes_.resize(run->merge_plan_.offsets.back());
    }
  };
  std::barrier<PlanMergeStep> collected_;
  std::vector<WorkerCounters> counters_;  // [w]: worker w's, summed by stats()
};

class BlockStmExecutor final : public BlockExecutor {
 public:
  BlockStmExecutor(const VmLimits& limits, size_t threads)
      : scratch_(threads), pool_(threads) {
    for (size_t i = 0; i < threads; ++i) vms_.push_back(std::make_unique<ContractVm>(limits));
  }

  BlockOutput Execute(const BlockInput& input) override {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    for (WorkerScratch& scratch : scratch_) scratch.arena.Reset();
    stats_ = ExecutorStats{};
    if (input.transactions.empty()) return BlockOutput{};
    const size_t threads = std::min(vms_.size(), input.transactions.size());
    if (input.transactions.size() > slot_count_) {
      slot_count_ = input.transactions.size();
      slots_ = std::make_unique<TxnSlot[]>(slot_count_);
    }
    auto run = std::make_unique<BlockRun>(
        input, threads, std::span<TxnSlot>(slots_.get(), input.transactions.size()));
    const auto t1 = Clock::now();
    pool_.Run(threads, [&](size_t t) { run->Work(*vms_[t], scratch_[t], t); });
    const auto t2 = Clock::now();
    stats_ = run->stats();
    BlockOutput out = run->TakeOutput();
    run.reset();  // little left to free: the workers freed the multi-version memory
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
  std::vector<WorkerScratch> scratch_;  // one per thread, kept between blocks
  std::unique_ptr<TxnSlot[]> slots_;    // for the largest block so far, all Reset
  size_t slot_count_ = 0;
  WorkerPool pool_;
  ExecutorStats stats_;
};

}  // namespace

std::unique_ptr<BlockExecutor> NewBlockStmExecutor(const VmLimits& limits, size_t threads) {
  return std::make_unique<BlockStmExecutor>(limits, std::max<size_t>(threads, 1));
}

}  // namespace chainaccel::exec
