#include "crypto/groth16/circuit_registry.h"

#include <utility>

#include "core/hex.h"
#include "crypto/groth16/engine_layout.h"
#include "crypto/groth16/prover.h"
#include "crypto/groth16/snarkjs_json.h"

namespace chainaccel::groth16 {

std::string CircuitIdHex(const CircuitId& id) { return HexEncode(id); }

Status RegisteredCircuit::Make(const ProvingKey& key, const CircuitId& id,
                               std::shared_ptr<const RegisteredCircuit>* out) {
  auto engine = std::make_shared<Groth16Circuit>();
  if (Status s = MakeEngineCircuit(key, id, engine.get()); !s.ok()) return s;
  auto circuit = std::make_shared<RegisteredCircuit>();
  circuit->id_ = id;
  circuit->engine_ = std::move(engine);
  ProvingKey& head = circuit->head_;
  head.n_vars = key.n_vars;
  head.n_public = key.n_public;
  head.domain_size = key.domain_size;
  head.power = key.power;
  head.alpha1 = key.alpha1;
  head.beta1 = key.beta1;
  head.delta1 = key.delta1;
  head.beta2 = key.beta2;
  head.gamma2 = key.gamma2;
  head.delta2 = key.delta2;
  head.ic = key.ic;
  circuit->vk_ = key.ToVerifyingKey();
  circuit->vk_json_ = VerifyingKeyToJson(circuit->vk_);
  *out = std::move(circuit);
  return Status::Ok();
}

FinishedProof RegisteredCircuit::Finish(const Groth16ProofParts& parts,
                                        std::span<const Fr> witness) const {
  FinishedProof out;
  out.proof = AssembleProof(head_, MsmsFromParts(parts), RandomProverRandomness());
  out.public_signals.reserve(head_.n_public);
  for (uint32_t i = 1; i <= head_.n_public; ++i) out.public_signals.push_back(witness[i].ToCanonical());
  return out;
}

std::shared_ptr<const RegisteredCircuit> CircuitRegistry::Find(const CircuitId& id) {
  MutexLock lock(mu_);
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return *it->second;
}

Status CircuitRegistry::Add(std::shared_ptr<const RegisteredCircuit> circuit,
                            std::shared_ptr<const RegisteredCircuit>* registered) {
  const uint64_t bytes = circuit->memory_bytes();
  if (bytes > budget_bytes_) {
    return Status::ResourceExhausted(
        "the circuit needs " + std::to_string(bytes) + " bytes, more than the whole circuit "
        "budget of " + std::to_string(budget_bytes_) + " bytes (proof.max_circuit_bytes)");
  }
  MutexLock lock(mu_);
  if (const auto it = by_id_.find(circuit->id()); it != by_id_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    *registered = *it->second;
    return Status::Ok();
  }
  while (used_bytes_ + bytes > budget_bytes_ && !lru_.empty()) {
    used_bytes_ -= lru_.back()->memory_bytes();
    by_id_.erase(lru_.back()->id());
    lru_.pop_back();
    ++evictions_;
  }
  lru_.push_front(circuit);
  by_id_[circuit->id()] = lru_.begin();
  used_bytes_ += bytes;
  *registered = std::move(circuit);
  return Status::Ok();
}

uint64_t CircuitRegistry::used_bytes() const {
  MutexLock lock(mu_);
  return used_bytes_;
}

size_t CircuitRegistry::size() const {
  MutexLock lock(mu_);
  return lru_.size();
}

uint64_t CircuitRegistry::evictions() const {
  MutexLock lock(mu_);
  return evictions_;
}

}  // namespace chainaccel::groth16
