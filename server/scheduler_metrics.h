// SchedulerMetrics: the hybrid scheduler's Prometheus metrics.
//
//   chainaccel_scheduler_batch_items{task,engine}            histogram: items per device batch
//   chainaccel_scheduler_batch_requests{task,engine}         histogram: requests coalesced per batch
//   chainaccel_scheduler_queue_wait_seconds{task,engine}     histogram: queued to batch formed, per request
//   chainaccel_scheduler_batch_seconds{task,engine}          histogram: a batch's run time
//   chainaccel_scheduler_predicted_seconds_total{task,engine} the cost model's predictions, summed
//   chainaccel_scheduler_actual_seconds_total{task,engine}    the same batches' run times, summed
//   chainaccel_scheduler_batch_host_seconds_total{task,engine,phase}  host time around the runs:
//                                                             gather (inputs into one batch), scatter
//   chainaccel_scheduler_failed_batches_total{task,engine}   batches an engine failed (re-run on the CPU)
//   chainaccel_scheduler_rejections_total{task,reason}       requests refused at submit:
//                                                             queue_items, queue_bytes, no_engine, deadline, shutdown
//   chainaccel_scheduler_dropped_total{task,reason}          queued requests dropped: deadline, cancelled
//   chainaccel_scheduler_queued_items{task,variant,engine}   gauge, read at scrape
//   chainaccel_scheduler_queued_requests{task,variant,engine}
//   chainaccel_scheduler_queued_bytes{task,variant,engine}
//   chainaccel_scheduler_fixed_latency_seconds{task,variant,engine}  the cost model's line
//   chainaccel_scheduler_per_unit_seconds{task,variant,engine}
// Thread-safe.
#pragma once

#include <memory>

#include "engines/scheduler/hybrid_scheduler.h"
#include "engines/scheduler/scheduler_observer.h"

namespace prometheus {
class Registry;
class Collectable;
}  // namespace prometheus

namespace chainaccel::server {

class SchedulerMetrics final : public SchedulerObserver {
 public:
  // Registers the event metrics in `registry`, which must outlive this object.
  explicit SchedulerMetrics(prometheus::Registry& registry);
  ~SchedulerMetrics() override;

  // The scheduler whose queues and model the gauges read at scrape (may be set once,
  // after construction; must outlive this object).
  void SetScheduler(const HybridScheduler* scheduler);
  // The gauges, to register with an exposer.
  std::shared_ptr<prometheus::Collectable> collector() const;

  void OnBatch(const BatchReport& batch) override;
  void OnRejected(TaskType type, std::string_view reason) override;
  void OnDropped(TaskType type, std::string_view reason) override;

 private:
  struct Families;
  std::unique_ptr<Families> families_;
  std::shared_ptr<prometheus::Collectable> collector_;
};

}  // namespace chainaccel::server
