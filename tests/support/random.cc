#include "tests/support/random.h"

#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <string>

namespace chainaccel::testing {

uint64_t TestSeed() {
  static const uint64_t seed = [] {
    if (const char* env = std::getenv("CHAINACCEL_TEST_SEED"); env != nullptr && *env != 0) {
      return static_cast<uint64_t>(std::stoull(env, nullptr, 0));
    }
    std::random_device device;
    return static_cast<uint64_t>(device()) << 32 | device();
  }();
  return seed;
}

std::mt19937_64 MakeRng(std::string_view test_name) {
  const uint64_t seed = TestSeed();
  std::cout << test_name << ": CHAINACCEL_TEST_SEED=" << seed << std::endl;
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                    static_cast<uint32_t>(std::hash<std::string_view>{}(test_name))};
  return std::mt19937_64(seq);
}

std::vector<uint8_t> RandomBytes(std::mt19937_64& rng, size_t n) {
  std::vector<uint8_t> out(n);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint64_t v = rng();
    std::memcpy(out.data() + i, &v, 8);
  }
  if (i < n) {
    uint64_t v = rng();
    for (; i < n; ++i, v >>= 8) out[i] = static_cast<uint8_t>(v);
  }
  return out;
}

size_t RandomSize(std::mt19937_64& rng, size_t lo, size_t hi) {
  return std::uniform_int_distribution<size_t>(lo, hi)(rng);
}

}  // namespace chainaccel::testing
