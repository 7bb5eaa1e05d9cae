// ExecutionService against chainacceld as a process: bad contracts and transactions get
// their documented errors and leave the daemon healthy; kill -9 during block commits
// (one block in flight, or two: pipelined) loses nothing acknowledged and leaves nothing
// half-written.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <thread>

#include "chainaccel/v1/execution.grpc.pb.h"
#include "engines/cpu/cpu_engine.h"
#include "tests/support/random.h"
#include "execution/execution_engine.h"
#include "core/hex.h"
#include "execution/state_file.h"
#include "execution/state_tree.h"
#include "execution/testing/temp_dir.h"
#include "execution/testing/transactions.h"
#include "execution/testing/proof_contracts.h"
#include "execution/testing/proofs.h"
#include "execution/testing/wat.h"
#include "crypto/groth16/point_bytes.h"
#include "crypto/groth16/snarkjs_json.h"
#include "tests/support/vectors.h"

namespace chainaccel::exec {
namespace {

namespace fs = std::filesystem;
using testing::U64;

// chainacceld on a data directory that outlives restarts; SIGKILLed at destruction.
class DaemonProcess {
 public:
  explicit DaemonProcess(const std::string& data_dir) : data_dir_(data_dir) {
    fs::remove(Ready());
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      std::vector<std::string> args{CHAINACCELD_PATH, "--listen", "127.0.0.1:0",
                                    "--metrics-listen", "", "--data-dir", data_dir,
                                    "--ready-file", Ready(), "--log-level", "warn",
                                    "--gpu", "false", "--threads", "2"};
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    for (int i = 0; i < 600 && address_.empty(); ++i) {
      std::ifstream in(Ready());
      std::string line;
      if (std::getline(in, line) && line.rfind("grpc=", 0) == 0) address_ = line.substr(5);
      else std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(!address_.empty());
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    stub_ = v1::ExecutionService::NewStub(
        grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), args));
  }
  ~DaemonProcess() { Kill(); }

  void Kill() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

  v1::ExecutionService::Stub& stub() { return *stub_; }
  const std::string& address() const { return address_; }

