// Clang thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html).
//
// Under clang each macro expands to the attribute of the same meaning, and a build with
// -Wthread-safety (the clang-tsa preset; the lint/thread_safety test) checks at compile
// time that every member marked GUARDED_BY(mu) is touched only with mu held, that
// functions marked REQUIRES(mu) are called with it held, and so on. Elsewhere (GCC, nvcc)
// they expand to nothing. The names are abseil's and leveldb's, prefixed CHAINACCEL_ so
// that they cannot clash with a library's:
//
//   CHAINACCEL_GUARDED_BY(mu)         a member read and written only with mu held
//   CHAINACCEL_PT_GUARDED_BY(mu)      what a pointer member points to, likewise
//   CHAINACCEL_ACQUIRED_AFTER(mu...)  lock order: this mutex is taken after those
//   CHAINACCEL_ACQUIRED_BEFORE(mu...)
//   CHAINACCEL_REQUIRES(mu...)        a function called with mu held (exclusively)
//   CHAINACCEL_REQUIRES_SHARED(mu...) ... held at least shared
//   CHAINACCEL_EXCLUDES(mu...)        a function that takes mu itself: called without it
//   CHAINACCEL_ACQUIRE(...) / CHAINACCEL_ACQUIRE_SHARED(...) / CHAINACCEL_RELEASE(...) /
//   CHAINACCEL_RELEASE_SHARED(...) / CHAINACCEL_TRY_ACQUIRE(...) / CHAINACCEL_ASSERT_CAPABILITY(...)
//                                     what a lock or unlock function does
//   CHAINACCEL_CAPABILITY("mutex")    a class that is a lock (core/mutex.h's Mutex)
//   CHAINACCEL_SCOPED_CAPABILITY      an RAII holder of a lock (MutexLock)
//   CHAINACCEL_RETURN_CAPABILITY(mu)  a function that returns a reference to mu
//   CHAINACCEL_NO_THREAD_SAFETY_ANALYSIS  opts a function out; say why beside it
//
// std::mutex carries no annotations in libstdc++, so annotated classes hold the
// chainaccel::Mutex of core/mutex.h instead.
#pragma once

#if defined(__clang__)
#define CHAINACCEL_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define CHAINACCEL_THREAD_ANNOTATION(x)
#endif

#define CHAINACCEL_CAPABILITY(x) CHAINACCEL_THREAD_ANNOTATION(capability(x))
#define CHAINACCEL_SCOPED_CAPABILITY CHAINACCEL_THREAD_ANNOTATION(scoped_lockable)
#define CHAINACCEL_GUARDED_BY(x) CHAINACCEL_THREAD_ANNOTATION(guarded_by(x))
#define CHAINACCEL_PT_GUARDED_BY(x) CHAINACCEL_THREAD_ANNOTATION(pt_guarded_by(x))
#define CHAINACCEL_ACQUIRED_BEFORE(...) \
  CHAINACCEL_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define CHAINACCEL_ACQUIRED_AFTER(...) CHAINACCEL_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define CHAINACCEL_REQUIRES(...) \
  CHAINACCEL_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define CHAINACCEL_REQUIRES_SHARED(...) \
  CHAINACCEL_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define CHAINACCEL_ACQUIRE(...) CHAINACCEL_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define CHAINACCEL_ACQUIRE_SHARED(...) \
  CHAINACCEL_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define CHAINACCEL_RELEASE(...) CHAINACCEL_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define CHAINACCEL_RELEASE_SHARED(...) \
  CHAINACCEL_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define CHAINACCEL_TRY_ACQUIRE(...) \
  CHAINACCEL_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define CHAINACCEL_TRY_ACQUIRE_SHARED(...) \
  CHAINACCEL_THREAD_ANNOTATION(try_acquire_shared_capability(__VA_ARGS__))
#define CHAINACCEL_EXCLUDES(...) CHAINACCEL_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define CHAINACCEL_ASSERT_CAPABILITY(x) CHAINACCEL_THREAD_ANNOTATION(assert_capability(x))
#define CHAINACCEL_ASSERT_SHARED_CAPABILITY(x) \
  CHAINACCEL_THREAD_ANNOTATION(assert_shared_capability(x))
#define CHAINACCEL_RETURN_CAPABILITY(x) CHAINACCEL_THREAD_ANNOTATION(lock_returned(x))
#define CHAINACCEL_NO_THREAD_SAFETY_ANALYSIS \
  CHAINACCEL_THREAD_ANNOTATION(no_thread_safety_analysis)
