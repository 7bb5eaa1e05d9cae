// VerifyGetStateProof on responses built by hand with the rules of docs/execution.md
// ("State root"): a one-leaf state and a two-leaf state, present and absent keys, and
// malformed or altered proofs.
#include "client/cli/state_proof.h"

#include <catch2/catch.hpp>

#include "execution/tx/state_proof.h"

namespace chainaccel {
namespace {

std::string Str(const Hash32& h) { return std::string(reinterpret_cast<const char*>(h.data()), 32); }

// The response for `key` in the state {"a": "1", "b": "2"} (a and b part at some depth
// d; the proof has d + 1 siblings: d empty ones above, then the other leaf).
v1::GetStateResponse TwoLeafResponse(const std::string& key) {
  const Hash32 pa = exec::StateKeyPath("a"), pb = exec::StateKeyPath("b");
  const Hash32 la = exec::StateLeafHash(pa, exec::StateValueHash("1"));
  const Hash32 lb = exec::StateLeafHash(pb, exec::StateValueHash("2"));
  unsigned d = 0;
  while (exec::PathBit(pa, d) == exec::PathBit(pb, d)) ++d;
  Hash32 root = exec::PathBit(pa, d) ? exec::StateInternalHash(lb, la) : exec::StateInternalHash(la, lb);
  for (unsigned k = d; k-- > 0;) {
    root = exec::PathBit(pa, k) ? exec::StateInternalHash(Hash32{}, root)
                                : exec::StateInternalHash(root, Hash32{});
  }
  v1::GetStateResponse r;
  r.set_state_root(Str(root));
  const bool is_a = key == "a";
  for (unsigned k = 0; k < d; ++k) r.mutable_proof()->add_siblings(Str(Hash32{}));
  r.mutable_proof()->add_siblings(Str(is_a ? lb : la));
  r.mutable_proof()->set_leaf_key_path(Str(is_a ? pa : pb));
  r.mutable_proof()->set_leaf_value_hash(Str(exec::StateValueHash(is_a ? "1" : "2")));
  r.set_found(true);
  r.set_value(is_a ? "1" : "2");
  return r;
}

TEST_CASE("VerifyGetStateProof accepts proofs of present and absent keys", "[state_proof]") {
  for (const char* key : {"a", "b"}) {
    const v1::GetStateResponse r = TwoLeafResponse(key);
    const StateProofVerdict v = VerifyGetStateProof(key, r);
    INFO(v.reason);
    CHECK(v.valid);
  }
  // Empty state: absent, no siblings, no leaf, root zero.
  v1::GetStateResponse empty;
  empty.set_state_root(std::string(32, '\0'));
  CHECK(VerifyGetStateProof("anything", empty).valid);
  // One leaf ("a"): "z" is absent, shown by a's leaf at the root.
  v1::GetStateResponse one;
  one.set_state_root(Str(exec::StateLeafHash(exec::StateKeyPath("a"), exec::StateValueHash("1"))));
  one.mutable_proof()->set_leaf_key_path(Str(exec::StateKeyPath("a")));
  one.mutable_proof()->set_leaf_value_hash(Str(exec::StateValueHash("1")));
  CHECK(VerifyGetStateProof("z", one).valid);
}

TEST_CASE("VerifyGetStateProof refuses altered and malformed proofs", "[state_proof]") {
  v1::GetStateResponse r = TwoLeafResponse("a");
  r.set_value("2");
  CHECK_FALSE(VerifyGetStateProof("a", r).valid);
  r = TwoLeafResponse("a");
  r.set_found(false);
  r.clear_value();
  CHECK_FALSE(VerifyGetStateProof("a", r).valid);
  r = TwoLeafResponse("a");
  CHECK_FALSE(VerifyGetStateProof("b", r).valid);
  r = TwoLeafResponse("a");
  std::string sibling = r.proof().siblings(r.proof().siblings_size() - 1);
  sibling[5] ^= 1;
  r.mutable_proof()->set_siblings(r.proof().siblings_size() - 1, sibling);
  CHECK_FALSE(VerifyGetStateProof("a", r).valid);
  r = TwoLeafResponse("a");
  r.mutable_proof()->set_siblings(0, std::string(31, '\0'));
  const StateProofVerdict v = VerifyGetStateProof("a", r);
  CHECK_FALSE(v.valid);
  CHECK_THAT(v.reason, Catch::Contains("siblings[0] is 31 bytes, not 32"));
  r = TwoLeafResponse("a");
  r.set_state_root("short");
  CHECK_FALSE(VerifyGetStateProof("a", r).valid);
}

}  // namespace
}  // namespace chainaccel