 private:
  std::string Ready() const { return data_dir_ + ".ready"; }
  std::string data_dir_;
  pid_t pid_ = -1;
  std::string address_;
  std::unique_ptr<v1::ExecutionService::Stub> stub_;
};

std::unique_ptr<grpc::ClientContext> Ctx(int seconds = 60) {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return c;
}

grpc::Status Deploy(v1::ExecutionService::Stub& stub, const std::vector<uint8_t>& wasm,
                    v1::DeployContractResponse* out, const std::string& salt = "") {
  v1::DeployContractRequest req;
  req.set_wasm(wasm.data(), wasm.size());
  req.set_salt(salt);
  return stub.DeployContract(Ctx().get(), req, out);
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

Hash32 HashOf(const std::string& bytes) {
  Hash32 h{};
  REQUIRE(bytes.size() == 32);
  std::memcpy(h.data(), bytes.data(), 32);
  return h;
}

TEST_CASE("Bad contracts and transactions get documented errors: the daemon stays healthy",
          "[daemon]") {
  auto rng = chainaccel::testing::MakeRng("exec bad input");
  testing::TempDir dir;
  DaemonProcess daemon(dir.Sub("data"));
  auto& stub = daemon.stub();

  v1::DeployContractResponse dep;
  grpc::Status st = Deploy(stub, {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0xff}, &dep);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(st.error_message(), Catch::Contains("malformed wasm"));
  st = Deploy(stub, testing::WatToWasm(R"((module (import "env" "abort" (func)) (memory (export "memory") 1)))"), &dep);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(st.error_message(), Catch::Contains("forbidden import env.abort"));
  st = Deploy(stub, testing::WatToWasm(R"((module (memory (export "memory") 1)
      (func (export "f") (drop (f64.const 1)))))"), &dep);
  CHECK_THAT(st.error_message(), Catch::Contains("floating point"));
  st = Deploy(stub, testing::WatToWasm(R"((module (memory (export "memory") 65536)))"), &dep);
  CHECK_THAT(st.error_message(), Catch::Contains("initial memory"));

  // A contract with an infinite loop, a memory bomb and unbounded recursion.
  REQUIRE(Deploy(stub, testing::WatToWasm(R"((module
      (import "env" "input_size" (func $n (result i32)))
      (memory (export "memory") 1)
      (func (export "spin") (loop $l (br $l)))
      (func (export "bomb") (loop $l (br_if $l (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
        (i32.store (i32.const 2000000) (i32.const 1)))
      (func $r (call $r))
      (func (export "recurse") (call $r))
      (func (export "size") (drop (call $n)))))"), &dep)
              .ok());
  Hash32 bad;
  std::memcpy(bad.data(), dep.address().data(), 32);
  testing::Account user = testing::MakeAccount(rng);
  v1::ExecuteBlockRequest block;
  block.set_height(1);
  *block.add_transactions() = ToProto(testing::SignedCall(user, bad, "spin", "", 100000, 0));
  *block.add_transactions() = ToProto(testing::SignedCall(user, bad, "bomb", "", 10'000'000, 1));
  *block.add_transactions() = ToProto(testing::SignedCall(user, bad, "recurse", "", 100'000'000, 2));
  *block.add_transactions() =
      ToProto(testing::SignedCall(user, bad, "size", std::string(70000, 'x'), 100000, 3));
  *block.add_transactions() = ToProto(testing::SignedCall(user, bad, "missing", "", 100000, 4));
  v1::ExecuteBlockResponse resp;
  st = stub.ExecuteBlock(Ctx().get(), block, &resp);
  REQUIRE(st.ok());
  REQUIRE(resp.receipts_size() == 5);
  CHECK(resp.receipts(0).status() == v1::RECEIPT_STATUS_OUT_OF_GAS);
  CHECK(resp.receipts(0).gas_used() == 100000);
  CHECK(resp.receipts(1).status() == v1::RECEIPT_STATUS_TRAPPED);
  CHECK_THAT(resp.receipts(1).message(), Catch::Contains("out of bounds"));
  CHECK(resp.receipts(2).status() == v1::RECEIPT_STATUS_TRAPPED);
  CHECK(resp.receipts(3).status() == v1::RECEIPT_STATUS_TRAPPED);
  CHECK_THAT(resp.receipts(3).message(), Catch::Contains("input over the limit"));
  CHECK(resp.receipts(4).status() == v1::RECEIPT_STATUS_TRAPPED);

  // Malformed transaction fields and heights.
  v1::ExecuteBlockRequest bad_block;
  bad_block.set_height(2);
  bad_block.add_transactions()->set_contract("short");
  st = stub.ExecuteBlock(Ctx().get(), bad_block, &resp);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(st.error_message(), Catch::Contains("transactions[0]"));
  v1::ExecuteBlockRequest replay;
  replay.set_height(1);
  st = stub.ExecuteBlock(Ctx().get(), replay, &resp);
  CHECK(st.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  replay.set_height(5);
  st = stub.ExecuteBlock(Ctx().get(), replay, &resp);
  CHECK(st.error_code() == grpc::StatusCode::FAILED_PRECONDITION);

  // Still healthy: the next block executes.
  v1::ExecuteBlockRequest next;
  next.set_height(2);
  REQUIRE(stub.ExecuteBlock(Ctx().get(), next, &resp).ok());
  CHECK(resp.height() == 2);
}

TEST_CASE("Revert messages that are not valid UTF-8 or very long reach the client intact",
          "[daemon][utf8]") {
  // Regression: a revert with the bytes ff fe 41 made every receipt of its block unreadable
  // to strict clients (the proto `string` message carried them unchanged), and long
  // messages were cut inside a character.
  auto rng = chainaccel::testing::MakeRng("exec revert utf8");
  testing::TempDir dir;
  DaemonProcess daemon(dir.Sub("data"));
  auto& stub = daemon.stub();
  v1::DeployContractResponse dep;
  REQUIRE(Deploy(stub, testing::WatToWasm(R"((module
      (import "env" "revert" (func $revert (param i32 i32)))
      (memory (export "memory") 2)
      (data (i32.const 0) "\ff\fe\41")
      (func (export "bad") (call $revert (i32.const 0) (i32.const 3)))
      (func (export "long") (local $i i32)
        (loop $l
          (i32.store8 (i32.add (i32.const 16) (local.get $i)) (i32.const 0xE2))
          (i32.store8 (i32.add (i32.const 17) (local.get $i)) (i32.const 0x82))
          (i32.store8 (i32.add (i32.const 18) (local.get $i)) (i32.const 0xAC))
          (local.set $i (i32.add (local.get $i) (i32.const 3)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 70002))))
        (call $revert (i32.const 16) (i32.const 70002)))))"), &dep)
              .ok());
  const Hash32 contract = HashOf(dep.address());
  testing::Account user = testing::MakeAccount(rng);
  v1::ExecuteBlockRequest block;
  block.set_height(1);
  *block.add_transactions() = ToProto(testing::SignedCall(user, contract, "bad", "", 1'000'000, 0));
  *block.add_transactions() = ToProto(testing::SignedCall(user, contract, "long", "", 10'000'000, 1));
  v1::ExecuteBlockResponse resp;
  const grpc::Status st = stub.ExecuteBlock(Ctx().get(), block, &resp);
  REQUIRE(st.ok());
  REQUIRE(resp.receipts_size() == 2);
  CHECK(resp.receipts(0).status() == v1::RECEIPT_STATUS_REVERTED);
  CHECK(resp.receipts(0).revert_data() == std::string("\xff\xfe\x41", 3));
  CHECK(resp.receipts(0).message() == "\xEF\xBF\xBD\xEF\xBF\xBD" "A");
  CHECK(resp.receipts(1).status() == v1::RECEIPT_STATUS_REVERTED);
  CHECK(resp.receipts(1).revert_data().size() == 65536);  // the VM's cut, in bytes
  // The text stops before the character the 64 KiB cut would split: 21,845 euro signs.
  CHECK(resp.receipts(1).message().size() == 65535);
  CHECK(resp.receipts(1).message().substr(65532) == "\xE2\x82\xAC");
}

TEST_CASE("A function name that is not valid UTF-8 gets INVALID_ARGUMENT naming the transaction",
          "[daemon][utf8]") {
  auto rng = chainaccel::testing::MakeRng("exec function utf8");
  testing::TempDir dir;
  DaemonProcess daemon(dir.Sub("data"));
  auto& stub = daemon.stub();
  testing::Account user = testing::MakeAccount(rng);
  Hash32 contract{};
  v1::ExecuteBlockRequest block;
  block.set_height(1);
  *block.add_transactions() = ToProto(testing::SignedCall(user, contract, "run", "", 100000, 0));
  *block.add_transactions() =
      ToProto(testing::SignedCall(user, contract, std::string("\xff\xfe", 2), "", 100000, 1));
  v1::ExecuteBlockResponse resp;
  const grpc::Status st = stub.ExecuteBlock(Ctx().get(), block, &resp);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(st.error_message(), Catch::Contains("transactions[1].function"));
  CHECK_THAT(st.error_message(), Catch::Contains("UTF-8"));
}

// With `in_flight` 2 the client sends each block and the next at once, as a node that has
// the next block at hand does: the daemon executes the second on the first while the
// first commits (docs/execution.md, "Pipelined blocks"), so a kill also lands between a
// block's execution on an uncommitted block and the commits of both.
TEST_CASE("kill -9 during block commits: the daemon restarts at the last acknowledged block",
          "[daemon][crash]") {
  const int in_flight = GENERATE(1, 2);
  INFO("blocks in flight: " << in_flight);
  auto rng = chainaccel::testing::MakeRng("exec crash");
  testing::TempDir dir;
  const std::string data = dir.Sub("data");

  // The chain: a token and a counter; each block mints, transfers and counts.
  constexpr int kBlocks = 120;
  constexpr int kTxsPerBlock = 100;
  std::vector<testing::Account> accounts;
  for (int i = 0; i < 20; ++i) accounts.push_back(testing::MakeAccount(rng));
  const auto token_wasm = testing::ExampleContract("token");
  const auto counter_wasm = testing::ExampleContract("counter");

  // The expected root after each height, from an in-process engine.
  CpuEngine cpu(CpuEngine::Options{1});
  ExecutionOptions options;
  options.db_path = dir.Sub("reference");
  options.executor = ExecutorKind::kSequential;
  std::unique_ptr<ExecutionEngine> reference;
  REQUIRE(ExecutionEngine::Open(options, &cpu, &reference).ok());
  Hash32 token, counter, code;
  REQUIRE(reference->Deploy(token_wasm, {}, &token, &code).ok());
  REQUIRE(reference->Deploy(counter_wasm, {}, &counter, &code).ok());
  std::vector<std::vector<Transaction>> blocks(kBlocks + 1);
  std::vector<Hash32> roots(kBlocks + 1);
  roots[0] = reference->state_root();
  std::vector<uint64_t> nonces(accounts.size());  // each account's next nonce
  for (int h = 1; h <= kBlocks; ++h) {
    for (int i = 0; i < kTxsPerBlock; ++i) {
      const size_t sender = rng() % accounts.size();
      const auto& from = accounts[sender];
      const auto& to = accounts[rng() % accounts.size()];
      const uint64_t nonce = nonces[sender]++;
      switch (rng() % 3) {
        case 0: blocks[h].push_back(testing::SignedCall(from, token, "mint", U64(rng() % 1000), 1'000'000, nonce)); break;
        case 1: blocks[h].push_back(testing::SignedCall(from, token, "transfer", testing::AddressBytes(to.address) + U64(rng() % 700), 1'000'000, nonce)); break;
        default: blocks[h].push_back(testing::SignedCall(from, counter, "increment", "", 1'000'000, nonce)); break;
      }
    }
    BlockResult r;
    REQUIRE(reference->ExecuteBlock(h, 1000 + h, std::nullopt, blocks[h], &r).ok());
    roots[h] = r.state_root;
  }

  int acknowledged = 0;
  bool deployed = false;
  int killed_in_call = 0;
  int64_t block_us = 2000;  // the last ExecuteBlock call's duration
  for (int round = 0; round < 100 && acknowledged < kBlocks; ++round) {
    DaemonProcess daemon(data);
    auto& stub = daemon.stub();
    if (!deployed) {
      v1::DeployContractResponse dep;
      REQUIRE(Deploy(stub, token_wasm, &dep).ok());
      REQUIRE(Deploy(stub, counter_wasm, &dep).ok());
      deployed = true;
    }
    // Where the daemon came back: the last acknowledged block, or one of those in flight
    // at the kill if its commit had completed (in height order); the root must be that
    // block's exactly.
    v1::GetStateRequest q;
    q.set_key(std::string(reinterpret_cast<const char*>(counter.data()), 32) + "count");
    v1::GetStateResponse state;
    REQUIRE(stub.GetState(Ctx().get(), q, &state).ok());
    const int height = static_cast<int>(state.height());
    INFO("round " << round << ": acknowledged " << acknowledged << ", restarted at " << height);
    REQUIRE(height >= acknowledged);
    REQUIRE(height <= acknowledged + in_flight);
    acknowledged = height;
    // Each block names the expected parent root: the daemon refuses it unless the state
    // root below it is exactly the reference's.
    // The killer lets 0-7 more blocks through, then kills at a random point of the
    // next call (up to its expected duration): wherever the machine's speed, most kills
    // land inside ExecuteBlock, at every phase of it.
    std::atomic<bool> stop{false}, finished{false};
    std::atomic<int> acked{acknowledged};
    const int target = acknowledged + static_cast<int>(rng() % 8);
    const int64_t delay_us = static_cast<int64_t>(rng() % static_cast<uint64_t>(block_us + 1));
    std::thread killer([&] {
      while (acked.load() < target && !finished) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
      stop = true;
      daemon.Kill();
    });
    auto send = [&](int h) {
      v1::ExecuteBlockRequest req;
      req.set_height(h);
      req.set_time(1000 + h);
      req.set_parent_state_root(roots[h - 1].data(), 32);
      for (const Transaction& tx : blocks[h]) *req.add_transactions() = ToProto(tx);
      v1::ExecuteBlockResponse resp;
      grpc::Status st = stub.ExecuteBlock(Ctx(30).get(), req, &resp);
      return std::make_pair(st, resp);
    };
    while (!stop && acknowledged < kBlocks) {
      const int n = std::min(in_flight, kBlocks - acknowledged);
      const auto t0 = std::chrono::steady_clock::now();
      std::vector<std::future<std::pair<grpc::Status, v1::ExecuteBlockResponse>>> calls;
      for (int k = 1; k <= n; ++k) {
        calls.push_back(std::async(std::launch::async, send, acknowledged + k));
      }
      bool killed = false;
      int highest = acknowledged;
      for (int k = 1; k <= n; ++k) {
        const auto [st, resp] = calls[k - 1].get();
        if (st.ok()) {
          // Answered: durable, and so is every block below it (commits go in order).
          REQUIRE(HashOf(resp.state_root()) == roots[acknowledged + k]);
          highest = acknowledged + k;
        } else if (st.error_code() == grpc::StatusCode::UNAVAILABLE) {
          killed = true;  // killed mid-call
        } else {
          // A later block that reached the daemon before the one below it had begun:
          // sent again with the next ones.
          INFO(st.error_message());
          REQUIRE(k > 1);
          REQUIRE(st.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
        }
      }
      block_us = std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::steady_clock::now() - t0)
                     .count();
      acked = acknowledged = highest;
      if (killed) {
        ++killed_in_call;
        break;
      }
    }
    finished = true;
    killer.join();
  }
  DaemonProcess daemon(data);
  v1::GetStateRequest q;
  q.set_key(std::string(reinterpret_cast<const char*>(counter.data()), 32) + "count");
  v1::GetStateResponse state;
  REQUIRE(daemon.stub().GetState(Ctx().get(), q, &state).ok());
  CHECK(static_cast<int>(state.height()) >= acknowledged);
  CHECK(static_cast<int>(state.height()) <= acknowledged + in_flight);
  CHECK(acknowledged > 0);
  // The kills landed inside ExecuteBlock calls, not only between them.
  INFO("kills inside ExecuteBlock calls: " << killed_in_call);
  CHECK(killed_in_call >= 5);
}

}  // namespace
}  // namespace chainaccel::exec

namespace chainaccel::exec {
namespace {

// Runs `command`, returns its standard output and sets *status to its exit code.
std::string Run(const std::string& command, int* status) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  const int rc = pclose(pipe);
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

TEST_CASE("chainaccel deploy and exec against the daemon", "[daemon][cli]") {
  testing::TempDir dir;
  DaemonProcess daemon(dir.Sub("data"));
  const std::string cli = std::string(CHAINACCEL_CLI_PATH) + " --address " + daemon.address();
  int rc = 0;
  std::string out = Run(cli + " deploy " + CHAINACCEL_EXAMPLE_WASM_DIR "/counter.wasm", &rc);
  REQUIRE(rc == 0);
  CHECK_THAT(out, Catch::Contains("entry_points: increment get"));
  const std::string address = out.substr(out.find("address: ") + 9, 64);
  const std::string key(64, '7');
  const std::string call = cli + " exec --contract " + address + " --function increment --key " + key;
  // Without --nonce the CLI signs with the sender's next nonce, read from the daemon.
  out = Run(call, &rc);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("height: 1") && Catch::Contains("return_data: 0100000000000000"));
  const std::string sender = out.substr(out.find("sender: ") + 8, 64);
  out = Run(call, &rc);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("height: 2") && Catch::Contains("return_data: 0200000000000000"));
  // A nonce given: the one taken already is BAD_NONCE (the counter stays), the next runs.
  out = Run(call + " --nonce 1", &rc);
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("height: 3") && Catch::Contains("status: BAD_NONCE\ngas_used: 0\n") &&
                      Catch::Contains("message: expected nonce 2, got 1"));
  out = Run(call + " --nonce 2", &rc);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("height: 4") && Catch::Contains("return_data: 0300000000000000"));
  out = Run(cli + " exec --contract " + address + " --function get --read-only", &rc);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("return_data: 0300000000000000"));
  out = Run(cli + " exec --contract " + address + " --function nope --key " + key, &rc);
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("height: 5") && Catch::Contains("status: TRAPPED"));
  // The sender's next nonce (4: the trap took 3) is state, proven like any key: NONCES
  // (SHA-256("chainaccel-nonces-v1")) || sender, u64be. At height 2 it was 2.
  const std::string nonce_key =
      "c962041d49d2b8af714e8acec8ee185cd43cd0217a279804919958e94ac38291" + sender;
  out = Run(cli + " state --key " + nonce_key + " --prove", &rc);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("height: 5") && Catch::Contains("value: 0000000000000004") &&
                      Catch::Contains("proof: verified"));
  out = Run(cli + " state --key " + nonce_key + " --height 2 --prove", &rc);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("value: 0000000000000002") && Catch::Contains("proof: verified"));
  // state --prove: the counter's key "count" (636f756e74) at the latest height and at
  // height 1, and a key never written, each with its proof verified by the CLI.
  const std::string count_key = address + "636f756e74";
  out = Run(cli + " state --key " + count_key + " --prove", &rc);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("found: true") && Catch::Contains("value: 0300000000000000") &&
                      Catch::Contains("proof: verified"));
  out = Run(cli + " state --key " + count_key + " --height 1 --prove", &rc);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("height: 1") && Catch::Contains("value: 0100000000000000") &&
                      Catch::Contains("proof: verified"));
  out = Run(cli + " state --key " + address + "6e6f6e65 --prove", &rc);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("found: false") && Catch::Contains("proof: verified"));
  out = Run(cli + " state --key " + count_key, &rc);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("value: 0300000000000000"));
  CHECK_THAT(out, !Catch::Contains("proof"));
  Run(cli + " deploy " + dir.Sub("missing.wasm") + " 2>/dev/null", &rc);
  CHECK(rc == 2);
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

