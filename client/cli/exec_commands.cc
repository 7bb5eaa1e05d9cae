// chainaccel deploy / exec: ExecutionService from the command line (docs/cli.md).
#include <sodium.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "chainaccel/v1/execution.grpc.pb.h"
#include "client/cli/command.h"
#include "client/cli/hex.h"
#include "execution/tx/transaction.h"

namespace chainaccel::cli {
namespace {

struct DeployOptions {
  std::string wasm;
  std::string salt_hex;
};

struct ExecOptions {
  std::string contract_hex;
  std::string function;
  std::string input_hex;
  uint64_t gas = 10'000'000;
  std::string key_hex;
  uint64_t nonce = 0;
  uint64_t height = 0;  // 0: the committed height + 1
  bool read_only = false;
};

std::unique_ptr<v1::ExecutionService::Stub> MakeStub(const GlobalOptions& global) {
  return v1::ExecutionService::NewStub(
      CreateClientChannel(global.address, MakeClientOptions(global)));
}

std::string HexArg(const std::string& text, const char* what, size_t size = 0) {
  std::optional<std::string> bytes = DecodeHex(text);
  if (!bytes) throw CliError(std::string(what) + " " + HexProblem(text));
  if (size != 0 && bytes->size() != size) {
    throw CliError(std::string(what) + " must be " + std::to_string(size) + " bytes");
  }
  return *bytes;
}

std::string StatusName(v1::ReceiptStatus status) {
  std::string name = v1::ReceiptStatus_Name(status);
  const std::string prefix = "RECEIPT_STATUS_";
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

void AppendReceipt(const v1::Receipt& r, std::string* out) {
  *out += "status: " + StatusName(r.status()) + "\ngas_used: " + std::to_string(r.gas_used()) +
          "\nreturn_data: " + ToHex(r.return_data()) + "\n";
  if (!r.message().empty()) *out += "message: " + r.message() + "\n";
  for (const v1::Event& e : r.events()) {
    *out += "event: " + ToHex(e.topic()) + " " + ToHex(e.data()) + "\n";
  }
}

int RunDeploy(const DeployOptions& options, const GlobalOptions& global) {
  std::ifstream in(options.wasm, std::ios::binary);
  if (!in) throw CliError("cannot read " + options.wasm);
  std::stringstream wasm;
  wasm << in.rdbuf();
  v1::DeployContractRequest request;
  request.set_wasm(wasm.str());
  request.set_salt(HexArg(options.salt_hex, "--salt"));
  v1::DeployContractResponse response;
  CheckCall(MakeStub(global)->DeployContract(NewCallContext(global).get(), request, &response));
  std::string out = "address: " + ToHex(response.address()) +
                    "\ncode_hash: " + ToHex(response.code_hash()) + "\nentry_points:";
  for (const std::string& e : response.entry_points()) out += " " + e;
  WriteStdout(out + "\n");
  return kExitOk;
}

int RunExec(const ExecOptions& options, const GlobalOptions& global) {
  auto stub = MakeStub(global);
  const std::string contract = HexArg(options.contract_hex, "--contract", 32);
  const std::string input = HexArg(options.input_hex, "--input");
  if (options.read_only) {
    v1::CallRequest request;
    request.set_contract(contract);
    request.set_function(options.function);
    request.set_input(input);
    request.set_gas_limit(options.gas);
    v1::CallResponse response;
    CheckCall(stub->Call(NewCallContext(global).get(), request, &response));
    std::string out = "height: " + std::to_string(response.height()) + "\n";
    AppendReceipt(response.receipt(), &out);
    WriteStdout(out);
    return response.receipt().status() == v1::RECEIPT_STATUS_OK ? kExitOk : kExitInvalid;
  }

  // One Ed25519-signed transaction in a block of its own.
  const std::string seed = HexArg(options.key_hex, "--key", crypto_sign_SEEDBYTES);
  if (sodium_init() < 0) throw CliError("libsodium does not initialize");
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(pk, sk, reinterpret_cast<const unsigned char*>(seed.data()));
  exec::Transaction tx;
  tx.scheme = exec::TxScheme::kEd25519;
  tx.public_key.assign(reinterpret_cast<const char*>(pk), sizeof pk);
  std::memcpy(tx.contract.data(), contract.data(), 32);
  tx.function = options.function;
  tx.input = input;
  tx.gas_limit = options.gas;
  tx.nonce = options.nonce;
  const Hash32 digest = exec::TransactionDigest(tx);
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, digest.data(), digest.size(), sk);
  sodium_memzero(sk, sizeof sk);

  uint64_t height = options.height;
  if (height == 0) {
    v1::GetStateResponse state;
    CheckCall(stub->GetState(NewCallContext(global).get(), v1::GetStateRequest(), &state));
    height = state.height() + 1;
  }
  v1::ExecuteBlockRequest request;
  request.set_height(height);
  request.set_time(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count()));
  v1::Transaction* t = request.add_transactions();
  t->set_scheme(v1::TX_SIGNATURE_SCHEME_ED25519);
  t->set_public_key(tx.public_key);
  t->set_signature(reinterpret_cast<const char*>(sig), sizeof sig);
  t->set_contract(contract);
  t->set_function(tx.function);
  t->set_input(tx.input);
  t->set_gas_limit(tx.gas_limit);
  t->set_nonce(tx.nonce);
  v1::ExecuteBlockResponse response;
  CheckCall(stub->ExecuteBlock(NewCallContext(global).get(), request, &response));
  const Hash32 sender = exec::SenderAddress(tx.public_key);
  std::string out = "height: " + std::to_string(response.height()) + "\nstate_root: " +
                    ToHex(response.state_root()) + "\nsender: " +
                    ToHex(std::string_view(reinterpret_cast<const char*>(sender.data()), 32)) +
                    "\n";
  if (response.receipts_size() != 1) throw CliError("the daemon returned no receipt");
  AppendReceipt(response.receipts(0), &out);
  WriteStdout(out);
  return response.receipts(0).status() == v1::RECEIPT_STATUS_OK ? kExitOk : kExitInvalid;
}

}  // namespace

