#include "server/execution_service.h"

#include <chrono>
#include <cstring>
#include <map>
#include <string_view>
#include <utility>

#include "server/grpc_status.h"

namespace chainaccel::server {
namespace {

// Default gas of a read-only Call that names none.
constexpr uint64_t kDefaultCallGas = 10'000'000;

ByteView Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Status ReadHash(const std::string& field, std::string_view name, Hash32* out) {
  if (field.size() != 32) {
    return Status::InvalidArgument(std::string(name) + " must be 32 bytes, not " +
                                   std::to_string(field.size()));
  }
  std::memcpy(out->data(), field.data(), 32);
  return Status::Ok();
}

Status DecodeTransaction(const v1::Transaction& in, size_t i, exec::Transaction* out) {
  const std::string where = "transactions[" + std::to_string(i) + "]";
  if (in.scheme() != v1::TX_SIGNATURE_SCHEME_ED25519 &&
      in.scheme() != v1::TX_SIGNATURE_SCHEME_SECP256K1) {
    return Status::InvalidArgument(where + ".scheme must be ED25519 or SECP256K1");
  }
  out->scheme = static_cast<exec::TxScheme>(in.scheme());
  Status s = ReadHash(in.contract(), where + ".contract", &out->contract);
  if (!s.ok()) return s;
  out->public_key = in.public_key();
  out->signature = in.signature();
  out->function = in.function();
  out->input = in.input();
  out->gas_limit = in.gas_limit();
  out->nonce = in.nonce();
  return Status::Ok();
}

void EncodeReceipt(const exec::Receipt& r, v1::Receipt* out) {
  out->set_status(static_cast<v1::ReceiptStatus>(r.status));
  out->set_gas_used(r.gas_used);
  out->set_return_data(r.return_data);
  for (const exec::Event& e : r.events) {
    v1::Event* ev = out->add_events();
    ev->set_topic(e.topic);
    ev->set_data(e.data);
  }
  out->set_message(r.message);
}

std::string_view ReceiptStatusName(exec::ReceiptStatus status) {
  switch (status) {
    case exec::ReceiptStatus::kOk: return "ok";
    case exec::ReceiptStatus::kReverted: return "reverted";
    case exec::ReceiptStatus::kOutOfGas: return "out_of_gas";
    case exec::ReceiptStatus::kTrapped: return "trapped";
    case exec::ReceiptStatus::kBadSignature: return "bad_signature";
    case exec::ReceiptStatus::kUnknownContract: return "unknown_contract";
  }
  return "unspecified";
}

// Runs fn() on the workers, finishes the call with its status and records the RPC.
template <typename Request, typename Response, typename Fn>
grpc::ServerUnaryReactor* RunOn(ThreadPool& workers, Metrics& metrics, const char* method,
                                grpc::CallbackServerContext* context, const Request* request,
                                Response* response, Fn fn) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const auto start = std::chrono::steady_clock::now();
  metrics.AddInFlight(1);
  workers.Post([=, &metrics, fn = std::move(fn)]() mutable {
    const Status s = fn();
    metrics.RecordRequest(
        method, StatusCodeName(s.code()),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
        request->ByteSizeLong(), s.ok() ? response->ByteSizeLong() : 0);
    metrics.AddInFlight(-1);
    reactor->Finish(ToGrpcStatus(s));
  });
  return reactor;
}

}  // namespace

ExecutionServiceImpl::ExecutionServiceImpl(exec::ExecutionEngine& engine, Metrics& metrics)
    : engine_(engine), metrics_(metrics) {}
ExecutionServiceImpl::~ExecutionServiceImpl() = default;

