// The host ABI of contracts (docs/execution.md, "Host ABI"): the functions a contract
// may import from module `env`, their signatures, and one implementation of each that
// both contract tiers call — WABT's interpreter (contract_vm.cc) and the ahead-of-time
// tier's compiled modules (aot_module.cc) — so that charges, limits, bounds checks and
// effects cannot differ between them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "execution/contract_vm.h"

namespace chainaccel::exec {

enum class HostFn : uint8_t {
  kStorageRead,
  kStorageWrite,
  kStorageDelete,
  kCaller,
  kContractAddress,
  kBlockHeight,
  kBlockTime,
  kInputSize,
  kInputRead,
  kReturnData,
  kEmitEvent,
  kRevert,
  kSha256,
  kKeccak256,
  kEd25519Verify,
  kSecp256k1Verify,
  kTxProof,
  kTxProofSignals,
};
inline constexpr size_t kHostFnCount = 18;

enum class HostValType : uint8_t { kI32, kI64 };

struct HostFnSpec {
  HostFn fn;
  const char* name;
  std::vector<HostValType> params;
  std::vector<HostValType> results;  // empty or one value
};

// Every host function, in HostFn order.
const std::vector<HostFnSpec>& HostAbi();
// The host function `module`.`name`, or nullptr when the ABI has none.
const HostFnSpec* FindHostFn(std::string_view module, std::string_view name);

// Why a host call stopped the contract.
enum class HostStop : uint8_t { kNone, kRevert, kOutOfGas, kBlocked, kHostError };

// The host side of one contract call. Not thread-safe; lives for one call.
class HostCalls {
 public:
  // All four must outlive this object.
  HostCalls(const CallContext& context, HostState& state, const VmLimits& limits,
            CallOutcome& outcome)
      : context_(context), state_(state), limits_(limits), outcome_(outcome) {}

  // Runs `fn`. params[i] holds the i-th argument (an i32 as its unsigned 32 bits);
  // *result gets the result, if the function has one. `memory` and `memory_size` are
  // the contract's linear memory as it is now; `gas` is the call's gas counter, charged
  // as docs/execution.md says. Returns false when the contract must stop (trap): stop()
  // and stop_message() say why. After the first stop the call must not go on.
  bool Call(HostFn fn, const uint64_t* params, uint64_t* result, uint8_t* memory,
            uint64_t memory_size, int64_t& gas);

  HostStop stop() const { return stop_; }
  const std::string& stop_message() const { return stop_message_; }

 private:
  bool Charge(int64_t& gas, uint64_t cost);
  bool Fail(HostStop stop, std::string message);
  bool Storage(HostFn fn, const uint64_t* params, uint64_t* result, int64_t& gas);
  bool Data(HostFn fn, const uint64_t* params, int64_t& gas);
  bool Crypto(HostFn fn, const uint64_t* params, uint64_t* result, int64_t& gas);
  bool Proof(HostFn fn, const uint64_t* params, uint64_t* result, int64_t& gas);
  // The contract's bytes [ptr, ptr + len), or nullptr when out of bounds.
  uint8_t* Mem(uint64_t ptr, uint64_t len) const {
    if (ptr + len > memory_size_) return nullptr;
    return memory_ + ptr;
  }

  const CallContext& context_;
  HostState& state_;
  const VmLimits& limits_;
  CallOutcome& outcome_;
  uint8_t* memory_ = nullptr;
  uint64_t memory_size_ = 0;
  HostStop stop_ = HostStop::kNone;
  std::string stop_message_;
};

}  // namespace chainaccel::exec
