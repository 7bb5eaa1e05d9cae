// exec_bench: block execution throughput, sequential vs Block-STM, as JSON lines.
//
// Workloads (10,000 transactions a block by default, signatures taken as verified, so
// that this measures execution; the batch signature check is measured by
// cpu_engine_bench):
//   transfer_low   token transfers between distinct accounts (transfer i: 2i -> 2i+1)
//   transfer_high  token transfers over 10,000 accounts where the sender and the
//                  receiver are each one of 100 hot accounts (1%) with probability 0.9
//   swap           constant-product pool swaps, directions alternating: every swap
//                  reads and writes both reserves (a chain of dependencies)
// For each workload: the sequential executor, then Block-STM at each --threads value,
// each run --rounds times in interleaved order; the median run is reported with the
// executor's counters. Then the cost breakdown lines ("breakdown"): the VM alone on a
// plain map (instantiation, a no-op call, a transfer), the sequential executor per
// transaction, Block-STM on 1 thread per transaction; then "exec_vm_scaling": the VM
// alone on each thread count (over a private map, and over the shared committed state
// with private writes), the ceiling of any executor on the host; then
// "exec_host_scaling": register-only and L2-copy work on each thread count, how the host
// itself scales.
//
// "pipeline" (exec_pipeline lines) runs the daemon's whole block path in process: signed
// transactions, the signature batches and the state root placed by the daemon's
// scheduler (on a GPU when one is present), Block-STM at the most threads, the RocksDB
// commit; it prints each phase's time: a mint block, then --rounds transfer blocks.
// "--aot on" runs its contracts on the ahead-of-time tier (built before the first block;
// docs/execution.md, "Contract tiers"), "--aot off" (the default) on the interpreter.
//
// "proofs" (exec_proof_block lines) runs the same path on blocks of --proof-block (1,000)
// signed transfers of which --proofs (100) carry a Groth16 proof (4 public signals, the
// key registered on chain in the first block): each block's time split into signatures,
// proofs (the two run side by side), execution, state root and commit. "proof_verify"
// (exec_proof_verify lines) verifies --proofs proofs on the CPU engine as one batch and
// one by one, at 1 thread and at every hardware thread.
//
// "--profile B" runs only Block-STM, B blocks of each workload at each thread count, and
// prints their rate (exec_profile lines): a process for a profiler to watch.
//
// "scale" (exec_scale lines, not in the default list) runs the same path over token
// states of --accounts sizes (1e5,1e6 by default), made first: "--fill import" (the
// default) imports the balances as block 1 (ImportState: every tree node written once;
// an exec_scale_import line), "--fill blocks" writes them straight into the store in
// blocks of 10^5 as the block path would; then
// --rounds blocks of --txs transfers from keyed senders to random accounts of the state,
// each block's phases, the root update among them, the state cache's hit rate and the
// peak resident memory; then (unless --pipelined off) --rounds more blocks pipelined
// (BeginBlock of block h + 1 before FinishBlock of block h) and the pipeline's rate
// (exec_scale_pipelined). "--cache-bytes N" sizes the block path's state cache
// (ExecutionOptions::state_cache_bytes; the daemon's 256 MiB by default), which is
// warmed from the committed tree when the block path opens, after the import, as the
// daemon warms it at start (an exec_scale_warm line; "--warm-cache off": left cold);
// "--tree-threads N" the state tree update's threads (the store's default: 8);
// "--tree-nodes-in-log on" writes the tree's nodes in RocksDB's log as before they were
// kept out of it (to measure what that saves);
// "--import-threads N" the import's threads (every hardware thread by default).
//
// Usage: exec_bench [--txs N] [--rounds R] [--threads 1,2,4,8,16] [--workloads a,b,c]
//                   [--profile B] [--proof-block N] [--proofs P] [--aot on|off]
//                   [--accounts 1e5,1e6,1e7] [--fill import|blocks] [--cache-bytes N]
//                   [--pipelined on|off] [--warm-cache on|off] [--tree-threads N]
//                   [--tree-nodes-in-log on|off]
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <latch>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench/check_status.h"
#include "bench/process_memory.h"
#include "bench/split_list.h"
#include "engines/cpu/cpu_engine.h"
#include "engines/gpu/device_pool.h"
#include "engines/scheduler/hybrid_scheduler.h"
#include "engines/scheduler/scheduled_engine.h"
#include "execution/execution_engine.h"
#include "execution/block_proofs.h"
#include "execution/state_import.h"
#include "execution/state_store.h"
#include "execution/state_tree.h"
#include "execution/executor.h"
#include "execution/tx/contract_code.h"
#include "execution/tx/verifying_key.h"
#include "execution/testing/map_state.h"
#include "execution/testing/proofs.h"
#include "execution/testing/temp_dir.h"
#include "execution/testing/transactions.h"
#include "execution/testing/wat.h"

namespace chainaccel::exec {
namespace {

using testing::MapState;
using testing::U64;

struct Options {
  size_t txs = 10000;
  size_t rounds = 5;
  bool pipelined = true;  // scale: the pipelined blocks after the ones one at a time
  std::vector<size_t> threads = {1, 2, 4, 8, 16};
  std::vector<std::string> workloads = {"transfer_low", "transfer_high", "swap", "pipeline",
                                        "proofs", "proof_verify"};
  // --profile B: only Block-STM, B blocks at each thread count (for a profiler).
  size_t profile_blocks = 0;
  // "proofs" and "proof_verify": transactions a block, and how many carry a proof.
  size_t proof_block_txs = 1000;
  size_t proofs = 100;
  // The block path's contracts on the ahead-of-time tier ("pipeline", "proofs").
  bool aot = false;
  // "scale": the state sizes, in accounts.
  std::vector<uint64_t> accounts = {100000, 1000000};
  // The block path's state cache ("pipeline", "scale", "proofs").
  size_t cache_bytes = StateStore::kDefaultCacheBytes;
  // The block path's node cache filled from the committed tree when it opens, as the
  // daemon does (ExecutionOptions::warm_state_cache_on_open); "--warm-cache off": cold.
  bool warm_cache = true;
  // The state tree update's threads (ExecutionOptions::tree_threads; 0: the default).
  size_t tree_threads = 0;
  // The tree's nodes in RocksDB's log as before (ExecutionOptions::tree_nodes_in_log).
  bool tree_nodes_in_log = false;
  // "scale": how the state is made: "import" (ImportState, block 1) or "blocks" (blocks of
  // 10^5 balances through the store's block path).
  std::string fill = "import";
  // "scale", --fill import: the import's threads (0: every hardware thread).
  size_t import_threads = 0;
};

// Committed state as the daemon's StateStore keeps it: an ordered map, read through a
// hash index. Fill `data`, then call Index().
class MapReader final : public StateReader {
 public:
  MapReader() = default;
  // Moving keeps the map's nodes, so the index stays valid; a copy would not.
  MapReader(MapReader&&) = default;
  MapReader& operator=(MapReader&&) = default;
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  bool Get(std::string_view key, std::string* value) const override {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    *value = *it->second;
    return true;
  }
  void Index() {
    index_.clear();
    for (const auto& [k, v] : data) index_.emplace(k, &v);
  }
  std::map<std::string, std::string, std::less<>> data;

