// libFuzzer target (scripts/fuzz.sh): Block-STM against the sequential executor on blocks
// of calls to an arbitrary contract. Consensus needs every executor's receipts and writes
// to equal sequential execution in block order for every block; the property tests check
// that over the stress and example contracts, this over whatever modules and calls the
// fuzzer makes up.
//
// Input: u16 (little-endian) module length, the module, then calls while bytes remain:
// entry-point byte (modulo their count), gas byte (gas = 500 x (byte + 1)), sender byte
// (one of 4 senders; bit 7 set: a bad signature), input-length byte, the input. At most
// 64 calls. The block runs on the sequential executor and on Block-STM with 2 and 4
// threads (executors kept between inputs, as the daemon keeps them between blocks); any
// difference aborts. Committed state: keys "k", "count" and the example contracts'
// balance and reserve keys with small values.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "execution/block.h"
#include "execution/executor.h"
#include "execution/testing/map_state.h"

namespace {

using namespace chainaccel::exec;
using chainaccel::ByteView;
using chainaccel::Hash32;
using chainaccel::exec::testing::MapReader;

constexpr size_t kMaxCalls = 64;

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
  const std::array<std::string, 4> senders = {std::string(32, 'a'), std::string(32, 'b'),
                                              std::string(32, 'c'), std::string(32, 'd')};
  std::vector<Transaction> txs;
  std::vector<uint8_t> signature_ok;
  size_t at = 2 + module_size;
  while (at + 4 <= size && txs.size() < kMaxCalls) {
    Transaction tx;
    tx.contract = address;
    tx.function = entries[data[at] % entries.size()];
    tx.gas_limit = 500 * (uint64_t{data[at + 1]} + 1);
    tx.public_key = senders[data[at + 2] % senders.size()];
    signature_ok.push_back((data[at + 2] & 0x80) == 0);
    const size_t n = std::min<size_t>(data[at + 3], size - (at + 4));
    tx.input.assign(reinterpret_cast<const char*>(data + at + 4), n);
    tx.nonce = txs.size();
    at += 4 + n;
    txs.push_back(std::move(tx));
  }
  if (txs.empty()) return 0;

  static const MapReader* const state = [] {
    auto* s = new MapReader;
    std::string prefix(32, '\x5A');
    for (const char* key : {"k", "count", "rx", "ry"}) s->data[prefix + key] = std::string(8, '\x07');
    for (char who : {'a', 'b', 'c', 'd'}) {
      const Hash32 sender = SenderAddress(std::string(32, who));
      s->data[prefix + "b" + std::string(reinterpret_cast<const char*>(sender.data()), 32)] =
          std::string(8, '\x40');
    }
    return s;
  }();
  static auto* const sequential = NewSequentialExecutor(limits).release();
  static auto* const stm2 = NewBlockStmExecutor(limits, 2).release();
  static auto* const stm4 = NewBlockStmExecutor(limits, 4).release();

  std::vector<const PreparedContract*> contracts(txs.size(), contract.get());
  const BlockInput input{.height = 5,
                         .time = 1700000000,
                         .transactions = txs,
                         .contracts = contracts,
                         .signature_ok = signature_ok,
                         .state = state};
  const BlockOutput reference = sequential->Execute(input);
  for (BlockExecutor* executor : {stm2, stm4}) {
    if (!(executor->Execute(input) == reference)) {
      std::fprintf(stderr, "executor_fuzz: %s differs from sequential execution\n",
                   executor->name().c_str());
      std::abort();
    }
  }
  return 0;
}
