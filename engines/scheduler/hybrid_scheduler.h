// HybridScheduler: queues requests per device, coalesces them into device batches and
// runs every batch where it is predicted to finish first.
//
// Engines: engines[0] is the CPU engine (it runs every task type and takes the work a
// GPU fails); every further engine (each GPU) is its own entry in the cost model.
//
// How a request is placed (Submit, once):
//   CPU / GPU      the CPU engine / the healthy GPU that accepts the task and is
//                  predicted to finish it first (FAILED_PRECONDITION when there is none);
//   AUTO           of the healthy engines that accept the task, the one with the
//                  smallest predicted completion: its backlog (the predicted remaining
//                  time of its running and queued batches) + the task's cost there
//                  (fixed latency + units x per-unit cost; only units when it joins a
//                  batch already queued there with the same key); the CPU engine is
//                  left out while a GPU can take the request and the host is busy
//                  (options.auto_cpu_max_host_load, host_load.h);
//   LOAD_BALANCE   split over every healthy engine that accepts it, in proportion to the
//                  measured rates, net of each engine's backlog and fixed latency, so the
//                  parts are predicted to finish together; Merkle builds and requests
//                  too small to split (options.min_split_items) run as AUTO. The CPU
//                  engine joins a split beside a GPU only for
//                  options.load_balance_cpu_min_share of the request or more, its share
//                  corrected by how its parts of earlier splits finished against their
//                  GPU parts (LearnSplit).
// The config's placement replaces a request's AUTO (server config, scheduler.placement).
//
// How batches form (each engine's dispatch threads, `*_batches_in_flight` of them):
// when a thread is free it takes the oldest queued request of the highest priority and
// every other queued request with the same BatchKey, high priority first, in arrival
// order, up to max_batch_items (the last one split if it does not fit: its rest stays at
// the head of the queue). With max_queue_delay > 0 a batch that is not full waits up to
// that long after its oldest request arrived for more. Requests larger than a batch run
// as several batches (one after another on the same engine, or at once on several with
// LOAD_BALANCE) and complete when the last part has.
//
// A request whose deadline passes or whose client cancels while it is queued is dropped
// (DEADLINE_EXCEEDED / CANCELLED) and never runs; a request whose task type has more
// than max_queued_items items or max_queued_bytes bytes queued is refused with
// RESOURCE_EXHAUSTED and a retry hint. A batch a GPU fails is queued again at the head of
// the CPU engine's queue; a GPU that turns unhealthy hands its queue to the CPU engine.
// Every batch's (units, seconds) refines the cost model (cost_model.h).
//
// Thread-safe. Completions run on the scheduler's completion threads (4), never inside
// Submit and never on a dispatch thread, which goes on to its next batch.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "core/thread_pool.h"
#include "engines/scheduler/batch_key.h"
#include "engines/scheduler/clock.h"
#include "engines/scheduler/cost_model.h"
#include "engines/scheduler/host_load.h"
#include "engines/scheduler/scheduler.h"
#include "engines/scheduler/scheduler_observer.h"

