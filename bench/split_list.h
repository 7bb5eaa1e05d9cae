// SplitList: "a,b,,c" -> {"a", "b", "c"}, for the benchmarks' list options.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace chainaccel {

inline std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace chainaccel
