// chainaccel zk register / prove / verify: ProofService from the command line, with the
// files snarkjs reads and writes (docs/cli.md, docs/zk.md).
#include <filesystem>
#include <fstream>
#include <memory>

#include "chainaccel/v1/proof.grpc.pb.h"
#include "client/cli/command.h"
#include "client/cli/hex.h"

namespace chainaccel::cli {
namespace {

// 1 MiB: far below gRPC's message limits, large enough that a key of gigabytes is a
// few thousand messages.
constexpr size_t kChunkBytes = 1u << 20;

struct RegisterOptions {
  std::string zkey;
  std::string vkey_out;
};

struct ProveOptions {
  std::string circuit_hex;
  std::string zkey;
  std::vector<std::string> witnesses;
  std::string proof_out;
  std::string public_out;
  std::string out_dir;
  v1::Placement placement = v1::PLACEMENT_AUTO;
};

struct VerifyOptions {
  std::string vkey;
  std::vector<std::string> proofs;
  std::vector<std::string> publics;
};

std::unique_ptr<v1::ProofService::Stub> MakeStub(const GlobalOptions& global) {
  return v1::ProofService::NewStub(CreateClientChannel(global.address, MakeClientOptions(global)));
}

// Appends the file's bytes to *out with one read into place (a .wtns of 2^22 signals is
// 134 MB: no stream or temporary copies).
void AppendFileBytes(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw CliError("cannot read " + path);
  const std::streamoff size = in.tellg();
  const size_t at = out->size();
  out->resize(at + static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(out->data() + at, size)) throw CliError("cannot read " + path);
}

std::string ReadFileBytes(const std::string& path) {
  std::string bytes;
  AppendFileBytes(path, &bytes);
  return bytes;
}

void WriteFileText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw CliError("cannot write " + path);
}

// Streams the .zkey at `path` to the daemon.
v1::RegisterCircuitResponse Register(const std::string& path, const GlobalOptions& global) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CliError("cannot read " + path);
  v1::RegisterCircuitResponse response;
  auto context = NewCallContext(global);
  auto writer = MakeStub(global)->RegisterCircuit(context.get(), &response);
  std::string chunk(kChunkBytes, '\0');
  v1::RegisterCircuitRequest request;
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto got = static_cast<size_t>(in.gcount());
    if (got == 0) break;
    request.set_zkey_chunk(chunk.data(), got);
    if (!writer->Write(request)) break;  // the daemon ended the call: Finish says why
  }
  writer->WritesDone();
  CheckCall(writer->Finish());
  return response;
}

int RunRegister(const RegisterOptions& options, const GlobalOptions& global) {
  const v1::RegisterCircuitResponse r = Register(options.zkey, global);
  if (!options.vkey_out.empty()) WriteFileText(options.vkey_out, r.verification_key_json());
  WriteStdout("circuit_id: " + ToHex(r.circuit_id()) + "\nn_vars: " + std::to_string(r.n_vars()) +
              "\nn_public: " + std::to_string(r.n_public()) + "\ndomain_size: " +
              std::to_string(r.domain_size()) + "\nmemory_bytes: " +
              std::to_string(r.memory_bytes()) + "\nnewly_registered: " +
              (r.newly_registered() ? "true" : "false") + "\n");
  return kExitOk;
}

// Where proof i goes: --proof/--public for one witness, else <out-dir>/proof_<i>.json.
std::pair<std::string, std::string> OutputPaths(const ProveOptions& options, size_t i) {
  if (options.out_dir.empty()) return {options.proof_out, options.public_out};
  const std::filesystem::path dir(options.out_dir);
  return {(dir / ("proof_" + std::to_string(i) + ".json")).string(),
          (dir / ("public_" + std::to_string(i) + ".json")).string()};
}

int RunProve(const ProveOptions& options, const GlobalOptions& global) {
  v1::ProveRequest request;
  if (!options.zkey.empty()) {
    request.set_circuit_id(Register(options.zkey, global).circuit_id());
  } else {
    std::optional<std::string> id = DecodeHex(options.circuit_hex);
    if (!id) throw CliError("--circuit " + HexProblem(options.circuit_hex));
    request.set_circuit_id(*id);
  }
  request.set_placement(options.placement);
  v1::ByteBatch* batch = request.mutable_witnesses();
  batch->add_offsets(0);
  for (const std::string& path : options.witnesses) {
    AppendFileBytes(path, batch->mutable_data());
    batch->add_offsets(batch->data().size());
  }
  if (!options.out_dir.empty()) std::filesystem::create_directories(options.out_dir);
  v1::ProveResponse response;
  CheckCall(MakeStub(global)->Prove(NewCallContext(global).get(), request, &response));
  std::string out;
  int code = kExitOk;
  for (int i = 0; i < response.status_size(); ++i) {
    const auto status = static_cast<v1::ItemStatus>(response.status(i));
    out += options.witnesses[static_cast<size_t>(i)] + ": " + VerdictName(status) + "\n";
    if (status != v1::ITEM_OK) {
      code = kExitInvalid;
      continue;
    }
    const auto [proof_path, public_path] = OutputPaths(options, static_cast<size_t>(i));
    WriteFileText(proof_path, response.proof_json(i));
    WriteFileText(public_path, response.public_json(i));
  }
  WriteStdout(out + "engine: " + response.engine() + "\n");
  return code;
}