namespace chainaccel {

struct BatchBuffers;

class HybridScheduler final : public Scheduler {
 public:
  struct Options {
    // Applied to requests that ask for AUTO (a request's CPU, GPU or LOAD_BALANCE stands).
    Placement default_placement = Placement::kAuto;
    // Coalesce requests with the same BatchKey into one batch. Off: every request is its
    // own batch (still split at max_batch_items), for comparisons.
    bool batching = true;
    // How long a batch that is not full may wait for more requests after its oldest one
    // arrived. 0: never wait; an idle engine takes what is queued at once, a busy one
    // takes everything queued when it frees up.
    std::chrono::microseconds max_queue_delay{0};
    // Most items in one device batch, per task type (TaskType order). A million
    // signatures are ~100-190 ms on an H200 and 1 M hashes ~3 ms, and the daemon
    // admits 16 M-item requests; a batch this size keeps every device at its full rate
    // (gpu_signature_bench flattens out above ~256 K) while a split request's parts can
    // go to different engines. Merkle builds are never split.
    std::array<size_t, kTaskTypeCount> max_batch_items{1u << 22, 1u << 24, 1u << 20, 1u << 20,
                                                       1u << 20, 1u << 20, 1u << 20};
    // Admission bounds per task type, over everything queued (not running).
    uint64_t max_queued_items = 1u << 26;
    uint64_t max_queued_bytes = 4ull << 30;
    // Batches each engine runs at once. Eight per GPU, each on a lane pair of its own
    // (GpuOptions::concurrent_batches): a signature batch of a few thousand items takes
    // one verification's latency (~3.5 ms Ed25519, ~5 ms ECDSA) while using a fraction
    // of the SMs, so batches side by side keep the device full while each stays small.
    // 64 clients x 1,024 Ed25519 items, placement GPU, one lease (H200, bench/RESULTS.md,
    // 2026-12-03): 3.00 M/s with 1, 4.04 with 2, 4.76 with 3, 5.06 with 4, 5.51 with 6,
    // 6.20 with 8. Two for the CPU engine let a small batch start while a large one runs
    // (they share its threads).
    size_t cpu_batches_in_flight = 2;
    size_t gpu_batches_in_flight = 8;
    // AUTO leaves the CPU engine out of a request that a GPU in service accepts while
    // the host's utilisation (HostLoad, given to the constructor) is above this; 1: never.
    // The CPU engine and the GPU path share the host's cores, and a CPU-engine signature
    // costs ~100 us of a CPU (16 threads x the calibrated ~6.4 us an item) against 2-7 us
    // of host time for one the GPU verifies (16 CPUs / 2.2-6.6 M items/s), so
    // once the host is busy every small request AUTO sends to the CPU engine (where it
    // finishes sooner: ~0.9 ms against the GPU's ~3 ms floor) slows the GPU path by more
    // than the CPU engine adds. H200 host (16 cores), 256 clients x 64 items, one lease
    // (bench/RESULTS.md, 2026-12-04): AUTO with the CPU engine 1.45-1.69 M/s against
    // 2.18-2.53 M/s with placement GPU, though the CPU engine served only 6 % of the items.
    double auto_cpu_max_host_load = 0.5;
    // AUTO gives the CPU engine a request that a GPU in service also takes only when the
    // CPU is predicted to finish it in at most this fraction of the best GPU's time (1:
    // whichever is sooner). Its batches take the host's cores, which the request path
    // (gRPC, decoding, staging) shares, so a request it wins narrowly costs the others
    // more than it saves: H100 host, 8 clients x 64 ECDSA items, AUTO with the CPU
    // engine at most of the items (its batches ~1.0 ms against the GPU's ~1.5 ms, as
    // predicted) 0.212 M/s against 0.267 with placement GPU (bench/RESULTS.md, 2026-12-06,
    // third session). The CPU engine keeps the requests it finishes in under half the
    // GPU's time (a few items against a GPU batch's ~1.5 ms floor).
    double auto_cpu_time_ratio = 0.5;
    // A GPU batch still running gpu_hang_factor x its predicted time after it started,
    // and at least gpu_hang_min, counts as hung: the engine takes no new work and its
    // queue moves to the CPU engine until that batch returns (the GPU engine itself
    // gives up on a chunk after GpuOptions::hang_seconds and reports a fault, after
    // which the batch re-runs on the CPU).
    double gpu_hang_factor = 20;
    std::chrono::milliseconds gpu_hang_min{5000};
    // LOAD_BALANCE leaves an engine out rather than give it fewer items than this.
    size_t min_split_items = 4096;
    // LOAD_BALANCE leaves the CPU engine out of a split with a GPU when its part would be
    // under this share of the request (0: only min_split_items applies). Its workers
    // take the host's cores and memory bandwidth from the GPU path, which costs more than
    // a small part adds: H100 host, 16 cores, two 1M-item requests in flight, the CPU
    // engine's ~2 % part (0.14-0.17 M/s) made the GPU's batches ~10 % slower and the
    // requests 0.80-0.88 of the engines' summed rates, against 0.98-1.03 with the GPU
    // alone (bench/RESULTS.md, 2026-12-06, fifth session). A fifth: where the CPU engine
    // does that much, its part outweighs a slowdown of that size.
    double load_balance_cpu_min_share = 0.2;
    // The cost model's decay per observed batch (cost_model.h).
    double cost_decay = 0.9;
    // How often queued requests are checked for cancellation and passed deadlines.
    std::chrono::milliseconds sweep_interval{2};
  };

