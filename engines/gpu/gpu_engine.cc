#include "engines/gpu/gpu_engine.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <string>
#include <utility>
#include <variant>

#include "core/merkle_rules.h"
#include "engines/gpu/gpu_device.h"
#include "engines/gpu/hash_operator.h"
#include "engines/gpu/merkle_operator.h"
#include "engines/gpu/proof_operator.h"
#include "engines/gpu/self_test.h"
#include "engines/gpu/signature_operator.h"

namespace chainaccel {
namespace {

// Runs the task's operator; *what names the batch for a fault. REQUIRES: the task passed
// GpuEngine::Check.
Status RunOperator(GpuDevice::Batch& batch, ProofOperator& proofs, Task& task,
                   const char** what) {
  if (auto* prove = std::get_if<ProofGenerateTask>(&task)) {
    *what = "a Groth16 proof batch";
    return proofs.Run(batch, *prove);
  }
  if (auto* hash = std::get_if<HashTask>(&task)) {
    *what = "a hash batch";
    return HashOperator().Run(batch, *hash);
  }
  if (auto* merkle = std::get_if<MerkleBuildTask>(&task)) {
    *what = "a Merkle tree";
    return MerkleOperator().Run(batch, *merkle);
  }
  const SignatureOperator signatures(batch.device().options().ed25519);
  if (auto* verify = std::get_if<SignatureVerifyTask>(&task)) {
    *what = "a signature batch";
    return signatures.Run(batch, *verify);
  }
  *what = "a recovery batch";
  return signatures.Run(batch, std::get<SignatureRecoverTask>(task));
}

}  // namespace

// ---- Creation --------------------------------------------------------------------------

std::unique_ptr<GpuEngine> GpuEngine::Create(int ordinal, const Options& options,
                                             Status* status, GpuDeviceHooks* hooks) {
  std::unique_ptr<GpuDevice> device;
  Status s = GpuDevice::Create(ordinal, options,
                               hooks != nullptr ? hooks : GpuDeviceHooks::Default(), &device);
  if (!s.ok()) {
    *status = s;
    return nullptr;
  }
  std::unique_ptr<GpuEngine> engine(new GpuEngine(options, std::move(device)));
  const EngineInfo& info = engine->info();
  s = engine->SelfTest();
  if (!s.ok()) {
    *status = Status::FailedPrecondition(info.name + " failed its self-test: " + s.ToString());
    return nullptr;
  }
  spdlog::info("{}: {} ({} SMs, {} MiB, compute {}) passed its self-test", info.name,
               info.model, info.multiprocessors, info.memory_bytes >> 20,
               info.compute_capability);
  *status = Status::Ok();
  return engine;
}

GpuEngine::GpuEngine(const Options& options, std::unique_ptr<GpuDevice> device)
    : options_(options),
      device_(std::move(device)),
      proofs_(std::make_unique<ProofOperator>(static_cast<uint64_t>(
          options.proof_memory_fraction * static_cast<double>(device_->info().memory_bytes)))) {}

GpuEngine::~GpuEngine() = default;

const EngineInfo& GpuEngine::info() const { return device_->info(); }

bool GpuEngine::Accepts(const Task& task) const {
  if (const auto* verify = std::get_if<SignatureVerifyTask>(&task)) {
    return SignatureOperator(options_.ed25519).Verifies(verify->scheme);
  }
  return Supports(TaskTypeOf(task));
}

// ---- Batches ---------------------------------------------------------------------------

Status GpuEngine::Check(const Task& task) const {
  if (!Accepts(task)) {
    return Status::Unimplemented(info().name + " does not run " +
                                 std::string(TaskTypeName(TaskTypeOf(task))));
  }
  if (const auto* hash = std::get_if<HashTask>(&task)) {
    return HashOperator().CanImplement(*hash);
  }
  if (const auto* prove = std::get_if<ProofGenerateTask>(&task)) {
    return proofs_->CanImplement(*prove);
  }
  if (const auto* merkle = std::get_if<MerkleBuildTask>(&task)) {
    return MerkleOperator().CanImplement(*merkle);
  }
  const SignatureOperator signatures(options_.ed25519);
  if (const auto* verify = std::get_if<SignatureVerifyTask>(&task)) {
    return signatures.CanImplement(*verify);
  }
  return signatures.CanImplement(std::get<SignatureRecoverTask>(task));
}

Status GpuEngine::Run(Task& task) {
  if (Status s = Check(task); !s.ok()) return s;
  // The empty RFC 6962 tree is a constant (SHA-256 of nothing): no device work.
  if (auto* merkle = std::get_if<MerkleBuildTask>(&task); merkle && merkle->leaves.empty()) {
    BuildEmptyMerkleTree(*merkle);
    return Status::Ok();
  }
  const auto start = std::chrono::steady_clock::now();
  {
    GpuDevice::Batch batch(*device_, GpuDevice::BatchKind::kTask);
    if (!batch.ok()) {
      return Status::Unavailable(info().name + " has no lane pair left after hangs; it needs a "
                                 "restart of the daemon (or a device reset)");
    }
    if (!device_->healthy()) {
      return Status::Unavailable(info().name +
                                 " is unhealthy after a CUDA fault; run the batch elsewhere");
    }
    const char* what = "";
    const Status s = RunOperator(batch, *proofs_, task, &what);
    if (s.code() == Status::Code::kResourceExhausted) {
      // Too little device memory for this batch is not a fault of the device.
      spdlog::warn("{}: {}; the batch goes elsewhere", info().name, s.ToString());
      return Status(s.code(), info().name + ": " + s.message());
    }
    if (!s.ok()) return device_->Fault(s, what);
  }
  device_->CountBatch(TaskItemCount(task), std::chrono::steady_clock::now() - start);
  return Status::Ok();
}

EngineStats GpuEngine::stats() const { return device_->stats(); }

bool GpuEngine::healthy() const { return device_->healthy(); }

uint64_t GpuEngine::faults() const { return device_->faults(); }

// ---- Self-test -------------------------------------------------------------------------

Status GpuEngine::SelfTest() {
  GpuDevice::Batch batch(*device_, GpuDevice::BatchKind::kSelfTest);
  Status s = batch.ok() ? RunSelfTest(batch)
                        : Status::Unavailable("no lane pair left after hangs");
  if (!s.ok()) {
    device_->RecordFault(s, "the self-test");
    return s;
  }
  if (device_->MarkHealthy()) spdlog::info("{}: self-test passed: healthy again", info().name);
  return Status::Ok();
}

}  // namespace chainaccel
