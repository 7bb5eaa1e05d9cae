// WebAssembly text to binary for the exec tests and benchmarks (WABT's parser), and the
// example contracts of examples/contracts/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chainaccel::exec::testing {

// The binary module of `wat`. Aborts the test process on a parse error (the WAT is the
// test's own).
std::vector<uint8_t> WatToWasm(std::string_view wat);

// examples/contracts/<name>.wat compiled ("counter", "token", "swap"); the folder is
// $CHAINACCEL_EXAMPLE_CONTRACTS_DIR when set.
std::vector<uint8_t> ExampleContract(std::string_view name);

}  // namespace chainaccel::exec::testing