 private:
  std::unordered_map<std::string_view, const std::string*> index_;
};

struct Workload {
  std::string name;
  std::vector<Transaction> txs;
  std::vector<const PreparedContract*> contracts;
  std::vector<uint8_t> signature_ok;
  MapReader state;

  BlockInput Input() const {
    BlockInput in;
    in.height = 1;
    in.time = 1;
    in.transactions = txs;
    in.contracts = contracts;
    in.signature_ok = signature_ok;
    in.state = &state;
    return in;
  }
};

std::shared_ptr<const PreparedContract> Prepare(const std::vector<uint8_t>& wasm) {
  std::shared_ptr<const PreparedContract> p;
  bench::CheckStatus("exec_bench", PrepareContract(wasm, VmLimits{}, &p));
  return p;
}

// An account's public key: 32 bytes derived from its number (signatures are not checked
// here, so no key pair is needed).
std::string PublicKey(size_t i) {
  std::string k(32, '\0');
  for (int b = 0; b < 8; ++b) k[b] = static_cast<char>(i >> (8 * b));
  k[31] = 1;
  return k;
}

Workload Transfers(const std::string& name, size_t n, const PreparedContract& token,
                   bool high_contention, std::mt19937_64& rng) {
  Workload w;
  w.name = name;
  Hash32 token_address;
  token_address.fill(0x70);
  const size_t accounts = high_contention ? 10000 : 2 * n;
  const size_t hot = high_contention ? accounts / 100 : 0;
  std::vector<Hash32> address(accounts);
  for (size_t i = 0; i < accounts; ++i) {
    address[i] = SenderAddress(PublicKey(i));
    w.state.data[StateKey(token_address, "b" + testing::AddressBytes(address[i]))] =
        U64(1'000'000'000'000);
  }
  auto pick = [&](bool hot_side) {
    if (hot_side && rng() % 10 != 0) return static_cast<size_t>(rng() % hot);
    return static_cast<size_t>(rng() % accounts);
  };
  // Each sender's next nonce (none is in the committed state: all start at 0); a hot
  // sender sends many transfers of a block, with consecutive nonces.
  std::vector<uint64_t> next_nonce(accounts);
  for (size_t i = 0; i < n; ++i) {
    const size_t from = high_contention ? pick(true) : 2 * i;
    const size_t to = high_contention ? pick(true) : 2 * i + 1;
    Transaction tx;
    tx.public_key = PublicKey(from);
    tx.nonce = next_nonce[from]++;
    tx.contract = token_address;
    tx.function = "transfer";
    tx.input = testing::AddressBytes(address[to]) + U64(1 + rng() % 1000);
    tx.gas_limit = 1'000'000;
    w.txs.push_back(std::move(tx));
    w.contracts.push_back(&token);
    w.signature_ok.push_back(1);
  }
  w.state.Index();
  return w;
}

Workload Swaps(size_t n, const PreparedContract& pool) {
  Workload w;
  w.name = "swap";
  Hash32 pool_address;
  pool_address.fill(0x50);
  w.state.data[StateKey(pool_address, "rx")] = U64(1'000'000'000'000);
  w.state.data[StateKey(pool_address, "ry")] = U64(1'000'000'000'000);
  for (size_t i = 0; i < n; ++i) {
    Transaction tx;
    tx.public_key = PublicKey(i);
    tx.contract = pool_address;
    tx.function = i % 2 == 0 ? "swap_x_for_y" : "swap_y_for_x";
    tx.input = U64(1000 + i % 977) + U64(0);
    tx.gas_limit = 1'000'000;
    w.txs.push_back(std::move(tx));
    w.contracts.push_back(&pool);
    w.signature_ok.push_back(1);
  }
  w.state.Index();
  return w;
}

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

struct Run {
  double seconds = 0;
  ExecutorStats stats;
  size_t ok = 0;
};

Run RunOnce(BlockExecutor& executor, const Workload& w) {
  const auto t0 = std::chrono::steady_clock::now();
  const BlockOutput out = executor.Execute(w.Input());
  Run r;
  r.seconds = Seconds(std::chrono::steady_clock::now() - t0);
  r.stats = executor.last_stats();
  for (const Receipt& rc : out.receipts) r.ok += rc.status == ReceiptStatus::kOk;
  return r;
}

void PrintRun(const Workload& w, const std::string& executor, size_t threads, const Run& r,
              size_t rounds, bool equal) {
  std::printf(
      "{\"bench\":\"exec\",\"workload\":\"%s\",\"executor\":\"%s\",\"threads\":%zu,"
      "\"txs\":%zu,\"ok\":%zu,\"seconds\":%.6f,\"tps\":%.0f,\"executions\":%llu,"
      "\"validations\":%llu,\"aborts\":%llu,\"suspensions\":%llu,\"setup_s\":%.6f,"
      "\"parallel_s\":%.6f,\"finish_s\":%.6f,\"rounds\":%zu,"
      "\"hardware_threads\":%u,\"equal_to_sequential\":%s}\n",
      w.name.c_str(), executor.c_str(), threads, w.txs.size(), r.ok, r.seconds,
      static_cast<double>(w.txs.size()) / r.seconds,
      static_cast<unsigned long long>(r.stats.executions),
      static_cast<unsigned long long>(r.stats.validations),
      static_cast<unsigned long long>(r.stats.aborts),
      static_cast<unsigned long long>(r.stats.suspensions), r.stats.setup_seconds,
      r.stats.parallel_seconds, r.stats.finish_seconds, rounds,
      std::thread::hardware_concurrency(), equal ? "true" : "false");
  std::fflush(stdout);
}

// --profile: Block-STM alone on B blocks of `w` at each thread count, nothing else, so
// that a profiler attached to the whole process sees the executor.
void ProfileBlockStm(const Workload& w, const Options& options) {
  for (size_t threads : options.threads) {
    auto stm = NewBlockStmExecutor(VmLimits{}, threads);
    stm->Execute(w.Input());  // warm-up: the VMs' instances, the slots
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t b = 0; b < options.profile_blocks; ++b) stm->Execute(w.Input());
    const double s = Seconds(std::chrono::steady_clock::now() - t0);
    std::printf(
        "{\"bench\":\"exec_profile\",\"workload\":\"%s\",\"executor\":\"block-stm\","
        "\"threads\":%zu,\"blocks\":%zu,\"tps\":%.0f}\n",
        w.name.c_str(), threads, options.profile_blocks,
        static_cast<double>(options.profile_blocks * w.txs.size()) / s);
    std::fflush(stdout);
  }
}

void BenchWorkload(const Workload& w, const Options& options) {
  if (options.profile_blocks > 0) return ProfileBlockStm(w, options);
  auto sequential = NewSequentialExecutor(VmLimits{});
  std::vector<std::unique_ptr<BlockExecutor>> stm;
  for (size_t t : options.threads) stm.push_back(NewBlockStmExecutor(VmLimits{}, t));
  // Last: the adaptive executor up to the most threads, measured in its steady state on a
  // stream of such blocks: it runs kAdaptiveWarmupBlocks of them first (from the most
  // threads it halves per block, so 16 threads reach the sequential executor in 4).
  const size_t max_threads = *std::max_element(options.threads.begin(), options.threads.end());
  stm.push_back(NewAdaptiveExecutor(VmLimits{}, max_threads));
  // Every executor's result is checked against the sequential one once. A workload's
  // transactions all take their senders' next nonces: none may be refused for its nonce.
  const BlockOutput reference = sequential->Execute(w.Input());
  for (const Receipt& r : reference.receipts) {
    if (r.status == ReceiptStatus::kBadNonce) {
      bench::CheckStatus("exec_bench", Status::Internal(w.name + ": BAD_NONCE: " + r.message));
    }
  }
  std::vector<bool> equal(stm.size());
  for (size_t i = 0; i < stm.size(); ++i) equal[i] = stm[i]->Execute(w.Input()) == reference;
  constexpr int kAdaptiveWarmupBlocks = 12;
  for (int i = 0; i < kAdaptiveWarmupBlocks; ++i) stm.back()->Execute(w.Input());

  std::vector<std::vector<Run>> runs(stm.size() + 1);
  for (size_t round = 0; round < options.rounds; ++round) {
    runs[0].push_back(RunOnce(*sequential, w));
    for (size_t i = 0; i < stm.size(); ++i) runs[i + 1].push_back(RunOnce(*stm[i], w));
  }
  auto median = [](std::vector<Run> v) {
    std::sort(v.begin(), v.end(), [](const Run& a, const Run& b) { return a.seconds < b.seconds; });
    return v[v.size() / 2];
  };
  PrintRun(w, "sequential", 1, median(runs[0]), options.rounds, true);
  for (size_t i = 0; i < stm.size(); ++i) {
    const bool adaptive = i == options.threads.size();
    PrintRun(w, adaptive ? "adaptive" : "block-stm",
             adaptive ? max_threads : options.threads[i], median(runs[i + 1]), options.rounds,
             equal[i]);
  }
}

// What the VM sees of a transaction when it runs outside an executor (block 0, time 0).
CallContext CallOf(const Transaction& tx) {
  CallContext c;
  c.caller = SenderAddress(tx.public_key);
  c.contract = tx.contract;
  c.function = tx.function;
  c.input = ByteView(reinterpret_cast<const uint8_t*>(tx.input.data()), tx.input.size());
  c.gas_limit = tx.gas_limit;
  return c;
}

void Breakdown(const Workload& low, const PreparedContract& token, const Options& options) {
  const size_t n = low.txs.size();
  ContractVm vm{VmLimits{}};
  auto noop = Prepare(testing::WatToWasm(R"((module (memory (export "memory") 1)
      (func (export "noop"))))"));
  MapState state;
  CallContext ctx;
  ctx.function = "noop";
  ctx.gas_limit = 1'000'000;
  auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; ++i) vm.Call(*noop, ctx, state);
  const double noop_us = Seconds(std::chrono::steady_clock::now() - t0) * 1e6 / n;

