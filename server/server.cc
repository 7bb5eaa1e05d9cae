#include "server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/security/server_credentials.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <mutex>

#include "engines/cpu/cpu_engine.h"
#include "engines/gpu/device_pool.h"
#include "engines/cpu/calibration_workload.h"
#include "engines/scheduler/calibration.h"
#include "engines/scheduler/host_load.h"
#include "engines/scheduler/hybrid_scheduler.h"
#include "engines/scheduler/scheduled_engine.h"
#include "execution/execution_engine.h"
#include "server/admin_service.h"
#include "server/execution_service.h"
#include "server/proof_service.h"
#include "server/gpu_readiness.h"
#include "server/hash_service.h"
#include "server/merkle_service.h"
#include "server/memory_trimmer.h"
#include "server/metrics.h"
#include "server/serving_state.h"
#include "server/signature_service.h"
#include "server/tls_credentials.h"
#include "server/version.h"

namespace chainaccel::server {
namespace {

// The health service name that answers whether the daemon's GPUs are in service
// (gpu_readiness.h), and how often it is brought up to date.
constexpr char kGpuHealthService[] = "chainaccel.v1.Gpu";
constexpr std::chrono::milliseconds kGpuReadinessInterval{1000};

HybridScheduler::Options SchedulerOptions(const SchedulerConfig& config) {
  HybridScheduler::Options o;
  o.default_placement = config.placement == "cpu"            ? Placement::kCpu
                        : config.placement == "gpu"          ? Placement::kGpu
                        : config.placement == "load_balance" ? Placement::kLoadBalance
                                                             : Placement::kAuto;
  o.batching = config.batching;
  o.max_queue_delay = std::chrono::microseconds(static_cast<int64_t>(config.max_queue_delay_ms * 1000));
  const std::pair<TaskType, size_t> batch_items[] = {
      {TaskType::kHash, config.max_batch_items_hash},
      {TaskType::kMerkleVerify, config.max_batch_items_merkle_verify},
      {TaskType::kSignatureVerify, config.max_batch_items_signature_verify},
      {TaskType::kSignatureRecover, config.max_batch_items_signature_recover}};
  for (const auto& [type, items] : batch_items) {
    if (items != 0) o.max_batch_items[static_cast<size_t>(type)] = items;
  }
  o.max_queued_items = config.max_queued_items;
  o.max_queued_bytes = config.max_queued_bytes;
  o.cpu_batches_in_flight = config.cpu_batches_in_flight;
  o.gpu_batches_in_flight = config.gpu_batches_in_flight;
  o.auto_cpu_max_host_load = config.auto_cpu_max_host_load;
  o.auto_cpu_time_ratio = config.auto_cpu_time_ratio;
  o.load_balance_cpu_min_share = config.load_balance_cpu_min_share;
  return o;
}

// The start-up log of who can reach and call the daemon, with a warning for each weak spot.
void LogListenerSecurity(const Config& config, const std::string& address,
                         const Authorizer& authorizer) {
  const bool loopback = IsLoopbackAddress(config.listen);
  const bool plaintext = config.tls.cert_file.empty();
  spdlog::info("gRPC on {}: {}; {}", address, DescribeListenerSecurity(config.tls),
               authorizer.Describe());
  if (plaintext && !loopback) {
    spdlog::warn("gRPC on {} is plaintext and not on loopback: any host that reaches this "
                 "address can use the daemon and read its traffic (set tls.cert_file and "
                 "tls.key_file, or keep it behind a network policy or a sidecar's localhost)",
                 address);
  }
  if (plaintext && !loopback && !config.auth.token_file.empty() && authorizer.enforced()) {
    spdlog::warn("auth.token_file on a plaintext listener off loopback: the bearer token "
                 "crosses the network in the clear");
  }
  if (!authorizer.enforced() && !loopback) {
    spdlog::warn("auth.mode is off on {}, not loopback: the guarded methods are open to any "
                 "host that reaches it",
                 address);
  }
  if (authorizer.enforced() && !authorizer.has_credentials()) {
    spdlog::warn("auth is enforced on {} but no credential is configured (auth.token_file, "
                 "auth.allowed_identities): the guarded methods are refused to every client",
                 address);
  }
}

// The ahead-of-time tier's options from execution_aot*: none when off, or when auto and
// its tools are missing; FAILED_PRECONDITION when on and they are missing.
Status ConfigureAot(const Config& config, Metrics* metrics, exec::ExecutionOptions* options) {
  if (config.execution_aot == "off") return Status::Ok();
  exec::AotOptions aot;
  aot.cache_dir = config.execution_aot_cache_dir.empty()
                      ? (std::filesystem::path(config.data_dir) / "aot").string()
                      : config.execution_aot_cache_dir;
  aot.time_limit_seconds = config.execution_aot_build_seconds;
  std::string why;
  if (!exec::AotToolsPresent(aot, &why)) {
    if (config.execution_aot == "on") {
      return Status::FailedPrecondition("execution_aot is on but the ahead-of-time tier "
                                        "cannot build: " + why);
    }
    spdlog::info("execution_aot auto: contracts run on the interpreter ({})", why);
    return Status::Ok();
  }
  aot.on_build = [metrics](const exec::AotBuildReport& report) {
    const char* result = report.ok          ? (report.cached ? "cached" : "ok")
                         : report.timed_out ? "timeout"
                                            : "failed";
    metrics->RecordAotBuild(result, report.seconds);
    if (!report.ok) {
      spdlog::warn("an ahead-of-time build failed ({}); that contract stays on the "
                   "interpreter", report.error);
    }
  };
  options->aot = std::move(aot);
  return Status::Ok();
}

// The start-up warm-up of the state tree's cache, in the log.
void LogWarmUp(const exec::ExecutionEngine::CacheWarmUp& warm) {
  const auto& r = warm.report;
  const std::string levels = r.whole_tree ? "the whole tree"
                                          : std::to_string(r.whole_levels) + " levels whole";
  if (!warm.status.ok()) {
    spdlog::warn("state tree cache warm-up stopped after {} nodes: {} (blocks read the rest from the database)",
                 r.nodes, warm.status.message());
    return;
  }
  spdlog::info("state tree cache warmed: {} nodes, {} of its {} MiB, {}, in {:.2f} s", r.nodes,
               r.cache_bytes >> 20, r.cache_capacity >> 20, levels, r.seconds);
}

}  // namespace

struct Server::Impl {
  // Destroyed in reverse order of declaration: the server and services before the state
  // they reference, the metrics endpoint (which reads the engines) before the scheduler,
  // the scheduler (its GPU dispatch threads) before the GPU engines, all before the CPU
  // engine.
  std::unique_ptr<CpuEngine> cpu;
  std::unique_ptr<DevicePool> gpus;
  // How busy the host is apart from the CPU engine's workers, for AUTO's use of the CPU
  // engine beside a GPU (reads `cpu`).
  std::unique_ptr<ProcessCpuLoad> host_load;
  std::unique_ptr<HybridScheduler> scheduler;
  // The start-up calibration of the scheduler's cost model, in the background.
  std::thread calibration;
  std::atomic<bool> stop_calibration{false};
  // The execution engine verifies signatures and builds state roots through the
  // scheduler (placement AUTO), so before it.
  // Before the execution engine: its ahead-of-time compiler reports builds to it.
  std::unique_ptr<Metrics> metrics;
  std::unique_ptr<ScheduledEngine> scheduled;
  std::unique_ptr<exec::ExecutionEngine> execution;
  std::unique_ptr<Authorizer> authorizer;
  ServingState state;
  std::unique_ptr<HashServiceImpl> hash_service;
  std::unique_ptr<MerkleServiceImpl> merkle_service;
  std::unique_ptr<SignatureServiceImpl> signature_service;
  std::unique_ptr<AdminServiceImpl> admin_service;
  std::unique_ptr<ExecutionServiceImpl> execution_service;
  std::unique_ptr<ProofServiceImpl> proof_service;
  std::unique_ptr<grpc::Server> grpc_server;
  std::unique_ptr<MemoryTrimmer> memory_trimmer;  // reads state.in_flight
  std::unique_ptr<GpuReadiness> gpu_readiness;    // sets the Gpu health and a metric
  std::once_flag shutdown_once;
};

Server::Server(Config config) : config_(std::move(config)), impl_(std::make_unique<Impl>()) {}

Server::~Server() { Shutdown(); }

Status Server::Start() {
  Status s = ValidateConfig(config_);
  if (!s.ok()) return s;
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir, ec);
  if (ec) {
    return Status::Internal("cannot create data directory " + config_.data_dir + ": " +
                            ec.message());
  }

