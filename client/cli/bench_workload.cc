#include "client/cli/bench_workload.h"

#include <grpcpp/support/proto_buffer_reader.h>
#include <sodium.h>

#include <memory>

#include "chainaccel/v1/hash.grpc.pb.h"
#include "chainaccel/v1/merkle.grpc.pb.h"
#include "chainaccel/v1/signature.grpc.pb.h"
#include "client/cli/command.h"
#include "client/cli/signature_set.h"

namespace chainaccel::cli {

const std::map<std::string, BenchOp> kBenchOpNames = {
    {"sha256", BenchOp::kSha256},
    {"sha256d", BenchOp::kSha256d},
    {"keccak256", BenchOp::kKeccak256},
    {"merkle-bitcoin", BenchOp::kMerkleBitcoin},
    {"merkle-rfc6962", BenchOp::kMerkleRfc6962},
    {"merkle-oz", BenchOp::kMerkleOz},
    {"ed25519", BenchOp::kEd25519},
    {"ecdsa", BenchOp::kEcdsa},
    {"schnorr", BenchOp::kSchnorr},
    {"recover", BenchOp::kRecover},
};

namespace {

constexpr uint32_t kHashSize = 32;
constexpr uint32_t kDefaultHashMessageSize = 64;

template <typename Service>
std::string MethodName(const char* method) {
  return std::string("/") + Service::service_full_name() + "/" + method;
}

// A ResponseCheck that parses a Response and hands it to check(response) -> problem.
template <typename Response, typename Check>
ResponseCheck ParsedCheck(Check check) {
  return [check](grpc::ByteBuffer* buffer, std::string* engine) -> std::string {
    Response response;
    grpc::ProtoBufferReader reader(buffer);
    if (!response.ParseFromZeroCopyStream(&reader)) return "unparsable response";
    *engine = response.engine();
    return check(response);
  };
}

// "" when all n verdicts are ITEM_OK, else how many are not and the first of them.
std::string CheckVerdicts(const google::protobuf::RepeatedField<int>& status, uint64_t valid,
                          uint64_t n) {
  if (static_cast<uint64_t>(status.size()) == n && valid == n) return "";
  for (int s : status) {
    if (s != v1::ITEM_OK) {
      return std::to_string(n - valid) + " of " + std::to_string(n) + " items failed (first: " +
             VerdictName(static_cast<v1::ItemStatus>(s)) + ")";
    }
  }
  return std::to_string(status.size()) + " verdicts for " + std::to_string(n) + " items";
}

template <typename Request>
Workload Serialized(std::string method, const Request& request, uint64_t items,
                    uint32_t message_size, ResponseCheck check) {
  const std::string bytes = request.SerializeAsString();
  grpc::Slice slice(bytes);
  return Workload{std::move(method), grpc::ByteBuffer(&slice, 1), items, bytes.size(),
                  message_size, std::move(check)};
}

std::string RandomBytes(uint64_t size) {
  std::string bytes(size, '\0');
  randombytes_buf(bytes.data(), bytes.size());
  return bytes;
}

Workload HashWorkload(v1::HashAlgorithm algorithm, const WorkloadSpec& spec) {
  const uint32_t message_size = spec.message_size ? spec.message_size : kDefaultHashMessageSize;
  v1::HashRequest request;
  request.set_algorithm(algorithm);
  request.mutable_messages()->set_data(RandomBytes(spec.batch * message_size));
  request.mutable_messages()->set_item_size(message_size);
  request.set_placement(spec.placement);
  const uint64_t n = spec.batch;
  return Serialized(MethodName<v1::HashService>("Hash"), request, n, message_size,
                    ParsedCheck<v1::HashResponse>([n](const v1::HashResponse& r) -> std::string {
                      if (r.digests().size() == n * kHashSize) return "";
                      return std::to_string(r.digests().size()) + " digest bytes for " +
                             std::to_string(n) + " messages";
                    }));
}

Workload MerkleWorkload(v1::MerkleScheme scheme, const WorkloadSpec& spec) {
  v1::BuildTreeRequest request;
  request.set_scheme(scheme);
  request.set_leaves(RandomBytes(spec.batch * kHashSize));
  request.set_placement(spec.placement);
  const uint64_t n = spec.batch;
  return Serialized(
      MethodName<v1::MerkleService>("BuildTree"), request, n, kHashSize,
      ParsedCheck<v1::BuildTreeResponse>([n](const v1::BuildTreeResponse& r) -> std::string {
        if (r.root().size() == kHashSize && r.leaf_count() == n) return "";
        return "root of " + std::to_string(r.root().size()) + " bytes over " +
               std::to_string(r.leaf_count()) + " leaves, expected " + std::to_string(n);
      }));
}

void SetFixed(std::string* data, uint32_t item_size, v1::ByteBatch* out) {
  out->set_data(std::move(*data));
  out->set_item_size(item_size);
}

Workload VerifyWorkload(v1::SignatureScheme scheme, SignatureKind kind, const WorkloadSpec& spec,
                        uint32_t message_size) {
  SignatureSet set = LoadOrGenerateSignatures(kind, spec.batch, message_size, spec.progress);
  v1::VerifyRequest request;
  request.set_scheme(scheme);
  SetFixed(&set.messages, set.message_size, request.mutable_messages());
  SetFixed(&set.public_keys, set.public_key_size, request.mutable_public_keys());
  SetFixed(&set.signatures, set.signature_size, request.mutable_signatures());
  request.set_placement(spec.placement);
  const uint64_t n = spec.batch;
  return Serialized(MethodName<v1::SignatureService>("Verify"), request, n, message_size,
                    ParsedCheck<v1::VerifyResponse>([n](const v1::VerifyResponse& r) {
                      return CheckVerdicts(r.status(), r.valid_count(), n);
                    }));
}

Workload RecoverWorkload(const WorkloadSpec& spec) {
  SignatureSet set =
      LoadOrGenerateSignatures(SignatureKind::kRecover, spec.batch, kHashSize, spec.progress);
  v1::RecoverRequest request;
  request.set_hashes(std::move(set.messages));
  request.set_signatures(std::move(set.signatures));
  request.set_placement(spec.placement);
  const uint64_t n = spec.batch;
  auto expected_keys = std::make_shared<const std::string>(std::move(set.public_keys));
  return Serialized(
      MethodName<v1::SignatureService>("Recover"), request, n, kHashSize,
      ParsedCheck<v1::RecoverResponse>([n, expected_keys](const v1::RecoverResponse& r) {
        std::string problem = CheckVerdicts(r.status(), r.recovered_count(), n);
        if (problem.empty() && r.public_keys() != *expected_keys) {
          problem = "recovered public keys differ from the signing keys";
        }
        return problem;
      }));
}

}  // namespace

Workload MakeWorkload(const WorkloadSpec& spec) {
  if (spec.batch == 0) throw CliError("--batch must be at least 1");
  if (sodium_init() < 0) throw CliError("libsodium failed to initialize");
  const uint32_t message_size = spec.message_size ? spec.message_size : kHashSize;
  switch (spec.op) {
    case BenchOp::kSha256:
      return HashWorkload(v1::HASH_ALGORITHM_SHA256, spec);
    case BenchOp::kSha256d:
      return HashWorkload(v1::HASH_ALGORITHM_SHA256D, spec);
    case BenchOp::kKeccak256:
      return HashWorkload(v1::HASH_ALGORITHM_KECCAK256, spec);
    case BenchOp::kMerkleBitcoin:
      return MerkleWorkload(v1::MERKLE_SCHEME_BITCOIN, spec);
    case BenchOp::kMerkleRfc6962:
      return MerkleWorkload(v1::MERKLE_SCHEME_RFC6962, spec);
    case BenchOp::kMerkleOz:
      return MerkleWorkload(v1::MERKLE_SCHEME_OZ_KECCAK_SORTED, spec);
    case BenchOp::kEd25519:
      return VerifyWorkload(v1::SIGNATURE_SCHEME_ED25519, SignatureKind::kEd25519, spec,
                            message_size);
    case BenchOp::kSchnorr:
      return VerifyWorkload(v1::SIGNATURE_SCHEME_SCHNORR_BIP340, SignatureKind::kSchnorr, spec,
                            message_size);
    case BenchOp::kEcdsa:
    case BenchOp::kRecover:
      if (message_size != kHashSize) {
        throw CliError("ecdsa and recover sign 32-byte hashes; --msg-size must be 32");
      }
      return spec.op == BenchOp::kEcdsa
                 ? VerifyWorkload(v1::SIGNATURE_SCHEME_ECDSA_SECP256K1, SignatureKind::kEcdsa,
                                  spec, message_size)
                 : RecoverWorkload(spec);
  }
  throw CliError("unknown bench op");
}

}  // namespace chainaccel::cli
