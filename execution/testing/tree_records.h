// Checks of the state tree's records in a state database (docs/execution.md, "Storage
// and versions"), read directly from RocksDB: what the store's own reads would not show
// (a record a parent names that is missing or does not hash to the parent's slot, or a
// record of the latest-node layout of earlier versions left over).
#pragma once

#include <cstddef>
#include <string>

#include "core/status.h"

namespace chainaccel::exec::testing {

// Opens the closed database at `path` read-only and walks the tree of the committed
// height (m:height) from its root (the latest "t" record at or below that height at the
// root's position, which must hash to the height's root record) down through the
// versions the child slots name: every child's record must exist and hash to its slot,
// and no "n" record may exist; every stale index record ("x" || height) must hold whole
// entries in ascending order. *reachable: the nodes walked. INTERNAL naming the first
// difference.
Status CheckLatestTree(const std::string& path, size_t* reachable);

}  // namespace chainaccel::exec::testing
