// gpu_proof_bench: Groth16 proofs as the daemon's engines make them — GpuEngine (the
// quotient and all five MSMs on the device) next to CpuEngine on the same host, in one
// run, from a registered circuit.
//
// For each domain power P (default 16,18,20): a synthetic circuit filling the 2^P domain
// and its witness (crypto/groth16/testing/synthetic_circuit.h), an INSECURE key from a
// known trapdoor (testing/insecure_setup.h; the setup is not timed), registered as the
// daemon registers it (RegisteredCircuit::Make). Then:
//   gpu  - GpuEngine::Run of a one-witness ProofGenerateTask, the first run (which
//          uploads the circuit) reported apart, then R timed runs; plus the G2 MSM alone
//          on the host's threads (crypto/bn254's MsmG2: what the proof would wait for if
//          B2 stayed on the CPU) and the proof's finish (r, s).
//   cpu  - CpuEngine::Run of the same task, with every hardware thread (--cpu-max-power
//          caps the sizes, the CPU being minutes at 2^22).
// Every proof is finished and checked with our verifier; GPU and CPU parts are compared.
//
// One JSON line per measurement:
//   {"bench":"groth16_prove","engine","power","constraints","n_vars","first_s","median_s",
//    "min_s","host_g2_s","finish_s","verified","matches_cpu"}
//   {"bench":"groth16_setup","power","seconds"}   (the insecure setup, for the record)
// Usage: gpu_proof_bench [--powers 16,18,20] [--runs R] [--threads T] [--cpu-max-power P]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/arguments.h"
#include "bench/check_status.h"
#include "bench/split_list.h"
#include "core/thread_pool.h"
#include "crypto/bn254/msm.h"
#include "crypto/groth16/circuit_registry.h"
#include "crypto/groth16/engine_layout.h"
#include "crypto/groth16/testing/insecure_setup.h"
#include "crypto/groth16/testing/synthetic_circuit.h"
#include "crypto/groth16/verifier.h"
#include "engines/cpu/cpu_engine.h"
#include "engines/gpu/gpu_engine.h"

namespace chainaccel::bench {
namespace {

constexpr const char* kProgram = "gpu_proof_bench";

struct Options {
  std::vector<int> powers{16, 18, 20};
  int runs = 5;
  size_t threads = std::max(1u, std::thread::hardware_concurrency());
  int cpu_max_power = 20;
};

[[noreturn]] void Usage(const char* problem) {
  std::fprintf(stderr, "%s: %s\nusage: %s [--powers 16,18,20] [--runs R] [--threads T] "
               "[--cpu-max-power P]\n", kProgram, problem, kProgram);
  std::exit(2);
}

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One witness's task over the circuit.
struct ProveJob {
  std::vector<uint64_t> limbs;
  std::vector<Groth16ProofParts> parts{1};
  std::vector<ItemStatus> status{ItemStatus::kUnspecified};
  ProofGenerateTask task;

