// ProofService over gRPC, in-process (tests/zk/daemon_proofs.mjs holds it to snarkjs):
// RegisterCircuit streams a key and recognises it again; a Prove batch gives a bad
// witness its own ITEM_MALFORMED_WITNESS while the others are proved, and the proofs
// verify through VerifyGroth16 in both forms; every malformed request gets the
// documented status naming the field; the circuit budget drops the least recently used
// circuit (NOT_FOUND after) and the metrics say so.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "crypto/groth16/engine_layout.h"
#include "crypto/groth16/testing/insecure_setup.h"
#include "crypto/groth16/testing/snark_files.h"
#include "crypto/groth16/testing/synthetic_circuit.h"
#include "test_server.h"

namespace chainaccel::server {
namespace {

namespace gt = groth16::testing;

struct Material {
  std::string zkey;
  std::string wtns;
};

// A synthetic circuit's .zkey (insecure setup from the seed) and its witness's .wtns.
Material MakeMaterial(uint32_t constraints, uint64_t seed) {
  gt::SyntheticCircuit circuit = gt::MakeSyntheticCircuit(constraints, seed);
  groth16::ProvingKey key;
  REQUIRE(gt::InsecureSetup(circuit.r1cs, gt::TrapdoorFromSeed(seed), nullptr, &key).ok());
  const std::vector<uint8_t> zkey = gt::WriteZkey(key);
  const std::vector<uint8_t> wtns = gt::WriteWtns(circuit.witness);
  return {std::string(zkey.begin(), zkey.end()), std::string(wtns.begin(), wtns.end())};
}

// RegisterCircuit with the key cut into `chunk`-byte messages.
grpc::Status Register(TestServer& t, const std::string& zkey, v1::RegisterCircuitResponse* out,
                      size_t chunk = 4096) {
  auto context = Context();
  auto writer = t.proof->RegisterCircuit(context.get(), out);
  v1::RegisterCircuitRequest request;
  for (size_t at = 0; at < zkey.size(); at += chunk) {
    request.set_zkey_chunk(zkey.substr(at, chunk));
    if (!writer->Write(request)) break;
  }
  writer->WritesDone();
  return writer->Finish();
}

v1::ByteBatch Variable(const std::vector<std::string>& items) {
  v1::ByteBatch b;
  b.add_offsets(0);
  for (const std::string& item : items) {
    b.mutable_data()->append(item);
    b.add_offsets(b.data().size());
  }
  return b;
}

void ExpectStatus(const grpc::Status& status, grpc::StatusCode code, const std::string& message) {
  INFO("got " << status.error_code() << ": " << status.error_message());
  CHECK(status.error_code() == code);
  CHECK_THAT(status.error_message(), Catch::Contains(message));
}

TEST_CASE("ProofService registers, proves a batch with a bad item and verifies", "[grpc][proof]") {
  TestServer t;
  const Material m = MakeMaterial(60, 11);
  v1::RegisterCircuitResponse reg;
  REQUIRE(Register(t, m.zkey, &reg).ok());
  CHECK(reg.circuit_id().size() == 32);
  CHECK(reg.newly_registered());
  CHECK(reg.n_public() == gt::kSyntheticPublic);
  CHECK(reg.domain_size() == 128);  // 60 constraints + 4 public + 1 > 64
  CHECK_THAT(reg.verification_key_json(), Catch::Contains("\"protocol\": \"groth16\""));
  v1::RegisterCircuitResponse again;
  REQUIRE(Register(t, m.zkey, &again, 1000).ok());
  CHECK(again.circuit_id() == reg.circuit_id());
  CHECK_FALSE(again.newly_registered());

  v1::ProveRequest prove;
  prove.set_circuit_id(reg.circuit_id());
  *prove.mutable_witnesses() = Variable({m.wtns, "not a witness", m.wtns});
  v1::ProveResponse proved;
  REQUIRE(t.proof->Prove(Context().get(), prove, &proved).ok());
  REQUIRE(proved.status_size() == 3);
  CHECK(proved.status(0) == v1::ITEM_OK);
  CHECK(proved.status(1) == v1::ITEM_MALFORMED_WITNESS);
  CHECK(proved.status(2) == v1::ITEM_OK);
  CHECK(proved.engine() == "cpu");
  CHECK(proved.proofs().item_size() == 256);
  CHECK(proved.proofs().data().size() == 3 * 256);
  CHECK(proved.public_signals().data().size() == 3 * reg.n_public() * 32);
  CHECK(proved.proof_json(1).empty());
  CHECK_THAT(proved.proof_json(0), Catch::Contains("pi_a"));
  CHECK(proved.proofs().data().substr(0, 256) != proved.proofs().data().substr(512, 256));  // fresh r, s

  // Binary form: both proofs valid, the empty slot (infinity points) invalid.
  v1::ProofVerifyRequest verify;
  verify.set_verification_key_json(reg.verification_key_json());
  *verify.mutable_proofs() = proved.proofs();
  *verify.mutable_public_signals() = proved.public_signals();
  v1::ProofVerifyResponse verdicts;
  REQUIRE(t.proof->VerifyGroth16(Context().get(), verify, &verdicts).ok());
  REQUIRE(verdicts.status_size() == 3);
  CHECK(verdicts.status(0) == v1::ITEM_OK);
  CHECK(verdicts.status(1) == v1::ITEM_INVALID);
  CHECK(verdicts.status(2) == v1::ITEM_OK);
  CHECK(verdicts.valid_count() == 2);

  // JSON form.
  v1::ProofVerifyRequest json;
  json.set_verification_key_json(reg.verification_key_json());
  json.add_proof_json(proved.proof_json(0));
  json.add_public_json(proved.public_json(0));
  json.add_proof_json("[1, 2]");
  json.add_public_json(proved.public_json(0));
  REQUIRE(t.proof->VerifyGroth16(Context().get(), json, &verdicts).ok());
  CHECK(verdicts.status(0) == v1::ITEM_OK);
  CHECK(verdicts.status(1) == v1::ITEM_MALFORMED_PROOF);
}

TEST_CASE("ProofService refuses malformed requests naming the field", "[grpc][proof][bad]") {
  TestServer t;
  const Material m = MakeMaterial(12, 3);
  v1::RegisterCircuitResponse reg;
  REQUIRE(Register(t, m.zkey, &reg).ok());

  v1::ProveRequest prove;
  v1::ProveResponse proved;
  prove.set_circuit_id("short");
  *prove.mutable_witnesses() = Variable({m.wtns});
  ExpectStatus(t.proof->Prove(Context().get(), prove, &proved), grpc::StatusCode::INVALID_ARGUMENT,
               "circuit_id: must be 32 bytes");
  prove.set_circuit_id(std::string(32, '\0'));
  ExpectStatus(t.proof->Prove(Context().get(), prove, &proved), grpc::StatusCode::NOT_FOUND,
               "circuit_id: no circuit 0000");
  prove.set_circuit_id(reg.circuit_id());
  prove.clear_witnesses();
  ExpectStatus(t.proof->Prove(Context().get(), prove, &proved), grpc::StatusCode::INVALID_ARGUMENT,
               "witnesses: empty batch");

  v1::ProofVerifyRequest verify;
  v1::ProofVerifyResponse verdicts;
  verify.set_verification_key_json("{}");
  ExpectStatus(t.proof->VerifyGroth16(Context().get(), verify, &verdicts),
               grpc::StatusCode::INVALID_ARGUMENT, "verification_key_json: ");
  verify.set_verification_key_json(reg.verification_key_json());
  verify.mutable_proofs()->set_data(std::string(255, '\0'));
  verify.mutable_proofs()->set_item_size(255);
  ExpectStatus(t.proof->VerifyGroth16(Context().get(), verify, &verdicts),
               grpc::StatusCode::INVALID_ARGUMENT, "proofs: items must be 256 bytes");
  verify.mutable_proofs()->set_data(std::string(512, '\0'));
  verify.mutable_proofs()->set_item_size(256);
  verify.mutable_public_signals()->set_data(std::string(reg.n_public() * 32, '\0'));
  verify.mutable_public_signals()->set_item_size(reg.n_public() * 32);
  ExpectStatus(t.proof->VerifyGroth16(Context().get(), verify, &verdicts),
               grpc::StatusCode::INVALID_ARGUMENT, "public_signals has 1 items but proofs has 2");
  verify.add_proof_json("{}");
  verify.add_public_json("[]");
  ExpectStatus(t.proof->VerifyGroth16(Context().get(), verify, &verdicts),
               grpc::StatusCode::INVALID_ARGUMENT, "not both");

  v1::RegisterCircuitResponse bad;
  ExpectStatus(Register(t, "garbage that is no zkey", &bad), grpc::StatusCode::INVALID_ARGUMENT,
               "zkey");
  ExpectStatus(Register(t, "", &bad), grpc::StatusCode::INVALID_ARGUMENT,
               "zkey_chunk: no bytes were sent");
  std::string cut = m.zkey.substr(0, m.zkey.size() - 10);
  ExpectStatus(Register(t, cut, &bad), grpc::StatusCode::INVALID_ARGUMENT, "section");
  CHECK(t.Serving());
}

TEST_CASE("ProofService keeps its limits: key size and circuit budget", "[grpc][proof][limits]") {
  const Material first = MakeMaterial(12, 21);
  const Material second = MakeMaterial(12, 22);
  Config config = TestServer::DefaultConfig();
  config.proof.max_zkey_bytes = first.zkey.size() - 1;
  {
    TestServer t(config);
    v1::RegisterCircuitResponse reg;
    ExpectStatus(Register(t, first.zkey, &reg), grpc::StatusCode::RESOURCE_EXHAUSTED,
                 "proof.max_zkey_bytes");
  }
  config.proof.max_zkey_bytes = 1 << 30;
  config.proof.max_circuit_bytes = 1;  // no circuit fits
  {
    TestServer t(config);
    v1::RegisterCircuitResponse reg;
    ExpectStatus(Register(t, first.zkey, &reg), grpc::StatusCode::RESOURCE_EXHAUSTED,
                 "proof.max_circuit_bytes");
  }
  // One circuit's size (from a server without limits), then room for one and a half.
  TestServer sizing;
  v1::RegisterCircuitResponse sized;
  REQUIRE(Register(sizing, first.zkey, &sized).ok());
  config.proof.max_circuit_bytes = sized.memory_bytes() * 3 / 2;
  TestServer t(config);
  v1::RegisterCircuitResponse a, b;
  REQUIRE(Register(t, first.zkey, &a).ok());
  REQUIRE(Register(t, second.zkey, &b).ok());
  v1::ProveRequest prove;
  prove.set_circuit_id(a.circuit_id());
  *prove.mutable_witnesses() = Variable({first.wtns});
  v1::ProveResponse proved;
  ExpectStatus(t.proof->Prove(Context().get(), prove, &proved), grpc::StatusCode::NOT_FOUND,
               "is registered");
  prove.set_circuit_id(b.circuit_id());
  *prove.mutable_witnesses() = Variable({second.wtns});
  REQUIRE(t.proof->Prove(Context().get(), prove, &proved).ok());
  CHECK(proved.status(0) == v1::ITEM_OK);
  const std::string metrics = HttpGet(t.server().metrics_address(), "/metrics");
  CHECK_THAT(metrics, Catch::Contains("chainaccel_proof_circuits 1"));
  CHECK_THAT(metrics, Catch::Contains("chainaccel_proof_circuit_evictions_total 1"));
  CHECK_THAT(metrics, Catch::Contains("chainaccel_items_total{method=\"Prove\",status=\"ok\"} 1"));
}

}  // namespace
}  // namespace chainaccel::server
