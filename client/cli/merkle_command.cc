// chainaccel merkle build|verify: Merkle roots, inclusion proofs and their verification.
//
// `build --json` prints the tree in the proof-file format that `verify --input` reads:
//   {"scheme": "bitcoin", "root": HEX, "leaf_count": N, "engine": "cpu",
//    "proofs": [{"index": I, "leaf": HEX, "hashes": [HEX, ...]}, ...]}
#include <sodium.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "client/cli/command.h"
#include "client/cli/hex.h"
#include "client/cli/input.h"

namespace chainaccel::cli {
namespace {

using nlohmann::json;

constexpr size_t kHashSize = 32;

struct BuildOptions {
  v1::MerkleScheme scheme = v1::MERKLE_SCHEME_UNSPECIFIED;
  bool sort_leaves = false;
  bool raw_entries = false;
  std::vector<uint64_t> proof_indices;
  std::string input = "-";
  bool json = false;
  v1::Placement placement = v1::PLACEMENT_AUTO;
};

struct VerifyOptions {
  v1::MerkleScheme scheme = v1::MERKLE_SCHEME_UNSPECIFIED;
  std::string root;
  uint64_t leaf_count = 0;
  std::string leaf;
  uint64_t index = 0;
  std::string proof;
  std::string input;
  v1::Placement placement = v1::PLACEMENT_AUTO;
  // Set when given on the command line (they override the proof file).
  CLI::Option* scheme_option = nullptr;
  CLI::Option* root_option = nullptr;
  CLI::Option* leaf_count_option = nullptr;
};

// RFC 6962 leaf hash of a raw entry: SHA256(0x00 || entry).
std::string Rfc6962LeafHash(std::string_view entry) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  const unsigned char leaf_prefix = 0x00;
  crypto_hash_sha256_update(&state, &leaf_prefix, 1);
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(entry.data()),
                            entry.size());
  std::string hash(kHashSize, '\0');
  crypto_hash_sha256_final(&state, reinterpret_cast<unsigned char*>(hash.data()));
  return hash;
}

// A 32-byte hash given in hex by `what`.
std::string DecodeHash(std::string_view text, std::string_view what) {
  std::optional<std::string> hash = DecodeHex(text);
  if (!hash || hash->size() != kHashSize) {
    throw CliError(std::string(what) + " must be 32 bytes of hex, got \"" + std::string(text) +
                   "\"");
  }
  return *std::move(hash);
}

// The leaf each proof is for, as it sits in the tree, for the proof file; empty for an
// index past the leaves (the daemon rejects it).
std::vector<std::string> ProofLeaves(const BuildTreeArgs& args, bool raw_entries) {
  const uint64_t count = raw_entries ? args.entries.size() : args.leaves.size() / kHashSize;
  std::vector<std::string> leaves;
  for (uint64_t index : args.proof_indices) {
    if (index >= count) {
      leaves.emplace_back();
    } else if (raw_entries) {
      leaves.push_back(Rfc6962LeafHash(args.entries[index]));
    } else {
      leaves.push_back(args.leaves.substr(index * kHashSize, kHashSize));
    }
  }
  return leaves;
}

// The proof file: see the top of this file.
std::string ProofFile(v1::MerkleScheme scheme, const MerkleTree& tree,
                      const std::vector<uint64_t>& indices, const std::vector<std::string>& leaves) {
  json doc = {{"scheme", NameOf(kMerkleSchemeNames, scheme)},
              {"root", ToHex(tree.root)},
              {"leaf_count", tree.leaf_count},
              {"engine", tree.engine},
              {"proofs", json::array()}};
  const std::vector<std::string_view> proofs = tree.Proofs();
  for (size_t k = 0; k < proofs.size(); ++k) {
    json hashes = json::array();
    for (size_t at = 0; at < proofs[k].size(); at += kHashSize) {
      hashes.push_back(ToHex(proofs[k].substr(at, kHashSize)));
    }
    doc["proofs"].push_back(
        {{"index", indices[k]}, {"leaf", ToHex(leaves[k])}, {"hashes", std::move(hashes)}});
  }
  return doc.dump(2) + "\n";
}

// The root, then "INDEX HASH,HASH,..." for each proof.
std::string ProofLines(const MerkleTree& tree, const std::vector<uint64_t>& indices) {
  std::string out = ToHex(tree.root) + "\n";
  const std::vector<std::string_view> proofs = tree.Proofs();
  for (size_t k = 0; k < proofs.size(); ++k) {
    out += std::to_string(indices[k]) + " ";
    for (size_t at = 0; at < proofs[k].size(); at += kHashSize) {
      if (at != 0) out += ',';
      AppendHex(proofs[k].substr(at, kHashSize), &out);
    }
    out += '\n';
  }
  return out;
}

int RunBuild(const BuildOptions& options, const GlobalOptions& global) {
  if (options.raw_entries && options.scheme != v1::MERKLE_SCHEME_RFC6962) {
    throw CliError("--raw-entries needs --scheme rfc6962");
  }
  if (options.sort_leaves && options.scheme != v1::MERKLE_SCHEME_OZ_KECCAK_SORTED) {
    throw CliError("--sort-leaves needs --scheme oz");
  }
  BuildTreeArgs args;
  args.scheme = options.scheme;
  args.sort_leaves = options.sort_leaves;
  args.proof_indices = options.proof_indices;
  args.placement = options.placement;
  PackedBatchBuilder entries;
  ForEachLine(ReadInput(options.input), [&](size_t number, std::string_view line) {
    if (IsBlank(line)) return;
    if (options.raw_entries) {
      AddHexItem(line, number, "entry", &entries);
    } else {
      AppendHexOfSize(line, kHashSize, number, "leaf", &args.leaves);
    }
  });
  args.entries = entries.Finish();
  const std::vector<std::string> leaves =
      options.json ? ProofLeaves(args, options.raw_entries) : std::vector<std::string>();

  const MerkleTree tree = Unwrap(MakeClient(global).BuildTree(std::move(args)));
  WriteStdout(options.json ? ProofFile(options.scheme, tree, options.proof_indices, leaves)
                           : ProofLines(tree, options.proof_indices));
  return kExitOk;
}

