// The gRPC listener's credentials from the `tls:` section of the config
// (docs/security.md): plaintext, TLS, or mutual TLS.
//
// TLS runs on gRPC's FileWatcherCertificateProvider, which re-reads the certificate, key
// and client CA files every tls.reload_seconds on a thread of its own; a change applies
// to the connections made after it (open connections keep their session). gRPC 1.51's
// public API has no way to make a provider re-read at once or to give it new material,
// so SIGHUP does not reach the certificates (docs/security.md says why in full):
// replacing the files is enough, within reload_seconds.
#pragma once

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "core/status.h"
#include "server/config.h"

namespace chainaccel::server {

// Checks the files (each readable and PEM; the key the certificate's; the client CA
// file at least one certificate) and builds the credentials: insecure when
// tls.cert_file is empty. INVALID_ARGUMENT names the file and what is wrong with it.
Status ListenerCredentials(const TlsConfig& tls, std::shared_ptr<grpc::ServerCredentials>* out);

// "plaintext", "TLS" or "mutual TLS (client certificate required|optional)".
std::string DescribeListenerSecurity(const TlsConfig& tls);

}  // namespace chainaccel::server
