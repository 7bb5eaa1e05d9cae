// ExecutionService in-process (server::Server on 127.0.0.1:0) while the disk refuses the
// execution database's writes: a real file-system failure, no test seam. RLIMIT_FSIZE is
// lowered for the test process (SIGXFSZ ignored), so a write that would extend a regular
// file past it fails with EFBIG, as on a full disk: at 0 RocksDB's log append fails
// whole; a few bytes above the log's size, the block's record is torn.
// The daemon's storage seam (ExecutionOptions::storage_env) is not reachable from here:
// the server builds its ExecutionOptions from its Config, which has no such field (a
// production flag it should not grow), so this test uses the operating system instead.
#include <catch2/catch.hpp>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "chainaccel/v1/execution.grpc.pb.h"
#include "execution/testing/temp_dir.h"
#include "execution/testing/transactions.h"
#include "execution/testing/wat.h"
#include "server/server.h"
#include "tests/support/random.h"

namespace chainaccel::exec {
namespace {

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  return c;
}

v1::Transaction ToProto(const Transaction& tx) {
  v1::Transaction t;
  t.set_scheme(static_cast<v1::TxSignatureScheme>(tx.scheme));
  t.set_public_key(tx.public_key);
  t.set_signature(tx.signature);
  t.set_contract(tx.contract.data(), tx.contract.size());
  t.set_function(tx.function);
  t.set_input(tx.input);
  t.set_gas_limit(tx.gas_limit);
  t.set_nonce(tx.nonce);
  return t;
}

// While alive, no regular file of this process may grow past `limit` bytes
// (RLIMIT_FSIZE; SIGXFSZ ignored so that the write fails with EFBIG instead of killing the
// process). A write that crosses the limit writes up to it: a torn write.
class FilesCannotGrow {
 public:
  explicit FilesCannotGrow(rlim_t limit) {
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_) == 0);
    rlimit none = old_;
    none.rlim_cur = limit;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &none) == 0);
  }
  ~FilesCannotGrow() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    ::signal(SIGXFSZ, old_handler_);
  }
  FilesCannotGrow(const FilesCannotGrow&) = delete;
  FilesCannotGrow& operator=(const FilesCannotGrow&) = delete;

 private:
  rlimit old_{};
  sighandler_t old_handler_ = SIG_DFL;
};

