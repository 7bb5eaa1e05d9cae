// ExecutionService through the shared call frame (server/call_frame.h): its calls count
// toward max_inflight_requests and in AdminService's counters, a call whose client gave
// up is not run, and bytes that are not a request get INVALID_ARGUMENT naming the type.
#include <catch2/catch.hpp>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "engines/engine.h"
#include "execution/execution_engine.h"
#include "reference.h"
#include "server/execution_service.h"
#include "server/metrics.h"
#include "server/serving_state.h"
#include "test_server.h"

namespace chainaccel::server {
namespace {

// The smallest contract the VM accepts: one memory exported as "memory" and an empty
// entry point run: () -> ().
std::string EmptyContract() {
  return std::string(
      "\x00\x61\x73\x6d\x01\x00\x00\x00"                          // magic, version 1
      "\x01\x04\x01\x60\x00\x00"                                  // type 0: () -> ()
      "\x03\x02\x01\x00"                                          // function 0: type 0
      "\x05\x03\x01\x00\x01"                                      // memory: 1 page
      "\x07\x10\x02\x03run\x00\x00\x06memory\x02\x00"            // exports
      "\x0a\x04\x01\x02\x00\x0b",                                 // body of run: end
      8 + 6 + 4 + 5 + 18 + 6);
}

v1::DeployContractRequest Deploy(const std::string& salt) {
  v1::DeployContractRequest request;
  request.set_wasm(EmptyContract());
  request.set_salt(salt);
  return request;
}

// A block of one transaction whose signature does not verify: it waits for its
// signature batch on the CPU engine, then commits with a BAD_SIGNATURE receipt.
v1::ExecuteBlockRequest OneTransactionBlock(uint64_t height, std::mt19937_64& rng) {
  v1::ExecuteBlockRequest block;
  block.set_height(height);
  v1::Transaction* tx = block.add_transactions();
  tx->set_scheme(v1::TX_SIGNATURE_SCHEME_ED25519);
  tx->set_public_key(testing::RandomBytes(rng, 32));
  tx->set_signature(testing::RandomBytes(rng, 64));
  tx->set_contract(std::string(32, '\x01'));
  tx->set_function("run");
  tx->set_gas_limit(100000);
  return block;
}

v1::GetStatusResponse AdminStatus(TestServer& t) {
  v1::GetStatusResponse status;
  REQUIRE(t.admin->GetStatus(Context().get(), {}, &status).ok());
  return status;
}

// Polls `done` every 2 ms for up to 10 s; false if it never holds.
bool WaitUntil(const std::function<bool()>& done) {
  for (int i = 0; i < 5000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

// Waits (up to 10 s) until the daemon serves `n` requests; false if it never does.
bool WaitInFlight(TestServer& t, uint64_t n) {
  return WaitUntil([&] { return AdminStatus(t).in_flight_requests() == n; });
}

const v1::TaskCounters& Counters(const v1::GetStatusResponse& status, const std::string& task) {
  for (const v1::TaskCounters& c : status.tasks()) {
    if (c.task() == task) return c;
  }
  FAIL("no counters for " << task);
  return status.tasks(0);
}

// The daemon with one CPU worker, which one batch can hold.
Config OneCpuWorker(size_t max_inflight_requests) {
  Config config = TestServer::DefaultConfig();
  config.threads = 1;
  config.scheduler.cpu_batches_in_flight = 1;  // one batch at a time: the next one queues
  config.limits.max_inflight_requests = max_inflight_requests;
  return config;
}

// A signature batch that holds the only CPU worker for a few seconds.
class BusyCpu {
 public:
  // Returns when the daemon has the batch in flight (with nothing else).
  BusyCpu(TestServer& t, std::mt19937_64& rng) : request_(RepeatedEd25519Batch(rng, 80000)) {
    t.signature->async()->Verify(context_.get(), &request_, &response_,
                                 [this](grpc::Status s) { done_.set_value(s); });
    REQUIRE(WaitInFlight(t, 1));
    // In flight counts from arrival; parsing the 10 MB request takes a few milliseconds
    // more before the batch holds the worker.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  // Waits for the batch; true when it succeeded.
  bool Done() { return done_.get_future().get().ok() && response_.valid_count() == 80000; }

 private:
  v1::VerifyRequest request_;
  v1::VerifyResponse response_;
  std::unique_ptr<grpc::ClientContext> context_ = Context();
  std::promise<grpc::Status> done_;
};

// An ExecuteBlock sent with the callback API. `block` must outlive the call.
class PendingBlock {
 public:
  PendingBlock(v1::ExecutionService::Stub& stub, const v1::ExecuteBlockRequest& block) {
    stub.async()->ExecuteBlock(context_.get(), &block, &response_,
                               [this](grpc::Status s) { done_.set_value(s); });
  }
  grpc::Status Wait() { return done_.get_future().get(); }
  const v1::ExecuteBlockResponse& response() const { return response_; }

 private:
  v1::ExecuteBlockResponse response_;
  std::unique_ptr<grpc::ClientContext> context_ = Context();
  std::promise<grpc::Status> done_;
};

TEST_CASE("Execution calls count toward max_inflight_requests", "[grpc][execution]") {
  TestServer t(OneCpuWorker(/*max_inflight_requests=*/2));
  std::mt19937_64 rng(TestSeed());

  BusyCpu busy(t, rng);
  // The block waits behind the busy batch for its signatures: two requests in flight.
  const v1::ExecuteBlockRequest block = OneTransactionBlock(1, rng);
  PendingBlock pending(*t.execution, block);
  REQUIRE(WaitInFlight(t, 2));

  // Over the limit: an execution call is refused like a batch ...
  v1::GetStateRequest get;
  get.set_key("k");
  v1::GetStateResponse get_response;
  grpc::Status s = t.execution->GetState(Context().get(), get, &get_response);
  INFO(s.error_code() << ": " << s.error_message());
  CHECK(s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK_THAT(s.error_message(), Catch::Contains("limit of 2 requests"));
  // ... and the block in flight holds a slot that a batch cannot have.
  v1::HashRequest hash;
  hash.set_algorithm(v1::HASH_ALGORITHM_SHA256);
  hash.mutable_messages()->set_data("abc");
  hash.mutable_messages()->set_item_size(3);
  v1::HashResponse hash_response;
  s = t.hash->Hash(Context().get(), hash, &hash_response);
  CHECK(s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);

  REQUIRE(busy.Done());
  s = pending.Wait();
  INFO(s.error_code() << ": " << s.error_message());
  REQUIRE(s.ok());
  REQUIRE(pending.response().receipts_size() == 1);
  CHECK(pending.response().receipts(0).status() == v1::RECEIPT_STATUS_BAD_SIGNATURE);
  REQUIRE(WaitInFlight(t, 0));

  // Everything fits again.
  CHECK(t.execution->GetState(Context().get(), get, &get_response).ok());
  const v1::GetStatusResponse status = AdminStatus(t);
  CHECK(Counters(status, "get_state").requests() == 2);
  CHECK(Counters(status, "get_state").failed_requests() == 1);
  CHECK(Counters(status, "execute_block").requests() == 1);
  CHECK(Counters(status, "execute_block").failed_requests() == 0);
  CHECK(Counters(status, "hash").failed_requests() == 1);
}

TEST_CASE("Execution calls appear in AdminService's counters and the RPC metrics",
          "[grpc][execution]") {
  TestServer t;
  std::mt19937_64 rng(TestSeed());

  v1::DeployContractResponse deployed;
  grpc::Status s = t.execution->DeployContract(Context().get(), Deploy("a"), &deployed);
  INFO(s.error_code() << ": " << s.error_message());
  REQUIRE(s.ok());
  CHECK(deployed.address().size() == 32);
  v1::DeployContractRequest bad;
  bad.set_wasm("not wasm");
  CHECK(t.execution->DeployContract(Context().get(), bad, &deployed).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);

  v1::ExecuteBlockRequest block = OneTransactionBlock(1, rng);
  *block.add_transactions() = block.transactions(0);
  *block.add_transactions() = block.transactions(0);
  v1::ExecuteBlockResponse block_response;
  REQUIRE(t.execution->ExecuteBlock(Context().get(), block, &block_response).ok());
  CHECK(block_response.receipts_size() == 3);
  // Replayed height.
  CHECK(t.execution->ExecuteBlock(Context().get(), block, &block_response).error_code() ==
        grpc::StatusCode::FAILED_PRECONDITION);

  v1::CallRequest call;
  call.set_contract(deployed.address());
  call.set_function("run");
  v1::CallResponse call_response;
  REQUIRE(t.execution->Call(Context().get(), call, &call_response).ok());
  CHECK(call_response.receipt().status() == v1::RECEIPT_STATUS_OK);
  CHECK(call_response.height() == 1);
  call.set_contract("short");
  s = t.execution->Call(Context().get(), call, &call_response);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(s.error_message() == "contract must be 32 bytes, not 5");

  v1::GetStateRequest get;
  get.set_key("k");
  v1::GetStateResponse get_response;
  REQUIRE(t.execution->GetState(Context().get(), get, &get_response).ok());
  CHECK_FALSE(get_response.found());
  CHECK(get_response.height() == 1);

  const v1::GetStatusResponse status = AdminStatus(t);
  CHECK(status.in_flight_requests() == 0);
  const v1::TaskCounters& deploys = Counters(status, "deploy_contract");
  CHECK(deploys.requests() == 2);
  CHECK(deploys.failed_requests() == 1);
  CHECK(deploys.items() == 1);
  const v1::TaskCounters& blocks = Counters(status, "execute_block");
  CHECK(blocks.requests() == 2);
  CHECK(blocks.failed_requests() == 1);
  CHECK(blocks.items() == 3);  // the committed block's transactions
  const v1::TaskCounters& calls = Counters(status, "call");
  CHECK(calls.requests() == 2);
  CHECK(calls.failed_requests() == 1);
  CHECK(calls.items() == 1);
  CHECK(Counters(status, "get_state").requests() == 1);
  CHECK(Counters(status, "get_state").failed_requests() == 0);
  CHECK(Counters(status, "hash").requests() == 0);

  const std::string metrics = HttpGet(t.server().metrics_address(), "/metrics");
  CHECK_THAT(metrics, Catch::Contains(
                          "chainaccel_requests_total{code=\"OK\",method=\"DeployContract\"} 1"));
  CHECK_THAT(metrics, Catch::Contains("chainaccel_requests_total{code=\"FAILED_PRECONDITION\","
                                      "method=\"ExecuteBlock\"} 1"));
  CHECK_THAT(metrics, Catch::Contains("chainaccel_received_bytes_total{method=\"GetState\"}"));
  CHECK_THAT(metrics, Catch::Contains("chainaccel_in_flight_requests 0"));
  CHECK_THAT(metrics, Catch::Contains("chainaccel_execution_transactions_total{status="
                                      "\"bad_signature\"} 3"));
}

// An engine whose batches wait in Run until the test opens it, and then fail
// (UNAVAILABLE): a block verifying its signatures on it holds its execution worker
// exactly until the test lets it go.
class GateEngine final : public Engine {
 public:
  const EngineInfo& info() const override { return info_; }
  bool Supports(TaskType) const override { return true; }
  EngineStats stats() const override { return {}; }
  Status Run(Task&) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
    return Status::Unavailable("the gate engine runs nothing");
  }
  // True once a batch waits in Run (within 60 s).
  bool WaitForBatch() {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(60), [this] { return waiting_ > 0; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  const EngineInfo info_ = [] {
    EngineInfo info;
    info.name = "gate";
    return info;
  }();
  std::mutex mu_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool open_ = false;
};

// ExecutionService alone in a gRPC server on loopback, with one worker thread and its
// execution engine's signature batches on a GateEngine: what occupies the worker, and
// until when, is up to the test, not to how fast the machine is.
class OneWorkerExecutionService {
 public:
  OneWorkerExecutionService() {
    std::error_code ec;
    std::filesystem::remove_all(db_path_, ec);  // left by a crashed run of the same pid
    state.metrics = &metrics_;
    exec::ExecutionOptions options;
    options.db_path = db_path_;
    Status s = exec::ExecutionEngine::Open(options, &gate, &engine_);
    INFO(s.ToString());
    REQUIRE(s.ok());
    service_ = std::make_unique<ExecutionServiceImpl>(state, *engine_, /*workers=*/1);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    REQUIRE(server_ != nullptr);
    REQUIRE(port != 0);
    stub = v1::ExecutionService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  }
  ~OneWorkerExecutionService() {
    gate.Open();
    server_->Shutdown();
    service_.reset();
    engine_.reset();
    std::error_code ec;
    std::filesystem::remove_all(db_path_, ec);
  }

  GateEngine gate;
  ServingState state;
  std::unique_ptr<v1::ExecutionService::Stub> stub;

 private:
  const std::string db_path_ = (std::filesystem::temp_directory_path() /
                                ("chainaccel-test-gate-" + std::to_string(::getpid())))
                                   .string();
  Metrics metrics_;
  std::unique_ptr<exec::ExecutionEngine> engine_;
  std::unique_ptr<ExecutionServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
};

TEST_CASE("An execution call whose client gave up is not run", "[grpc][execution]") {
  OneWorkerExecutionService s;
  std::mt19937_64 rng(TestSeed());

  // The only worker runs a block that waits for its signatures at the closed gate.
  const v1::ExecuteBlockRequest block = OneTransactionBlock(1, rng);
  PendingBlock first(*s.stub, block);
  REQUIRE(s.gate.WaitForBatch());

  // This deployment waits behind the block for the worker, and its deadline passes
  // there: nothing can answer it before, the worker is held.
  constexpr auto kDeadline = std::chrono::milliseconds(50);
  const v1::DeployContractRequest late = Deploy("late");
  v1::DeployContractResponse deployed;
  grpc::ClientContext late_context;
  late_context.set_deadline(std::chrono::system_clock::now() + kDeadline);
  std::promise<grpc::Status> late_done;
  s.stub->async()->DeployContract(&late_context, &late, &deployed,
                                  [&](grpc::Status status) { late_done.set_value(status); });
  CHECK(late_done.get_future().get().error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  // The daemon has it (admitted, queued for the worker; it stays in flight until the
  // worker takes it) ...
  REQUIRE(WaitUntil([&] { return s.state.in_flight.load() == 2; }));
  // ... and its deadline there is at most kDeadline after it arrived (gRPC sends the
  // time left, in whole milliseconds rounded up, and the daemon counts from arrival):
  // past once kDeadline + 1 ms have gone since now.
  std::this_thread::sleep_for(kDeadline + std::chrono::milliseconds(1));

  s.gate.Open();
  CHECK(first.Wait().error_code() == grpc::StatusCode::UNAVAILABLE);  // the gate's failure
  REQUIRE(WaitUntil([&] { return s.state.in_flight.load() == 0; }));
  const TaskCounters& deploys = s.state.counters_of(ExecutionCall::kDeployContract);
  CHECK(deploys.requests.load() == 1);
  CHECK(deploys.failed_requests.load() == 1);
  // The late deployment never ran: the same code and salt deploy now (a second deployment
  // at one address is FAILED_PRECONDITION).
  const grpc::Status again = s.stub->DeployContract(Context().get(), late, &deployed);
  INFO(again.error_code() << ": " << again.error_message());
  CHECK(again.ok());
}

TEST_CASE("Execution requests that are not protobuf get INVALID_ARGUMENT naming the type",
          "[grpc][execution][bad]") {
  TestServer t;
  const std::string garbage("\x0a\x64\xff\xfe\x00garbage", 10);
  for (const auto& [method, type] :
       {std::pair{"DeployContract", "DeployContractRequest"},
        std::pair{"ExecuteBlock", "ExecuteBlockRequest"}, std::pair{"Call", "CallRequest"},
        std::pair{"GetState", "GetStateRequest"}}) {
    auto [status, response] = RawUnaryCall(
        t.channel(), std::string("/chainaccel.v1.ExecutionService/") + method, garbage);
    INFO(method << ": " << status.error_code() << " " << status.error_message());
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(status.error_message(),
               Catch::Contains(std::string("not a valid chainaccel.v1.") + type));
  }
  const v1::GetStatusResponse status = AdminStatus(t);
  CHECK(Counters(status, "execute_block").failed_requests() == 1);
  CHECK(t.Serving());
}

}  // namespace
}  // namespace chainaccel::server
