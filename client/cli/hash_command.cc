// chainaccel hash: digests of messages, one hex digest per line.
#include <memory>

#include "client/cli/command.h"
#include "client/cli/hex.h"
#include "client/cli/input.h"

namespace chainaccel::cli {
namespace {

struct HashOptions {
  v1::HashAlgorithm algorithm = v1::HASH_ALGORITHM_UNSPECIFIED;
  std::string input = "-";
  std::string format = "hex";
  bool lines = false;
  v1::Placement placement = v1::PLACEMENT_AUTO;
};

// The messages of the input: hex, one per non-blank line; binary, the whole input as one
// message or (with --lines) each line as one.
PackedBatch ReadMessages(const HashOptions& options) {
  const std::string text = ReadInput(options.input);
  PackedBatchBuilder messages;
  if (options.format == "hex") {
    ForEachLine(text, [&](size_t number, std::string_view line) {
      if (!IsBlank(line)) AddHexItem(line, number, "message", &messages);
    });
  } else if (options.lines) {
    ForEachLine(text, [&](size_t, std::string_view line) { messages.Add(line); });
  } else {
    messages.Add(text);
  }
  if (messages.size() == 0) throw CliError("no messages in the input");
  return messages.Finish();
}

int RunHash(const HashOptions& options, const GlobalOptions& global) {
  const Digests digests = Unwrap(
      MakeClient(global).Hash(options.algorithm, ReadMessages(options), options.placement));
  std::string out;
  out.reserve(digests.size() * 65);
  for (size_t i = 0; i < digests.size(); ++i) {
    AppendHex(digests.digest(i), &out);
    out += '\n';
  }
  WriteStdout(out);
  return kExitOk;
}

}  // namespace

void AddHashCommand(CLI::App* app, const GlobalOptions* global, CommandRun* run) {
  auto options = std::make_shared<HashOptions>();
  CLI::App* hash = app->add_subcommand("hash", "Hash messages; prints one hex digest per line");
  AddEnumOption(hash, "--algo", &options->algorithm, kHashAlgorithmNames,
                "Hash algorithm")
      ->required();
  AddInputOption(hash, &options->input);
  hash->add_option("--format", options->format,
                   "hex: one hex message per line; binary: the raw input is one message")
      ->check(CLI::IsMember({"hex", "binary"}))
      ->capture_default_str();
  hash->add_flag("--lines", options->lines,
                 "With --format binary: each line (without its newline) is one message");
  AddPlacementOption(hash, &options->placement);
  hash->callback([=] { *run = [=] { return RunHash(*options, *global); }; });
}

}  // namespace chainaccel::cli
