#include "server/tls_credentials.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

namespace chainaccel::server {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

Status ReadFile(const std::string& key, const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(key + " " + path + " cannot be read");
  std::stringstream contents;
  contents << in.rdbuf();
  *text = contents.str();
  return Status::Ok();
}

// The first certificate of a PEM file.
Status ReadCert(const std::string& key, const std::string& path, Cert* cert) {
  std::string pem;
  Status s = ReadFile(key, path, &pem);
  if (!s.ok()) return s;
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  cert->reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (*cert == nullptr) {
    return Status::InvalidArgument(key + " " + path + " holds no PEM certificate");
  }
  return Status::Ok();
}

Status CheckFiles(const TlsConfig& tls) {
  Cert cert;
  Status s = ReadCert("tls.cert_file", tls.cert_file, &cert);
  std::string pem;
  if (s.ok()) s = ReadFile("tls.key_file", tls.key_file, &pem);
  if (!s.ok()) return s;
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return Status::InvalidArgument("tls.key_file " + tls.key_file +
                                   " holds no PEM private key (or it is encrypted)");
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return Status::InvalidArgument("tls.key_file " + tls.key_file +
                                   " is not the key of the certificate in tls.cert_file " +
                                   tls.cert_file);
  }
  if (tls.client_ca_file.empty()) return Status::Ok();
  Cert ca;
  return ReadCert("tls.client_ca_file", tls.client_ca_file, &ca);
}

}  // namespace

Status ListenerCredentials(const TlsConfig& tls, std::shared_ptr<grpc::ServerCredentials>* out) {
  if (tls.cert_file.empty()) {
    *out = grpc::InsecureServerCredentials();
    return Status::Ok();
  }
  Status s = CheckFiles(tls);
  if (!s.ok()) return s;
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      tls.key_file, tls.cert_file, tls.client_ca_file, tls.reload_seconds);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (tls.client_ca_file.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    options.set_cert_request_type(tls.client_cert == "require"
                                      ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                      : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  *out = grpc::experimental::TlsServerCredentials(options);
  if (*out == nullptr) return Status::InvalidArgument("gRPC refused the TLS settings");
  return Status::Ok();
}

std::string DescribeListenerSecurity(const TlsConfig& tls) {
  if (tls.cert_file.empty()) return "plaintext";
  if (tls.client_ca_file.empty()) return "TLS";
  return tls.client_cert == "require" ? "mutual TLS (client certificate required)"
                                      : "mutual TLS (client certificate optional)";
}

}  // namespace chainaccel::server
