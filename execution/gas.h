// Gas schedule of the contract VM. docs/execution.md ("Gas") is the specification; these
// constants are its numbers. Changing one changes every receipt's gas_used.
#pragma once

#include <cstdint>

namespace chainaccel::exec::gas {

// Every WebAssembly instruction costs 1 (charged per straight-line segment on entry).
inline constexpr uint64_t kInstruction = 1;
// Host calls: a base price, plus 1 per kBytesPerUnit bytes moved where stated.
inline constexpr uint64_t kHostCall = 20;
inline constexpr uint64_t kBytesPerUnit = 8;
inline constexpr uint64_t kStorageRead = 200;   // + key bytes + value bytes / 8
inline constexpr uint64_t kStorageWrite = 500;  // + key bytes + value bytes
inline constexpr uint64_t kEvent = 100;         // + topic bytes + data bytes
inline constexpr uint64_t kHash = 60;           // + input bytes / 8
inline constexpr uint64_t kSignatureVerify = 3000;  // + message bytes / 8
// The verifying-key registry's "register": + input bytes (docs/execution.md,
// "Proof-carrying transactions").
inline constexpr uint64_t kKeyRegistration = 20000;
// A transaction's gas limit is capped here (the gas counter is a signed 64-bit value).
inline constexpr uint64_t kMaxGasLimit = uint64_t{1} << 48;

}  // namespace chainaccel::exec::gas
