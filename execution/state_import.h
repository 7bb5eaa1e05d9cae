// ImportState: writes a whole state into a new state database at once, as its block 1 (a
// chain's genesis allocation, a state brought over from elsewhere, a benchmark's state of
// 10^8 accounts), where writing it block by block would read and rewrite the tree's
// paths once for every block (docs/execution.md, "Importing a state"). The state records
// are written as the source gives them; the state tree is built bottom-up from the keys
// sorted by path, every node written once at version 1, on several threads (each key's
// path and value hash spilled to one of 256 temporary files by its path's first byte,
// and each file sorted and built on its own: "import-leaves" in the folder); everything
// is written without RocksDB's log and flushed to its tables before one synced last
// batch records height 1 and the root. StateStore::Open then opens the database like any
// other at height 1; the next block is 2.
//
// Crash safety: the import writes a marker ("m:import", synced) before its first record
// and removes it in its last batch, so a database whose import stopped part-way (a crash,
// a failed write, a source that failed) is refused by StateStore::Open and by ImportState
// until its folder is removed; nothing of it is ever taken for a state.
//
// Memory: bounded by the state's largest 1/256th, not by the state: a bucket's keys at
// 64 bytes each per thread while the tree is built (25 MB at 10^8 keys), 4 MiB of leaf
// buffers and 8 MiB of write buffers a thread; RocksDB's memtables (up to 4 of 256 MiB)
// besides. Disk: the database, and 64 bytes a key in the temporary files until their
// bucket is built.
// History: the imported state has no undo log, so GetState reads no height below 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "core/status.h"
#include "core/task.h"
#include "execution/state_tree.h"

namespace rocksdb {
class Env;
}

namespace chainaccel::exec {

// The state to import, in parts: a call visits every key of part `part` with its value,
// in any order, and returns OK, or the status that stops the import. ImportState calls
// it once for every part in [0, ImportOptions::parts), several at once on different
// threads, so it must be safe for that. The parts are disjoint: a key visited twice (in
// one part or two) fails the import.
using ImportPart = std::function<Status(size_t part, const StateVisitor& visit)>;

struct ImportOptions {
  size_t parts = 1;    // the source's parts; at least 1
  size_t threads = 8;  // threads that read parts, sort and build the tree; at least 1
  rocksdb::Env* env = nullptr;  // RocksDB's file system (tests inject faults); null: the default
};

struct ImportResult {
  uint64_t keys = 0;
  uint64_t nodes = 0;  // tree records written
  Hash32 root{};       // the state root at height 1
  // Where the time went, in seconds: reading the parts (writing the state records and
  // spilling the keys' paths and value hashes to their buckets), building the tree
  // (reading each bucket back, sorting it by path, writing its nodes; then the levels
  // above), and flushing RocksDB's memtables to tables and waiting for its compactions
  // to catch up (and the last batch).
  double read_s = 0;
  double tree_s = 0;
  double flush_s = 0;
  // Of all that, the time RocksDB held the import's writes (write stalls: every memtable
  // full while flushes lag, too many level-0 tables).
  double write_stall_s = 0;
};

// Imports the state `source` gives into a new database at `path` (created when missing)
// as block 1; *result says what was written. FAILED_PRECONDITION (nothing written) when
// the database already holds anything (a block, a deployment, an import that did not
// finish). INVALID_ARGUMENT when the source has no key, an empty key, a contract's code
// key (contracts are deployed, execution/tx/contract_code.h), or a key twice; the source's
// own status when a part fails; INTERNAL when RocksDB fails. After a failure past the
// emptiness check the folder holds an unfinished import: remove it before importing
// again. REQUIRES: options.parts >= 1, options.threads >= 1; no other process or store
// has the database open.
Status ImportState(const std::string& path, const ImportPart& source, const ImportOptions& options,
                   ImportResult* result);

}  // namespace chainaccel::exec