int RunVerify(const VerifyOptions& options, const GlobalOptions& global) {
  if (options.proofs.size() != options.publics.size()) {
    throw CliError("give as many --public files as --proof files");
  }
  v1::ProofVerifyRequest request;
  request.set_verification_key_json(ReadFileBytes(options.vkey));
  for (size_t i = 0; i < options.proofs.size(); ++i) {
    request.add_proof_json(ReadFileBytes(options.proofs[i]));
    request.add_public_json(ReadFileBytes(options.publics[i]));
  }
  v1::ProofVerifyResponse response;
  CheckCall(MakeStub(global)->VerifyGroth16(NewCallContext(global).get(), request, &response));
  Verdicts verdicts;
  for (int s : response.status()) verdicts.status.push_back(static_cast<v1::ItemStatus>(s));
  verdicts.valid_count = response.valid_count();
  verdicts.engine = response.engine();
  return PrintVerdicts(verdicts);
}

void AddRegister(CLI::App* zk, const GlobalOptions* global, CommandRun* run) {
  auto options = std::make_shared<RegisterOptions>();
  CLI::App* cmd = zk->add_subcommand(
      "register", "Register a Groth16 proving key (snarkjs .zkey); prints its circuit id");
  cmd->add_option("zkey", options->zkey, "The .zkey file")->required();
  cmd->add_option("--vkey-out", options->vkey_out,
                  "Write the verification key (snarkjs verification_key.json) here");
  cmd->callback([=] { *run = [=] { return RunRegister(*options, *global); }; });
}

void AddProve(CLI::App* zk, const GlobalOptions* global, CommandRun* run) {
  auto options = std::make_shared<ProveOptions>();
  CLI::App* cmd = zk->add_subcommand(
      "prove", "Prove witnesses (.wtns) of a circuit; writes snarkjs proof.json and public.json");
  auto* circuit = cmd->add_option("--circuit", options->circuit_hex, "Circuit id (hex), as registered");
  auto* zkey = cmd->add_option("--zkey", options->zkey, "Register this .zkey first and prove with it");
  circuit->excludes(zkey);
  cmd->add_option("--wtns", options->witnesses, "Witness file (repeat for a batch)")->required();
  cmd->add_option("--proof", options->proof_out, "Proof output (one witness)");
  cmd->add_option("--public", options->public_out, "Public signals output (one witness)");
  cmd->add_option("--out-dir", options->out_dir,
                  "Write proof_<i>.json and public_<i>.json for each witness here");
  AddPlacementOption(cmd, &options->placement);
  cmd->callback([=] {
    if (options->circuit_hex.empty() && options->zkey.empty()) {
      throw CLI::ValidationError("--circuit", "give --circuit or --zkey");
    }
    const bool single = !options->proof_out.empty() && !options->public_out.empty();
    if (options->out_dir.empty() && !(single && options->witnesses.size() == 1)) {
      throw CLI::ValidationError("--out-dir",
                                 "give --out-dir, or --proof and --public for one --wtns");
    }
    *run = [=] { return RunProve(*options, *global); };
  });
}

void AddVerify(CLI::App* zk, const GlobalOptions* global, CommandRun* run) {
  auto options = std::make_shared<VerifyOptions>();
  CLI::App* cmd = zk->add_subcommand(
      "verify", "Verify Groth16 proofs (snarkjs JSON); prints one verdict a proof");
  cmd->add_option("--vkey", options->vkey, "verification_key.json")->required();
  cmd->add_option("--proof", options->proofs, "proof.json (repeat for a batch)")->required();
  cmd->add_option("--public", options->publics, "public.json, one per --proof, in order")
      ->required();
  cmd->callback([=] { *run = [=] { return RunVerify(*options, *global); }; });
}

}  // namespace

void AddZkCommands(CLI::App* app, const GlobalOptions* global, CommandRun* run) {
  CLI::App* zk = app->add_subcommand("zk", "Groth16 proofs (circom/snarkjs files)");
  zk->require_subcommand(1);
  AddRegister(zk, global, run);
  AddProve(zk, global, run);
  AddVerify(zk, global, run);
}

}  // namespace chainaccel::cli
