// MapState: a contract's storage as a plain ordered map, for running the VM with no
// executor around it; MapReader: committed state as a plain ordered map, for running
// executors over it (tests, the fuzzers, benchmarks). Header-only.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "execution/block.h"
#include "execution/contract_vm.h"

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

// Full state keys (contract address || key) to values. Get is safe from many threads
// while `data` does not change.
class MapReader final : public StateReader {
 public:
  bool Get(std::string_view key, std::string* value) const override {
    auto it = data.find(key);
    if (it == data.end()) return false;
    *value = it->second;
    return true;
  }
  std::map<std::string, std::string, std::less<>> data;
};

}  // namespace chainaccel::exec::testing
