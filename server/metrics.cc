#include "server/metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <exception>

#include "execution/contract_vm.h"
#include "server/process_collector.h"
#include "server/scheduler_metrics.h"
#include "server/version.h"
#include <mutex>

namespace chainaccel::server {

std::string_view ItemStatusName(ItemStatus status) {
  switch (status) {
    case ItemStatus::kUnspecified: return "unspecified";
    case ItemStatus::kOk: return "ok";
    case ItemStatus::kInvalid: return "invalid";
    case ItemStatus::kMalformedPublicKey: return "malformed_public_key";
    case ItemStatus::kMalformedSignature: return "malformed_signature";
    case ItemStatus::kMalformedMessage: return "malformed_message";
    case ItemStatus::kHighS: return "high_s";
    case ItemStatus::kInvalidRecoveryId: return "invalid_recovery_id";
    case ItemStatus::kRecoveryFailed: return "recovery_failed";
    case ItemStatus::kIndexOutOfRange: return "index_out_of_range";
    case ItemStatus::kMalformedProof: return "malformed_proof";
    case ItemStatus::kMalformedWitness: return "malformed_witness";
  }
  return "unknown";
}

namespace {

// Reads engine counters when Prometheus scrapes, so they are never stale or double kept.
class EngineCollector final : public prometheus::Collectable {
 public:
  void SetEngines(std::vector<const Engine*> engines) {
    std::lock_guard lock(mu_);
    engines_ = std::move(engines);
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::lock_guard lock(mu_);
    prometheus::MetricFamily busy{"chainaccel_engine_busy_seconds_total",
                                  "Summed wall time of the batches each engine ran",
                                  prometheus::MetricType::Counter, {}};
    prometheus::MetricFamily batches{"chainaccel_engine_batches_total",
                                     "Batches each engine ran", prometheus::MetricType::Counter,
                                     {}};
    prometheus::MetricFamily items{"chainaccel_engine_items_total", "Items each engine ran",
                                   prometheus::MetricType::Counter, {}};
    prometheus::MetricFamily faults{"chainaccel_engine_faults_total",
                                    "Batches an engine failed through a fault of its own (such "
                                    "batches are re-run on the CPU)",
                                    prometheus::MetricType::Counter, {}};
    prometheus::MetricFamily healthy{"chainaccel_engine_healthy",
                                     "1 when the engine takes work, 0 when it is out of service",
                                     prometheus::MetricType::Gauge, {}};
    prometheus::MetricFamily memory{"chainaccel_engine_memory_bytes",
                                    "GPU engines: the device's global memory",
                                    prometheus::MetricType::Gauge, {}};
    prometheus::MetricFamily memory_free{"chainaccel_engine_memory_free_bytes",
                                         "GPU engines: the device's free memory at the scrape",
                                         prometheus::MetricType::Gauge, {}};
    for (const Engine* engine : engines_) {
      const EngineStats stats = engine->stats();
      std::vector<prometheus::ClientMetric::Label> labels{{"engine", engine->info().name}};
      prometheus::ClientMetric m;
      m.label = labels;
      m.counter.value = stats.busy_seconds;
      busy.metric.push_back(m);
      m.counter.value = static_cast<double>(stats.batches);
      batches.metric.push_back(m);
      m.counter.value = static_cast<double>(stats.items);
      items.metric.push_back(m);
      m.counter.value = static_cast<double>(stats.faults);
      faults.metric.push_back(m);
      m.counter.value = 0;
      m.gauge.value = stats.healthy ? 1 : 0;
      healthy.metric.push_back(m);
      if (engine->info().kind == EngineKind::kGpu) {
        m.gauge.value = static_cast<double>(engine->info().memory_bytes);
        memory.metric.push_back(m);
        m.gauge.value = static_cast<double>(stats.memory_free_bytes);
        memory_free.metric.push_back(m);
      }
    }
    return {busy, batches, items, faults, healthy, memory, memory_free};
  }