// "HASH,HASH,..." as the hashes end to end.
std::string DecodeProof(std::string_view text) {
  std::string hashes;
  while (!IsBlank(text)) {
    const size_t comma = text.find(',');
    hashes += DecodeHash(text.substr(0, comma), "--proof hash");
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return hashes;
}

// Reads a proof file (the format of `merkle build --json`) into *args.
void ReadProofFile(const std::string& path, VerifyProofsArgs* args) {
  try {
    const json doc = json::parse(ReadInput(path));
    if (doc.contains("scheme")) {
      const std::string name = doc.at("scheme").get<std::string>();
      const auto it = kMerkleSchemeNames.find(name);
      if (it == kMerkleSchemeNames.end()) throw CliError("unknown scheme \"" + name + "\"");
      args->scheme = it->second;
    }
    if (doc.contains("root")) args->root = DecodeHash(doc.at("root").get<std::string>(), "root");
    args->leaf_count = doc.value("leaf_count", uint64_t{0});
    for (const json& proof : doc.at("proofs")) {
      std::string hashes;
      for (const json& hash : proof.at("hashes")) {
        hashes += DecodeHash(hash.get<std::string>(), "proof hash");
      }
      args->AddProof(DecodeHash(proof.at("leaf").get<std::string>(), "leaf"),
                     proof.value("index", uint64_t{0}), hashes);
    }
  } catch (const json::exception& e) {
    throw CliError(path + ": " + e.what());
  }
}

int RunVerify(const VerifyOptions& options, const GlobalOptions& global) {
  VerifyProofsArgs args;
  if (!options.input.empty()) {
    ReadProofFile(options.input, &args);
  } else {
    if (options.leaf.empty()) throw CliError("give --leaf (and --index, --proof) or --input");
    args.AddProof(DecodeHash(options.leaf, "--leaf"), options.index, DecodeProof(options.proof));
  }
  if (options.scheme_option->count() != 0) args.scheme = options.scheme;
  if (options.root_option->count() != 0) args.root = DecodeHash(options.root, "--root");
  if (options.leaf_count_option->count() != 0) args.leaf_count = options.leaf_count;
  if (args.scheme == v1::MERKLE_SCHEME_UNSPECIFIED) throw CliError("--scheme is required");
  if (args.root.empty()) throw CliError("--root is required");
  args.placement = options.placement;

  const Verdicts verdicts = Unwrap(MakeClient(global).VerifyProofs(std::move(args)));
  return PrintVerdicts(verdicts);
}

void AddBuild(CLI::App* merkle, const GlobalOptions* global, CommandRun* run) {
  auto options = std::make_shared<BuildOptions>();
  CLI::App* build = merkle->add_subcommand(
      "build", "Build a tree over hex leaves (one per line); prints the root and proofs");
  AddEnumOption(build, "--scheme", &options->scheme, kMerkleSchemeNames, "Tree construction")
      ->required();
  build->add_flag("--sort-leaves", options->sort_leaves, "oz: sort the leaves first");
  build->add_flag("--raw-entries", options->raw_entries,
                  "rfc6962: lines are raw log entries, not leaf hashes");
  build->add_option("--proof", options->proof_indices, "Leaf indices to prove");
  AddInputOption(build, &options->input);
  build->add_flag("--json", options->json, "Print the root and proofs as a JSON proof file");
  AddPlacementOption(build, &options->placement);
  build->callback([=] { *run = [=] { return RunBuild(*options, *global); }; });
}

void AddVerify(CLI::App* merkle, const GlobalOptions* global, CommandRun* run) {
  auto options = std::make_shared<VerifyOptions>();
  CLI::App* verify = merkle->add_subcommand(
      "verify", "Verify inclusion proofs; prints one verdict per proof (exit 1 if any fails)");
  options->scheme_option = AddEnumOption(verify, "--scheme", &options->scheme, kMerkleSchemeNames,
                                         "Tree construction");
  options->root_option = verify->add_option("--root", options->root, "Root, hex");
  options->leaf_count_option =
      verify->add_option("--leaf-count", options->leaf_count, "Number of leaves of the tree");
  verify->add_option("--leaf", options->leaf, "The leaf as it sits in the tree, hex");
  verify->add_option("--index", options->index, "The leaf's index");
  verify->add_option("--proof", options->proof, "The proof: hex hashes, comma-separated");
  verify->add_option("--input", options->input,
                     "Proof file (the JSON of `merkle build --json`); flags override its fields")
      ->excludes("--leaf")
      ->excludes("--index")
      ->excludes("--proof");
  AddPlacementOption(verify, &options->placement);
  verify->callback([=] { *run = [=] { return RunVerify(*options, *global); }; });
}

}  // namespace

void AddMerkleCommand(CLI::App* app, const GlobalOptions* global, CommandRun* run) {
  CLI::App* merkle = app->add_subcommand("merkle", "Merkle roots and inclusion proofs");
  merkle->require_subcommand(1);
  AddBuild(merkle, global, run);
  AddVerify(merkle, global, run);
}

}  // namespace chainaccel::cli
