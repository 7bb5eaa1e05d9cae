// chainaccel: command-line client of the chainaccel daemon. See docs/cli.md.
#include <CLI/CLI.hpp>
#include <absl/synchronization/mutex.h>

#include <cstdio>
#include <exception>

#include "client/cli/command.h"

namespace {

// The arguments no option or subcommand took, in the app and the subcommands it parsed.
std::vector<std::string> UnknownArguments(const CLI::App& app) {
  std::vector<std::string> unknown = app.remaining();
  for (const CLI::App* sub : app.get_subcommands()) {
    for (std::string& arg : UnknownArguments(*sub)) unknown.push_back(std::move(arg));
  }
  return unknown;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace chainaccel::cli;
  // Debian builds Abseil without NDEBUG, so every absl::Mutex that gRPC takes runs
  // Abseil's deadlock detector: a process-wide lock and a lock-graph update on each
  // acquisition, which serializes gRPC's threads (perf of the daemon under 256 x 64-item
  // requests, bench/RESULTS.md 2026-12-04). Off, as in Abseil's own release builds.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  CLI::App app("chainaccel: client of the chainaccel daemon (hashing, Merkle trees, "
               "signatures, proofs)",
               "chainaccel");
  app.set_version_flag("--version", CHAINACCEL_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions global;
  app.add_option("--address", global.address, "Daemon address host:port")
      ->envname("CHAINACCEL_ADDRESS")
      ->capture_default_str();
  app.add_option("--timeout", global.timeout_seconds, "Deadline of each call in seconds (0: none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  AddSecurityOptions(&app, &global);

  CommandRun run;
  AddHashCommand(&app, &global, &run);
  AddMerkleCommand(&app, &global, &run);
  AddSigCommand(&app, &global, &run);
  AddAdminCommands(&app, &global, &run);
  AddBenchCommand(&app, &global, &run);
  AddExecCommands(&app, &global, &run);
  AddZkCommands(&app, &global, &run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::RequiredError& e) {
    // CLI11 checks required options before unknown ones, so a misspelt required option
    // (`hash --algoo`) would be reported as missing: name the unknown one instead.
    const std::vector<std::string> unknown = UnknownArguments(app);
    if (!unknown.empty()) {
      std::fprintf(stderr, "chainaccel: unknown option or argument: %s\nRun with --help for more information.\n",
                   Join(unknown, " ").c_str());
      return kExitError;
    }
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitError;
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitError;
  }
  try {
    return run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chainaccel: %s\n", e.what());
    return kExitError;
  }
}
