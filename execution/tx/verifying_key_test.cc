#include "execution/tx/verifying_key.h"

#include <catch2/catch.hpp>

#include "crypto/groth16/engine_layout.h"
#include "crypto/groth16/point_bytes.h"
#include "crypto/groth16/snarkjs_json.h"
#include "crypto/groth16/testing/snark_files.h"
#include "execution/testing/proofs.h"
#include "tests/support/random.h"
#include "tests/support/vectors.h"

namespace chainaccel::exec {
namespace {

using chainaccel::testing::ToHex;

std::string Hex(const Hash32& h) { return ToHex(ByteView(h.data(), h.size())); }

// Expected values computed with Python's hashlib, not with this code.
TEST_CASE("Registry address and key id are the documented hashes", "[tx][proof]") {
  CHECK(Hex(VerifyingKeyRegistryAddress()) ==
        "39799de4c1ef232761d14dddbdc892bc61b4a178d529a2832f391fed6620b9f8");
  CHECK(Hex(VerifyingKeyId(std::string(4, '\0') + std::string(5, '\x01'))) ==
        "0e0b87d70b47a3d68128d212bb1ca5ed5dc472f8b74c5f6749017e793e51dfa7");
}

TEST_CASE("VerifyingKeyEncoding of snarkjs's verification_key.json is the canonical form",
          "[tx][proof]") {
  auto rng = chainaccel::testing::MakeRng("vk encoding from json");
  const groth16::VerifyingKey vk = groth16::testing::MakeSimulatedSetup(3, rng).vk;
  std::string encoding;
  REQUIRE(VerifyingKeyEncoding(groth16::VerifyingKeyToJson(vk), &encoding).ok());
  CHECK(encoding == groth16::EncodeVerifyingKeyEip197(vk));
  CHECK(CheckVerifyingKeyEncoding(encoding).ok());
  Groth16VerifyingKeyData data;
  REQUIRE(VerifyingKeyDataFromEncoding(encoding, &data).ok());
  const groth16::VerifyingKey back = groth16::VerifyingKeyFromEngine(data);
  CHECK(groth16::EncodeVerifyingKeyEip197(back) == encoding);

  CHECK(VerifyingKeyEncoding("{}", &encoding).code() == Status::Code::kInvalidArgument);
  // A key whose point is off the curve reads (the JSON reader checks ranges only) but
  // does not encode.
  groth16::VerifyingKey off = vk;
  off.alpha1.y += bn254::Fp::One();
  const Status s = VerifyingKeyEncoding(groth16::VerifyingKeyToJson(off), &encoding);
  CHECK(s.message() == "verifying key: alpha1: not on the curve");
}

TEST_CASE("A registered key has at most 200 public signals", "[tx][proof]") {
  testing::TestVerifyingKey at_limit(kMaxKeyPublicSignals, 1);
  CHECK(at_limit.encoding().size() == 13316);
  CHECK(CheckVerifyingKeyEncoding(at_limit.encoding()).ok());
  testing::TestVerifyingKey over(kMaxKeyPublicSignals + 1, 2);
  CHECK(CheckVerifyingKeyEncoding(over.encoding()).message() ==
        "verifying key: n_public = 201 is over the limit of 200");
  Groth16VerifyingKeyData data;
  CHECK(!VerifyingKeyDataFromEncoding(over.encoding(), &data).ok());
}

TEST_CASE("PublicSignalsProblem: the count, then each value below r", "[tx][proof]") {
  using testing::Signal;
  const std::vector<Hash32> two = {Signal(1), Signal(2)};
  CHECK(PublicSignalsProblem(two, 2).empty());
  CHECK(PublicSignalsProblem(two, 3) == "2 public signals, the key takes 3");
  Hash32 r_minus_1 = testing::FieldOrderSignal();
  r_minus_1[31] -= 1;  // r is odd: its last byte is not 0
  CHECK(PublicSignalsProblem(std::vector<Hash32>{Signal(0), r_minus_1}, 2).empty());
  CHECK(PublicSignalsProblem(std::vector<Hash32>{Signal(0), testing::FieldOrderSignal()}, 2) ==
        "public signal 1 is not below r");
}

}  // namespace
}  // namespace chainaccel::exec