  // `engines[0]` is the CPU engine; all must outlive the scheduler, as must `clock`,
  // `observer` and `host_load` (both optional; without `host_load` AUTO never leaves the
  // CPU engine out for the host's sake).
  HybridScheduler(std::vector<Engine*> engines, const Options& options,
                  const Clock& clock = Clock::Steady(), SchedulerObserver* observer = nullptr,
                  HostLoad* host_load = nullptr);
  ~HybridScheduler() override;

  void Submit(Task* task, SubmitOptions options, Completion done) override
      CHAINACCEL_EXCLUDES(mu_);
  void Shutdown() override CHAINACCEL_EXCLUDES(mu_);
  std::vector<const Engine*> engines() const override;
  using Scheduler::Submit;

  // Replaces the cost line of (cost_class, engine) (calibration.h measures them).
  void SetCost(size_t cost_class, size_t engine, double fixed_seconds, double per_unit_seconds,
               bool calibrated) CHAINACCEL_EXCLUDES(mu_);

  // What GetScheduler shows: per cost class and engine, the model and the queue.
  struct Row {
    size_t cost_class = 0;
    size_t engine = 0;
    CostModel::Estimate estimate;
    // GPU rows: the batch size in work units from which this engine is predicted to run
    // a batch sooner than the CPU engine (both idle); 0 when always, UINT64_MAX when
    // never. CPU rows: 0.
    uint64_t crossover_units = 0;
    uint64_t queued_items = 0;
    uint64_t queued_requests = 0;  // queued parts (a split request counts per part)
    uint64_t queued_bytes = 0;
    uint64_t batches = 0;
    bool accepts = true;  // the engine runs this class (Engine::Accepts)
    // The CPU engine's row: LOAD_BALANCE's correction of its per-unit cost
    // (split_cpu_scale_); other rows: 1.
    double split_scale = 1;
  };
  std::vector<Row> Snapshot() const CHAINACCEL_EXCLUDES(mu_);
  const Options& options() const { return options_; }

  // Drops queued requests whose deadline has passed or whose client cancelled, and wakes
  // the dispatch threads (a batch held open by max_queue_delay may be due). The
  // scheduler's timer calls it every sweep_interval while work is queued; tests with a
  // fake clock call it after moving the clock.
  void Tick() CHAINACCEL_EXCLUDES(mu_);

  // GPU batches that failed and were queued again on the CPU engine.
  uint64_t gpu_fallbacks() const CHAINACCEL_EXCLUDES(mu_);
  // GPU batches seen running past their hang time since start.
  uint64_t gpu_hangs() const CHAINACCEL_EXCLUDES(mu_);

  // Takes GPU engine `name` out of service (no new work; its queued parts move to the
  // CPU engine; running batches finish) or back in. *moved: the parts moved. NOT_FOUND
  // for an unknown engine, FAILED_PRECONDITION for the CPU engine (the fallback).
  Status SetEngineEnabled(std::string_view name, bool enabled, uint64_t* moved)
      CHAINACCEL_EXCLUDES(mu_);
  // Whether engine `e` (index into engines()) takes work by the operator's say.
  bool engine_enabled(size_t e) const CHAINACCEL_EXCLUDES(mu_);

 private:
  struct Request;
  struct Part;
  struct EngineQueue;
  struct Formed;
  struct Finished;

