#include "client/client.h"

#include <google/protobuf/unknown_field_set.h>
#include <grpc/grpc.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>

#include <grpcpp/support/client_interceptor.h>

#include <array>
#include <fstream>
#include <future>
#include <sstream>

namespace chainaccel {
namespace {

// Standard health checking protocol (grpc/health/v1/health.proto). gRPC's Debian
// packages ship no generated code for it, so the two tiny messages are encoded by hand:
// HealthCheckRequest { string service = 1; },
// HealthCheckResponse { ServingStatus status = 1; }.
constexpr char kHealthCheckMethod[] = "/grpc.health.v1.Health/Check";
constexpr int kHealthServiceField = 1;
constexpr int kHealthStatusField = 1;

void ToProto(PackedBatch batch, v1::ByteBatch* out) {
  out->set_data(std::move(batch.data));
  out->set_item_size(batch.item_size);
  out->mutable_offsets()->Add(batch.offsets.begin(), batch.offsets.end());
}

std::vector<v1::ItemStatus> FromProto(const google::protobuf::RepeatedField<int>& statuses) {
  std::vector<v1::ItemStatus> out(statuses.size());
  for (int i = 0; i < statuses.size(); ++i) out[i] = static_cast<v1::ItemStatus>(statuses[i]);
  return out;
}

template <typename T>
std::vector<T> FromProto(const google::protobuf::RepeatedField<T>& values) {
  return std::vector<T>(values.begin(), values.end());
}

template <typename T>
void ToProto(const std::vector<T>& values, google::protobuf::RepeatedField<T>* out) {
  out->Add(values.begin(), values.end());
}

// Adds `authorization: Bearer <token>` to the metadata of every call of a channel (an
// interceptor rather than call credentials, which gRPC sends over TLS only: a token is
// also accepted on a plaintext loopback daemon).
class BearerTokenInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit BearerTokenInterceptor(const std::string* value) : value_(value) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace("authorization", *value_);
    }
    methods->Proceed();
  }

 private:
  const std::string* value_;  // owned by the factory, which the channel keeps
};

class BearerTokenInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerTokenInterceptorFactory(const std::string& token) : value_("Bearer " + token) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new BearerTokenInterceptor(&value_);
  }

 private:
  const std::string value_;
};

grpc::Status ReadFile(const std::string& what, const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, what + " " + path + " cannot be read");
  }
  std::stringstream contents;
  contents << in.rdbuf();
  *text = contents.str();
  return grpc::Status::OK;
}

grpc::Status ReadPem(const std::string& what, const std::string& path, std::string* pem) {
  grpc::Status status = ReadFile(what, path, pem);
  if (status.ok() && pem->find("-----BEGIN ") == std::string::npos) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, what + " " + path + " is not PEM");
  }
  return status;
}

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const ClientTlsOptions& tls) {
  if (!tls.enabled) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = tls.root_certs_pem;
  ssl.pem_cert_chain = tls.cert_chain_pem;
  ssl.pem_private_key = tls.private_key_pem;
  return grpc::SslCredentials(ssl);
}

}  // namespace

std::shared_ptr<grpc::Channel> CreateClientChannel(const std::string& target,
                                                   const ClientOptions& options) {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(options.max_send_message_bytes);
  args.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  if (options.own_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  if (options.tls.enabled && !options.tls.server_name.empty()) {
    args.SetSslTargetNameOverride(options.tls.server_name);
  }
  const std::shared_ptr<grpc::ChannelCredentials> credentials = ChannelCredentials(options.tls);
  if (options.token.empty()) return grpc::CreateCustomChannel(target, credentials, args);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<BearerTokenInterceptorFactory>(options.token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(target, credentials, args,
                                                                 std::move(interceptors));
}

grpc::Status LoadClientTlsFiles(const std::string& ca_file, const std::string& cert_file,
                                const std::string& key_file, ClientTlsOptions* tls) {
  if (cert_file.empty() != key_file.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "a client certificate and its key go together: give both or neither");
  }
  grpc::Status status;
  if (!ca_file.empty()) status = ReadPem("CA file", ca_file, &tls->root_certs_pem);
  if (status.ok() && !cert_file.empty()) {
    status = ReadPem("client certificate", cert_file, &tls->cert_chain_pem);
  }
  if (status.ok() && !key_file.empty()) {
    status = ReadPem("client key", key_file, &tls->private_key_pem);
  }
  if (status.ok()) tls->enabled = true;
  return status;
}

grpc::Status LoadTokenFile(const std::string& path, std::string* token) {
  std::string text;
  grpc::Status status = ReadFile("token file", path, &text);
  if (!status.ok()) return status;
  const char* kSpace = " \t\r\n";
  const size_t first = text.find_first_not_of(kSpace);
  *token = first == std::string::npos
               ? ""
               : text.substr(first, text.find_last_not_of(kSpace) - first + 1);
  if (token->empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "token file " + path + " is empty");
  }
  return grpc::Status::OK;
}

