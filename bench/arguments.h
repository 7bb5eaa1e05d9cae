// ForEachArgument: how the GPU benchmarks walk their command line.
#pragma once

#include <string>

namespace chainaccel::bench {

// Calls on_argument(argument, value) for each of argv[1..argc); value() consumes the next
// argument and returns it, or calls usage("missing value") when there is none. REQUIRES:
// usage does not return.
template <class OnArgument>
void ForEachArgument(int argc, char** argv, void (*usage)(const char*),
                     OnArgument on_argument) {
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage("missing value");
      return argv[++i];
    };
    on_argument(argument, value);
  }
}

}  // namespace chainaccel::bench
