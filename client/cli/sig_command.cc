// chainaccel sig verify|recover: batched signature verification and secp256k1 public-key
// recovery. Inputs are text lines of whitespace-separated hex fields.
#include <array>
#include <memory>

#include "client/cli/command.h"
#include "client/cli/hex.h"
#include "client/cli/input.h"

namespace chainaccel::cli {
namespace {

constexpr size_t kHashSize = 32;
constexpr size_t kRecoverableSignatureSize = 65;

struct VerifyOptions {
  v1::SignatureScheme scheme = v1::SIGNATURE_SCHEME_UNSPECIFIED;
  v1::PreHash pre_hash = v1::PRE_HASH_NONE;
  bool der = false;
  bool allow_high_s = false;
  std::string input = "-";
  v1::Placement placement = v1::PLACEMENT_AUTO;
};

struct RecoverOptions {
  bool allow_high_s = false;
  std::string input = "-";
  v1::Placement placement = v1::PLACEMENT_AUTO;
};

// Calls f(line_number, fields) for each non-blank line of the input, which must hold
// exactly N fields.
template <size_t N, typename F>
void ForEachRecord(const std::string& text, const char* layout, F&& f) {
  ForEachLine(text, [&](size_t number, std::string_view line) {
    if (IsBlank(line)) return;
    std::array<std::string_view, N> fields;
    if (SplitFields(line, fields) != N) {
      throw CliError("input line " + std::to_string(number) + ": expected \"" + layout + "\"");
    }
    f(number, fields);
  });
}

int RunVerify(const VerifyOptions& options, const GlobalOptions& global) {
  VerifyArgs args;
  args.scheme = options.scheme;
  args.pre_hash = options.pre_hash;
  args.encoding = options.der ? v1::SIGNATURE_ENCODING_DER : v1::SIGNATURE_ENCODING_COMPACT;
  args.allow_high_s = options.allow_high_s;
  args.placement = options.placement;
  PackedBatchBuilder messages, public_keys, signatures;
  ForEachRecord<3>(ReadInput(options.input), "msg_hex pubkey_hex sig_hex",
                   [&](size_t number, const auto& fields) {
                     AddHexItem(fields[0], number, "message", &messages);
                     AddHexItem(fields[1], number, "public key", &public_keys);
                     AddHexItem(fields[2], number, "signature", &signatures);
                   });
  if (messages.size() == 0) throw CliError("no signatures in the input");
  args.messages = messages.Finish();
  args.public_keys = public_keys.Finish();
  args.signatures = signatures.Finish();

  const Verdicts verdicts = Unwrap(MakeClient(global).Verify(std::move(args)));
  return PrintVerdicts(verdicts);
}

int RunRecover(const RecoverOptions& options, const GlobalOptions& global) {
  RecoverArgs args;
  args.allow_high_s = options.allow_high_s;
  args.placement = options.placement;
  ForEachRecord<2>(ReadInput(options.input), "hash_hex sig65_hex",
                   [&](size_t number, const auto& fields) {
                     AppendHexOfSize(fields[0], kHashSize, number, "hash", &args.hashes);
                     AppendHexOfSize(fields[1], kRecoverableSignatureSize, number, "signature",
                                     &args.signatures);
                   });
  if (args.hashes.empty()) throw CliError("no signatures in the input");

  const RecoveredKeys keys = Unwrap(MakeClient(global).Recover(std::move(args)));
  std::string out;
  for (size_t i = 0; i < keys.status.size(); ++i) {
    if (keys.status[i] != v1::ITEM_OK) {
      out += VerdictName(keys.status[i]) + "\n";
      continue;
    }
    AppendHex(std::string_view(keys.public_keys).substr(64 * i, 64), &out);
    out += ' ';
    AppendHex(std::string_view(keys.addresses).substr(20 * i, 20), &out);
    out += '\n';
  }
  WriteStdout(out);
  return keys.recovered_count == keys.status.size() ? kExitOk : kExitInvalid;
}

void AddVerify(CLI::App* sig, const GlobalOptions* global, CommandRun* run) {
  auto options = std::make_shared<VerifyOptions>();
  CLI::App* verify = sig->add_subcommand(
      "verify",
      "Verify lines \"msg_hex pubkey_hex sig_hex\"; prints one verdict per line "
      "(exit 0 all valid, 1 some invalid, 2 error)");
  AddEnumOption(verify, "--scheme", &options->scheme, kSignatureSchemeNames,
                "Signature scheme")
      ->required();
  AddEnumOption(verify, "--prehash", &options->pre_hash, kPreHashNames,
                "Hash applied to each message first")
      ->default_str("none");
  verify->add_flag("--der", options->der, "ecdsa: signatures are strict DER, not 64-byte r || s");
  verify->add_flag("--allow-high-s", options->allow_high_s, "ecdsa: accept s > n/2");
  AddInputOption(verify, &options->input);
  AddPlacementOption(verify, &options->placement);
  verify->callback([=] { *run = [=] { return RunVerify(*options, *global); }; });
}

void AddRecover(CLI::App* sig, const GlobalOptions* global, CommandRun* run) {
  auto options = std::make_shared<RecoverOptions>();
  CLI::App* recover = sig->add_subcommand(
      "recover",
      "Recover secp256k1 keys from lines \"hash_hex sig65_hex\" (r || s || v); prints "
      "\"pubkey_hex address_hex\" or the item status per line");
  recover->add_flag("--allow-high-s", options->allow_high_s, "Accept s > n/2 (as ecrecover does)");
  AddInputOption(recover, &options->input);
  AddPlacementOption(recover, &options->placement);
  recover->callback([=] { *run = [=] { return RunRecover(*options, *global); }; });
}

}  // namespace

void AddSigCommand(CLI::App* app, const GlobalOptions* global, CommandRun* run) {
  CLI::App* sig = app->add_subcommand("sig", "Signature verification and key recovery");
  sig->require_subcommand(1);
  AddVerify(sig, global, run);
  AddRecover(sig, global, run);
}

}  // namespace chainaccel::cli
