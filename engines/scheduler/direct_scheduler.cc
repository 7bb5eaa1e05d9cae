#include "engines/scheduler/direct_scheduler.h"

namespace chainaccel {

void DirectScheduler::Submit(Task* task, Placement placement, Completion done,
                             Cancelled cancelled) {
  Status refusal;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      refusal = Status::Unavailable("the daemon is shutting down");
    } else if (placement == Placement::kGpu) {
      refusal = Status::FailedPrecondition("placement: GPU asked for but no GPU engine is available");
    } else if (!cpu_->Supports(TaskTypeOf(*task))) {
      refusal = Status::Unimplemented("the CPU engine does not run " +
                                      std::string(TaskTypeName(TaskTypeOf(*task))));
    }
    ++in_flight_;
  }
  const std::string& engine = cpu_->info().name;
  if (!refusal.ok()) {
    // Completions never run inside Submit (scheduler.h): post the refusal too.
    cpu_->pool().Post([this, refusal, engine, done = std::move(done)] {
      done(refusal, engine);
      Finished();
    });
    return;
  }
  cpu_->pool().Post([this, task, engine, done = std::move(done),
                     cancelled = std::move(cancelled)] {
    const Status status = cancelled && cancelled()
                              ? Status::Cancelled("the client gave up before the batch ran")
                              : cpu_->Run(*task);
    done(status, engine);
    Finished();
  });
}

void DirectScheduler::Finished() {
  std::lock_guard lock(mu_);
  if (--in_flight_ == 0) idle_.notify_all();
}

void DirectScheduler::Shutdown() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  idle_.wait(lock, [this] { return in_flight_ == 0; });
}

}  // namespace chainaccel
