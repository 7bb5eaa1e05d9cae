// libFuzzer target (scripts/fuzz.sh): the daemon's untrusted-input path without the
// network. Byte 0 picks the request (Hash, BuildTree, VerifyProofs, Verify, Recover); the
// rest is parsed as that protobuf message. Checked:
//   * the decoder answers OK, INVALID_ARGUMENT or RESOURCE_EXHAUSTED, never crashes;
//   * a decoded task runs on the CPU engine without crashing and completes with OK or a
//     per-item verdict: one bad item never fails or poisons the batch (the engine's
//     status is OK for every decodable request), and every item gets a status.
// Limits are small (64 items, 64 KiB messages) so that RESOURCE_EXHAUSTED is reached.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "engines/cpu/cpu_engine.h"
#include "server/decode.h"

namespace {

using chainaccel::CpuEngine;
using chainaccel::ItemStatus;
using chainaccel::Status;
using chainaccel::Task;
namespace v1 = chainaccel::v1;
namespace server = chainaccel::server;

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "request_fuzz: %s\n", what);
    std::abort();
  }
}

void RequireDecoderStatus(const Status& s) {
  Require(s.ok() || s.code() == Status::Code::kInvalidArgument ||
              s.code() == Status::Code::kResourceExhausted,
          "a decoder answered a code other than OK, INVALID_ARGUMENT, RESOURCE_EXHAUSTED");
}

// Runs a decoded task on the CPU engine: it must complete OK (bad items get their own
// statuses, they do not fail the batch).
void RunOnCpu(Task task) {
  static CpuEngine* const cpu = new CpuEngine(CpuEngine::Options{2});
  Require(cpu->Run(task).ok(), "the CPU engine failed a decoded batch");
}

void RequireEveryItemHasAStatus(const std::vector<ItemStatus>& statuses) {
  for (ItemStatus s : statuses) {
    Require(s != ItemStatus::kUnspecified, "an item was left without a status");
  }
}

// Parses `body` as a Request; when it parses, decodes it with `decode(request, &task,
// &statuses)` and runs what decodes on the CPU engine.
template <typename Request, typename TaskType, typename Decode>
void DecodeAndRun(const uint8_t* body, int n, Decode decode) {
  Request request;
  if (!request.ParseFromArray(body, n)) return;
  TaskType task;
  std::vector<ItemStatus> statuses;
  const Status s = decode(request, &task, &statuses);
  RequireDecoderStatus(s);
  if (!s.ok()) return;
  RunOnCpu(task);
  RequireEveryItemHasAStatus(statuses);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  server::Limits limits;
  limits.max_batch_items = 64;
  limits.max_message_bytes = 64 * 1024;
  const uint8_t* body = data + 1;
  const int n = static_cast<int>(size - 1);
  using chainaccel::HashTask;
  using chainaccel::MerkleBuildTask;
  using chainaccel::MerkleVerifyTask;
  using chainaccel::SignatureRecoverTask;
  using chainaccel::SignatureVerifyTask;
  using Statuses = std::vector<ItemStatus>;
  switch (data[0] % 5) {
    case 0:
      DecodeAndRun<v1::HashRequest, HashTask>(
          body, n, [&](const v1::HashRequest& r, HashTask* t, Statuses*) {
            static v1::HashResponse response;  // the digests' buffer
            return server::DecodeHashRequest(r, limits, &response, t);
          });
      break;
    case 1:
      DecodeAndRun<v1::BuildTreeRequest, MerkleBuildTask>(
          body, n, [&](const v1::BuildTreeRequest& r, MerkleBuildTask* t, Statuses*) {
            return server::DecodeBuildTreeRequest(r, limits, t);
          });
      break;
    case 2:
      DecodeAndRun<v1::VerifyProofsRequest, MerkleVerifyTask>(
          body, n, [&](const v1::VerifyProofsRequest& r, MerkleVerifyTask* t, Statuses* st) {
            return server::DecodeVerifyProofsRequest(r, limits, st, t);
          });
      break;
    case 3:
      DecodeAndRun<v1::VerifyRequest, SignatureVerifyTask>(
          body, n, [&](const v1::VerifyRequest& r, SignatureVerifyTask* t, Statuses* st) {
            return server::DecodeVerifyRequest(r, limits, st, t);
          });
      break;
    case 4:
      DecodeAndRun<v1::RecoverRequest, SignatureRecoverTask>(
          body, n, [&](const v1::RecoverRequest& r, SignatureRecoverTask* t, Statuses* st) {
            static v1::RecoverResponse response;  // the keys' and addresses' buffers
            return server::DecodeRecoverRequest(r, limits, &response, st, t);
          });
      break;
  }
  return 0;
}
