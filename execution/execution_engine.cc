#include "execution/execution_engine.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "core/elapsed.h"
#include "execution/block_proofs.h"
#include "execution/tx/contract_code.h"
#include "execution/tx/verifying_key.h"
#include "execution/verifying_key_registry.h"

namespace chainaccel::exec {
namespace {

using Clock = std::chrono::steady_clock;

ByteView Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Packs byte strings for a PackedItems::Variable view.
struct Packed {
  std::vector<uint8_t> data;
  std::vector<uint64_t> offsets{0};
  void Add(ByteView item) {
    data.insert(data.end(), item.begin(), item.end());
    offsets.push_back(data.size());
  }
  PackedItems View() const { return PackedItems::Variable(data, offsets); }
};

// A read-only call's view: its own writes over committed state.
class CommittedView final : public HostState {
 public:
  CommittedView(const StateReader& base, const Hash32& contract)
      : base_(base), contract_(contract) {}
  ReadResult Read(std::string_view key, std::string* value) override {
    const std::string k = StateKey(contract_, key);
    if (auto it = writes_.find(k); it != writes_.end()) {
      if (!it->second) return ReadResult::kAbsent;
      *value = *it->second;
      return ReadResult::kFound;
    }
    return base_.Get(k, value) ? ReadResult::kFound : ReadResult::kAbsent;
  }
  void Write(std::string_view key, const std::string* value) override {
    writes_[StateKey(contract_, key)] =
        value ? std::optional<std::string>(*value) : std::nullopt;
  }

