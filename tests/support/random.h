// Randomness of the engine tests: one seed per process, printed, replayable.
//
// The seed is CHAINACCEL_TEST_SEED from the environment when set (decimal or 0x-hex),
// else drawn from std::random_device. MakeRng prints it with the test's name, so a
// failing run is replayed with CHAINACCEL_TEST_SEED=<seed>.
#pragma once

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

namespace chainaccel::testing {

uint64_t TestSeed();

// A generator for one test case, derived from TestSeed() and `test_name` so that test
// cases do not share streams. Prints "<test_name>: CHAINACCEL_TEST_SEED=<seed>".
std::mt19937_64 MakeRng(std::string_view test_name);

std::vector<uint8_t> RandomBytes(std::mt19937_64& rng, size_t n);

// Uniform in [lo, hi].
size_t RandomSize(std::mt19937_64& rng, size_t lo, size_t hi);

}  // namespace chainaccel::testing
