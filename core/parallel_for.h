// ParallelForOrHere: ThreadPool::ParallelFor when a pool is given and the range is worth
// splitting, else one call on the calling thread — for library code whose callers may or
// may not lend it threads (crypto/bn254's NTT and MSM, the Groth16 prover, its readers);
// LowestFailingIndex: the same loop looking for the first index that fails a check.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>

#include "core/thread_pool.h"

namespace chainaccel {

// fn(begin, end) over [0, n): on `pool` in chunks of at least `grain` when pool is not
// null and n > grain; otherwise fn(0, n) here (nothing when n == 0). fn must not throw.
inline void ParallelForOrHere(ThreadPool* pool, size_t n, size_t grain,
                              const std::function<void(size_t, size_t)>& fn) {
  if (pool == nullptr || n <= grain) {
    if (n > 0) fn(0, n);
    return;
  }
  pool->ParallelFor(n, grain, fn);
}

// The lowest i in [0, n) for which ok(i) is false, or n when there is none, running ok
// over [0, n) as ParallelForOrHere does. A chunk stops at its first failure and skips
// indices above the lowest failure found so far, so ok may not see every index (it must
// not be relied on for side effects past a failure). ok must not throw.
inline size_t LowestFailingIndex(ThreadPool* pool, size_t n, size_t grain,
                                 const std::function<bool(size_t)>& ok) {
  std::atomic<size_t> lowest{n};
  ParallelForOrHere(pool, n, grain, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end && i < lowest.load(std::memory_order_relaxed); ++i) {
      if (!ok(i)) {
        size_t seen = lowest.load();
        while (i < seen && !lowest.compare_exchange_weak(seen, i)) {
        }
        return;
      }
    }
  });
  return lowest.load();
}

}  // namespace chainaccel