  // Transfers on a plain map: the VM and its host calls, no executor.
  for (const auto& [k, v] : low.state.data) state.data[k.substr(32)] = v;
  t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; ++i) vm.Call(token, CallOf(low.txs[i]), state);
  const double vm_us = Seconds(std::chrono::steady_clock::now() - t0) * 1e6 / n;

  auto sequential = NewSequentialExecutor(VmLimits{});
  auto stm1 = NewBlockStmExecutor(VmLimits{}, 1);
  std::vector<double> seq, stm;
  for (size_t r = 0; r < options.rounds; ++r) {
    seq.push_back(RunOnce(*sequential, low).seconds);
    stm.push_back(RunOnce(*stm1, low).seconds);
  }
  std::sort(seq.begin(), seq.end());
  std::sort(stm.begin(), stm.end());
  std::printf(
      "{\"bench\":\"exec_breakdown\",\"workload\":\"transfer_low\",\"txs\":%zu,"
      "\"vm_instantiate_noop_us\":%.2f,\"vm_transfer_on_map_us\":%.2f,"
      "\"sequential_us_per_tx\":%.2f,\"block_stm_1_thread_us_per_tx\":%.2f}\n",
      n, noop_us, vm_us, seq[seq.size() / 2] * 1e6 / n, stm[stm.size() / 2] * 1e6 / n);
}

// Committed state shared by every thread, read through its hash index as the executors
// read it (keys prefixed with the contract's address); each thread's writes go to its own
// overlay, which later reads of those keys see.
class OverlayState final : public HostState {
 public:
  explicit OverlayState(const StateReader& base) : base_(base) {}
  void set_contract(const Hash32& contract) { contract_ = contract; }

  ReadResult Read(std::string_view key, std::string* value) override {
    Key(key);
    if (auto it = overlay_.find(full_); it != overlay_.end()) {
      if (!it->second) return ReadResult::kAbsent;
      *value = *it->second;
      return ReadResult::kFound;
    }
    return base_.Get(full_, value) ? ReadResult::kFound : ReadResult::kAbsent;
  }
  void Write(std::string_view key, const std::string* value) override {
    Key(key);
    overlay_[full_] = value ? std::optional<std::string>(*value) : std::nullopt;
  }

 private:
  void Key(std::string_view key) {
    full_.assign(reinterpret_cast<const char*>(contract_.data()), contract_.size());
    full_.append(key);
  }
  const StateReader& base_;
  Hash32 contract_{};
  std::string full_;
  std::unordered_map<std::string, std::optional<std::string>> overlay_;
};

// The VM alone on t threads, no executor: each thread runs its share of the block's
// transfers on its own ContractVm, over either its own copy of the state in an ordered
// map ("private_map") or the block's committed state shared by all threads behind its
// hash index with a private overlay for writes ("shared_index", the reads an executor
// makes). How this scales bounds what any parallel executor can reach on the host.
void VmScaling(const Workload& low, const PreparedContract& token, const Options& options) {
  const size_t n = low.txs.size();
  std::map<std::string, std::string, std::less<>> unprefixed;
  for (const auto& [k, v] : low.state.data) unprefixed[k.substr(32)] = v;
  for (const bool shared : {false, true}) {
    for (size_t threads : options.threads) {
      std::vector<double> rounds;
      for (size_t r = 0; r < options.rounds; ++r) {
        // Each thread builds its VM and its state and makes one call (the contract's
        // instance) before the clock starts: only the block's calls are timed.
        std::latch ready(static_cast<std::ptrdiff_t>(threads) + 1);
        std::latch start(1);
        std::vector<std::thread> pool;
        for (size_t t = 0; t < threads; ++t) {
          pool.emplace_back([&, t] {
            ContractVm vm{VmLimits{}};
            MapState own;
            OverlayState overlay(low.state), scratch(low.state);
            if (!shared) own.data = unprefixed;
            HostState& state = shared ? static_cast<HostState&>(overlay) : own;
            scratch.set_contract(low.txs[t].contract);
            vm.Call(token, CallOf(low.txs[t]), scratch);
            ready.count_down();
            start.wait();
            for (size_t i = t; i < n; i += threads) {
              overlay.set_contract(low.txs[i].contract);
              vm.Call(token, CallOf(low.txs[i]), state);
            }
          });
        }
        ready.arrive_and_wait();
        const auto t0 = std::chrono::steady_clock::now();
        start.count_down();
        for (std::thread& th : pool) th.join();
        rounds.push_back(Seconds(std::chrono::steady_clock::now() - t0));
      }
      std::sort(rounds.begin(), rounds.end());
      std::printf(
          "{\"bench\":\"exec_vm_scaling\",\"workload\":\"transfer_low\",\"state\":\"%s\","
          "\"threads\":%zu,\"txs\":%zu,\"tps\":%.0f}\n",
          shared ? "shared_index" : "private_map", threads, n,
          static_cast<double>(n) / rounds[rounds.size() / 2]);
      std::fflush(stdout);
    }
  }
}

