#include "engines/scheduler/hybrid_scheduler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>

#include "core/thread_name.h"
#include "engines/scheduler/cost_priors.h"
#include "engines/scheduler/formed_batch.h"
#include "engines/scheduler/shared_pool_clock.h"

namespace chainaccel {
namespace {

double Seconds(SchedulerClock::duration d) { return std::chrono::duration<double>(d).count(); }

size_t PriorityIndex(Priority priority) { return priority == Priority::kHigh ? 1 : 0; }

const char* PlacementName(Placement placement) {
  switch (placement) {
    case Placement::kCpu: return "CPU";
    case Placement::kGpu: return "GPU";
    case Placement::kLoadBalance: return "LOAD_BALANCE";
    case Placement::kAuto: break;
  }
  return "AUTO";
}

}  // namespace

const Clock& Clock::Steady() {
  struct SteadyClock final : Clock {
    SchedulerClock::time_point Now() const override { return SchedulerClock::now(); }
  };
  static const SteadyClock clock;
  return clock;
}

// A submitted task, alive until its completion has run.
struct HybridScheduler::Request {
  Task* task = nullptr;
  SubmitOptions options;
  Completion done;
  BatchKey key;
  size_t cost_class = 0;
  TaskType type = TaskType::kHash;
  size_t items = 0;
  size_t queued_parts = 0;   // parts waiting in some engine's queue
  size_t running_parts = 0;  // parts in a running batch
  Status status;             // the first failure, or why the request was dropped
  std::string_view drop_reason;  // "deadline", "cancelled" when dropped while queued
  bool dropped = false;
  uint64_t engines_used = 0;  // bit i: engines_[i] ran a part
  // LOAD_BALANCE split with a CPU part and another: when it was placed, and when its
  // last CPU part and its last other part finished (LearnSplit).
  bool split_with_cpu = false;
  SchedulerClock::time_point placed, cpu_finished, others_finished;
};

// Items [begin, end) of a request, queued on one engine.
struct HybridScheduler::Part {
  Request* request = nullptr;
  size_t begin = 0;
  size_t end = 0;
  SchedulerClock::time_point enqueued;
  uint64_t bytes = 0;
  double cost = 0;  // predicted seconds it adds to the engine's backlog

