// libFuzzer target (scripts/fuzz.sh): Block-STM against the sequential executor on blocks
// of calls to an arbitrary contract. Consensus needs every executor's receipts and writes
// to equal sequential execution in block order for every block; the property tests check
// that over the stress and example contracts, this over whatever modules and calls the
// fuzzer makes up.
//
// Input: u16 (little-endian) module length, the module, then calls while bytes remain:
// entry-point byte (modulo their count; 0xF8 and above: a call to the verifying-key
// registry instead, below), gas byte (gas = 500 x (byte + 1)), sender byte (bits 0-1: one
// of 4 senders; bit 7: a bad signature; bit 6: the call carries a proof of key
// `bits 2-3` with as many signals, taken from the input; bit 5: that proof failed its
// pre-verification; bit 4: a wrong nonce if the gas byte is odd, below), input-length
// byte, the input. Registry
// calls: 0xF8-0xFB register test key 0-3 (key 0 is in the committed state), 0xFC-0xFE
// register the input bytes, 0xFF an entry point it does not have; their gas is 20,000
// more. At most 64 calls. Nonces (docs/execution.md, "Nonces"): a call takes its sender's
// next nonce as the input so far sets it (the committed one, then one more for each
// earlier call of the sender with a good signature and a right nonce); with bit 4 and an
// odd gas byte (a quarter of random calls), the nonce is wrong instead: the next one + 1
// when gas bit 1 is set (a gap, or a call ahead of its turn, so that the next ones come
// out of order), the next one - 1 when it is clear (a repeat; the largest nonce when the
// next one is 0). The block runs on the sequential executor and on Block-STM with 2 and
// 4 threads (executors kept between inputs, as the daemon keeps them between blocks),
// all on the interpreter; where the module is compiled (tests/fuzz/aot_tier.h: kept by
// code hash, so the inputs that mutate only the calls reuse it; new modules built for a
// bounded share of the run), the block also runs on the ahead-of-time tier, on the
// sequential executor and on Block-STM with 4 threads; any difference from the
// sequential executor on the interpreter aborts. Committed state: keys "k", "count" and the example contracts'
// balance and reserve keys with small values, test key 0 in the registry, and the
// senders' next nonces: none (0), 7, 2^40 and 3.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "execution/block.h"
#include "execution/executor.h"
#include "execution/testing/map_state.h"
#include "execution/testing/proofs.h"
#include "execution/tx/verifying_key.h"
#include "tests/fuzz/aot_tier.h"

