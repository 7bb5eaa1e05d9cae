#include "execution/verifying_key_registry.h"

#include <algorithm>

#include "execution/gas.h"
#include "execution/tx/verifying_key.h"

namespace chainaccel::exec {

CallOutcome RunVerifyingKeyRegistry(const CallContext& context, HostState& state) {
  CallOutcome out;
  if (context.function != "register") {
    out.kind = CallOutcome::Kind::kTrapped;
    out.message = "unknown entry point \"" + std::string(context.function) +
                  "\" (the verifying-key registry has only \"register\")";
    return out;
  }
  const uint64_t gas_limit = std::min(context.gas_limit, gas::kMaxGasLimit);
  const uint64_t cost = gas::kKeyRegistration + context.input.size();
  if (cost > gas_limit) {
    out.kind = CallOutcome::Kind::kOutOfGas;
    out.gas_used = gas_limit;
    out.message = "out of gas";
    return out;
  }
  out.gas_used = cost;
  const std::string_view encoding(reinterpret_cast<const char*>(context.input.data()),
                                  context.input.size());
  const Hash32 id = VerifyingKeyId(encoding);
  const std::string_view key(reinterpret_cast<const char*>(id.data()), id.size());
  std::string existing;
  switch (state.Read(key, &existing)) {
    case ReadResult::kBlocked:
      out.kind = CallOutcome::Kind::kBlocked;
      return out;
    case ReadResult::kFound:  // the same bytes (the id is their hash): nothing to write
      break;
    case ReadResult::kAbsent:
      if (Status s = CheckVerifyingKeyEncoding(encoding); !s.ok()) {
        out.kind = CallOutcome::Kind::kReverted;
        out.message = s.message();
        return out;
      }
      existing.assign(encoding);
      state.Write(key, &existing);
      break;
  }
  out.return_data.assign(key);
  return out;
}

}  // namespace chainaccel::exec
