// chainaccel bench: throughput and latency of one operation under concurrent load.

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "client/cli/bench_workload.h"
#include "client/cli/command.h"
#include "client/cli/load_generator.h"

namespace chainaccel::cli {
namespace {

// Runs of at most this long print no progress lines.
constexpr double kQuietRunSeconds = 2;

struct BenchOptions {
  BenchOp op = BenchOp::kSha256;
  uint64_t batch = 1000;
  int concurrency = 1;
  int channels = 1;
  double duration_seconds = 10;
  double warmup_seconds = 0;
  uint32_t message_size = 0;
  v1::Placement placement = v1::PLACEMENT_AUTO;
  bool json = false;
  bool quiet = false;
};

// `value` to `decimals` places, so that the JSON shows what was measured and no more.
double Rounded(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

// Below this many measured requests a p99 is the maximum of a handful of samples.
constexpr uint64_t kMinRequestsForP99 = 100;

std::string Report(const BenchOptions& options, const Workload& workload,
                   const LoadReport& load) {
  if (load.requests < kMinRequestsForP99) {
    std::fprintf(stderr,
                 "bench: only %" PRIu64 " requests measured: p90/p99 are not meaningful below %" PRIu64
                 " (raise --duration)\n",
                 load.requests, kMinRequestsForP99);
  }
  const double seconds = load.elapsed_seconds > 0 ? load.elapsed_seconds : 1;
  const uint64_t items = load.requests * workload.items;
  const double requests_per_s = static_cast<double>(load.requests) / seconds;
  const double items_per_s = static_cast<double>(items) / seconds;
  const double bytes_per_s = requests_per_s * static_cast<double>(workload.request_bytes);
  const std::string engine = Join(load.engines, ",");
  if (options.json) {
    nlohmann::json doc = {{"op", NameOf(kBenchOpNames, options.op)},
                          {"batch", options.batch},
                          {"msg_size", workload.message_size},
                          {"placement", NameOf(kPlacementNames, options.placement)},
                          {"concurrency", options.concurrency},
                          {"channels", options.channels},
                          {"duration_s", Rounded(load.elapsed_seconds, 3)},
                          {"requests", load.requests},
                          {"items", items},
                          {"requests_per_s", Rounded(requests_per_s, 1)},
                          {"items_per_s", Rounded(items_per_s, 1)},
                          {"bytes_per_s", Rounded(bytes_per_s, 0)},
                          {"p50_ms", Rounded(load.p50_ms, 3)},
                          {"p90_ms", Rounded(load.p90_ms, 3)},
                          {"p99_ms", Rounded(load.p99_ms, 3)},
                          {"max_ms", Rounded(load.max_ms, 3)},
                          {"errors", load.errors},
                          {"engine", engine}};
    if (!load.first_error.empty()) doc["first_error"] = load.first_error;
    if (load.requests < kMinRequestsForP99) doc["few_samples"] = true;
    return doc.dump() + "\n";
  }
  char text[1024];
  std::snprintf(text, sizeof text,
                "op          %s, batch %" PRIu64 ", %" PRIu32 "-byte items, placement %s\n"
                "load        concurrency %d over %d channel(s), engine %s\n"
                "measured    %.2f s\n"
                "requests    %" PRIu64 " (%.1f/s)\n"
                "items       %" PRIu64 " (%.0f/s)\n"
                "sent        %.1f MB/s\n"
                "latency ms  p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n"
                "errors      %" PRIu64 "\n",
                NameOf(kBenchOpNames, options.op).c_str(), options.batch, workload.message_size,
                NameOf(kPlacementNames, options.placement).c_str(), options.concurrency,
                options.channels, engine.empty() ? "-" : engine.c_str(), load.elapsed_seconds,
                load.requests, requests_per_s, items, items_per_s, bytes_per_s / 1e6, load.p50_ms,
                load.p90_ms, load.p99_ms, load.max_ms, load.errors);
  std::string out = text;
  if (!load.first_error.empty()) out += "first error " + load.first_error + "\n";
  return out;
}

int RunBench(const BenchOptions& options, const GlobalOptions& global) {
  const Workload workload = MakeWorkload(WorkloadSpec{options.op, options.batch,
                                                      options.message_size, options.placement,
                                                      !options.quiet});
  LoadOptions load;
  load.target = global.address;
  load.client = MakeClientOptions(global);
  load.concurrency = options.concurrency;
  load.channels = options.channels;
  load.duration = std::chrono::duration<double>(options.duration_seconds);
  load.warmup = std::chrono::duration<double>(options.warmup_seconds);
  if (!options.quiet && options.warmup_seconds + options.duration_seconds > kQuietRunSeconds) {
    const uint64_t items = workload.items;
    load.on_progress = [items](const LoadProgress& p) {
      std::fprintf(stderr, "[%5.0fs] %" PRIu64 " requests, %" PRIu64 " items, %" PRIu64
                   " errors\n", p.elapsed_seconds, p.requests, p.requests * items, p.errors);
    };
  }
  const LoadReport report = RunLoad(workload, load);
  WriteStdout(Report(options, workload, report));
  return report.errors == 0 && report.requests != 0 ? kExitOk : kExitInvalid;
}

}  // namespace

void AddBenchCommand(CLI::App* app, const GlobalOptions* global, CommandRun* run) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* bench = app->add_subcommand(
      "bench", "Send one random request over and over from concurrent workers; report "
               "throughput and latency (exit 1 if any call failed)");
  AddEnumOption(bench, "--op", &options->op, kBenchOpNames, "What to run")->required();
  bench->add_option("--batch", options->batch, "Items per request")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  bench->add_option("--concurrency", options->concurrency, "Calls kept in flight")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  bench->add_option("--channels", options->channels,
                    "Connections the calls are spread over (round-robin)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  bench->add_option("--duration", options->duration_seconds, "Seconds of measured load")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  bench->add_option("--warmup", options->warmup_seconds, "Seconds of unmeasured load first")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  bench->add_option("--msg-size", options->message_size,
                    "Bytes per message: hashing (default 64), ed25519 and schnorr (default 32)")
      ->check(CLI::PositiveNumber);
  AddPlacementOption(bench, &options->placement);
  bench->add_flag("--json", options->json, "Print one JSON line");
  bench->add_flag("--quiet", options->quiet, "No progress lines on stderr");
  bench->callback([=] { *run = [=] { return RunBench(*options, *global); }; });
}

}  // namespace chainaccel::cli
