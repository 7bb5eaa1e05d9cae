// HybridScheduler with fake engines and a fake clock: coalescing, splitting, result
// order, priorities, deadlines, cancellation, admission bounds, routing by cost, load
// balancing, GPU fallback and shutdown. Runs everywhere (no GPU needed).
#include "engines/scheduler/hybrid_scheduler.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "crypto/hashes.h"
#include "engines/scheduler/testing/fake_engine.h"
#include "tests/support/outcome.h"

namespace chainaccel {
namespace {

using testing::FakeClock;
using testing::FakeEngine;
using namespace std::chrono_literals;

// A hash request that owns its messages (variable-size: message i has i % 7 + 1 bytes,
// starting with `tag` and i) and its digests, and the completion's outcome.
struct HashRequest {
  std::vector<uint8_t> data;
  std::vector<uint64_t> offsets{0};
  std::vector<uint8_t> digests;
  Task task;
  testing::Outcome<std::pair<Status, std::string>> outcome;

  HashRequest(size_t n, uint8_t tag, HashAlgorithm algorithm = HashAlgorithm::kSha256) {
    for (size_t i = 0; i < n; ++i) {
      for (size_t k = 0; k < i % 7 + 1; ++k) data.push_back(static_cast<uint8_t>(tag + i * 3 + k));
      offsets.push_back(data.size());
    }
    digests.assign(32 * n, 0);
    task = HashTask{algorithm, PackedItems::Variable(data, offsets), digests.data()};
  }

  Scheduler::Completion Done() {
    return [set = outcome.Setter()](const Status& s, const std::string& engine) { set({s, engine}); };
  }

  std::pair<Status, std::string> Wait() { return outcome.Wait(); }

