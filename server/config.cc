#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>
#include <utility>

#include "server/authorizer.h"

namespace chainaccel::server {
namespace {

template <typename T>
Status Read(const YAML::Node& node, const std::string& key, const std::string& path, T* out) {
  const YAML::Node value = node[key];
  if (!value) return Status::Ok();
  try {
    *out = value.as<T>();
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ": key '" + key + "': " + e.what());
  }
  return Status::Ok();
}

Status CheckKeys(const YAML::Node& node, const std::set<std::string>& known,
                 const std::string& where) {
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (!known.count(key)) return Status::InvalidArgument(where + ": unknown key '" + key + "'");
  }
  return Status::Ok();
}

Status ReadScheduler(const YAML::Node& node, const std::string& path, SchedulerConfig* out) {
  Status s = CheckKeys(node,
                       {"placement", "batching", "max_queue_delay_ms", "max_batch_items",
                        "max_queued_items", "max_queued_bytes", "cpu_batches_in_flight",
                        "gpu_batches_in_flight", "calibration_seconds", "cpu_nice_with_gpu",
                        "auto_cpu_max_host_load", "auto_cpu_time_ratio",
                        "load_balance_cpu_min_share"},
                       path + ": scheduler");
  if (s.ok()) s = Read(node, "placement", path, &out->placement);
  if (s.ok()) s = Read(node, "batching", path, &out->batching);
  if (s.ok()) s = Read(node, "max_queue_delay_ms", path, &out->max_queue_delay_ms);
  if (s.ok()) s = Read(node, "max_queued_items", path, &out->max_queued_items);
  if (s.ok()) s = Read(node, "max_queued_bytes", path, &out->max_queued_bytes);
  if (s.ok()) s = Read(node, "cpu_batches_in_flight", path, &out->cpu_batches_in_flight);
  if (s.ok()) s = Read(node, "gpu_batches_in_flight", path, &out->gpu_batches_in_flight);
  if (s.ok()) s = Read(node, "calibration_seconds", path, &out->calibration_seconds);
  if (s.ok()) s = Read(node, "cpu_nice_with_gpu", path, &out->cpu_nice_with_gpu);
  if (s.ok()) s = Read(node, "auto_cpu_max_host_load", path, &out->auto_cpu_max_host_load);
  if (s.ok()) s = Read(node, "auto_cpu_time_ratio", path, &out->auto_cpu_time_ratio);
  if (s.ok()) s = Read(node, "load_balance_cpu_min_share", path, &out->load_balance_cpu_min_share);
  if (!s.ok()) return s;
  if (const YAML::Node batch = node["max_batch_items"]) {
    const std::string where = path + ": scheduler.max_batch_items";
    s = CheckKeys(batch, {"hash", "merkle_verify", "signature_verify", "signature_recover"}, where);
    if (s.ok()) s = Read(batch, "hash", path, &out->max_batch_items_hash);
    if (s.ok()) s = Read(batch, "merkle_verify", path, &out->max_batch_items_merkle_verify);
    if (s.ok()) s = Read(batch, "signature_verify", path, &out->max_batch_items_signature_verify);
    if (s.ok()) s = Read(batch, "signature_recover", path, &out->max_batch_items_signature_recover);
  }
  return s;
}

Status ReadTls(const YAML::Node& node, const std::string& path, TlsConfig* out) {
  Status s = CheckKeys(node, {"cert_file", "key_file", "client_ca_file", "client_cert",
                              "reload_seconds"},
                       path + ": tls");
  if (s.ok()) s = Read(node, "cert_file", path, &out->cert_file);
  if (s.ok()) s = Read(node, "key_file", path, &out->key_file);
  if (s.ok()) s = Read(node, "client_ca_file", path, &out->client_ca_file);
  if (s.ok()) s = Read(node, "client_cert", path, &out->client_cert);
  if (s.ok()) s = Read(node, "reload_seconds", path, &out->reload_seconds);
  return s;
}