TEST_CASE("ExecutionService: a block the disk refuses is INTERNAL, changes nothing, and the "
          "daemon goes on serving",
          "[server][fault]") {
  const bool torn = GENERATE(false, true);
  INFO((torn ? "torn record" : "nothing written"));
  auto rng = chainaccel::testing::MakeRng("execution storage fault through the server");
  testing::TempDir dir;
  server::Config config;
  config.listen = "127.0.0.1:0";
  config.metrics_listen = "127.0.0.1:0";
  config.threads = 2;
  config.scheduler.calibration_seconds = 0;
  config.data_dir = dir.Sub("data");
  config.execution_db = dir.Sub("execution");
  config.log_level = "warn";
  auto server = std::make_unique<server::Server>(config);
  Status started = server->Start();
  INFO(started.ToString());
  REQUIRE(started.ok());
  auto channel = grpc::CreateChannel(server->grpc_address(), grpc::InsecureChannelCredentials());
  auto stub = v1::ExecutionService::NewStub(channel);

  v1::DeployContractRequest deploy;
  const auto wasm = testing::ExampleContract("counter");
  deploy.set_wasm(wasm.data(), wasm.size());
  v1::DeployContractResponse deployed;
  REQUIRE(stub->DeployContract(Ctx().get(), deploy, &deployed).ok());
  Hash32 counter;
  REQUIRE(deployed.address().size() == 32);
  std::copy(deployed.address().begin(), deployed.address().end(), counter.begin());
  const testing::Account user = testing::MakeAccount(rng);
  uint64_t nonce = 0;
  auto block = [&](uint64_t height, const std::string& parent_root) {
    v1::ExecuteBlockRequest req;
    req.set_height(height);
    req.set_time(1000 + height);
    req.set_parent_state_root(parent_root);
    *req.add_transactions() = ToProto(testing::SignedCall(user, counter, "increment", "", 100000, nonce++));
    return req;
  };
  auto count = [&](uint64_t* height) {
    v1::CallRequest call;
    call.set_contract(counter.data(), counter.size());
    call.set_function("get");
    call.set_gas_limit(100000);
    v1::CallResponse r;
    REQUIRE(stub->Call(Ctx().get(), call, &r).ok());
    *height = r.height();
    return testing::ParseU64(r.receipt().return_data());
  };
  const std::string count_key = StateKey(counter, "count");
  auto stored = [&](uint64_t at_height) {
    v1::GetStateRequest get;
    get.set_key(count_key);
    get.set_height(at_height);
    v1::GetStateResponse r;
    grpc::Status s = stub->GetState(Ctx().get(), get, &r);
    INFO(s.error_message());
    REQUIRE(s.ok());
    REQUIRE(r.found());
    return testing::ParseU64(r.value());
  };

  v1::ExecuteBlockResponse b1;
  REQUIRE(stub->ExecuteBlock(Ctx().get(), block(1, ""), &b1).ok());
  v1::ExecuteBlockResponse b2;
  REQUIRE(stub->ExecuteBlock(Ctx().get(), block(2, b1.state_root()), &b2).ok());
  uint64_t height = 0;
  REQUIRE(count(&height) == 2);

  const v1::ExecuteBlockRequest block3 = block(3, b2.state_root());
  {
    rlim_t limit = 0;
    if (torn) {
      // The write-ahead log: the one "*.log" file of the database.
      for (const auto& f : std::filesystem::directory_iterator(config.execution_db)) {
        if (f.path().extension() == ".log") limit = std::max<rlim_t>(limit, f.file_size() + 20);
      }
      REQUIRE(limit > 20);
    }
    std::optional<FilesCannotGrow> full_disk(std::in_place, limit);
    for (int attempt = 0; attempt < 2; ++attempt) {
      // After a torn record the disk fills up: whether the reopening after the first
      // failure fitted under `limit` (its files' sizes against the log's) no longer
      // decides whether the second attempt has room.
      if (attempt == 1 && torn) full_disk.emplace(0);
      v1::ExecuteBlockResponse r;
      grpc::Status s = stub->ExecuteBlock(Ctx().get(), block3, &r);
      INFO("attempt " << attempt << ": " << s.error_message());
      CHECK(s.error_code() == grpc::StatusCode::INTERNAL);
      CHECK_THAT(s.error_message(), Catch::Contains("state database write failed"));
      // The first attempt names RocksDB's error (EFBIG), the second that error again or
      // the database that could not reopen for writing.
      CHECK_THAT(s.error_message(), Catch::Contains("File too large"));
    }
    // Still serving, at block 2: calls, the latest state and the state one block back.
    CHECK(count(&height) == 2);
    CHECK(height == 2);
    CHECK(stored(0) == 2);
    CHECK(stored(1) == 1);
  }
  // The disk takes writes again: the same block commits, then the next.
  v1::ExecuteBlockResponse b3;
  grpc::Status s = stub->ExecuteBlock(Ctx().get(), block3, &b3);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(b3.height() == 3);
  CHECK(b3.state_root() != b2.state_root());
  CHECK(count(&height) == 3);
  CHECK(height == 3);
  v1::ExecuteBlockResponse b4;
  REQUIRE(stub->ExecuteBlock(Ctx().get(), block(4, b3.state_root()), &b4).ok());
  CHECK(stored(0) == 4);
  CHECK(stored(2) == 2);
  server.reset();  // closes the database

  // Restarted on the same database (its state must hash to the committed root, or the
  // daemon refuses to start): blocks 3 and 4 are there, whatever the refused ones left.
  server::Server restarted(config);
  started = restarted.Start();
  INFO(started.ToString());
  REQUIRE(started.ok());
  channel = grpc::CreateChannel(restarted.grpc_address(), grpc::InsecureChannelCredentials());
  stub = v1::ExecutionService::NewStub(channel);
  CHECK(count(&height) == 4);
  CHECK(height == 4);
  CHECK(stored(3) == 3);
  restarted.Shutdown();
}

}  // namespace
}  // namespace chainaccel::exec
