#include "execution/verifying_key_registry.h"

#include <catch2/catch.hpp>

#include "execution/gas.h"
#include "execution/testing/map_state.h"
#include "execution/testing/proofs.h"
#include "execution/tx/verifying_key.h"

namespace chainaccel::exec {
namespace {

using testing::MapState;

// MapState that counts writes.
class CountingState final : public HostState {
 public:
  ReadResult Read(std::string_view key, std::string* value) override {
    return map.Read(key, value);
  }
  void Write(std::string_view key, const std::string* value) override {
    ++writes;
    map.Write(key, value);
  }
  MapState map;
  int writes = 0;
};

CallOutcome Register(const std::string& input, HostState& state, uint64_t gas = 1'000'000,
                     std::string_view function = "register") {
  CallContext c;
  c.contract = VerifyingKeyRegistryAddress();
  c.function = function;
  c.input = ByteView(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  c.gas_limit = gas;
  return RunVerifyingKeyRegistry(c, state);
}

std::string IdBytes(const Hash32& id) { return std::string(id.begin(), id.end()); }

TEST_CASE("Registry: a valid key is written under its id and the id returned", "[registry]") {
  testing::TestVerifyingKey key(3, 7);
  CountingState state;
  const CallOutcome out = Register(key.encoding(), state);
  REQUIRE(out.kind == CallOutcome::Kind::kOk);
  CHECK(out.return_data == IdBytes(key.id()));
  CHECK(out.gas_used == gas::kKeyRegistration + key.encoding().size());
  CHECK(state.writes == 1);
  CHECK(state.map.data.at(IdBytes(key.id())) == key.encoding());

  // Registering it again is OK, returns the id and writes nothing.
  const CallOutcome again = Register(key.encoding(), state);
  REQUIRE(again.kind == CallOutcome::Kind::kOk);
  CHECK(again.return_data == IdBytes(key.id()));
  CHECK(again.gas_used == out.gas_used);
  CHECK(state.writes == 1);
}

TEST_CASE("Registry: each bad key reverts with its problem, charged, nothing written",
          "[registry]") {
  testing::TestVerifyingKey key(2, 8);
  const std::string good = key.encoding();
  std::string off_curve = good;
  off_curve[4 + 63] ^= 1;
  std::string big_coordinate = good;
  big_coordinate.replace(196, 32, 32, '\xff');
  std::string wrong_count = good;
  wrong_count[3] = 5;
  testing::TestVerifyingKey over(kMaxKeyPublicSignals + 1, 9);
  const std::pair<std::string, std::string> cases[] = {
      {good.substr(0, 10), "verifying key: 10 bytes, shorter than a key with no public signal (516)"},
      {wrong_count, "verifying key: 644 bytes, but n_public = 5 takes 836"},
      {off_curve, "verifying key: alpha1: not on the curve"},
      {big_coordinate, "verifying key: gamma2: a coordinate is >= p"},
      {over.encoding(), "verifying key: n_public = 201 is over the limit of 200"},
  };
  for (const auto& [input, message] : cases) {
    INFO(message);
    CountingState state;
    const CallOutcome out = Register(input, state);
    CHECK(out.kind == CallOutcome::Kind::kReverted);
    CHECK(out.message == message);
    CHECK(out.return_data.empty());
    CHECK(out.gas_used == gas::kKeyRegistration + input.size());
    CHECK(state.writes == 0);
  }
}

TEST_CASE("Registry: out of gas before anything, unknown entry points trap", "[registry]") {
  testing::TestVerifyingKey key(1, 10);
  CountingState state;
  const uint64_t cost = gas::kKeyRegistration + key.encoding().size();
  const CallOutcome short_gas = Register(key.encoding(), state, cost - 1);
  CHECK(short_gas.kind == CallOutcome::Kind::kOutOfGas);
  CHECK(short_gas.gas_used == cost - 1);
  CHECK(state.writes == 0);
  CHECK(Register(key.encoding(), state, cost).kind == CallOutcome::Kind::kOk);

  const CallOutcome unknown = Register(key.encoding(), state, cost, "deploy");
  CHECK(unknown.kind == CallOutcome::Kind::kTrapped);
  CHECK(unknown.gas_used == 0);
  CHECK_THAT(unknown.message, Catch::StartsWith("unknown entry point \"deploy\""));
}

}  // namespace
}  // namespace chainaccel::exec