  // Every digest is SHA-256 of its own message.
  bool Correct() const {
    const auto& t = std::get<HashTask>(task);
    for (size_t i = 0; i < t.messages.size(); ++i) {
      uint8_t want[32];
      Sha256(t.messages[i], want);
      if (std::memcmp(want, digests.data() + 32 * i, 32) != 0) return false;
    }
    return true;
  }
};

HybridScheduler::Options OneAtATime() {
  HybridScheduler::Options o;
  o.cpu_batches_in_flight = 1;
  o.gpu_batches_in_flight = 1;
  return o;
}

Scheduler::SubmitOptions With(Placement placement, Priority priority = Priority::kNormal) {
  Scheduler::SubmitOptions o;
  o.placement = placement;
  o.priority = priority;
  return o;
}

// Makes `engine` busy with `first` (held in Run until engine.Release()), so that what is
// submitted next queues.
void Occupy(FakeEngine& engine, HybridScheduler& scheduler, HashRequest& first) {
  engine.Hold();
  scheduler.Submit(&first.task, With(Placement::kAuto), first.Done());
  engine.WaitHeld(1);
}

TEST_CASE("requests queued behind a busy engine run as one batch, results in order") {
  FakeEngine cpu("cpu", EngineKind::kCpu);
  HybridScheduler scheduler({&cpu}, OneAtATime());
  HashRequest first(3, 1);
  Occupy(cpu, scheduler, first);  // the engine is busy with the first request
  std::vector<std::unique_ptr<HashRequest>> queued;
  for (size_t i = 0; i < 5; ++i) {
    queued.push_back(std::make_unique<HashRequest>(10 + i * 13, static_cast<uint8_t>(40 + i)));
    scheduler.Submit(&queued.back()->task, With(Placement::kAuto), queued.back()->Done());
  }
  cpu.Release();
  CHECK(first.Wait().first.ok());
  for (auto& r : queued) {
    const auto [status, engine] = r->Wait();
    CHECK(status.ok());
    CHECK(engine == "cpu");
    CHECK(r->Correct());
  }
  // The five queued requests formed one batch of 10 + 23 + 36 + 49 + 62 items.
  CHECK(cpu.batch_sizes() == std::vector<size_t>{3, 180});
}

TEST_CASE("with batching off every request is its own batch") {
  FakeEngine cpu("cpu", EngineKind::kCpu);
  HybridScheduler::Options options = OneAtATime();
  options.batching = false;
  HybridScheduler scheduler({&cpu}, options);
  HashRequest first(3, 1);
  Occupy(cpu, scheduler, first);
  HashRequest a(4, 2), b(5, 3);
  scheduler.Submit(&a.task, With(Placement::kAuto), a.Done());
  scheduler.Submit(&b.task, With(Placement::kAuto), b.Done());
  cpu.Release();
  CHECK(a.Wait().first.ok());
  CHECK(b.Wait().first.ok());
  CHECK(a.Correct());
  CHECK(b.Correct());
  CHECK(cpu.batch_sizes() == std::vector<size_t>{3, 4, 5});
}

TEST_CASE("requests with different options are never coalesced") {
  FakeEngine cpu("cpu", EngineKind::kCpu);
  HybridScheduler scheduler({&cpu}, OneAtATime());
  HashRequest first(1, 1);
  Occupy(cpu, scheduler, first);
  HashRequest sha(4, 2), keccak(5, 3, HashAlgorithm::kKeccak256), sha2(6, 4);
  scheduler.Submit(&sha.task, With(Placement::kAuto), sha.Done());
  scheduler.Submit(&keccak.task, With(Placement::kAuto), keccak.Done());
  scheduler.Submit(&sha2.task, With(Placement::kAuto), sha2.Done());
  cpu.Release();
  CHECK(sha.Wait().first.ok());
  CHECK(keccak.Wait().first.ok());
  CHECK(sha2.Wait().first.ok());
  // The two SHA-256 requests joined; the Keccak one ran alone, after them.
  CHECK(cpu.batch_sizes() == std::vector<size_t>{1, 10, 5});
}

TEST_CASE("a request larger than one batch is split and reassembled") {
  FakeEngine cpu("cpu", EngineKind::kCpu);
  HybridScheduler::Options options = OneAtATime();
  options.max_batch_items[static_cast<size_t>(TaskType::kHash)] = 10;
  HybridScheduler scheduler({&cpu}, options);
  HashRequest big(25, 9);
  scheduler.Submit(&big.task, With(Placement::kAuto), big.Done());
  const auto [status, engine] = big.Wait();
  CHECK(status.ok());
  CHECK(engine == "cpu");
  CHECK(big.Correct());
  CHECK(cpu.batch_sizes() == std::vector<size_t>{10, 10, 5});
}

TEST_CASE("high-priority work runs before normal work queued earlier") {
  FakeEngine cpu("cpu", EngineKind::kCpu);
  HybridScheduler scheduler({&cpu}, OneAtATime());
  HashRequest first(1, 1);
  Occupy(cpu, scheduler, first);
  HashRequest normal(7, 2, HashAlgorithm::kKeccak256), high(3, 3, HashAlgorithm::kSha256d);
  scheduler.Submit(&normal.task, With(Placement::kAuto, Priority::kNormal), normal.Done());
  scheduler.Submit(&high.task, With(Placement::kAuto, Priority::kHigh), high.Done());
  cpu.Release();
  CHECK(normal.Wait().first.ok());
  CHECK(high.Wait().first.ok());
  CHECK(cpu.batch_sizes() == std::vector<size_t>{1, 3, 7});
}

TEST_CASE("a request whose deadline passes in the queue never runs") {
  FakeClock clock;
  FakeEngine cpu("cpu", EngineKind::kCpu);
  HybridScheduler scheduler({&cpu}, OneAtATime(), clock);
  HashRequest first(1, 1);
  Occupy(cpu, scheduler, first);
  HashRequest late(5, 2);
  Scheduler::SubmitOptions options = With(Placement::kAuto);
  options.deadline = clock.Now() + 10ms;
  scheduler.Submit(&late.task, options, late.Done());
  clock.Advance(11ms);
  scheduler.Tick();
  CHECK(late.Wait().first.code() == Status::Code::kDeadlineExceeded);
  cpu.Release();
  CHECK(first.Wait().first.ok());
  CHECK(cpu.batch_sizes() == std::vector<size_t>{1});
}

TEST_CASE("a request already past its deadline is refused at once") {
  FakeClock clock;
  FakeEngine cpu("cpu", EngineKind::kCpu);
  HybridScheduler scheduler({&cpu}, OneAtATime(), clock);
  HashRequest late(5, 2);
  Scheduler::SubmitOptions options = With(Placement::kAuto);
  options.deadline = clock.Now();
  scheduler.Submit(&late.task, options, late.Done());
  CHECK(late.Wait().first.code() == Status::Code::kDeadlineExceeded);
  CHECK(cpu.batches() == 0);
}

TEST_CASE("a cancelled request leaves the queue without running") {
  FakeEngine cpu("cpu", EngineKind::kCpu);
  HybridScheduler scheduler({&cpu}, OneAtATime());
  HashRequest first(1, 1);
  Occupy(cpu, scheduler, first);
  std::atomic<bool> gone{false};
  HashRequest cancelled(5, 2);
  Scheduler::SubmitOptions options = With(Placement::kAuto);
  options.cancelled = [&gone] { return gone.load(); };
  scheduler.Submit(&cancelled.task, options, cancelled.Done());
  gone = true;
  scheduler.Tick();
  CHECK(cancelled.Wait().first.code() == Status::Code::kCancelled);
  cpu.Release();
  CHECK(first.Wait().first.ok());
  CHECK(cpu.batch_sizes() == std::vector<size_t>{1});
}

TEST_CASE("queues are bounded: RESOURCE_EXHAUSTED with a retry hint, then served") {
  FakeEngine cpu("cpu", EngineKind::kCpu);
  HybridScheduler::Options options = OneAtATime();
  options.max_queued_items = 100;
  HybridScheduler scheduler({&cpu}, options);
  HashRequest first(1, 1);
  Occupy(cpu, scheduler, first);
  HashRequest a(60, 2), b(60, 3), other(60, 4);
  scheduler.Submit(&a.task, With(Placement::kAuto), a.Done());
  scheduler.Submit(&b.task, With(Placement::kAuto), b.Done());
  const auto refused = b.Wait().first;
  CHECK(refused.code() == Status::Code::kResourceExhausted);
  CHECK(refused.message().find("retry after") != std::string::npos);
  CHECK(refused.message().find("hash queue is full") != std::string::npos);
  cpu.Release();
  CHECK(a.Wait().first.ok());
  CHECK(a.Correct());
  // Once the queue drained, the same size is admitted.
  scheduler.Submit(&other.task, With(Placement::kAuto), other.Done());
  CHECK(other.Wait().first.ok());
}

TEST_CASE("AUTO sends small batches to the CPU and large ones to the GPU by cost") {
  FakeClock clock;
  FakeEngine cpu("cpu", EngineKind::kCpu), gpu("gpu:0", EngineKind::kGpu);
  // The engines take what the model says, so what it learns from them agrees.
  cpu.SetCost(&clock, 10us, 1us);
  gpu.SetCost(&clock, 1ms, 10ns);
  HybridScheduler scheduler({&cpu, &gpu}, OneAtATime(), clock);
  // SHA-256: CPU 10 us + 1 us/unit; GPU 1 ms + 10 ns/unit: crossover near 1,000 units.
  scheduler.SetCost(0, 0, 10e-6, 1e-6, true);
  scheduler.SetCost(0, 1, 1e-3, 1e-8, true);
  HashRequest small(50, 1), large(5000, 2);
  scheduler.Submit(&small.task, With(Placement::kAuto), small.Done());
  CHECK(small.Wait().second == "cpu");
  scheduler.Submit(&large.task, With(Placement::kAuto), large.Done());
  const auto [status, engine] = large.Wait();
  CHECK(status.ok());
  CHECK(engine == "gpu:0");
  CHECK(large.Correct());
  // The model's crossover says the same.
  for (const auto& row : scheduler.Snapshot()) {
    if (row.cost_class == 0 && row.engine == 1) CHECK(row.crossover_units > 100);
    if (row.cost_class == 0 && row.engine == 1) CHECK(row.crossover_units < 5000);
  }
}

TEST_CASE("AUTO gives the CPU engine only what it finishes in auto_cpu_time_ratio of the GPU's time") {
  // SHA-256: CPU 10 us + 1 us/unit, GPU 1 ms + 10 ns/unit. 600 items (~630 units): CPU
  // ~0.64 ms, GPU ~1.0 ms: the CPU is sooner, but not twice as fast.
  for (const double ratio : {0.5, 1.0}) {
    FakeClock clock;
    FakeEngine cpu("cpu", EngineKind::kCpu), gpu("gpu:0", EngineKind::kGpu);
    cpu.SetCost(&clock, 10us, 1us);
    gpu.SetCost(&clock, 1ms, 10ns);
    HybridScheduler::Options options = OneAtATime();
    options.auto_cpu_time_ratio = ratio;
    HybridScheduler scheduler({&cpu, &gpu}, options, clock);
    scheduler.SetCost(0, 0, 10e-6, 1e-6, true);
    scheduler.SetCost(0, 1, 1e-3, 1e-8, true);
    HashRequest middle(600, 1), small(100, 2), pinned(600, 3);
    scheduler.Submit(&middle.task, With(Placement::kAuto), middle.Done());
    CHECK(middle.Wait().second == (ratio < 1 ? "gpu:0" : "cpu"));
    // ~0.1 ms: under half the GPU's time either way.
    scheduler.Submit(&small.task, With(Placement::kAuto), small.Done());
    CHECK(small.Wait().second == "cpu");
    // The ratio is AUTO's: placement CPU stands.
    scheduler.Submit(&pinned.task, With(Placement::kCpu), pinned.Done());
    CHECK(pinned.Wait().second == "cpu");
    CHECK(middle.Correct());
  }
}

TEST_CASE("AUTO counts the backlog: a busy GPU loses work to the CPU") {
  FakeClock clock;
  FakeEngine cpu("cpu", EngineKind::kCpu), gpu("gpu:0", EngineKind::kGpu);
  cpu.SetCost(&clock, 10us, 1us);
  gpu.SetCost(&clock, 1ms, 10ns);
  HybridScheduler scheduler({&cpu, &gpu}, OneAtATime(), clock);
  scheduler.SetCost(0, 0, 10e-6, 1e-6, true);
  scheduler.SetCost(0, 1, 1e-3, 1e-8, true);
  scheduler.SetCost(1, 1, 1.0, 1e-8, true);  // SHA-256d: a GPU batch of a second
  gpu.Hold();
  HashRequest slow(5000, 1, HashAlgorithm::kSha256d);
  scheduler.Submit(&slow.task, With(Placement::kGpu), slow.Done());
  gpu.WaitHeld(1);
  // 5,000 SHA-256 units: 5 ms on the CPU, 1 ms on the GPU once it is free in ~1 s.
  HashRequest next(5000, 2);
  scheduler.Submit(&next.task, With(Placement::kAuto), next.Done());
  CHECK(next.Wait().second == "cpu");
  gpu.Release();
  CHECK(slow.Wait().second == "gpu:0");
}

// A HostLoad that reports what the test sets.
class FakeHostLoad final : public HostLoad {
 public:
  double Utilization() override { return utilization.load(); }
  std::atomic<double> utilization{0};
};

TEST_CASE("AUTO leaves the CPU engine out while the host is busy and a GPU takes the work") {
  FakeClock clock;
  FakeEngine cpu("cpu", EngineKind::kCpu), gpu("gpu:0", EngineKind::kGpu);
  cpu.SetCost(&clock, 10us, 1us);
  gpu.SetCost(&clock, 1ms, 10ns);
  FakeHostLoad load;
  HybridScheduler::Options options = OneAtATime();
  options.auto_cpu_max_host_load = 0.5;
  HybridScheduler scheduler({&cpu, &gpu}, options, clock, nullptr, &load);
  scheduler.SetCost(0, 0, 10e-6, 1e-6, true);
  scheduler.SetCost(0, 1, 1e-3, 1e-8, true);
  // 50 SHA-256 units: 60 us on the CPU against 1 ms on the GPU.
  auto run = [&](Placement placement, uint8_t tag) {
    HashRequest request(50, tag);
    scheduler.Submit(&request.task, With(placement), request.Done());
    const auto [status, engine] = request.Wait();
    CHECK(status.ok());
    CHECK(request.Correct());
    return engine;
  };
  load.utilization = 0.5;  // at the limit: not above it
  CHECK(run(Placement::kAuto, 1) == "cpu");
  load.utilization = 0.9;
  CHECK(run(Placement::kAuto, 2) == "gpu:0");
  // Asked for by name, the CPU engine still runs it.
  CHECK(run(Placement::kCpu, 3) == "cpu");
  // Without a GPU in service the CPU engine takes it, however busy the host.
  gpu.SetHealthy(false);
  CHECK(run(Placement::kAuto, 4) == "cpu");
  gpu.SetHealthy(true);
  // Nor while the operator has taken the GPU out of service.
  uint64_t moved = 0;
  REQUIRE(scheduler.SetEngineEnabled("gpu:0", false, &moved).ok());
  CHECK(run(Placement::kAuto, 5) == "cpu");
  REQUIRE(scheduler.SetEngineEnabled("gpu:0", true, &moved).ok());
  load.utilization = 0.1;
  CHECK(run(Placement::kAuto, 6) == "cpu");
}

TEST_CASE("a GPU runs one large batch at a time, small ones beside it") {
  FakeClock clock;
  FakeEngine cpu("cpu", EngineKind::kCpu), gpu("gpu:0", EngineKind::kGpu);
  HybridScheduler::Options options = OneAtATime();
  options.gpu_batches_in_flight = 3;
  HybridScheduler scheduler({&cpu, &gpu}, options, clock);
  scheduler.SetCost(0, 1, 1e-3, 1e-8, true);  // SHA-256: small batches
  scheduler.SetCost(1, 1, 1.0, 1e-8, true);   // SHA-256d: a GPU batch of a second
  gpu.Hold();
  HashRequest large(10, 1, HashAlgorithm::kSha256d);
  scheduler.Submit(&large.task, With(Placement::kGpu), large.Done());
  gpu.WaitHeld(1);
  HashRequest small(20, 2);
  scheduler.Submit(&small.task, With(Placement::kGpu), small.Done());
  gpu.WaitHeld(2);  // the small batch runs beside the large one
  HashRequest second_large(30, 3, HashAlgorithm::kSha256d);
  scheduler.Submit(&second_large.task, With(Placement::kGpu), second_large.Done());
  // A dispatch thread is free, but the second large batch waits for the first.
  std::this_thread::sleep_for(50ms);
  CHECK(gpu.held() == 2);
  gpu.Release();
  CHECK(second_large.Wait().first.ok());
  CHECK(large.Wait().first.ok());
  CHECK(small.Wait().first.ok());
  CHECK(second_large.Correct());
  // The second large batch ran after the first had finished (the small one may finish
  // in either order).
  const std::vector<size_t> sizes = gpu.batch_sizes();
  const auto position = [&sizes](size_t n) { return std::find(sizes.begin(), sizes.end(), n) - sizes.begin(); };
  CHECK(position(30) > position(10));
}

TEST_CASE("a GPU batch far past its predicted time counts as a hang: no new work goes there") {
  FakeClock clock;
  FakeEngine cpu("cpu", EngineKind::kCpu), gpu("gpu:0", EngineKind::kGpu);
  HybridScheduler::Options options = OneAtATime();
  options.gpu_batches_in_flight = 2;
  HybridScheduler scheduler({&cpu, &gpu}, options, clock);
  scheduler.SetCost(0, 0, 10e-6, 1e-6, true);
  scheduler.SetCost(0, 1, 1e-3, 1e-8, true);  // the GPU is the better engine by far
  gpu.Hold();
  HashRequest stuck(3, 1);
  scheduler.Submit(&stuck.task, With(Placement::kGpu), stuck.Done());
  gpu.WaitHeld(1);
  clock.Advance(6s);  // past gpu_hang_min (5 s) and 20 x the predicted ~1 ms
  for (int i = 0; i < 2000 && scheduler.gpu_hangs() == 0; ++i) std::this_thread::sleep_for(1ms);
  REQUIRE(scheduler.gpu_hangs() == 1);
  // A free GPU dispatch thread notwithstanding, new work goes to the CPU; a request
  // that insists on a GPU finds none.
  HashRequest next(5000, 2);
  scheduler.Submit(&next.task, With(Placement::kAuto), next.Done());
  CHECK(next.Wait().second == "cpu");
  CHECK(next.Correct());
  HashRequest insists(10, 3);
  scheduler.Submit(&insists.task, With(Placement::kGpu), insists.Done());
  CHECK(insists.Wait().first.code() == Status::Code::kFailedPrecondition);
  // Once the batch returns the GPU takes work again.
  gpu.Release();
  CHECK(stuck.Wait().second == "gpu:0");
  HashRequest after(10, 4);
  scheduler.Submit(&after.task, With(Placement::kGpu), after.Done());
  const auto [status, engine] = after.Wait();
  CHECK(status.ok());
  CHECK(engine == "gpu:0");
}

TEST_CASE("an engine the operator disables takes no work until enabled again") {
  FakeEngine cpu("cpu", EngineKind::kCpu), gpu("gpu:0", EngineKind::kGpu);
  HybridScheduler::Options options = OneAtATime();
  HybridScheduler scheduler({&cpu, &gpu}, options);
  scheduler.SetCost(0, 0, 10e-6, 1e-6, true);
  scheduler.SetCost(0, 1, 1e-6, 1e-9, true);  // the GPU wins everything
  uint64_t moved = 0;
  CHECK(scheduler.SetEngineEnabled("cpu", false, &moved).code() ==
        Status::Code::kFailedPrecondition);
  CHECK(scheduler.SetEngineEnabled("gpu:7", false, &moved).code() == Status::Code::kNotFound);
  // Queued work moves to the CPU engine when its GPU is disabled; the running batch ends.
  gpu.Hold();
  HashRequest running(5, 1);
  scheduler.Submit(&running.task, With(Placement::kGpu), running.Done());
  gpu.WaitHeld(1);
  HashRequest queued(50, 2);
  scheduler.Submit(&queued.task, With(Placement::kAuto), queued.Done());
  REQUIRE(scheduler.SetEngineEnabled("gpu:0", false, &moved).ok());
  CHECK(moved == 1);
  CHECK_FALSE(scheduler.engine_enabled(1));
  CHECK(queued.Wait().second == "cpu");
  CHECK(queued.Correct());
  HashRequest insists(10, 3);
  scheduler.Submit(&insists.task, With(Placement::kGpu), insists.Done());
  CHECK(insists.Wait().first.code() == Status::Code::kFailedPrecondition);
  gpu.Release();
  CHECK(running.Wait().second == "gpu:0");  // a drain: the running batch finished there
  REQUIRE(scheduler.SetEngineEnabled("gpu:0", true, &moved).ok());
  HashRequest after(10, 4);  // (the held batch taught the model a slow GPU: ask for it)
  scheduler.Submit(&after.task, With(Placement::kGpu), after.Done());
  CHECK(after.Wait().second == "gpu:0");
}

TEST_CASE("PLACEMENT_GPU without a GPU that runs the task: FAILED_PRECONDITION") {
  FakeEngine cpu("cpu", EngineKind::kCpu);
  FakeEngine gpu("gpu:0", EngineKind::kGpu, {TaskType::kHash});
  HybridScheduler scheduler({&cpu, &gpu}, OneAtATime());
  SignatureRecoverTask recover;  // no items; the GPU does not take recovery here
  Task task = recover;
  testing::Outcome<Status> done;
  scheduler.Submit(&task, With(Placement::kGpu),
                   [set = done.Setter()](const Status& s, const std::string&) { set(s); });
  const Status s = done.Wait();
  CHECK(s.code() == Status::Code::kFailedPrecondition);
  CHECK(s.message().find("signature_recover") != std::string::npos);
}

// One 12,000-item LOAD_BALANCE request over a CPU engine at three times the GPU's
// per-item cost (equal fixed latency: the CPU's part would be 3,000 items), with the
// CPU engine's minimum share `min_share`: which engines ran it, each one's batch sizes.
struct SplitOutcome {
  std::string engines;
  std::vector<size_t> cpu, gpu;
};
SplitOutcome SplitTwelveThousand(double min_share) {
  FakeEngine cpu("cpu", EngineKind::kCpu), gpu("gpu:0", EngineKind::kGpu);
  HybridScheduler::Options options = OneAtATime();
  options.min_split_items = 100;
  options.load_balance_cpu_min_share = min_share;
  HybridScheduler scheduler({&cpu, &gpu}, options);
  scheduler.SetCost(0, 0, 1e-4, 3e-8, true);
  scheduler.SetCost(0, 1, 1e-4, 1e-8, true);
  HashRequest big(12000, 5);
  scheduler.Submit(&big.task, With(Placement::kLoadBalance), big.Done());
  const auto [status, engines] = big.Wait();
  CHECK(status.ok());
  CHECK(big.Correct());
  return {engines, cpu.batch_sizes(), gpu.batch_sizes()};
}

TEST_CASE("LOAD_BALANCE splits in proportion to the engines' rates") {
  const SplitOutcome split = SplitTwelveThousand(0.2);
  CHECK(split.engines == "cpu+gpu:0");
  REQUIRE(split.cpu.size() == 1);
  REQUIRE(split.gpu.size() == 1);
  CHECK(split.cpu[0] == Approx(3000).margin(30));
  CHECK(split.gpu[0] == Approx(9000).margin(30));
}

TEST_CASE("LOAD_BALANCE leaves the CPU engine out when its part would be under its minimum share") {
  const SplitOutcome split = SplitTwelveThousand(0.3);
  CHECK(split.engines == "gpu:0");
  CHECK(split.cpu.empty());
  CHECK(split.gpu == std::vector<size_t>{12000});
}

TEST_CASE("LOAD_BALANCE gives the CPU engine less while another of its batches runs") {
  FakeEngine cpu("cpu", EngineKind::kCpu), gpu("gpu:0", EngineKind::kGpu);
  HybridScheduler::Options options = OneAtATime();
  options.cpu_batches_in_flight = 2;
  options.min_split_items = 100;
  options.load_balance_cpu_min_share = 0;  // its part here is a seventh
  HybridScheduler scheduler({&cpu, &gpu}, options);
  scheduler.SetCost(0, 0, 1e-4, 3e-8, true);
  scheduler.SetCost(0, 1, 1e-4, 1e-8, true);
  HashRequest running(10, 1);
  cpu.Hold();
  scheduler.Submit(&running.task, With(Placement::kCpu), running.Done());
  cpu.WaitHeld(1);
  // The CPU part shares the pool with the running batch: 6e-8 an item against the GPU's
  // 1e-8, so 1/7 of the request instead of 1/4.
  HashRequest big(12000, 5);
  scheduler.Submit(&big.task, With(Placement::kLoadBalance), big.Done());
  cpu.WaitHeld(2);
  cpu.Release();
  CHECK(running.Wait().first.ok());
  const auto [status, engine] = big.Wait();
  CHECK(status.ok());
  CHECK(engine == "cpu+gpu:0");
  CHECK(big.Correct());
  REQUIRE(gpu.batch_sizes().size() == 1);
  CHECK(gpu.batch_sizes()[0] == Approx(12000 * 6 / 7).margin(30));
}

// Waits (up to ~5 s, then fails) until `engine`'s row of cost class 0 counts `n`
// finished batches (the scheduler has recorded them, under its lock, at the clock's
// time then).
void WaitRecorded(const HybridScheduler& scheduler, size_t engine, uint64_t n) {
  for (int i = 0; i < 5000; ++i) {
    for (const auto& row : scheduler.Snapshot()) {
      if (row.cost_class == 0 && row.engine == engine && row.batches >= n) return;
    }
    std::this_thread::sleep_for(1ms);
  }
  FAIL("the scheduler did not record the batch");
}

// One LOAD_BALANCE request of 12,000 items whose CPU part finishes `cpu` and whose GPU
// part `gpu` after it was placed (the CPU predicted at 3x the GPU's per-item cost, so
// 3,000 items), then, with both cost lines reset to the same values, a second one:
// the items of the second's CPU part.
size_t CpuPartAfterSplit(std::chrono::milliseconds cpu, std::chrono::milliseconds gpu) {
  FakeClock clock;
  FakeEngine cpu_engine("cpu", EngineKind::kCpu), gpu_engine("gpu:0", EngineKind::kGpu);
  HybridScheduler::Options options = OneAtATime();
  options.min_split_items = 100;
  options.load_balance_cpu_min_share = 0;  // parts of a fifth and less
  HybridScheduler scheduler({&cpu_engine, &gpu_engine}, options, clock);
  const auto set_costs = [&scheduler] {
    scheduler.SetCost(0, 0, 1e-4, 3e-8, true);
    scheduler.SetCost(0, 1, 1e-4, 1e-8, true);
  };
  set_costs();
  HashRequest first(12000, 5);
  cpu_engine.Hold();
  gpu_engine.Hold();
  scheduler.Submit(&first.task, With(Placement::kLoadBalance), first.Done());
  cpu_engine.WaitHeld(1);
  gpu_engine.WaitHeld(1);
  const bool cpu_first = cpu < gpu;
  FakeEngine& early = cpu_first ? cpu_engine : gpu_engine;
  FakeEngine& late = cpu_first ? gpu_engine : cpu_engine;
  clock.Advance(std::min(cpu, gpu));
  early.Release();
  WaitRecorded(scheduler, cpu_first ? 0 : 1, 1);
  clock.Advance(std::max(cpu, gpu) - std::min(cpu, gpu));
  late.Release();
  const auto [status, engine] = first.Wait();
  CHECK(status.ok());
  CHECK(engine == "cpu+gpu:0");
  CHECK(cpu_engine.batch_sizes() == std::vector<size_t>{3000});
  const double ratio = std::chrono::duration<double>(cpu) / gpu;
  for (const auto& row : scheduler.Snapshot()) {
    if (row.cost_class != 0) continue;
    CHECK(row.split_scale == Approx(row.engine == 0 ? std::sqrt(std::clamp(ratio, 0.5, 2.0)) : 1.0));
  }
  // What the model learnt from the held batches goes; only the split's correction stays.
  set_costs();
  HashRequest second(12000, 6);
  scheduler.Submit(&second.task, With(Placement::kLoadBalance), second.Done());
  CHECK(second.Wait().first.ok());
  CHECK(second.Correct());
  REQUIRE(cpu_engine.batch_sizes().size() == 2);
  return cpu_engine.batch_sizes()[1];
}

TEST_CASE("LOAD_BALANCE gives the CPU engine less after its part of a split finished late") {
  // Twice the GPU part's time: the CPU's cost x sqrt(2), 12,000 / (1 + 3 sqrt(2)) items.
  CHECK(CpuPartAfterSplit(20ms, 10ms) == Approx(2289).margin(30));
}

TEST_CASE("LOAD_BALANCE gives the CPU engine more after its part of a split finished early") {
  // Half the GPU part's time: the CPU's cost / sqrt(2), 12,000 / (1 + 3 / sqrt(2)) items.
  CHECK(CpuPartAfterSplit(5ms, 10ms) == Approx(3845).margin(30));
}

TEST_CASE("LOAD_BALANCE keeps its split when the parts finished together") {
  CHECK(CpuPartAfterSplit(10ms, 10ms) == Approx(3000).margin(30));
}

TEST_CASE("a batch the GPU fails runs again on the CPU: the GPU's queue moves over") {
  FakeEngine cpu("cpu", EngineKind::kCpu), gpu("gpu:0", EngineKind::kGpu);
  HybridScheduler scheduler({&cpu, &gpu}, OneAtATime());
  gpu.Hold();
  HashRequest failing(40, 1);
  scheduler.Submit(&failing.task, With(Placement::kGpu), failing.Done());
  gpu.WaitHeld(1);
  HashRequest queued(30, 2, HashAlgorithm::kKeccak256);
  scheduler.Submit(&queued.task, With(Placement::kGpu), queued.Done());
  gpu.FailNext();
  gpu.Release();
  const auto [status, engine] = failing.Wait();
  CHECK(status.ok());
  CHECK(engine == "cpu");
  CHECK(failing.Correct());
  const auto [queued_status, queued_engine] = queued.Wait();
  CHECK(queued_status.ok());
  CHECK(queued_engine == "cpu");
  CHECK(scheduler.gpu_fallbacks() == 1);
  // An unhealthy GPU is no candidate: PLACEMENT_GPU now fails, AUTO uses the CPU.
  HashRequest after(5, 3);
  scheduler.Submit(&after.task, With(Placement::kGpu), after.Done());
  CHECK(after.Wait().first.code() == Status::Code::kFailedPrecondition);
}

TEST_CASE("max_queue_delay holds a batch open for more requests") {
  FakeClock clock;
  FakeEngine cpu("cpu", EngineKind::kCpu);
  HybridScheduler::Options options = OneAtATime();
  options.max_queue_delay = 5ms;
  HybridScheduler scheduler({&cpu}, options, clock);
  HashRequest a(3, 1), b(4, 2);
  scheduler.Submit(&a.task, With(Placement::kAuto), a.Done());
  scheduler.Submit(&b.task, With(Placement::kAuto), b.Done());
  // The fake clock stands still: nothing can be due yet, however long the threads run.
  std::this_thread::sleep_for(20ms);
  CHECK(cpu.batches() == 0);
  clock.Advance(5ms);
  scheduler.Tick();
  CHECK(a.Wait().first.ok());
  CHECK(b.Wait().first.ok());
  CHECK(cpu.batch_sizes() == std::vector<size_t>{7});
}

// Issue 12's latency bound, p99 <= max_queue_delay + 2 x one batch's execution time, as
// the queue guarantees it: while the load fits in one batch, a request waits at most for
// the batch that is running when it arrives and runs in the next one. Twelve waves of
// 1-64 requests of 1-70 items arrive while a batch runs (the engine holds each batch
// until the test steps it; a batch's fake run time is 1 ms + 2 us an item): each wave
// runs whole as the next batch, and each of its requests finishes exactly the running
// batch's time plus its own batch's time after it arrived.
TEST_CASE("under load a request waits for at most the running batch, then runs in the next") {
  FakeClock clock;
  FakeEngine cpu("cpu", EngineKind::kCpu);
  cpu.SetCost(&clock, 1ms, 2us);
  HybridScheduler scheduler({&cpu}, OneAtATime(), clock);
  HashRequest first(5, 1);
  Occupy(cpu, scheduler, first);
  constexpr size_t kWaves = 12;
  struct Arrival {
    std::unique_ptr<HashRequest> request;
    SchedulerClock::time_point arrived, finished;
  };
  std::vector<std::vector<Arrival>> waves(kWaves);
  const auto batch_time = [](size_t items) { return 1ms + 2us * static_cast<int64_t>(items); };
  // Wave w arrived while batch w ran and ran as batch w + 1.
  const auto check_wave = [&](size_t w) {
    const std::vector<size_t> sizes = cpu.batch_sizes();
    REQUIRE(sizes.size() >= w + 2);
    size_t items = 0;
    for (Arrival& a : waves[w]) {
      CHECK(a.request->Wait().first.ok());
      CHECK(a.request->Correct());
      CHECK(a.finished - a.arrived == batch_time(sizes[w]) + batch_time(sizes[w + 1]));
      items += std::get<HashTask>(a.request->task).messages.size();
    }
    INFO("wave " << w);
    CHECK(sizes[w + 1] == items);
  };
  uint32_t seed = 12;
  for (size_t w = 0; w < kWaves; ++w) {
    seed = seed * 1103515245u + 12345u;
    const size_t count = (seed >> 4) % 64 + 1;
    waves[w].resize(count);
    for (size_t r = 0; r < count; ++r) {
      Arrival& a = waves[w][r];
      a.request = std::make_unique<HashRequest>((seed >> 12) % 64 + r % 7 + 1, static_cast<uint8_t>(w + r));
      a.arrived = clock.Now();
      scheduler.Submit(&a.request->task, With(Placement::kAuto),
                       [&clock, &a, done = a.request->Done()](const Status& s, const std::string& e) {
                         a.finished = clock.Now();
                         done(s, e);
                       });
    }
    // Step: the running batch finishes and this wave's batch starts, held.
    cpu.ReleaseHeld();
    cpu.WaitBatches(w + 1);
    cpu.WaitHeld(1);
    // The wave before finished in the batch that just ran; the clock stands still until
    // the next step, so its finish times are exact.
    if (w > 0) check_wave(w - 1);
  }
  cpu.Release();
  CHECK(first.Wait().first.ok());
  cpu.WaitBatches(kWaves + 1);
  check_wave(kWaves - 1);
  CHECK(cpu.batches() == kWaves + 1);
}

TEST_CASE("the cost model learns from the batches it runs") {
  FakeClock clock;
  FakeEngine cpu("cpu", EngineKind::kCpu);
  cpu.SetCost(&clock, 200us, 2us);
  HybridScheduler scheduler({&cpu}, OneAtATime(), clock);
  scheduler.SetCost(0, 0, 1e-6, 1e-9, true);  // far off
  for (size_t n : {10, 500, 40, 900, 100, 700, 20, 300, 800, 60, 400, 50, 1000, 30, 600}) {
    HashRequest r(n, 1);
    scheduler.Submit(&r.task, With(Placement::kAuto), r.Done());
    CHECK(r.Wait().first.ok());
  }
  for (const auto& row : scheduler.Snapshot()) {
    if (row.cost_class != 0 || row.engine != 0) continue;
    CHECK(row.estimate.observations == 15);
    // Units are items + bytes / 64 (~1.06 per item here), so ~1.9 us per unit.
    CHECK(row.estimate.per_unit_seconds == Approx(1.9e-6).epsilon(0.1));
    CHECK(row.estimate.fixed_seconds == Approx(200e-6).epsilon(0.2));
  }
}

TEST_CASE("after Shutdown new tasks complete with UNAVAILABLE") {
  FakeEngine cpu("cpu", EngineKind::kCpu);
  HybridScheduler scheduler({&cpu}, OneAtATime());
  HashRequest before(10, 1);
  scheduler.Submit(&before.task, With(Placement::kAuto), before.Done());
  scheduler.Shutdown();
  CHECK(before.Wait().first.ok());
  HashRequest after(10, 2);
  scheduler.Submit(&after.task, With(Placement::kAuto), after.Done());
  CHECK(after.Wait().first.code() == Status::Code::kUnavailable);
}

}  // namespace
}  // namespace chainaccel
