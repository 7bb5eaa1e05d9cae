// Block executors: the sequential reference and Block-STM. Both give, for every block,
// exactly the receipts and net writes of running the transactions one after another in
// block order over the block's starting state.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "execution/block.h"
#include "execution/contract_vm.h"

namespace chainaccel::exec {

// What the last Execute did (for benchmarks and metrics).
struct ExecutorStats {
  uint64_t executions = 0;   // transaction runs, incarnations included
  uint64_t validations = 0;  // read-set validations (Block-STM)
  uint64_t aborts = 0;       // incarnations aborted by validation (Block-STM)
  uint64_t suspensions = 0;  // executions stopped at an ESTIMATE (Block-STM)
  // Block-STM's phases: building the run's structures, the threads' work (collecting
  // and merging the block's writes included), and the serial end (handing the output
  // over, freeing what is left of the run).
  double setup_seconds = 0;
  double parallel_seconds = 0;
  double finish_seconds = 0;
};

class BlockExecutor {
 public:
  virtual ~BlockExecutor() = default;
  // Executes the block. Not reentrant: one Execute at a time per executor.
  // REQUIRES: input.contracts and input.signature_ok have one entry per transaction,
  // input.proof_errors one or none; input.state stays unchanged during the call.
  virtual BlockOutput Execute(const BlockInput& input) = 0;
  // "sequential" or "block-stm".
  virtual std::string name() const = 0;
  // Counters of the last Execute.
  virtual ExecutorStats last_stats() const = 0;
};

// Runs transactions one after another on the calling thread.
std::unique_ptr<BlockExecutor> NewSequentialExecutor(const VmLimits& limits);

// Block-STM (Gelashvili et al., "Block-STM: Scaling Blockchain Execution by Turning
// Ordering Curse to a Performance Blessing", 2022) on `threads` threads (the caller's
// plus threads - 1 helpers that the executor keeps, idle between blocks).
// REQUIRES: threads >= 1.
std::unique_ptr<BlockExecutor> NewBlockStmExecutor(const VmLimits& limits, size_t threads);

// Block-STM with a thread count chosen per block from the last block's wasted work
// (re-executions and suspended executions per transaction): above 0.5 the next block
// gets half the threads, below 0.1 twice as many (up to max_threads); one level below
// 2 threads is the sequential executor, from which it probes 2 threads again after 8
// blocks (16, 32, up to 64 while probes fail); a level measured more than 5% slower per transaction than the sequential
// executor goes back to it. Results are those of any executor: identical to sequential.
std::unique_ptr<BlockExecutor> NewAdaptiveExecutor(const VmLimits& limits, size_t max_threads);

namespace testing {
// The adaptive executor over the given executors (levels[i] is level i + 1, more threads
// as i grows) and clock (seconds, any origin), for tests of its decisions. REQUIRES:
// every executor reports last_stats().executions for the blocks it ran.
std::unique_ptr<BlockExecutor> NewAdaptiveExecutorForTest(
    std::unique_ptr<BlockExecutor> sequential,
    std::vector<std::unique_ptr<BlockExecutor>> levels, std::function<double()> seconds_now);
}  // namespace testing

// The state one transaction runs over, provided by the executor. As a HostState it holds
// the keys of the transaction's contract: the call reads and writes them, and the
// executor keeps those writes for a kOk receipt only. ReadAt and WriteKept reach the keys
// of another address (the sender's next nonce, under NoncesAddress()); what WriteKept
// writes is kept whatever the receipt. Reads of either kind go into the same read set.
class TransactionState : public HostState {
 public:
  // Reads `key` of `address` (state key address || key), as Read does.
  virtual ReadResult ReadAt(const Hash32& address, std::string_view key,
                            std::string* value) = 0;
  // Sets `key` of `address`, kept whatever the receipt.
  virtual void WriteKept(const Hash32& address, std::string_view key,
                         const std::string& value) = 0;
};

// Runs transaction `index` of `block` against `state` (docs/execution.md, "Nonces" and
// "Receipts"): a failed receipt without running anything for a bad signature, then for a
// nonce other than the sender's next nonce (BAD_NONCE: neither changes anything); else
// the sender's next nonce becomes the transaction's nonce + 1 (WriteKept), and the
// transaction gets a failed receipt for a failed proof, then for an unknown contract (in
// that order of precedence), or runs the call: the verifying-key registry natively at
// its address (execution/verifying_key_registry.h), a wasm contract elsewhere. The call's
// writes go to `state` as the call makes them; the caller keeps them only for a kOk
// receipt. `blocked` is set when a read hit Block-STM's ESTIMATE (the receipt is then
// void).
Receipt RunTransaction(ContractVm& vm, const BlockInput& block, size_t index,
                       TransactionState& state, bool* blocked);

}  // namespace chainaccel::exec