 private:
  mutable std::mutex mu_;
  // Guarded by mu_.
  std::vector<const Engine*> engines_;
};

// A sample of `value` (the counter's or the gauge's, as `type` says) with `labels`.
prometheus::ClientMetric Sample(prometheus::MetricType type, double value,
                                std::vector<prometheus::ClientMetric::Label> labels = {}) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  (type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value) = value;
  return m;
}

// A family of one unlabelled sample.
prometheus::MetricFamily OneSample(const char* name, const char* help,
                                   prometheus::MetricType type, double value) {
  return {name, help, type, {Sample(type, value)}};
}

// A family of one sample per (label value, value) of `values`, labelled `label`.
prometheus::MetricFamily LabelledFamily(
    const char* name, const char* help, prometheus::MetricType type, const char* label,
    std::initializer_list<std::pair<const char*, double>> values) {
  prometheus::MetricFamily f{name, help, type, {}};
  for (const auto& [label_value, value] : values) {
    f.metric.push_back(Sample(type, value, {{label, label_value}}));
  }
  return f;
}

// chainaccel_execution_state_cache_*.
std::vector<prometheus::MetricFamily> StateCacheFamilies(const exec::StateCache::Stats& s) {
  constexpr auto kCounter = prometheus::MetricType::Counter;
  constexpr auto kGauge = prometheus::MetricType::Gauge;
  return {LabelledFamily("chainaccel_execution_state_cache_hits_total",
                         "Reads of the execution state answered by the state cache, by kind: "
                         "value (state values and absent keys) or node (state-tree nodes)",
                         kCounter, "kind",
                         {{"value", static_cast<double>(s.hits[0])},
                          {"node", static_cast<double>(s.hits[1])}}),
          LabelledFamily("chainaccel_execution_state_cache_misses_total",
                         "Reads of the execution state that went to RocksDB, by kind", kCounter,
                         "kind",
                         {{"value", static_cast<double>(s.misses[0])},
                          {"node", static_cast<double>(s.misses[1])}}),
          OneSample("chainaccel_execution_state_cache_evictions_total",
                    "Entries the state cache dropped to stay within its size", kCounter,
                    static_cast<double>(s.evictions)),
          OneSample("chainaccel_execution_state_cache_bytes",
                    "Bytes the state cache's entries are charged now (keys, values, bookkeeping)",
                    kGauge, static_cast<double>(s.bytes)),
          OneSample("chainaccel_execution_state_cache_capacity_bytes",
                    "The state cache's size (execution_state_cache_bytes)", kGauge,
                    static_cast<double>(s.capacity))};
}

// chainaccel_execution_storage_*: RocksDB's backlog behind the block writes.
std::vector<prometheus::MetricFamily> StorageFamilies(const exec::StateStore::StorageStats& s) {
  constexpr auto kCounter = prometheus::MetricType::Counter;
  constexpr auto kGauge = prometheus::MetricType::Gauge;
  return {LabelledFamily("chainaccel_execution_storage_running_jobs",
                         "RocksDB background jobs running now, by kind: flush (a full memtable "
                         "written to a table) or compaction",
                         kGauge, "kind",
                         {{"flush", static_cast<double>(s.running_flushes)},
                          {"compaction", static_cast<double>(s.running_compactions)}}),
          OneSample("chainaccel_execution_storage_write_stall_seconds_total",
                    "Time the state database's writes were held by RocksDB's write stalls "
                    "(too many level-0 tables, full memtables, compaction debt) since open",
                    kCounter, static_cast<double>(s.write_stall_micros) * 1e-6),
          OneSample("chainaccel_execution_storage_log_written_bytes_total",
                    "Bytes the state database wrote to RocksDB's write-ahead log since open "
                    "(every block's state, undo log and tree nodes, synced with the block)",
                    kCounter, static_cast<double>(s.log_bytes)),
          OneSample("chainaccel_execution_storage_level0_files",
                    "Tables in RocksDB's level 0 (writes slow down at 20 and stop at 36)",
                    kGauge, static_cast<double>(s.level0_files)),
          OneSample("chainaccel_execution_storage_immutable_memtables",
                    "Full memtables waiting for their flush (writes stop when the "
                    "memtables are all full)",
                    kGauge, static_cast<double>(s.immutable_memtables)),
          OneSample("chainaccel_execution_storage_pending_compaction_bytes",
                    "RocksDB's estimate of the bytes its compactions must rewrite", kGauge,
                    static_cast<double>(s.pending_compaction_bytes)),
          OneSample("chainaccel_execution_storage_table_bytes",
                    "The state database's live table files on disk", kGauge,
                    static_cast<double>(s.table_bytes))};
}

// The execution store's cache and storage figures, read from the engine when Prometheus
// scrapes.
class StateStoreCollector final : public prometheus::Collectable {
 public:
  void SetSource(std::function<StateStoreStats()> source) {
    std::lock_guard lock(mu_);
    source_ = std::move(source);
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::lock_guard lock(mu_);
    if (!source_) return {};
    const StateStoreStats s = source_();
    std::vector<prometheus::MetricFamily> families = StateCacheFamilies(s.cache);
    for (prometheus::MetricFamily& f : StorageFamilies(s.storage)) families.push_back(std::move(f));
    return families;
  }

