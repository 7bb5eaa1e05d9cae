// Workload: the one request `chainaccel bench` sends over and over, and how to check
// each response.
//
// The request is built once with random content (valid signatures for the signature
// operations, see signature_set.h) and serialized once, so the load generator spends
// no time building requests; sending the same ByteBuffer again only takes a reference.
#pragma once

#include <grpcpp/support/byte_buffer.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "chainaccel/v1/common.pb.h"

namespace chainaccel::cli {

enum class BenchOp {
  kSha256,
  kSha256d,
  kKeccak256,
  kMerkleBitcoin,
  kMerkleRfc6962,
  kMerkleOz,
  kEd25519,
  kEcdsa,
  kSchnorr,
  kRecover,
};

// "sha256", ..., "merkle-bitcoin", ..., "recover".
extern const std::map<std::string, BenchOp> kBenchOpNames;

struct WorkloadSpec {
  BenchOp op = BenchOp::kSha256;
  // Items per request.
  uint64_t batch = 0;
  // Bytes per message for hashing, Ed25519 and Schnorr; 0 for the op's default (64 for
  // hashing, 32 otherwise). ECDSA and recovery sign 32-byte hashes.
  uint32_t message_size = 0;
  v1::Placement placement = v1::PLACEMENT_AUTO;
  // Report signature generation progress on stderr.
  bool progress = false;
};

// Checks one response; returns "" when it is what the request asks for (every item OK),
// else what is wrong. Sets *engine to the engine that ran it. Thread-safe.
using ResponseCheck = std::function<std::string(grpc::ByteBuffer* response, std::string* engine)>;

struct Workload {
  // Full method name, "/chainaccel.v1.HashService/Hash".
  std::string method;
  grpc::ByteBuffer request;
  // Items and serialized bytes per request.
  uint64_t items = 0;
  uint64_t request_bytes = 0;
  // Bytes per message as used (the spec's, or the op's default).
  uint32_t message_size = 0;
  ResponseCheck check;
};

// Builds the request. Throws CliError for a spec the op cannot take.
Workload MakeWorkload(const WorkloadSpec& spec);

}  // namespace chainaccel::cli
