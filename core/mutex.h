// Mutex, MutexLock, CondVar, SharedMutex and its scoped locks: std::mutex,
// std::condition_variable and std::shared_mutex with the clang thread-safety annotations
// of core/thread_annotations.h, which libstdc++'s types do not carry. Same behaviour and
// cost as the std types (each holds one); only the compile-time checks are added.
//
//   class Queue {
//     Mutex mu_;
//     CondVar ready_;                                // waited on with mu_ held
//     std::deque<Item> items_ CHAINACCEL_GUARDED_BY(mu_);
//   };
//   MutexLock lock(mu_);
//   while (items_.empty()) ready_.Wait(mu_);         // the predicate loop is written out,
//                                                    // so the analysis sees mu_ held
//
// Thread-safety: as the std types.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#include "core/thread_annotations.h"

namespace chainaccel {

class CHAINACCEL_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() CHAINACCEL_ACQUIRE() { mu_.lock(); }
  void Unlock() CHAINACCEL_RELEASE() { mu_.unlock(); }
  bool TryLock() CHAINACCEL_TRY_ACQUIRE(true) { return mu_.try_lock(); }
  // Tells the analysis that the calling thread holds the mutex (no run-time check).
  void AssertHeld() const CHAINACCEL_ASSERT_CAPABILITY(this) {}

 private:
  friend class MutexLock;
  friend class CondVar;
  std::mutex mu_;
};

// Holds a Mutex for its scope. Unlock and Lock let a scope drop the mutex for a while
// (e.g. around a callback); the destructor releases it only if held.
class CHAINACCEL_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) CHAINACCEL_ACQUIRE(mu) : lock_(mu.mu_) {}
  ~MutexLock() CHAINACCEL_RELEASE() = default;
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() CHAINACCEL_RELEASE() { lock_.unlock(); }
  void Lock() CHAINACCEL_ACQUIRE() { lock_.lock(); }

 private:
  std::unique_lock<std::mutex> lock_;
};

// A condition variable waited on with a Mutex held.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Releases mu, blocks until notified (or spuriously), takes mu again. Callers loop on
  // their condition: `while (!ready_) cv.Wait(mu);` is std::condition_variable::wait
  // with a predicate, written where the analysis sees mu held.
  void Wait(Mutex& mu) CHAINACCEL_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();  // mu stays held, and owned by the caller
  }
  // As Wait, but returns by `timeout` at the latest (false when it timed out).
  bool WaitFor(Mutex& mu, std::chrono::nanoseconds timeout) CHAINACCEL_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    const bool notified = cv_.wait_for(lock, timeout) == std::cv_status::no_timeout;
    lock.release();
    return notified;
  }
  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

// A reader-writer mutex: held shared by readers, exclusively by a writer.
class CHAINACCEL_CAPABILITY("shared_mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void Lock() CHAINACCEL_ACQUIRE() { mu_.lock(); }
  void Unlock() CHAINACCEL_RELEASE() { mu_.unlock(); }
  void LockShared() CHAINACCEL_ACQUIRE_SHARED() { mu_.lock_shared(); }
  void UnlockShared() CHAINACCEL_RELEASE_SHARED() { mu_.unlock_shared(); }
  void AssertHeld() const CHAINACCEL_ASSERT_CAPABILITY(this) {}
  void AssertReaderHeld() const CHAINACCEL_ASSERT_SHARED_CAPABILITY(this) {}

 private:
  std::shared_mutex mu_;
};

// Holds a SharedMutex shared for its scope; Unlock releases it early.
class CHAINACCEL_SCOPED_CAPABILITY ReaderMutexLock {
 public:
  explicit ReaderMutexLock(SharedMutex& mu) CHAINACCEL_ACQUIRE_SHARED(mu) : mu_(&mu) {
    mu.LockShared();
  }
  ~ReaderMutexLock() CHAINACCEL_RELEASE() {
    if (mu_ != nullptr) mu_->UnlockShared();
  }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

  void Unlock() CHAINACCEL_RELEASE() {
    mu_->UnlockShared();
    mu_ = nullptr;
  }

 private:
  SharedMutex* mu_;
};

// Holds a SharedMutex exclusively for its scope.
class CHAINACCEL_SCOPED_CAPABILITY WriterMutexLock {
 public:
  explicit WriterMutexLock(SharedMutex& mu) CHAINACCEL_ACQUIRE(mu) : mu_(mu) { mu.Lock(); }
  ~WriterMutexLock() CHAINACCEL_RELEASE() { mu_.Unlock(); }
  WriterMutexLock(const WriterMutexLock&) = delete;
  WriterMutexLock& operator=(const WriterMutexLock&) = delete;

 private:
  SharedMutex& mu_;
};

}  // namespace chainaccel