  // Placement (Submit), under mu_.
  double Backlog(size_t engine) const CHAINACCEL_REQUIRES(mu_);
  double MarginalCost(size_t engine, const Request& request, size_t begin, size_t end) const
      CHAINACCEL_REQUIRES(mu_);
  // The candidate predicted to finish the request first; `auto_placement`: the CPU
  // engine's time is divided by options_.auto_cpu_time_ratio where a GPU is a candidate.
  int BestEngine(const Request& request, const std::vector<size_t>& candidates,
                 bool auto_placement) const CHAINACCEL_REQUIRES(mu_);
  // When the CPU engine would finish the whole request, its batches' sharing counted.
  double CpuCompletion(const Request& request) const CHAINACCEL_REQUIRES(mu_);
  void PlaceLoadBalanced(Request* request, const std::vector<size_t>& candidates)
      CHAINACCEL_REQUIRES(mu_);
  // A LOAD_BALANCE request whose CPU and other parts all ran: moves its cost class's
  // split_cpu_scale_ by how much later (or sooner) the CPU part finished.
  void LearnSplit(const Request& request) CHAINACCEL_REQUIRES(mu_);
  // OK, or RESOURCE_EXHAUSTED with *reason "queue_items" / "queue_bytes".
  Status Admit(const Request& request, std::string_view* reason) const CHAINACCEL_REQUIRES(mu_);
  void Enqueue(size_t engine, Request* request, size_t begin, size_t end, bool at_front)
      CHAINACCEL_REQUIRES(mu_);

  // Dispatch, under mu_.
  void DispatchLoop(size_t engine) CHAINACCEL_EXCLUDES(mu_);
  // Takes the next batch off `engine`'s queue into *formed (false: none, or *wait until
  // a held-open batch is due); requests found dropped go to *finished.
  bool FormBatch(size_t engine, Formed* formed, SchedulerClock::duration* wait,
                 std::vector<Finished>* finished) CHAINACCEL_REQUIRES(mu_);
  // Whether the batch that `head` would start (at most `max` items) is predicted at
  // kExclusiveBatchSeconds or more.
  bool LargeHead(size_t engine, const Part& head, size_t max) const CHAINACCEL_REQUIRES(mu_);
  // The oldest live part of the highest priority (dropping dropped ones on the way).
  const Part* FindHead(size_t engine, SchedulerClock::time_point now,
                       std::vector<Finished>* finished) CHAINACCEL_REQUIRES(mu_);
  // Moves the parts that join `first`'s batch (the same key, or `first` alone without
  // batching) into *formed, up to `max` items, splitting the last one if it must.
  void TakeParts(size_t engine, const Request& first, size_t max, SchedulerClock::time_point now,
                 Formed* formed, std::vector<Finished>* finished) CHAINACCEL_REQUIRES(mu_);
  // Counts `rest` (a part left in place after its front was taken) as queued again.
  void Requeue(size_t engine, Part& rest) CHAINACCEL_REQUIRES(mu_);
  // Runs the batch, its gathered copies in *buffers (the dispatch thread's, kept between
  // its batches).
  void RunFormed(size_t engine, Formed& formed, BatchBuffers* buffers,
                 std::vector<Finished>* finished) CHAINACCEL_EXCLUDES(mu_);
  // Counts a part in (Count) or out of (Unqueue) the queue figures of `engine`, its
  // task type's and its request's.
  void Count(size_t engine, const Part& part) CHAINACCEL_REQUIRES(mu_);
  void Unqueue(size_t engine, const Part& part) CHAINACCEL_REQUIRES(mu_);
  // Takes the part at `it` (of a dropped request) off `list`; returns the next one.
  std::list<Part>::iterator Drop(size_t engine, std::list<Part>& list,
                                 std::list<Part>::iterator it, std::vector<Finished>* finished)
      CHAINACCEL_REQUIRES(mu_);
  // Whether the request is dropped: its deadline passed or its client cancelled (marks
  // it so, with the status it completes with).
  bool Expired(Request& request, SchedulerClock::time_point now) CHAINACCEL_REQUIRES(mu_);
  // Moves the engine's queued parts to the CPU engine; returns how many.
  size_t HandOverQueue(size_t engine) CHAINACCEL_REQUIRES(mu_);
  // Whether engine e takes no new work (hung or disabled; e != 0).
  bool OutOfService(size_t e) const CHAINACCEL_REQUIRES(mu_);
  void PartDone(Request* request, std::vector<Finished>* finished) CHAINACCEL_REQUIRES(mu_);
  void Complete(std::vector<Finished>& finished) CHAINACCEL_EXCLUDES(mu_);
  void SweepLocked(std::vector<Finished>* finished) CHAINACCEL_REQUIRES(mu_);
  // Marks a GPU engine hung when one of its batches runs past its hang time.
  void CheckHangsLocked() CHAINACCEL_REQUIRES(mu_);
  bool GpuBatchesRunning() const CHAINACCEL_REQUIRES(mu_);
  void TimerLoop() CHAINACCEL_EXCLUDES(mu_);
  void Refuse(Request* request, Status status, std::string_view reason) CHAINACCEL_EXCLUDES(mu_);