 private:
  mutable std::mutex mu_;
  // Guarded by mu_.
  std::function<StateStoreStats()> source_;
};

// Contract calls per tier, read from the process-wide counters of every ContractVm
// (exec::TierCalls) when Prometheus scrapes.
class ContractCallCollector final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    const exec::TierCallCounts counts = exec::TierCalls();
    return {LabelledFamily("chainaccel_execution_contract_calls_total",
                           "Contract calls run (blocks and read-only calls), by tier: aot (the "
                           "compiled module) or interpreter",
                           prometheus::MetricType::Counter, "tier",
                           {{"aot", static_cast<double>(counts.aot)},
                            {"interpreter", static_cast<double>(counts.interpreter)}})};
  }
};

// Build times of the ahead-of-time tier: about 0.2 s for a small contract to a minute for
// one at the code-size limit on a small machine; the default time limit is 120 s.
const prometheus::Histogram::BucketBoundaries kAotBuildBuckets{0.1, 0.25, 0.5, 1,  2.5,
                                                               5,   10,   30,  60, 120};

// Latency buckets from 100 µs (a small hash batch) to 60 s (a million Ed25519 checks on
// a small machine), finer from 5 to 25 ms, where small signature requests under load
// finish (so a p99 can be told from twice a batch's time).
const prometheus::Histogram::BucketBoundaries kLatencyBuckets{
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025,
    0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,      10,   30,    60};

}  // namespace

