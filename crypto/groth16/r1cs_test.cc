// The .r1cs reader on files laid out as circom writes them (testing/snark_files.h's
// WriteR1cs over synthetic circuits): exact round trips and the message of every
// refusal. tests/zk/insecure_setup.mjs reads circom2's own files.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "crypto/groth16/r1cs.h"
#include "crypto/groth16/testing/snark_files.h"
#include "crypto/groth16/testing/synthetic_circuit.h"
#include "tests/support/random.h"

namespace chainaccel::groth16 {
namespace {

using testing::FindSection;
using testing::StoreU32LE;

constexpr uint32_t kConstraints = 40;

R1cs SmallCircuit(const char* test_name) {
  auto rng = chainaccel::testing::MakeRng(test_name);
  return testing::MakeSyntheticCircuit(kConstraints, rng()).r1cs;
}

// The reader's message for `bytes`, "OK" when it reads them.
std::string R1csMessage(const std::vector<uint8_t>& bytes) {
  R1cs r;
  const Status s = ReadR1cs(bytes, &r);
  if (s.ok()) return "OK";
  CHECK(s.code() == Status::Code::kInvalidArgument);
  return s.message();
}

bool SameMatrix(const R1csMatrix& x, const R1csMatrix& y) {
  if (x.row_start != y.row_start || x.terms.size() != y.terms.size()) return false;
  for (size_t i = 0; i < x.terms.size(); ++i) {
    if (x.terms[i].wire != y.terms[i].wire || x.terms[i].value != y.terms[i].value) return false;
  }
  return true;
}

// Offsets into section 2 of the first constraint's A linear combination.
size_t FirstTermAt(const std::vector<uint8_t>& file) {
  return FindSection(file, 2).body_at + 4;  // past A's term count
}

TEST_CASE("an r1cs written as circom writes it reads back exactly", "[r1cs]") {
  const R1cs r1cs = SmallCircuit("r1cs round trip");
  R1cs read;
  REQUIRE(ReadR1cs(testing::WriteR1cs(r1cs), &read).ok());
  CHECK(read.n_wires == r1cs.n_wires);
  CHECK(read.n_pub_out == testing::kSyntheticOutputs);
  CHECK(read.n_pub_in == testing::kSyntheticPublicInputs);
  CHECK(read.n_prv_in == testing::kSyntheticPrivateInputs);
  CHECK(read.n_labels == r1cs.n_labels);
  CHECK(read.n_constraints == kConstraints);
  CHECK(read.n_public() == testing::kSyntheticPublic);
  CHECK(SameMatrix(read.a, r1cs.a));
  CHECK(SameMatrix(read.b, r1cs.b));
  CHECK(SameMatrix(read.c, r1cs.c));
}

TEST_CASE("an r1cs with no constraints reads", "[r1cs]") {
  R1cs empty;
  empty.n_wires = 1;
  REQUIRE(R1csMessage(testing::WriteR1cs(empty)) == "OK");
}

TEST_CASE("r1cs refusals name the section and the problem", "[r1cs]") {
  const R1cs r1cs = SmallCircuit("r1cs refusals");
  const std::vector<uint8_t> good = testing::WriteR1cs(r1cs);
  const size_t header = FindSection(good, 1).body_at;
  auto edited = [&](auto edit) {
    std::vector<uint8_t> b = good;
    edit(b);
    return R1csMessage(b);
  };
  CHECK(edited([](auto& b) { b[3] = 'x'; }).rfind("r1cs: wrong magic", 0) == 0);
  CHECK(edited([](auto& b) { StoreU32LE(2, &b[4]); }).rfind("r1cs: unsupported version 2", 0) ==
        0);
  CHECK(edited([&](auto& b) { StoreU32LE(48, &b[header]); }) ==
        "r1cs: section 1 (header): n8 is 48, expected 32: not a BN254 (bn128) circuit");
  CHECK(edited([&](auto& b) { b[header + 4] ^= 1; }) ==
        "r1cs: section 1 (header): the prime is not BN254's scalar field r: a circuit for "
        "another curve");
  CHECK(edited([&](auto& b) { StoreU32LE(6, &b[header + 36]); }) ==
        "r1cs: section 1 (header): nWires 6 leaves no room for the constant wire and the 8 "
        "outputs and inputs");
  CHECK(edited([&](auto& b) { StoreU32LE(r1cs.n_wires, &b[FirstTermAt(good)]); }) ==
        "r1cs: section 2 (constraints): constraint 0: A term 0: wire " +
            std::to_string(r1cs.n_wires) + " is not below nWires = " +
            std::to_string(r1cs.n_wires));
  CHECK(edited([&](auto& b) {
          for (int i = 0; i < 32; ++i) b[FirstTermAt(good) + 4 + i] = 0xff;
        }) == "r1cs: section 2 (constraints): constraint 0: A term 0: the value is >= r");
  CHECK(edited([&](auto& b) { StoreU32LE(kConstraints - 1, &b[header + 60]); })
            .rfind("r1cs: section 2 (constraints): wrong size: ", 0) == 0);
  CHECK(edited([&](auto& b) { StoreU32LE(kConstraints + 1, &b[header + 60]); }) ==
        "r1cs: section 2 (constraints): constraint " + std::to_string(kConstraints) +
            ": A: truncated: the term count needs 4 bytes, 0 remain");
  CHECK(edited([&](auto& b) { StoreU32LE(1000, &b[FirstTermAt(good) - 4]); })
            .rfind("r1cs: section 2 (constraints): constraint 0: A: truncated: 1000 terms need",
                   0) == 0);
  CHECK(edited([&](auto& b) { StoreU32LE(4, &b[FindSection(good, 3).header_at]); }) ==
        "r1cs: section 4 (custom gates): custom gates are PLONK-only; a Groth16 setup cannot "
        "use this circuit");
  CHECK(edited([&](auto& b) { StoreU32LE(7, &b[FindSection(good, 2).header_at]); }) ==
        "r1cs: section 2 (constraints) is missing");
}

TEST_CASE("a truncated r1cs is refused wherever it is cut", "[r1cs]") {
  auto rng = chainaccel::testing::MakeRng("r1cs truncated");
  const std::vector<uint8_t> good = testing::WriteR1cs(SmallCircuit("r1cs truncated"));
  for (int i = 0; i < 40; ++i) {
    const size_t cut = chainaccel::testing::RandomSize(rng, 0, good.size() - 1);
    const std::string m = R1csMessage(std::vector<uint8_t>(good.begin(), good.begin() + cut));
    INFO("cut at " << cut << " of " << good.size() << ": " << m);
    CHECK(m.find("truncated") != std::string::npos);
  }
}

}  // namespace
}  // namespace chainaccel::groth16