namespace {

using namespace chainaccel::exec;
using chainaccel::ByteView;
using chainaccel::Hash32;
using chainaccel::exec::testing::MapReader;

constexpr size_t kMaxCalls = 64;
constexpr uint8_t kFirstRegistryCall = 0xF8;

// The four senders' public keys and their next nonces in the committed state (nullopt:
// no record).
const std::array<std::string, 4> kSenders = {std::string(32, 'a'), std::string(32, 'b'),
                                             std::string(32, 'c'), std::string(32, 'd')};
const std::array<std::optional<uint64_t>, 4> kCommittedNonces = {std::nullopt, 7,
                                                                 uint64_t{1} << 40, 3};

// Four keys of 1 to 4 public signals (built once: a key's setup takes milliseconds).
const std::vector<testing::TestVerifyingKey>& Keys() {
  static const auto* const keys = [] {
    auto* k = new std::vector<testing::TestVerifyingKey>;
    for (uint32_t n = 1; n <= 4; ++n) k->emplace_back(n, n);
    return k;
  }();
  return *keys;
}

// A call of the registry (entry byte >= kFirstRegistryCall) with `input`.
void MakeRegistryCall(uint8_t entry, std::string input, Transaction* tx) {
  tx->contract = VerifyingKeyRegistryAddress();
  tx->function = entry == 0xFF ? "unregister" : "register";
  tx->input = entry < 0xFC ? Keys()[entry & 3].encoding() : std::move(input);
  tx->gas_limit += 20'000;
}

// The proof the sender byte asks for: key (bits 2-3) with its count of signals, from
// `input` (zero-padded).
TransactionProof MakeProof(uint8_t sender, std::string_view input) {
  const testing::TestVerifyingKey& key = Keys()[(sender >> 2) & 3];
  TransactionProof proof;
  proof.verifying_key_id = key.id();
  proof.public_signals.resize(key.n_public());
  for (size_t i = 0; i < input.size() && i < 32 * key.n_public(); ++i) {
    proof.public_signals[i / 32][i % 32] = static_cast<uint8_t>(input[i]);
  }
  return proof;
}

// Aborts when `executor` does not give `reference` on `input`.
void RequireSame(BlockExecutor& executor, const BlockInput& input, const BlockOutput& reference,
                 const char* tier) {
  if (!(executor.Execute(input) == reference)) {
    std::fprintf(stderr, "executor_fuzz: %s on the %s differs from sequential execution on "
                 "the interpreter\n", executor.name().c_str(), tier);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t module_size = data[0] | (size_t{data[1]} << 8);
  if (size < 2 + module_size) return 0;
  const VmLimits limits;
  std::shared_ptr<const PreparedContract> contract;
  if (!PrepareContract(ByteView(data + 2, module_size), limits, &contract).ok()) return 0;
  const auto& entries = contract->entry_points();
  if (entries.empty()) return 0;

  Hash32 address;
  address.fill(0x5A);
  std::array<uint64_t, 4> next_nonce;
  for (size_t i = 0; i < next_nonce.size(); ++i) next_nonce[i] = kCommittedNonces[i].value_or(0);
  std::vector<Transaction> txs;
  std::vector<const PreparedContract*> contracts;
  std::vector<uint8_t> signature_ok;
  std::vector<std::string> proof_errors;
  size_t at = 2 + module_size;
  while (at + 4 <= size && txs.size() < kMaxCalls) {
    Transaction tx;
    const uint8_t entry = data[at], sender = data[at + 2];
    tx.gas_limit = 500 * (uint64_t{data[at + 1]} + 1);
    tx.public_key = kSenders[sender % kSenders.size()];
    const size_t n = std::min<size_t>(data[at + 3], size - (at + 4));
    std::string input(reinterpret_cast<const char*>(data + at + 4), n);
    if (sender & 0x40) tx.proof = MakeProof(sender, input);
    if (entry >= kFirstRegistryCall) {
      MakeRegistryCall(entry, std::move(input), &tx);
    } else {
      tx.contract = address;
      tx.function = entries[entry % entries.size()];
      tx.input = std::move(input);
    }
    uint64_t& next = next_nonce[sender % next_nonce.size()];
    if ((sender & 0x10) && (data[at + 1] & 1)) {
      tx.nonce = (data[at + 1] & 2) ? next + 1 : next - 1;
    } else {
      tx.nonce = next;
      if ((sender & 0x80) == 0) ++next;
    }
    at += 4 + n;
    contracts.push_back(entry >= kFirstRegistryCall ? nullptr : contract.get());
    signature_ok.push_back((sender & 0x80) == 0);
    proof_errors.push_back((sender & 0x60) == 0x60 ? "proof does not verify" : "");
    txs.push_back(std::move(tx));
  }
  if (txs.empty()) return 0;

  static const MapReader* const state = [] {
    auto* s = new MapReader;
    std::string prefix(32, '\x5A');
    for (const char* key : {"k", "count", "rx", "ry"}) s->data[prefix + key] = std::string(8, '\x07');
    for (size_t i = 0; i < kSenders.size(); ++i) {
      const Hash32 sender = SenderAddress(kSenders[i]);
      s->data[prefix + "b" + std::string(reinterpret_cast<const char*>(sender.data()), 32)] =
          std::string(8, '\x40');
      if (kCommittedNonces[i]) s->data[NonceStateKey(sender)] = EncodeNextNonce(*kCommittedNonces[i]);
    }
    const Hash32& id = Keys()[0].id();
    s->data[StateKey(VerifyingKeyRegistryAddress(), std::string(id.begin(), id.end()))] =
        Keys()[0].encoding();
    return s;
  }();
  static auto* const sequential = NewSequentialExecutor(limits).release();
  static auto* const stm2 = NewBlockStmExecutor(limits, 2).release();
  static auto* const stm4 = NewBlockStmExecutor(limits, 4).release();

  const BlockInput input{.height = 5,
                         .time = 1700000000,
                         .transactions = txs,
                         .contracts = contracts,
                         .signature_ok = signature_ok,
                         .proof_errors = proof_errors,
                         .state = state};
  const BlockOutput reference = sequential->Execute(input);
  RequireSame(*stm2, input, reference, "interpreter");
  RequireSame(*stm4, input, reference, "interpreter");

  const auto compiled =
      chainaccel::fuzz::FuzzAotTier::Get().Compiled(ByteView(data + 2, module_size), limits);
  if (compiled == nullptr) return 0;
  std::vector<const PreparedContract*> compiled_contracts = contracts;
  for (const PreparedContract*& c : compiled_contracts) {
    if (c != nullptr) c = compiled.get();
  }
  BlockInput on_aot = input;
  on_aot.contracts = compiled_contracts;
  RequireSame(*sequential, on_aot, reference, "AOT tier");
  RequireSame(*stm4, on_aot, reference, "AOT tier");
  return 0;
}