struct Metrics::Families {
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Counter>& items;
  prometheus::Family<prometheus::Histogram>& duration;
  prometheus::Family<prometheus::Counter>& received;
  prometheus::Family<prometheus::Counter>& sent;
  prometheus::Gauge& in_flight;
  prometheus::Gauge& gpu_degraded;
  prometheus::Gauge& request_buffer_cache;
  prometheus::Counter& blocks;
  prometheus::Gauge& height;
  prometheus::Family<prometheus::Counter>& transactions;
  prometheus::Counter& runs;
  prometheus::Counter& aborts;
  prometheus::Family<prometheus::Histogram>& phases;
  prometheus::Gauge& proof_circuits;
  prometheus::Gauge& proof_circuit_bytes;
  prometheus::Counter& proof_circuit_evictions;
  prometheus::Family<prometheus::Counter>& aot_compiles;
  prometheus::Histogram& aot_compile_seconds;
};

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      engine_collector_(std::make_shared<EngineCollector>()),
      process_collector_(std::make_shared<ProcessCollector>(std::string(kVersion))),
      contract_call_collector_(std::make_shared<ContractCallCollector>()),
      state_store_collector_(std::make_shared<StateStoreCollector>()) {
  auto& in_flight_family = prometheus::BuildGauge()
                               .Name("chainaccel_in_flight_requests")
                               .Help("RPCs being served")
                               .Register(*registry_);
  families_.reset(new Families{
      prometheus::BuildCounter()
          .Name("chainaccel_requests_total")
          .Help("RPCs finished, by method and gRPC status code")
          .Register(*registry_),
      prometheus::BuildCounter()
          .Name("chainaccel_items_total")
          .Help("Batch items processed, by method and item status")
          .Register(*registry_),
      prometheus::BuildHistogram()
          .Name("chainaccel_request_duration_seconds")
          .Help("RPC latency from arrival to finish")
          .Register(*registry_),
      prometheus::BuildCounter()
          .Name("chainaccel_received_bytes_total")
          .Help("Request message bytes received")
          .Register(*registry_),
      prometheus::BuildCounter()
          .Name("chainaccel_sent_bytes_total")
          .Help("Response message bytes sent")
          .Register(*registry_),
      in_flight_family.Add({}),
      prometheus::BuildGauge()
          .Name("chainaccel_gpu_degraded")
          .Help("1 while GPUs are expected and none is in service (every batch runs on the "
                "CPU)")
          .Register(*registry_)
          .Add({}),
      prometheus::BuildGauge()
          .Name("chainaccel_request_buffer_cache_bytes")
          .Help("Buffers kept between requests for their large fields and responses "
                "(request_buffer_cache_bytes)")
          .Register(*registry_)
          .Add({}),
      prometheus::BuildCounter()
          .Name("chainaccel_execution_blocks_total")
          .Help("Blocks executed and committed")
          .Register(*registry_)
          .Add({}),
      prometheus::BuildGauge()
          .Name("chainaccel_execution_height")
          .Help("Height of the last committed block")
          .Register(*registry_)
          .Add({}),
      prometheus::BuildCounter()
          .Name("chainaccel_execution_transactions_total")
          .Help("Transactions of committed blocks, by receipt status")
          .Register(*registry_),
      prometheus::BuildCounter()
          .Name("chainaccel_execution_runs_total")
          .Help("Transaction runs of committed blocks, re-executions included")
          .Register(*registry_)
          .Add({}),
      prometheus::BuildCounter()
          .Name("chainaccel_execution_aborts_total")
          .Help("Block-STM incarnations aborted by validation")
          .Register(*registry_)
          .Add({}),
      prometheus::BuildHistogram()
          .Name("chainaccel_execution_phase_seconds")
          .Help("Time of each phase of a committed block: verify (signature batches), "
                "execute, root (state root), commit (RocksDB)")
          .Register(*registry_),
      prometheus::BuildGauge()
          .Name("chainaccel_proof_circuits")
          .Help("Groth16 circuits registered (ProofService.RegisterCircuit)")
          .Register(*registry_)
          .Add({}),
      prometheus::BuildGauge()
          .Name("chainaccel_proof_circuit_bytes")
          .Help("Host memory held by the registered Groth16 circuits")
          .Register(*registry_)
          .Add({}),
      prometheus::BuildCounter()
          .Name("chainaccel_proof_circuit_evictions_total")
          .Help("Registered circuits dropped to make room under proof.max_circuit_bytes")
          .Register(*registry_)
          .Add({}),
      prometheus::BuildCounter()
          .Name("chainaccel_execution_aot_compiles_total")
          .Help("Contracts given to the ahead-of-time tier, by result: ok (built), cached "
                "(loaded from the cache), failed, timeout (past "
                "execution_aot_build_seconds)")
          .Register(*registry_),
      prometheus::BuildHistogram()
          .Name("chainaccel_execution_aot_compile_seconds")
          .Help("Time of each ahead-of-time build (wasm2c and the C compiler), cache loads "
                "excluded")
          .Register(*registry_)
          .Add({}, kAotBuildBuckets),
  });
  scheduler_metrics_ = std::make_unique<SchedulerMetrics>(*registry_);
}

Metrics::~Metrics() = default;

Status Metrics::Serve(const std::string& address, std::string* bound) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address, 2);
  } catch (const std::exception& e) {
    // civetweb's own words ("null context when constructing CivetServer") do not say
    // what went wrong; binding the address is what fails.
    return Status::Unavailable("metrics: cannot listen on " + address +
                               " (metrics_listen): the address is in use, not local or not "
                               "permitted (" + e.what() + ")");
  }
  exposer_->RegisterCollectable(registry_);
  exposer_->RegisterCollectable(engine_collector_);
  exposer_->RegisterCollectable(scheduler_metrics_->collector());
  exposer_->RegisterCollectable(process_collector_);
  exposer_->RegisterCollectable(contract_call_collector_);
  exposer_->RegisterCollectable(state_store_collector_);
  const auto ports = exposer_->GetListeningPorts();
  std::string host = address.substr(0, address.rfind(':'));
  *bound = host + ":" + (ports.empty() ? std::string("?") : std::to_string(ports.front()));
  return Status::Ok();
}

void Metrics::RecordRequest(std::string_view method, std::string_view code, double seconds,
                            size_t bytes_in, size_t bytes_out) {
  const std::string m(method);
  families_->requests.Add({{"method", m}, {"code", std::string(code)}}).Increment();
  families_->duration.Add({{"method", m}}, kLatencyBuckets).Observe(seconds);
  families_->received.Add({{"method", m}}).Increment(static_cast<double>(bytes_in));
  families_->sent.Add({{"method", m}}).Increment(static_cast<double>(bytes_out));
}

