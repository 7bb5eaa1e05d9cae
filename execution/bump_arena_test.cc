#include "execution/bump_arena.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <numeric>
#include <vector>

namespace chainaccel::exec {
namespace {

TEST_CASE("BumpArena: arrays keep their items until Reset, which reuses the memory",
          "[stm]") {
  BumpArena arena;
  CHECK(arena.Copy(std::span<const uint64_t>()).empty());
  // Many small arrays and one larger than a block, each checked after all were made.
  std::vector<std::span<const uint64_t>> arrays;
  std::vector<std::vector<uint64_t>> expected;
  for (size_t n : {1, 3, 700, 9000, 2, 20000, 5}) {
    std::vector<uint64_t> items(n);
    std::iota(items.begin(), items.end(), n * 1000);
    arrays.push_back(arena.Copy(std::span<const uint64_t>(items)));
    expected.push_back(items);
  }
  for (size_t i = 0; i < arrays.size(); ++i) {
    CHECK(std::vector<uint64_t>(arrays[i].begin(), arrays[i].end()) == expected[i]);
    CHECK(reinterpret_cast<uintptr_t>(arrays[i].data()) % alignof(uint64_t) == 0);
  }
  const uint64_t* first = arrays[0].data();
  arena.Reset();
  const uint8_t byte = 7;
  CHECK(arena.Copy(std::span<const uint8_t>(&byte, 1)).data() ==
        reinterpret_cast<const uint8_t*>(first));
  // Alignment holds after an odd-sized array.
  const uint64_t word = 9;
  std::span<const uint64_t> aligned = arena.Copy(std::span<const uint64_t>(&word, 1));
  CHECK(reinterpret_cast<uintptr_t>(aligned.data()) % alignof(uint64_t) == 0);
  CHECK(aligned[0] == 9);
}

}  // namespace
}  // namespace chainaccel::exec