Status ReadAuth(const YAML::Node& node, const std::string& path, AuthConfig* out) {
  Status s = CheckKeys(node, {"mode", "token_file", "allowed_identities", "methods"},
                       path + ": auth");
  if (s.ok()) s = Read(node, "mode", path, &out->mode);
  if (s.ok()) s = Read(node, "token_file", path, &out->token_file);
  if (s.ok()) s = Read(node, "allowed_identities", path, &out->allowed_identities);
  if (s.ok()) s = Read(node, "methods", path, &out->methods);
  return s;
}

Status ValidateTlsAndAuth(const Config& config) {
  const TlsConfig& tls = config.tls;
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return Status::InvalidArgument("tls.cert_file and tls.key_file go together: set both "
                                   "(TLS) or neither (plaintext)");
  }
  if (!tls.client_ca_file.empty() && tls.cert_file.empty()) {
    return Status::InvalidArgument(
        "tls.client_ca_file needs TLS: set tls.cert_file and tls.key_file too");
  }
  if (tls.client_cert != "require" && tls.client_cert != "optional") {
    return Status::InvalidArgument("tls.client_cert '" + tls.client_cert +
                                   "' is not require or optional");
  }
  if (tls.reload_seconds < 1) return Status::InvalidArgument("tls.reload_seconds must be at least 1");
  const AuthConfig& auth = config.auth;
  if (auth.mode != "auto" && auth.mode != "on" && auth.mode != "off") {
    return Status::InvalidArgument("auth.mode '" + auth.mode + "' is not auto, on or off");
  }
  if (!auth.allowed_identities.empty() && tls.client_ca_file.empty()) {
    return Status::InvalidArgument(
        "auth.allowed_identities needs client certificates: set tls.client_ca_file");
  }
  for (const std::string& identity : auth.allowed_identities) {
    if (Status s = CheckIdentityPattern(identity); !s.ok()) return s;
  }
  return ResolveGuardedMethods(auth.methods, nullptr);
}

}  // namespace

bool IsLoopbackAddress(const std::string& listen) {
  const std::string host = listen.substr(0, listen.rfind(':'));
  return host.rfind("127.", 0) == 0 || host == "localhost" || host == "[::1]" || host == "::1";
}

