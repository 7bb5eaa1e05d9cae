// CircuitRegistry: the Groth16 circuits a daemon has registered (ProofService), under a
// memory budget, and what turns an engine's proof parts into a snarkjs proof.
//
// A RegisteredCircuit is immutable and shared: the engines hold its Groth16Circuit
// (the MSM bases and QAP rows) for as long as a batch runs, so dropping a circuit from
// the registry never pulls memory from under running work; it is freed when the last
// batch that uses it ends.
//
// Eviction. The budget counts Groth16Circuit::MemoryBytes() of every registered
// circuit. Adding one that does not fit drops the least recently used circuits (a
// lookup counts as a use) until it fits; a circuit larger than the whole budget is
// refused with RESOURCE_EXHAUSTED. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/groth16_circuit.h"
#include "core/mutex.h"
#include "core/status.h"
#include "core/thread_annotations.h"
#include "core/thread_pool.h"
#include "crypto/groth16/keys.h"

namespace chainaccel::groth16 {

using CircuitId = std::array<uint8_t, 32>;

// Lower-case hex of the id (64 characters), as logs and the CLI print it.
std::string CircuitIdHex(const CircuitId& id);

// A proof as the API returns it.
struct FinishedProof {
  Proof proof;
  std::vector<bn254::U256> public_signals;  // canonical integers, n_public of them
};

class RegisteredCircuit {
 public:
  // The circuit of `key` with id `id` (the SHA-256 of its .zkey bytes); INVALID_ARGUMENT
  // as MakeEngineCircuit.
  static Status Make(const ProvingKey& key, const CircuitId& id,
                     std::shared_ptr<const RegisteredCircuit>* out);

  const CircuitId& id() const { return id_; }
  const std::shared_ptr<const Groth16Circuit>& engine_circuit() const { return engine_; }
  const VerifyingKey& verifying_key() const { return vk_; }
  // snarkjs's verification_key.json of the circuit (computed once, at Make).
  const std::string& verifying_key_json() const { return vk_json_; }
  uint64_t memory_bytes() const { return engine_->MemoryBytes(); }

  // The proof of `witness` from an engine's `parts`, with fresh randomness r and s
  // (RandomProverRandomness), and its public signals witness[1 .. n_public].
  // REQUIRES: witness holds at least the first n_public + 1 values of the witness the
  // parts were computed from.
  FinishedProof Finish(const Groth16ProofParts& parts, std::span<const Fr> witness) const;

 private:
  CircuitId id_{};
  std::shared_ptr<const Groth16Circuit> engine_;
  ProvingKey head_;  // the key without its vectors: alpha1, beta1, delta1, beta2, delta2
  VerifyingKey vk_;
  std::string vk_json_;
};

class CircuitRegistry {
 public:
  explicit CircuitRegistry(uint64_t budget_bytes) : budget_bytes_(budget_bytes) {}

  // The circuit registered under `id`, marked as used; nullptr when there is none.
  std::shared_ptr<const RegisteredCircuit> Find(const CircuitId& id) CHAINACCEL_EXCLUDES(mu_);
  // Registers `circuit`, dropping least recently used ones to make room. Returns the
  // circuit now registered under its id (an equal one registered meanwhile wins);
  // RESOURCE_EXHAUSTED when it is larger than the whole budget.
  Status Add(std::shared_ptr<const RegisteredCircuit> circuit,
             std::shared_ptr<const RegisteredCircuit>* registered) CHAINACCEL_EXCLUDES(mu_);

  uint64_t budget_bytes() const { return budget_bytes_; }
  uint64_t used_bytes() const CHAINACCEL_EXCLUDES(mu_);
  size_t size() const CHAINACCEL_EXCLUDES(mu_);
  // Circuits dropped to make room since start.
  uint64_t evictions() const CHAINACCEL_EXCLUDES(mu_);

 private:
  using Lru = std::list<std::shared_ptr<const RegisteredCircuit>>;  // most recent first

  const uint64_t budget_bytes_;
  mutable Mutex mu_;
  Lru lru_ CHAINACCEL_GUARDED_BY(mu_);
  std::map<CircuitId, Lru::iterator> by_id_ CHAINACCEL_GUARDED_BY(mu_);
  uint64_t used_bytes_ CHAINACCEL_GUARDED_BY(mu_) = 0;
  uint64_t evictions_ CHAINACCEL_GUARDED_BY(mu_) = 0;
};

}  // namespace chainaccel::groth16