void Metrics::RecordItems(std::string_view method, ItemStatus status, uint64_t count) {
  if (count == 0) return;
  families_->items
      .Add({{"method", std::string(method)}, {"status", std::string(ItemStatusName(status))}})
      .Increment(static_cast<double>(count));
}

void Metrics::SetStateStoreSource(std::function<StateStoreStats()> source) {
  static_cast<StateStoreCollector&>(*state_store_collector_).SetSource(std::move(source));
}

void Metrics::SetEngines(std::vector<const Engine*> engines) {
  static_cast<EngineCollector&>(*engine_collector_).SetEngines(std::move(engines));
}

SchedulerObserver* Metrics::scheduler_observer() { return scheduler_metrics_.get(); }

void Metrics::SetScheduler(const HybridScheduler* scheduler) {
  scheduler_metrics_->SetScheduler(scheduler);
}

void Metrics::AddInFlight(double delta) { families_->in_flight.Increment(delta); }

void Metrics::SetGpuDegraded(bool degraded) { families_->gpu_degraded.Set(degraded ? 1 : 0); }

std::function<void(size_t)> Metrics::RequestBufferCacheGauge() {
  // The registry owns the gauge: held by the function, it outlives the Metrics.
  return [registry = registry_, gauge = &families_->request_buffer_cache](size_t bytes) {
    gauge->Set(static_cast<double>(bytes));
  };
}

void Metrics::SetProofCircuits(size_t circuits, uint64_t bytes, uint64_t evictions_total) {
  families_->proof_circuits.Set(static_cast<double>(circuits));
  families_->proof_circuit_bytes.Set(static_cast<double>(bytes));
  const double counted = families_->proof_circuit_evictions.Value();
  if (static_cast<double>(evictions_total) > counted) {
    families_->proof_circuit_evictions.Increment(static_cast<double>(evictions_total) - counted);
  }
}

void Metrics::RecordBlock(uint64_t height, uint64_t runs, uint64_t aborts) {
  families_->blocks.Increment();
  families_->height.Set(static_cast<double>(height));
  families_->runs.Increment(static_cast<double>(runs));
  families_->aborts.Increment(static_cast<double>(aborts));
}

void Metrics::RecordBlockPhases(double verify, double proofs, double execute, double root,
                                double commit) {
  const std::pair<const char*, double> phases[] = {{"verify", verify},
                                                   {"proofs", proofs},
                                                   {"execute", execute},
                                                   {"root", root},
                                                   {"commit", commit}};
  for (const auto& [phase, seconds] : phases) {
    if (std::string_view(phase) == "proofs" && seconds == 0) continue;  // a block without any
    families_->phases.Add({{"phase", phase}}, kLatencyBuckets).Observe(seconds);
  }
}

void Metrics::SetExecutionHeight(uint64_t height) {
  families_->height.Set(static_cast<double>(height));
}

void Metrics::RecordAotBuild(std::string_view result, double seconds) {
  families_->aot_compiles.Add({{"result", std::string(result)}}).Increment();
  if (result != "cached") families_->aot_compile_seconds.Observe(seconds);
}

void Metrics::RecordTransactions(std::string_view status, uint64_t count) {
  if (count == 0) return;
  families_->transactions.Add({{"status", std::string(status)}})
      .Increment(static_cast<double>(count));
}

std::string Metrics::Scrape() const {
  auto families = registry_->Collect();
  auto engine_families = engine_collector_->Collect();
  families.insert(families.end(), engine_families.begin(), engine_families.end());
  auto scheduler_families = scheduler_metrics_->collector()->Collect();
  families.insert(families.end(), scheduler_families.begin(), scheduler_families.end());
  auto process_families = process_collector_->Collect();
  families.insert(families.end(), process_families.begin(), process_families.end());
  auto call_families = contract_call_collector_->Collect();
  families.insert(families.end(), call_families.begin(), call_families.end());
  auto store_families = state_store_collector_->Collect();
  families.insert(families.end(), store_families.begin(), store_families.end());
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace chainaccel::server
