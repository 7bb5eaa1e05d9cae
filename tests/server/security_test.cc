// TLS, mutual TLS and the authorization of guarded methods (docs/security.md), against
// the daemon in-process, with certificates made by `openssl` at test time (test_pki.h).
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <thread>

#include "client/client.h"
#include "server/authorizer.h"
#include "test_pki.h"
#include "test_server.h"

namespace chainaccel::server {
namespace {

using testing::TestPki;

constexpr char kServerName[] = "chainacceld.test";
constexpr char kDeploy[] = "chainaccel.v1.ExecutionService/DeployContract";

// ca: the daemon's CA, which signs its certificate and the good clients';
// stranger: a CA nobody trusts. Leaves: server (DNS:chainacceld.test), ops (CN=ops),
// node (CN=node-1, URI:spiffe://chain/node), intruder (CN=intruder, DNS:intruder.test,
// signed by ca but not allowed), rogue (CN=ops, signed by stranger).
struct Pki : TestPki {
  Pki() {
    MakeCa("ca");
    MakeCa("stranger");
    MakeLeaf("server", "ca", kServerName, std::string("DNS:") + kServerName);
    MakeLeaf("ops", "ca", "ops", "");
    MakeLeaf("node", "ca", "node-1", "URI:spiffe://chain/node");
    MakeLeaf("intruder", "ca", "intruder", "DNS:intruder.test");
    MakeLeaf("rogue", "stranger", "ops", "");
  }
};

Config TlsServerConfig(const Pki& pki) {
  Config config = TestServer::DefaultConfig();
  config.tls.cert_file = pki.Path("server.pem");
  config.tls.key_file = pki.Path("server.key");
  return config;
}

// Client options trusting CA `ca`, with client certificate `client` ("" none).
ClientOptions TlsClient(const Pki& pki, const std::string& ca, const std::string& client) {
  ClientOptions options;
  options.timeout = std::chrono::seconds(10);
  // Each channel its own connection: a handshake per test step.
  options.own_connection = true;
  const grpc::Status loaded =
      LoadClientTlsFiles(pki.Path(ca + ".pem"), client.empty() ? "" : pki.Path(client + ".pem"),
                         client.empty() ? "" : pki.Path(client + ".key"), &options.tls);
  REQUIRE(loaded.ok());
  options.tls.server_name = kServerName;
  return options;
}

ClientOptions PlainClient(const std::string& token = "") {
  ClientOptions options;
  options.timeout = std::chrono::seconds(10);
  options.own_connection = true;
  options.token = token;
  return options;
}

grpc::Status Health(const std::string& address, const ClientOptions& options) {
  auto health = Client(address, options).CheckHealth();
  return health.ok() ? grpc::Status::OK : health.status();
}

// DeployContract with bytes that are no WebAssembly: INVALID_ARGUMENT once the call is
// authorized, so any other code is the authorizer's.
grpc::Status Deploy(const std::string& address, const ClientOptions& options,
                    const std::string& authorization = "") {
  auto stub = v1::ExecutionService::NewStub(CreateClientChannel(address, options));
  v1::DeployContractRequest request;
  request.set_wasm("not wasm");
  v1::DeployContractResponse response;
  auto context = Context();
  if (!authorization.empty()) context->AddMetadata("authorization", authorization);
  return stub->DeployContract(context.get(), request, &response);
}

void RequireAuthorized(const grpc::Status& status) {
  INFO(FormatStatus(status));
  REQUIRE(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}

void RequireRefused(const grpc::Status& status, grpc::StatusCode code, const std::string& text) {
  INFO(FormatStatus(status));
  REQUIRE(status.error_code() == code);
  CHECK_THAT(status.error_message(), Catch::Contains(text));
}

std::string WriteToken(const TestPki& pki, const std::string& file, const std::string& token) {
  pki.Write(file, token + "\n");
  return pki.Path(file);
}

TEST_CASE("TLS: a client that trusts the CA connects, plaintext clients and strangers do not",
          "[security][tls]") {
  Pki pki;
  TestServer t(TlsServerConfig(pki));
  const std::string address = t.server().grpc_address();

  const ClientOptions good = TlsClient(pki, "ca", "");
  REQUIRE(Health(address, good).ok());
  auto digests = Client(address, good).Hash(v1::HASH_ALGORITHM_SHA256, PackBatch(std::vector<std::string>{"abc"}));
  REQUIRE(digests.ok());
  CHECK(digests->size() == 1);

  SECTION("without the server name override the address does not match the certificate") {
    ClientOptions options = good;
    options.tls.server_name.clear();
    CHECK(Health(address, options).error_code() == grpc::StatusCode::UNAVAILABLE);
  }
  SECTION("a client that trusts another CA refuses the daemon") {
    CHECK(Health(address, TlsClient(pki, "stranger", "")).error_code() ==
          grpc::StatusCode::UNAVAILABLE);
  }
  SECTION("a plaintext client gets no answer") {
    CHECK(Health(address, PlainClient()).error_code() == grpc::StatusCode::UNAVAILABLE);
  }
}

TEST_CASE("Mutual TLS: client certificates of the client CA only", "[security][tls]") {
  Pki pki;
  Config config = TlsServerConfig(pki);
  config.tls.client_ca_file = pki.Path("ca.pem");

  SECTION("client_cert: require") {
    TestServer t(config);
    const std::string address = t.server().grpc_address();
    CHECK(Health(address, TlsClient(pki, "ca", "ops")).ok());
    CHECK(Health(address, TlsClient(pki, "ca", "")).error_code() ==
          grpc::StatusCode::UNAVAILABLE);
    CHECK(Health(address, TlsClient(pki, "ca", "rogue")).error_code() ==
          grpc::StatusCode::UNAVAILABLE);
  }
  SECTION("client_cert: optional") {
    config.tls.client_cert = "optional";
    TestServer t(config);
    const std::string address = t.server().grpc_address();
    CHECK(Health(address, TlsClient(pki, "ca", "ops")).ok());
    CHECK(Health(address, TlsClient(pki, "ca", "")).ok());
    CHECK(Health(address, TlsClient(pki, "ca", "rogue")).error_code() ==
          grpc::StatusCode::UNAVAILABLE);
  }
}

TEST_CASE("Guarded methods need the token, the others stay open", "[security][auth]") {
  Pki pki;
  Config config = TestServer::DefaultConfig();  // plaintext on loopback
  config.auth.token_file = WriteToken(pki, "token", "s3cret");
  TestServer t(config);
  const std::string address = t.server().grpc_address();

  RequireRefused(Deploy(address, PlainClient()), grpc::StatusCode::UNAUTHENTICATED,
                 std::string(kDeploy) + " needs credentials: the metadata 'authorization: "
                                        "Bearer <token>'");
  RequireRefused(Deploy(address, PlainClient("wrong")), grpc::StatusCode::UNAUTHENTICATED,
                 "the bearer token is not the daemon's");
  RequireRefused(Deploy(address, PlainClient(), "Basic czNjcmV0"),
                 grpc::StatusCode::UNAUTHENTICATED,
                 "the authorization metadata is not 'Bearer <token>'");
  RequireRefused(Deploy(address, PlainClient(), "Bearer "), grpc::StatusCode::UNAUTHENTICATED,
                 "is not 'Bearer <token>'");
  RequireAuthorized(Deploy(address, PlainClient("s3cret")));
  RequireAuthorized(Deploy(address, PlainClient(), "bearer s3cret"));
  {
    v1::ExecuteBlockRequest request;
    request.set_height(1);
    v1::ExecuteBlockResponse response;
    RequireRefused(t.execution->ExecuteBlock(Context().get(), request, &response),
                   grpc::StatusCode::UNAUTHENTICATED,
                   "chainaccel.v1.ExecutionService/ExecuteBlock needs credentials");
  }

  // Read-only and batch methods need nothing.
  Client open(address, PlainClient());
  CHECK(open.Hash(v1::HASH_ALGORITHM_SHA256, PackBatch(std::vector<std::string>{"abc"})).ok());
  CHECK(open.GetDevices().ok());
  CHECK(open.GetStatus().ok());
  CHECK(open.GetScheduler().ok());
  CHECK(open.CheckHealth().ok());
  {
    v1::GetStateRequest request;
    request.set_key("k");
    v1::GetStateResponse response;
    CHECK(t.execution->GetState(Context().get(), request, &response).ok());
  }
  // Refusals count as failed DeployContract requests.
  auto status = open.GetStatus();
  REQUIRE(status.ok());
  for (const TaskCounters& c : status->tasks) {
    if (c.task == "deploy_contract") CHECK(c.failed_requests == 6);
  }

  SECTION("Reload (SIGHUP) takes the new token; a bad file keeps the old one") {
    WriteToken(pki, "token", "n3w");
    REQUIRE(t.server().Reload().ok());
    RequireRefused(Deploy(address, PlainClient("s3cret")), grpc::StatusCode::UNAUTHENTICATED,
                   "not the daemon's");
    RequireAuthorized(Deploy(address, PlainClient("n3w")));
    pki.Write("token", "  \n");
    const Status s = t.server().Reload();
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("is empty; the previous token stays in force"));
    RequireAuthorized(Deploy(address, PlainClient("n3w")));
  }
}

TEST_CASE("An AdminService method named in auth.methods is guarded", "[security][auth]") {
  Pki pki;
  Config config = TestServer::DefaultConfig();
  config.auth.token_file = WriteToken(pki, "token", "adm1n");
  config.auth.methods = {"chainaccel.v1.AdminService/GetStatus"};
  TestServer t(config);
  const std::string address = t.server().grpc_address();
  RequireRefused(Client(address, PlainClient()).GetStatus().status(),
                 grpc::StatusCode::UNAUTHENTICATED,
                 "chainaccel.v1.AdminService/GetStatus needs credentials");
  CHECK(Client(address, PlainClient("adm1n")).GetStatus().ok());
  CHECK(Client(address, PlainClient()).GetDevices().ok());
  CHECK(Client(address, PlainClient()).GetScheduler().ok());
  // Not in the list now: open.
  RequireAuthorized(Deploy(address, PlainClient()));
}

TEST_CASE("Client-certificate identities authorize guarded methods", "[security][auth][tls]") {
  Pki pki;
  Config config = TlsServerConfig(pki);
  config.tls.client_ca_file = pki.Path("ca.pem");
  config.tls.client_cert = "optional";
  config.auth.allowed_identities = {"CN=ops", "URI:spiffe://chain/node"};
  config.auth.token_file = WriteToken(pki, "token", "t0ken");
  TestServer t(config);
  const std::string address = t.server().grpc_address();

  RequireAuthorized(Deploy(address, TlsClient(pki, "ca", "ops")));   // CN
  RequireAuthorized(Deploy(address, TlsClient(pki, "ca", "node")));  // URI SAN
  RequireRefused(Deploy(address, TlsClient(pki, "ca", "intruder")),
                 grpc::StatusCode::PERMISSION_DENIED,
                 std::string(kDeploy) + ": the client certificate (CN=intruder, "
                                        "DNS:intruder.test) is not one of auth.allowed_identities");
  ClientOptions intruder_with_token = TlsClient(pki, "ca", "intruder");
  intruder_with_token.token = "t0ken";
  RequireAuthorized(Deploy(address, intruder_with_token));
  RequireRefused(Deploy(address, TlsClient(pki, "ca", "")), grpc::StatusCode::UNAUTHENTICATED,
                 "needs credentials: the metadata 'authorization: Bearer <token>' or a client "
                 "certificate with one of auth.allowed_identities");
  ClientOptions token_only = TlsClient(pki, "ca", "");
  token_only.token = "t0ken";
  RequireAuthorized(Deploy(address, token_only));
  // Open methods for any client the handshake lets in.
  CHECK(Client(address, TlsClient(pki, "ca", "intruder")).GetDevices().ok());
}

TEST_CASE("Enforced with no credential configured, guarded methods are refused to all",
          "[security][auth]") {
  Config config = TestServer::DefaultConfig();
  config.auth.mode = "on";
  TestServer t(config);
  RequireRefused(Deploy(t.server().grpc_address(), PlainClient("anything")),
                 grpc::StatusCode::PERMISSION_DENIED,
                 std::string(kDeploy) + " is guarded and no credential is configured");
  CHECK(Client(t.server().grpc_address(), PlainClient()).GetStatus().ok());
}

TEST_CASE("Authorizer: enforcement by mode and listener", "[security][auth]") {
  Pki pki;
  const std::string token_file = WriteToken(pki, "token", "tok");
  PresentedCredentials none;
  PresentedCredentials bearer{{"Bearer tok"}, {}};
  auto decide = [&](const std::string& mode, bool loopback, const std::string& token,
                    const PresentedCredentials& presented, std::string_view method) {
    AuthConfig config;
    config.mode = mode;
    config.token_file = token;
    std::unique_ptr<Authorizer> authorizer;
    const Status created = Authorizer::Create(config, loopback, &authorizer);
    REQUIRE(created.ok());
    return authorizer->Decide(presented, method);
  };
  // auto: open on loopback without credentials, enforced off loopback or with one.
  CHECK(decide("auto", true, "", none, "DeployContract").ok());
  CHECK(decide("auto", false, "", bearer, "DeployContract").code() ==
        Status::Code::kPermissionDenied);
  CHECK(decide("auto", true, token_file, none, "DeployContract").code() ==
        Status::Code::kUnauthenticated);
  CHECK(decide("auto", false, token_file, bearer, "ExecuteBlock").ok());
  // off: open anywhere; on: enforced on loopback too.
  CHECK(decide("off", false, token_file, none, "DeployContract").ok());
  CHECK(decide("on", true, "", none, "ExecuteBlock").code() == Status::Code::kPermissionDenied);
  // Unguarded methods are never asked about.
  CHECK(decide("on", false, token_file, none, "Hash").ok());
  CHECK(decide("on", false, token_file, none, "Call").ok());
  // Two authorization values are refused even if one is right.
  const Status twice =
      decide("on", true, token_file, PresentedCredentials{{"Bearer tok", "Bearer x"}, {}},
             "DeployContract");
  CHECK(twice.code() == Status::Code::kUnauthenticated);
  CHECK_THAT(twice.message(), Catch::Contains("more than one authorization value"));

  SECTION("bad token files and settings are refused at creation, naming them") {
    AuthConfig config;
    std::unique_ptr<Authorizer> authorizer;
    config.token_file = pki.Path("missing");
    Status s = Authorizer::Create(config, true, &authorizer);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains(pki.Path("missing") + " cannot be read"));
    config.token_file = WriteToken(pki, "blank", "");
    s = Authorizer::Create(config, true, &authorizer);
    CHECK_THAT(s.message(), Catch::Contains("is empty"));
    config.token_file.clear();
    config.methods = {"chainaccel.v1.ExecutionService/Deploy"};
    s = Authorizer::Create(config, true, &authorizer);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("'chainaccel.v1.ExecutionService/Deploy' is not a "
                                            "method of the API"));
    config.methods = {"grpc.health.v1.Health/Check"};
    CHECK_FALSE(Authorizer::Create(config, true, &authorizer).ok());
    config.methods = {};
    config.allowed_identities = {"ops"};
    s = Authorizer::Create(config, true, &authorizer);
    CHECK_THAT(s.message(), Catch::Contains("'ops' is not CN=<name>, DNS:<name>"));
  }
}

