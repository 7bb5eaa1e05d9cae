#include "server/scheduler_metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <atomic>
#include <string>

#include "engines/scheduler/batch_key.h"

namespace chainaccel::server {
namespace {

// Powers of four from one item to 16 M (the daemon's largest request).
const prometheus::Histogram::BucketBoundaries kItemBuckets{
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216};
const prometheus::Histogram::BucketBoundaries kRequestBuckets{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
// 10 us (a request that joins a batch at once) to 60 s, finer from 1 to 25 ms, where a
// small GPU batch's time and its queue wait fall.
const prometheus::Histogram::BucketBoundaries kSecondsBuckets{
    0.00001, 0.0001, 0.00025, 0.0005, 0.001, 0.0015, 0.002, 0.0025, 0.0035, 0.005, 0.0075,
    0.01,    0.015,  0.02,    0.025,  0.05,  0.1,    0.25,  0.5,    1,      2.5,   5,
    10,      60};

// Reads the scheduler's queues and cost model when Prometheus scrapes.
class QueueCollector final : public prometheus::Collectable {
 public:
  void Set(const HybridScheduler* scheduler) { scheduler_.store(scheduler); }

  std::vector<prometheus::MetricFamily> Collect() const override {
    const HybridScheduler* scheduler = scheduler_.load();
    if (scheduler == nullptr) return {};
    using prometheus::MetricType;
    prometheus::MetricFamily items{"chainaccel_scheduler_queued_items",
                                   "Items queued per task variant and engine, not yet running",
                                   MetricType::Gauge, {}};
    prometheus::MetricFamily requests{"chainaccel_scheduler_queued_requests",
                                      "Request parts queued per task variant and engine",
                                      MetricType::Gauge, {}};
    prometheus::MetricFamily bytes{"chainaccel_scheduler_queued_bytes",
                                   "Input bytes queued per task variant and engine",
                                   MetricType::Gauge, {}};
    prometheus::MetricFamily fixed{"chainaccel_scheduler_fixed_latency_seconds",
                                   "The cost model's fixed latency of a batch",
                                   MetricType::Gauge, {}};
    prometheus::MetricFamily per_unit{"chainaccel_scheduler_per_unit_seconds",
                                      "The cost model's seconds per work unit",
                                      MetricType::Gauge, {}};
    const std::vector<const Engine*> engines = scheduler->engines();
    for (const HybridScheduler::Row& row : scheduler->Snapshot()) {
      if (!row.accepts) continue;
      prometheus::ClientMetric m;
      m.label = {{"task", std::string(TaskTypeName(CostClassKey(row.cost_class).type))},
                 {"variant", std::string(CostClassVariant(row.cost_class))},
                 {"engine", engines[row.engine]->info().name}};
      const auto add = [&m](prometheus::MetricFamily& family, double value) {
        m.gauge.value = value;
        family.metric.push_back(m);
      };
      add(items, static_cast<double>(row.queued_items));
      add(requests, static_cast<double>(row.queued_requests));
      add(bytes, static_cast<double>(row.queued_bytes));
      add(fixed, row.estimate.fixed_seconds);
      add(per_unit, row.estimate.per_unit_seconds);
    }
    return {items, requests, bytes, fixed, per_unit};
  }

 private:
  std::atomic<const HybridScheduler*> scheduler_{nullptr};
};

}  // namespace

struct SchedulerMetrics::Families {
  prometheus::Family<prometheus::Histogram>& batch_items;
  prometheus::Family<prometheus::Histogram>& batch_requests;
  prometheus::Family<prometheus::Histogram>& queue_wait;
  prometheus::Family<prometheus::Histogram>& batch_seconds;
  prometheus::Family<prometheus::Counter>& predicted;
  prometheus::Family<prometheus::Counter>& actual;
  prometheus::Family<prometheus::Counter>& host;
  prometheus::Family<prometheus::Counter>& failed;
  prometheus::Family<prometheus::Counter>& rejections;
  prometheus::Family<prometheus::Counter>& dropped;
};

SchedulerMetrics::SchedulerMetrics(prometheus::Registry& registry)
    : collector_(std::make_shared<QueueCollector>()) {
  using prometheus::BuildCounter;
  using prometheus::BuildHistogram;
  families_.reset(new Families{
      BuildHistogram().Name("chainaccel_scheduler_batch_items")
          .Help("Items in each device batch the scheduler formed").Register(registry),
      BuildHistogram().Name("chainaccel_scheduler_batch_requests")
          .Help("Requests (or parts of them) coalesced into each device batch").Register(registry),
      BuildHistogram().Name("chainaccel_scheduler_queue_wait_seconds")
          .Help("Time from queueing to the batch being formed, per request part").Register(registry),
      BuildHistogram().Name("chainaccel_scheduler_batch_seconds")
          .Help("Run time of each device batch").Register(registry),
      BuildCounter().Name("chainaccel_scheduler_predicted_seconds_total")
          .Help("The cost model's predicted run times of the batches, summed").Register(registry),
      BuildCounter().Name("chainaccel_scheduler_actual_seconds_total")
          .Help("The run times of the same batches, summed").Register(registry),
      BuildCounter().Name("chainaccel_scheduler_batch_host_seconds_total")
          .Help("Host time around the batches' runs, summed, by phase: gather (the requests' "
                "inputs copied into one batch), scatter (the results copied back)")
          .Register(registry),
      BuildCounter().Name("chainaccel_scheduler_failed_batches_total")
          .Help("Batches an engine failed (a GPU's are re-run on the CPU)").Register(registry),
      BuildCounter().Name("chainaccel_scheduler_rejections_total")
          .Help("Requests refused when submitted, by reason").Register(registry),
      BuildCounter().Name("chainaccel_scheduler_dropped_total")
          .Help("Queued requests dropped before they ran (deadline passed, client cancelled)")
          .Register(registry),
  });
}

SchedulerMetrics::~SchedulerMetrics() = default;

void SchedulerMetrics::SetScheduler(const HybridScheduler* scheduler) {
  static_cast<QueueCollector&>(*collector_).Set(scheduler);
}

std::shared_ptr<prometheus::Collectable> SchedulerMetrics::collector() const { return collector_; }

void SchedulerMetrics::OnBatch(const BatchReport& batch) {
  const prometheus::Labels labels{{"task", std::string(TaskTypeName(batch.type))},
                                  {"engine", std::string(batch.engine)}};
  if (!batch.ok) {
    families_->failed.Add(labels).Increment();
    return;
  }
  families_->batch_items.Add(labels, kItemBuckets).Observe(static_cast<double>(batch.items));
  families_->batch_requests.Add(labels, kRequestBuckets).Observe(static_cast<double>(batch.requests));
  auto& wait = families_->queue_wait.Add(labels, kSecondsBuckets);
  for (double seconds : batch.queue_wait) wait.Observe(seconds);
  families_->batch_seconds.Add(labels, kSecondsBuckets).Observe(batch.run_seconds);
  families_->predicted.Add(labels).Increment(batch.predicted_seconds);
  families_->actual.Add(labels).Increment(batch.run_seconds);
  prometheus::Labels phase = labels;
  phase["phase"] = "gather";
  families_->host.Add(phase).Increment(batch.gather_seconds);
  phase["phase"] = "scatter";
  families_->host.Add(phase).Increment(batch.scatter_seconds);
}

void SchedulerMetrics::OnRejected(TaskType type, std::string_view reason) {
  families_->rejections
      .Add({{"task", std::string(TaskTypeName(type))}, {"reason", std::string(reason)}})
      .Increment();
}

void SchedulerMetrics::OnDropped(TaskType type, std::string_view reason) {
  families_->dropped
      .Add({{"task", std::string(TaskTypeName(type))}, {"reason", std::string(reason)}})
      .Increment();
}

}  // namespace chainaccel::server
