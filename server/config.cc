#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>

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

}  // namespace

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
                        "gpu_min_batch_items", "gpu_min_signature_items", "execution_db", "executor", "execution_threads"},
                       path);
  if (s.ok()) s = Read(root, "listen", path, &config->listen);
  if (s.ok()) s = Read(root, "metrics_listen", path, &config->metrics_listen);
  if (s.ok()) s = Read(root, "threads", path, &config->threads);
  if (s.ok()) s = Read(root, "data_dir", path, &config->data_dir);
  if (s.ok()) s = Read(root, "shutdown_grace_seconds", path, &config->shutdown_grace_seconds);
  if (s.ok()) s = Read(root, "gpu_min_batch_items", path, &config->gpu_min_batch_items);
  if (s.ok()) {
    s = Read(root, "gpu_min_signature_items", path, &config->gpu_min_signature_items);
  }
  if (s.ok()) s = Read(root, "gpu_enabled", path, &config->gpu_enabled);
  if (s.ok()) s = Read(root, "gpu_devices", path, &config->gpu_devices);
  if (s.ok()) s = Read(root, "gpu_retest_seconds", path, &config->gpu_retest_seconds);
  if (s.ok()) s = Read(root, "execution_db", path, &config->execution_db);
  if (s.ok()) s = Read(root, "executor", path, &config->executor);
  if (s.ok()) s = Read(root, "execution_threads", path, &config->execution_threads);
  if (!s.ok()) return s;
  if (const YAML::Node limits = root["limits"]) {
    s = CheckKeys(limits, {"max_message_bytes", "max_batch_items", "max_inflight_requests"},
                  path + ": limits");
    if (s.ok()) s = Read(limits, "max_message_bytes", path, &config->limits.max_message_bytes);
    if (s.ok()) s = Read(limits, "max_batch_items", path, &config->limits.max_batch_items);
    if (s.ok()) {
      s = Read(limits, "max_inflight_requests", path, &config->limits.max_inflight_requests);
    }
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
  if (config.gpu_retest_seconds <= 0) {
    return Status::InvalidArgument("gpu_retest_seconds must be positive");
  }
  if (config.executor != "block-stm" && config.executor != "sequential" &&
      config.executor != "adaptive") {
    return Status::InvalidArgument("executor '" + config.executor +
                                   "' is not block-stm, adaptive or sequential");
  }
  if (config.shutdown_grace_seconds < 0) {
    return Status::InvalidArgument("shutdown_grace_seconds must not be negative");
  }
  return Status::Ok();
}

}  // namespace chainaccel::server