TEST_CASE("TLS: certificates replaced on disk are served after reload_seconds",
          "[security][tls]") {
  Pki pki;
  pki.MakeLeaf("server2", "stranger", kServerName, std::string("DNS:") + kServerName);
  Config config = TlsServerConfig(pki);
  config.tls.reload_seconds = 1;
  TestServer t(config);
  const std::string address = t.server().grpc_address();
  REQUIRE(Health(address, TlsClient(pki, "ca", "")).ok());
  REQUIRE_FALSE(Health(address, TlsClient(pki, "stranger", "")).ok());

  // Renamed over the old files, the key first (docs/security.md, "Rotation").
  pki.Write("server.key", pki.Read("server2.key"));
  pki.Write("server.pem", pki.Read("server2.pem"));
  bool switched = false;
  for (int i = 0; i < 100 && !switched; ++i) {
    switched = Health(address, TlsClient(pki, "stranger", "")).ok();
    if (!switched) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(switched);
  CHECK_FALSE(Health(address, TlsClient(pki, "ca", "")).ok());
}

TEST_CASE("Start refuses TLS and token files that cannot serve, naming them", "[security]") {
  Pki pki;
  pki.MakeLeaf("other", "ca", "other", "");
  auto start = [](Config config) {
    Server server(std::move(config));
    return server.Start();
  };
  Config config = TlsServerConfig(pki);
  SECTION("a missing certificate") {
    config.tls.cert_file = pki.Path("missing.pem");
    const Status s = start(config);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("tls.cert_file " + pki.Path("missing.pem") +
                                            " cannot be read"));
  }
  SECTION("a key that is not the certificate's") {
    config.tls.key_file = pki.Path("other.key");
    const Status s = start(config);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("is not the key of the certificate"));
  }
  SECTION("a client CA file that holds no certificate") {
    config.tls.client_ca_file = pki.Path("server.key");
    const Status s = start(config);
    CHECK_THAT(s.message(), Catch::Contains("tls.client_ca_file " + pki.Path("server.key") +
                                            " holds no PEM certificate"));
  }
  SECTION("a missing token file") {
    config.auth.token_file = pki.Path("no-token");
    const Status s = start(config);
    CHECK_THAT(s.message(), Catch::Contains("auth.token_file " + pki.Path("no-token")));
  }
}

}  // namespace
}  // namespace chainaccel::server