grpc::ServerUnaryReactor* ExecutionServiceImpl::DeployContract(
    grpc::CallbackServerContext* context, const v1::DeployContractRequest* request,
    v1::DeployContractResponse* response) {
  return RunOn(workers_, metrics_, "DeployContract", context, request, response,
               [this, request, response]() {
    Hash32 address, code_hash;
    std::vector<std::string> entry_points;
    Status s = engine_.Deploy(Bytes(request->wasm()), Bytes(request->salt()), &address,
                              &code_hash, &entry_points);
    if (!s.ok()) return s;
    response->set_address(address.data(), address.size());
    response->set_code_hash(code_hash.data(), code_hash.size());
    for (const std::string& e : entry_points) response->add_entry_points(e);
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* ExecutionServiceImpl::ExecuteBlock(
    grpc::CallbackServerContext* context, const v1::ExecuteBlockRequest* request,
    v1::ExecuteBlockResponse* response) {
  return RunOn(workers_, metrics_, "ExecuteBlock", context, request, response,
               [this, request, response]() {
    std::optional<Hash32> parent;
    if (!request->parent_state_root().empty()) {
      parent.emplace();
      Status s = ReadHash(request->parent_state_root(), "parent_state_root", &*parent);
      if (!s.ok()) return s;
    }
    std::vector<exec::Transaction> txs(request->transactions_size());
    for (int i = 0; i < request->transactions_size(); ++i) {
      Status s = DecodeTransaction(request->transactions(i), i, &txs[i]);
      if (!s.ok()) return s;
    }
    exec::BlockResult result;
    Status s = engine_.ExecuteBlock(request->height(), request->time(), parent, std::move(txs),
                                    &result);
    if (!s.ok()) return s;
    std::map<std::string_view, uint64_t> by_status;
    for (const exec::Receipt& r : result.receipts) {
      EncodeReceipt(r, response->add_receipts());
      ++by_status[ReceiptStatusName(r.status)];
    }
    metrics_.RecordBlock(request->height(), result.stats.executions, result.stats.aborts);
    metrics_.RecordBlockPhases(result.timings.verify_seconds, result.timings.execute_seconds,
                               result.timings.root_seconds, result.timings.commit_seconds);
    for (const auto& [status, count] : by_status) metrics_.RecordTransactions(status, count);
    response->set_state_root(result.state_root.data(), result.state_root.size());
    response->set_height(request->height());
    response->set_gas_used(result.gas_used);
    response->set_executor(result.executor);
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* ExecutionServiceImpl::Call(grpc::CallbackServerContext* context,
                                                     const v1::CallRequest* request,
                                                     v1::CallResponse* response) {
  return RunOn(workers_, metrics_, "Call", context, request, response,
               [this, request, response]() {
    Hash32 contract, caller{};
    Status s = ReadHash(request->contract(), "contract", &contract);
    if (s.ok() && !request->caller().empty()) s = ReadHash(request->caller(), "caller", &caller);
    if (!s.ok()) return s;
    exec::Receipt receipt;
    const uint64_t gas = request->gas_limit() == 0 ? kDefaultCallGas : request->gas_limit();
    uint64_t height = 0;
    s = engine_.Call(contract, request->function(), Bytes(request->input()), gas, caller,
                     &receipt, &height);
    if (!s.ok()) return s;
    EncodeReceipt(receipt, response->mutable_receipt());
    response->set_height(height);
    return Status::Ok();
  });
}

grpc::ServerUnaryReactor* ExecutionServiceImpl::GetState(grpc::CallbackServerContext* context,
                                                         const v1::GetStateRequest* request,
                                                         v1::GetStateResponse* response) {
  return RunOn(workers_, metrics_, "GetState", context, request, response,
               [this, request, response]() {
    std::optional<std::string> value;
    uint64_t height = 0;
    std::optional<uint64_t> at;
    if (request->height() != 0) at = request->height();
    Status s = engine_.GetState(request->key(), at, &value, &height);
    if (!s.ok()) return s;
    response->set_found(value.has_value());
    if (value) response->set_value(*value);
    response->set_height(height);
    return Status::Ok();
  });
}

}  // namespace chainaccel::server
