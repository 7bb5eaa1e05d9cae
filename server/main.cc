// chainacceld: the chainaccel daemon.
//
// Reads an optional YAML config file (--config) and flags (flags win), serves until
// SIGTERM or SIGINT, then shuts down gracefully and exits 0. SIGHUP re-reads the auth
// token file (docs/security.md). With --import-state FILE[,FILE...] it imports those
// state files into a new execution database (docs/execution.md, "Importing a state")
// and exits instead: 0 when imported, 1 when the import failed. As a container's PID 1 it
// first splits off a minimal init that reaps orphans (server/init_process.h).
#include <CLI/CLI.hpp>
#include <absl/synchronization/mutex.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <optional>
#include <thread>

#include "core/hex.h"
#include "execution/state_file.h"
#include "execution/state_import.h"
#include "server/config.h"
#include "server/init_process.h"
#include "server/logging.h"
#include "server/server.h"
#include "server/version.h"

namespace {

using chainaccel::Status;
using chainaccel::server::Config;

// Flags given on the command line; unset ones leave the config file's values.
struct Flags {
  std::string config_file;
  std::optional<std::string> listen, metrics_listen, data_dir, log_level, log_format, ready_file,
      execution_db, executor, execution_aot;
  std::optional<size_t> threads, max_message_bytes, max_batch_items, max_inflight_requests,
      max_inflight_per_client,
      execution_threads;
  std::optional<double> shutdown_grace_seconds, gpu_retest_seconds, max_queue_delay_ms,
      calibration_seconds;
  std::optional<bool> gpu_enabled, batching;
  std::optional<unsigned> gpu_engines_per_device;
  std::optional<std::string> placement;
  std::optional<std::vector<int>> gpu_devices;
  std::optional<std::string> tls_cert, tls_key, tls_client_ca, tls_client_cert, auth_mode,
      auth_token_file;
  std::optional<unsigned> tls_reload_seconds;
  std::optional<std::vector<std::string>> auth_allowed_identities;
  std::optional<std::vector<std::string>> import_state;
};

template <typename T, typename U>
void Apply(const std::optional<T>& flag, U* field) {
  if (flag) *field = *flag;
}

Status WriteReadyFile(const std::string& path, const std::string& grpc,
                      const std::string& metrics) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "grpc=" << grpc << "\nmetrics=" << metrics << "\n";
    if (!out) return Status::Internal("cannot write ready file " + tmp);
  }
  // Rename so that a reader never sees half a file.
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::Internal("cannot rename ready file to " + path);
  }
  return Status::Ok();
}

