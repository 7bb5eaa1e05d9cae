#include "server/authorizer.h"

#include <google/protobuf/descriptor.h>
#include <grpc/grpc_security_constants.h>

#include <cctype>
#include <fstream>
#include <sstream>
#include <utility>

#include "chainaccel/v1/admin.pb.h"
#include "chainaccel/v1/execution.pb.h"
#include "chainaccel/v1/hash.pb.h"
#include "chainaccel/v1/merkle.pb.h"
#include "chainaccel/v1/proof.pb.h"
#include "chainaccel/v1/signature.pb.h"

namespace chainaccel::server {
namespace {

constexpr std::string_view kBearer = "bearer ";

// Client-certificate properties of gRPC's auth context and the prefix of each identity.
constexpr std::pair<const char*, std::string_view> kIdentityProperties[] = {
    {GRPC_X509_CN_PROPERTY_NAME, "CN="},   {GRPC_PEER_DNS_PROPERTY_NAME, "DNS:"},
    {GRPC_PEER_URI_PROPERTY_NAME, "URI:"}, {GRPC_PEER_EMAIL_PROPERTY_NAME, "EMAIL:"},
    {GRPC_PEER_IP_PROPERTY_NAME, "IP:"}};

// The services of the API (one message of each file pulls in its descriptors).
std::vector<const google::protobuf::ServiceDescriptor*> ApiServices() {
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const google::protobuf::FileDescriptor* file :
       {v1::HashRequest::descriptor()->file(), v1::BuildTreeRequest::descriptor()->file(),
        v1::VerifyRequest::descriptor()->file(), v1::GetDevicesRequest::descriptor()->file(),
        v1::DeployContractRequest::descriptor()->file(), v1::ProveRequest::descriptor()->file()}) {
    for (int i = 0; i < file->service_count(); ++i) services.push_back(file->service(i));
  }
  return services;
}

std::string Trim(const std::string& text) {
  const char* kSpace = " \t\r\n";
  const size_t first = text.find_first_not_of(kSpace);
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

Status ReadToken(const std::string& path, std::string* token) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("auth.token_file " + path + " cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  *token = Trim(text.str());
  if (token->empty()) return Status::InvalidArgument("auth.token_file " + path + " is empty");
  return Status::Ok();
}

// Compares in time that depends on the lengths only.
bool SameToken(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

Status CheckIdentityPattern(const std::string& identity) {
  for (const auto& [property, prefix] : kIdentityProperties) {
    if (identity.size() > prefix.size() && identity.compare(0, prefix.size(), prefix) == 0) {
      return Status::Ok();
    }
  }
  return Status::InvalidArgument("auth.allowed_identities: '" + identity +
                                 "' is not CN=<name>, DNS:<name>, URI:<uri>, EMAIL:<address> "
                                 "or IP:<address>");
}

Status ResolveGuardedMethods(const std::vector<std::string>& names,
                             std::map<std::string, std::string>* short_to_full) {
  const auto services = ApiServices();
  for (const std::string& name : names) {
    const size_t slash = name.find('/');
    const google::protobuf::MethodDescriptor* method = nullptr;
    for (const auto* service : services) {
      if (slash != std::string::npos && service->full_name() == name.substr(0, slash)) {
        method = service->FindMethodByName(name.substr(slash + 1));
      }
    }
    if (method == nullptr) {
      return Status::InvalidArgument("auth.methods: '" + name +
                                     "' is not a method of the API (chainaccel.v1.<Service>/"
                                     "<Method>, for example chainaccel.v1.ExecutionService/"
                                     "ExecuteBlock)");
    }
    // The call frame knows a method by its name alone; the API never repeats one.
    for (const auto* service : services) {
      if (service != method->service() && service->FindMethodByName(method->name()) != nullptr) {
        return Status::InvalidArgument("auth.methods: '" + name + "': " + method->name() +
                                       " is also a method of " + service->full_name());
      }
    }
    if (short_to_full != nullptr) (*short_to_full)[method->name()] = name;
  }
  return Status::Ok();
}

Status Authorizer::Create(const AuthConfig& config, bool loopback,
                          std::unique_ptr<Authorizer>* out) {
  std::map<std::string, std::string> guarded;
  Status s = ResolveGuardedMethods(config.methods, &guarded);
  for (size_t i = 0; s.ok() && i < config.allowed_identities.size(); ++i) {
    s = CheckIdentityPattern(config.allowed_identities[i]);
  }
  std::string token;
  if (s.ok() && !config.token_file.empty()) s = ReadToken(config.token_file, &token);
  if (!s.ok()) return s;
  const bool has_credentials = !config.token_file.empty() || !config.allowed_identities.empty();
  const bool enforced =
      config.mode == "on" || (config.mode == "auto" && (!loopback || has_credentials));
  out->reset(new Authorizer(config, enforced, std::move(guarded), std::move(token)));
  return Status::Ok();
}

Authorizer::Authorizer(const AuthConfig& config, bool enforced,
                       std::map<std::string, std::string> guarded, std::string token)
    : enforced_(enforced),
      mode_(config.mode),
      token_file_(config.token_file),
      allowed_(config.allowed_identities.begin(), config.allowed_identities.end()),
      guarded_(std::move(guarded)),
      token_(std::move(token)) {}

std::string Authorizer::Describe() const {
  std::vector<std::string> methods;
  for (const auto& entry : guarded_) methods.push_back(entry.second);
  if (mode_ == "off") return "auth: off (auth.mode), every method open";
  if (!enforced_) return "auth: not enforced (loopback listener, no credential configured)";
  std::string by;
  if (!token_file_.empty()) by = "the bearer token of " + token_file_;
  if (!allowed_.empty()) {
    by += std::string(by.empty() ? "" : " or ") + "client certificates of " +
          JoinNames(std::vector<std::string>(allowed_.begin(), allowed_.end()));
  }
  if (by.empty()) by = "nothing (no credential is configured: refused to every client)";
  return "auth: " + (methods.empty() ? std::string("no method") : JoinNames(methods)) +
         " guarded by " + by;
}

Status Authorizer::Check(const grpc::ServerContextBase& context, std::string_view method) const {
  if (!enforced_ || guarded_.find(std::string(method)) == guarded_.end()) return Status::Ok();
  return Decide(CredentialsOf(context), method);
}

PresentedCredentials Authorizer::CredentialsOf(const grpc::ServerContextBase& context) {
  PresentedCredentials presented;
  const auto& metadata = context.client_metadata();
  for (auto [it, end] = metadata.equal_range("authorization"); it != end; ++it) {
    presented.authorization.emplace_back(it->second.data(), it->second.size());
  }
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return presented;
  for (const auto& [property, prefix] : kIdentityProperties) {
    for (const grpc::string_ref& value : auth->FindPropertyValues(property)) {
      presented.identities.push_back(std::string(prefix) +
                                     std::string(value.data(), value.size()));
    }
  }
  return presented;
}

Status Authorizer::Decide(const PresentedCredentials& presented, std::string_view method) const {
  const auto guarded = guarded_.find(std::string(method));
  if (!enforced_ || guarded == guarded_.end()) return Status::Ok();
  const std::string& name = guarded->second;
  if (!has_credentials()) {
    return Status::PermissionDenied(
        name + " is guarded and no credential is configured (auth.token_file, "
               "auth.allowed_identities), so it is refused to every client");
  }
  for (const std::string& identity : presented.identities) {
    if (allowed_.count(identity)) return Status::Ok();
  }
  if (!presented.authorization.empty()) return DecideWithToken(presented, name);
  if (!presented.identities.empty()) {
    return Status::PermissionDenied(name + ": the client certificate (" +
                                    JoinNames(presented.identities) +
                                    ") is not one of auth.allowed_identities");
  }
  std::string needs;
  if (!token_file_.empty()) needs = "the metadata 'authorization: Bearer <token>'";
  if (!allowed_.empty()) {
    needs += std::string(needs.empty() ? "" : " or ") +
             "a client certificate with one of auth.allowed_identities";
  }
  return Status::Unauthenticated(name + " needs credentials: " + needs);
}

Status Authorizer::DecideWithToken(const PresentedCredentials& presented,
                                   const std::string& name) const {
  if (presented.authorization.size() > 1) {
    return Status::Unauthenticated(name + ": the call has more than one authorization value");
  }
  const std::string& value = presented.authorization.front();
  if (!StartsWithNoCase(value, kBearer) || Trim(value.substr(kBearer.size())).empty()) {
    return Status::Unauthenticated(name +
                                   ": the authorization metadata is not 'Bearer <token>'");
  }
  if (token_file_.empty()) {
    return Status::Unauthenticated(name + ": bearer tokens are not accepted (no auth.token_file); "
                                          "present a client certificate");
  }
  MutexLock lock(mu_);
  if (!SameToken(Trim(value.substr(kBearer.size())), token_)) {
    return Status::Unauthenticated(name + ": the bearer token is not the daemon's");
  }
  return Status::Ok();
}

Status Authorizer::ReloadToken() {
  if (token_file_.empty()) return Status::Ok();
  std::string token;
  Status s = ReadToken(token_file_, &token);
  if (!s.ok()) return Status::InvalidArgument(s.message() + "; the previous token stays in force");
  MutexLock lock(mu_);
  token_ = std::move(token);
  return Status::Ok();
}

}  // namespace chainaccel::server