// The host's own scaling, for reading exec_vm_scaling: t threads each run the same fixed
// work, and the aggregate rate is compared with one thread's. "alu" is register-only
// integer work (four independent multiply-xorshift chains: no memory traffic, so it
// shows clock and shared-core effects alone); "copy_64k" copies a 64 KiB buffer over
// another, what ContractVm does to restore a one-page contract's memory after each call
// (each thread's two buffers stay in its core's L2). Neither shares data between threads.
volatile uint64_t g_host_scaling_sink = 0;

void HostScaling(const Options& options) {
  struct Probe {
    const char* name;
    uint64_t units;  // per thread
    uint64_t (*run)(uint64_t units, uint64_t seed);
  };
  const Probe probes[] = {
      {"alu", 20'000'000,
       [](uint64_t units, uint64_t seed) {
         uint64_t a = seed, b = seed ^ 0x9e3779b97f4a7c15, c = seed + 1, d = seed * 3;
         for (uint64_t i = 0; i < units; ++i) {
           a = (a ^ (a >> 29)) * 0xbf58476d1ce4e5b9;
           b = (b ^ (b >> 31)) * 0x94d049bb133111eb;
           c = (c ^ (c >> 27)) * 0xbf58476d1ce4e5b9;
           d = (d ^ (d >> 30)) * 0x94d049bb133111eb;
         }
         return a ^ b ^ c ^ d;
       }},
      {"copy_64k", 40'000,
       [](uint64_t units, uint64_t seed) {
         std::vector<uint8_t> from(64 * 1024, static_cast<uint8_t>(seed)), to(64 * 1024);
         uint64_t sum = 0;
         for (uint64_t i = 0; i < units; ++i) {
           from[i % from.size()] = static_cast<uint8_t>(i);
           std::memcpy(to.data(), from.data(), to.size());
           sum += to[(i * 7919) % to.size()];
         }
         return sum;
       }},
  };
  for (const Probe& probe : probes) {
    double one_thread_rate = 0;
    for (size_t threads : options.threads) {
      std::vector<double> rounds;
      std::vector<uint64_t> sink(threads);
      for (size_t r = 0; r < options.rounds; ++r) {
        std::vector<std::thread> pool;
        const auto t0 = std::chrono::steady_clock::now();
        for (size_t t = 0; t < threads; ++t) {
          pool.emplace_back([&, t] { sink[t] = probe.run(probe.units, t + 1); });
        }
        for (std::thread& th : pool) th.join();
        rounds.push_back(Seconds(std::chrono::steady_clock::now() - t0));
      }
      std::sort(rounds.begin(), rounds.end());
      const double rate =
          static_cast<double>(probe.units * threads) / rounds[rounds.size() / 2];
      if (threads == 1) one_thread_rate = rate;
      for (uint64_t v : sink) g_host_scaling_sink = g_host_scaling_sink ^ v;  // keeps the work
      std::printf(
          "{\"bench\":\"exec_host_scaling\",\"probe\":\"%s\",\"threads\":%zu,"
          "\"units_per_s\":%.4g,\"vs_1_thread\":%.2f}\n",
          probe.name, threads, rate, one_thread_rate > 0 ? rate / one_thread_rate : 0.0);
      std::fflush(stdout);
    }
  }
}

// The daemon's block path, in process, wired as server.cc wires it: the CPU engine on
// every hardware thread, every GPU that passes its self-test, the hybrid scheduler with its
// default options and cost lines (no calibration), and an ExecutionEngine (Block-STM at
// `threads`) over RocksDB in a temporary folder, handing its signature, proof and
// state-root batches to the scheduler. The token example is deployed.
struct BlockPath {
  // `before_open` (when set) is called with the database's folder and the token's address
  // before the engine opens it, and so before the token is deployed.
  // Block-STM at the most of options.threads; the tier, cache and tree options as given.
  explicit BlockPath(const Options& options,
                     const std::function<void(const std::string& db, const Hash32& token)>& before_open = {})
      : threads(*std::max_element(options.threads.begin(), options.threads.end())),
        aot(options.aot),
        cache_bytes(options.cache_bytes),
        warm(options.warm_cache),
        tree_threads(options.tree_threads),
        tree_nodes_in_log(options.tree_nodes_in_log) {
    std::vector<Engine*> engines{&cpu};
    for (Engine* gpu : gpus.engines()) engines.push_back(gpu);
    scheduler = std::make_unique<HybridScheduler>(engines, HybridScheduler::Options{});
    scheduled = std::make_unique<ScheduledEngine>(*scheduler);
    const std::vector<uint8_t> wasm = testing::ExampleContract("token");
    token = ContractAddress(CodeHash(wasm), {});
    if (before_open) before_open(dir.Sub("db"), token);
    Open();
    Hash32 code, address;
    bench::CheckStatus("exec_bench", engine->Deploy(wasm, {}, &address, &code));
    if (address != token) bench::CheckStatus("exec_bench", Status::Internal("token address"));
    engine->DrainAot();  // every contract on its tier before the first block
  }

  // Opens `engine` on the database in `dir` (a new one, or the one the last engine left).
  void Open() {
    ExecutionOptions eo;
    eo.db_path = dir.Sub("db");
    eo.executor = ExecutorKind::kBlockStm;
    eo.threads = threads;
    eo.state_cache_bytes = cache_bytes;
    eo.warm_state_cache_on_open = warm;
    eo.tree_threads = tree_threads;
    eo.tree_nodes_in_log = tree_nodes_in_log;
    if (aot) {
      eo.aot = AotOptions{};
      eo.aot->cache_dir = dir.Sub("aot");
      std::string why;
      if (!AotToolsPresent(*eo.aot, &why)) {
        std::fprintf(stderr, "exec_bench: --aot on: %s\n", why.c_str());
        std::exit(1);
      }
      eo.aot->on_build = [](const AotBuildReport& r) {
        if (!r.ok) std::fprintf(stderr, "exec_bench: AOT build failed: %s\n", r.error.c_str());
      };
    }
    bench::CheckStatus("exec_bench", ExecutionEngine::Open(eo, scheduled.get(), &engine));
    engine->DrainAot();
  }

  // Executes the next block; the wall time goes to *seconds.
  BlockResult Execute(const std::vector<Transaction>& block, double* seconds) {
    BlockResult r;
    const uint64_t height = engine->height() + 1;
    const auto t0 = std::chrono::steady_clock::now();
    bench::CheckStatus("exec_bench", engine->ExecuteBlock(height, height, std::nullopt, block, &r));
    *seconds = Seconds(std::chrono::steady_clock::now() - t0);
    return r;
  }

