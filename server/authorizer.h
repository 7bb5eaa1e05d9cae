// Authorizer: who may call the guarded methods of the daemon (the `auth:` section of the
// config; docs/security.md). The call frame asks it before admitting a call, and each
// AdminService method before answering; every method it does not guard stays open.
//
// A call to a guarded method is let through when it presents
//   - a client certificate, verified in the TLS handshake against tls.client_ca_file,
//     with one of auth.allowed_identities ("CN=ops", "URI:spiffe://…"), or
//   - the metadata `authorization: Bearer <token>` with the token of auth.token_file.
// Otherwise the Status names the method and what was wrong:
//   UNAUTHENTICATED    no credential; an authorization value that is not
//                      "Bearer <token>"; a token that is not the configured one;
//   PERMISSION_DENIED  a verified client certificate none of whose identities is allowed
//                      (and no valid token); or any call while enforcement is on and no
//                      credential is configured at all (the method is closed to everyone).
//
// Enforcement: auth.mode "on", or "auto" unless the listener is loopback and no credential
// is configured; "off" never.
//
// Thread-safety: Check, Decide and ReloadToken may be called from any thread at once.
#pragma once

#include <grpcpp/server_context.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/mutex.h"
#include "core/status.h"
#include "server/config.h"

namespace chainaccel::server {

// What a call presents, taken from its context.
struct PresentedCredentials {
  // The `authorization` metadata values (normally none or one).
  std::vector<std::string> authorization;
  // The identities of the client certificate the handshake verified ("CN=<common name>",
  // "DNS:…", "URI:…", "EMAIL:…", "IP:…"); empty without one.
  std::vector<std::string> identities;
};

// OK when `identity` has one of the prefixes "CN=", "DNS:", "URI:", "EMAIL:", "IP:" and a
// non-empty value; INVALID_ARGUMENT naming it otherwise.
Status CheckIdentityPattern(const std::string& identity);

// Resolves "chainaccel.v1.<Service>/<Method>" names against the API's services.
// *short_to_full (may be null) maps each method's name ("ExecuteBlock", as the call frame
// and the metrics name it) to its full name. INVALID_ARGUMENT names an entry that is no
// method of the API.
Status ResolveGuardedMethods(const std::vector<std::string>& names,
                             std::map<std::string, std::string>* short_to_full);

class Authorizer {
 public:
  // Reads auth.token_file. `loopback` is whether the gRPC listener is loopback only.
  // INVALID_ARGUMENT for a bad method name or identity, or a token file that cannot be
  // read or is empty (naming the file).
  static Status Create(const AuthConfig& config, bool loopback, std::unique_ptr<Authorizer>* out);

  Authorizer(const Authorizer&) = delete;
  Authorizer& operator=(const Authorizer&) = delete;

  // Whether guarded methods need credentials (see Enforcement above).
  bool enforced() const { return enforced_; }
  // Whether any credential (token file, allowed identity) is configured.
  bool has_credentials() const { return !token_file_.empty() || !allowed_.empty(); }
  // A line for the start-up log: what is guarded and by what.
  std::string Describe() const;

  // OK, or the refusal of a call to `method` (its name, "ExecuteBlock") on `context`.
  Status Check(const grpc::ServerContextBase& context, std::string_view method) const;
  // The decision of Check for what a call presents.
  Status Decide(const PresentedCredentials& presented, std::string_view method) const;
  // What the call on `context` presents.
  static PresentedCredentials CredentialsOf(const grpc::ServerContextBase& context);

  // Reads the token file again (SIGHUP). On failure the old token stays in force and the
  // Status (INVALID_ARGUMENT) says why. OK and nothing done without a token file.
  Status ReloadToken();

 private:
  Authorizer(const AuthConfig& config, bool enforced,
             std::map<std::string, std::string> guarded, std::string token);

  Status DecideWithToken(const PresentedCredentials& presented, const std::string& method) const;

  const bool enforced_;
  const std::string mode_;
  const std::string token_file_;
  const std::set<std::string> allowed_;
  // Guarded methods: short name -> "chainaccel.v1.<Service>/<Method>".
  const std::map<std::string, std::string> guarded_;

  mutable Mutex mu_;
  std::string token_ CHAINACCEL_GUARDED_BY(mu_);
};

}  // namespace chainaccel::server
