// The state database's layout (docs/execution.md, "Storage"): its record keys and how it
// is opened. Shared by StateStore (execution/state_store.h) and the state import
// (execution/state_import.h); internal to the execution library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/task.h"
#include "execution/state_tree.h"

namespace rocksdb {
class DB;
class Env;
class EventListener;
class Status;
}

namespace chainaccel::exec::state_db {

// "m:height" -> u64be(committed height); "m:root" -> its state root (32 bytes).
inline constexpr std::string_view kHeightKey = "m:height";
inline constexpr std::string_view kRootKey = "m:root";
// "m:genesis" -> u64be(height) of an imported state (ImportState): no height below it is
// readable (it has no undo log). Absent in a database that started empty.
inline constexpr std::string_view kGenesisKey = "m:genesis";
// "m:import": written (synced) before an import's first record and removed by its last
// batch; a database that holds it is an import that did not finish, which Open refuses.
inline constexpr std::string_view kImportKey = "m:import";
// "m:tree" -> u64be(height): every tree node record of the blocks up to that height is in
// the database's tables. Blocks write their nodes outside the write-ahead log, so a crash
// loses the nodes still in memtables; opening rebuilds those blocks' nodes from their undo
// logs (StateStore). Written outside the log after each block's nodes (so it reaches the
// tables with them, never before), and inside it where it must go down (an undone block)
// or be set at once (a database opened without it: its nodes were all logged).
inline constexpr std::string_view kTreeHeightKey = "m:tree";

// RocksDB's write counters since `db` opened (its "rocksdb.dbstats" map): the time user
// writes spent held by write stalls (db.user_write_stall_micros) and the bytes written to
// the write-ahead log (db.wal_bytes_written); zeros where RocksDB does not say.
struct WriteCounters {
  uint64_t stall_micros = 0;
  uint64_t log_bytes = 0;
};
WriteCounters ReadWriteCounters(rocksdb::DB& db);

// u64be(v), 8 bytes.
std::string BigEndian64(uint64_t v);
// u32be(v) appended to *out: the lengths of undo logs and state files.
void AppendBigEndian32(uint32_t v, std::string* out);
// u64be(v) appended to *out.
void AppendBigEndian64(uint64_t v, std::string* out);
// The u64be number in s's first 8 bytes (fewer: those).
uint64_t ParseBigEndian64(std::string_view s);
// The u32be number in s's first 4 bytes (fewer: those).
uint32_t ParseBigEndian32(std::string_view s);
// prefix || rest.
std::string Prefixed(char prefix, std::string_view rest);
// The 32 bytes of h.
inline std::string_view View(const Hash32& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

// "t" || u16be(depth) || prefix: the records of one tree position; "|| u64be(version)"
// names one of them (NodeKey, kNodeKeyBytes).
std::string NodePrefixKey(const NodePosition& p);
// u16be(depth) || prefix (34 bytes: a position in the stale index and the `y` records)
// appended to *out.
void AppendPosition(const NodePosition& p, std::string* out);
inline constexpr size_t kNodeKeyBytes = 1 + 2 + 32 + 8;
std::string NodeKey(const NodePosition& p, uint64_t version);

// OK for an OK status, else INTERNAL "<what>: <RocksDB's message>".
Status FromRocks(const rocksdb::Status& s, std::string_view what);

enum class OpenMode {
  kReadWrite,
  // An instance that writes nothing (it replays the log in memory).
  kReadOnly,
  // Read-write, tuned for ImportState's bulk writes (larger memtables, background work
  // on every core).
  kImport,
};

// Opens (creating it if missing, unless read-only) the database at `path` through `env`
// (null: RocksDB's default) with the store's table options (Bloom filters, partitioned
// indexes, a 32 MiB block cache) and its own diagnostics log (<path>/LOG); `listener`
// (may be null) hears of its flushes. Closing it does not flush its memtables (what they
// hold outside the log is lost, as in a crash): a store that closes cleanly flushes first.
// INTERNAL with RocksDB's message when it fails.
Status OpenDb(const std::string& path, rocksdb::Env* env, std::unique_ptr<rocksdb::DB>* db,
              OpenMode mode = OpenMode::kReadWrite,
              std::shared_ptr<rocksdb::EventListener> listener = nullptr);

}  // namespace chainaccel::exec::state_db
