// ParallelForOrHere: ThreadPool::ParallelFor when a pool is given and the range is worth
// splitting, else one call on the calling thread — for library code whose callers may or
// may not lend it threads (crypto/bn254's NTT and MSM, the Groth16 prover).
#pragma once

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

}  // namespace chainaccel
