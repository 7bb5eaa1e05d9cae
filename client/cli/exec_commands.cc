// chainaccel deploy / exec / exec register-vk / vk-id: ExecutionService from the command
// line (docs/cli.md).
#include <sodium.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "chainaccel/v1/execution.grpc.pb.h"
#include "client/cli/command.h"
#include "client/cli/state_proof.h"
#include "client/cli/hex.h"
#include "client/cli/input.h"
#include "client/cli/transaction_proto.h"
#include "execution/tx/snarkjs_proof.h"
#include "execution/tx/transaction.h"
#include "execution/tx/verifying_key.h"

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
  std::optional<uint64_t> nonce;  // none: the sender's next nonce, read from the daemon
  uint64_t height = 0;            // 0: the committed height + 1
  bool read_only = false;
  // A proof to attach: snarkjs's proof.json and public.json, and the key's id (hex).
  std::string proof_path;
  std::string public_path;
  std::string vk_id_hex;
};

struct RegisterVkOptions {
  std::string vkey;  // snarkjs verification_key.json
  std::string key_hex;
  uint64_t gas = 10'000'000;
  std::optional<uint64_t> nonce;
  uint64_t height = 0;
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

std::string HexOf(const Hash32& h) {
  return ToHex(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

// --proof, --public and --vk-id as the transaction's proof.
exec::TransactionProof ReadProof(const ExecOptions& options) {
  const std::string id = HexArg(options.vk_id_hex, "--vk-id", 32);
  Hash32 key_id;
  std::memcpy(key_id.data(), id.data(), 32);
  exec::TransactionProof proof;
  const Status s = exec::TransactionProofFromSnarkjs(
      ReadInput(options.proof_path), ReadInput(options.public_path), key_id, &proof);
  if (!s.ok()) throw CliError(options.proof_path + ", " + options.public_path + ": " + s.message());
  return proof;
}

// The Ed25519 key pair of a 32-byte seed (`--key`); the secret key is wiped on
// destruction.
class Ed25519Signer {
 public:
  explicit Ed25519Signer(const std::string& key_hex) {
    const std::string seed = HexArg(key_hex, "--key", crypto_sign_SEEDBYTES);
    if (sodium_init() < 0) throw CliError("libsodium does not initialize");
    crypto_sign_seed_keypair(pk_, sk_, reinterpret_cast<const unsigned char*>(seed.data()));
  }
  ~Ed25519Signer() { sodium_memzero(sk_, sizeof sk_); }
  Ed25519Signer(const Ed25519Signer&) = delete;
  Ed25519Signer& operator=(const Ed25519Signer&) = delete;

  std::string public_key() const { return {reinterpret_cast<const char*>(pk_), sizeof pk_}; }

  // Signs tx's digest as it stands. REQUIRES: tx's public key is public_key().
  void Sign(exec::Transaction* tx) const {
    const Hash32 digest = exec::TransactionDigest(*tx);
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, digest.data(), digest.size(), sk_);
    tx->signature.assign(reinterpret_cast<const char*>(sig), sizeof sig);
  }

 private:
  unsigned char pk_[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk_[crypto_sign_SECRETKEYBYTES];
};

// Sets *nonce (when empty) to the sender's next nonce and *height (when 0) to the
// committed height + 1, with one GetState of the sender's nonce key at the latest height.
void FillFromLatestState(v1::ExecutionService::Stub& stub, const GlobalOptions& global,
                         const Hash32& sender, std::optional<uint64_t>* nonce,
                         uint64_t* height) {
  if (nonce->has_value() && *height != 0) return;
  v1::GetStateResponse state;
  CheckCall(stub.GetState(NewCallContext(global).get(), NextNonceRequest(sender), &state));
  uint64_t next = 0;
  if (!NextNonceFromResponse(state, &next)) {
    throw CliError("the daemon's next-nonce record of the sender is " +
                   std::to_string(state.value().size()) + " bytes, not 8");
  }
  if (!nonce->has_value()) *nonce = next;
  if (*height == 0) *height = state.height() + 1;
}

// Signs `tx` with `key_hex` and `nonce` (none: the sender's next nonce, read from the
// daemon), sends it as a block of its own at `height` (0: the committed height + 1) and
// prints `first`, then the block and the receipt.
int RunSigned(exec::Transaction tx, const std::string& key_hex, std::optional<uint64_t> nonce,
              uint64_t height, const GlobalOptions& global, const std::string& first) {
  const Ed25519Signer signer(key_hex);
  tx.scheme = exec::TxScheme::kEd25519;
  tx.public_key = signer.public_key();
  auto stub = MakeStub(global);
  FillFromLatestState(*stub, global, exec::SenderAddress(tx.public_key), &nonce, &height);
  tx.nonce = *nonce;
  signer.Sign(&tx);
  v1::ExecuteBlockRequest request;
  request.set_height(height);
  request.set_time(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count()));
  TransactionToProto(tx, request.add_transactions());
  v1::ExecuteBlockResponse response;
  CheckCall(stub->ExecuteBlock(NewCallContext(global).get(), request, &response));
  std::string out = first + "height: " + std::to_string(response.height()) +
                    "\nstate_root: " + ToHex(response.state_root()) +
                    "\nsender: " + HexOf(exec::SenderAddress(tx.public_key)) + "\n";
  if (response.receipts_size() != 1) throw CliError("the daemon returned no receipt");
  AppendReceipt(response.receipts(0), &out);
  WriteStdout(out);
  return response.receipts(0).status() == v1::RECEIPT_STATUS_OK ? kExitOk : kExitInvalid;
}

// --read-only: Call on the committed state.
int RunCall(const ExecOptions& options, const GlobalOptions& global) {
  v1::CallRequest request;
  request.set_contract(HexArg(options.contract_hex, "--contract", 32));
  request.set_function(options.function);
  request.set_input(HexArg(options.input_hex, "--input"));
  request.set_gas_limit(options.gas);
  v1::CallResponse response;
  CheckCall(MakeStub(global)->Call(NewCallContext(global).get(), request, &response));
  std::string out = "height: " + std::to_string(response.height()) + "\n";
  AppendReceipt(response.receipt(), &out);
  WriteStdout(out);
  return response.receipt().status() == v1::RECEIPT_STATUS_OK ? kExitOk : kExitInvalid;
}

int RunExec(const ExecOptions& options, const GlobalOptions& global) {
  if (options.read_only) return RunCall(options, global);
  const std::string contract = HexArg(options.contract_hex, "--contract", 32);
  const std::string input = HexArg(options.input_hex, "--input");
  exec::Transaction tx;
  std::memcpy(tx.contract.data(), contract.data(), 32);
  tx.function = options.function;
  tx.input = input;
  tx.gas_limit = options.gas;
  if (!options.proof_path.empty()) tx.proof = ReadProof(options);
  return RunSigned(std::move(tx), options.key_hex, options.nonce, options.height, global, "");
}

int RunRegisterVk(const RegisterVkOptions& options, const GlobalOptions& global) {
  std::string encoding;
  if (Status s = exec::VerifyingKeyEncoding(ReadInput(options.vkey), &encoding); !s.ok()) {
    throw CliError(options.vkey + ": " + s.message());
  }
  exec::Transaction tx;
  tx.contract = exec::VerifyingKeyRegistryAddress();
  tx.function = "register";
  tx.input = encoding;
  tx.gas_limit = options.gas;
  return RunSigned(std::move(tx), options.key_hex, options.nonce, options.height, global,
                   "key_id: " + HexOf(exec::VerifyingKeyId(encoding)) + "\n");
}

int RunVkId(const std::string& vkey) {
  std::string encoding;
  if (Status s = exec::VerifyingKeyEncoding(ReadInput(vkey), &encoding); !s.ok()) {
    throw CliError(vkey + ": " + s.message());
  }
  WriteStdout("key_id: " + HexOf(exec::VerifyingKeyId(encoding)) + "\n");
  return kExitOk;
}

// `exec register-vk`: registers a verifying key with the on-chain registry.
struct StateOptions {
  std::string key_hex;
  uint64_t height = 0;
  bool prove = false;
};

// `state`: GetState of one key; with --prove, the proof checked here (the client
// library's VerifyGetStateProof) and its verdict printed. kExitInvalid when it fails.
int RunState(const StateOptions& options, const GlobalOptions& global) {
  v1::GetStateRequest request;
  request.set_key(HexArg(options.key_hex, "--key"));
  request.set_height(options.height);
  request.set_prove(options.prove);
  v1::GetStateResponse response;
  CheckCall(MakeStub(global)->GetState(NewCallContext(global).get(), request, &response));
  std::string out = "height: " + std::to_string(response.height()) +
                    "\nfound: " + (response.found() ? "true" : "false") + "\n";
  if (response.found()) out += "value: " + ToHex(response.value()) + "\n";
  if (!options.prove) {
    WriteStdout(out);
    return kExitOk;
  }
  const StateProofVerdict verdict = VerifyGetStateProof(request.key(), response);
  out += "state_root: " + ToHex(response.state_root()) +
         "\nproof_siblings: " + std::to_string(response.proof().siblings_size()) +
         "\nproof: " + (verdict.valid ? "verified" : "INVALID: " + verdict.reason) + "\n";
  WriteStdout(out);
  return verdict.valid ? kExitOk : kExitInvalid;
}

CLI::App* AddRegisterVk(CLI::App* exec, const GlobalOptions* global, CommandRun* run) {
  auto options = std::make_shared<RegisterVkOptions>();
  CLI::App* command = exec->add_subcommand(
      "register-vk", "Register a snarkjs verification key on chain; prints its key_id");
  command->add_option("--vkey", options->vkey, "snarkjs verification_key.json")->required();
  command->add_option("--key", options->key_hex, "Ed25519 seed of the sender (32 bytes hex)")
      ->envname("CHAINACCEL_KEY")
      ->required();
  command->add_option("--gas", options->gas, "Gas limit")->capture_default_str();
  command->add_option("--nonce", options->nonce,
                      "Transaction nonce (default: the sender's next nonce, from the daemon)");
  command->add_option("--height", options->height,
                      "Block height (default: the committed height + 1)");
  command->callback([=] { *run = [=] { return RunRegisterVk(*options, *global); }; });
  return command;
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
  // --contract and --function are required unless register-vk is used (checked below:
  // CLI11 would require them of the subcommand's command line too).
  exec->add_option("--contract", exec_options->contract_hex, "Contract address (hex)");
  exec->add_option("--function", exec_options->function, "Entry point");
  exec->add_option("--input", exec_options->input_hex, "Call input (hex)");
  exec->add_option("--gas", exec_options->gas, "Gas limit")->capture_default_str();
  exec->add_option("--key", exec_options->key_hex, "Ed25519 seed of the sender (32 bytes hex)")
      ->envname("CHAINACCEL_KEY");
  exec->add_option("--nonce", exec_options->nonce,
                   "Transaction nonce (default: the sender's next nonce, from the daemon)");
  exec->add_option("--height", exec_options->height,
                   "Block height (default: the committed height + 1)");
  exec->add_flag("--read-only", exec_options->read_only,
                 "Run with Call on the committed state: nothing signed or committed");
  CLI::Option* proof = exec->add_option("--proof", exec_options->proof_path,
                                        "snarkjs proof.json to attach to the transaction");
  CLI::Option* signals = exec->add_option("--public", exec_options->public_path,
                                          "snarkjs public.json: the proof's public signals");
  CLI::Option* vk_id = exec->add_option("--vk-id", exec_options->vk_id_hex,
                                        "Id of the proof's registered verifying key (hex)");
  proof->needs(signals)->needs(vk_id);
  signals->needs(proof);
  vk_id->needs(proof);
  CLI::App* register_vk = AddRegisterVk(exec, global, run);
  exec->callback([=] {
    if (register_vk->parsed()) return;
    for (const char* name : {"--contract", "--function"}) {
      if (exec->count(name) == 0) throw CLI::RequiredError(name);
    }
    if (!exec_options->read_only && exec_options->key_hex.empty()) {
      throw CLI::ValidationError("--key", "required unless --read-only");
    }
    if (exec_options->read_only && !exec_options->proof_path.empty()) {
      throw CLI::ValidationError("--proof", "a read-only call carries no proof");
    }
    *run = [=] { return RunExec(*exec_options, *global); };
  });

  auto state_options = std::make_shared<StateOptions>();
  CLI::App* state = app->add_subcommand(
      "state", "Read a state key at the latest or a recent height; --prove checks its proof");
  state->add_option("--key", state_options->key_hex,
                    "State key (hex): the contract address followed by the contract's key "
                    "(a sender's next nonce: NONCES followed by the sender address)")
      ->required();
  state->add_option("--height", state_options->height, "Height (default: the latest)");
  state->add_flag("--prove", state_options->prove,
                  "Fetch the proof against the height's state root and verify it");
  state->callback([=] { *run = [=] { return RunState(*state_options, *global); }; });

  auto vkey = std::make_shared<std::string>();
  CLI::App* vk_id_command = app->add_subcommand(
      "vk-id", "Print the on-chain id of a snarkjs verification key (offline)");
  vk_id_command->add_option("--vkey", *vkey, "snarkjs verification_key.json")->required();
  vk_id_command->callback([=] { *run = [=] { return RunVkId(*vkey); }; });
}

}  // namespace chainaccel::cli