 private:
  const StateReader& base_;
  const Hash32& contract_;
  WriteMap writes_;
};

}  // namespace

ExecutionEngine::ExecutionEngine(const ExecutionOptions& options, Engine* engine)
    : options_(options), engine_(engine) {}

ExecutionEngine::~ExecutionEngine() {
  if (committer_.joinable()) {
    {
      MutexLock lock(pipeline_mu_);
      stop_committer_ = true;
      pipeline_changed_.NotifyAll();
    }
    committer_.join();  // after it has committed every begun block
  }
  // The start-up thread submits to aot_, and the compiler's worker attaches modules to
  // the contracts in prepared_ (shared, so they outlive the map): the thread goes first,
  // then the compiler (a running build is killed), then the rest by member order.
  stop_aot_startup_ = true;
  if (aot_startup_.joinable()) aot_startup_.join();
  aot_.reset();
}

Status ExecutionEngine::Open(const ExecutionOptions& options, Engine* engine,
                             std::unique_ptr<ExecutionEngine>* out) {
  std::unique_ptr<ExecutionEngine> e(new ExecutionEngine(options, engine));
  // Nothing else sees e yet; held so that the analysis sees store_ read under mu_.
  WriterMutexLock lock(e->mu_);
  Status s = StateStore::Open(options.db_path, &e->store_, options.storage_env,
                              options.state_cache_bytes, options.tree_threads,
                              options.tree_nodes_in_log);
  if (!s.ok()) return s;
  e->rebuilt_tree_blocks_ = e->store_->rebuilt_tree_blocks();
  // StateStore::Open checked that the tree holds the committed root (O(1)). The full
  // check, opt-in: the stored state must hash to it (one write batch holds both, so
  // anything else is a damaged database).
  if (options.verify_state_root_on_open && e->store_->height() > 0) {
    Hash32 root;
    EngineNodeHasher hasher(*engine);
    const StateStore& store = *e->store_;
    // Past one pass, the state is spilled once into files in the database's folder
    // (removed after) rather than walked again for every pass.
    RootBuildReport report;
    s = BuildStateRoot([&store](const StateVisitor& visit) { return store.ScanState(visit); },
                       hasher, &root, kRootBuildKeysPerPass, options.db_path + "/root-check", &report);
    e->root_check_ = report;
    if (!s.ok()) return s;
    if (root != e->store_->state_root()) {
      return Status::Internal("state database " + options.db_path +
                              " is inconsistent: its state at height " +
                              std::to_string(e->store_->height()) +
                              " does not hash to the committed root");
    }
  }
  if (options.warm_state_cache_on_open) {
    CacheWarmUp warm;
    warm.status = e->store_->WarmNodeCache(&warm.report);
    e->warm_up_ = std::move(warm);
  }
  switch (options.executor) {
    case ExecutorKind::kSequential:
      e->executor_ = NewSequentialExecutor(options.limits);
      break;
    case ExecutorKind::kBlockStm:
      e->executor_ = NewBlockStmExecutor(options.limits, options.threads);
      break;
    case ExecutorKind::kAdaptive:
      e->executor_ = NewAdaptiveExecutor(options.limits, options.threads);
      break;
  }
  if (options.aot.has_value()) {
    std::vector<Hash32> hashes;
    s = e->store_->CodeHashes(&hashes);
    if (!s.ok()) return s;
    e->aot_ = std::make_unique<AotCompiler>(*options.aot);
    ExecutionEngine* engine_ptr = e.get();
    e->aot_startup_ = std::thread([engine_ptr, hashes = std::move(hashes)]() mutable {
      engine_ptr->QueueDeployedContracts(std::move(hashes));
    });
  }
  ExecutionEngine* self = e.get();
  e->committer_ = std::thread([self] { self->CommitLoop(); });
  *out = std::move(e);
  return Status::Ok();
}

uint64_t ExecutionEngine::height() const {
  ReaderMutexLock lock(mu_);
  return store_->height();
}

Hash32 ExecutionEngine::state_root() const {
  ReaderMutexLock lock(mu_);
  return store_->state_root();
}

StateCache::Stats ExecutionEngine::state_cache_stats() const {
  ReaderMutexLock lock(mu_);
  return store_->cache_stats();
}

StateStore::StorageStats ExecutionEngine::storage_stats() const {
  ReaderMutexLock lock(mu_);
  return store_->storage_stats();
}

Status ExecutionEngine::ReadsFailedSince(uint64_t failures, const std::string& during) const {
  if (store_->read_failures() == failures) return Status::Ok();
  return Status::Internal("state database read failed " + during + ": " +
                          store_->last_read_error().message());
}

Status ExecutionEngine::Deploy(ByteView wasm, ByteView salt, Hash32* address,
                               Hash32* code_hash, std::vector<std::string>* entry_points) {
  std::shared_ptr<const PreparedContract> prepared;
  Status s = PrepareContract(wasm, options_.limits, &prepared);
  if (!s.ok()) return s;
  *code_hash = prepared->code_hash();
  if (entry_points != nullptr) *entry_points = prepared->entry_points();
  *address = ContractAddress(*code_hash, salt);

  // Staged only while every begun block is committed, so that the next block begun
  // takes the deployment in (and no block begun before sees it).
  MutexLock block_lock(block_mu_);
  WaitForCommits();
  WriterMutexLock lock(mu_);
  Hash32 existing;
  if (store_->GetContract(*address, &existing)) {
    return Status::FailedPrecondition("a contract already lives at that address");
  }
  if (store_->staged_contracts().count(*address)) {
    return Status::FailedPrecondition(
        "a contract already lives at that address (deployed for block " +
        std::to_string(store_->height() + 1) + ")");
  }
  s = store_->StageContract(*address, *code_hash,
                            std::string_view(reinterpret_cast<const char*>(wasm.data()),
                                             wasm.size()));
  if (!s.ok()) return s;
  MutexLock plock(prepared_mu_);
  if (aot_ != nullptr) aot_->Submit(prepared);
  prepared_[*code_hash] = std::move(prepared);
  return Status::Ok();
}

std::shared_ptr<const PreparedContract> ExecutionEngine::ContractAt(
    const StateReader& state, const Hash32& address, const std::map<Hash32, Hash32>* staged) {
  std::string code_hash;
  if (state.Get(ContractCodeKey(address), &code_hash) && code_hash.size() == 32) {
    Hash32 hash;
    std::memcpy(hash.data(), code_hash.data(), 32);
    return PreparedFor(hash);
  }
  if (staged == nullptr) return nullptr;
  auto it = staged->find(address);
  return it == staged->end() ? nullptr : PreparedFor(it->second);
}

std::shared_ptr<const PreparedContract> ExecutionEngine::PreparedFor(const Hash32& code_hash) {
  MutexLock lock(prepared_mu_);
  auto it = prepared_.find(code_hash);
  if (it != prepared_.end()) return it->second;
  // Deployed before this process started: prepare once from the stored bytes (they
  // passed PrepareContract when deployed).
  std::string wasm;
  if (!store_->GetCode(code_hash, &wasm).ok()) return nullptr;
  std::shared_ptr<const PreparedContract> prepared;
  if (!PrepareContract(Bytes(wasm), options_.limits, &prepared).ok()) return nullptr;
  if (aot_ != nullptr) aot_->Submit(prepared);
  prepared_[code_hash] = prepared;
  return prepared;
}

void ExecutionEngine::QueueDeployedContracts(std::vector<Hash32> code_hashes) {
  for (const Hash32& code_hash : code_hashes) {
    if (stop_aot_startup_) return;
    ReaderMutexLock lock(mu_);
    (void)PreparedFor(code_hash);  // queues it for the compiler when prepared here
  }
}

void ExecutionEngine::DrainAot() {
  if (aot_startup_.joinable()) {
    // Every deployed contract queued first; joined only here and in the destructor.
    MutexLock lock(aot_startup_mu_);
    if (aot_startup_.joinable()) aot_startup_.join();
  }
  if (aot_ != nullptr) aot_->Drain();
}

Status ExecutionEngine::VerifySignatures(const std::vector<Transaction>& txs,
                                         std::vector<uint8_t>* ok) {
  ok->assign(txs.size(), 0);
  for (TxScheme scheme : {TxScheme::kEd25519, TxScheme::kSecp256k1}) {
    Packed messages, keys, signatures;
    std::vector<size_t> index;
    for (size_t i = 0; i < txs.size(); ++i) {
      if (txs[i].scheme != scheme) continue;
      messages.Add(Bytes(TransactionPreimage(txs[i])));
      keys.Add(Bytes(txs[i].public_key));
      signatures.Add(Bytes(txs[i].signature));
      index.push_back(i);
    }
    if (index.empty()) continue;
    std::vector<ItemStatus> status(index.size(), ItemStatus::kUnspecified);
    SignatureVerifyTask task;
    task.scheme = scheme == TxScheme::kEd25519 ? SignatureScheme::kEd25519
                                               : SignatureScheme::kEcdsaSecp256k1;
    // The engine hashes each preimage into the transaction digest (on its threads or its
    // GPU); Ed25519 and ECDSA then verify over the 32-byte digest, as signed.
    task.pre_hash = PreHash::kSha256;
    task.encoding = SignatureEncoding::kCompact;
    task.messages = messages.View();
    task.public_keys = keys.View();
    task.signatures = signatures.View();
    task.status = status.data();
    Task t = std::move(task);
    // An engine failure (not a bad signature) fails the block: nothing is committed.
    Status s = engine_->Run(t);
    if (!s.ok()) return s;
    for (size_t k = 0; k < index.size(); ++k) (*ok)[index[k]] = status[k] == ItemStatus::kOk;
  }
  return Status::Ok();
}

Status ExecutionEngine::PreVerify(const std::vector<Transaction>& txs, const StateReader& state,
                                  std::vector<uint8_t>* signature_ok,
                                  std::vector<std::string>* proof_errors,
                                  BlockResult::Timings* timings) {
  const auto t = Clock::now();
  const bool any_proof =
      std::any_of(txs.begin(), txs.end(), [](const Transaction& tx) { return tx.proof; });
  // The proofs' batches run on a thread of their own beside the signatures' (each Run
  // waits for its batch): both reach the scheduler at once.
  Status proof_status;
  std::thread proofs;
  if (any_proof) {
    proofs = std::thread([&] {
      proof_status = VerifyBlockProofs(*engine_, state, txs, proof_errors);
      timings->proof_seconds = SecondsSince(t);
    });
  }
  Status s = VerifySignatures(txs, signature_ok);
  timings->verify_seconds = SecondsSince(t);
  if (proofs.joinable()) proofs.join();
  if (!s.ok()) return s;
  return proof_status;
}

Status ExecutionEngine::ComputeStateRoot(
    Engine& engine, const std::map<std::string, std::string, std::less<>>& state,
    const WriteSet* overlay, Hash32* root) {
  EngineNodeHasher hasher(engine);
  return BuildStateRoot(state, overlay, hasher, root);
}

// A block between BeginBlock and its commit. The fields before the lock's are written by
// BeginBlock before the block enters the pipeline and read after (the pipeline's mutex
// orders them); the committer adds the commit's timings to `result`.
class BlockInFlight {
 public:
  uint64_t height = 0;
  WriteSet writes;  // what the commit writes (StateStore::BlockWrites)
  std::unique_ptr<TreeUpdate> update;
  BlockResult result;  // everything but the commit's timings until committed
  Clock::time_point computed_at;

