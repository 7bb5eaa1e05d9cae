// groth16_tool: the library's command-line front for tests/zk/groth16_snarkjs.mjs.
//
//   groth16_tool zkey-json <file.zkey>            the key as `snarkjs zkey export json`
//   groth16_tool zkey-vk <file.zkey>              its verification key JSON
//   groth16_tool wtns-json <file.wtns> [<zkey>]   the witness as `snarkjs wtns export json`,
//                                                  checked against the key when given
//   groth16_tool roundtrip <vk|proof|public> <file.json>   read, then write again
//   groth16_tool verify <vk.json> <proof.json> <public.json>
//   groth16_tool batch <vk.json> <seed|os> (<proof.json> <public.json>)...
//   groth16_tool prove <file.zkey> <file.wtns> <proof.json> <public.json>
//                [--threads N] [--r DEC --s DEC]
//
// prove writes the proof and the public signals in snarkjs's JSON (crypto/groth16/prover.h)
// with N threads in all (default 1: the calling thread; N - 1 pool workers) and r, s from
// the OS unless both are given (decimal, < r: a proof comparable byte for byte with
// snarkjs's, tests/zk/groth16_prove.mjs); it prints the prove time in ms on stderr.
//
// verify prints "valid", "invalid: <reason>" or "malformed: <reason>" and exits 0 only
// for valid; batch prints one such line per proof and exits 0. A file that cannot be
// read prints the Status on stderr and exits 2; a usage error exits 64.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "crypto/groth16/bin_file.h"
#include "crypto/groth16/prover.h"
#include "crypto/groth16/snarkjs_json.h"
#include "crypto/groth16/verifier.h"
#include "crypto/groth16/wtns.h"
#include "crypto/groth16/zkey.h"

namespace groth16 = chainaccel::groth16;
using chainaccel::Status;

namespace {

constexpr int kUsage = 64;

int Fail(const Status& s) {
  std::cerr << s.ToString() << "\n";
  return 2;
}

Status ReadText(const std::string& path, std::string* out) {
  std::vector<uint8_t> bytes;
  if (Status s = groth16::ReadFileBytes(path, &bytes); !s.ok()) return s;
  out->assign(bytes.begin(), bytes.end());
  return Status::Ok();
}

Status ReadVk(const std::string& path, groth16::PreparedVerifyingKey* out) {
  std::string text;
  groth16::VerifyingKey vk;
  if (Status s = ReadText(path, &text); !s.ok()) return s;
  if (Status s = groth16::ParseVerifyingKeyJson(text, &vk); !s.ok()) return s;
  return groth16::PreparedVerifyingKey::Prepare(vk, out);
}

Status ReadProofAndSignals(const std::string& proof_path, const std::string& public_path,
                           groth16::Proof* proof, std::vector<chainaccel::bn254::U256>* sig) {
  std::string text;
  if (Status s = ReadText(proof_path, &text); !s.ok()) return s;
  if (Status s = groth16::ParseProofJson(text, proof); !s.ok()) return s;
  if (Status s = ReadText(public_path, &text); !s.ok()) return s;
  return groth16::ParsePublicSignalsJson(text, sig);
}

std::string Describe(const groth16::VerifyResult& r) {
  switch (r.verdict) {
    case groth16::Verdict::kValid: return "valid";
    case groth16::Verdict::kInvalid: return "invalid: " + r.reason;
    case groth16::Verdict::kMalformed: return "malformed: " + r.reason;
  }
  return "unknown";
}

int Wtns(const std::vector<std::string>& args) {
  groth16::Witness w;
  if (Status s = groth16::ReadWtnsFile(args[0], &w); !s.ok()) return Fail(s);
  if (args.size() == 2) {
    groth16::ProvingKey key;
    if (Status s = groth16::ReadZkeyFile(args[1], &key); !s.ok()) return Fail(s);
    if (Status s = groth16::CheckWitnessForKey(key, w); !s.ok()) return Fail(s);
  }
  std::vector<chainaccel::bn254::U256> values;
  for (const auto& v : w.values) values.push_back(v.ToCanonical());
  std::cout << groth16::PublicSignalsToJson(values) << "\n";
  return 0;
}

int Roundtrip(const std::string& kind, const std::string& path) {
  std::string text;
  if (Status s = ReadText(path, &text); !s.ok()) return Fail(s);
  if (kind == "vk") {
    groth16::VerifyingKey vk;
    if (Status s = groth16::ParseVerifyingKeyJson(text, &vk); !s.ok()) return Fail(s);
    std::cout << groth16::VerifyingKeyToJson(vk) << "\n";
  } else if (kind == "proof") {
    groth16::Proof proof;
    if (Status s = groth16::ParseProofJson(text, &proof); !s.ok()) return Fail(s);
    std::cout << groth16::ProofToJson(proof) << "\n";
  } else if (kind == "public") {
    std::vector<chainaccel::bn254::U256> signals;
    if (Status s = groth16::ParsePublicSignalsJson(text, &signals); !s.ok()) return Fail(s);
    std::cout << groth16::PublicSignalsToJson(signals) << "\n";
  } else {
    return kUsage;
  }
  return 0;
}

int VerifyOne(const std::vector<std::string>& args) {
  groth16::PreparedVerifyingKey key;
  if (Status s = ReadVk(args[0], &key); !s.ok()) return Fail(s);
  groth16::Proof proof;
  std::vector<chainaccel::bn254::U256> signals;
  if (Status s = ReadProofAndSignals(args[1], args[2], &proof, &signals); !s.ok()) {
    return Fail(s);
  }
  const groth16::VerifyResult r = groth16::Verify(key, proof, signals);
  std::cout << Describe(r) << "\n";
  return r.verdict == groth16::Verdict::kValid ? 0 : 1;
}

int Batch(const std::vector<std::string>& args) {
  if (args.size() < 2 || args.size() % 2 != 0) return kUsage;
  groth16::PreparedVerifyingKey key;
  if (Status s = ReadVk(args[0], &key); !s.ok()) return Fail(s);
  groth16::BatchRandomness randomness;
  if (args[1] != "os") randomness.seed = std::strtoull(args[1].c_str(), nullptr, 0);
  const size_t n = (args.size() - 2) / 2;
  std::vector<groth16::Proof> proofs(n);
  std::vector<std::vector<chainaccel::bn254::U256>> signals(n);
  std::vector<groth16::BatchItem> items(n);
  for (size_t j = 0; j < n; ++j) {
    if (Status s = ReadProofAndSignals(args[2 + 2 * j], args[3 + 2 * j], &proofs[j], &signals[j]);
        !s.ok()) {
      return Fail(s);
    }
    items[j] = {&proofs[j], signals[j]};
  }
  std::vector<groth16::VerifyResult> results;
  if (Status s = groth16::BatchVerify(key, items, randomness, &results); !s.ok()) return Fail(s);
  for (const auto& r : results) std::cout << Describe(r) << "\n";
  return 0;
}

int Zkey(const std::string& command, const std::string& path) {
  groth16::ProvingKey key;
  if (Status s = groth16::ReadZkeyFile(path, &key); !s.ok()) return Fail(s);
  if (command == "zkey-json") {
    std::cout << groth16::ProvingKeyToJson(key) << "\n";
  } else {
    std::cout << groth16::VerifyingKeyToJson(key.ToVerifyingKey()) << "\n";
  }
  return 0;
}

// The options after prove's four paths; false on a usage error.
struct ProveFlags {
  size_t threads = 1;
  std::optional<chainaccel::bn254::Fr> r, s;
};

bool ParseProveFlags(const std::vector<std::string>& args, ProveFlags* out) {
  for (size_t i = 4; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) return false;
    const std::string& value = args[i + 1];
    if (args[i] == "--threads") {
      out->threads = std::strtoull(value.c_str(), nullptr, 10);
      if (out->threads == 0) return false;
      continue;
    }
    chainaccel::bn254::U256 v;
    if (!chainaccel::bn254::bigint::ParseDecimal(value, &v)) return false;
    const auto f = chainaccel::bn254::Fr::FromCanonical(v);
    if (!f) return false;
    if (args[i] == "--r") out->r = *f;
    else if (args[i] == "--s") out->s = *f;
    else return false;
  }
  return out->r.has_value() == out->s.has_value();
}

Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text << "\n";
  file.close();
  if (!file) return Status::InvalidArgument("cannot write " + path);
  return Status::Ok();
}

