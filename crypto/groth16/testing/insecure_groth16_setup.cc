// chainaccel-insecure-groth16-setup: TEST AND BENCHMARK ONLY. Writes a snarkjs .zkey
// (and its verification_key.json) for a circuit from a trapdoor that is derived from a
// public seed (testing/insecure_setup.h), in seconds where snarkjs's ceremony takes hours
// beyond 2^16 constraints. Anyone can forge proofs for such a key.
//
//   chainaccel-insecure-groth16-setup
//       (--r1cs FILE | --synthetic-constraints N | --synthetic-power K)
//       --zkey-out FILE [--vkey-out FILE] [--wtns-out FILE] [--r1cs-out FILE]
//       [--seed S] [--trapdoor-seed T] [--threads N]
//
//   --r1cs FILE                 a circuit compiled by circom (its witness comes from
//                               circom's witness calculator)
//   --synthetic-constraints N   a random circuit of N constraints with a satisfying witness
//                               (testing/synthetic_circuit.h), generated from --seed
//   --synthetic-power K         the same with N = 2^K - 5: snarkjs's domain is exactly 2^K
//   --wtns-out FILE             the synthetic circuit's witness (.wtns)
//   --r1cs-out FILE             the synthetic circuit itself (.r1cs, for snarkjs's checks)
//   --seed S                    the synthetic circuit's seed (default 1)
//   --trapdoor-seed T           the trapdoor's seed (default: S + 1); "one": every element
//                               1, the trapdoor of snarkjs's key from an uncontributed
//                               `powersoftau new` and no `zkey contribute` (for byte
//                               comparisons with snarkjs's own setup)
//   --threads N                 worker threads (default: every core)
//
// Prints a warning and the phases' timings on stderr. Exit 0 on success, 2 when an input
// cannot be read or the setup refuses it, 64 on a usage error.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/thread_pool.h"
#include "crypto/groth16/r1cs.h"
#include "crypto/groth16/snarkjs_json.h"
#include "crypto/groth16/testing/insecure_setup.h"
#include "crypto/groth16/testing/snark_files.h"
#include "crypto/groth16/testing/synthetic_circuit.h"

namespace groth16 = chainaccel::groth16;
namespace gt = chainaccel::groth16::testing;
using chainaccel::Status;

namespace {

constexpr int kUsage = 64;
constexpr const char* kWarning =
    "=====================================================================\n"
    "WARNING: INSECURE GROTH16 SETUP, FOR TESTS AND BENCHMARKS ONLY.\n"
    "The trapdoor of this key (tau, alpha, beta, gamma, delta) is derived\n"
    "from a public seed: ANYONE CAN FORGE PROOFS for it. Never use the key\n"
    "to secure anything.\n"
    "=====================================================================\n";

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

struct Options {
  std::map<std::string, std::string> values;
  std::optional<std::string> Get(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
};

bool ParseOptions(int argc, char** argv, Options* out) {
  static const char* kKnown[] = {"--r1cs", "--synthetic-constraints", "--synthetic-power",
                                 "--zkey-out", "--vkey-out", "--wtns-out", "--r1cs-out",
                                 "--seed", "--trapdoor-seed", "--threads"};
  for (int i = 1; i < argc; i += 2) {
    const std::string name = argv[i];
    if (std::find(std::begin(kKnown), std::end(kKnown), name) == std::end(kKnown) ||
        i + 1 >= argc) {
      std::cerr << "unknown option or missing value: " << name << "\n";
      return false;
    }
    out->values[name] = argv[i + 1];
  }
  const int sources = out->Get("--r1cs").has_value() +
                      out->Get("--synthetic-constraints").has_value() +
                      out->Get("--synthetic-power").has_value();
  if (sources != 1 || !out->Get("--zkey-out")) {
    std::cerr << "give one of --r1cs, --synthetic-constraints, --synthetic-power, and "
                 "--zkey-out (see the comment at the top of insecure_groth16_setup.cc)\n";
    return false;
  }
  if (out->Get("--r1cs") && (out->Get("--wtns-out") || out->Get("--r1cs-out"))) {
    std::cerr << "--wtns-out and --r1cs-out are for synthetic circuits\n";
    return false;
  }
  return true;
}

uint64_t Number(const Options& o, const std::string& name, uint64_t fallback) {
  const std::optional<std::string> v = o.Get(name);
  return v ? std::strtoull(v->c_str(), nullptr, 0) : fallback;
}

Status WriteFile(const std::string& path, const void* data, size_t size) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  f.close();
  if (!f) return Status::InvalidArgument("cannot write " + path);
  return Status::Ok();
}

Status WriteBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  return WriteFile(path, bytes.data(), bytes.size());
}

