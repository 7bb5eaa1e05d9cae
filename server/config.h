// Config: everything chainacceld reads at start, from a YAML file and command-line flags
// (flags win). docs/configuration.md lists every key; deploy/chainacceld.yaml is the
// default file.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "server/limits.h"

namespace chainaccel::server {

struct Config {
  // gRPC listen address; port 0 binds a free port (see ready_file).
  std::string listen = "127.0.0.1:50051";
  // Prometheus /metrics address; empty disables the exposer.
  std::string metrics_listen = "127.0.0.1:9464";
  // CPU engine worker threads; 0 = one per hardware thread.
  size_t threads = 0;
  // Where the daemon keeps state (created at start; the execution engine stores its
  // database here).
  std::string data_dir = "data";
  Limits limits;
  // Use CUDA GPUs (each must pass its start-up self-test). Needs a build with CUDA.
  bool gpu_enabled = true;
  // Ordinals of the GPUs to use; empty means every visible one.
  std::vector<int> gpu_devices;
  // How often an unhealthy GPU engine runs its self-test again to come back into service.
  double gpu_retest_seconds = 60;
  // PLACEMENT_AUTO sends batches of at least this many items to a GPU, when one runs the
  // task (see engines/scheduler/routing_scheduler.h).
  size_t gpu_min_batch_items = 16384;
  // The same for signature batches (verify, recover), whose items cost far more.
  size_t gpu_min_signature_items = 1024;
  // The execution engine's RocksDB folder; empty means <data_dir>/execution.
  std::string execution_db;
  // "adaptive" (Block-STM whose thread count follows contention, down to sequential),
  // "block-stm" (parallel at every block) or "sequential" (the reference); the results
  // are identical. Adaptive is the default: on a contention hot spot (a swap pool) plain
  // Block-STM on 16 threads is slower than sequential, adaptive stays within 10 % of it
  // (bench/EXEC_RESULTS.md), and elsewhere it runs as Block-STM.
  std::string executor = "adaptive";
  // Block-STM threads; 0 = the CPU engine's thread count.
  size_t execution_threads = 0;
  // trace, debug, info, warn, error.
  std::string log_level = "info";
  // "text" or "json" (one JSON object per line).
  std::string log_format = "text";
  // How long a graceful shutdown waits for in-flight requests before cancelling them.
  double shutdown_grace_seconds = 30;
  // When set, the daemon writes "grpc=HOST:PORT\nmetrics=HOST:PORT\n" here once it serves.
  std::string ready_file;
};

// Reads a YAML config file over *config (keys absent from the file keep their values).
// INVALID_ARGUMENT names the file and the bad key; NOT_FOUND when the file is missing.
Status LoadConfigFile(const std::string& path, Config* config);

// Checks values that no type enforces (log level names, non-zero limits).
Status ValidateConfig(const Config& config);

}  // namespace chainaccel::server
