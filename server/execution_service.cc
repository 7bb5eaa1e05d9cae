#include "server/execution_service.h"

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/call_frame.h"
#include "server/decode.h"
#include "server/execution_decode.h"

namespace chainaccel::server {
namespace {

// What a successful call adds to the items of its AdminService counters.
uint64_t OneItem(const google::protobuf::Message&) { return 1; }
uint64_t BlockItems(const v1::ExecuteBlockRequest& request) {
  return static_cast<uint64_t>(request.transactions_size());
}

// A committed block in the execution metrics: its height and executor figures, where
// its time went, its receipts by status.
void RecordBlock(uint64_t height, const exec::BlockResult& result, Metrics& metrics) {
  metrics.RecordBlock(height, result.stats.executions, result.stats.aborts);
  metrics.RecordBlockPhases(result.timings.verify_seconds, result.timings.proof_seconds,
                            result.timings.execute_seconds,
                            result.timings.root_seconds, result.timings.commit_seconds);
  std::map<std::string_view, uint64_t> by_status;
  for (const exec::Receipt& r : result.receipts) ++by_status[ReceiptStatusName(r.status)];
  for (const auto& [status, count] : by_status) metrics.RecordTransactions(status, count);
}

}  // namespace

ExecutionServiceImpl::ExecutionServiceImpl(ServingState& state, exec::ExecutionEngine& engine,
                                           size_t workers)
    : state_(state), engine_(engine), workers_(workers) {}
ExecutionServiceImpl::~ExecutionServiceImpl() = default;

grpc::ServerUnaryReactor* ExecutionServiceImpl::DeployContract(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeOnWorkers<v1::DeployContractRequest, v1::DeployContractResponse>(
      state_, context, "DeployContract", state_.counters_of(ExecutionCall::kDeployContract),
      workers_, request, response, OneItem,
      [this](const v1::DeployContractRequest& r, v1::DeployContractResponse* out) {
        Hash32 address, code_hash;
        std::vector<std::string> entry_points;
        Status s = engine_.Deploy(AsBytes(r.wasm()), AsBytes(r.salt()), &address, &code_hash,
                                  &entry_points);
        if (s.ok()) EncodeDeployContractResponse(address, code_hash, entry_points, out);
        return s;
      });
}

grpc::ServerUnaryReactor* ExecutionServiceImpl::ExecuteBlock(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeOnWorkers<v1::ExecuteBlockRequest, v1::ExecuteBlockResponse>(
      state_, context, "ExecuteBlock", state_.counters_of(ExecutionCall::kExecuteBlock),
      workers_, request, response, BlockItems,
      [this](const v1::ExecuteBlockRequest& r, v1::ExecuteBlockResponse* out) {
        BlockArgs args;
        Status s = DecodeExecuteBlockRequest(r, &args);
        exec::BlockResult result;
        if (s.ok()) {
          s = engine_.ExecuteBlock(r.height(), r.time(), args.parent_state_root,
                                   std::move(args.transactions), &result);
        }
        if (!s.ok()) return s;
        RecordBlock(r.height(), result, *state_.metrics);
        EncodeExecuteBlockResponse(r.height(), result, out);
        return Status::Ok();
      });
}

grpc::ServerUnaryReactor* ExecutionServiceImpl::Call(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) {
  return ServeOnWorkers<v1::CallRequest, v1::CallResponse>(
      state_, context, "Call", state_.counters_of(ExecutionCall::kCall), workers_, request,
      response, OneItem, [this](const v1::CallRequest& r, v1::CallResponse* out) {
        CallArgs args;
        Status s = DecodeCallRequest(r, &args);
        exec::Receipt receipt;
        uint64_t height = 0;
        if (s.ok()) {
          s = engine_.Call(args.contract, r.function(), AsBytes(r.input()), args.gas_limit,
                           args.caller, &receipt, &height);
        }
        if (!s.ok()) return s;
        EncodeReceipt(receipt, out->mutable_receipt());
        out->set_height(height);
        return Status::Ok();
      });
}

grpc::ServerUnaryReactor* ExecutionServiceImpl::GetState(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return ServeOnWorkers<v1::GetStateRequest, v1::GetStateResponse>(
      state_, context, "GetState", state_.counters_of(ExecutionCall::kGetState), workers_,
      request, response, OneItem, [this](const v1::GetStateRequest& r, v1::GetStateResponse* out) {
        std::optional<std::string> value;
        uint64_t height = 0;
        if (!r.prove()) {
          Status s = engine_.GetState(r.key(), DecodeStateHeight(r), &value, &height);
          if (s.ok()) EncodeGetStateResponse(value, height, out);
          return s;
        }
        exec::StateProof proof;
        Hash32 root;
        Status s = engine_.ProveState(r.key(), DecodeStateHeight(r), &value, &height, &proof, &root);
        if (!s.ok()) return s;
        EncodeGetStateResponse(value, height, out);
        EncodeStateProof(root, proof, out);
        return s;
      });
}

}  // namespace chainaccel::server