  CpuEngine cpu{CpuEngine::Options{0}};
  DevicePool gpus{DevicePool::Options{}};
  std::unique_ptr<HybridScheduler> scheduler;
  std::unique_ptr<ScheduledEngine> scheduled;
  testing::TempDir dir;
  std::unique_ptr<ExecutionEngine> engine;
  Hash32 token{};
  const size_t threads;
  const bool aot;
  const size_t cache_bytes;
  const bool warm;
  const size_t tree_threads;
  const bool tree_nodes_in_log;
};

size_t OkCount(const BlockResult& r) {
  size_t ok = 0;
  for (const Receipt& rc : r.receipts) ok += rc.status == ReceiptStatus::kOk;
  return ok;
}

// Block 1 mints to n signed senders, block 2 has each of them transfer to a distinct
// receiver (transfer_low with real Ed25519 signatures). Prints where each block's time
// went.
void Pipeline(const Options& options) {
  const size_t n = options.txs;
  BlockPath path(options);
  std::mt19937_64 rng(7);
  std::vector<testing::Account> senders, receivers;
  for (size_t i = 0; i < n; ++i) {
    senders.push_back(testing::MakeAccount(rng));
    receivers.push_back(testing::MakeAccount(rng));
  }
  std::vector<std::vector<Transaction>> blocks(1 + options.rounds);
  for (size_t i = 0; i < n; ++i) {
    blocks[0].push_back(
        testing::SignedCall(senders[i], path.token, "mint", U64(1'000'000), 1'000'000, 0));
    for (size_t b = 1; b < blocks.size(); ++b) {
      blocks[b].push_back(testing::SignedCall(
          senders[i], path.token, "transfer",
          testing::AddressBytes(receivers[i].address) + U64(1 + i % 1000), 1'000'000, b));
    }
  }
  for (size_t b = 0; b < blocks.size(); ++b) {
    double total = 0;
    const BlockResult r = path.Execute(blocks[b], &total);
    std::printf(
        "{\"bench\":\"exec_pipeline\",\"block\":\"%s\",\"aot\":%s,\"txs\":%zu,"
        "\"ok\":%zu,\"executor\":\"block-stm\",\"threads\":%zu,\"cpu_engine_threads\":%u,"
        "\"gpus\":%zu,"
        "\"seconds\":%.6f,\"tps\":%.0f,\"verify_s\":%.6f,\"execute_s\":%.6f,\"root_s\":%.6f,"
        "\"commit_s\":%.6f,\"state_keys_after\":%zu}\n",
        b == 0 ? "mint" : "transfer", path.aot ? "true" : "false", n, OkCount(r), path.threads, path.cpu.info().threads,
        path.gpus.engines().size(), total, static_cast<double>(n) / total,
        r.timings.verify_seconds, r.timings.execute_seconds, r.timings.root_seconds,
        r.timings.commit_seconds, static_cast<size_t>(b == 0 ? n : 2 * n));
    std::fflush(stdout);
  }
}

// ---- "scale": the block path over large states ---------------------------------------

// Account i of a large state: not a key pair (only the senders sign), just an address
// the token holds a balance for. Its state key's path (SHA-256 of it) is uniform anyway.
Hash32 StateAccount(uint64_t i) {
  Hash32 a;
  a.fill(0xA5);
  for (int b = 0; b < 8; ++b) a[b] = static_cast<uint8_t>(i >> (8 * b));
  return a;
}

std::string BalanceKey(const Hash32& token, const Hash32& account) {
  return StateKey(token, "b" + testing::AddressBytes(account));
}

