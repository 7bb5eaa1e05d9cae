// CheckStatus: how a benchmark stops on a failed Status: "<program>: <status>" on stderr,
// exit code 1. A benchmark measures only what worked.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "core/status.h"

namespace chainaccel::bench {

inline void CheckStatus(const char* program, const Status& status) {
  if (status.ok()) return;
  std::fprintf(stderr, "%s: %s\n", program, status.ToString().c_str());
  std::exit(1);
}

}  // namespace chainaccel::bench
