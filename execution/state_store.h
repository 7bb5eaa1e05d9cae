// StateStore: committed chain state, persisted in RocksDB, mirrored in memory.
//
// Layout of the database (docs/execution.md, "Storage"):
//   "s" || state key            -> value                      (the state)
//   "u" || height (8 bytes BE)  -> undo log of that block      (the last kHistory + 1 blocks)
//   "c" || address (32 bytes)   -> code hash (32 bytes)        (deployed contracts)
//   "w" || code hash            -> wasm bytes
//   "m:height", "m:root"        -> last committed height (8 bytes BE), its state root
// A block commits in one RocksDB WriteBatch (state writes, undo log, height, root) with
// sync, so after a crash the store opens at the last committed block with nothing of a
// later block visible.
//
// Thread-safety: Get / GetAt / state() reads may run concurrently with each other and
// with Persist; Apply, Commit and PutContract need exclusive access (the caller
// serializes blocks, as ExecutionEngine does with its mutexes). Blocks are persisted
// one at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "execution/block.h"
#include "core/status.h"
#include "core/task.h"

namespace rocksdb {
class DB;
}

namespace chainaccel::exec {

class StateStore final : public StateReader {
 public:
  // Undo logs kept: state can be read at heights [height - kHistory, height].
  static constexpr uint64_t kHistory = 256;

  // Opens (creating if missing) the database at `path` and loads the state into memory.
  // INTERNAL when RocksDB fails (message included).
  static Status Open(const std::string& path, std::unique_ptr<StateStore>* out);
  ~StateStore() override;

  uint64_t height() const { return height_; }
  // The committed state root; before the first block, the empty state's, SHA-256 of nothing.
  const Hash32& state_root() const { return root_; }

  // StateReader: the latest committed value.
  bool Get(std::string_view key, std::string* value) const override;

  // The value of `key` after block `height`. NOT_FOUND for a height outside
  // [height() - kHistory, height()] (or above height()).
  Status GetAt(std::string_view key, uint64_t height, std::optional<std::string>* value) const;

  // The whole state, in key order.
  const std::map<std::string, std::string, std::less<>>& state() const { return state_; }

  // Contracts. PutContract is durable when it returns OK.
  Status PutContract(const Hash32& address, const Hash32& code_hash, std::string_view wasm);
  // False when no contract lives at `address`.
  bool GetContract(const Hash32& address, Hash32* code_hash) const;
  Status GetCode(const Hash32& code_hash, std::string* wasm) const;

  // Commits block `height` (REQUIRES: height == height() + 1) with its net writes and
  // state root, atomically and durably: Persist, then Apply.
  Status Commit(uint64_t height, const WriteSet& writes, const Hash32& root);

  // Commit in two steps, so that readers go on during the synced write. Persist writes
  // the block to the database in one synced batch (FAILED_PRECONDITION unless height ==
  // height() + 1; INTERNAL when RocksDB fails); until Apply, every read still sees the
  // previous block. Apply then moves the mirror, height() and state_root() to the block.
  // REQUIRES for Apply: exclusive access, and an OK Persist of this block just before.
  Status Persist(uint64_t height, const WriteSet& writes, const Hash32& root);
  void Apply(uint64_t height, const WriteSet& writes, const Hash32& root);

 private:
  StateStore() = default;

  // Sets (value non-null) or removes `key` in the mirror, keeping index_ in step.
  void SetInMirror(const std::string& key, const std::string* value);

  std::unique_ptr<rocksdb::DB> db_;
  uint64_t height_ = 0;
  Hash32 root_{};
  // The mirror: ordered for the state root, and indexed by hash for Get (every storage
  // read of every transaction; a tree walk over all keys cost ~13% of a token transfer at
  // 20,000 keys). The index's views and pointers are into state_'s nodes.
  std::map<std::string, std::string, std::less<>> state_;
  std::unordered_map<std::string_view, const std::string*> index_;
  std::map<Hash32, Hash32> contracts_;
};

}  // namespace chainaccel::exec