  // Guarded by the engine's pipeline_mu_.
  bool finished = false;  // committed (status OK) or failed
  Status status;
  // Executed on top of a block whose commit failed: the committer fails it with `doom`.
  bool doomed = false;
  Status doom;
};

Status ExecutionEngine::ExecuteBlock(uint64_t height, uint64_t time,
                                     const std::optional<Hash32>& parent_root,
                                     std::vector<Transaction> transactions, BlockResult* out) {
  std::shared_ptr<BlockInFlight> block;
  Status s = BeginBlock(height, time, parent_root, std::move(transactions), &block);
  if (!s.ok()) return s;
  return FinishBlock(block, out);
}

Status ExecutionEngine::BeginBlock(uint64_t height, uint64_t time,
                                   const std::optional<Hash32>& parent_root,
                                   std::vector<Transaction> transactions,
                                   std::shared_ptr<BlockInFlight>* block) {
  block->reset();
  if (transactions.size() > options_.max_block_transactions) {
    return Status::InvalidArgument("block has " + std::to_string(transactions.size()) +
                                   " transactions, over the limit of " +
                                   std::to_string(options_.max_block_transactions));
  }
  // Blocks execute one at a time; calls and state reads go on beside them.
  MutexLock block_lock(block_mu_);
  {
    // At most one block below this one is uncommitted, and it is not one the committer
    // is about to fail.
    MutexLock lock(pipeline_mu_);
    while (pipeline_.size() > 1 || (!pipeline_.empty() && pipeline_.back()->doomed)) {
      pipeline_changed_.Wait(pipeline_mu_);
    }
  }
  if (Status s = RecoverStore(); !s.ok()) {
    return Status::Internal("state database write failed: block " + std::to_string(height) +
                            " not executed: " + s.message());
  }
  ReaderMutexLock read_lock(mu_);
  auto b = std::make_shared<BlockInFlight>();
  std::shared_ptr<BlockInFlight> below;
  {
    // While mu_ is held shared no block is applied, and the committer takes a block out
    // of the pipeline only as it applies it: the one left is above the committed state.
    MutexLock lock(pipeline_mu_);
    if (!pipeline_.empty()) below = pipeline_.back();
    if (!spare_updates_.empty()) {
      b->update = std::move(spare_updates_.back());
      spare_updates_.pop_back();
    }
  }
  if (b->update == nullptr) b->update = std::make_unique<TreeUpdate>();
  Status s = ComputeBlock(height, time, parent_root, std::move(transactions), below.get(), b.get());
  MutexLock lock(pipeline_mu_);
  if (s.ok() && below != nullptr && (below->doomed || (below->finished && !below->status.ok()))) {
    s = Status::Internal("state database write failed: block " + std::to_string(height) +
                         " not committed: block " + std::to_string(below->height) +
                         " below it was not: " +
                         (below->doomed ? below->doom : below->status).message());
  }
  if (!s.ok()) {
    b->update->ReleaseLarge(TreeUpdateScratch::kKeepBytes);
    spare_updates_.push_back(std::move(b->update));
    return s;
  }
  b->computed_at = Clock::now();
  pipeline_.push_back(b);
  pipeline_changed_.NotifyAll();
  *block = std::move(b);
  return Status::Ok();
}

Status ExecutionEngine::ComputeBlock(uint64_t height, uint64_t time,
                                     const std::optional<Hash32>& parent_root,
                                     std::vector<Transaction> transactions,
                                     const BlockInFlight* below, BlockInFlight* block) {
  const uint64_t committed = store_->height();
  const uint64_t head = below != nullptr ? below->height : committed;
  if (height <= committed) {
    return Status::FailedPrecondition("height " + std::to_string(height) +
                                      " is already committed (committed height " +
                                      std::to_string(committed) + ")");
  }
  if (height <= head) {
    return Status::FailedPrecondition("height " + std::to_string(height) +
                                      " is already executed (block " + std::to_string(head) +
                                      " is being committed)");
  }
  if (height != head + 1) {
    return Status::FailedPrecondition(
        "height " + std::to_string(height) + " does not follow the committed height " +
        std::to_string(committed) +
        (below != nullptr ? " (nor block " + std::to_string(head) + ", being committed)" : ""));
  }
  const Hash32& head_root = below != nullptr ? below->result.state_root : store_->state_root();
  if (parent_root && *parent_root != head_root) {
    return Status::FailedPrecondition(below != nullptr
        ? "parent state root does not match the root of block " + std::to_string(head)
        : "parent state root does not match the committed root");
  }
  // A failed state read answers "absent" to whoever made it: any during the block fails it.
  const uint64_t read_failures = store_->read_failures();
  // The state the block executes on: the block below it (its writes) over the committed
  // state, or the committed state.
  static const WriteSet kNoWrites;
  const WriteSetOverlay overlay(below != nullptr ? below->writes : kNoWrites, *store_);
  const StateReader& state = below != nullptr ? static_cast<const StateReader&>(overlay)
                                              : static_cast<const StateReader&>(*store_);
  BlockResult* out = &block->result;

  std::vector<uint8_t> signature_ok;
  std::vector<std::string> proof_errors;
  Status s = PreVerify(transactions, state, &signature_ok, &proof_errors, &out->timings);
  if (!s.ok()) return s;
  // The block below took in every staged deployment (they are staged only while no
  // block is uncommitted: Deploy), so only a block on the committed state takes them in.
  const std::map<Hash32, Hash32>* staged = below != nullptr ? nullptr : &store_->staged_contracts();
  std::vector<std::shared_ptr<const PreparedContract>> owners;
  std::vector<const PreparedContract*> contracts;
  std::map<Hash32, const PreparedContract*> by_address;
  for (const Transaction& tx : transactions) {
    auto it = by_address.find(tx.contract);
    if (it == by_address.end()) {
      // The block takes in the staged deployments before its transactions run.
      auto p = ContractAt(state, tx.contract, staged);
      owners.push_back(p);
      it = by_address.emplace(tx.contract, p.get()).first;
    }
    contracts.push_back(it->second);
  }

  BlockInput input;
  input.height = height;
  input.time = time;
  input.transactions = transactions;
  input.contracts = contracts;
  input.signature_ok = signature_ok;
  input.proof_errors = proof_errors;
  input.state = &state;
  auto t = Clock::now();
  BlockOutput output = executor_->Execute(input);
  out->timings.execute_seconds = SecondsSince(t);
  s = ReadsFailedSince(read_failures, "during block " + std::to_string(height));
  if (!s.ok()) return s;

  t = Clock::now();
  // The staged deployments' code keys join the transactions' writes.
  WriteSet writes = below != nullptr ? std::move(output.writes)
                                     : store_->BlockWrites(std::move(output.writes));
  TreeUpdate& update = *block->update;
  EngineNodeHasher hasher(*engine_);
  s = store_->UpdateTree(writes, hasher, &update,
                         below != nullptr ? below->update.get() : nullptr);
  if (!s.ok()) return s;
  out->timings.root_seconds = SecondsSince(t);
  out->timings.root_phases = update.phases;
  block->height = height;
  block->writes = std::move(writes);
  out->receipts = std::move(output.receipts);
  out->state_root = update.root.hash;
  out->executor = executor_->name();
  out->pipelined = below != nullptr;
  out->stats = executor_->last_stats();
  out->gas_used = 0;
  for (const Receipt& r : out->receipts) out->gas_used += r.gas_used;
  return Status::Ok();
}

Status ExecutionEngine::FinishBlock(const std::shared_ptr<BlockInFlight>& block,
                                    BlockResult* out) {
  MutexLock lock(pipeline_mu_);
  while (!block->finished) pipeline_changed_.Wait(pipeline_mu_);
  if (!block->status.ok()) return block->status;
  *out = std::move(block->result);
  return Status::Ok();
}

void ExecutionEngine::WaitForCommits() {
  MutexLock lock(pipeline_mu_);
  while (!pipeline_.empty()) pipeline_changed_.Wait(pipeline_mu_);
}

void ExecutionEngine::CommitLoop() {
  for (;;) {
    std::shared_ptr<BlockInFlight> block;
    {
      MutexLock lock(pipeline_mu_);
      while (pipeline_.empty() && !stop_committer_) pipeline_changed_.Wait(pipeline_mu_);
      if (pipeline_.empty()) return;  // stopped, every begun block committed
      block = pipeline_.front();
      if (block->doomed) {
        pipeline_.pop_front();
        block->status = block->doom;
        block->finished = true;
        pipeline_changed_.NotifyAll();
        continue;
      }
    }
    (void)CommitBlock(*block);
  }
}

Status ExecutionEngine::CommitBlock(BlockInFlight& block) {
  BlockResult::Timings& timings = block.result.timings;
  const auto start = Clock::now();
  timings.pipeline_wait_seconds =
      std::chrono::duration<double>(start - block.computed_at).count();
  Status s;
  {
    // The synced write runs beside calls, state reads and the next block's execution
    // (they see the committed state); only applying the block excludes them.
    ReaderMutexLock read_lock(mu_);
    s = store_->Persist(block.height, block.writes, *block.update);
    timings.persist_phases = store_->last_persist_phases();
  }
  timings.persist_seconds = SecondsSince(start);
  WriterMutexLock write_lock(mu_);
  if (s.ok()) {
    store_->Apply(block.height, block.writes, *block.update);
    timings.commit_seconds = SecondsSince(start);
  } else {
    // Nothing moved in memory. Reopen the database now, so that it is back at the
    // committed block even if no other block comes (when the fault lasts, the next
    // block or deployment tries again and is refused while it cannot).
    (void)store_->Recover();
  }
  // Out of the pipeline while mu_ is held exclusively, so that a block executing (mu_
  // shared) never sees an applied block as the one below it.
  MutexLock lock(pipeline_mu_);
  pipeline_.pop_front();
  block.status = s;
  block.finished = true;
  if (!s.ok()) {
    for (const std::shared_ptr<BlockInFlight>& above : pipeline_) {
      above->doomed = true;
      above->doom = Status::Internal("state database write failed: block " +
                                     std::to_string(above->height) + " not committed: block " +
                                     std::to_string(block.height) + " below it was not: " +
                                     s.message());
    }
  }
  block.update->ReleaseLarge(TreeUpdateScratch::kKeepBytes);
  spare_updates_.push_back(std::move(block.update));
  pipeline_changed_.NotifyAll();
  return s;
}

Status ExecutionEngine::RecoverStore() {
  {
    ReaderMutexLock lock(mu_);
    if (!store_->needs_recovery()) return Status::Ok();
  }
  WriterMutexLock lock(mu_);
  return store_->Recover();
}

Status ExecutionEngine::Call(const Hash32& contract, std::string_view function, ByteView input,
                             uint64_t gas_limit, const Hash32& caller, Receipt* out,
                             uint64_t* height) {
  ReaderMutexLock lock(mu_);
  if (height != nullptr) *height = store_->height();
  const uint64_t read_failures = store_->read_failures();
  const bool registry = contract == VerifyingKeyRegistryAddress();
  auto prepared = registry ? nullptr : ContractAt(*store_, contract, /*staged=*/nullptr);
  if (!prepared && !registry) {
    std::string why = "no contract at that address";
    if (store_->staged_contracts().count(contract)) {
      why += " at height " + std::to_string(store_->height()) +
             " (it is deployed for block " + std::to_string(store_->height() + 1) + ")";
    }
    *out = Receipt{ReceiptStatus::kUnknownContract, 0, {}, {}, std::move(why)};
    return ReadsFailedSince(read_failures, "during the call");
  }
  CallContext context;
  context.caller = caller;
  context.contract = contract;
  context.block_height = store_->height();
  context.block_time = 0;
  context.function = function;
  context.input = input;
  context.gas_limit = gas_limit;
  CommittedView view(*store_, contract);
  if (registry) {
    *out = ReceiptOf(RunVerifyingKeyRegistry(context, view));
    return ReadsFailedSince(read_failures, "during the call");
  }
  std::unique_ptr<ContractVm> vm;
  {
    MutexLock vm_lock(call_mu_);
    if (!idle_call_vms_.empty()) {
      vm = std::move(idle_call_vms_.back());
      idle_call_vms_.pop_back();
    }
  }
  if (!vm) vm = std::make_unique<ContractVm>(options_.limits);
  *out = ReceiptOf(vm->Call(*prepared, context, view));
  {
    MutexLock vm_lock(call_mu_);
    idle_call_vms_.push_back(std::move(vm));
  }
  return ReadsFailedSince(read_failures, "during the call");
}

Status ExecutionEngine::GetState(std::string_view key, std::optional<uint64_t> height,
                                 std::optional<std::string>* value, uint64_t* found_height) {
  ReaderMutexLock lock(mu_);
  *found_height = height.value_or(store_->height());
  return store_->GetAt(key, *found_height, value);
}

Status ExecutionEngine::ProveState(std::string_view key, std::optional<uint64_t> height,
                                   std::optional<std::string>* value, uint64_t* found_height,
                                   StateProof* proof, Hash32* root) {
  ReaderMutexLock lock(mu_);
  *found_height = height.value_or(store_->height());
  return store_->Prove(key, *found_height, value, proof, root);
}

}  // namespace chainaccel::exec