std::string_view StatusCodeName(grpc::StatusCode code) {
  static constexpr std::array<std::string_view, 17> kNames = {
      "OK",                 "CANCELLED",         "UNKNOWN",        "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",  "NOT_FOUND",         "ALREADY_EXISTS", "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",      "OUT_OF_RANGE",
      "UNIMPLEMENTED",      "INTERNAL",          "UNAVAILABLE",    "DATA_LOSS",
      "UNAUTHENTICATED"};
  const auto index = static_cast<size_t>(code);
  return index < kNames.size() ? kNames[index] : "UNKNOWN";
}

std::string FormatStatus(const grpc::Status& status) {
  std::string out(StatusCodeName(status.error_code()));
  if (!status.error_message().empty()) {
    out += ": ";
    out += status.error_message();
  }
  return out;
}

std::string_view HealthStatusName(HealthStatus status) {
  switch (status) {
    case HealthStatus::kServing:
      return "SERVING";
    case HealthStatus::kNotServing:
      return "NOT_SERVING";
    case HealthStatus::kServiceUnknown:
      return "SERVICE_UNKNOWN";
    case HealthStatus::kUnknown:
      break;
  }
  return "UNKNOWN";
}

std::vector<std::string_view> MerkleTree::Proofs() const {
  std::vector<std::string_view> proofs;
  proofs.reserve(proof_lengths.size());
  size_t at = 0;
  for (uint32_t length : proof_lengths) {
    proofs.push_back(std::string_view(proof_hashes).substr(at, size_t{32} * length));
    at += size_t{32} * length;
  }
  return proofs;
}

void VerifyProofsArgs::AddProof(std::string_view leaf, uint64_t index, std::string_view hashes) {
  leaves.append(leaf);
  leaf_indices.push_back(index);
  proof_hashes.append(hashes);
  proof_lengths.push_back(static_cast<uint32_t>(hashes.size() / 32));
}

Client::Client(const std::string& target, ClientOptions options)
    : Client(CreateClientChannel(target, options), options) {}

Client::Client(std::shared_ptr<grpc::Channel> channel, ClientOptions options)
    : options_(options),
      channel_(std::move(channel)),
      hash_(v1::HashService::NewStub(channel_)),
      merkle_(v1::MerkleService::NewStub(channel_)),
      signature_(v1::SignatureService::NewStub(channel_)),
      admin_(v1::AdminService::NewStub(channel_)) {}

std::unique_ptr<grpc::ClientContext> Client::NewContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (options_.timeout.count() > 0) {
    context->set_deadline(std::chrono::system_clock::now() + options_.timeout);
  }
  return context;
}

Result<Digests> Client::Hash(v1::HashAlgorithm algorithm, PackedBatch messages,
                             v1::Placement placement) const {
  v1::HashRequest request;
  request.set_algorithm(algorithm);
  ToProto(std::move(messages), request.mutable_messages());
  request.set_placement(placement);
  v1::HashResponse response;
  const grpc::Status status = hash_->Hash(NewContext().get(), request, &response);
  if (!status.ok()) return status;
  return Digests{std::move(*response.mutable_digests()), std::move(*response.mutable_engine())};
}

Result<MerkleTree> Client::BuildTree(BuildTreeArgs args) const {
  v1::BuildTreeRequest request;
  request.set_scheme(args.scheme);
  if (args.entries.size() != 0) {
    request.set_leaf_encoding(v1::LEAF_ENCODING_RAW_ENTRIES);
    ToProto(std::move(args.entries), request.mutable_entries());
  } else {
    request.set_leaves(std::move(args.leaves));
  }
  request.set_sort_leaves(args.sort_leaves);
  ToProto(args.proof_indices, request.mutable_proof_indices());
  request.set_placement(args.placement);
  v1::BuildTreeResponse response;
  const grpc::Status status = merkle_->BuildTree(NewContext().get(), request, &response);
  if (!status.ok()) return status;
  return MerkleTree{std::move(*response.mutable_root()), response.leaf_count(),
                    std::move(*response.mutable_proof_hashes()),
                    FromProto(response.proof_lengths()), std::move(*response.mutable_engine())};
}

Result<Verdicts> Client::VerifyProofs(VerifyProofsArgs args) const {
  v1::VerifyProofsRequest request;
  request.set_scheme(args.scheme);
  request.set_root(std::move(args.root));
  request.set_leaf_count(args.leaf_count);
  request.set_leaves(std::move(args.leaves));
  ToProto(args.leaf_indices, request.mutable_leaf_indices());
  request.set_proof_hashes(std::move(args.proof_hashes));
  ToProto(args.proof_lengths, request.mutable_proof_lengths());
  request.set_placement(args.placement);
  v1::VerifyProofsResponse response;
  const grpc::Status status = merkle_->VerifyProofs(NewContext().get(), request, &response);
  if (!status.ok()) return status;
  return Verdicts{FromProto(response.status()), response.valid_count(),
                  std::move(*response.mutable_engine())};
}

