// ProofService: decode → submit → encode for chainaccel.v1.ProofService (Groth16 on
// BN254; docs/zk.md), and the registry of the circuits it proves.
//
// RegisterCircuit is client-streamed: the .zkey arrives in chunks, bounded by
// ProofConfig::max_zkey_bytes (server/config.h) as it arrives, and is parsed on the
// service's one registration thread (a large key takes seconds; registrations queue behind each
// other, so at most one key is being parsed at a time). Prove and VerifyGroth16 are
// batch calls through the scheduler (server/batch_call.h) like every other task.
#pragma once

#include <cstdint>
#include <string>

#include "chainaccel/v1/proof.grpc.pb.h"
#include "core/thread_pool.h"
#include "crypto/groth16/circuit_registry.h"
#include "server/config.h"
#include "server/serving_state.h"

namespace chainaccel::server {

// Methods are raw (see server/batch_call.h): they parse the request themselves.
class ProofServiceImpl final
    : public v1::ProofService::WithRawCallbackMethod_RegisterCircuit<
          v1::ProofService::WithRawCallbackMethod_Prove<
              v1::ProofService::WithRawCallbackMethod_VerifyGroth16<v1::ProofService::Service>>> {
 public:
  // `host_pool`: the CPU threads that check a registered key's points and convert
  // witnesses (the CPU engine's, so that the daemon has one set of compute threads). Not
  // owned; outlives the service.
  ProofServiceImpl(ServingState& state, const ProofConfig& options, ThreadPool* host_pool);

  grpc::ServerReadReactor<grpc::ByteBuffer>* RegisterCircuit(grpc::CallbackServerContext* context,
                                                             grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Prove(grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer* request,
                                  grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* VerifyGroth16(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;

  // Registers the .zkey `bytes` (consumed) and describes the circuit in *out.
  // INVALID_ARGUMENT from the .zkey reader; RESOURCE_EXHAUSTED for a circuit larger
  // than the budget. Thread-safe.
  Status Register(std::string bytes, v1::RegisterCircuitResponse* out);

  const ProofConfig& options() const { return options_; }
  ServingState& state() { return state_; }
  ThreadPool& registration_thread() { return registration_; }

 private:
  ServingState& state_;
  const ProofConfig options_;
  groth16::CircuitRegistry registry_;
  ThreadPool* const host_pool_;
  ThreadPool registration_{1};
};

}  // namespace chainaccel::server
