#include "engines/scheduler/routing_scheduler.h"

#include <spdlog/spdlog.h>

namespace chainaccel {

RoutingScheduler::RoutingScheduler(CpuEngine* cpu, std::vector<Engine*> gpus,
                                   const Options& options)
    : cpu_(cpu), gpus_(std::move(gpus)), options_(options) {
  for (size_t i = 0; i < gpus_.size(); ++i) gpu_dispatch_.push_back(std::make_unique<ThreadPool>(1));
}

RoutingScheduler::~RoutingScheduler() {
  Shutdown();
  gpu_dispatch_.clear();  // joins the dispatch threads before the engines go
}

std::vector<const Engine*> RoutingScheduler::engines() const {
  std::vector<const Engine*> all{cpu_};
  all.insert(all.end(), gpus_.begin(), gpus_.end());
  return all;
}

size_t RoutingScheduler::GpuMinItems(TaskType type) const {
  const bool signatures = type == TaskType::kSignatureVerify || type == TaskType::kSignatureRecover;
  return signatures ? options_.gpu_min_signature_items : options_.gpu_min_batch_items;
}

int RoutingScheduler::PickGpu(const Task& task) {
  const size_t n = gpus_.size();
  const uint64_t start = next_gpu_.fetch_add(1, std::memory_order_relaxed);
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (start + k) % n;
    if (gpus_[i]->Accepts(task) && gpus_[i]->stats().healthy) return static_cast<int>(i);
  }
  return -1;
}

void RoutingScheduler::Submit(Task* task, Placement placement, Completion done,
                              Cancelled cancelled) {
  const TaskType type = TaskTypeOf(*task);
  Status refusal;
  int gpu = -1;
  {
    MutexLock lock(mu_);
    if (stopping_) {
      refusal = Status::Unavailable("the daemon is shutting down");
    } else if (placement == Placement::kGpu) {
      gpu = PickGpu(*task);
      if (gpu < 0) {
        refusal = Status::FailedPrecondition(
            "placement: GPU asked for but no healthy GPU engine runs this " +
            std::string(TaskTypeName(type)) + " batch");
      }
    } else if (placement == Placement::kAuto && TaskItemCount(*task) >= GpuMinItems(type)) {
      gpu = PickGpu(*task);
    }
    ++in_flight_;
  }
  if (!refusal.ok()) {
    // Completions never run inside Submit (scheduler.h): post the refusal too.
    cpu_->pool().Post([this, refusal, done = std::move(done)] {
      done(refusal, cpu_->info().name);
      Finished();
    });
    return;
  }
  if (gpu < 0) {
    RunOnCpu(task, std::move(done), std::move(cancelled));
    return;
  }
  Engine* engine = gpus_[static_cast<size_t>(gpu)];
  gpu_dispatch_[static_cast<size_t>(gpu)]->Post(
      [this, engine, task, done = std::move(done), cancelled = std::move(cancelled)]() mutable {
        if (cancelled && cancelled()) {
          done(Status::Cancelled("the client gave up before the batch ran"), engine->info().name);
          Finished();
          return;
        }
        const Status status = engine->Run(*task);
        if (status.ok()) {
          done(status, engine->info().name);
          Finished();
          return;
        }
        gpu_fallbacks_.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("{} failed a {} batch of {} items ({}); running it on the CPU",
                      engine->info().name, TaskTypeName(TaskTypeOf(*task)), TaskItemCount(*task),
                      status.ToString());
        RunOnCpu(task, std::move(done), std::move(cancelled));
      });
}

void RoutingScheduler::RunOnCpu(Task* task, Completion done, Cancelled cancelled) {
  cpu_->pool().Post([this, task, done = std::move(done), cancelled = std::move(cancelled)] {
    const Status status = cancelled && cancelled()
                              ? Status::Cancelled("the client gave up before the batch ran")
                              : cpu_->Run(*task);
    done(status, cpu_->info().name);
    Finished();
  });
}

void RoutingScheduler::Finished() {
  MutexLock lock(mu_);
  if (--in_flight_ == 0) idle_.NotifyAll();
}

void RoutingScheduler::Shutdown() {
  MutexLock lock(mu_);
  stopping_ = true;
  while (in_flight_ != 0) idle_.Wait(mu_);
}

}  // namespace chainaccel
