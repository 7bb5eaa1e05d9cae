#include "execution/tx/contract_code.h"

#include <cstring>

#include "crypto/hashes.h"

namespace chainaccel::exec {
namespace {

std::string_view View(const Hash32& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

}  // namespace

Hash32 ContractAddress(const Hash32& code_hash, ByteView salt) {
  static constexpr std::string_view kDomain = "chainaccel-contract-v1";
  Hash32 address;
  Sha256Concat({ByteView(reinterpret_cast<const uint8_t*>(kDomain.data()), kDomain.size()),
                ByteView(code_hash), salt},
               address.data());
  return address;
}

const Hash32& ContractCodeNamespace() {
  static const Hash32 code = [] {
    static constexpr std::string_view kDomain = "chainaccel-contract-code-v1";
    Hash32 h;
    Sha256(ByteView(reinterpret_cast<const uint8_t*>(kDomain.data()), kDomain.size()), h.data());
    return h;
  }();
  return code;
}

std::string ContractCodeKey(const Hash32& address) {
  std::string key(View(ContractCodeNamespace()));
  key += View(address);
  return key;
}

bool ParseContractCodeKey(std::string_view state_key, Hash32* address) {
  if (state_key.size() != 64 || state_key.substr(0, 32) != View(ContractCodeNamespace())) {
    return false;
  }
  if (address != nullptr) std::memcpy(address->data(), state_key.data() + 32, 32);
  return true;
}

}  // namespace chainaccel::exec