  size_t size() const { return end - begin; }
};

struct HybridScheduler::EngineQueue {
  std::array<std::list<Part>, 2> parts;  // by PriorityIndex: [1] is taken first
  size_t threads = 1;
  double queued_cost = 0;  // sum of the queued parts' cost
  // Running batches: predicted end, and when the batch counts as hung (GPU engines).
  struct Running {
    SchedulerClock::time_point until;
    SchedulerClock::time_point hang_after;
    double predicted_seconds = 0;
    double shared_mark = 0;  // SharedPoolClock::Start's mark (the CPU engine)
  };
  std::vector<Running> running;
  // The CPU engine's batches share its worker pool: the work each got (shared_pool_clock.h).
  SharedPoolClock shared;
  bool hung = false;  // a GPU batch ran past its hang time; cleared when it returns
  bool disabled = false;  // taken out of service by the operator (SetEngineEnabled)
  size_t large_running = 0;  // running batches predicted at kExclusiveBatchSeconds or more
  std::map<BatchKey, uint64_t> key_items;  // queued items per key
  std::array<uint64_t, kCostClassCount> items{};
  std::array<uint64_t, kCostClassCount> requests{};
  std::array<uint64_t, kCostClassCount> bytes{};
  std::array<uint64_t, kCostClassCount> batches{};
  std::array<bool, kCostClassCount> accepts{};
};

// A batch taken off a queue, to run.
struct HybridScheduler::Formed {
  std::vector<Part> parts;
  size_t cost_class = 0;
  TaskType type = TaskType::kHash;
  double units = 0;
  double predicted_seconds = 0;
  SchedulerClock::time_point predicted_end;
  double shared_mark = 0;  // the CPU engine: SharedPoolClock::Start's mark
  bool large = false;  // predicted at kExclusiveBatchSeconds or more
};

// A request whose completion is due (run outside the lock).
struct HybridScheduler::Finished {
  Request* request = nullptr;
};

HybridScheduler::HybridScheduler(std::vector<Engine*> engines, const Options& options,
                                 const Clock& clock, SchedulerObserver* observer,
                                 HostLoad* host_load)
    : engines_(std::move(engines)),
      options_(options),
      clock_(clock),
      observer_(observer),
      host_load_(host_load),
      model_(kCostClassCount, engines_.size(), options.cost_decay) {
  MutexLock lock(mu_);
  split_cpu_scale_.fill(1.0);
  for (size_t e = 0; e < engines_.size(); ++e) {
    auto queue = std::make_unique<EngineQueue>();
    const bool gpu = e != 0;
    queue->threads = std::max<size_t>(1, gpu ? options_.gpu_batches_in_flight
                                             : options_.cpu_batches_in_flight);
    for (size_t c = 0; c < kCostClassCount; ++c) {
      const Task sample = EmptyTaskOf(CostClassKey(c));
      queue->accepts[c] = engines_[e]->Accepts(sample);
      const CostLine line = DefaultCostLine(c, engines_[e]->info());
      model_.Reset(c, e, line.fixed_seconds, line.per_unit_seconds, false);
    }
    queues_.push_back(std::move(queue));
  }
  for (size_t e = 0; e < engines_.size(); ++e) {
    for (size_t t = 0; t < queues_[e]->threads; ++t) {
      threads_.emplace_back([this, e, name = "sched-" + engines_[e]->info().name] {
        NameCurrentThread(name);
        DispatchLoop(e);
      });
    }
  }
  threads_.emplace_back([this] {
    NameCurrentThread("sched-timer");
    TimerLoop();
  });
}

HybridScheduler::~HybridScheduler() { Shutdown(); }

std::vector<const Engine*> HybridScheduler::engines() const {
  return {engines_.begin(), engines_.end()};
}

void HybridScheduler::SetCost(size_t cost_class, size_t engine, double fixed_seconds,
                              double per_unit_seconds, bool calibrated) {
  MutexLock lock(mu_);
  model_.Reset(cost_class, engine, fixed_seconds, per_unit_seconds, calibrated);
}

uint64_t HybridScheduler::gpu_hangs() const {
  MutexLock lock(mu_);
  return gpu_hangs_;
}

uint64_t HybridScheduler::gpu_fallbacks() const {
  MutexLock lock(mu_);
  return gpu_fallbacks_;
}

// ---- Placement ------------------------------------------------------------------------

double HybridScheduler::Backlog(size_t engine) const {
  // The engine's next batch starts at once while one of its dispatch threads is free,
  // else when the first of its running batches is predicted to end (they run side by
  // side: a GPU runs gpu_batches_in_flight at once); everything queued goes before.
  const EngineQueue& q = *queues_[engine];
  const SchedulerClock::time_point now = clock_.Now();
  double start = 0;
  if (q.running.size() >= q.threads) {
    start = std::numeric_limits<double>::infinity();
    for (const EngineQueue::Running& r : q.running) {
      start = std::min(start, std::max(0.0, Seconds(r.until - now)));
    }
  }
  return start + q.queued_cost;
}

double HybridScheduler::MarginalCost(size_t engine, const Request& request, size_t begin,
                                     size_t end) const {
  const CostModel::Estimate line = model_.Get(request.cost_class, engine);
  const double units = WorkUnits(*request.task, begin, end);
  const size_t n = end - begin;
  const size_t max = std::max<size_t>(1, options_.max_batch_items[static_cast<size_t>(request.type)]);
  if (options_.batching && Splittable(request.type)) {
    const EngineQueue& q = *queues_[engine];
    const auto it = q.key_items.find(request.key);
    if (it != q.key_items.end() && it->second + n <= max) return units * line.per_unit_seconds;
  }
  const size_t batches = Splittable(request.type) ? std::max<size_t>(1, (n + max - 1) / max) : 1;
  return static_cast<double>(batches) * line.fixed_seconds + units * line.per_unit_seconds;
}

double HybridScheduler::CpuCompletion(const Request& request) const {
  // The CPU engine's batches share its workers: a batch started beside running ones
  // finishes after its own work plus the part of theirs it overlaps (SharedFinishSeconds);
  // with every dispatch thread busy it starts when the first of them ends (Backlog).
  const EngineQueue& q = *queues_[0];
  const SchedulerClock::time_point now = clock_.Now();
  std::vector<double> remaining;
  remaining.reserve(q.running.size());
  for (const EngineQueue::Running& r : q.running) {
    remaining.push_back(r.predicted_seconds - q.shared.Progress(now, r.shared_mark));
  }
  if (q.running.size() >= q.threads && !remaining.empty()) {
    remaining.erase(std::min_element(remaining.begin(), remaining.end()));
  }
  return Backlog(0) + SharedFinishSeconds(MarginalCost(0, request, 0, request.items), remaining);
}

int HybridScheduler::BestEngine(const Request& request, const std::vector<size_t>& candidates,
                                bool auto_placement) const {
  const bool gpu_candidate =
      std::any_of(candidates.begin(), candidates.end(), [](size_t e) { return e != 0; });
  int best = -1;
  double best_time = std::numeric_limits<double>::infinity();
  for (size_t e : candidates) {
    double t = e == 0 ? CpuCompletion(request) : Backlog(e) + MarginalCost(e, request, 0, request.items);
    // AUTO: the CPU engine must win by a margin (Options::auto_cpu_time_ratio).
    if (e == 0 && auto_placement && gpu_candidate) t /= options_.auto_cpu_time_ratio;
    if (t < best_time) {
      best_time = t;
      best = static_cast<int>(e);
    }
  }
  return best;
}

void HybridScheduler::PlaceLoadBalanced(Request* request, const std::vector<size_t>& candidates) {
  // Water filling: engine e starts at s_e = backlog + fixed latency and does an item in
  // c_e seconds; find the finish time T with sum_e max(0, (T - s_e) / c_e) = n, leaving
  // out engines whose share would be under min_split_items.
  const double n = static_cast<double>(request->items);
  const double units_per_item = WorkUnits(*request->task, 0, request->items) / std::max(n, 1.0);
  struct Share {
    size_t engine;
    double start;
    double per_item;
    double items = 0;
  };
  std::vector<Share> shares;
  for (size_t e : candidates) {
    const CostModel::Estimate line = model_.Get(request->cost_class, e);
    // The CPU engine's part runs beside its other batches (up to cpu_batches_in_flight at
    // once), sharing its workers: an item costs that many times its own work.
    const EngineQueue& q = *queues_[e];
    const double sharing =
        e == 0 ? static_cast<double>(1 + std::min(q.running.size(), q.threads - 1)) *
                     split_cpu_scale_[request->cost_class]
               : 1.0;
    shares.push_back({e, Backlog(e) + line.fixed_seconds, line.per_unit_seconds * units_per_item * sharing});
  }
  std::sort(shares.begin(), shares.end(), [](const Share& a, const Share& b) { return a.start < b.start; });
  for (;;) {
    double inverse = 0, weighted = 0, finish = 0;
    size_t used = 0;
    for (size_t k = 0; k < shares.size(); ++k) {
      inverse += 1 / shares[k].per_item;
      weighted += shares[k].start / shares[k].per_item;
      const double t = (n + weighted) / inverse;
      if (k + 1 == shares.size() || t <= shares[k + 1].start) {
        finish = t;
        used = k + 1;
        break;
      }
    }
    shares.resize(used);
    for (Share& s : shares) s.items = std::max(0.0, (finish - s.start) / s.per_item);
    // The CPU engine's part must pay for what it takes from the GPU path (Options).
    const auto cpu = std::find_if(shares.begin(), shares.end(), [](const Share& s) { return s.engine == 0; });
    if (shares.size() > 1 && cpu != shares.end() &&
        cpu->items < options_.load_balance_cpu_min_share * n) {
      shares.erase(cpu);
      continue;
    }
    auto smallest = std::min_element(shares.begin(), shares.end(),
                                     [](const Share& a, const Share& b) { return a.items < b.items; });
    if (shares.size() == 1 || smallest->items >= static_cast<double>(options_.min_split_items)) break;
    shares.erase(smallest);
  }
  size_t begin = 0;
  bool cpu_part = false;
  for (size_t k = 0; k < shares.size(); ++k) {
    const size_t count = k + 1 == shares.size()
                             ? request->items - begin
                             : std::min(request->items - begin, static_cast<size_t>(std::llround(shares[k].items)));
    if (count == 0) continue;
    Enqueue(shares[k].engine, request, begin, begin + count, false);
    cpu_part |= shares[k].engine == 0;
    begin += count;
  }
  request->split_with_cpu = cpu_part && request->queued_parts > 1;
  request->placed = clock_.Now();
  double& scale = split_cpu_scale_[request->cost_class];
  if (!cpu_part && candidates.front() == 0 && scale > 1) {
    // Left out, the CPU engine says nothing more about its parts: let the correction
    // fade so that a later request tries it again.
    scale = std::max(1.0, scale * kSplitScaleFade);
  }
}

void HybridScheduler::LearnSplit(const Request& request) {
  const double cpu = Seconds(request.cpu_finished - request.placed);
  const double others = Seconds(request.others_finished - request.placed);
  if (!(cpu > 0) || !(others > 0)) return;
  // Half the (bounded) log-ratio a request: damped, so one late part moves the split a
  // little and a steady lateness moves it all the way within a few requests.
  const double ratio = std::clamp(cpu / others, 0.5, 2.0);
  double& scale = split_cpu_scale_[request.cost_class];
  scale = std::clamp(scale * std::sqrt(ratio), kMinSplitScale, kMaxSplitScale);
}

Status HybridScheduler::Admit(const Request& request, std::string_view* reason) const {
  const size_t type = static_cast<size_t>(request.type);
  const uint64_t bytes = InputBytes(*request.task, 0, request.items);
  const bool items_full = queued_items_[type] > 0 &&
                          queued_items_[type] + request.items > options_.max_queued_items;
  const bool bytes_full = queued_bytes_[type] > 0 &&
                          queued_bytes_[type] + bytes > options_.max_queued_bytes;
  if (!items_full && !bytes_full) return Status::Ok();
  *reason = items_full ? "queue_items" : "queue_bytes";
  double drain = std::numeric_limits<double>::infinity();
  for (size_t e = 0; e < engines_.size(); ++e) drain = std::min(drain, Backlog(e));
  const auto retry_ms = static_cast<uint64_t>(std::ceil(std::max(drain, 0.001) * 1000));
  return Status::ResourceExhausted(
      std::string(TaskTypeName(request.type)) + " queue is full (" +
      std::to_string(queued_items_[type]) + " items, " + std::to_string(queued_bytes_[type]) +
      " bytes queued; limits " + std::to_string(options_.max_queued_items) + " items, " +
      std::to_string(options_.max_queued_bytes) + " bytes): retry after " +
      std::to_string(retry_ms) + " ms");
}

void HybridScheduler::Enqueue(size_t engine, Request* request, size_t begin, size_t end,
                              bool at_front) {
  EngineQueue& q = *queues_[engine];
  Part part{request, begin, end, clock_.Now(), InputBytes(*request->task, begin, end),
            MarginalCost(engine, *request, begin, end)};
  auto& list = q.parts[PriorityIndex(request->options.priority)];
  if (at_front) {
    list.push_front(part);
  } else {
    list.push_back(part);
  }
  Count(engine, part);
}

void HybridScheduler::Count(size_t engine, const Part& part) {
  EngineQueue& q = *queues_[engine];
  Request& request = *part.request;
  const size_t c = request.cost_class;
  const size_t type = static_cast<size_t>(request.type);
  q.queued_cost += part.cost;
  q.key_items[request.key] += part.size();
  q.items[c] += part.size();
  q.requests[c] += 1;
  q.bytes[c] += part.bytes;
  queued_items_[type] += part.size();
  queued_bytes_[type] += part.bytes;
  ++request.queued_parts;
  ++queued_parts_;
}

void HybridScheduler::Unqueue(size_t engine, const Part& part) {
  EngineQueue& q = *queues_[engine];
  Request& request = *part.request;
  const size_t c = request.cost_class;
  const size_t type = static_cast<size_t>(request.type);
  q.queued_cost = std::max(0.0, q.queued_cost - part.cost);
  auto key = q.key_items.find(request.key);
  if (key != q.key_items.end() && (key->second -= part.size()) == 0) q.key_items.erase(key);
  q.items[c] -= part.size();
  q.requests[c] -= 1;
  q.bytes[c] -= part.bytes;
  queued_items_[type] -= part.size();
  queued_bytes_[type] -= part.bytes;
  --request.queued_parts;
  --queued_parts_;
}

void HybridScheduler::Submit(Task* task, SubmitOptions options, Completion done) {
  auto* request = new Request;
  request->task = task;
  request->options = std::move(options);
  request->done = std::move(done);
  request->key = BatchKeyOf(*task);
  request->cost_class = CostClassOf(request->key);
  request->type = request->key.type;
  request->items = TaskItemCount(*task);
  const Placement placement = request->options.placement == Placement::kAuto
                                  ? options_.default_placement
                                  : request->options.placement;
  // Engines that run this task now (Engine calls, outside the lock). The CPU engine
  // counts as healthy always: it is where failed work goes.
  std::vector<size_t> candidates;
  for (size_t e = 0; e < engines_.size(); ++e) {
    if (placement == Placement::kCpu && e != 0) continue;
    if (placement == Placement::kGpu && e == 0) continue;
    if (engines_[e]->Accepts(*task) && (e == 0 || engines_[e]->healthy())) candidates.push_back(e);
  }
  // AUTO and a busy host: the CPU engine only where no GPU in service takes the request
  // (Options::auto_cpu_max_host_load says why).
  const bool host_busy = placement == Placement::kAuto && host_load_ != nullptr &&
                         candidates.size() > 1 &&
                         host_load_->Utilization() > options_.auto_cpu_max_host_load;
  Status refusal;
  std::string_view reason;
  {
    MutexLock lock(mu_);
    ++in_flight_;
    // A GPU out of service (hung, or disabled by the operator) takes no new work.
    size_t kept = 0;
    for (size_t e : candidates) {
      if (!OutOfService(e)) candidates[kept++] = e;
    }
    candidates.resize(kept);
    if (host_busy && candidates.size() > 1 && candidates.front() == 0) {
      candidates.erase(candidates.begin());
    }
    if (stopping_) {
      refusal = Status::Unavailable("the daemon is shutting down");
      reason = "shutdown";
    } else if (candidates.empty()) {
      const char* kind = placement == Placement::kGpu ? "GPU " : placement == Placement::kCpu ? "CPU " : "";
      refusal = Status::FailedPrecondition(
          std::string("placement: ") + PlacementName(placement) + " asked for but no healthy " +
          kind + "engine runs this " + std::string(TaskTypeName(request->type)) + " batch");
      reason = "no_engine";
    } else if (request->options.deadline <= clock_.Now()) {
      refusal = Status::DeadlineExceeded("the deadline passed before the batch was queued");
      reason = "deadline";
    } else if (refusal = Admit(*request, &reason); refusal.ok()) {
      if (placement == Placement::kLoadBalance && Splittable(request->type) &&
          candidates.size() > 1 && request->items >= 2 * options_.min_split_items) {
        PlaceLoadBalanced(request, candidates);
      } else {
        Enqueue(static_cast<size_t>(BestEngine(*request, candidates, placement == Placement::kAuto)),
                request, 0, request->items, false);
      }
    }
    if (refusal.ok()) {
      work_.NotifyAll();
      timer_.NotifyOne();
    }
  }
  if (!refusal.ok()) Refuse(request, std::move(refusal), reason);
}

void HybridScheduler::Refuse(Request* request, Status status, std::string_view reason) {
  if (observer_ != nullptr) observer_->OnRejected(request->type, reason);
  // Completions never run inside Submit (scheduler.h).
  completions_.Post([this, request, status = std::move(status)] {
    request->done(status, "");
    delete request;
    MutexLock lock(mu_);
    if (--in_flight_ == 0) idle_.NotifyAll();
  });
}

// ---- Dispatch -------------------------------------------------------------------------

bool HybridScheduler::Expired(Request& request, SchedulerClock::time_point now) {
  if (request.dropped) return true;
  if (now >= request.options.deadline) {
    request.status = Status::DeadlineExceeded("the deadline passed while the batch was queued");
    request.drop_reason = "deadline";
  } else if (request.options.cancelled && request.options.cancelled()) {
    request.status = Status::Cancelled("the client gave up before the batch ran");
    request.drop_reason = "cancelled";
  } else {
    return false;
  }
  request.dropped = true;
  return true;
}

void HybridScheduler::PartDone(Request* request, std::vector<Finished>* finished) {
  if (request->queued_parts != 0 || request->running_parts != 0) return;
  if (request->split_with_cpu && request->status.ok() && !request->dropped) LearnSplit(*request);
  finished->push_back({request});
}

bool HybridScheduler::OutOfService(size_t e) const {
  return e != 0 && (queues_[e]->hung || queues_[e]->disabled);
}

size_t HybridScheduler::HandOverQueue(size_t engine) {
  EngineQueue& q = *queues_[engine];
  size_t moved = 0;
  for (auto& list : q.parts) {
    while (!list.empty()) {
      const Part part = list.front();
      list.pop_front();
      Unqueue(engine, part);
      Enqueue(0, part.request, part.begin, part.end, false);
      ++moved;
    }
  }
  if (moved != 0) {
    spdlog::warn("{} is out of service: its {} queued request part(s) go to the CPU engine",
                 engines_[engine]->info().name, moved);
    work_.NotifyAll();
  }
  return moved;
}

Status HybridScheduler::SetEngineEnabled(std::string_view name, bool enabled, uint64_t* moved) {
  *moved = 0;
  size_t e = 0;
  while (e < engines_.size() && engines_[e]->info().name != name) ++e;
  if (e == engines_.size()) {
    return Status(Status::Code::kNotFound, "engine: no engine named " + std::string(name));
  }
  if (e == 0) {
    return Status::FailedPrecondition("engine: the CPU engine cannot be disabled: every other "
                                      "engine's work falls back to it");
  }
  MutexLock lock(mu_);
  EngineQueue& q = *queues_[e];
  if (q.disabled == !enabled) return Status::Ok();
  q.disabled = !enabled;
  spdlog::warn("{} {} by the operator", name, enabled ? "back in service" : "taken out of service");
  if (!enabled) *moved = HandOverQueue(e);
  return Status::Ok();
}

bool HybridScheduler::engine_enabled(size_t e) const {
  MutexLock lock(mu_);
  return e >= queues_.size() || !queues_[e]->disabled;
}

const HybridScheduler::Part* HybridScheduler::FindHead(size_t engine,
                                                       SchedulerClock::time_point now,
                                                       std::vector<Finished>* finished) {
  EngineQueue& q = *queues_[engine];
  for (size_t p = q.parts.size(); p-- > 0;) {
    auto& list = q.parts[p];
    for (auto it = list.begin(); it != list.end();) {
      if (!Expired(*it->request, now)) return &*it;
      it = Drop(engine, list, it, finished);
    }
  }
  return nullptr;
}

void HybridScheduler::Requeue(size_t engine, Part& rest) {
  const Request& request = *rest.request;
  rest.bytes = InputBytes(*request.task, rest.begin, rest.end);
  rest.cost = MarginalCost(engine, request, rest.begin, rest.end);
  Count(engine, rest);
}

std::list<HybridScheduler::Part>::iterator HybridScheduler::Drop(
    size_t engine, std::list<Part>& list, std::list<Part>::iterator it,
    std::vector<Finished>* finished) {
  Request* request = it->request;
  Unqueue(engine, *it);
  it = list.erase(it);
  PartDone(request, finished);
  return it;
}

void HybridScheduler::TakeParts(size_t engine, const Request& first, size_t max,
                                SchedulerClock::time_point now, Formed* formed,
                                std::vector<Finished>* finished) {
  EngineQueue& q = *queues_[engine];
  const BatchKey& key = first.key;
  const bool coalesce = options_.batching && Splittable(key.type);
  size_t taken = 0;
  for (size_t p = q.parts.size(); p-- > 0 && taken < max;) {
    auto& list = q.parts[p];
    for (auto it = list.begin(); it != list.end() && taken < max;) {
      Request* request = it->request;
      const bool joins = coalesce ? request->key == key : request == &first;
      if (!joins) {
        ++it;
        continue;
      }
      if (Expired(*request, now)) {
        it = Drop(engine, list, it, finished);
        continue;
      }
      Part piece = *it;
      Unqueue(engine, *it);
      if (Splittable(key.type) && piece.size() > max - taken) {
        // The front of the part joins the batch; its rest stays where it was.
        piece.end = piece.begin + (max - taken);
        it->begin = piece.end;
        Requeue(engine, *it);
        ++it;
      } else {
        it = list.erase(it);
      }
      ++request->running_parts;
      taken += piece.size();
      formed->units += WorkUnits(*request->task, piece.begin, piece.end);
      formed->parts.push_back(piece);
      if (!coalesce) return;
    }
  }
}

bool HybridScheduler::LargeHead(size_t engine, const Part& head, size_t max) const {
  const Request& first = *head.request;
  size_t items = head.size();
  if (options_.batching && Splittable(first.type)) {
    const EngineQueue& q = *queues_[engine];
    const auto it = q.key_items.find(first.key);
    if (it != q.key_items.end()) items = it->second;
  }
  items = std::min(items, max);
  const double units_per_item =
      WorkUnits(*first.task, head.begin, head.end) / static_cast<double>(std::max<size_t>(1, head.size()));
  return model_.Predict(first.cost_class, engine, units_per_item * static_cast<double>(items)) >=
         kExclusiveBatchSeconds;
}

bool HybridScheduler::FormBatch(size_t engine, Formed* formed, SchedulerClock::duration* wait,
                                std::vector<Finished>* finished) {
  if (engine != 0 && (!engines_[engine]->healthy() || OutOfService(engine))) {
    HandOverQueue(engine);
    return false;
  }
  EngineQueue& q = *queues_[engine];
  const SchedulerClock::time_point now = clock_.Now();
  const Part* head = FindHead(engine, now, finished);
  if (head == nullptr) return false;
  const Request& first = *head->request;
  const size_t max = std::max<size_t>(1, options_.max_batch_items[static_cast<size_t>(first.type)]);
  if (options_.batching && Splittable(first.type) && options_.max_queue_delay.count() > 0) {
    // Hold a batch that is not full open until its oldest request has waited the delay.
    const auto it = q.key_items.find(first.key);
    const uint64_t queued = it == q.key_items.end() ? 0 : it->second;
    const SchedulerClock::time_point due = head->enqueued + options_.max_queue_delay;
    if (queued < max && now < due) {
      *wait = due - now;
      return false;
    }
  }
  if (engine != 0 && q.large_running > 0 && LargeHead(engine, *head, max)) {
    // One large batch at a time on a GPU: it fills the device alone, and two side by
    // side each take about twice as long (which the cost model would learn as the
    // device's own slowness). Smaller batches still run beside it.
    *wait = std::chrono::duration_cast<SchedulerClock::duration>(kLargeBatchPoll);
    return false;
  }
  formed->cost_class = first.cost_class;
  formed->type = first.type;
  TakeParts(engine, first, max, now, formed, finished);
  // A client may cancel between FindHead and TakeParts: nothing left to run then.
  if (formed->parts.empty()) return false;
  formed->predicted_seconds = model_.Predict(formed->cost_class, engine, formed->units);
  formed->large = formed->predicted_seconds >= kExclusiveBatchSeconds;
  if (formed->large) ++q.large_running;
  formed->predicted_end =
      now + std::chrono::duration_cast<SchedulerClock::duration>(
                std::chrono::duration<double>(formed->predicted_seconds));
  const auto hang_after = std::max(
      std::chrono::duration_cast<SchedulerClock::duration>(options_.gpu_hang_min),
      std::chrono::duration_cast<SchedulerClock::duration>(
          std::chrono::duration<double>(options_.gpu_hang_factor * formed->predicted_seconds)));
  if (engine == 0) formed->shared_mark = q.shared.Start(now);
  q.running.push_back({formed->predicted_end, now + hang_after, formed->predicted_seconds,
                       formed->shared_mark});
  if (engine != 0) timer_.NotifyOne();  // the timer watches running GPU batches
  return true;
}

void HybridScheduler::RunFormed(size_t engine, Formed& formed, BatchBuffers* buffers,
                                std::vector<Finished>* finished) {
  std::vector<TaskRange> ranges;
  ranges.reserve(formed.parts.size());
  for (const Part& part : formed.parts) ranges.push_back({part.request->task, part.begin, part.end});
  const SchedulerClock::time_point formed_at = clock_.Now();
  FormedBatch batch(std::move(ranges), buffers);
  const SchedulerClock::time_point start = clock_.Now();
  const Status status = engines_[engine]->Run(batch.task());
  const SchedulerClock::time_point ran = clock_.Now();
  const double run_seconds = Seconds(ran - start);
  if (status.ok()) batch.Scatter();
  if (observer_ != nullptr) {
    std::vector<double> waits;
    waits.reserve(formed.parts.size());
    for (const Part& part : formed.parts) waits.push_back(Seconds(formed_at - part.enqueued));
    BatchReport report;
    report.type = formed.type;
    report.engine = engines_[engine]->info().name;
    report.items = batch.items();
    report.requests = formed.parts.size();
    report.queue_wait = waits;
    report.gather_seconds = Seconds(start - formed_at);
    report.run_seconds = run_seconds;
    report.scatter_seconds = Seconds(clock_.Now() - ran);
    report.predicted_seconds = formed.predicted_seconds;
    report.ok = status.ok();
    observer_->OnBatch(report);
  }
  if (!status.ok() && engine != 0) {
    spdlog::error("{} failed a {} batch of {} items ({}); running it on the CPU",
                  engines_[engine]->info().name, TaskTypeName(formed.type), batch.items(),
                  status.ToString());
  }
  MutexLock lock(mu_);
  EngineQueue& q = *queues_[engine];
  const auto until =
      std::find_if(q.running.begin(), q.running.end(), [&formed](const EngineQueue::Running& r) {
        return r.until == formed.predicted_end;
      });
  if (until != q.running.end()) q.running.erase(until);
  if (q.hung && std::none_of(q.running.begin(), q.running.end(), [this](const EngineQueue::Running& r) {
        return r.hang_after <= clock_.Now();
      })) {
    q.hung = false;
    spdlog::warn("{}: the batch that ran past its hang time has returned ({}); the engine "
                 "takes work again while it is healthy",
                 engines_[engine]->info().name, status.ok() ? "OK" : status.ToString());
  }
  if (formed.large) --q.large_running;
  // The CPU engine's model learns the work a batch got, not the time it took beside
  // others (shared_pool_clock.h).
  const double work_seconds =
      engine == 0 ? std::min(run_seconds, q.shared.Finish(clock_.Now(), formed.shared_mark))
                  : run_seconds;
  if (status.ok()) {
    model_.Observe(formed.cost_class, engine, formed.units, work_seconds);
    ++q.batches[formed.cost_class];
  } else if (engine != 0) {
    ++gpu_fallbacks_;
  }
  // A failed GPU batch goes back to the head of the CPU engine's queue.
  for (auto part = formed.parts.rbegin(); part != formed.parts.rend(); ++part) {
    Request* request = part->request;
    --request->running_parts;
    if (status.ok()) {
      request->engines_used |= uint64_t{1} << std::min<size_t>(engine, 63);
      (engine == 0 ? request->cpu_finished : request->others_finished) = clock_.Now();
    } else if (engine != 0 && !request->dropped) {
      Enqueue(0, request, part->begin, part->end, true);
      request->split_with_cpu = false;  // its finish says nothing about the split
    } else if (request->status.ok()) {
      request->status = status;
    }
    PartDone(request, finished);
  }
  if (!status.ok() && engine != 0) {
    work_.NotifyAll();
    timer_.NotifyOne();
  }
}

void HybridScheduler::Complete(std::vector<Finished>& finished) {
  if (finished.empty()) return;
  for (const Finished& f : finished) {
    Request* request = f.request;
    std::string names;
    for (size_t e = 0; e < engines_.size() && e < 64; ++e) {
      if ((request->engines_used >> e & 1) == 0) continue;
      if (!names.empty()) names += '+';
      names += engines_[e]->info().name;
    }
    if (observer_ != nullptr && request->dropped) observer_->OnDropped(request->type, request->drop_reason);
    request->done(request->status, names);
    delete request;
  }
  const size_t n = finished.size();
  finished.clear();
  MutexLock lock(mu_);
  in_flight_ -= n;
  if (in_flight_ == 0) idle_.NotifyAll();
}

void HybridScheduler::DispatchLoop(size_t engine) {
  std::vector<Finished> finished;
  // Completions (the server encodes and sends responses in them) run on completions_,
  // so that this thread forms the next batch at once; a batch's requests are dealt out
  // over the completion threads, since each answer takes some microseconds (encoding,
  // metrics, gRPC's send) and a batch may hold hundreds.
  const auto hand_over = [this, &finished] {
    const size_t groups = std::min(finished.size(), kCompletionThreads);
    for (size_t g = 0; g < groups; ++g) {
      std::vector<Finished> group;
      for (size_t i = g; i < finished.size(); i += groups) group.push_back(finished[i]);
      completions_.Post([this, done = std::move(group)]() mutable { Complete(done); });
    }
    finished.clear();
  };
  // The gathered batches' storage, kept from batch to batch while this thread is busy (up
  // to kKeptBatchBufferBytes) and returned when it goes idle.
  BatchBuffers buffers;
  MutexLock lock(mu_);
  while (!exiting_) {
    Formed formed;
    SchedulerClock::duration wait = SchedulerClock::duration::max();
    const bool got = FormBatch(engine, &formed, &wait, &finished);
    if (got || !finished.empty()) {
      lock.Unlock();
      hand_over();
      if (got) {
        RunFormed(engine, formed, &buffers, &finished);
        hand_over();
        if (buffers.CapacityBytes() > kKeptBatchBufferBytes) buffers.Release();
      }
      lock.Lock();
      continue;
    }
    if (wait == SchedulerClock::duration::max() && buffers.CapacityBytes() > 0) {
      // Idle: free the buffers outside the lock, then look for work again before waiting.
      lock.Unlock();
      buffers.Release();
      lock.Lock();
      continue;
    }
    if (wait != SchedulerClock::duration::max()) {
      static_cast<void>(work_.WaitFor(mu_, wait));
    } else {
      work_.Wait(mu_);
    }
  }
}

void HybridScheduler::SweepLocked(std::vector<Finished>* finished) {
  const SchedulerClock::time_point now = clock_.Now();
  for (size_t e = 0; e < queues_.size(); ++e) {
    for (auto& list : queues_[e]->parts) {
      for (auto it = list.begin(); it != list.end();) {
        it = Expired(*it->request, now) ? Drop(e, list, it, finished) : std::next(it);
      }
    }
  }
}

void HybridScheduler::Tick() {
  std::vector<Finished> finished;
  {
    MutexLock lock(mu_);
    SweepLocked(&finished);
    work_.NotifyAll();
  }
  Complete(finished);
}

bool HybridScheduler::GpuBatchesRunning() const {
  for (size_t e = 1; e < queues_.size(); ++e) {
    if (!queues_[e]->running.empty()) return true;
  }
  return false;
}

void HybridScheduler::CheckHangsLocked() {
  const SchedulerClock::time_point now = clock_.Now();
  for (size_t e = 1; e < queues_.size(); ++e) {
    EngineQueue& q = *queues_[e];
    if (q.hung) continue;
    for (const EngineQueue::Running& r : q.running) {
      if (r.hang_after > now) continue;
      q.hung = true;
      ++gpu_hangs_;
      spdlog::error("{}: a batch has run {:.1f} s past its predicted end (a hang, by "
                    "gpu_hang_factor and gpu_hang_min); no new work goes there until it "
                    "returns",
                    engines_[e]->info().name, Seconds(now - r.until));
      HandOverQueue(e);
      break;
    }
  }
}

void HybridScheduler::TimerLoop() {
  std::vector<Finished> finished;
  MutexLock lock(mu_);
  while (!exiting_) {
    if (queued_parts_ == 0 && !GpuBatchesRunning()) {
      timer_.Wait(mu_);
      continue;
    }
    CheckHangsLocked();
    SweepLocked(&finished);
    if (!finished.empty()) {
      lock.Unlock();
      Complete(finished);
      lock.Lock();
    }
    static_cast<void>(timer_.WaitFor(mu_, options_.sweep_interval));
  }
}

// ---- Shutdown and snapshot ------------------------------------------------------------

void HybridScheduler::Shutdown() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
    while (in_flight_ != 0) idle_.Wait(mu_);
    exiting_ = true;
    work_.NotifyAll();
    timer_.NotifyAll();
  }
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

