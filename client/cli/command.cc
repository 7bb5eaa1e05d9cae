#include "client/cli/command.h"

#include <chrono>
#include <cstdio>

namespace chainaccel::cli {

const std::map<std::string, v1::HashAlgorithm> kHashAlgorithmNames = {
    {"sha256", v1::HASH_ALGORITHM_SHA256},
    {"sha256d", v1::HASH_ALGORITHM_SHA256D},
    {"keccak256", v1::HASH_ALGORITHM_KECCAK256},
};

const std::map<std::string, v1::MerkleScheme> kMerkleSchemeNames = {
    {"bitcoin", v1::MERKLE_SCHEME_BITCOIN},
    {"rfc6962", v1::MERKLE_SCHEME_RFC6962},
    {"oz", v1::MERKLE_SCHEME_OZ_KECCAK_SORTED},
};

const std::map<std::string, v1::SignatureScheme> kSignatureSchemeNames = {
    {"ed25519", v1::SIGNATURE_SCHEME_ED25519},
    {"ecdsa", v1::SIGNATURE_SCHEME_ECDSA_SECP256K1},
    {"schnorr", v1::SIGNATURE_SCHEME_SCHNORR_BIP340},
};

const std::map<std::string, v1::PreHash> kPreHashNames = {
    {"none", v1::PRE_HASH_NONE},
    {"sha256", v1::PRE_HASH_SHA256},
    {"sha256d", v1::PRE_HASH_SHA256D},
    {"keccak256", v1::PRE_HASH_KECCAK256},
};

const std::map<std::string, v1::Placement> kPlacementNames = {
    {"auto", v1::PLACEMENT_AUTO},
    {"cpu", v1::PLACEMENT_CPU},
    {"gpu", v1::PLACEMENT_GPU},
    {"load_balance", v1::PLACEMENT_LOAD_BALANCE},
};

ClientOptions MakeClientOptions(const GlobalOptions& global) {
  ClientOptions options;
  // Rounded up, so that a tiny timeout stays a deadline rather than becoming none.
  options.timeout = std::chrono::ceil<std::chrono::milliseconds>(
      std::chrono::duration<double>(global.timeout_seconds));
  return options;
}

Client MakeClient(const GlobalOptions& global) {
  return Client(global.address, MakeClientOptions(global));
}

void WriteStdout(std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    throw CliError("cannot write to standard output");
  }
}

std::string VerdictName(v1::ItemStatus status) {
  if (status == v1::ITEM_OK) return "ok";
  const std::string& name = v1::ItemStatus_Name(status);
  return name.empty() ? "ITEM_STATUS_" + std::to_string(static_cast<int>(status)) : name;
}

int PrintVerdicts(const Verdicts& verdicts) {
  std::string out;
  for (v1::ItemStatus status : verdicts.status) out += VerdictName(status) + "\n";
  WriteStdout(out);
  return verdicts.valid_count == verdicts.status.size() ? kExitOk : kExitInvalid;
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

CLI::Option* AddInputOption(CLI::App* app, std::string* path) {
  return app->add_option("--input", *path, "File to read, - for standard input")
      ->capture_default_str();
}

CLI::Option* AddPlacementOption(CLI::App* app, v1::Placement* placement) {
  return AddEnumOption(app, "--placement", placement, kPlacementNames,
                       "Where the daemon may run the batch")
      ->default_str("auto");
}

}  // namespace chainaccel::cli