// The circuit (and for a synthetic one its witness and .r1cs) the options name.
Status LoadCircuit(const Options& o, groth16::R1cs* r1cs) {
  if (const auto path = o.Get("--r1cs")) return groth16::ReadR1csFile(*path, r1cs);
  const uint64_t power = Number(o, "--synthetic-power", 0);
  if (o.Get("--synthetic-power") && (power < 3 || power > 27)) {
    return Status::InvalidArgument("--synthetic-power must be in [3, 27]");
  }
  const uint64_t n = o.Get("--synthetic-power")
                         ? gt::SyntheticConstraintsForDomainPower(static_cast<int>(power))
                         : Number(o, "--synthetic-constraints", 0);
  if (n < gt::kSyntheticOutputs || n > (1u << 27)) {
    return Status::InvalidArgument("the synthetic circuit needs 2 to 2^27 constraints");
  }
  const auto start = Clock::now();
  gt::SyntheticCircuit circuit =
      gt::MakeSyntheticCircuit(static_cast<uint32_t>(n), Number(o, "--seed", 1));
  std::cerr << "synthetic circuit: " << Seconds(start) << " s\n";
  if (const auto path = o.Get("--wtns-out")) {
    if (Status s = WriteBytes(*path, gt::WriteWtns(circuit.witness)); !s.ok()) return s;
  }
  if (const auto path = o.Get("--r1cs-out")) {
    if (Status s = WriteBytes(*path, gt::WriteR1cs(circuit.r1cs)); !s.ok()) return s;
  }
  *r1cs = std::move(circuit.r1cs);
  return Status::Ok();
}

Status Run(const Options& o) {
  groth16::R1cs r1cs;
  if (Status s = LoadCircuit(o, &r1cs); !s.ok()) return s;
  const size_t threads = Number(o, "--threads", std::max(1u, std::thread::hardware_concurrency()));
  // The calling thread takes part in every parallel loop: threads - 1 workers.
  std::unique_ptr<chainaccel::ThreadPool> pool;
  if (threads > 1) pool = std::make_unique<chainaccel::ThreadPool>(threads - 1);
  const gt::Trapdoor trapdoor =
      o.Get("--trapdoor-seed") == "one"
          ? gt::TrapdoorOfUncontributedCeremony()
          : gt::TrapdoorFromSeed(Number(o, "--trapdoor-seed", Number(o, "--seed", 1) + 1));
  auto start = Clock::now(), phase_start = start;
  std::string phase;
  auto progress = [&](std::string_view next) {
    if (!phase.empty()) std::cerr << "  " << phase << ": " << Seconds(phase_start) << " s\n";
    phase = std::string(next);
    phase_start = Clock::now();
  };
  groth16::ProvingKey key;
  if (Status s = gt::InsecureSetup(r1cs, trapdoor, pool.get(), &key, progress); !s.ok()) {
    return s;
  }
  progress("");
  std::cerr << "setup: " << r1cs.n_constraints << " constraints, nVars " << key.n_vars
            << ", nPublic " << key.n_public << ", domain 2^" << key.power << ", "
            << threads << " threads: " << Seconds(start) << " s\n";
  start = Clock::now();
  if (Status s = WriteBytes(*o.Get("--zkey-out"), gt::WriteZkey(key)); !s.ok()) return s;
  if (const auto path = o.Get("--vkey-out")) {
    const std::string json = groth16::VerifyingKeyToJson(key.ToVerifyingKey()) + "\n";
    if (Status s = WriteFile(*path, json.data(), json.size()); !s.ok()) return s;
  }
  std::cerr << "written: " << Seconds(start) << " s\n";
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  std::cerr << kWarning;
  Options options;
  if (!ParseOptions(argc, argv, &options)) return kUsage;
  if (Status s = Run(options); !s.ok()) {
    std::cerr << s.ToString() << "\n";
    return 2;
  }
  std::cerr << kWarning;
  return 0;
}