  Impl& impl = *impl_;
  // TLS and auth files are checked before anything starts.
  const bool loopback = IsLoopbackAddress(config_.listen);
  std::shared_ptr<grpc::ServerCredentials> credentials;
  s = ListenerCredentials(config_.tls, &credentials);
  if (s.ok()) s = Authorizer::Create(config_.auth, loopback, &impl.authorizer);
  if (!s.ok()) return s;
  // The metrics endpoint comes up before the GPUs are opened and self-tested.
  impl.metrics = std::make_unique<Metrics>();
  if (!config_.metrics_listen.empty()) {
    s = impl.metrics->Serve(config_.metrics_listen, &metrics_address_);
    if (!s.ok()) return s;
  }
  impl.gpus = std::make_unique<DevicePool>(DevicePool::Options{
      config_.gpu_enabled, config_.gpu_devices,
      std::chrono::milliseconds(static_cast<int64_t>(config_.gpu_retest_seconds * 1000)),
      config_.gpu_engines_per_device, config_.scheduler.gpu_batches_in_flight,
      config_.gpu_wait_spin_us * 1e-6});
  CpuEngine::Options cpu_options;
  cpu_options.threads = config_.threads;
  if (!impl.gpus->engines().empty()) cpu_options.nice = config_.scheduler.cpu_nice_with_gpu;
  impl.cpu = std::make_unique<CpuEngine>(cpu_options);
  impl.host_load = std::make_unique<ProcessCpuLoad>(
      [cpu = impl.cpu.get()] { return cpu->pool().WorkersCpuNanoseconds(); });
  std::vector<Engine*> engines{impl.cpu.get()};
  for (Engine* gpu : impl.gpus->engines()) engines.push_back(gpu);
  impl.scheduler = std::make_unique<HybridScheduler>(engines, SchedulerOptions(config_.scheduler),
                                                     Clock::Steady(),
                                                     impl.metrics->scheduler_observer(),
                                                     impl.host_load.get());
  impl.metrics->SetEngines(impl.scheduler->engines());
  impl.metrics->SetScheduler(impl.scheduler.get());
  if (config_.scheduler.calibration_seconds > 0) {
    impl.calibration = std::thread([&impl, engines, seconds = config_.scheduler.calibration_seconds] {
      CalibrationOptions options;
      options.budget = std::chrono::duration<double>(seconds);
      options.stop = &impl.stop_calibration;
      const auto source = [](TaskType type, uint8_t variant, size_t items) {
        return MakeCalibrationTask(type, variant, items);
      };
      const auto start = std::chrono::steady_clock::now();
      const auto rows = Calibrate(*impl.scheduler, engines, source, options);
      spdlog::info("scheduler: calibrated {} cost lines in {:.2f} s", rows.size(),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    });
  }
  {
    exec::ExecutionOptions options;
    options.db_path = ExecutionDbPath(config_);
    options.executor = config_.executor == "sequential" ? exec::ExecutorKind::kSequential
                       : config_.executor == "adaptive" ? exec::ExecutorKind::kAdaptive
                                                        : exec::ExecutorKind::kBlockStm;
    options.threads = config_.execution_threads != 0 ? config_.execution_threads
                                                     : impl.cpu->info().threads;
    options.verify_state_root_on_open = config_.execution_verify_root_on_open;
    options.state_cache_bytes = config_.execution_state_cache_bytes;
    options.warm_state_cache_on_open = config_.execution_warm_state_cache;
    s = ConfigureAot(config_, impl.metrics.get(), &options);
    if (!s.ok()) return s;
    impl.scheduled = std::make_unique<ScheduledEngine>(*impl.scheduler);
    s = exec::ExecutionEngine::Open(options, impl.scheduled.get(), &impl.execution);
    if (!s.ok()) return s;
    impl.metrics->SetExecutionHeight(impl.execution->height());
    impl.metrics->SetStateStoreSource([engine = impl.execution.get()] {
      return StateStoreStats{engine->state_cache_stats(), engine->storage_stats()};
    });
    spdlog::info("execution state at height {} in {} ({} executor, {} threads, contracts on {})",
                 impl.execution->height(), options.db_path, config_.executor, options.threads,
                 options.aot ? "the ahead-of-time tier, cache " + options.aot->cache_dir
                             : std::string("the interpreter"));
    if (const uint64_t rebuilt = impl.execution->rebuilt_tree_blocks(); rebuilt > 0) {
      spdlog::warn("state tree: rebuilt the nodes of the last {} blocks from their undo logs "
                   "(not flushed before the daemon stopped without closing the database)",
                   rebuilt);
    }
    if (const auto& check = impl.execution->root_check(); check.has_value()) {
      const std::string how = check->spilled ? "from spill files"
                              : check->not_spilled_because.empty()
                                  ? "in one pass"
                                  : "without spill files: " + check->not_spilled_because;
      spdlog::info("state root checked against the stored state: {} walks of it, {}", check->walks, how);
    }
    if (const auto& warm = impl.execution->warm_up(); warm.has_value()) LogWarmUp(*warm);
  }
  impl.state.scheduler = impl.scheduler.get();
  impl.state.hybrid_scheduler = impl.scheduler.get();
  impl.state.engine_control = config_.admin_engine_control;
  impl.state.metrics = impl.metrics.get();
  impl.state.authorizer = impl.authorizer.get();
  impl.state.limits = config_.limits;
  if (config_.request_buffer_cache_bytes > 0) {
    impl.state.field_buffers = std::make_shared<FieldBufferPool>(
        config_.request_buffer_cache_bytes, impl.metrics->RequestBufferCacheGauge());
  }

  impl.hash_service = std::make_unique<HashServiceImpl>(impl.state);
  impl.merkle_service = std::make_unique<MerkleServiceImpl>(impl.state);
  impl.signature_service = std::make_unique<SignatureServiceImpl>(impl.state);
  impl.admin_service = std::make_unique<AdminServiceImpl>(impl.state, impl.gpus->unused());
  impl.execution_service =
      std::make_unique<ExecutionServiceImpl>(impl.state, *impl.execution);
  impl.proof_service =
      std::make_unique<ProofServiceImpl>(impl.state, config_.proof, &impl.cpu->pool());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config_.listen, credentials, &port);
  // gRPC enables SO_REUSEPORT by default, which lets a second daemon silently share the
  // port; one address is one daemon.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config_.limits.max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(config_.limits.max_message_bytes));
  builder.RegisterService(impl.hash_service.get());
  builder.RegisterService(impl.merkle_service.get());
  builder.RegisterService(impl.signature_service.get());
  builder.RegisterService(impl.admin_service.get());
  builder.RegisterService(impl.execution_service.get());
  builder.RegisterService(impl.proof_service.get());
  impl.grpc_server = builder.BuildAndStart();
  if (!impl.grpc_server || port == 0) {
    impl.grpc_server.reset();
    return Status::Unavailable("cannot listen for gRPC on " + config_.listen);
  }
  grpc_address_ = config_.listen.substr(0, config_.listen.rfind(':')) + ":" + std::to_string(port);
  LogListenerSecurity(config_, grpc_address_, *impl.authorizer);
  if (config_.memory_trim_seconds > 0) {
    KeepLargeBlocksMapped();
    const auto interval =
        std::chrono::milliseconds(static_cast<int64_t>(config_.memory_trim_seconds * 1000));
    impl.memory_trimmer = std::make_unique<MemoryTrimmer>(
        [&impl] { return impl.state.in_flight.load(); }, interval, [&impl, interval] {
          if (impl.state.field_buffers) impl.state.field_buffers->FreeUnusedFor(interval);
        });
  }
  // "" is the whole server; each service also answers for itself.
  auto* health = impl.grpc_server->GetHealthCheckService();
  for (const char* service : {"", "chainaccel.v1.HashService", "chainaccel.v1.MerkleService",
                              "chainaccel.v1.SignatureService", "chainaccel.v1.AdminService",
                              "chainaccel.v1.ExecutionService"}) {
    health->SetServingStatus(service, true);
  }
  // GPUs are expected when engines were opened or devices were listed or seen (and left
  // out for failing to open); a CPU-only daemon never reports itself degraded.
  const std::vector<Engine*> gpus = impl.gpus->engines();  // a copy, iterated once
  const bool gpus_expected = config_.gpu_enabled && (!gpus.empty() || !config_.gpu_devices.empty() ||
                                                     !impl.gpus->unused().empty());
  impl.gpu_readiness = std::make_unique<GpuReadiness>(
      std::vector<const Engine*>(gpus.begin(), gpus.end()), gpus_expected,
      [&impl, health, gpus_expected](bool degraded) {
        if (gpus_expected) health->SetServingStatus(kGpuHealthService, !degraded);
        impl.metrics->SetGpuDegraded(degraded);
      },
      kGpuReadinessInterval);
  spdlog::info(
      "chainacceld {} serving gRPC on {}, metrics on {}, CPU engine with {} threads, {} GPU "
      "engine(s)",
      kVersion, grpc_address_, metrics_address_.empty() ? "(off)" : metrics_address_,
      impl.cpu->info().threads, impl.gpus->engines().size());
  return Status::Ok();
}