  ProveJob(const groth16::RegisteredCircuit& circuit, const groth16::Witness& witness) {
    groth16::AppendFrLimbs(witness.values, &limbs);
    task.circuit = circuit.engine_circuit();
    task.count = 1;
    task.witnesses = limbs.data();
    task.parts = parts.data();
    task.status = status.data();
  }
};

bool SameParts(const Groth16ProofParts& x, const Groth16ProofParts& y) {
  const groth16::ProofMsms a = groth16::MsmsFromParts(x), b = groth16::MsmsFromParts(y);
  return a.a == b.a && a.b1 == b.b1 && a.c == b.c && a.h == b.h && a.b2 == b.b2;
}

// Times `engine` on the job: the first run, then `runs` more; verifies the last proof.
// `b2` (the key's B2 bases) times the host G2 MSM alone.
void Measure(Engine& engine, const groth16::RegisteredCircuit& circuit, const groth16::Witness& witness,
             const std::vector<bn254::G2Affine>& b2, ThreadPool& pool, int power, uint32_t constraints,
             int runs, const Groth16ProofParts* reference, Groth16ProofParts* out) {
  ProveJob job(circuit, witness);
  Task task = job.task;
  auto start = std::chrono::steady_clock::now();
  CheckStatus(kProgram, engine.Run(task));
  const double first = Since(start);
  std::vector<double> times;
  for (int r = 0; r < runs; ++r) {
    start = std::chrono::steady_clock::now();
    CheckStatus(kProgram, engine.Run(task));
    times.push_back(Since(start));
  }
  std::sort(times.begin(), times.end());
  start = std::chrono::steady_clock::now();
  (void)bn254::MsmG2(b2, witness.values, &pool);
  const double host_g2 = Since(start);
  start = std::chrono::steady_clock::now();
  const groth16::FinishedProof proof = circuit.Finish(job.parts[0], witness.values);
  const double finish = Since(start);
  groth16::PreparedVerifyingKey vk;
  CheckStatus(kProgram, groth16::PreparedVerifyingKey::Prepare(circuit.verifying_key(), &vk));
  const bool verified = groth16::Verify(vk, proof.proof, proof.public_signals).verdict == groth16::Verdict::kValid;
  const bool matches = reference == nullptr || SameParts(*reference, job.parts[0]);
  std::printf("{\"bench\":\"groth16_prove\",\"engine\":\"%s\",\"power\":%d,\"constraints\":%u,"
              "\"n_vars\":%u,\"first_s\":%.6f,\"median_s\":%.6f,\"min_s\":%.6f,\"host_g2_s\":%.6f,"
              "\"finish_s\":%.6f,\"verified\":%s,\"matches_cpu\":%s}\n",
              engine.info().name.c_str(), power, constraints, circuit.engine_circuit()->n_vars, first,
              times.empty() ? first : times[times.size() / 2], times.empty() ? first : times.front(),
              host_g2, finish, verified ? "true" : "false", matches ? "true" : "false");
  std::fflush(stdout);
  if (out != nullptr) *out = job.parts[0];
}

void RunPower(int power, const Options& options, ThreadPool& pool, CpuEngine& cpu, GpuEngine& gpu) {
  const uint32_t constraints = groth16::testing::SyntheticConstraintsForDomainPower(power);
  const auto start = std::chrono::steady_clock::now();
  groth16::testing::SyntheticCircuit synthetic = groth16::testing::MakeSyntheticCircuit(constraints, 7);
  groth16::ProvingKey key;
  CheckStatus(kProgram, groth16::testing::InsecureSetup(synthetic.r1cs, groth16::testing::TrapdoorFromSeed(7),
                                                        &pool, &key));
  std::shared_ptr<const groth16::RegisteredCircuit> circuit;
  groth16::CircuitId id{};
  id[0] = static_cast<uint8_t>(power);
  CheckStatus(kProgram, groth16::RegisteredCircuit::Make(key, id, &circuit));
  std::printf("{\"bench\":\"groth16_setup\",\"power\":%d,\"seconds\":%.3f}\n", power, Since(start));
  const std::vector<bn254::G2Affine> b2 = std::move(key.b2);
  key = groth16::ProvingKey{};  // the registered circuit holds what the engines need
  Groth16ProofParts cpu_parts;
  const bool with_cpu = power <= options.cpu_max_power;
  if (with_cpu) {
    Measure(cpu, *circuit, synthetic.witness, b2, pool, power, constraints, std::min(options.runs, 2),
            nullptr, &cpu_parts);
  }
  Measure(gpu, *circuit, synthetic.witness, b2, pool, power, constraints, options.runs,
          with_cpu ? &cpu_parts : nullptr, nullptr);
}

}  // namespace
}  // namespace chainaccel::bench

int main(int argc, char** argv) {
  using namespace chainaccel;
  using namespace chainaccel::bench;
  Options options;
  ForEachArgument(argc, argv, Usage, [&](const std::string& argument, auto value) {
    if (argument == "--powers") {
      options.powers.clear();
      for (const std::string& p : SplitList(value())) options.powers.push_back(std::stoi(p));
    } else if (argument == "--runs") {
      options.runs = std::stoi(value());
    } else if (argument == "--threads") {
      options.threads = std::stoul(value());
    } else if (argument == "--cpu-max-power") {
      options.cpu_max_power = std::stoi(value());
    } else {
      Usage(("unknown argument " + argument).c_str());
    }
  });
  Status status;
  std::unique_ptr<GpuEngine> gpu = GpuEngine::Create(0, GpuEngine::Options{}, &status);
  CheckStatus(kProgram, status);
  CpuEngine cpu(CpuEngine::Options{options.threads, 0});
  ThreadPool& pool = cpu.pool();
  for (int power : options.powers) RunPower(power, options, pool, cpu, *gpu);
  return 0;
}
