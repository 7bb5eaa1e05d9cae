#include "execution/execution_engine.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "execution/block_proofs.h"
#include "execution/tx/contract_code.h"
#include "execution/tx/verifying_key.h"
#include "execution/verifying_key_registry.h"

namespace chainaccel::exec {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

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
                              options.state_cache_bytes);
  if (!s.ok()) return s;
  // StateStore::Open checked that the tree holds the committed root (O(1)). The full
  // check, opt-in: the stored state must hash to it (one write batch holds both, so
  // anything else is a damaged database).
  if (options.verify_state_root_on_open && e->store_->height() > 0) {
    Hash32 root;
    EngineNodeHasher hasher(*engine);
    const StateStore& store = *e->store_;
    s = BuildStateRoot([&store](const StateVisitor& visit) { return store.ScanState(visit); },
                       hasher, &root);
    if (!s.ok()) return s;
    if (root != e->store_->state_root()) {
      return Status::Internal("state database " + options.db_path +
                              " is inconsistent: its state at height " +
                              std::to_string(e->store_->height()) +
                              " does not hash to the committed root");
    }
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

  MutexLock block_lock(block_mu_);
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

std::shared_ptr<const PreparedContract> ExecutionEngine::ContractAt(const Hash32& address,
                                                                    bool with_staged) {
  Hash32 code_hash;
  if (store_->GetContract(address, &code_hash)) return PreparedFor(code_hash);
  if (!with_staged) return nullptr;
  auto it = store_->staged_contracts().find(address);
  return it == store_->staged_contracts().end() ? nullptr : PreparedFor(it->second);
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

Status ExecutionEngine::PreVerify(const std::vector<Transaction>& txs,
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
  const StateReader& committed = *store_;
  if (any_proof) {
    proofs = std::thread([&] {
      proof_status = VerifyBlockProofs(*engine_, committed, txs, proof_errors);
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

Status ExecutionEngine::ExecuteBlock(uint64_t height, uint64_t time,
                                     const std::optional<Hash32>& parent_root,
                                     std::vector<Transaction> transactions, BlockResult* out) {
  if (transactions.size() > options_.max_block_transactions) {
    return Status::InvalidArgument("block has " + std::to_string(transactions.size()) +
                                   " transactions, over the limit of " +
                                   std::to_string(options_.max_block_transactions));
  }
  // Blocks run one at a time; calls and state reads go on beside a block's execution
  // and wait only for its commit.
  MutexLock block_lock(block_mu_);
  if (Status s = RecoverStore(); !s.ok()) {
    return Status::Internal("state database write failed: block " + std::to_string(height) +
                            " not executed: " + s.message());
  }
  ReaderMutexLock read_lock(mu_);
  const uint64_t committed = store_->height();
  if (height <= committed) {
    return Status::FailedPrecondition("height " + std::to_string(height) +
                                      " is already committed (committed height " +
                                      std::to_string(committed) + ")");
  }
  if (height != committed + 1) {
    return Status::FailedPrecondition("height " + std::to_string(height) +
                                      " does not follow the committed height " +
                                      std::to_string(committed));
  }
  if (parent_root && *parent_root != store_->state_root()) {
    return Status::FailedPrecondition("parent state root does not match the committed root");
  }
  // A failed state read answers "absent" to whoever made it: any during the block fails it.
  const uint64_t read_failures = store_->read_failures();

  std::vector<uint8_t> signature_ok;
  std::vector<std::string> proof_errors;
  Status s = PreVerify(transactions, &signature_ok, &proof_errors, &out->timings);
  if (!s.ok()) return s;
  std::vector<std::shared_ptr<const PreparedContract>> owners;
  std::vector<const PreparedContract*> contracts;
  std::map<Hash32, const PreparedContract*> by_address;
  for (const Transaction& tx : transactions) {
    auto it = by_address.find(tx.contract);
    if (it == by_address.end()) {
      // The block takes in the staged deployments before its transactions run.
      auto p = ContractAt(tx.contract, /*with_staged=*/true);
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
  input.state = store_.get();
  auto t = Clock::now();
  BlockOutput output = executor_->Execute(input);
  out->timings.execute_seconds = SecondsSince(t);
  s = ReadsFailedSince(read_failures, "during block " + std::to_string(height));
  if (!s.ok()) return s;

  t = Clock::now();
  // The staged deployments' code keys join the transactions' writes.
  const WriteSet writes = store_->BlockWrites(std::move(output.writes));
  TreeUpdate& update = block_tree_update_;
  EngineNodeHasher hasher(*engine_);
  s = store_->UpdateTree(writes, hasher, &update);
  if (!s.ok()) return s;
  out->timings.root_seconds = SecondsSince(t);
  out->timings.root_phases = update.phases;
  t = Clock::now();
  // The synced write runs beside calls and state reads (they see the previous block);
  // only applying the block (the cache and the read snapshot) excludes them.
  s = store_->Persist(height, writes, update);
  out->timings.persist_seconds = SecondsSince(t);
  read_lock.Unlock();
  if (!s.ok()) {
    // Nothing moved in memory. Reopen the database now, so that it is back at the
    // committed block even if no other block comes (when the fault lasts, the next
    // block or deployment tries again and is refused while it cannot).
    WriterMutexLock write_lock(mu_);
    (void)store_->Recover();
    return s;
  }
  {
    WriterMutexLock write_lock(mu_);
    store_->Apply(height, writes, update);
  }
  out->timings.commit_seconds = SecondsSince(t);
  out->receipts = std::move(output.receipts);
  out->state_root = update.root.hash;
  update.ReleaseLarge(TreeUpdateScratch::kKeepBytes);
  out->executor = executor_->name();
  out->stats = executor_->last_stats();
  out->gas_used = 0;
  for (const Receipt& r : out->receipts) out->gas_used += r.gas_used;
  return Status::Ok();
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
  auto prepared = registry ? nullptr : ContractAt(contract, /*with_staged=*/false);
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
