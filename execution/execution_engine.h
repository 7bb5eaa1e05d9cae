// ExecutionEngine: the chain behind ExecutionService. It keeps the committed state
// (StateStore), the prepared contracts (one per code hash), and an executor, and runs a
// block as: check the height, verify every signature as one batch per scheme and, at the
// same time, every proof as one batch per verifying key (against the keys of the
// committed state) on an Engine, execute (sequential or Block-STM), update the state
// tree with the block's net writes (docs/execution.md, "State root"; its levels hashed on
// the Engine when large), commit atomically.
//
// Blocks are pipelined (docs/execution.md, "Pipelined blocks"): a block's synced write
// runs on the engine's committer thread, beside the next block's verification, execution
// and tree update, which read the state through the block below it before it commits.
// A block is answered only once it is durable.
//
// Thread-safe: blocks are executed one at a time (their commits, on the committer, one
// at a time in height order, beside the next block's execution); a deployment waits for
// every block begun before it to commit. Call and GetState see the committed state, run
// concurrently with each other and with blocks, and wait only while a block is applied
// to the caches or a contract is stored.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "engines/engine.h"
#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "execution/aot_module.h"
#include "execution/block.h"
#include "execution/contract_vm.h"
#include "execution/executor.h"
#include "execution/state_store.h"

namespace chainaccel::exec {

enum class ExecutorKind : uint8_t { kSequential, kBlockStm, kAdaptive };

struct ExecutionOptions {
  std::string db_path;  // RocksDB folder, created if missing
  ExecutorKind executor = ExecutorKind::kBlockStm;
  size_t threads = 1;  // Block-STM threads (adaptive: the most)
  VmLimits limits;
  size_t max_block_transactions = 100000;
  // The storage seam: RocksDB's file system and clock (not owned; must outlive the
  // engine). Null, as in the daemon, for RocksDB's default; tests hand in a faulty one
  // (execution/testing/faulty_file_system.h) to fail the database's writes.
  rocksdb::Env* storage_env = nullptr;
  // On open, rebuild the root from the whole state and refuse a database where it
  // differs from the committed root (O(state); off: only the tree's root is checked).
  bool verify_state_root_on_open = false;
  // The bytes of the cache in front of the state database's reads (state values and the
  // state tree's nodes; execution/state_cache.h); 0: none, every read goes to RocksDB.
  size_t state_cache_bytes = StateStore::kDefaultCacheBytes;
  // On open, fill the node cache with the committed tree's upper levels
  // (StateStore::WarmNodeCache: O(min(tree, cache)) reads), so that the first blocks'
  // root updates do not read from the database what later blocks would find cached.
  // A warm-up that fails does not fail Open: warm_up() says why; blocks read what it left.
  bool warm_state_cache_on_open = true;
  // The state tree update's threads (StateStore::Open's tree_threads); 0: the store's
  // default (8).
  size_t tree_threads = 0;
  // The tree's node records in RocksDB's log, as before they were kept out of it
  // (StateStore::Open's tree_nodes_in_log): for measurements only.
  bool tree_nodes_in_log = false;
  // The ahead-of-time tier (docs/execution.md, "Contract tiers"); unset: the interpreter
  // only. When set (its tools present: AotToolsPresent), every contract is queued for
  // compilation when deployed and, at open, every contract already deployed; the
  // interpreter runs a contract until its compiled module is attached. The builds run on
  // the compiler's thread, off the block path; on_build reports each one.
  std::optional<AotOptions> aot;
};

struct BlockResult {
  std::vector<Receipt> receipts;
  Hash32 state_root{};
  uint64_t gas_used = 0;
  std::string executor;  // "sequential", "block-stm" or "adaptive"
  // Executed on top of the block below it before that one was committed (BeginBlock).
  bool pipelined = false;
  ExecutorStats stats;   // what the executor did
  // Where the block's time went: the signature batches, the proof batches (on a thread
  // of their own, beside the signatures: the two overlap), execution, the state root,
  // the RocksDB commit (with sync).
  struct Timings {
    double verify_seconds = 0;
    double proof_seconds = 0;  // 0 for a block without proofs
    double execute_seconds = 0;
    double root_seconds = 0;
    double commit_seconds = 0;
    // Within root_seconds: the state tree update's phases. Within commit_seconds: the
    // synced write (StateStore::Persist); the rest applies the block to the caches.
    TreeUpdate::Phases root_phases;
    double persist_seconds = 0;
    StateStore::PersistPhases persist_phases;  // within persist_seconds
    // Between the tree update and the commit's start: the wait for the block below to
    // commit (pipelined blocks; 0 when none was in flight).
    double pipeline_wait_seconds = 0;
  } timings;
};

// A block begun (ExecutionEngine::BeginBlock) and not yet finished; opaque.
class BlockInFlight;

class ExecutionEngine {
 public:
  // `engine` verifies signatures and proofs and hashes the state tree's large levels; it
  // must outlive this object and support kSignatureVerify, kProofVerify and kHash.
  // INTERNAL when the database does not open, when its tree does not hold its committed
  // root, or (verify_state_root_on_open) when its state does not hash to that root.
  static Status Open(const ExecutionOptions& options, Engine* engine,
                     std::unique_ptr<ExecutionEngine>* out);
  // Commits the blocks begun and not yet committed, stops the ahead-of-time tier (the
  // start-up queueing, the compiler: a running build is killed, queued contracts
  // dropped), then the rest. REQUIRES: no call into the engine in progress.
  ~ExecutionEngine();