int Prove(const std::vector<std::string>& args) {
  ProveFlags flags;
  if (args.size() < 4 || !ParseProveFlags(args, &flags)) return kUsage;
  groth16::ProvingKey key;
  groth16::ZkeyReadOptions read_options;
  read_options.check_points = false;  // a key of the test's own ceremony
  if (Status s = groth16::ReadZkeyFile(args[0], &key, read_options); !s.ok()) return Fail(s);
  groth16::Witness witness;
  if (Status s = groth16::ReadWtnsFile(args[1], &witness); !s.ok()) return Fail(s);
  std::unique_ptr<chainaccel::ThreadPool> pool;
  if (flags.threads > 1) pool = std::make_unique<chainaccel::ThreadPool>(flags.threads - 1);
  groth16::ProveOptions options;
  options.pool = pool.get();
  if (flags.r) options.fixed_randomness = groth16::ProverRandomness{*flags.r, *flags.s};
  groth16::Proof proof;
  std::vector<chainaccel::bn254::Fr> signals;
  const auto start = std::chrono::steady_clock::now();
  if (Status s = groth16::Prove(key, witness, options, &proof, &signals); !s.ok()) return Fail(s);
  const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
  std::vector<chainaccel::bn254::U256> canonical;
  for (const auto& f : signals) canonical.push_back(f.ToCanonical());
  if (Status s = WriteText(args[2], groth16::ProofToJson(proof)); !s.ok()) return Fail(s);
  if (Status s = WriteText(args[3], groth16::PublicSignalsToJson(canonical)); !s.ok()) {
    return Fail(s);
  }
  std::cerr << "prove_ms " << took.count() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return kUsage;
  const std::string command = args[0];
  args.erase(args.begin());
  if ((command == "zkey-json" || command == "zkey-vk") && args.size() == 1) {
    return Zkey(command, args[0]);
  }
  if (command == "wtns-json" && (args.size() == 1 || args.size() == 2)) return Wtns(args);
  if (command == "roundtrip" && args.size() == 2) return Roundtrip(args[0], args[1]);
  if (command == "verify" && args.size() == 3) return VerifyOne(args);
  if (command == "batch") return Batch(args);
  if (command == "prove") return Prove(args);
  std::cerr << "usage: see the comment at the top of groth16_tool.cc\n";
  return kUsage;
}
