// RunLoad: closed-loop load on the daemon, for `chainaccel bench`.
//
// `concurrency` workers spread round-robin over `channels` channels (each its own TCP
// connection) each keep one call of the workload's request in flight: when a call
// completes the worker checks the response and issues the next, until the duration is
// over. Calls use gRPC's callback API through a generic stub, so a few gRPC threads
// drive any number of workers and the request is never re-serialized.
//
// Counting: a call is measured when it was issued after the warmup. Calls issued before
// the end of the duration complete and count, and a worker whose calls all began in the
// warmup issues one more, so that every worker has a measured call. The measured time
// runs from the first measured issue to the last measured completion. This keeps
// batches that take longer than warmup and duration together (a million signatures on a
// small CPU) measurable.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "client/cli/bench_workload.h"
#include "client/client.h"

namespace chainaccel::cli {

struct LoadProgress {
  // From the first measured issue to the last measured completion; 0 with no requests.
  double elapsed_seconds = 0;  // since the start, warmup included
  uint64_t requests = 0;       // measured, successful
  uint64_t errors = 0;
};

struct LoadOptions {
  std::string target;
  // Message size limits and per-call deadline of every channel.
  ClientOptions client;
  int concurrency = 1;
  int channels = 1;
  std::chrono::duration<double> duration{10};
  std::chrono::duration<double> warmup{0};
  // Called about once a second, on the calling thread, while the load runs.
  std::function<void(const LoadProgress&)> on_progress;
};

struct LoadReport {
  // Measured successful calls.
  uint64_t requests = 0;
  // Failed calls (non-OK status or a response that does not check), warmup included.
  uint64_t errors = 0;
  std::string first_error;
  // From the first measured issue to the last measured completion; 0 with no requests.
  double elapsed_seconds = 0;
  // Latency of the measured calls, in milliseconds.
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  // Engines that ran the batches, sorted.
  std::vector<std::string> engines;
};

// Runs the load. Throws CliError when a channel cannot connect within the call timeout.
LoadReport RunLoad(const Workload& workload, const LoadOptions& options);

}  // namespace chainaccel::cli
