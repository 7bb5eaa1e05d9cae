#include "execution/host_abi.h"

#include <algorithm>
#include <cstring>

#include "crypto/hashes.h"
#include "crypto/signatures.h"
#include "execution/gas.h"

namespace chainaccel::exec {

const std::vector<HostFnSpec>& HostAbi() {
  using T = HostValType;
  static const std::vector<HostFnSpec> abi = {
      {HostFn::kStorageRead, "storage_read", {T::kI32, T::kI32, T::kI32, T::kI32}, {T::kI32}},
      {HostFn::kStorageWrite, "storage_write", {T::kI32, T::kI32, T::kI32, T::kI32}, {}},
      {HostFn::kStorageDelete, "storage_delete", {T::kI32, T::kI32}, {}},
      {HostFn::kCaller, "caller", {T::kI32}, {}},
      {HostFn::kContractAddress, "contract_address", {T::kI32}, {}},
      {HostFn::kBlockHeight, "block_height", {}, {T::kI64}},
      {HostFn::kBlockTime, "block_time", {}, {T::kI64}},
      {HostFn::kInputSize, "input_size", {}, {T::kI32}},
      {HostFn::kInputRead, "input_read", {T::kI32}, {}},
      {HostFn::kReturnData, "return_data", {T::kI32, T::kI32}, {}},
      {HostFn::kEmitEvent, "emit_event", {T::kI32, T::kI32, T::kI32, T::kI32}, {}},
      {HostFn::kRevert, "revert", {T::kI32, T::kI32}, {}},
      {HostFn::kSha256, "sha256", {T::kI32, T::kI32, T::kI32}, {}},
      {HostFn::kKeccak256, "keccak256", {T::kI32, T::kI32, T::kI32}, {}},
      {HostFn::kEd25519Verify, "ed25519_verify", {T::kI32, T::kI32, T::kI32, T::kI32},
       {T::kI32}},
      {HostFn::kSecp256k1Verify, "secp256k1_verify", {T::kI32, T::kI32, T::kI32, T::kI32},
       {T::kI32}},
      {HostFn::kTxProof, "tx_proof", {T::kI32}, {T::kI32}},
      {HostFn::kTxProofSignals, "tx_proof_signals", {T::kI32}, {}},
  };
  return abi;
}

const HostFnSpec* FindHostFn(std::string_view module, std::string_view name) {
  if (module != "env") return nullptr;
  for (const HostFnSpec& spec : HostAbi()) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

bool HostCalls::Charge(int64_t& gas, uint64_t cost) {
  gas -= static_cast<int64_t>(std::min<uint64_t>(cost, INT64_MAX / 2));
  if (gas >= 0) return true;
  return Fail(HostStop::kOutOfGas, "out of gas");
}

bool HostCalls::Fail(HostStop stop, std::string message) {
  if (stop_ == HostStop::kNone) stop_ = stop;
  if (stop_message_.empty()) stop_message_ = std::move(message);
  return false;
}

bool HostCalls::Call(HostFn fn, const uint64_t* params, uint64_t* result, uint8_t* memory,
                     uint64_t memory_size, int64_t& gas) {
  memory_ = memory;
  memory_size_ = memory_size;
  switch (fn) {
    case HostFn::kStorageRead:
    case HostFn::kStorageWrite:
    case HostFn::kStorageDelete:
      return Storage(fn, params, result, gas);
    case HostFn::kSha256:
    case HostFn::kKeccak256:
    case HostFn::kEd25519Verify:
    case HostFn::kSecp256k1Verify:
      return Crypto(fn, params, result, gas);
    case HostFn::kTxProof:
    case HostFn::kTxProofSignals:
      return Proof(fn, params, result, gas);
    case HostFn::kBlockHeight:
    case HostFn::kBlockTime:
      if (!Charge(gas, gas::kHostCall)) return false;
      *result = fn == HostFn::kBlockHeight ? context_.block_height : context_.block_time;
      return true;
    case HostFn::kInputSize:
      if (!Charge(gas, gas::kHostCall)) return false;
      *result = static_cast<uint32_t>(context_.input.size());
      return true;
    default:
      return Data(fn, params, gas);
  }
}

// storage_read, storage_write, storage_delete.
bool HostCalls::Storage(HostFn fn, const uint64_t* params, uint64_t* result, int64_t& gas) {
  const uint64_t key_len = params[1];
  if (fn == HostFn::kStorageRead) {
    const uint64_t cap = params[3];
    if (!Charge(gas, gas::kStorageRead + key_len)) return false;
    if (key_len > limits_.max_key_bytes) return Fail(HostStop::kHostError, "storage key over the limit");
    const uint8_t* key = Mem(params[0], key_len);
    uint8_t* out = Mem(params[2], cap);
    if (key == nullptr || out == nullptr) return Fail(HostStop::kHostError, "host call out of bounds");
    std::string value;
    const ReadResult r = state_.Read(
        std::string_view(reinterpret_cast<const char*>(key), key_len), &value);
    if (r == ReadResult::kBlocked) {
      return Fail(HostStop::kBlocked, "read of an unfinished transaction's write");
    }
    if (r == ReadResult::kAbsent) {
      *result = static_cast<uint32_t>(-1);
      return true;
    }
    if (!Charge(gas, value.size() / gas::kBytesPerUnit)) return false;
    std::memcpy(out, value.data(), std::min<size_t>(cap, value.size()));
    *result = static_cast<uint32_t>(value.size());
    return true;
  }
  const bool del = fn == HostFn::kStorageDelete;
  const uint64_t value_len = del ? 0 : params[3];
  if (!Charge(gas, gas::kStorageWrite + key_len + value_len)) return false;
  if (key_len > limits_.max_key_bytes) return Fail(HostStop::kHostError, "storage key over the limit");
  if (value_len > limits_.max_value_bytes) {
    return Fail(HostStop::kHostError, "storage value over the limit");
  }
  const uint8_t* key = Mem(params[0], key_len);
  const uint8_t* value = del ? nullptr : Mem(params[2], value_len);
  if (key == nullptr || (!del && value == nullptr)) {
    return Fail(HostStop::kHostError, "host call out of bounds");
  }
  std::string_view k(reinterpret_cast<const char*>(key), key_len);
  if (del) {
    state_.Write(k, nullptr);
  } else {
    std::string v(reinterpret_cast<const char*>(value), value_len);
    state_.Write(k, &v);
  }
  return true;
}

// caller, contract_address, input_read, return_data, emit_event, revert.
bool HostCalls::Data(HostFn fn, const uint64_t* params, int64_t& gas) {
  auto oob = [&] { return Fail(HostStop::kHostError, "host call out of bounds"); };
  switch (fn) {
    case HostFn::kCaller:
    case HostFn::kContractAddress: {
      if (!Charge(gas, gas::kHostCall)) return false;
      uint8_t* out = Mem(params[0], 32);
      if (out == nullptr) return oob();
      const Hash32& src = fn == HostFn::kCaller ? context_.caller : context_.contract;
      std::memcpy(out, src.data(), 32);
      return true;
    }
    case HostFn::kInputRead: {
      const ByteView input = context_.input;
      if (!Charge(gas, gas::kHostCall + input.size() / gas::kBytesPerUnit)) return false;
      uint8_t* out = Mem(params[0], input.size());
      if (out == nullptr) return oob();
      if (!input.empty()) std::memcpy(out, input.data(), input.size());
      return true;
    }
    case HostFn::kReturnData: {
      const uint64_t len = params[1];
      if (!Charge(gas, gas::kHostCall + len / gas::kBytesPerUnit)) return false;
      if (len > limits_.max_return_bytes) return Fail(HostStop::kHostError, "return data over the limit");
      const uint8_t* p = Mem(params[0], len);
      if (p == nullptr) return oob();
      outcome_.return_data.assign(reinterpret_cast<const char*>(p), len);
      return true;
    }
    case HostFn::kEmitEvent: {
      const uint64_t topic_len = params[1], data_len = params[3];
      if (!Charge(gas, gas::kEvent + topic_len + data_len)) return false;
      if (topic_len + data_len > limits_.max_event_bytes) {
        return Fail(HostStop::kHostError, "event over the limit");
      }
      if (outcome_.events.size() >= limits_.max_events) {
        return Fail(HostStop::kHostError, "too many events");
      }
      const uint8_t* topic = Mem(params[0], topic_len);
      const uint8_t* data = Mem(params[2], data_len);
      if (topic == nullptr || data == nullptr) return oob();
      outcome_.events.push_back(
          Event{std::string(reinterpret_cast<const char*>(topic), topic_len),
                std::string(reinterpret_cast<const char*>(data), data_len)});
      return true;
    }
    case HostFn::kRevert: {
      const uint64_t len = std::min<uint64_t>(params[1], limits_.max_return_bytes);
      if (!Charge(gas, gas::kHostCall)) return false;
      const uint8_t* p = Mem(params[0], len);
      if (p == nullptr) return oob();
      return Fail(HostStop::kRevert, std::string(reinterpret_cast<const char*>(p), len));
    }
    default:
      return Fail(HostStop::kHostError, "unknown host function");
  }
}

// sha256, keccak256, ed25519_verify, secp256k1_verify.
bool HostCalls::Crypto(HostFn fn, const uint64_t* params, uint64_t* result, int64_t& gas) {
  if (fn == HostFn::kSha256 || fn == HostFn::kKeccak256) {
    const uint64_t len = params[1];
    if (!Charge(gas, gas::kHash + len / gas::kBytesPerUnit)) return false;
    const uint8_t* in = Mem(params[0], len);
    uint8_t* out = Mem(params[2], 32);
    if (in == nullptr || out == nullptr) return Fail(HostStop::kHostError, "host call out of bounds");
    uint8_t digest[32];
    if (fn == HostFn::kSha256) {
      Sha256(ByteView(in, len), digest);
    } else {
      Keccak256(ByteView(in, len), digest);
    }
    std::memcpy(out, digest, 32);
    return true;
  }
  const bool ed = fn == HostFn::kEd25519Verify;
  const uint64_t msg_len = ed ? params[1] : 32;
  if (!Charge(gas, gas::kSignatureVerify + msg_len / gas::kBytesPerUnit)) return false;
  // ed25519_verify(msg, msg_len, pk32, sig64); secp256k1_verify(hash32, pk33, sig64, 0).
  const uint8_t* msg = Mem(params[0], msg_len);
  const uint8_t* pk = Mem(ed ? params[2] : params[1], ed ? 32 : 33);
  const uint8_t* sig = Mem(ed ? params[3] : params[2], 64);
  if (msg == nullptr || pk == nullptr || sig == nullptr) {
    return Fail(HostStop::kHostError, "host call out of bounds");
  }
  const ItemStatus s =
      ed ? VerifyEd25519(ByteView(msg, msg_len), ByteView(pk, 32), ByteView(sig, 64))
         : VerifyEcdsaSecp256k1(ByteView(msg, 32), ByteView(pk, 33), ByteView(sig, 64),
                                SignatureEncoding::kCompact, false);
  *result = s == ItemStatus::kOk ? 1u : 0u;
  return true;
}

// tx_proof(key_out) -> i32 and tx_proof_signals(out).
bool HostCalls::Proof(HostFn fn, const uint64_t* params, uint64_t* result, int64_t& gas) {
  const TransactionProof* proof = context_.proof;
  if (fn == HostFn::kTxProof) {
    if (!Charge(gas, gas::kHostCall)) return false;
    uint8_t* out = Mem(params[0], 32);
    if (out == nullptr) return Fail(HostStop::kHostError, "host call out of bounds");
    if (proof == nullptr) {
      *result = static_cast<uint32_t>(-1);
      return true;
    }
    std::memcpy(out, proof->verifying_key_id.data(), 32);
    *result = static_cast<uint32_t>(proof->public_signals.size());
    return true;
  }
  const uint64_t bytes = proof == nullptr ? 0 : uint64_t{32} * proof->public_signals.size();
  if (!Charge(gas, gas::kHostCall + bytes / gas::kBytesPerUnit)) return false;
  if (proof == nullptr) return Fail(HostStop::kHostError, "no proof");
  uint8_t* out = Mem(params[0], bytes);
  if (out == nullptr) return Fail(HostStop::kHostError, "host call out of bounds");
  for (const Hash32& signal : proof->public_signals) {
    std::memcpy(out, signal.data(), 32);
    out += 32;
  }
  return true;
}

}  // namespace chainaccel::exec