// Writes balances for accounts [0, accounts) and for `senders` straight into the store
// at path.dir's database (the engine closed meanwhile), in blocks of 100,000 writes whose
// tree nodes are hashed on the CPU engine's threads, pipelined as the engine does it: the
// tree update of block h + 1, on top of block h (StateStore::UpdateTree's `below`), runs
// beside block h's synced write. Returns the seconds it took.
double FillState(BlockPath& path, uint64_t accounts, const std::vector<testing::Account>& senders) {
  const auto t0 = std::chrono::steady_clock::now();
  path.engine.reset();
  std::unique_ptr<StateStore> store;
  bench::CheckStatus("exec_bench",
                     StateStore::Open(path.dir.Sub("db"), &store, nullptr, path.cache_bytes));
  const std::string balance = testing::U64(1'000'000'000);
  uint64_t next = 0;
  size_t sender = 0;
  EngineNodeHasher hasher(path.cpu);
  // Two blocks at a time: the one being written (below) and the one updated on it.
  std::array<WriteSet, 2> writes;
  std::array<TreeUpdate, 2> updates;
  bool pending = false;  // writes[below] / updates[below] wait for their commit
  size_t below = 0;
  while (next < accounts || sender < senders.size()) {
    const size_t k = pending ? 1 - below : 0;
    WriteSet& w = writes[k];
    w.clear();
    for (; w.size() < 100000 && next < accounts; ++next) {
      w.emplace_back(BalanceKey(path.token, StateAccount(next)), balance);
    }
    for (; w.size() < 100000 && sender < senders.size(); ++sender) {
      w.emplace_back(BalanceKey(path.token, senders[sender].address), balance);
    }
    std::sort(w.begin(), w.end());
    if (!pending) {
      bench::CheckStatus("exec_bench", store->UpdateTree(w, hasher, &updates[k]));
    } else {
      Status persisted;
      std::thread writer([&] {
        const uint64_t height = store->height() + 1;
        persisted = store->Persist(height, writes[below], updates[below]);
      });
      Status updated = store->UpdateTree(w, hasher, &updates[k], &updates[below]);
      writer.join();
      bench::CheckStatus("exec_bench", persisted);
      bench::CheckStatus("exec_bench", updated);
      store->Apply(store->height() + 1, writes[below], updates[below]);
    }
    below = k;
    pending = true;
  }
  if (pending) {
    const uint64_t height = store->height() + 1;
    bench::CheckStatus("exec_bench", store->Persist(height, writes[below], updates[below]));
    store->Apply(height, writes[below], updates[below]);
  }
  store.reset();
  path.Open();
  return Seconds(std::chrono::steady_clock::now() - t0);
}

// Imports balances for accounts [0, accounts) and for `senders` into a new database at
// `db` as block 1 (ImportState: the state records, and the tree built bottom-up, every
// node written once), in 256 parts on `threads` threads (0: every hardware thread);
// prints an exec_scale_import line. Returns the seconds it took.
double ImportAccounts(const std::string& db, const Hash32& token, uint64_t accounts,
                      const std::vector<testing::Account>& senders, size_t threads) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string balance = testing::U64(1'000'000'000);
  ImportOptions options;
  options.parts = 256;
  options.threads = threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
  ImportResult r;
  bench::CheckStatus("exec_bench", ImportState(
      db,
      [&](size_t part, const StateVisitor& visit) {
        for (uint64_t i = part; i < accounts; i += options.parts) {
          visit(BalanceKey(token, StateAccount(i)), balance);
        }
        for (size_t i = part; i < senders.size(); i += options.parts) {
          visit(BalanceKey(token, senders[i].address), balance);
        }
        return Status::Ok();
      },
      options, &r));
  const double seconds = Seconds(std::chrono::steady_clock::now() - t0);
  std::printf(
      "{\"bench\":\"exec_scale_import\",\"accounts\":%llu,\"keys\":%llu,\"nodes\":%llu,"
      "\"threads\":%zu,\"seconds\":%.2f,\"read_s\":%.2f,\"tree_s\":%.2f,"
      "\"flush_s\":%.2f,\"write_stall_s\":%.2f,\"peak_rss_mib\":%.0f}\n",
      static_cast<unsigned long long>(accounts), static_cast<unsigned long long>(r.keys),
      static_cast<unsigned long long>(r.nodes), options.threads, seconds, r.read_s, r.tree_s,
      r.flush_s, r.write_stall_s, bench::PeakRssMiB());
  std::fflush(stdout);
  return seconds;
}

// The store's counters between two blocks: the cache's hit rate, RocksDB's backlog.
struct StoreReading {
  StateCache::Stats cache;
  StateStore::StorageStats storage;
};

StoreReading ReadStore(const ExecutionEngine& engine) {
  return {engine.state_cache_stats(), engine.storage_stats()};
}

// The state cache's hit rate between two readings of its counters.
double HitRate(const StateCache::Stats& before, const StateCache::Stats& after) {
  const double hits =
      static_cast<double>(after.hits[0] + after.hits[1] - before.hits[0] - before.hits[1]);
  const double misses = static_cast<double>(after.misses[0] + after.misses[1] -
                                            before.misses[0] - before.misses[1]);
  return hits / std::max(1.0, hits + misses);
}

// One exec_scale line: block `round`'s phases; `seconds` its wall time (one at a time) or
// the time since the block before it was answered (pipelined); the store read before and
// after it (RocksDB's level 0, memtables waiting for a flush and compaction debt after
// it, its writes' stall time during it).
void PrintScaleBlock(const Options& options, const BlockPath& path, uint64_t accounts,
                     double fill_seconds, size_t round, bool pipelined, const BlockResult& r,
                     double seconds, const StoreReading& before, const StoreReading& after) {
  const StateStore::StorageStats& db = after.storage;
  const size_t n = options.txs;
  std::printf(
      "{\"bench\":\"exec_scale\",\"accounts\":%llu,\"fill_s\":%.1f,\"round\":%zu,"
      "\"tree_nodes_in_log\":%s,\"pipelined\":%s,\"on_uncommitted\":%s,"
      "\"txs\":%zu,\"ok\":%zu,\"threads\":%zu,\"cpu_engine_threads\":%u,\"gpus\":%zu,"
      "\"seconds\":%.6f,\"tps\":%.0f,\"verify_s\":%.6f,\"execute_s\":%.6f,"
      "\"root_s\":%.6f,\"commit_s\":%.6f,\"root_changes_s\":%.6f,\"root_read_ahead_s\":%.6f,"
      "\"root_update_s\":%.6f,\"root_hash_s\":%.6f,\"root_hasher_s\":%.6f,\"persist_s\":%.6f,\"commit_wait_s\":%.6f,"
      "\"persist_old_values_s\":%.6f,\"persist_encode_s\":%.6f,\"persist_marker_build_s\":%.6f,"
      "\"persist_intent_s\":%.6f,\"persist_parts_s\":%.6f,\"persist_marker_write_s\":%.6f,"
      "\"cache_mib\":%.0f,\"cache_hit_rate\":%.3f,\"rss_mib\":%.0f,\"peak_rss_mib\":%.0f,"
      "\"db_level0_files\":%llu,\"db_immutable_memtables\":%llu,\"db_pending_compaction_mib\":%.0f,"
      "\"db_tables_mib\":%.0f,\"db_log_mib\":%.1f,\"db_write_stall_s\":%.6f}\n",
      static_cast<unsigned long long>(accounts), fill_seconds, round,
      options.tree_nodes_in_log ? "true" : "false", pipelined ? "true" : "false", r.pipelined ? "true" : "false", n, OkCount(r), path.threads,
      path.cpu.info().threads, path.gpus.engines().size(), seconds,
      static_cast<double>(n) / seconds, r.timings.verify_seconds, r.timings.execute_seconds,
      r.timings.root_seconds, r.timings.commit_seconds, r.timings.root_phases.changes_s,
      r.timings.root_phases.read_ahead_s, r.timings.root_phases.update_s,
      r.timings.root_phases.hash_s, r.timings.root_phases.hasher_s, r.timings.persist_seconds, r.timings.pipeline_wait_seconds,
      r.timings.persist_phases.old_values_s, r.timings.persist_phases.encode_s,
      r.timings.persist_phases.marker_build_s, r.timings.persist_phases.intent_s,
      r.timings.persist_phases.parts_s, r.timings.persist_phases.marker_write_s,
      static_cast<double>(options.cache_bytes) / (1 << 20), HitRate(before.cache, after.cache),
      bench::CurrentRssMiB(), bench::PeakRssMiB(),
      static_cast<unsigned long long>(db.level0_files),
      static_cast<unsigned long long>(db.immutable_memtables),
      static_cast<double>(db.pending_compaction_bytes) / (1 << 20),
      static_cast<double>(db.table_bytes) / (1 << 20),
      static_cast<double>(db.log_bytes - before.storage.log_bytes) / (1 << 20),
      static_cast<double>(db.write_stall_micros - before.storage.write_stall_micros) * 1e-6);
  std::fflush(stdout);
}

// "scale" (exec_scale lines): for each --accounts size, a fresh daemon block path (as
// "pipeline"), a state of that many token balances (FillState), then --rounds blocks of
// --txs signed transfers, one from each of --txs keyed senders (nonces 0, 1, ...) to a
// random account of the state, so that reads and tree paths fall all over the state. Each
// block's phases, the state root update among them, the state cache's hit rate over the
// block, and the process's resident memory after the block (rss_mib) and its peak so far
// (the whole process: the import's or fill's included). The blocks run one at a time (ExecuteBlock), then (--pipelined
// on, the default) --rounds more are pipelined as a node that has the next block at hand
// sends them: block h + 1 is begun (BeginBlock) before block h is answered (FinishBlock),
// so h's commit overlaps h + 1's execution; every block is built and signed before the
// first is begun, and a line's seconds are the time since the block before was answered
// (its transfers/s the pipeline's rate), the exec_scale_pipelined line the whole run's.
void Scale(const Options& options) {
  const size_t n = options.txs;
  std::mt19937_64 rng(13);
  std::vector<testing::Account> senders;
  for (size_t i = 0; i < n; ++i) senders.push_back(testing::MakeAccount(rng));
  for (uint64_t accounts : options.accounts) {
    double fill_seconds = 0;
    std::function<void(const std::string&, const Hash32&)> import;
    if (options.fill == "import") {
      import = [&](const std::string& db, const Hash32& token) {
        fill_seconds = ImportAccounts(db, token, accounts, senders, options.import_threads);
      };
    }
    BlockPath path(options, import);
    if (const auto& warm = path.engine->warm_up(); warm.has_value()) {
      bench::CheckStatus("exec_bench", warm->status);
      const auto& r = warm->report;
      std::printf(
          "{\"bench\":\"exec_scale_warm\",\"accounts\":%llu,\"nodes\":%llu,\"cache_mib\":%.1f,"
          "\"node_cache_capacity_mib\":%.1f,\"whole_levels\":%u,\"whole_tree\":%s,"
          "\"seconds\":%.3f}\n",
          static_cast<unsigned long long>(accounts), static_cast<unsigned long long>(r.nodes),
          static_cast<double>(r.cache_bytes) / (1 << 20),
          static_cast<double>(r.cache_capacity) / (1 << 20), r.whole_levels,
          r.whole_tree ? "true" : "false", r.seconds);
      std::fflush(stdout);
    }
    double seconds = 0;
    path.Execute({}, &seconds);  // the deployment's block
    if (options.fill == "blocks") fill_seconds = FillState(path, accounts, senders);
    // Block `round`: nonce `round` of every sender.
    auto transfers = [&](size_t round) {
      std::vector<Transaction> block;
      for (size_t i = 0; i < n; ++i) {
        block.push_back(testing::SignedCall(
            senders[i], path.token, "transfer",
            testing::AddressBytes(StateAccount(rng() % accounts)) + U64(1), 1'000'000, round));
      }
      return block;
    };
    for (size_t round = 0; round < options.rounds; ++round) {
      const std::vector<Transaction> block = transfers(round);
      const StoreReading before = ReadStore(*path.engine);
      const BlockResult r = path.Execute(block, &seconds);
      PrintScaleBlock(options, path, accounts, fill_seconds, round, false, r, seconds, before,
                      ReadStore(*path.engine));
    }
    if (!options.pipelined) continue;
    std::vector<std::vector<Transaction>> blocks;
    for (size_t round = options.rounds; round < 2 * options.rounds; ++round) {
      blocks.push_back(transfers(round));
    }
    const uint64_t first = path.engine->height() + 1;
    const auto start = std::chrono::steady_clock::now();
    auto answered = start;
    StoreReading before = ReadStore(*path.engine);
    std::shared_ptr<BlockInFlight> below;
    auto finish = [&](size_t round) {
      BlockResult r;
      bench::CheckStatus("exec_bench", path.engine->FinishBlock(below, &r));
      const auto now = std::chrono::steady_clock::now();
      const StoreReading after = ReadStore(*path.engine);
      PrintScaleBlock(options, path, accounts, fill_seconds, round, true, r,
                      Seconds(now - answered), before, after);
      answered = now;
      before = after;
    };
    for (size_t k = 0; k < blocks.size(); ++k) {
      std::shared_ptr<BlockInFlight> begun;
      bench::CheckStatus("exec_bench", path.engine->BeginBlock(first + k, first + k, std::nullopt,
                                                               std::move(blocks[k]), &begun));
      if (below != nullptr) finish(options.rounds + k - 1);
      below = std::move(begun);
    }
    finish(2 * options.rounds - 1);
    const double total = Seconds(std::chrono::steady_clock::now() - start);
    std::printf(
        "{\"bench\":\"exec_scale_pipelined\",\"accounts\":%llu,\"blocks\":%zu,\"txs\":%zu,"
        "\"seconds\":%.6f,\"tps\":%.0f}\n",
        static_cast<unsigned long long>(accounts), options.rounds, n, total,
        static_cast<double>(n * options.rounds) / total);
    std::fflush(stdout);
  }
}

// Public signals of the proof benchmarks' key, and its size.
constexpr uint32_t kProofSignals = 4;

std::vector<Hash32> RandomSignals(std::mt19937_64& rng) {
  std::vector<Hash32> signals;
  for (uint32_t k = 0; k < kProofSignals; ++k) signals.push_back(testing::Signal(rng()));
  return signals;
}

// One exec_proof_block line: a block's phases (total, signatures, proofs, execute, root,
// commit), `what` "block" or "median".
void PrintProofBlock(const char* what, const BlockPath& path, size_t txs, size_t proofs,
                     const std::array<double, 6>& p) {
  std::printf(
      "{\"bench\":\"exec_proof_block\",\"what\":\"%s\",\"txs\":%zu,\"proofs\":%zu,"
      "\"signals\":%u,\"threads\":%zu,\"cpu_engine_threads\":%u,\"gpus\":%zu,"
      "\"seconds\":%.6f,\"signatures_s\":%.6f,\"proofs_s\":%.6f,\"execute_s\":%.6f,"
      "\"root_s\":%.6f,\"commit_s\":%.6f}\n",
      what, txs, proofs, kProofSignals, path.threads, path.cpu.info().threads,
      path.gpus.engines().size(), p[0], p[1], p[2], p[3], p[4], p[5]);
  std::fflush(stdout);
}

// Seconds to verify proofs [begin, end) of `proofs` as one ProofVerifyTask on `engine`.
double VerifyTask(Engine& engine, const std::shared_ptr<const Groth16VerifyingKeyData>& key,
                  const std::vector<TransactionProof>& proofs, size_t begin, size_t end) {
  ProofBatch batch;
  for (size_t i = begin; i < end; ++i) batch.Add(proofs[i]);
  std::vector<ItemStatus> status;
  const auto t0 = std::chrono::steady_clock::now();
  bench::CheckStatus("exec_bench", batch.Verify(engine, key, &status));
  const double seconds = Seconds(std::chrono::steady_clock::now() - t0);
  for (ItemStatus s : status) {
    if (s != ItemStatus::kOk) bench::CheckStatus("exec_bench", Status::Internal("a proof failed"));
  }
  return seconds;
}

// "proof_verify": --proofs proofs of one key verified on the CPU engine (1 thread, then
// every hardware thread) as one batch (one task: random linear combinations of 64) and
// one by one (a task per proof); the median of --rounds, per proof.
void ProofVerifyBatchVsSingle(const Options& options) {
  std::mt19937_64 rng(13);
  testing::TestVerifyingKey key(kProofSignals, 14);
  auto data = std::make_shared<Groth16VerifyingKeyData>();
  bench::CheckStatus("exec_bench", VerifyingKeyDataFromEncoding(key.encoding(), data.get()));
  std::vector<TransactionProof> proofs;
  for (size_t i = 0; i < options.proofs; ++i) proofs.push_back(key.Prove(RandomSignals(rng)));
  for (uint32_t threads : {1u, 0u}) {
    CpuEngine cpu(CpuEngine::Options{threads});
    std::vector<double> batch, single;
    for (size_t round = 0; round < options.rounds; ++round) {
      batch.push_back(VerifyTask(cpu, data, proofs, 0, proofs.size()));
      double one_by_one = 0;
      for (size_t i = 0; i < proofs.size(); ++i) one_by_one += VerifyTask(cpu, data, proofs, i, i + 1);
      single.push_back(one_by_one);
    }
    for (auto* v : {&batch, &single}) std::sort(v->begin(), v->end());
    const double b = batch[batch.size() / 2], s = single[single.size() / 2];
    std::printf(
        "{\"bench\":\"exec_proof_verify\",\"proofs\":%zu,\"signals\":%u,"
        "\"cpu_engine_threads\":%u,\"batch_s\":%.6f,\"batch_ms_per_proof\":%.4f,"
        "\"single_s\":%.6f,\"single_ms_per_proof\":%.4f,\"speedup\":%.2f,\"rounds\":%zu}\n",
        proofs.size(), kProofSignals, cpu.info().threads, b, 1000 * b / proofs.size(), s,
        1000 * s / proofs.size(), s / b, options.rounds);
    std::fflush(stdout);
  }
}

// "proofs": the daemon's block path on blocks of --proof-block signed token transfers, of
// which --proofs (spread evenly) carry a valid Groth16 proof under a key of 4 public
// signals registered in block 1. --rounds blocks; prints each block's phases (the proof
// batches run beside the signature batches, so the two overlap) and their medians.
// Transfers by each of `senders` (nonce `nonce`) to the next one; `proofs` of them, spread
// evenly, carry a fresh proof under `key`.
std::vector<Transaction> ProofBlock(const std::vector<testing::Account>& senders,
                                    const Hash32& token, testing::TestVerifyingKey& key,
                                    size_t proofs, uint64_t nonce, std::mt19937_64& rng) {
  const size_t n = senders.size();
  const size_t every = std::max<size_t>(1, n / std::max<size_t>(1, proofs));
  std::vector<Transaction> block;
  for (size_t i = 0; i < n; ++i) {
    const std::string input = testing::AddressBytes(senders[(i + 1) % n].address) + U64(1);
    block.push_back(i % every == 0 && i / every < proofs
                        ? testing::SignedProofCall(senders[i], token, "transfer", input, 1'000'000,
                                                   nonce, key.Prove(RandomSignals(rng)))
                        : testing::SignedCall(senders[i], token, "transfer", input, 1'000'000,
                                              nonce));
  }
  return block;
}

// Block 1 registers `key` and mints to n new senders, whom it returns.
std::vector<testing::Account> ProofSetup(BlockPath& path, const testing::TestVerifyingKey& key,
                                         size_t n, std::mt19937_64& rng) {
  std::vector<testing::Account> senders;
  std::vector<Transaction> setup = {testing::RegisterKey(testing::MakeAccount(rng), key.encoding(), 0)};
  for (size_t i = 0; i < n; ++i) {
    senders.push_back(testing::MakeAccount(rng));
    setup.push_back(testing::SignedCall(senders[i], path.token, "mint", U64(1'000'000), 1'000'000, 0));
  }
  double seconds = 0;
  if (OkCount(path.Execute(setup, &seconds)) != n + 1) {
    bench::CheckStatus("exec_bench", Status::Internal("a transaction of the setup block failed"));
  }
  return senders;
}

void ProofPipeline(const Options& options) {
  BlockPath path(options);
  std::mt19937_64 rng(11);
  testing::TestVerifyingKey key(kProofSignals, 12);
  const size_t n = options.proof_block_txs;
  const std::vector<testing::Account> senders = ProofSetup(path, key, n, rng);
  std::vector<std::array<double, 6>> phases;  // total, signatures, proofs, execute, root, commit
  for (size_t round = 0; round < options.rounds; ++round) {
    double seconds = 0;
    const BlockResult r =
        path.Execute(ProofBlock(senders, path.token, key, options.proofs, round + 1, rng), &seconds);
    if (OkCount(r) != n) {
      bench::CheckStatus("exec_bench", Status::Internal("a transaction of a proof block failed"));
    }
    const BlockResult::Timings& t = r.timings;
    phases.push_back({seconds, t.verify_seconds, t.proof_seconds, t.execute_seconds,
                      t.root_seconds, t.commit_seconds});
    PrintProofBlock("block", path, n, options.proofs, phases.back());
  }
  std::array<double, 6> median{};
  for (size_t k = 0; k < median.size(); ++k) {
    std::vector<double> v;
    for (const auto& p : phases) v.push_back(p[k]);
    std::sort(v.begin(), v.end());
    median[k] = v[v.size() / 2];
  }
  PrintProofBlock("median", path, n, options.proofs, median);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--txs") {
      o.txs = std::stoul(value);
    } else if (flag == "--pipelined") {
      o.pipelined = value != "off";
    } else if (flag == "--rounds") {
      o.rounds = std::max<size_t>(1, std::stoul(value));
    } else if (flag == "--threads") {
      o.threads.clear();
      for (const std::string& t : chainaccel::SplitList(value)) o.threads.push_back(std::stoul(t));
    } else if (flag == "--profile") {
      o.profile_blocks = std::stoul(value);
    } else if (flag == "--proof-block") {
      o.proof_block_txs = std::stoul(value);
    } else if (flag == "--proofs") {
      o.proofs = std::stoul(value);
    } else if (flag == "--aot") {
      o.aot = value == "on";
    } else if (flag == "--tree-threads") {
      o.tree_threads = std::stoul(value);
    } else if (flag == "--tree-nodes-in-log") {
      o.tree_nodes_in_log = value == "on";
    } else if (flag == "--warm-cache") {
      o.warm_cache = value != "off";
    } else if (flag == "--cache-bytes") {
      o.cache_bytes = std::stoull(value);
    } else if (flag == "--accounts") {
      o.accounts.clear();
      for (const std::string& a : chainaccel::SplitList(value)) {
        o.accounts.push_back(static_cast<uint64_t>(std::stod(a)));
      }
    } else if (flag == "--import-threads") {
      o.import_threads = std::stoul(value);
    } else if (flag == "--fill") {
      o.fill = value;
      if (o.fill != "import" && o.fill != "blocks") {
        std::fprintf(stderr, "exec_bench: --fill import|blocks\n");
        std::exit(2);
      }
    } else if (flag == "--workloads") {
      o.workloads = chainaccel::SplitList(value);
    } else {
      std::fprintf(stderr, "exec_bench: unknown flag %s\n", flag.c_str());
      std::exit(2);
    }
  }
  return o;
}

}  // namespace
}  // namespace chainaccel::exec