void AddExecCommands(CLI::App* app, const GlobalOptions* global, CommandRun* run) {
  auto deploy_options = std::make_shared<DeployOptions>();
  CLI::App* deploy = app->add_subcommand(
      "deploy", "Deploy a WebAssembly contract; prints its address and entry points");
  deploy->add_option("wasm", deploy_options->wasm, "The .wasm file")->required();
  deploy->add_option("--salt", deploy_options->salt_hex,
                     "Hex salt: the same code deploys at another address");
  deploy->callback([=] { *run = [=] { return RunDeploy(*deploy_options, *global); }; });

  auto exec_options = std::make_shared<ExecOptions>();
  CLI::App* exec = app->add_subcommand(
      "exec", "Call a contract: a signed one-transaction block, or --read-only");
  exec->add_option("--contract", exec_options->contract_hex, "Contract address (hex)")
      ->required();
  exec->add_option("--function", exec_options->function, "Entry point")->required();
  exec->add_option("--input", exec_options->input_hex, "Call input (hex)");
  exec->add_option("--gas", exec_options->gas, "Gas limit")->capture_default_str();
  exec->add_option("--key", exec_options->key_hex, "Ed25519 seed of the sender (32 bytes hex)")
      ->envname("CHAINACCEL_KEY");
  exec->add_option("--nonce", exec_options->nonce, "Transaction nonce")->capture_default_str();
  exec->add_option("--height", exec_options->height,
                   "Block height (default: the committed height + 1)");
  exec->add_flag("--read-only", exec_options->read_only,
                 "Run with Call on the committed state: nothing signed or committed");
  exec->callback([=] {
    if (!exec_options->read_only && exec_options->key_hex.empty()) {
      throw CLI::ValidationError("--key", "required unless --read-only");
    }
    *run = [=] { return RunExec(*exec_options, *global); };
  });
}

}  // namespace chainaccel::cli
