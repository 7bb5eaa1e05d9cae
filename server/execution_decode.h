// Decoding and validation of ExecutionService requests into execution-layer types, and
// encoding of its results into responses.
//
// Same conventions as server/decode.h: structure only (field sizes, enum ranges), with
// INVALID_ARGUMENT naming the field (and the transaction where one is at fault). What a
// field means (a module's rules, a height's order) is left to the ExecutionEngine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chainaccel/v1/execution.pb.h"
#include "core/status.h"
#include "core/task.h"
#include "execution/execution_engine.h"

namespace chainaccel::server {

// The gas of a read-only Call that names none (CallRequest.gas_limit 0).
inline constexpr uint64_t kDefaultCallGas = 10'000'000;

// A 32-byte field; `name` names it in the message ("contract").
Status ReadHash(const std::string& field, std::string_view name, Hash32* out);

// transactions[i] of a block.
Status DecodeTransaction(const v1::Transaction& in, size_t i, exec::Transaction* out);

// An ExecuteBlockRequest's fields that need decoding.
struct BlockArgs {
  std::optional<Hash32> parent_state_root;  // empty when the request leaves it unset
  std::vector<exec::Transaction> transactions;
};
Status DecodeExecuteBlockRequest(const v1::ExecuteBlockRequest& request, BlockArgs* out);

// A CallRequest's fields that need decoding (defaults applied).
struct CallArgs {
  Hash32 contract{};
  Hash32 caller{};  // 32 zero bytes when the request leaves it unset
  uint64_t gas_limit = kDefaultCallGas;
};
Status DecodeCallRequest(const v1::CallRequest& request, CallArgs* out);

// The height a GetStateRequest reads: empty (the latest) when it names none (0).
std::optional<uint64_t> DecodeStateHeight(const v1::GetStateRequest& request);

void EncodeReceipt(const exec::Receipt& receipt, v1::Receipt* out);
void EncodeDeployContractResponse(const Hash32& address, const Hash32& code_hash,
                                  const std::vector<std::string>& entry_points,
                                  v1::DeployContractResponse* out);
void EncodeExecuteBlockResponse(uint64_t height, const exec::BlockResult& result,
                                v1::ExecuteBlockResponse* out);
void EncodeGetStateResponse(const std::optional<std::string>& value, uint64_t height,
                            v1::GetStateResponse* out);
// Adds the root and proof of a GetState with `prove`.
void EncodeStateProof(const Hash32& root, const exec::StateProof& proof,
                      v1::GetStateResponse* out);

// "ok", "reverted", "out_of_gas", ...: a receipt status as the metrics name it.
std::string_view ReceiptStatusName(exec::ReceiptStatus status);

}  // namespace chainaccel::server
