#include "core/thread_pool.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "core/thread_name.h"

namespace chainaccel {
namespace {

// Runs ParallelFor over [0, n) and checks every index was visited exactly once.
void CheckVisitsEachIndexOnce(ThreadPool& pool, size_t n, size_t grain) {
  // Catch2 assertions are not thread-safe: chunks only count, the test thread checks.
  std::vector<std::atomic<int>> visits(n);
  std::atomic<int> bad_chunks{0};
  pool.ParallelFor(n, grain, [&](size_t begin, size_t end) {
    if (begin >= end || end > n) {
      bad_chunks.fetch_add(1);
      return;
    }
    for (size_t i = begin; i < end; ++i) visits[i].fetch_add(1, std::memory_order_relaxed);
  });
  size_t wrong = 0;
  for (auto& v : visits) wrong += v.load() != 1;
  CHECK(bad_chunks.load() == 0);
  CHECK(wrong == 0);
}

TEST_CASE("ParallelFor visits every index exactly once", "[thread_pool]") {
  for (size_t threads : {1, 2, 5}) {
    ThreadPool pool(threads);
    for (size_t n : {0, 1, 2, 7, 64, 1000, 100003}) {
      for (size_t grain : {0, 1, 3, 64, 5000}) {
        INFO("threads " << threads << " n " << n << " grain " << grain);
        CheckVisitsEachIndexOnce(pool, n, grain);
      }
    }
  }
}

TEST_CASE("ParallelFor nested inside a posted task completes", "[thread_pool]") {
  for (size_t threads : {1, 2, 4}) {
    INFO("threads " << threads);
    // Declared before the pool, so that the pool's workers are joined before the promises
    // they set are destroyed (a worker may still be inside set_value after get returns).
    constexpr int kTasks = 8;
    std::vector<std::promise<size_t>> done(kTasks);
    ThreadPool pool(threads);
    // Every worker is busy in an outer task that itself runs a ParallelFor, whose
    // chunks contain a further ParallelFor: none of them may wait on a queued helper.
    for (int t = 0; t < kTasks; ++t) {
      pool.Post([&pool, &done, t] {
        std::atomic<size_t> visited{0};
        pool.ParallelFor(100, 1, [&](size_t begin, size_t end) {
          for (size_t i = begin; i < end; ++i) {
            pool.ParallelFor(50, 1, [&](size_t b, size_t e) { visited.fetch_add(e - b); });
          }
        });
        done[t].set_value(visited.load());
      });
    }
    for (auto& d : done) CHECK(d.get_future().get() == 100 * 50);
  }
}

TEST_CASE("ThreadPool runs every posted closure before it is destroyed", "[thread_pool]") {
  std::atomic<int> ran{0};
  {
    ThreadPool pool(3);
    for (int i = 0; i < 1000; ++i) pool.Post([&ran] { ran.fetch_add(1); });
  }
  CHECK(ran.load() == 1000);
}

#ifdef __linux__
// The calling thread's name as the kernel keeps it.
std::string ThreadComm() {
  std::ifstream comm("/proc/thread-self/comm");
  std::string name;
  std::getline(comm, name);
  return name;
}

TEST_CASE("ThreadPool workers carry the pool's name, cut to the kernel's 15 bytes",
          "[thread_pool]") {
  ThreadPool pool(1, 0, "a-long-pool-name-here");
  std::promise<std::string> seen;
  pool.Post([&seen] { seen.set_value(ThreadComm()); });
  CHECK(seen.get_future().get() == "a-long-pool-nam");

  std::promise<std::string> renamed;
  std::thread t([&renamed] {
    NameCurrentThread("sched-gpu:0");
    renamed.set_value(ThreadComm());
  });
  CHECK(renamed.get_future().get() == "sched-gpu:0");
  t.join();
}
#endif

}  // namespace
}  // namespace chainaccel
