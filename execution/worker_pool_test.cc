#include "execution/worker_pool.h"

#include <catch2/catch.hpp>

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

}  // namespace
}  // namespace chainaccel::exec