// --import-state: the files into the configured execution database, read at once on
// every hardware thread; logs what was written. 0 or 1, as main returns.
int ImportStateFiles(const Config& config, const std::vector<std::string>& files) {
  namespace exec = chainaccel::exec;
  const std::string db = chainaccel::server::ExecutionDbPath(config);
  exec::ImportOptions options;
  options.parts = files.size();
  options.threads = std::max(1u, std::thread::hardware_concurrency());
  exec::ImportResult r;
  spdlog::info("importing {} state file(s) into {}", files.size(), db);
  Status s = exec::ImportState(db, exec::StateFileParts(files), options, &r);
  if (!s.ok()) {
    spdlog::critical("state import failed: {}", s.ToString());
    return 1;
  }
  spdlog::info(
      "imported {} keys as block 1, state root {}: {} tree nodes; read {:.1f} s, tree {:.1f} s, "
      "flush {:.1f} s (RocksDB's write stalls {:.1f} s of it all)",
      r.keys, chainaccel::HexEncode(r.root.data(), r.root.size()), r.nodes, r.read_s, r.tree_s,
      r.flush_s, r.write_stall_s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  chainaccel::server::RunAsInitWhenPid1();  // before any thread exists
  Flags flags;
  // Debian builds Abseil without NDEBUG, so every absl::Mutex that gRPC takes runs
  // Abseil's deadlock detector: a process-wide lock and a lock-graph update on each
  // acquisition, which serializes gRPC's threads (perf of the daemon under 256 x 64-item
  // requests, bench/RESULTS.md 2026-12-04). Off, as in Abseil's own release builds.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"chainacceld: batched hashing, Merkle trees and signature checks over gRPC"};
  app.set_version_flag("--version", std::string(chainaccel::server::kVersion));
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("-c,--config", flags.config_file, "YAML config file")->check(CLI::ExistingFile);
  app.add_option("--listen", flags.listen, "gRPC listen address (default 127.0.0.1:50051)");
  app.add_option("--metrics-listen", flags.metrics_listen,
                 "Prometheus /metrics address, empty to disable (default 127.0.0.1:9464)");
  app.add_option("--threads", flags.threads, "CPU engine threads (0 = all hardware threads)");
  app.add_option("--data-dir", flags.data_dir, "state directory (default ./data)");
  app.add_option("--max-message-bytes", flags.max_message_bytes, "largest gRPC message");
  app.add_option("--max-batch-items", flags.max_batch_items, "most items in one batch");
  app.add_option("--max-inflight-requests", flags.max_inflight_requests,
                 "most requests served at once");
  app.add_option("--max-inflight-per-client", flags.max_inflight_per_client,
                 "most requests of one client host served at once (0 = no limit)");
  app.add_option("--gpu", flags.gpu_enabled, "use CUDA GPUs (true|false, default true)");
  app.add_option("--gpu-devices", flags.gpu_devices, "GPU ordinals to use (default: all)")
      ->delimiter(',');
  app.add_option("--gpu-retest-seconds", flags.gpu_retest_seconds,
                 "how often an unhealthy GPU re-runs its self-test");
  app.add_option("--gpu-engines-per-device", flags.gpu_engines_per_device,
                 "GPU engines per device, each its own GPU to the scheduler (testing; default 1)");
  app.add_option("--placement", flags.placement,
                 "placement of PLACEMENT_AUTO requests: auto|cpu|gpu|load_balance (default auto)");
  app.add_option("--batching", flags.batching,
                 "coalesce requests into device batches (true|false, default true)");
  app.add_option("--max-queue-delay-ms", flags.max_queue_delay_ms,
                 "how long a batch that is not full may wait for more requests (default 0)");
  app.add_option("--calibration-seconds", flags.calibration_seconds,
                 "time for the start-up calibration of the cost model, 0 to skip (default 3)");
  app.add_option("--execution-db", flags.execution_db,
                 "execution state database (default <data-dir>/execution)");
  app.add_option("--executor", flags.executor,
                 "adaptive|block-stm|sequential (default adaptive)");
  app.add_option("--execution-threads", flags.execution_threads,
                 "Block-STM threads (0 = the CPU engine's threads)");
  app.add_option("--execution-aot", flags.execution_aot,
                 "ahead-of-time contract tier: auto|on|off (default auto)");
  app.add_option("--log-level", flags.log_level, "trace|debug|info|warn|error|off");
  app.add_option("--log-format", flags.log_format, "text|json");
  app.add_option("--shutdown-grace-seconds", flags.shutdown_grace_seconds,
                 "how long shutdown waits for in-flight requests");
  app.add_option("--tls-cert", flags.tls_cert,
                 "server certificate chain (PEM); with --tls-key turns TLS on");
  app.add_option("--tls-key", flags.tls_key, "the server certificate's private key (PEM)");
  app.add_option("--tls-client-ca", flags.tls_client_ca,
                 "CA certificates (PEM) that client certificates must verify against (mutual TLS)");
  app.add_option("--tls-client-cert", flags.tls_client_cert,
                 "with --tls-client-ca: require|optional (default require)");
  app.add_option("--tls-reload-seconds", flags.tls_reload_seconds,
                 "how often the TLS files are re-read (default 10)");
  app.add_option("--auth", flags.auth_mode,
                 "auto|on|off: whether guarded methods need credentials (default auto: "
                 "unless the listener is loopback and no credential is configured)");
  app.add_option("--auth-token-file", flags.auth_token_file,
                 "file holding the bearer token of the guarded methods (re-read on SIGHUP)");
  app.add_option("--auth-allowed-identity", flags.auth_allowed_identities,
                 "client-certificate identity allowed to call guarded methods: CN=..., "
                 "DNS:..., URI:..., EMAIL:..., IP:... (repeat or separate with commas)")
      ->delimiter(',')
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--import-state", flags.import_state,
                 "import these state files into a new execution database as block 1, then "
                 "exit (docs/execution.md, \"Importing a state\")")
      ->delimiter(',');
  app.add_option("--ready-file", flags.ready_file,
                 "write the bound addresses here once serving (for tests and supervisors)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every bad flag or value exits 2, as documented
    // (CLI11's own codes, 104-109, would not be).
    return app.exit(e) == 0 ? 0 : 2;
  }

  Config config;
  if (!flags.config_file.empty()) {
    Status s = chainaccel::server::LoadConfigFile(flags.config_file, &config);
    if (!s.ok()) {
      std::fprintf(stderr, "chainacceld: %s\n", s.message().c_str());
      return 2;
    }
  }
  Apply(flags.listen, &config.listen);
  Apply(flags.metrics_listen, &config.metrics_listen);
  Apply(flags.threads, &config.threads);
  Apply(flags.data_dir, &config.data_dir);
  Apply(flags.max_message_bytes, &config.limits.max_message_bytes);
  Apply(flags.max_batch_items, &config.limits.max_batch_items);
  Apply(flags.max_inflight_requests, &config.limits.max_inflight_requests);
  Apply(flags.max_inflight_per_client, &config.limits.max_inflight_per_client);
  Apply(flags.gpu_engines_per_device, &config.gpu_engines_per_device);
  Apply(flags.placement, &config.scheduler.placement);
  Apply(flags.batching, &config.scheduler.batching);
  Apply(flags.max_queue_delay_ms, &config.scheduler.max_queue_delay_ms);
  Apply(flags.calibration_seconds, &config.scheduler.calibration_seconds);
  Apply(flags.gpu_enabled, &config.gpu_enabled);
  Apply(flags.gpu_devices, &config.gpu_devices);
  Apply(flags.gpu_retest_seconds, &config.gpu_retest_seconds);
  Apply(flags.execution_db, &config.execution_db);
  Apply(flags.executor, &config.executor);
  Apply(flags.execution_threads, &config.execution_threads);
  Apply(flags.execution_aot, &config.execution_aot);
  Apply(flags.log_level, &config.log_level);
  Apply(flags.log_format, &config.log_format);
  Apply(flags.shutdown_grace_seconds, &config.shutdown_grace_seconds);
  Apply(flags.ready_file, &config.ready_file);
  Apply(flags.tls_cert, &config.tls.cert_file);
  Apply(flags.tls_key, &config.tls.key_file);
  Apply(flags.tls_client_ca, &config.tls.client_ca_file);
  Apply(flags.tls_client_cert, &config.tls.client_cert);
  Apply(flags.tls_reload_seconds, &config.tls.reload_seconds);
  Apply(flags.auth_mode, &config.auth.mode);
  Apply(flags.auth_token_file, &config.auth.token_file);
  Apply(flags.auth_allowed_identities, &config.auth.allowed_identities);
  if (Status s = chainaccel::server::ValidateConfig(config); !s.ok()) {
    std::fprintf(stderr, "chainacceld: %s\n", s.message().c_str());
    return 2;
  }
  chainaccel::server::SetUpLogging(config.log_level, config.log_format);
  if (flags.import_state) return ImportStateFiles(config, *flags.import_state);

  // Block the shutdown and reload signals in every thread (gRPC's and the engine's
  // inherit the mask) and wait for them here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  chainaccel::server::Server server(config);
  if (Status s = server.Start(); !s.ok()) {
    spdlog::critical("cannot start: {}", s.ToString());
    return 1;
  }
  if (!config.ready_file.empty()) {
    if (Status s = WriteReadyFile(config.ready_file, server.grpc_address(),
                                  server.metrics_address());
        !s.ok()) {
      spdlog::critical("{}", s.ToString());
      return 1;
    }
  }
  int signal = 0;
  for (sigwait(&signals, &signal); signal == SIGHUP; sigwait(&signals, &signal)) {
    if (Status s = server.Reload(); !s.ok()) spdlog::error("SIGHUP: {}", s.ToString());
  }
  spdlog::info("received {}", signal == SIGTERM ? "SIGTERM" : "SIGINT");
  server.Shutdown();
  return 0;
}
