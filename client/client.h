// Client: a C++ client of the chainaccel daemon.
//
// One method per RPC of proto/chainaccel/v1, taking and returning plain C++ values
// (packed data as std::string, enums from the generated code), plus the standard
// grpc.health.v1 health check. Packed inputs are moved into the request and packed
// outputs moved out of the response, so large batches are never copied item by item.
//
// Errors: every method returns a Result<T> that holds either the value or the non-OK
// grpc::Status of the call (UNAVAILABLE when the daemon cannot be reached,
// DEADLINE_EXCEEDED past ClientOptions::timeout, INVALID_ARGUMENT or
// RESOURCE_EXHAUSTED for requests the daemon rejects). Per-item outcomes of a batch are
// not errors: they come back as v1::ItemStatus verdicts.
//
// Thread-safety: a Client may be used from many threads at once; calls are independent.
//
//   chainaccel::Client client("127.0.0.1:50051");
//   auto digests = client.Hash(v1::HASH_ALGORITHM_SHA256, PackBatch(messages));
//   if (!digests.ok()) return digests.status();
//   std::string_view first = digests->digest(0);
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chainaccel/v1/admin.grpc.pb.h"
#include "chainaccel/v1/hash.grpc.pb.h"
#include "chainaccel/v1/merkle.grpc.pb.h"
#include "chainaccel/v1/signature.grpc.pb.h"
#include "client/packed_batch.h"

namespace chainaccel {

// TLS to the daemon (docs/security.md). PEM text, not file names: LoadClientTlsFiles
// reads files into it.
struct ClientTlsOptions {
  // Use TLS. Without root_certs_pem the server is checked against gRPC's default roots.
  bool enabled = false;
  // CA certificates the server's certificate must verify against.
  std::string root_certs_pem;
  // The client's certificate chain and private key, for mutual TLS; both or neither.
  std::string cert_chain_pem;
  std::string private_key_pem;
  // The name the server's certificate must carry, instead of the target's host (when the
  // address is an IP or the certificate names a service).
  std::string server_name;
};

struct ClientOptions {
  // Largest message the client sends or accepts. gRPC's default of 4 MiB is far below
  // what one batch carries (a million 64-byte messages is 64 MiB).
  int max_send_message_bytes = 1 << 30;
  int max_receive_message_bytes = 1 << 30;
  // Deadline of each call; zero means none.
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  // Open a TCP connection of this channel's own instead of sharing one with every other
  // channel to the same target (gRPC shares by default). For load generation over
  // several connections.
  bool own_connection = false;
  ClientTlsOptions tls;
  // When not empty, every call carries the metadata `authorization: Bearer <token>`, which
  // the daemon's guarded methods accept (docs/security.md). Over plaintext it crosses the
  // network in the clear: use it with TLS or on loopback.
  std::string token;
};

// Reads the PEM files into *tls and turns TLS on. `ca_file` may be empty (default roots);
// `cert_file` and `key_file` go together (mutual TLS) or are both empty. INVALID_ARGUMENT
// names a file that cannot be read or does not hold PEM, or a certificate without its key.
grpc::Status LoadClientTlsFiles(const std::string& ca_file, const std::string& cert_file,
                                const std::string& key_file, ClientTlsOptions* tls);
// Reads a bearer token from `path` (surrounding whitespace dropped). INVALID_ARGUMENT
// when the file cannot be read or holds no token.
grpc::Status LoadTokenFile(const std::string& path, std::string* token);

// A channel to `target` ("127.0.0.1:50051", "dns:///host:port", "unix:/path") with the
// options' message size limits, TLS (options.tls) and bearer token (options.token).
std::shared_ptr<grpc::Channel> CreateClientChannel(const std::string& target,
                                                   const ClientOptions& options);

// "UNAVAILABLE: failed to connect ..." (or "OK").
std::string FormatStatus(const grpc::Status& status);
// The code as gRPC spells it: "INVALID_ARGUMENT".
std::string_view StatusCodeName(grpc::StatusCode code);

// The value of a call, or why it failed.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  // REQUIRES: !status.ok().
  Result(grpc::Status status) : status_(std::move(status)) {}  // NOLINT

  bool ok() const { return value_.has_value(); }
  const grpc::Status& status() const { return status_; }

  // REQUIRES: ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  grpc::Status status_;
  std::optional<T> value_;
};

// ---- HashService -------------------------------------------------------------------

struct Digests {
  // n × 32 bytes.
  std::string digests;
  // The engine that ran the batch: "cpu", "gpu:0", ...
  std::string engine;

  size_t size() const { return digests.size() / 32; }
  std::string_view digest(size_t i) const { return std::string_view(digests).substr(32 * i, 32); }
};

// ---- MerkleService -----------------------------------------------------------------

struct BuildTreeArgs {
  v1::MerkleScheme scheme = v1::MERKLE_SCHEME_UNSPECIFIED;
  // n × 32-byte leaves; for RFC 6962 the leaf hashes. Unused with raw entries.
  std::string leaves;
  // RFC 6962 only: raw log entries, whose leaf hashes the daemon computes. Used when
  // it holds any item; `leaves` must then be empty.
  PackedBatch entries;
  // OZ_KECCAK_SORTED only: sort the leaves first.
  bool sort_leaves = false;
  // Leaf indices whose inclusion proofs are wanted.
  std::vector<uint64_t> proof_indices;
  v1::Placement placement = v1::PLACEMENT_AUTO;
};

