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

void AddSecurityOptions(CLI::App* app, GlobalOptions* global) {
  app->add_flag("--tls", global->tls,
                "Connect with TLS (implied by --tls-ca, --tls-cert, --tls-key)")
      ->envname("CHAINACCEL_TLS");
  app->add_option("--tls-ca", global->tls_ca_file,
                  "CA certificates (PEM) the daemon's certificate must verify against "
                  "(default: the system's roots)")
      ->envname("CHAINACCEL_TLS_CA");
  app->add_option("--tls-cert", global->tls_cert_file,
                  "Client certificate (PEM) for mutual TLS; with --tls-key")
      ->envname("CHAINACCEL_TLS_CERT");
  app->add_option("--tls-key", global->tls_key_file, "The client certificate's private key (PEM)")
      ->envname("CHAINACCEL_TLS_KEY");
  app->add_option("--tls-server-name", global->tls_server_name,
                  "Name the daemon's certificate must carry (default: the address's host)")
      ->envname("CHAINACCEL_TLS_SERVER_NAME");
  app->add_option("--token-file", global->token_file,
                  "File holding the bearer token for the daemon's guarded methods")
      ->envname("CHAINACCEL_TOKEN_FILE");
}

ClientOptions MakeClientOptions(const GlobalOptions& global) {
  ClientOptions options;
  // Rounded up, so that a tiny timeout stays a deadline rather than becoming none.
  options.timeout = std::chrono::ceil<std::chrono::milliseconds>(
      std::chrono::duration<double>(global.timeout_seconds));
  const bool tls = global.tls || !global.tls_ca_file.empty() || !global.tls_cert_file.empty() ||
                   !global.tls_key_file.empty();
  if (tls) {
    const grpc::Status status = LoadClientTlsFiles(global.tls_ca_file, global.tls_cert_file,
                                                   global.tls_key_file, &options.tls);
    if (!status.ok()) throw CliError(status.error_message());
    options.tls.server_name = global.tls_server_name;
  } else if (!global.tls_server_name.empty()) {
    throw CliError("--tls-server-name needs TLS (--tls or --tls-ca)");
  }
  if (!global.token_file.empty()) {
    const grpc::Status status = LoadTokenFile(global.token_file, &options.token);
    if (!status.ok()) throw CliError(status.error_message());
  }
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

std::unique_ptr<grpc::ClientContext> NewCallContext(const GlobalOptions& global) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (global.timeout_seconds > 0) {
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::milliseconds(
                              static_cast<int64_t>(global.timeout_seconds * 1000)));
  }
  return context;
}

void CheckCall(const grpc::Status& status) {
  if (!status.ok()) throw CliError(FormatStatus(status));
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
