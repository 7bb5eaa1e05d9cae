#include "client/cli/load_generator.h"

#include <grpcpp/generic/generic_stub.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>

#include "client/cli/command.h"

namespace chainaccel::cli {
namespace {

using Clock = std::chrono::steady_clock;

// State shared by the workers of one run.
struct LoadRun {
  LoadRun(const Workload& w, const ClientOptions& c) : workload(w), client(c) {}

  const Workload& workload;
  const ClientOptions& client;
  Clock::time_point measure_start;
  Clock::time_point stop_at;
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> errors{0};

  std::mutex mu;
  std::condition_variable all_done;
  int running = 0;  // guarded by mu
};

// One closed-loop worker: one call in flight at a time. Its results are read once the
// run has finished (after `running` reached zero under LoadRun::mu).
class LoadWorker {
 public:
  LoadWorker(std::shared_ptr<grpc::Channel> channel, LoadRun* run)
      : stub_(std::move(channel)), run_(run), request_(run->workload.request) {}

  void Issue() {
    context_ = std::make_unique<grpc::ClientContext>();
    if (run_->client.timeout.count() > 0) {
      context_->set_deadline(std::chrono::system_clock::now() + run_->client.timeout);
    }
    response_.Clear();
    issued_ = Clock::now();
    stub_.UnaryCall(context_.get(), run_->workload.method, grpc::StubOptions(), &request_,
                    &response_, [this](grpc::Status status) { OnDone(status); });
  }

  const std::vector<float>& latencies_ms() const { return latencies_ms_; }
  const std::string& first_error() const { return first_error_; }
  const std::set<std::string>& engines() const { return engines_; }
  // Issue of the first and completion of the last measured call.
  // REQUIRES: !latencies_ms().empty().
  Clock::time_point first_measured() const { return first_measured_; }
  Clock::time_point last_measured() const { return last_measured_; }

 private:
  void OnDone(const grpc::Status& status) {
    const Clock::time_point done = Clock::now();
    std::string engine;
    const std::string problem =
        status.ok() ? run_->workload.check(&response_, &engine) : FormatStatus(status);
    if (!problem.empty()) {
      run_->errors.fetch_add(1, std::memory_order_relaxed);
      if (first_error_.empty()) first_error_ = problem;
    } else {
      if (engine != last_engine_) engines_.insert(engine);
      last_engine_ = std::move(engine);
      if (issued_ >= run_->measure_start) {
        if (latencies_ms_.empty()) first_measured_ = issued_;
        latencies_ms_.push_back(std::chrono::duration<float, std::milli>(done - issued_).count());
        last_measured_ = done;
        run_->requests.fetch_add(1, std::memory_order_relaxed);
      }
    }
    // Past the duration, a worker still owes one measured call unless this one failed.
    if (done < run_->stop_at || (latencies_ms_.empty() && problem.empty())) {
      Issue();
      return;
    }
    std::lock_guard<std::mutex> lock(run_->mu);
    if (--run_->running == 0) run_->all_done.notify_all();
  }

  grpc::GenericStub stub_;
  LoadRun* run_;
  const grpc::ByteBuffer request_;
  // The call in flight.
  std::unique_ptr<grpc::ClientContext> context_;
  grpc::ByteBuffer response_;
  Clock::time_point issued_;
  // Results.
  std::vector<float> latencies_ms_;
  std::string first_error_;
  std::set<std::string> engines_;
  std::string last_engine_;
  Clock::time_point first_measured_;
  Clock::time_point last_measured_;
};

double Percentile(const std::vector<float>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

std::vector<std::shared_ptr<grpc::Channel>> Connect(const LoadOptions& options) {
  ClientOptions client = options.client;
  client.own_connection = true;
  const auto wait = client.timeout.count() > 0 ? std::chrono::milliseconds(client.timeout)
                                               : std::chrono::milliseconds(10000);
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < options.channels; ++i) {
    channels.push_back(CreateClientChannel(options.target, client));
    if (!channels.back()->WaitForConnected(std::chrono::system_clock::now() + wait)) {
      throw CliError("UNAVAILABLE: cannot connect to " + options.target);
    }
  }
  return channels;
}

}  // namespace

LoadReport RunLoad(const Workload& workload, const LoadOptions& options) {
  const std::vector<std::shared_ptr<grpc::Channel>> channels = Connect(options);
  LoadRun run(workload, options.client);
  std::vector<std::unique_ptr<LoadWorker>> workers;
  for (int i = 0; i < options.concurrency; ++i) {
    workers.push_back(std::make_unique<LoadWorker>(channels[i % channels.size()], &run));
  }

  const Clock::time_point start = Clock::now();
  run.measure_start = start + std::chrono::duration_cast<Clock::duration>(options.warmup);
  run.stop_at = run.measure_start + std::chrono::duration_cast<Clock::duration>(options.duration);
  run.running = options.concurrency;
  for (auto& worker : workers) worker->Issue();
  {
    std::unique_lock<std::mutex> lock(run.mu);
    Clock::time_point tick = start;
    while (run.running != 0) {
      tick += std::chrono::seconds(1);
      if (run.all_done.wait_until(lock, tick, [&] { return run.running == 0; })) break;
      if (options.on_progress) {
        const LoadProgress progress{
            std::chrono::duration<double>(Clock::now() - start).count(), run.requests.load(),
            run.errors.load()};
        lock.unlock();
        options.on_progress(progress);
        lock.lock();
      }
    }
  }

  LoadReport report;
  report.requests = run.requests.load();
  report.errors = run.errors.load();
  std::vector<float> latencies;
  std::set<std::string> engines;
  Clock::time_point first = Clock::time_point::max();
  Clock::time_point last = Clock::time_point::min();
  for (const auto& worker : workers) {
    latencies.insert(latencies.end(), worker->latencies_ms().begin(), worker->latencies_ms().end());
    engines.insert(worker->engines().begin(), worker->engines().end());
    if (report.first_error.empty()) report.first_error = worker->first_error();
    if (!worker->latencies_ms().empty()) {
      first = std::min(first, worker->first_measured());
      last = std::max(last, worker->last_measured());
    }
  }
  std::sort(latencies.begin(), latencies.end());
  if (!latencies.empty()) {
    report.elapsed_seconds = std::chrono::duration<double>(last - first).count();
  }
  report.p50_ms = Percentile(latencies, 0.50);
  report.p90_ms = Percentile(latencies, 0.90);
  report.p99_ms = Percentile(latencies, 0.99);
  report.max_ms = latencies.empty() ? 0 : latencies.back();
  report.engines.assign(engines.begin(), engines.end());
  return report;
}

}  // namespace chainaccel::cli