  // Deploys `wasm` at SHA-256("chainaccel-contract-v1" || code hash || salt)
  // (ContractAddress); fills *entry_points (when not null) with the contract's entry
  // points. The code is stored and the deployment staged durably (StateStore::
  // StageContract); the next block takes it into the state before its transactions run,
  // so they can call it, and its root covers the code hash. Until that block commits,
  // Call and GetState (the committed state) show no contract there.
  // INVALID_ARGUMENT for a module that breaks the contract rules; FAILED_PRECONDITION
  // when a contract already lives, or is staged, at that address; INTERNAL when the
  // database refuses the write.
  Status Deploy(ByteView wasm, ByteView salt, Hash32* address, Hash32* code_hash,
                std::vector<std::string>* entry_points = nullptr);

  // Executes and commits block `height` (BeginBlock, then FinishBlock). FAILED_PRECONDITION
  // when height is not the committed height + 1 (a replayed or skipped height) — or the
  // height of a block begun and not committed yet + 1 — or when parent_root is given
  // and differs from that block's root; INVALID_ARGUMENT for more than
  // max_block_transactions; the engine's status when it fails to verify the signatures
  // or the proofs (a batch failing as a whole, not a bad item) or build the root (e.g. UNAVAILABLE during shutdown); INTERNAL when the commit
  // fails ("state database write failed: the commit of block N …" with RocksDB's error;
  // docs/execution.md, "Storage failures") or a state read fails ("state database read
  // failed during block N: …"); INTERNAL when the block was executed on top of a block
  // whose commit failed ("block N+1 not committed: block N below it was not: …"). Nothing
  // is committed on any error: the height, the root and every read stay as they were,
  // and the next block may follow.
  Status ExecuteBlock(uint64_t height, uint64_t time, const std::optional<Hash32>& parent_root,
                      std::vector<Transaction> transactions, BlockResult* out);

  // ExecuteBlock in two steps, so that a caller with the next block at hand overlaps this
  // block's commit with the next one's execution. BeginBlock verifies and executes the
  // block and updates the state tree — on top of the block begun before it when that one
  // is not committed yet — hands the block to the committer thread and returns; it waits
  // first while two blocks are begun and uncommitted. FinishBlock waits until the block is
  // committed (durable and applied: Call and GetState see it) and fills *out. The errors
  // are ExecuteBlock's: BeginBlock's for everything before the commit (nothing begun then:
  // *block is null), FinishBlock's for the commit. A begun block is committed even if
  // FinishBlock is never called.
  Status BeginBlock(uint64_t height, uint64_t time, const std::optional<Hash32>& parent_root,
                    std::vector<Transaction> transactions,
                    std::shared_ptr<BlockInFlight>* block);
  // REQUIRES for FinishBlock: `block` came from this engine's BeginBlock; once per block.
  Status FinishBlock(const std::shared_ptr<BlockInFlight>& block, BlockResult* out)
      CHAINACCEL_EXCLUDES(pipeline_mu_);

  // Runs a read-only call against the latest committed state; its writes are dropped.
  // Calls run concurrently with each other, blocks and state reads.
  // The block context is the committed height (also written to *height when not null)
  // and time 0, with no proof (tx_proof returns -1). An address with no contract in the
  // committed state gives an UNKNOWN_CONTRACT receipt (a deployment staged for the next
  // block included: its message says so); the verifying-key registry's address runs the
  // registry (a key is checked and its id returned; nothing is written). INTERNAL when
  // a state read fails (during the call, or beside it).
  Status Call(const Hash32& contract, std::string_view function, ByteView input,
              uint64_t gas_limit, const Hash32& caller, Receipt* out,
              uint64_t* height = nullptr);

