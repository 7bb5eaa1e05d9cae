// MapState: a contract's storage as a plain ordered map, for running the VM with no
// executor around it (tests, the fuzzer, benchmarks). Header-only.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "engines/exec/contract_vm.h"

namespace chainaccel::exec::testing {

class MapState final : public HostState {
 public:
  ReadResult Read(std::string_view key, std::string* value) override {
    auto it = data.find(key);
    if (it == data.end()) return ReadResult::kAbsent;
    *value = it->second;
    return ReadResult::kFound;
  }
  // value == nullptr deletes.
  void Write(std::string_view key, const std::string* value) override {
    if (value) {
      data.insert_or_assign(std::string(key), *value);
    } else if (auto it = data.find(key); it != data.end()) {
      data.erase(it);
    }
  }
  std::map<std::string, std::string, std::less<>> data;
};

}  // namespace chainaccel::exec::testing
