// Metrics: the daemon's Prometheus metrics and their HTTP exposer.
//
//   chainaccel_requests_total{method,code}            RPCs finished, by gRPC status code
//   chainaccel_items_total{method,status}             batch items, by item status
//   chainaccel_request_duration_seconds{method}       RPC latency, arrival to finish
//   chainaccel_received_bytes_total{method}           request message bytes
//   chainaccel_sent_bytes_total{method}               response message bytes
//   chainaccel_in_flight_requests                     RPCs being served
//   chainaccel_gpu_degraded                           1 while GPUs are expected and none
//                                                     is in service (gpu_readiness.h)
//   chainaccel_engine_busy_seconds_total{engine}      summed wall time of engine batches
//   chainaccel_engine_batches_total{engine}           batches run by each engine
//   chainaccel_engine_items_total{engine}             items run by each engine
//   chainaccel_engine_faults_total{engine}            batches failed by a device fault
//   chainaccel_engine_healthy{engine}                 1 when the engine takes work
//   chainaccel_execution_aot_compiles_total{result}   ahead-of-time builds and cache loads
//   chainaccel_execution_aot_compile_seconds          time of each ahead-of-time build
//   chainaccel_execution_contract_calls_total{tier}   contract calls, aot or interpreter
//   chainaccel_execution_state_cache_{hits,misses}_total{kind}, _evictions_total, _bytes,
//   _capacity_bytes                                   the execution state cache
//   chainaccel_execution_storage_write_stall_seconds_total, _log_written_bytes_total,
//   _level0_files, _immutable_memtables, _pending_compaction_bytes, _table_bytes,
//   _running_jobs{kind}                               RocksDB's backlog behind the blocks
//   chainaccel_scheduler_*                            the hybrid scheduler (scheduler_metrics.h)
//   process_*, chainaccel_build_info                  the process (process_collector.h)
//
// Thread-safe. Engine figures are read from Engine::stats() at scrape time.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engines/engine.h"
#include "engines/scheduler/hybrid_scheduler.h"
#include "engines/scheduler/scheduler_observer.h"
#include "core/status.h"
#include "core/task.h"
#include "execution/state_cache.h"
#include "execution/state_store.h"

namespace prometheus {
class Exposer;
class Registry;
class Gauge;
class Collectable;
}  // namespace prometheus

namespace chainaccel::server {

class SchedulerMetrics;

// What the execution engine's store reports at a scrape.
struct StateStoreStats {
  exec::StateCache::Stats cache;
  exec::StateStore::StorageStats storage;
};

class Metrics {
 public:
  Metrics();
  ~Metrics();

  // The engines whose counters /metrics reports; each must outlive the Metrics.
  void SetEngines(std::vector<const Engine*> engines);
  // The scheduler's metrics: events come through the observer (give it to the
  // scheduler), queues and the cost model are read at scrape from `scheduler` once set.
  SchedulerObserver* scheduler_observer();
  void SetScheduler(const HybridScheduler* scheduler);

  // Serves /metrics on `address` ("127.0.0.1:9464"; port 0 picks a free one) and sets
  // *bound to the address actually bound. UNAVAILABLE when the address cannot be bound.
  Status Serve(const std::string& address, std::string* bound);

  void RecordRequest(std::string_view method, std::string_view code, double seconds,
                     size_t bytes_in, size_t bytes_out);
  void RecordItems(std::string_view method, ItemStatus status, uint64_t count);

  void AddInFlight(double delta);
  // chainaccel_gpu_degraded (GpuReadiness).
  void SetGpuDegraded(bool degraded);
  // Sets chainaccel_request_buffer_cache_bytes (FieldBufferPool's on_kept_bytes); may be
  // called after the Metrics is gone (a response's pooled buffer can be given back after
  // the server).
  std::function<void(size_t)> RequestBufferCacheGauge();

  // ProofService's circuit registry: circuits and their bytes now, and the evictions
  // since start (a running total; only its growth is added to the counter).
  void SetProofCircuits(size_t circuits, uint64_t bytes, uint64_t evictions_total);

  // ExecutionService: a committed block (its height, the executor's runs of its
  // transactions including re-executions, and Block-STM's aborts), and its receipts by
  // status name ("ok", "reverted", ...).
  void RecordBlock(uint64_t height, uint64_t runs, uint64_t aborts);
  // Where a committed block's time went, in seconds: its signature batches, its proof
  // batches (which run beside the signatures; observed only for a block that carries
  // proofs, proofs > 0), execution, the state root and the RocksDB commit
  // (chainaccel_execution_phase_seconds).
  void RecordBlockPhases(double verify, double proofs, double execute, double root,
                         double commit);
  void RecordTransactions(std::string_view status, uint64_t count);
  // The ahead-of-time tier's attempt at one contract: result "ok" (built), "cached"
  // (loaded from the cache), "failed" or "timeout", and the seconds of a build (not
  // observed for "cached"). Called on the tier's compiler thread.
  void RecordAotBuild(std::string_view result, double seconds);
  // The committed height found at start.
  void SetExecutionHeight(uint64_t height);
  // Where the execution store's figures come from when Prometheus scrapes
  // (chainaccel_execution_state_cache_*, chainaccel_execution_storage_*); null: none
  // (before the engine opens, after it is gone).
  void SetStateStoreSource(std::function<StateStoreStats()> source);

  // The text exposition of every metric (what /metrics serves).
  std::string Scrape() const;

 private:
  struct Families;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<prometheus::Collectable> engine_collector_;
  std::shared_ptr<prometheus::Collectable> process_collector_;
  std::shared_ptr<prometheus::Collectable> contract_call_collector_;  // exec::TierCalls
  std::shared_ptr<prometheus::Collectable> state_store_collector_;    // the execution store
  std::unique_ptr<Families> families_;
  std::unique_ptr<SchedulerMetrics> scheduler_metrics_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

// "ok", "invalid", "malformed_public_key", ...
std::string_view ItemStatusName(ItemStatus status);

}  // namespace chainaccel::server