  const std::vector<Engine*> engines_;
  const Options options_;
  const Clock& clock_;
  SchedulerObserver* const observer_;
  HostLoad* const host_load_;
  mutable Mutex mu_;
  CondVar work_;  // waited on with mu_ by dispatch threads: work was queued, or stopping
  CondVar idle_;  // waited on with mu_ by Shutdown: in_flight_ fell to 0
  CondVar timer_;  // waited on with mu_ by the timer: work was queued, or stopping
  CostModel model_ CHAINACCEL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<EngineQueue>> queues_ CHAINACCEL_GUARDED_BY(mu_);
  std::array<uint64_t, kTaskTypeCount> queued_items_ CHAINACCEL_GUARDED_BY(mu_){};
  std::array<uint64_t, kTaskTypeCount> queued_bytes_ CHAINACCEL_GUARDED_BY(mu_){};
  // Per cost class, what LOAD_BALANCE multiplies the CPU engine's per-item cost by: the
  // model predicts a CPU batch from the work the pool gave it, but a split's CPU part
  // also shares the host with the request path and with parts that start after it, and
  // the request waits for its last part (LearnSplit).
  std::array<double, kCostClassCount> split_cpu_scale_ CHAINACCEL_GUARDED_BY(mu_){};
  size_t in_flight_ CHAINACCEL_GUARDED_BY(mu_) = 0;  // submitted, not yet completed
  size_t queued_parts_ CHAINACCEL_GUARDED_BY(mu_) = 0;
  uint64_t gpu_fallbacks_ CHAINACCEL_GUARDED_BY(mu_) = 0;
  uint64_t gpu_hangs_ CHAINACCEL_GUARDED_BY(mu_) = 0;
  bool stopping_ CHAINACCEL_GUARDED_BY(mu_) = false;  // Submit refuses
  bool exiting_ CHAINACCEL_GUARDED_BY(mu_) = false;   // threads leave

  std::vector<std::thread> threads_;  // dispatch threads and the timer; set by the constructor
  static constexpr size_t kCompletionThreads = 4;
  // A GPU batch predicted to take this long or more runs alone (no other such batch
  // beside it). 0.1 s: a 1M-item ECDSA verification or recovery (~0.15 s) is one, a
  // 1M-item Ed25519 batch (~0.06 s) and anything smaller is not. On an H200 (2026-12-03,
  // bench/RESULTS.md) four 1M-item recoveries side by side ran at 3.9 M/s against
  // 5.2 M/s one after another, while 262,144-item Ed25519 batches gained from company
  // (9.8 against 8.7 M/s). How often a waiting GPU thread looks again:
  static constexpr double kExclusiveBatchSeconds = 0.1;
  // LOAD_BALANCE's CPU correction (split_cpu_scale_) stays within [1/4, 16]: at 16 the
  // CPU engine's part of a large request is a sixteenth of its modelled share, under
  // min_split_items for most requests, and each request placed without it fades the
  // correction by kSplitScaleFade (so after ~25 requests a part is tried again).
  static constexpr double kMinSplitScale = 0.25;
  static constexpr double kMaxSplitScale = 16;
  static constexpr double kSplitScaleFade = 0.9;
  static constexpr std::chrono::milliseconds kLargeBatchPoll{2};
  // A dispatch thread keeps its gathered batches' storage (BatchBuffers) up to this size
  // while it is busy: 64 MiB holds a batch of 65,536 recoveries (~12 MB) five times over;
  // with 8 GPU threads and 2 CPU threads busy at most 640 MiB, returned when they idle.
  static constexpr size_t kKeptBatchBufferBytes = size_t{64} << 20;
  // Runs the completions: of requests refused at Submit, and of batches that ran (there
  // the server encodes and sends the responses, off the dispatch threads). Last, so
  // that it is joined first.
  ThreadPool completions_{kCompletionThreads, 0, "sched-done"};
};

}  // namespace chainaccel
