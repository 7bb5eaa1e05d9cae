#include "execution/worker_pool.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace chainaccel::exec {
namespace {

TEST_CASE("WorkerPool runs each job on the asked number of threads, again and again",
          "[stm]") {
  WorkerPool pool(4);
  CHECK(pool.threads() == 4);
  for (size_t round = 0; round < 200; ++round) {
    const size_t n = 1 + round % 4;
    std::vector<int> calls(4, 0);
    std::vector<std::thread::id> ids(4);
    pool.Run(n, [&](size_t i) {
      ++calls[i];
      ids[i] = std::this_thread::get_id();
    });
    for (size_t i = 0; i < 4; ++i) REQUIRE(calls[i] == (i < n ? 1 : 0));
    CHECK(ids[0] == std::this_thread::get_id());
    CHECK(std::set<std::thread::id>(ids.begin(), ids.begin() + n).size() == n);
  }
  // The job's threads run at once: each waits for all the others.
  std::atomic<size_t> arrived{0};
  pool.Run(4, [&](size_t) {
    ++arrived;
    while (arrived.load() < 4) std::this_thread::yield();
  });
  CHECK(arrived.load() == 4);
  WorkerPool alone(1);
  size_t ran = 0;
  alone.Run(1, [&](size_t i) { ran += 1 + i; });
  CHECK(ran == 1);
}

// ForRanges covers [0, n) once, in at most threads() ranges of at least min_each items
// (one range on the calling thread when there are fewer, or no pool).
TEST_CASE("WorkerPool: ForRanges covers every item once in ranges of at least min_each",
          "[stm]") {
  WorkerPool pool(4);
  for (size_t n : {0, 1, 7, 8, 9, 100, 1000, 1001}) {
    for (size_t min_each : {1, 8, 100, 5000}) {
      std::vector<std::atomic<int>> seen(n);
      std::vector<std::atomic<int>> by_range(pool.threads());
      std::atomic<size_t> ranges{0};
      ForRanges(&pool, n, min_each, [&](size_t t, size_t begin, size_t end) {
        REQUIRE(t < pool.threads());
        ++by_range[t];
        ++ranges;
        for (size_t i = begin; i < end; ++i) ++seen[i];
      });
      INFO("n " << n << ", min_each " << min_each);
      for (size_t i = 0; i < n; ++i) REQUIRE(seen[i].load() == 1);
      for (const auto& r : by_range) CHECK(r.load() <= 1);
      const size_t expected = std::max<size_t>(1, std::min<size_t>(4, n / min_each));
      CHECK(ranges.load() == expected);
    }
  }
  std::thread::id ran_on;
  size_t covered = 0;
  ForRanges(nullptr, 50, 1, [&](size_t t, size_t begin, size_t end) {
    CHECK(t == 0);
    ran_on = std::this_thread::get_id();
    covered += end - begin;
  });
  CHECK(covered == 50);
  CHECK(ran_on == std::this_thread::get_id());
}

}  // namespace
}  // namespace chainaccel::exec