std::vector<HybridScheduler::Row> HybridScheduler::Snapshot() const {
  MutexLock lock(mu_);
  std::vector<Row> rows;
  for (size_t c = 0; c < kCostClassCount; ++c) {
    const CostModel::Estimate cpu = model_.Get(c, 0);
    for (size_t e = 0; e < engines_.size(); ++e) {
      const EngineQueue& q = *queues_[e];
      Row row;
      row.cost_class = c;
      row.engine = e;
      row.estimate = model_.Get(c, e);
      row.queued_items = q.items[c];
      row.queued_requests = q.requests[c];
      row.queued_bytes = q.bytes[c];
      row.batches = q.batches[c];
      row.accepts = q.accepts[c];
      if (e == 0) {
        row.split_scale = split_cpu_scale_[c];
      } else {
        const double a = row.estimate.fixed_seconds, b = row.estimate.per_unit_seconds;
        if (a <= cpu.fixed_seconds && b <= cpu.per_unit_seconds) {
          row.crossover_units = 0;
        } else if (b >= cpu.per_unit_seconds) {
          row.crossover_units = a <= cpu.fixed_seconds ? 0 : UINT64_MAX;
        } else {
          row.crossover_units = static_cast<uint64_t>(
              std::ceil((a - cpu.fixed_seconds) / (cpu.per_unit_seconds - b)));
        }
      }
      rows.push_back(row);
    }
  }
  return rows;
}

}  // namespace chainaccel