std::string Hex(const Hash32& h) { return chainaccel::testing::ToHex(ByteView(h.data(), 32)); }

// snarkjs's proof.json and public.json of `proof` (under `dir`, named by `tag`).
std::string ProofArgs(const testing::TempDir& dir, const TransactionProof& proof,
                      const std::string& tag) {
  std::vector<bn254::U256> signals;
  for (const Hash32& s : proof.public_signals) {
    signals.push_back(groth16::Fr::FromBytesBE(s)->ToCanonical());
  }
  WriteFile(dir.Sub(tag + "_proof.json"),
            groth16::ProofToJson(*groth16::DecodeProofEip197(proof.proof)));
  WriteFile(dir.Sub(tag + "_public.json"), groth16::PublicSignalsToJson(signals));
  return " --proof " + dir.Sub(tag + "_proof.json") + " --public " +
         dir.Sub(tag + "_public.json") + " --vk-id " + Hex(proof.verifying_key_id);
}

TEST_CASE("chainaccel vk-id, exec register-vk and exec with a proof against the daemon",
          "[daemon][cli][proof]") {
  testing::TempDir dir;
  DaemonProcess daemon(dir.Sub("data"));
  const std::string cli = std::string(CHAINACCEL_CLI_PATH) + " --address " + daemon.address();
  testing::TestVerifyingKey key(2, 41);
  groth16::VerifyingKey vk;
  const std::string& enc = key.encoding();
  REQUIRE(groth16::DecodeVerifyingKeyEip197(
              ByteView(reinterpret_cast<const uint8_t*>(enc.data()), enc.size()), true, &vk)
              .ok());
  WriteFile(dir.Sub("vk.json"), groth16::VerifyingKeyToJson(vk));
  int rc = 0;
  std::string out = Run(cli + " vk-id --vkey " + dir.Sub("vk.json"), &rc);
  CHECK(rc == 0);
  CHECK(out == "key_id: " + Hex(key.id()) + "\n");

  const std::string owner(64, '3');
  const std::string registration = cli + " exec register-vk --vkey " + dir.Sub("vk.json") +
                                   " --key " + owner;
  out = Run(registration, &rc);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::StartsWith("key_id: " + Hex(key.id()) + "\nheight: 1\n") &&
                      Catch::Contains("status: OK\n") &&
                      Catch::Contains("return_data: " + Hex(key.id())));
  Run(registration, &rc);  // again (with the next nonce, 1): OK, nothing new
  CHECK(rc == 0);

  const std::vector<uint8_t> wasm = testing::WatToWasm(testing::kProofEchoWat);
  WriteFile(dir.Sub("echo.wasm"), std::string_view(reinterpret_cast<const char*>(wasm.data()),
                                                   wasm.size()));
  out = Run(cli + " deploy " + dir.Sub("echo.wasm"), &rc);
  REQUIRE(rc == 0);
  const std::string echo = out.substr(out.find("address: ") + 9, 64);
  const std::string call = cli + " exec --contract " + echo + " --function echo --key " + owner;
  const TransactionProof proof = key.Prove({testing::Signal(5), testing::Signal(6)});
  out = Run(call + ProofArgs(dir, proof, "good"), &rc);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("return_data: 02000000" + Hex(key.id()) +
                                  Hex(testing::Signal(5)) + Hex(testing::Signal(6))));
  TransactionProof other = proof;
  other.public_signals[1] = testing::Signal(7);
  out = Run(call + ProofArgs(dir, other, "bad"), &rc);
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("status: BAD_PROOF\ngas_used: 0\n") &&
                      Catch::Contains("message: proof does not verify"));
  Run(call + " --proof " + dir.Sub("good_proof.json") + " 2>/dev/null", &rc);
  CHECK(rc == 2);  // --proof needs --public and --vk-id
  Run(cli + " vk-id --vkey " + dir.Sub("good_proof.json") + " 2>/dev/null", &rc);
  CHECK(rc == 2);
}