  // The value of a state key at `height` (latest when empty). NOT_FOUND when the height
  // is outside the kept history. *found_height is the height read.
  Status GetState(std::string_view key, std::optional<uint64_t> height,
                  std::optional<std::string>* value, uint64_t* found_height);

  // GetState with the proof of the value (or of its absence) against *root, the state
  // root at *found_height (docs/execution.md, "State root"; VerifyStateProof checks it).
  Status ProveState(std::string_view key, std::optional<uint64_t> height,
                    std::optional<std::string>* value, uint64_t* found_height,
                    StateProof* proof, Hash32* root);

  uint64_t height() const;
  Hash32 state_root() const;
  // The state cache's counters and size (metrics).
  StateCache::Stats state_cache_stats() const;
  // RocksDB's backlog behind the block writes (metrics, benchmarks): StateStore's.
  StateStore::StorageStats storage_stats() const;
  // Waits until every contract queued for the ahead-of-time tier so far has been built
  // or loaded (or has failed); at once without the tier. Tests and benchmarks.
  void DrainAot();
  const ExecutionOptions& options() const { return options_; }
  // How Open's full root check (verify_state_root_on_open) read the state; nullopt when it
  // did not run. Set once by Open.
  const std::optional<RootBuildReport>& root_check() const { return root_check_; }
  // The blocks whose tree nodes Open rebuilt: a crash had left them unflushed
  // (StateStore::rebuilt_tree_blocks; 0 after a clean stop). Set once by Open.
  uint64_t rebuilt_tree_blocks() const { return rebuilt_tree_blocks_; }
  // What Open's warm-up of the node cache (warm_state_cache_on_open) did, and its status;
  // nullopt when it did not run. Set once by Open.
  struct CacheWarmUp {
    StateStore::NodeCacheWarmReport report;
    Status status;
  };
  const std::optional<CacheWarmUp>& warm_up() const { return warm_up_; }

  // The state root of a state built from nothing (docs/execution.md, "State root"), its
  // large levels hashed on `engine`.
  static Status ComputeStateRoot(Engine& engine,
                                 const std::map<std::string, std::string, std::less<>>& state,
                                 const WriteSet* overlay, Hash32* root);

 private:
  ExecutionEngine(const ExecutionOptions& options, Engine* engine);
  // The prepared contract at `address` in `state` (or, when `staged` is not null, of the
  // deployment staged there), or nullptr. REQUIRES: mu_ held.
  std::shared_ptr<const PreparedContract> ContractAt(const StateReader& state,
                                                     const Hash32& address,
                                                     const std::map<Hash32, Hash32>* staged)
      CHAINACCEL_REQUIRES_SHARED(mu_) CHAINACCEL_EXCLUDES(prepared_mu_);
  // The prepared contract of `code_hash`, prepared from the stored code (and queued for
  // the ahead-of-time tier) on first use; nullptr when no such code is stored.
  std::shared_ptr<const PreparedContract> PreparedFor(const Hash32& code_hash)
      CHAINACCEL_REQUIRES_SHARED(mu_) CHAINACCEL_EXCLUDES(prepared_mu_);
  // The start-up thread: prepares and queues every contract deployed before this
  // process, one at a time, each under a short shared lock, until stop_aot_startup_.
  void QueueDeployedContracts(std::vector<Hash32> code_hashes) CHAINACCEL_EXCLUDES(mu_);
  // OK when no state read failed since the store's count was `failures`; else INTERNAL
  // "state database read failed <during>: <the last failure>". REQUIRES: mu_ held.
  Status ReadsFailedSince(uint64_t failures, const std::string& during) const
      CHAINACCEL_REQUIRES_SHARED(mu_);
  // After a refused write, reopens the database (StateStore::Recover) under the
  // exclusive lock; OK at once otherwise. REQUIRES: block_mu_ held.
  Status RecoverStore() CHAINACCEL_REQUIRES(block_mu_) CHAINACCEL_EXCLUDES(mu_);
  // BeginBlock's work once the block below it (`below`, null when every begun block is
  // committed) is fixed: the checks, verification, execution and tree update into *block.
  Status ComputeBlock(uint64_t height, uint64_t time, const std::optional<Hash32>& parent_root,
                      std::vector<Transaction> transactions, const BlockInFlight* below,
                      BlockInFlight* block) CHAINACCEL_REQUIRES(block_mu_)
      CHAINACCEL_REQUIRES_SHARED(mu_);
  // The committer thread: persists and applies the begun blocks in height order; after a
  // refused write, recovers the store and fails the blocks begun on top of the refused one.
  void CommitLoop() CHAINACCEL_EXCLUDES(mu_, pipeline_mu_);
  // Persists and applies `block`, the oldest begun one; its status.
  Status CommitBlock(BlockInFlight& block) CHAINACCEL_EXCLUDES(mu_, pipeline_mu_);
  // Waits until no block is begun and uncommitted.
  void WaitForCommits() CHAINACCEL_EXCLUDES(pipeline_mu_);
  // One batch per scheme on engine_; an engine failure is returned (the block fails).
  Status VerifySignatures(const std::vector<Transaction>& txs, std::vector<uint8_t>* ok);
  // The signature batches and, concurrently, the proofs' (VerifyBlockProofs against
  // `state`, the state the block executes on), with their timings; an engine failure of either is returned.
  // REQUIRES: mu_ held shared.
  Status PreVerify(const std::vector<Transaction>& txs, const StateReader& state,
                   std::vector<uint8_t>* signature_ok,
                   std::vector<std::string>* proof_errors, BlockResult::Timings* timings)
      CHAINACCEL_REQUIRES_SHARED(mu_);

