// Outcome<T>: one value handed from a callback on another thread (a scheduler's
// completion, a pool's task) to a test that waits for it.
//
// The callback owns the promise (shared, captured by value in Setter()), so the waiter
// may return from Wait() and destroy everything of its own while the completing thread
// is still inside std::promise::set_value: destroying a promise that another thread is
// still setting is a race (ThreadSanitizer reported it in the scheduler tests when the
// waiter had blocked). Thread-safe as std::promise/std::future: one Setter() call sets it
// once; Wait() once, from one thread.
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <utility>

namespace chainaccel::testing {

template <class T>
class Outcome {
 public:
  // A callable that sets the value (call it once); it keeps the promise alive.
  std::function<void(T)> Setter() const {
    return [promise = promise_](T value) { promise->set_value(std::move(value)); };
  }
  T Wait() { return future_.get(); }

 private:
  std::shared_ptr<std::promise<T>> promise_ = std::make_shared<std::promise<T>>();
  std::future<T> future_ = promise_->get_future();
};

}  // namespace chainaccel::testing