Status Server::Reload() {
  Status s = impl_->authorizer->ReloadToken();
  if (s.ok() && !config_.auth.token_file.empty()) {
    spdlog::info("reloaded the auth token from {}", config_.auth.token_file);
  }
  return s;
}

void Server::Shutdown() {
  std::call_once(impl_->shutdown_once, [this] {
    Impl& impl = *impl_;
    if (impl.grpc_server) {
      spdlog::info("shutting down: {} requests in flight", impl.state.in_flight.load());
      impl.gpu_readiness.reset();  // so that nothing sets a health status SERVING again
      impl.grpc_server->GetHealthCheckService()->SetServingStatus(false);
      const auto deadline =
          std::chrono::system_clock::now() +
          std::chrono::milliseconds(static_cast<int64_t>(config_.shutdown_grace_seconds * 1000));
      // Drain first with the listener open: health checks answer NOT_SERVING (probes and
      // load balancers see a draining replica, not a refused connection) and new work
      // gets UNAVAILABLE, while the in-flight requests finish.
      impl.state.draining = true;
      while (impl.state.in_flight.load() != 0 && std::chrono::system_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      // Then stop accepting and wait for every call left (cancelling those still running
      // at the deadline); their tasks complete on the scheduler meanwhile.
      impl.grpc_server->Shutdown(deadline);
      impl.grpc_server->Wait();
    }
    impl.memory_trimmer.reset();
    // The metrics endpoint outlives the execution engine (Impl's order): stop reading it.
    if (impl.metrics) impl.metrics->SetStateStoreSource(nullptr);
    impl.stop_calibration = true;
    if (impl.calibration.joinable()) impl.calibration.join();
    if (impl.scheduler) impl.scheduler->Shutdown();
    spdlog::info("shut down");
  });
}

}  // namespace chainaccel::server
