// What the `chainaccel` subcommands share: global options, exit codes, errors, the
// names of the API's enums on the command line, and the registration of each command.
//
// A command registers its options on the CLI11 app and, when the user picks it, sets
// the function that runs it; main runs that function after parsing and returns its exit
// code. Commands report failure by throwing CliError (bad input, a failed call), which
// main prints to stderr and turns into kExitError.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "client/client.h"

namespace chainaccel::cli {

// Everything checked out (all signatures valid, the daemon SERVING).
inline constexpr int kExitOk = 0;
// The request succeeded but some item did not verify (or the daemon is not SERVING).
inline constexpr int kExitInvalid = 1;
// Bad usage, bad input, or a failed call.
inline constexpr int kExitError = 2;

class CliError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct GlobalOptions {
  std::string address = "127.0.0.1:50051";
  double timeout_seconds = 60;
  // TLS (docs/cli.md): on with `tls` or any of the files.
  bool tls = false;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_server_name;
  // Bearer token for the daemon's guarded methods, read from this file.
  std::string token_file;
};

// Adds --tls, --tls-ca, --tls-cert, --tls-key, --tls-server-name and --token-file.
void AddSecurityOptions(CLI::App* app, GlobalOptions* global);

// The client options of the global options; reads the TLS and token files (CliError
// naming a file that cannot be read).
ClientOptions MakeClientOptions(const GlobalOptions& global);
Client MakeClient(const GlobalOptions& global);

// The value of a call; throws CliError with the status ("UNAVAILABLE: ...") if it failed.
template <typename T>
T Unwrap(Result<T> result) {
  if (!result.ok()) throw CliError(FormatStatus(result.status()));
  return std::move(result).value();
}

// A client context with the global deadline (--timeout), for calls made through a stub.
std::unique_ptr<grpc::ClientContext> NewCallContext(const GlobalOptions& global);
// Throws CliError with the status ("NOT_FOUND: ...") when the call failed.
void CheckCall(const grpc::Status& status);

// Writes `text` to standard output in one go.
void WriteStdout(std::string_view text);

// "ok" for ITEM_OK, else the status name ("ITEM_INVALID").
std::string VerdictName(v1::ItemStatus status);

// Prints one verdict a line; returns kExitOk when all are ITEM_OK, else kExitInvalid.
int PrintVerdicts(const Verdicts& verdicts);

// The items separated by `separator`.
std::string Join(const std::vector<std::string>& items, std::string_view separator);

// Command-line names of the API's enums.
extern const std::map<std::string, v1::HashAlgorithm> kHashAlgorithmNames;
extern const std::map<std::string, v1::MerkleScheme> kMerkleSchemeNames;
extern const std::map<std::string, v1::SignatureScheme> kSignatureSchemeNames;
extern const std::map<std::string, v1::PreHash> kPreHashNames;
extern const std::map<std::string, v1::Placement> kPlacementNames;

// The command-line name of `value` in `names`.
template <typename Enum>
std::string NameOf(const std::map<std::string, Enum>& names, Enum value) {
  for (const auto& [name, v] : names) {
    if (v == value) return name;
  }
  return std::to_string(static_cast<int>(value));
}

// Adds an option whose value is one of `names` (any case), shown as "a|b|c".
template <typename Enum>
CLI::Option* AddEnumOption(CLI::App* app, const std::string& flag, Enum* value,
                           const std::map<std::string, Enum>& names,
                           const std::string& description) {
  std::string choices;
  for (const auto& entry : names) choices += (choices.empty() ? "" : "|") + entry.first;
  // Turns the name into the enum's number, which CLI11 then converts to Enum.
  CLI::Validator by_name(
      [&names, choices](std::string& text) -> std::string {
        const auto it = names.find(CLI::detail::to_lower(text));
        if (it == names.end()) return "\"" + text + "\" is not one of " + choices;
        text = std::to_string(static_cast<int>(it->second));
        return "";
      },
      "", "");
  return app->add_option(flag, *value, description)->transform(by_name)->type_name(choices);
}

// Adds --placement auto|cpu|gpu|load_balance.
CLI::Option* AddPlacementOption(CLI::App* app, v1::Placement* placement);

// Adds --input FILE, where "-" is standard input.
CLI::Option* AddInputOption(CLI::App* app, std::string* path);

// The function that runs the command the user picked.
using CommandRun = std::function<int()>;

void AddHashCommand(CLI::App* app, const GlobalOptions* global, CommandRun* run);
void AddMerkleCommand(CLI::App* app, const GlobalOptions* global, CommandRun* run);
void AddSigCommand(CLI::App* app, const GlobalOptions* global, CommandRun* run);
// devices, status, health.
void AddAdminCommands(CLI::App* app, const GlobalOptions* global, CommandRun* run);
void AddBenchCommand(CLI::App* app, const GlobalOptions* global, CommandRun* run);
// deploy, exec (ExecutionService).
void AddExecCommands(CLI::App* app, const GlobalOptions* global, CommandRun* run);
// zk register / prove / verify (ProofService).
void AddZkCommands(CLI::App* app, const GlobalOptions* global, CommandRun* run);

}  // namespace chainaccel::cli