struct MerkleTree {
  // 32 bytes.
  std::string root;
  uint64_t leaf_count = 0;
  // Proof k (for proof_indices[k]) is proof_lengths[k] hashes of 32 bytes, following
  // the proofs before it.
  std::string proof_hashes;
  std::vector<uint32_t> proof_lengths;
  std::string engine;

  // The proofs as views into proof_hashes, one per proof index.
  std::vector<std::string_view> Proofs() const;
};

struct VerifyProofsArgs {
  v1::MerkleScheme scheme = v1::MERKLE_SCHEME_UNSPECIFIED;
  // The 32-byte root.
  std::string root;
  uint64_t leaf_count = 0;
  // n × 32-byte leaves, n leaf indices, n proofs end to end with their lengths in hashes.
  std::string leaves;
  std::vector<uint64_t> leaf_indices;
  std::string proof_hashes;
  std::vector<uint32_t> proof_lengths;
  v1::Placement placement = v1::PLACEMENT_AUTO;

  // Appends one proof. `hashes` is a multiple of 32 bytes.
  void AddProof(std::string_view leaf, uint64_t index, std::string_view hashes);
};

// One verdict per item of a batch.
struct Verdicts {
  std::vector<v1::ItemStatus> status;
  // Number of ITEM_OK verdicts.
  uint64_t valid_count = 0;
  std::string engine;
};

// ---- SignatureService --------------------------------------------------------------

struct VerifyArgs {
  v1::SignatureScheme scheme = v1::SIGNATURE_SCHEME_UNSPECIFIED;
  // n messages, n public keys and n signatures.
  PackedBatch messages;
  PackedBatch public_keys;
  PackedBatch signatures;
  v1::PreHash pre_hash = v1::PRE_HASH_NONE;
  // ECDSA only.
  v1::SignatureEncoding encoding = v1::SIGNATURE_ENCODING_COMPACT;
  bool allow_high_s = false;
  v1::Placement placement = v1::PLACEMENT_AUTO;
};

struct RecoverArgs {
  // n × 32-byte hashes and n × 65-byte signatures r || s || v.
  std::string hashes;
  std::string signatures;
  bool allow_high_s = false;
  v1::Placement placement = v1::PLACEMENT_AUTO;
};

struct RecoveredKeys {
  // n × 64 bytes X || Y, n × 20-byte addresses; zero where the item failed.
  std::string public_keys;
  std::string addresses;
  std::vector<v1::ItemStatus> status;
  uint64_t recovered_count = 0;
  std::string engine;
};

// ---- AdminService ------------------------------------------------------------------

struct DeviceInfo {
  std::string name;   // "cpu", "gpu:0"
  std::string kind;   // "cpu" or "gpu"
  std::string model;
  uint32_t threads = 0;
  uint64_t memory_bytes = 0;
  uint32_t multiprocessors = 0;
  std::string compute_capability;
  bool healthy = false;
  std::vector<std::string> tasks;
  uint64_t batches = 0;
  double busy_seconds = 0;
  uint64_t faults = 0;
  uint64_t memory_free_bytes = 0;  // GPU: free device memory when asked
};

struct TaskCounters {
  std::string task;
  uint64_t requests = 0;
  uint64_t failed_requests = 0;
  uint64_t items = 0;
};

struct DaemonStatus {
  std::string version;
  double uptime_seconds = 0;
  std::vector<TaskCounters> tasks;
  uint64_t in_flight_requests = 0;
};

// grpc.health.v1.HealthCheckResponse.ServingStatus.
enum class HealthStatus { kUnknown = 0, kServing = 1, kNotServing = 2, kServiceUnknown = 3 };
// "SERVING", "NOT_SERVING", ...
std::string_view HealthStatusName(HealthStatus status);

// ---- the client --------------------------------------------------------------------

class Client {
 public:
  // A client of the daemon at `target`. Connects lazily, on the first call.
  explicit Client(const std::string& target, ClientOptions options = {});
  // A client over an existing channel (tests, or several clients on one connection).
  Client(std::shared_ptr<grpc::Channel> channel, ClientOptions options = {});

  Result<Digests> Hash(v1::HashAlgorithm algorithm, PackedBatch messages,
                       v1::Placement placement = v1::PLACEMENT_AUTO) const;

  Result<MerkleTree> BuildTree(BuildTreeArgs args) const;
  Result<Verdicts> VerifyProofs(VerifyProofsArgs args) const;

  Result<Verdicts> Verify(VerifyArgs args) const;
  Result<RecoveredKeys> Recover(RecoverArgs args) const;

  Result<std::vector<DeviceInfo>> GetDevices() const;
  Result<DaemonStatus> GetStatus() const;
  // The hybrid scheduler's settings, cost model and queues (docs/scheduler.md).
  Result<v1::GetSchedulerResponse> GetScheduler() const;
  // Takes GPU engine `engine` out of service (queued work moves to the CPU engine,
  // running batches finish) or back in (AdminService.SetEngineEnabled: the daemon must
  // allow it with admin_engine_control, and the call is guarded by auth by default).
  Result<v1::SetEngineEnabledResponse> SetEngineEnabled(const std::string& engine,
                                                        bool enabled) const;

  // grpc.health.v1.Health/Check for `service` ("" asks about the whole daemon).
  // A service the daemon does not know is kServiceUnknown (the protocol's NOT_FOUND).
  Result<HealthStatus> CheckHealth(const std::string& service = "") const;

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

 private:
  // A context carrying the call deadline.
  std::unique_ptr<grpc::ClientContext> NewContext() const;

  ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::HashService::Stub> hash_;
  std::unique_ptr<v1::MerkleService::Stub> merkle_;
  std::unique_ptr<v1::SignatureService::Stub> signature_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
};

}  // namespace chainaccel