TEST_CASE("chainacceld --import-state imports state files as block 1 and serves blocks on them",
          "[daemon][cli][import]") {
  testing::TempDir dir;
  // Two files: 3,000 balances-like keys under one address, and one more key.
  std::map<std::string, std::string, std::less<>> state;
  const std::string address(32, '\x5a');
  for (int i = 0; i < 3000; ++i) state[address + "k" + std::to_string(i)] = "v" + std::to_string(i);
  const std::string lone = address + "lone";
  state[lone] = "";
  auto write = [&](const std::string& path, bool lone_file) {
    REQUIRE(WriteStateFile(path, [&](const StateVisitor& visit) {
              for (const auto& [k, v] : state) {
                if ((k == lone) == lone_file) visit(k, v);
              }
              return Status::Ok();
            }).ok());
  };
  write(dir.Sub("a.state"), false);
  write(dir.Sub("b.state"), true);
  CpuNodeHasher hasher;
  Hash32 root;
  REQUIRE(BuildStateRoot(state, nullptr, hasher, &root).ok());

  const std::string import = std::string(CHAINACCELD_PATH) + " --data-dir " + dir.Sub("data") +
                             " --log-level warn --import-state " + dir.Sub("a.state") + "," +
                             dir.Sub("b.state");
  int rc = -1;
  Run(import + " 2>&1", &rc);
  REQUIRE(rc == 0);
  std::string out = Run(import + " 2>&1", &rc);  // a second import: the database is not empty
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("is not empty"));

  DaemonProcess daemon(dir.Sub("data"));
  const std::string cli = std::string(CHAINACCEL_CLI_PATH) + " --address " + daemon.address();
  const std::string hex_address = chainaccel::HexEncode(
      reinterpret_cast<const uint8_t*>(address.data()), address.size());
  out = Run(cli + " state --key " + hex_address + "6b31323334 --prove", &rc);  // "k1234"
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("height: 1") && Catch::Contains("value: 7631323334") &&
                      Catch::Contains("state_root: " + chainaccel::HexEncode(root.data(), 32)) &&
                      Catch::Contains("proof: verified"));
  out = Run(cli + " state --key " + hex_address + "6c6f6e65 --prove", &rc);  // "lone": empty
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("found: true") && Catch::Contains("proof: verified"));
  // Blocks go on from the imported state: a deployment's block is block 2 on its root.
  v1::DeployContractResponse deployed;
  REQUIRE(Deploy(daemon.stub(), testing::ExampleContract("counter"), &deployed).ok());
  v1::ExecuteBlockRequest block;
  block.set_height(2);
  block.set_parent_state_root(root.data(), root.size());
  v1::ExecuteBlockResponse result;
  grpc::Status s = daemon.stub().ExecuteBlock(Ctx().get(), block, &result);
  INFO(s.error_message());
  REQUIRE(s.ok());
  out = Run(cli + " state --key " + hex_address + "6b31323334 --height 1 --prove", &rc);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("height: 1") && Catch::Contains("proof: verified"));

  // A malformed file fails the import with the file and record named, and leaves an
  // unfinished import that the daemon refuses to open.
  {
    std::ofstream bad(dir.Sub("bad.state"), std::ios::binary);
    bad.write("\0\0\0\x02k", 5);  // a key of 2 bytes, 1 given
  }
  out = Run(std::string(CHAINACCELD_PATH) + " --data-dir " + dir.Sub("other") +
                " --log-level warn --import-state " + dir.Sub("bad.state") + " 2>&1",
            &rc);
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("record 0 (at byte 0) is truncated"));
}

}  // namespace
}  // namespace chainaccel::exec