Result<Verdicts> Client::Verify(VerifyArgs args) const {
  v1::VerifyRequest request;
  request.set_scheme(args.scheme);
  ToProto(std::move(args.messages), request.mutable_messages());
  ToProto(std::move(args.public_keys), request.mutable_public_keys());
  ToProto(std::move(args.signatures), request.mutable_signatures());
  request.set_pre_hash(args.pre_hash);
  request.set_signature_encoding(args.encoding);
  request.set_allow_high_s(args.allow_high_s);
  request.set_placement(args.placement);
  v1::VerifyResponse response;
  const grpc::Status status = signature_->Verify(NewContext().get(), request, &response);
  if (!status.ok()) return status;
  return Verdicts{FromProto(response.status()), response.valid_count(),
                  std::move(*response.mutable_engine())};
}

Result<RecoveredKeys> Client::Recover(RecoverArgs args) const {
  v1::RecoverRequest request;
  request.set_hashes(std::move(args.hashes));
  request.set_signatures(std::move(args.signatures));
  request.set_allow_high_s(args.allow_high_s);
  request.set_placement(args.placement);
  v1::RecoverResponse response;
  const grpc::Status status = signature_->Recover(NewContext().get(), request, &response);
  if (!status.ok()) return status;
  return RecoveredKeys{std::move(*response.mutable_public_keys()),
                       std::move(*response.mutable_addresses()), FromProto(response.status()),
                       response.recovered_count(), std::move(*response.mutable_engine())};
}

Result<std::vector<DeviceInfo>> Client::GetDevices() const {
  v1::GetDevicesResponse response;
  const grpc::Status status =
      admin_->GetDevices(NewContext().get(), v1::GetDevicesRequest(), &response);
  if (!status.ok()) return status;
  std::vector<DeviceInfo> devices;
  for (v1::Device& d : *response.mutable_devices()) {
    devices.push_back(DeviceInfo{
        std::move(*d.mutable_name()), std::move(*d.mutable_kind()), std::move(*d.mutable_model()),
        d.threads(), d.memory_bytes(), d.multiprocessors(),
        std::move(*d.mutable_compute_capability()), d.healthy(),
        std::vector<std::string>(d.tasks().begin(), d.tasks().end()), d.batches(),
        d.busy_seconds(), d.faults(), d.memory_free_bytes()});
  }
  return devices;
}

Result<DaemonStatus> Client::GetStatus() const {
  v1::GetStatusResponse response;
  const grpc::Status status =
      admin_->GetStatus(NewContext().get(), v1::GetStatusRequest(), &response);
  if (!status.ok()) return status;
  DaemonStatus out{std::move(*response.mutable_version()), response.uptime_seconds(), {},
                   response.in_flight_requests()};
  for (v1::TaskCounters& t : *response.mutable_tasks()) {
    out.tasks.push_back(
        TaskCounters{std::move(*t.mutable_task()), t.requests(), t.failed_requests(), t.items()});
  }
  return out;
}

Result<v1::GetSchedulerResponse> Client::GetScheduler() const {
  v1::GetSchedulerResponse response;
  const grpc::Status status =
      admin_->GetScheduler(NewContext().get(), v1::GetSchedulerRequest(), &response);
  if (!status.ok()) return status;
  return response;
}

Result<v1::SetEngineEnabledResponse> Client::SetEngineEnabled(const std::string& engine,
                                                              bool enabled) const {
  v1::SetEngineEnabledRequest request;
  request.set_engine(engine);
  request.set_enabled(enabled);
  v1::SetEngineEnabledResponse response;
  const grpc::Status status = admin_->SetEngineEnabled(NewContext().get(), request, &response);
  if (!status.ok()) return status;
  return response;
}

Result<HealthStatus> Client::CheckHealth(const std::string& service) const {
  google::protobuf::UnknownFieldSet request_fields;
  if (!service.empty()) request_fields.AddLengthDelimited(kHealthServiceField, service);
  std::string request_bytes;
  request_fields.SerializeToString(&request_bytes);
  grpc::Slice slice(request_bytes);
  const grpc::ByteBuffer request(&slice, 1);

  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  const std::unique_ptr<grpc::ClientContext> context = NewContext();
  grpc::GenericStub stub(channel_);
  stub.UnaryCall(context.get(), kHealthCheckMethod, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  const grpc::Status status = done.get_future().get();
  // The protocol answers NOT_FOUND for a service the server does not know.
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return HealthStatus::kServiceUnknown;
  if (!status.ok()) return status;

  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "unreadable health check response");
  }
  std::string response_bytes;
  for (const grpc::Slice& s : slices) {
    response_bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  google::protobuf::UnknownFieldSet response_fields;
  if (!response_fields.ParseFromString(response_bytes)) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "malformed health check response");
  }
  // An absent status field is proto3's default, UNKNOWN.
  HealthStatus health = HealthStatus::kUnknown;
  for (int i = 0; i < response_fields.field_count(); ++i) {
    const google::protobuf::UnknownField& field = response_fields.field(i);
    if (field.number() == kHealthStatusField &&
        field.type() == google::protobuf::UnknownField::TYPE_VARINT &&
        field.varint() <= static_cast<uint64_t>(HealthStatus::kServiceUnknown)) {
      health = static_cast<HealthStatus>(field.varint());
    }
  }
  return health;
}

}  // namespace chainaccel
