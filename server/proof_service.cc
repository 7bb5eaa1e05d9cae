#include "server/proof_service.h"

#include <grpcpp/support/proto_buffer_reader.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "crypto/groth16/engine_layout.h"
#include "crypto/groth16/zkey.h"
#include "crypto/hashes.h"
#include "server/batch_call.h"
#include "server/call_admission.h"
#include "server/decode.h"
#include "server/grpc_status.h"
#include "server/proof_decode.h"

namespace chainaccel::server {
namespace {

constexpr std::string_view kRegisterMethod = "RegisterCircuit";

// One RegisterCircuit stream: reads the chunks, then registers on the service's
// registration thread and finishes. Deletes itself when gRPC is done with it.
class RegisterCircuitCall final : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  RegisterCircuitCall(ProofServiceImpl& service, grpc::CallbackServerContext* context,
                      grpc::ByteBuffer* response)
      : service_(service),
        response_(response),
        admission_(service.state(), *context, kRegisterMethod),
        started_(std::chrono::steady_clock::now()) {
    if (!admission_.status().ok()) {
      End(admission_.status());
      return;
    }
    StartRead(&chunk_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client has sent everything (or gave up: the register is then moot)
      service_.registration_thread().Post([this] { Register(); });
      return;
    }
    Status s = Append();
    if (!s.ok()) {
      End(s);
      return;
    }
    StartRead(&chunk_);
  }

  void OnDone() override { delete this; }

 private:
  // Appends the chunk's bytes; RESOURCE_EXHAUSTED past the size limit.
  Status Append() {
    bytes_in_ += chunk_.Length();
    v1::RegisterCircuitRequest request;
    grpc::ProtoBufferReader reader(&chunk_);
    if (!request.ParseFromZeroCopyStream(&reader)) {
      return Status::InvalidArgument("bytes that are not a chainaccel.v1.RegisterCircuitRequest");
    }
    const uint64_t limit = service_.options().max_zkey_bytes;
    if (zkey_.size() + request.zkey_chunk().size() > limit) {
      return Status::ResourceExhausted("zkey_chunk: the .zkey exceeds the limit of " +
                                       std::to_string(limit) + " bytes (proof.max_zkey_bytes)");
    }
    zkey_ += request.zkey_chunk();
    return Status::Ok();
  }

  void Register() {
    if (zkey_.empty()) {
      End(Status::InvalidArgument("zkey_chunk: no bytes were sent"));
      return;
    }
    v1::RegisterCircuitResponse response;
    Status s = service_.Register(std::move(zkey_), &response);
    if (s.ok()) {
      bool own_buffer = false;
      const grpc::Status serialized =
          grpc::SerializationTraits<v1::RegisterCircuitResponse>::Serialize(response, response_,
                                                                           &own_buffer);
      if (!serialized.ok()) s = Status::Internal("cannot serialize the response: " + serialized.error_message());
    }
    End(s);
  }

  void End(const Status& status) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    service_.state().metrics->RecordRequest(kRegisterMethod, StatusCodeName(status.code()), seconds,
                                            bytes_in_, status.ok() ? response_->Length() : 0);
    if (!status.ok()) spdlog::debug("{} rejected: {}", kRegisterMethod, status.ToString());
    Finish(ToGrpcStatus(status));
  }

  ProofServiceImpl& service_;
  grpc::ByteBuffer* response_;
  CallAdmission admission_;
  std::chrono::steady_clock::time_point started_;
  grpc::ByteBuffer chunk_;
  std::string zkey_;
  uint64_t bytes_in_ = 0;
};

// What one Prove call keeps between decoding and encoding.
struct ProveCall {
  std::shared_ptr<const groth16::RegisteredCircuit> circuit;
  ProveWitnesses witnesses;
  std::vector<Groth16ProofParts> parts;
  std::vector<ItemStatus> task_status;   // per witness in `witnesses`
  std::vector<ItemStatus>* statuses = nullptr;  // per request item (the call's)
};

void FillRegisterResponse(const groth16::RegisteredCircuit& circuit, bool fresh,
                          v1::RegisterCircuitResponse* out) {
  out->set_circuit_id(std::string(circuit.id().begin(), circuit.id().end()));
  const Groth16Circuit& engine = *circuit.engine_circuit();
  out->set_n_vars(engine.n_vars);
  out->set_n_public(engine.n_public);
  out->set_domain_size(engine.domain_size);
  out->set_memory_bytes(circuit.memory_bytes());
  out->set_verification_key_json(circuit.verifying_key_json());
  out->set_newly_registered(fresh);
}

// Witness k of the call as field elements (its first `count` values; all by default).
std::vector<groth16::Fr> WitnessOf(const ProveCall& call, size_t k, size_t count = SIZE_MAX) {
  const Groth16Circuit& engine = *call.circuit->engine_circuit();
  return groth16::FrVectorFromLimbs(call.witnesses.limbs.data() + k * engine.n_vars * kFieldLimbs,
                                    std::min<size_t>(count, engine.n_vars));
}

