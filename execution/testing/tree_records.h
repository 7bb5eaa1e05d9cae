// Checks of the state tree's records in a state database (docs/execution.md, "Storage
// and versions"), read directly from RocksDB: what the store's own reads would not show
// (a latest-node record that a read falls back past, or one left over).
#pragma once

#include <cstddef>
#include <string>

#include "core/status.h"

namespace chainaccel::exec::testing {

// Opens the closed database at `path` read-only and checks its latest-node records
// ("n") against its versioned ones ("t"): walking the tree of the committed height
// (m:height) down from its root record, every reachable position has an "n" record equal
// to its latest "t" record at or below that height (node and version), and no other "n"
// record exists. *reachable: the positions walked. INTERNAL naming the first difference.
Status CheckLatestNodeRecords(const std::string& path, size_t* reachable);

}  // namespace chainaccel::exec::testing