Status LoadConfigFile(const std::string& path, Config* config) {
  if (!std::filesystem::exists(path)) {
    return Status(Status::Code::kNotFound, "config file " + path + " does not exist");
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ": " + e.what());
  }
  if (root.IsNull()) return Status::Ok();
  if (!root.IsMap()) return Status::InvalidArgument(path + ": must be a mapping of keys");
  Status s = CheckKeys(root,
                       {"listen", "metrics_listen", "threads", "data_dir", "limits", "log",
                        "shutdown_grace_seconds", "gpu_enabled", "gpu_devices", "gpu_retest_seconds",
                        "gpu_engines_per_device", "gpu_wait_spin_us",
                        "scheduler", "execution_db", "executor", "execution_threads",
                        "execution_verify_root_on_open", "execution_state_cache_bytes",
                        "execution_warm_state_cache",
                        "execution_aot",
                        "execution_aot_cache_dir", "execution_aot_build_seconds",
                        "memory_trim_seconds", "request_buffer_cache_bytes", "tls", "auth",
                        "admin_engine_control", "proof"},
                       path);
  if (s.ok()) s = Read(root, "listen", path, &config->listen);
  if (s.ok()) s = Read(root, "metrics_listen", path, &config->metrics_listen);
  if (s.ok()) s = Read(root, "threads", path, &config->threads);
  if (s.ok()) s = Read(root, "data_dir", path, &config->data_dir);
  if (s.ok()) s = Read(root, "shutdown_grace_seconds", path, &config->shutdown_grace_seconds);
  if (s.ok()) s = Read(root, "gpu_enabled", path, &config->gpu_enabled);
  if (s.ok()) s = Read(root, "gpu_devices", path, &config->gpu_devices);
  if (s.ok()) s = Read(root, "gpu_retest_seconds", path, &config->gpu_retest_seconds);
  if (s.ok()) {
    s = Read(root, "gpu_engines_per_device", path, &config->gpu_engines_per_device);
  }
  if (s.ok()) s = Read(root, "gpu_wait_spin_us", path, &config->gpu_wait_spin_us);
  if (s.ok()) s = Read(root, "execution_db", path, &config->execution_db);
  if (s.ok()) s = Read(root, "executor", path, &config->executor);
  if (s.ok()) s = Read(root, "execution_threads", path, &config->execution_threads);
  if (s.ok()) {
    s = Read(root, "execution_verify_root_on_open", path, &config->execution_verify_root_on_open);
  }
  if (s.ok()) {
    s = Read(root, "execution_state_cache_bytes", path, &config->execution_state_cache_bytes);
  }
  if (s.ok()) {
    s = Read(root, "execution_warm_state_cache", path, &config->execution_warm_state_cache);
  }
  if (s.ok()) s = Read(root, "execution_aot", path, &config->execution_aot);
  if (s.ok()) s = Read(root, "execution_aot_cache_dir", path, &config->execution_aot_cache_dir);
  if (s.ok()) {
    s = Read(root, "execution_aot_build_seconds", path, &config->execution_aot_build_seconds);
  }
  if (s.ok()) s = Read(root, "memory_trim_seconds", path, &config->memory_trim_seconds);
  if (s.ok()) {
    s = Read(root, "request_buffer_cache_bytes", path, &config->request_buffer_cache_bytes);
  }
  if (s.ok()) s = Read(root, "admin_engine_control", path, &config->admin_engine_control);
  if (!s.ok()) return s;
  if (const YAML::Node node = root["scheduler"]) {
    s = ReadScheduler(node, path, &config->scheduler);
    if (!s.ok()) return s;
  }
  if (const YAML::Node limits = root["limits"]) {
    s = CheckKeys(limits,
                  {"max_message_bytes", "max_batch_items", "max_inflight_requests",
                   "max_inflight_per_client"},
                  path + ": limits");
    if (s.ok()) s = Read(limits, "max_message_bytes", path, &config->limits.max_message_bytes);
    if (s.ok()) s = Read(limits, "max_batch_items", path, &config->limits.max_batch_items);
    if (s.ok()) {
      s = Read(limits, "max_inflight_requests", path, &config->limits.max_inflight_requests);
    }
    if (s.ok()) {
      s = Read(limits, "max_inflight_per_client", path, &config->limits.max_inflight_per_client);
    }
    if (!s.ok()) return s;
  }
  if (const YAML::Node tls = root["tls"]) {
    s = ReadTls(tls, path, &config->tls);
    if (!s.ok()) return s;
  }
  if (const YAML::Node auth = root["auth"]) {
    s = ReadAuth(auth, path, &config->auth);
    if (!s.ok()) return s;
  }
  if (const YAML::Node proof = root["proof"]) {
    s = CheckKeys(proof, {"max_zkey_bytes", "max_circuit_bytes", "check_key_points"},
                  path + ": proof");
    if (s.ok()) s = Read(proof, "max_zkey_bytes", path, &config->proof.max_zkey_bytes);
    if (s.ok()) s = Read(proof, "max_circuit_bytes", path, &config->proof.max_circuit_bytes);
    if (s.ok()) s = Read(proof, "check_key_points", path, &config->proof.check_key_points);
    if (!s.ok()) return s;
  }
  if (const YAML::Node log = root["log"]) {
    s = CheckKeys(log, {"level", "format"}, path + ": log");
    if (s.ok()) s = Read(log, "level", path, &config->log_level);
    if (s.ok()) s = Read(log, "format", path, &config->log_format);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status ValidateConfig(const Config& config) {
  static const std::set<std::string> kLevels{"trace", "debug", "info", "warn", "error", "off"};
  if (!kLevels.count(config.log_level)) {
    return Status::InvalidArgument("log level '" + config.log_level +
                                   "' is not one of trace, debug, info, warn, error, off");
  }
  if (config.log_format != "text" && config.log_format != "json") {
    return Status::InvalidArgument("log format '" + config.log_format + "' is not text or json");
  }
  if (config.listen.empty()) return Status::InvalidArgument("listen address is empty");
  // gRPC message sizes are ints.
  if (config.limits.max_message_bytes < (4u << 20) ||
      config.limits.max_message_bytes > static_cast<size_t>(INT32_MAX)) {
    return Status::InvalidArgument("limits.max_message_bytes must be within [4 MiB, 2 GiB)");
  }
  if (config.limits.max_batch_items == 0 || config.limits.max_inflight_requests == 0) {
    return Status::InvalidArgument("limits must be positive");
  }
  for (int ordinal : config.gpu_devices) {
    if (ordinal < 0) return Status::InvalidArgument("gpu_devices: negative ordinal");
  }
  if (config.gpu_engines_per_device < 1 || config.gpu_engines_per_device > 8) {
    return Status::InvalidArgument("gpu_engines_per_device must be within [1, 8]");
  }
  if (!(config.gpu_wait_spin_us >= 0 && config.gpu_wait_spin_us <= 1e6)) {
    return Status::InvalidArgument("gpu_wait_spin_us must be within [0, 1000000]");
  }
  if (config.gpu_retest_seconds <= 0) {
    return Status::InvalidArgument("gpu_retest_seconds must be positive");
  }
  if (config.executor != "block-stm" && config.executor != "sequential" &&
      config.executor != "adaptive") {
    return Status::InvalidArgument("executor '" + config.executor +
                                   "' is not block-stm, adaptive or sequential");
  }
  if (config.execution_aot != "auto" && config.execution_aot != "on" &&
      config.execution_aot != "off") {
    return Status::InvalidArgument("execution_aot '" + config.execution_aot +
                                   "' is not auto, on or off");
  }
  if (!(config.execution_aot_build_seconds > 0)) {
    return Status::InvalidArgument("execution_aot_build_seconds must be positive");
  }
  if (config.shutdown_grace_seconds < 0) {
    return Status::InvalidArgument("shutdown_grace_seconds must not be negative");
  }
  if (config.memory_trim_seconds < 0) {
    return Status::InvalidArgument("memory_trim_seconds must not be negative");
  }
  const SchedulerConfig& sc = config.scheduler;
  if (sc.placement != "auto" && sc.placement != "cpu" && sc.placement != "gpu" &&
      sc.placement != "load_balance") {
    return Status::InvalidArgument("scheduler.placement '" + sc.placement +
                                   "' is not auto, cpu, gpu or load_balance");
  }
  if (sc.max_queue_delay_ms < 0 || sc.calibration_seconds < 0) {
    return Status::InvalidArgument(
        "scheduler.max_queue_delay_ms and scheduler.calibration_seconds must not be negative");
  }
  if (sc.max_queued_items == 0 || sc.max_queued_bytes == 0 || sc.cpu_batches_in_flight == 0 ||
      sc.gpu_batches_in_flight == 0) {
    return Status::InvalidArgument(
        "scheduler.max_queued_items, max_queued_bytes and *_batches_in_flight must be positive");
  }
  if (sc.gpu_batches_in_flight > 16) {
    return Status::InvalidArgument("scheduler.gpu_batches_in_flight must be within [1, 16]");
  }
  if (sc.cpu_nice_with_gpu < 0 || sc.cpu_nice_with_gpu > 19) {
    return Status::InvalidArgument("scheduler.cpu_nice_with_gpu must be within [0, 19]");
  }
  // AUTO's two fractions.
  const std::pair<const char*, double> fractions[] = {
      {"auto_cpu_max_host_load", sc.auto_cpu_max_host_load},
      {"auto_cpu_time_ratio", sc.auto_cpu_time_ratio}};
  for (const auto& [name, value] : fractions) {
    if (!(value > 0 && value <= 1)) {
      return Status::InvalidArgument(std::string("scheduler.") + name + " must be within (0, 1]");
    }
  }
  if (!(sc.load_balance_cpu_min_share >= 0 && sc.load_balance_cpu_min_share < 1)) {
    return Status::InvalidArgument("scheduler.load_balance_cpu_min_share must be within [0, 1)");
  }
  return ValidateTlsAndAuth(config);
}

std::string ExecutionDbPath(const Config& config) {
  return config.execution_db.empty()
             ? (std::filesystem::path(config.data_dir) / "execution").string()
             : config.execution_db;
}

}  // namespace chainaccel::server