int main(int argc, char** argv) {
  using namespace chainaccel::exec;
  const Options options = ParseOptions(argc, argv);
  auto token = Prepare(testing::ExampleContract("token"));
  auto pool = Prepare(testing::ExampleContract("swap"));
  std::mt19937_64 rng(42);
  std::unique_ptr<Workload> low;
  for (const std::string& name : options.workloads) {
    if (name == "transfer_low") {
      low = std::make_unique<Workload>(Transfers(name, options.txs, *token, false, rng));
      BenchWorkload(*low, options);
    } else if (name == "transfer_high") {
      BenchWorkload(Transfers(name, options.txs, *token, true, rng), options);
    } else if (name == "swap") {
      BenchWorkload(Swaps(options.txs, *pool), options);
    } else if (name == "pipeline" && options.profile_blocks == 0) {
      Pipeline(options);
    } else if (name == "scale" && options.profile_blocks == 0) {
      Scale(options);
    } else if (name == "proofs" && options.profile_blocks == 0) {
      ProofPipeline(options);
    } else if (name == "proof_verify" && options.profile_blocks == 0) {
      ProofVerifyBatchVsSingle(options);
    }
  }
  if (low && options.profile_blocks == 0) {
    Breakdown(*low, *token, options);
    VmScaling(*low, *token, options);
    HostScaling(options);
  }
  return 0;
}
