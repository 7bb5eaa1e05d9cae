// State files: a whole state as a flat file of records, the form in which ImportState
// (execution/state_import.h) takes a genesis or a state brought over from elsewhere
// (`chainacceld --import-state`, docs/execution.md "Importing a state"):
//
//   record = u32be(key length) || key || u32be(value length) || value
//
// and nothing else: no header, records in any order, each key once across the files of
// one import. A state may be split over several files, which an import reads at once.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/status.h"
#include "execution/state_import.h"
#include "execution/state_tree.h"

namespace chainaccel::exec {

// The largest key and value a state file may hold (a record above them is refused as
// malformed, before anything is allocated for it).
inline constexpr size_t kStateFileMaxKeyBytes = size_t{1} << 16;
inline constexpr size_t kStateFileMaxValueBytes = size_t{1} << 24;

// Calls visit(key, value) for every record of the file at `path`, in file order.
// NOT_FOUND when the file cannot be opened; INVALID_ARGUMENT naming the file, the record's
// index and its byte offset when a record is truncated or its key (empty, or over
// kStateFileMaxKeyBytes) or value (over kStateFileMaxValueBytes) is out of bounds;
// INTERNAL when reading fails.
Status ReadStateFile(const std::string& path, const StateVisitor& visit);

// Writes every key and value `scan` visits (StateStore::ScanState exports a committed
// state) into a new file at `path` (replaced if it exists); *records (when not null) the
// records written. INVALID_ARGUMENT for a key or value out of ReadStateFile's bounds;
// INTERNAL when writing fails; the scan's own failure as it is.
Status WriteStateFile(const std::string& path, const StateScan& scan, size_t* records = nullptr);

// The files as an import's parts: part i reads files[i] (ReadStateFile), so an import
// reads ImportOptions::parts = files.size() files at once.
ImportPart StateFileParts(std::vector<std::string> files);

}  // namespace chainaccel::exec