  const ExecutionOptions options_;
  std::optional<RootBuildReport> root_check_;  // written by Open only
  std::optional<CacheWarmUp> warm_up_;         // written by Open only
  uint64_t rebuilt_tree_blocks_ = 0;           // written by Open only
  Engine* const engine_;
  std::unique_ptr<BlockExecutor> executor_;

  // Serializes the execution of blocks (BeginBlock) and deployments; taken before mu_.
  Mutex block_mu_ CHAINACCEL_ACQUIRED_BEFORE(mu_);
  // Over store_: shared while reading (calls, state reads, a block's execution),
  // exclusive while writing (a block's commit, a deployment).
  mutable SharedMutex mu_;
  std::unique_ptr<StateStore> store_ CHAINACCEL_PT_GUARDED_BY(mu_);  // set by Create

  // The pipeline: blocks begun and not yet committed, oldest first (at most two: the one
  // the committer writes and the one executed on top of it), and the committer's stop.
  // Taken inside mu_ (never waited on with mu_ held).
  Mutex pipeline_mu_ CHAINACCEL_ACQUIRED_AFTER(mu_);
  CondVar pipeline_changed_;  // waited on with pipeline_mu_
  std::deque<std::shared_ptr<BlockInFlight>> pipeline_ CHAINACCEL_GUARDED_BY(pipeline_mu_);
  bool stop_committer_ CHAINACCEL_GUARDED_BY(pipeline_mu_) = false;
  // Tree updates of committed blocks, for the next blocks to reuse their vectors
  // (state_tree.h, TreeUpdateScratch says why).
  std::vector<std::unique_ptr<TreeUpdate>> spare_updates_ CHAINACCEL_GUARDED_BY(pipeline_mu_);
  std::thread committer_;  // CommitLoop; started by Open, joined by the destructor

  // Taken inside mu_.
  Mutex prepared_mu_ CHAINACCEL_ACQUIRED_AFTER(mu_);
  std::map<Hash32, std::shared_ptr<const PreparedContract>> prepared_
      CHAINACCEL_GUARDED_BY(prepared_mu_);

  // The ahead-of-time tier, null when off. Thread-safe; destroyed first (~ExecutionEngine).
  std::unique_ptr<AotCompiler> aot_;
  std::atomic<bool> stop_aot_startup_{false};
  Mutex aot_startup_mu_;     // serializes the joins of aot_startup_ by DrainAot
  std::thread aot_startup_;  // QueueDeployedContracts; joined before aot_ goes

  Mutex call_mu_;
  // Idle interpreters of read-only calls. A call takes one (or makes one) and gives it
  // back, so concurrent calls each have their own; there are never more than the most
  // calls that ran at once.
  std::vector<std::unique_ptr<ContractVm>> idle_call_vms_ CHAINACCEL_GUARDED_BY(call_mu_);
};

}  // namespace chainaccel::exec
