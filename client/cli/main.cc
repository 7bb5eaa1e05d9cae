// chainaccel: command-line client of the chainaccel daemon. See docs/cli.md.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "client/cli/command.h"

int main(int argc, char** argv) {
  using namespace chainaccel::cli;

  CLI::App app("chainaccel: client of the chainaccel daemon (hashing, Merkle trees, "
               "signatures)",
               "chainaccel");
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions global;
  app.add_option("--address", global.address, "Daemon address host:port")
      ->envname("CHAINACCEL_ADDRESS")
      ->capture_default_str();
  app.add_option("--timeout", global.timeout_seconds, "Deadline of each call in seconds (0: none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();

  CommandRun run;
  AddHashCommand(&app, &global, &run);
  AddMerkleCommand(&app, &global, &run);
  AddSigCommand(&app, &global, &run);
  AddAdminCommands(&app, &global, &run);
  AddBenchCommand(&app, &global, &run);
  AddExecCommands(&app, &global, &run);

  try {
    app.parse(argc, argv);
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
