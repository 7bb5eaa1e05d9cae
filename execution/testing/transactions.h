// Signed transactions for the exec tests and benchmarks.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "tests/support/signing.h"
#include "execution/block.h"

namespace chainaccel::exec::testing {

struct Account {
  chainaccel::testing::Ed25519Key key;
  Hash32 address{};  // SenderAddress(public key)
};

Account MakeAccount(std::mt19937_64& rng);

// An Ed25519-signed call.
Transaction SignedCall(const Account& from, const Hash32& contract, std::string_view function,
                       std::string input, uint64_t gas_limit, uint64_t nonce);

// Signs *tx (Ed25519, its digest as it stands) with `from`'s key. REQUIRES: tx's
// public key is `from`'s.
void Sign(const Account& from, Transaction* tx);

// Little-endian u64, as the example contracts take integers.
std::string U64(uint64_t v);
uint64_t ParseU64(std::string_view le8);
std::string AddressBytes(const Hash32& a);

}  // namespace chainaccel::exec::testing
