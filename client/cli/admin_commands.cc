// chainaccel devices|status|scheduler|health: what the daemon runs on and how it is doing.
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "client/cli/command.h"

namespace chainaccel::cli {
namespace {

using nlohmann::json;

// printf into a std::string.
template <typename... Args>
std::string Format(const char* format, Args... args) {
  const int size = std::snprintf(nullptr, 0, format, args...);
  std::string out(static_cast<size_t>(size), '\0');
  std::snprintf(out.data(), out.size() + 1, format, args...);
  return out;
}

int RunDevices(bool as_json, const GlobalOptions& global) {
  const std::vector<DeviceInfo> devices = Unwrap(MakeClient(global).GetDevices());
  std::string out;
  if (as_json) {
    json doc = json::array();
    for (const DeviceInfo& d : devices) {
      doc.push_back({{"name", d.name},
                     {"kind", d.kind},
                     {"model", d.model},
                     {"threads", d.threads},
                     {"memory_bytes", d.memory_bytes},
                     {"multiprocessors", d.multiprocessors},
                     {"compute_capability", d.compute_capability},
                     {"healthy", d.healthy},
                     {"tasks", d.tasks},
                     {"batches", d.batches},
                     {"busy_seconds", d.busy_seconds},
                     {"faults", d.faults},
                     {"memory_free_bytes", d.memory_free_bytes}});
    }
    out = doc.dump() + "\n";
  } else {
    for (const DeviceInfo& d : devices) {
      out += d.name + " (" + d.kind + ") " + (d.healthy ? "healthy" : "UNHEALTHY") + "\n";
      out += "  model:   " + d.model + "\n";
      if (d.threads != 0) out += Format("  threads: %u\n", d.threads);
      if (d.memory_bytes != 0) {
        out += Format("  memory:  %.1f GiB (%.1f GiB free), %u SMs, compute capability %s\n",
                      static_cast<double>(d.memory_bytes) / (1 << 30),
                      static_cast<double>(d.memory_free_bytes) / (1 << 30), d.multiprocessors,
                      d.compute_capability.c_str());
      }
      out += "  tasks:   " + Join(d.tasks, ", ") + "\n";
      out += Format("  batches: %" PRIu64 ", busy %.3f s, faults %" PRIu64 "\n", d.batches,
                    d.busy_seconds, d.faults);
    }
  }
  WriteStdout(out);
  return kExitOk;
}

int RunStatus(bool as_json, const GlobalOptions& global) {
  const DaemonStatus status = Unwrap(MakeClient(global).GetStatus());
  std::string out;
  if (as_json) {
    json tasks = json::array();
    for (const TaskCounters& t : status.tasks) {
      tasks.push_back({{"task", t.task},
                       {"requests", t.requests},
                       {"failed_requests", t.failed_requests},
                       {"items", t.items}});
    }
    out = json{{"version", status.version},
               {"uptime_seconds", status.uptime_seconds},
               {"in_flight_requests", status.in_flight_requests},
               {"tasks", std::move(tasks)}}
              .dump() +
          "\n";
  } else {
    out += "version:   " + status.version + "\n";
    out += Format("uptime:    %.1f s\n", status.uptime_seconds);
    out += Format("in flight: %" PRIu64 "\n", status.in_flight_requests);
    out += Format("%-18s %12s %12s %14s\n", "task", "requests", "failed", "items");
    for (const TaskCounters& t : status.tasks) {
      out += Format("%-18s %12" PRIu64 " %12" PRIu64 " %14" PRIu64 "\n", t.task.c_str(),
                    t.requests, t.failed_requests, t.items);
    }
  }
  WriteStdout(out);
  return kExitOk;
}

std::string PlacementText(v1::Placement placement) {
  switch (placement) {
    case v1::PLACEMENT_CPU: return "cpu";
    case v1::PLACEMENT_GPU: return "gpu";
    case v1::PLACEMENT_LOAD_BALANCE: return "load_balance";
    default: return "auto";
  }
}

int RunScheduler(bool as_json, const GlobalOptions& global) {
  const v1::GetSchedulerResponse s = Unwrap(MakeClient(global).GetScheduler());
  std::string out;
  if (as_json) {
    json entries = json::array();
    for (const v1::SchedulerEntry& e : s.entries()) {
      entries.push_back({{"task", e.task()},
                         {"variant", e.variant()},
                         {"engine", e.engine()},
                         {"accepts", e.accepts()},
                         {"fixed_latency_seconds", e.fixed_latency_seconds()},
                         {"per_unit_seconds", e.per_unit_seconds()},
                         {"crossover_units", e.crossover_units()},
                         {"calibrated", e.calibrated()},
                         {"observed_batches", e.observed_batches()},
                         {"queued_items", e.queued_items()},
                         {"queued_requests", e.queued_requests()},
                         {"queued_bytes", e.queued_bytes()},
                         {"load_balance_scale", e.load_balance_scale()}});
    }
    out = json{{"default_placement", PlacementText(s.default_placement())},
               {"batching", s.batching()},
               {"max_queue_delay_seconds", s.max_queue_delay_seconds()},
               {"gpu_fallbacks", s.gpu_fallbacks()},
               {"entries", std::move(entries)}}
              .dump() +
          "\n";
  } else {
    out += "placement: " + PlacementText(s.default_placement()) + ", batching " +
           (s.batching() ? "on" : "off") +
           Format(", max queue delay %.3f ms, GPU fallbacks %" PRIu64 "\n",
                  s.max_queue_delay_seconds() * 1e3, s.gpu_fallbacks());
    out += Format("%-34s %-8s %12s %14s %12s %5s %9s %10s %9s %8s\n", "task/variant", "engine",
                  "fixed (us)", "per unit (ns)", "crossover", "cal.", "batches", "queued", "parts",
                  "LB x");
    for (const v1::SchedulerEntry& e : s.entries()) {
      if (!e.accepts()) continue;
      const std::string crossover = e.engine() == "cpu" ? "-"
                                    : e.crossover_units() == UINT64_MAX
                                        ? "never"
                                        : std::to_string(e.crossover_units());
      out += Format("%-34s %-8s %12.1f %14.3f %12s %5s %9" PRIu64 " %10" PRIu64 " %9" PRIu64
                    " %8.2f\n",
                    (e.task() + "/" + e.variant()).c_str(), e.engine().c_str(),
                    e.fixed_latency_seconds() * 1e6, e.per_unit_seconds() * 1e9,
                    crossover.c_str(), e.calibrated() ? "yes" : "no", e.observed_batches(),
                    e.queued_items(), e.queued_requests(), e.load_balance_scale());
    }
  }
  WriteStdout(out);
  return kExitOk;
}

int RunEngineEnabled(const std::string& engine, bool enabled, const GlobalOptions& global) {
  const v1::SetEngineEnabledResponse r =
      Unwrap(MakeClient(global).SetEngineEnabled(engine, enabled));
  WriteStdout(r.engine() + (r.enabled() ? " enabled" : " disabled") +
              Format(" (%" PRIu64 " queued request part(s) moved to the CPU engine)\n",
                     r.moved_parts()));
  return kExitOk;
}

int RunHealth(const std::string& service, const GlobalOptions& global) {
  const HealthStatus health = Unwrap(MakeClient(global).CheckHealth(service));
  WriteStdout(std::string(HealthStatusName(health)) + "\n");
  return health == HealthStatus::kServing ? kExitOk : kExitInvalid;
}

}  // namespace

void AddAdminCommands(CLI::App* app, const GlobalOptions* global, CommandRun* run) {
  auto devices_json = std::make_shared<bool>(false);
  CLI::App* devices = app->add_subcommand("devices", "List the daemon's engines");
  devices->add_flag("--json", *devices_json, "Print JSON");
  devices->callback([=] { *run = [=] { return RunDevices(*devices_json, *global); }; });

  auto status_json = std::make_shared<bool>(false);
  CLI::App* status = app->add_subcommand("status", "Version, uptime and per-task counters");
  status->add_flag("--json", *status_json, "Print JSON");
  status->callback([=] { *run = [=] { return RunStatus(*status_json, *global); }; });

  auto scheduler_json = std::make_shared<bool>(false);
  CLI::App* scheduler = app->add_subcommand(
      "scheduler", "The scheduler's cost model (per task variant and engine) and queues");
  scheduler->add_flag("--json", *scheduler_json, "Print JSON");
  scheduler->callback([=] { *run = [=] { return RunScheduler(*scheduler_json, *global); }; });

  CLI::App* engine = app->add_subcommand(
      "engine", "Take a GPU engine out of service (drain) or back in (needs the daemon's "
                "admin_engine_control)");
  engine->require_subcommand(1);
  for (const bool enabled : {false, true}) {
    auto name = std::make_shared<std::string>();
    CLI::App* sub = engine->add_subcommand(enabled ? "enable" : "disable",
                                           enabled ? "Put the engine back in service"
                                                   : "Take the engine out of service");
    sub->add_option("name", *name, "Engine name, as `chainaccel devices` lists it")->required();
    sub->callback([=] { *run = [=] { return RunEngineEnabled(*name, enabled, *global); }; });
  }

  auto service = std::make_shared<std::string>();
  CLI::App* health = app->add_subcommand(
      "health", "grpc.health.v1 check; prints SERVING etc., exit 0 only if SERVING");
  health->add_option("--service", *service, "Service to ask about (default: the whole daemon)");
  health->callback([=] { *run = [=] { return RunHealth(*service, *global); }; });
}

}  // namespace chainaccel::cli
