// Config: everything chainacceld reads at start, from a YAML file and command-line flags
// (flags win). docs/configuration.md lists every key; deploy/chainacceld.yaml is the
// default file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "server/limits.h"

namespace chainaccel::server {

// The `scheduler:` section of the config file.
struct SchedulerConfig {
  // The placement of requests that ask for PLACEMENT_AUTO: "auto", "cpu", "gpu" or
  // "load_balance".
  std::string placement = "auto";
  // Join requests with the same task and options into one device batch.
  bool batching = true;
  // How long a batch that is not full may wait for more requests; 0: never (an idle
  // engine starts at once, a busy one takes everything queued when it frees up).
  double max_queue_delay_ms = 0;
  // Most items in one device batch, per task type; 0 keeps the built-in value
  // (hash 4,194,304; Merkle proofs, signatures and recoveries 1,048,576).
  size_t max_batch_items_hash = 0;
  size_t max_batch_items_merkle_verify = 0;
  size_t max_batch_items_signature_verify = 0;
  size_t max_batch_items_signature_recover = 0;
  // Queue bounds per task type: beyond them requests get RESOURCE_EXHAUSTED.
  uint64_t max_queued_items = uint64_t{1} << 26;
  uint64_t max_queued_bytes = uint64_t{4} << 30;
  // Batches each engine runs at once.
  size_t cpu_batches_in_flight = 2;
  size_t gpu_batches_in_flight = 8;
  // The CPU engine's workers' nice value while a GPU engine is in service (0: none), so
  // that CPU batches take only the cores that gRPC and the GPU's staging leave idle.
  int cpu_nice_with_gpu = 10;
  // AUTO leaves the CPU engine out of requests a GPU takes while the daemon, apart from
  // the CPU engine's workers, uses more than this share of the host's CPUs (1: never;
  // docs/scheduler.md).
  double auto_cpu_max_host_load = 0.5;
  // AUTO gives the CPU engine a request a GPU also takes only when it is predicted to
  // finish in at most this fraction of the GPU's time (1: whichever is sooner;
  // docs/scheduler.md).
  double auto_cpu_time_ratio = 0.5;
  // LOAD_BALANCE leaves the CPU engine out of a split with a GPU when its part would be
  // under this share of the request (0: only the 4,096-item minimum; docs/scheduler.md).
  double load_balance_cpu_min_share = 0.2;
  // Time the start-up calibration of the cost model may take (it runs in the background
  // while the daemon serves with built-in costs); 0 skips it.
  double calibration_seconds = 3;
};

// The `tls:` section: TLS, and mutual TLS, on the gRPC listener (docs/security.md).
struct TlsConfig {
  // PEM files. cert_file (the server's certificate chain, leaf first) and key_file (its
  // private key) together turn TLS on; both empty is plaintext.
  std::string cert_file;
  std::string key_file;
  // PEM CA certificates: when set, clients' certificates are verified against them
  // (mutual TLS) and their identities can be authorized (AuthConfig).
  std::string client_ca_file;
  // With client_ca_file: "require" (a connection without a valid client certificate is
  // refused in the handshake) or "optional" (one without a certificate is accepted; one
  // with a certificate that does not verify is refused).
  std::string client_cert = "require";
  // How often gRPC re-reads the three files (FileWatcherCertificateProvider); a change
  // applies to connections made after it. At least 1.
  unsigned reload_seconds = 10;
};

// The `auth:` section: who may call the guarded methods (docs/security.md).
struct AuthConfig {
  // "auto": enforced unless the listener is loopback and no credential is configured;
  // "on": enforced; "off": every method open (a warning when not on loopback).
  std::string mode = "auto";
  // A file holding one bearer token (surrounding whitespace ignored); a call presents it
  // as the `authorization: Bearer <token>` metadata. Re-read on SIGHUP.
  std::string token_file;
  // Client-certificate identities (mutual TLS; needs tls.client_ca_file) allowed to call
  // the guarded methods: "CN=<subject common name>", "DNS:<name>", "URI:<uri>",
  // "EMAIL:<address>" or "IP:<address>" (subject alternative names). Exact match.
  std::vector<std::string> allowed_identities;
  // The guarded methods, "chainaccel.v1.<Service>/<Method>": by default the methods that
  // change the daemon's state. Every other method stays open.
  std::vector<std::string> methods = {"chainaccel.v1.ExecutionService/DeployContract",
                                      "chainaccel.v1.ExecutionService/ExecuteBlock",
                                      "chainaccel.v1.AdminService/SetEngineEnabled",
                                      "chainaccel.v1.ProofService/RegisterCircuit"};
};

// The `proof:` section: ProofService's Groth16 circuits (docs/zk.md).
struct ProofConfig {
  // Largest .zkey RegisterCircuit takes (RESOURCE_EXHAUSTED beyond). A 2^20-constraint
  // circuit's key is about 0.5 GiB.
  uint64_t max_zkey_bytes = 4ull << 30;
  // Host memory all registered circuits may hold together; the least recently used are
  // dropped to make room (a Prove naming a dropped one gets NOT_FOUND).
  uint64_t max_circuit_bytes = 8ull << 30;
  // Check every point of a registered key (on the curve; B2 in the subgroup of order r,
  // about 0.13 ms a point). Off: only the header and IC points, for keys from a trusted
  // source (a bad point then only gives its owner proofs that do not verify).
  bool check_key_points = true;
};

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
  // GPU engines per device, each its own GPU to the scheduler (gpu:0, gpu:0.1, ...): for
  // testing multi-GPU scheduling on a host with one GPU. 1 in service.
  unsigned gpu_engines_per_device = 1;
  // Microseconds a thread waiting for a GPU chunk yields before it sleeps between polls
  // (GpuOptions::wait_spin_seconds); larger trades host cores for ~50-100 us less latency.
  double gpu_wait_spin_us = 50000;
  // The hybrid scheduler (engines/scheduler/hybrid_scheduler.h, docs/scheduler.md).
  SchedulerConfig scheduler;
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
  // On start, rebuild the state root from the whole state and refuse a database where it
  // differs from the committed root (O(state)); off, only the state tree's committed root
  // is checked (O(1); docs/execution.md, "State root").
  bool execution_verify_root_on_open = false;
  // The bytes of the cache in front of the execution state's database reads (state
  // values and state-tree nodes; docs/execution.md, "The state cache"); 0: none.
  size_t execution_state_cache_bytes = size_t{256} << 20;
  // On start, fill the state-tree half of that cache from the committed tree, upper
  // levels first, up to 90% of it (O(min(tree, cache)) reads; docs/execution.md, "The
  // state cache").
  bool execution_warm_state_cache = true;
  // The ahead-of-time contract tier (docs/execution.md, "Contract tiers"): "auto" (on
  // when wasm2c, the C compiler and wasm-rt.h are present, else the interpreter only),
  // "on" (refuse to start without them) or "off" (the interpreter only).
  std::string execution_aot = "auto";
  // The tier's cache of compiled contracts; empty means <data_dir>/aot.
  std::string execution_aot_cache_dir;
  // Wall-clock limit of one contract's build; past it the build is killed and the
  // contract stays on the interpreter.
  double execution_aot_build_seconds = 120;
  // trace, debug, info, warn, error.
  std::string log_level = "info";
  // "text" or "json" (one JSON object per line).
  std::string log_format = "text";
  // How long a graceful shutdown waits for in-flight requests before cancelling them.
  double shutdown_grace_seconds = 30;
  // How often the daemon, when idle after load, returns freed heap memory to the system
  // (server/memory_trimmer.h); 0 never.
  double memory_trim_seconds = 5;
  // Most bytes of buffers kept between requests for their large bytes fields and large
  // responses (server/field_buffer_pool.h); a kept buffer unused for memory_trim_seconds
  // is freed (never when that is 0). 0: none kept, every large field and response goes
  // into memory mapped for it.
  size_t request_buffer_cache_bytes = size_t{1} << 30;
  // Whether AdminService.SetEngineEnabled may take engines out of service and back
  // (guarded by auth.methods as well).
  bool admin_engine_control = false;
  // When set, the daemon writes "grpc=HOST:PORT\nmetrics=HOST:PORT\n" here once it serves.
  std::string ready_file;
  TlsConfig tls;
  AuthConfig auth;
  ProofConfig proof;
};

// Whether a listen address ("host:port") binds the loopback interface only.
bool IsLoopbackAddress(const std::string& listen);

// Reads a YAML config file over *config (keys absent from the file keep their values).
// INVALID_ARGUMENT names the file and the bad key; NOT_FOUND when the file is missing.
Status LoadConfigFile(const std::string& path, Config* config);

// The execution database's folder: execution_db, else <data_dir>/execution.
std::string ExecutionDbPath(const Config& config);

// Checks values that no type enforces (log level names, non-zero limits, TLS and auth
// settings that go together, guarded method names that exist).
Status ValidateConfig(const Config& config);

}  // namespace chainaccel::server