// The proofs of the call's witnesses from the engine's parts, into the response.
void EncodeProofs(ProveCall& call, v1::ProveResponse* out) {
  const Groth16Circuit& engine = *call.circuit->engine_circuit();
  std::vector<ItemStatus>& statuses = *call.statuses;
  size_t k = 0;  // the next proved witness
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (k < call.witnesses.items.size() && call.witnesses.items[k] == i) {
      statuses[i] = call.task_status[k];
      if (statuses[i] == ItemStatus::kOk) {
        const groth16::FinishedProof proof =
            call.circuit->Finish(call.parts[k], WitnessOf(call, k, engine.n_public + 1));
        AppendProof(&proof, engine.n_public, out);
      } else {
        AppendProof(nullptr, engine.n_public, out);
      }
      ++k;
    } else {
      AppendProof(nullptr, engine.n_public, out);
    }
  }
  out->mutable_proofs()->set_item_size(256);
  if (engine.n_public > 0) out->mutable_public_signals()->set_item_size(engine.n_public * 32);
}

}  // namespace

ProofServiceImpl::ProofServiceImpl(ServingState& state, const ProofConfig& options,
                                   ThreadPool* host_pool)
    : state_(state), options_(options), registry_(options.max_circuit_bytes), host_pool_(host_pool) {}

Status ProofServiceImpl::Register(std::string bytes, v1::RegisterCircuitResponse* out) {
  groth16::CircuitId id{};
  Sha256({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, id.data());
  if (auto known = registry_.Find(id)) {
    FillRegisterResponse(*known, false, out);
    return Status::Ok();
  }
  std::shared_ptr<const groth16::RegisteredCircuit> circuit;
  {
    groth16::ProvingKey key;
    groth16::ZkeyReadOptions read;
    read.check_points = options_.check_key_points;
    read.pool = host_pool_;  // the G2 subgroup checks: ~0.13 ms a point, spread over the cores
    const std::span<const uint8_t> view(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    if (Status s = groth16::ReadZkey(view, &key, read); !s.ok()) return s;
    std::string().swap(bytes);  // the parsed key replaces the bytes
    if (Status s = groth16::RegisteredCircuit::Make(key, id, &circuit); !s.ok()) return s;
  }
  std::shared_ptr<const groth16::RegisteredCircuit> registered;
  if (Status s = registry_.Add(circuit, &registered); !s.ok()) return s;
  state_.metrics->SetProofCircuits(registry_.size(), registry_.used_bytes(), registry_.evictions());
  spdlog::info("registered Groth16 circuit {}: {} signals, {} public, domain {}, {} bytes",
               groth16::CircuitIdHex(id), circuit->engine_circuit()->n_vars, circuit->engine_circuit()->n_public,
               circuit->engine_circuit()->domain_size, circuit->memory_bytes());
  FillRegisterResponse(*registered, registered == circuit, out);
  return Status::Ok();
}

grpc::ServerReadReactor<grpc::ByteBuffer>* ProofServiceImpl::RegisterCircuit(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
  return new RegisterCircuitCall(*this, context, response);
}

grpc::ServerUnaryReactor* ProofServiceImpl::Prove(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) {
  auto call = std::make_shared<ProveCall>();
  return ServeBatch<v1::ProveRequest, v1::ProveResponse, ProofGenerateTask>(
      state_, context, "Prove", TaskType::kProofGenerate, request, response,
      [this, call](const v1::ProveRequest& r, v1::ProveResponse*, ProofGenerateTask& task,
                   std::vector<ItemStatus>& statuses) {
        groth16::CircuitId id{};
        if (Status s = DecodeCircuitId(r.circuit_id(), &id); !s.ok()) return s;
        call->circuit = registry_.Find(id);
        if (call->circuit == nullptr) {
          return Status::NotFound("circuit_id: no circuit " + groth16::CircuitIdHex(id) +
                                  " is registered (RegisterCircuit it, again if it was dropped)");
        }
        const Groth16Circuit& circuit = *call->circuit->engine_circuit();
        Status s = DecodeWitnesses(r, state_.limits, circuit, host_pool_, &statuses,
                                   &call->witnesses);
        if (!s.ok()) return s;
        const size_t n = call->witnesses.items.size();
        call->parts.resize(n);
        call->task_status.assign(n, ItemStatus::kUnspecified);
        call->statuses = &statuses;
        task.circuit = call->circuit->engine_circuit();
        task.count = n;
        task.witnesses = call->witnesses.limbs.data();
        task.parts = call->parts.data();
        task.status = call->task_status.data();
        return Status::Ok();
      },
      [call](const ProofGenerateTask&, const std::vector<ItemStatus>& statuses,
             const std::string& engine, v1::ProveResponse* out) {
        EncodeProofs(*call, out);
        EncodeItemStatuses(statuses, out->mutable_status());
        out->set_engine(engine);
      });
}

grpc::ServerUnaryReactor* ProofServiceImpl::VerifyGroth16(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  // The JSON form's binary copies live until the response is encoded (both closures
  // hold them; the decoding one dies before the task runs).
  auto buffers = std::make_shared<ProofVerifyBuffers>();
  return ServeBatch<v1::ProofVerifyRequest, v1::ProofVerifyResponse, ProofVerifyTask>(
      state_, context, "VerifyGroth16", TaskType::kProofVerify, request, response,
      [this, buffers](const v1::ProofVerifyRequest& r, v1::ProofVerifyResponse*,
                      ProofVerifyTask& task, std::vector<ItemStatus>& statuses) {
        return DecodeProofVerifyRequest(r, state_.limits, &statuses, buffers.get(), &task);
      },
      [buffers](const ProofVerifyTask&, const std::vector<ItemStatus>& statuses, const std::string& engine,
         v1::ProofVerifyResponse* out) {
        out->set_valid_count(EncodeItemStatuses(statuses, out->mutable_status()));
        out->set_engine(engine);
      });
}

}  // namespace chainaccel::server
