// StateStore: committed chain state, persisted in RocksDB, mirrored in memory.
//
// Layout of the database (docs/execution.md, "Storage"):
//   "s" || state key            -> value                      (the state)
//   "u" || height (8 bytes BE)  -> undo log of that block      (the last kHistory + 1 blocks)
//   "c" || address (32 bytes)   -> code hash (32 bytes)        (a deployment staged for the
//                                  next block)
//   "w" || code hash            -> wasm bytes
//   "m:height", "m:root"        -> last committed height (8 bytes BE), its state root
//   "t" || depth (2) || prefix (32) || version (8)  -> a node of the state tree
//   "x" || height (8) || depth (2) || prefix (32) || version (8) -> "" (a node record
//                                  replaced or made unreachable by block `height`)
//   "r" || height (8)           -> the state root after block `height`
//   "y" || height (8)           -> positions of the nodes block `height` wrote (the last block's)
// A block commits in one RocksDB WriteBatch (state writes, undo log, tree nodes, stale
// index, pruning, height, root) with sync, so after a crash the store opens at the last
// committed block with nothing of a later block visible. The state tree
// (execution/state_tree.h) keeps every version a read at the kept heights needs; older
// records are deleted by the block that makes them unneeded. A contract's code hash is
// state like any other, under its code key (execution/tx/contract_code.h), written by
// the block after its deployment was staged (StageContract).
//
// Storage failures (docs/execution.md, "Storage failures"): a batch RocksDB refuses (an
// I/O error of its write-ahead log, a failed sync) fails Persist with INTERNAL naming the
// block and RocksDB's error, and leaves height(), state_root() and every read as before.
// RocksDB takes no write after that until the database is reopened: Recover does it
// (and undoes the refused block if its record reached the log whole), Commit and
// StageContract call it first, and while it fails every write is refused the same way.
// The storage seam is the rocksdb::Env given to Open (RocksDB's default in the daemon);
// tests hand in one that fails writes (execution/testing/faulty_file_system.h).
//
// Thread-safety: Get / GetAt / state() reads may run concurrently with each other and
// with Persist; Apply, Commit, StageContract and Recover need exclusive access (the caller
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
#include <vector>

#include "execution/block.h"
#include "execution/state_tree.h"
#include "execution/tx/state_proof.h"
#include "core/status.h"
#include "core/task.h"

namespace rocksdb {
class DB;
class Env;
class WriteBatch;
}

namespace chainaccel::exec {

class StateStore final : public StateReader {
 public:
  // Undo logs kept: state can be read at heights [height - kHistory, height].
  static constexpr uint64_t kHistory = 256;

  // Opens (creating if missing) the database at `path` and loads the state into memory.
  // `env` (not owned; must outlive the store) is RocksDB's file system and clock, null
  // for RocksDB's default. INTERNAL when RocksDB fails (message included), and when the
  // tree's root record or root node does not match the committed root (O(1): the state
  // itself is not hashed; ExecutionOptions::verify_state_root_on_open does that).
  static Status Open(const std::string& path, std::unique_ptr<StateStore>* out,
                     rocksdb::Env* env = nullptr);
  ~StateStore() override;

  uint64_t height() const { return height_; }
  // The committed state root; before the first block, the empty state's (32 zero bytes).
  const Hash32& state_root() const { return root_; }

  // StateReader: the latest committed value.
  bool Get(std::string_view key, std::string* value) const override;

  // The value of `key` after block `height`. NOT_FOUND for a height outside
  // [height() - kHistory, height()] (or above height()).
  Status GetAt(std::string_view key, uint64_t height, std::optional<std::string>* value) const;

  // The proof of `key` at `height` (as GetAt's range) against that height's root:
  // *value (as GetAt), *proof, *root. INTERNAL when storage fails or a node read does not
  // hash to what its parent says (a damaged database).
  Status Prove(std::string_view key, uint64_t height, std::optional<std::string>* value,
               StateProof* proof, Hash32* root) const;

  // The state tree's update by block height() + 1's `writes` (reads only; the committed
  // tree's nodes come from the cache of the latest nodes, else the database).
  Status UpdateTree(const WriteSet& writes, NodeHasher& hasher, TreeUpdate* update) const;

  // The whole state, in key order.
  const std::map<std::string, std::string, std::less<>>& state() const { return state_; }

  // Contracts (docs/execution.md, "Contracts"). StageContract stores the code ("w" ||
  // code hash) and stages the deployment ("c" || address) in one synced batch: durable
  // when it returns OK; INTERNAL (nothing stored) when RocksDB refuses it. The next block
  // takes in every staged deployment (BlockWrites): it sets the contract's code key to
  // the code hash, in its one batch with the removal of the "c" record, so that its root
  // and every later one cover the contract and every height before shows none.
  // REQUIRES: no contract lives or is staged at `address`.
  Status StageContract(const Hash32& address, const Hash32& code_hash, std::string_view wasm);
  // The deployments staged for the next block: address -> code hash.
  const std::map<Hash32, Hash32>& staged_contracts() const { return staged_; }
  // The net writes block height() + 1 commits: `executed` (the transactions' writes, of
  // which none is a code key: a contract writes under its own address only) with the
  // code key of every staged deployment set to its code hash.
  WriteSet BlockWrites(WriteSet executed) const;
  // The code hash of the contract at `address` in the committed state; false when none
  // lives there (a staged deployment is not there yet).
  bool GetContract(const Hash32& address, Hash32* code_hash) const;
  // The code hashes of every committed and staged contract, each once, in order.
  std::vector<Hash32> CodeHashes() const;
  Status GetCode(const Hash32& code_hash, std::string* wasm) const;

  // Commits block `height` (REQUIRES: height == height() + 1) with `writes` and the
  // staged deployments (BlockWrites), atomically and durably: Recover (after a refused
  // write), UpdateTree (hashing on the calling thread), Persist, Apply.
  Status Commit(uint64_t height, const WriteSet& executed);

  // Commit in two steps, so that readers go on during the synced write. Persist writes
  // the block (`writes`: BlockWrites, which UpdateTree was given too) to the database in
  // one synced batch, which also removes the "c" records of the deployments it takes in
  // (FAILED_PRECONDITION unless height == height() + 1); until Apply, every read still
  // sees the previous block. INTERNAL
  // ("state database write failed: the commit of block N …" with RocksDB's error) when
  // RocksDB refuses the batch, or at once while needs_recovery(); nothing changes in
  // memory then. Apply then moves the mirror, the cache of the tree's latest nodes,
  // the staged deployments, height() and state_root() (update.root) to the block.
  // REQUIRES for Apply: exclusive access, and an OK Persist of this block just before.
  Status Persist(uint64_t height, const WriteSet& writes, const TreeUpdate& update);
  void Apply(uint64_t height, const WriteSet& writes, const TreeUpdate& update);

  // True after a refused write until Recover succeeds; Persist refuses every block then.
  bool needs_recovery() const { return write_failed_; }
  // After a refused write, closes and reopens the database (RocksDB accepts no write
  // after a failed log append or sync, and DB::Resume refuses that error). Reopening
  // replays the log up to its last whole record; a refused block found there (its record
  // was appended whole, its sync failed) is undone with its own undo log, in one synced
  // batch (the deployments it took in staged again), so the database is again at
  // height() with state_root(). OK at once when no
  // write failed. INTERNAL while the database cannot be reopened or undone; reads then go
  // on (GetAt and GetCode through a read-only instance; only if even that does not open
  // do they return INTERNAL until a later Recover succeeds). REQUIRES: exclusive access.
  Status Recover();

 private:
  StateStore() = default;

  // Sets (value non-null) or removes `key` in the mirror, keeping index_ in step.
  void SetInMirror(const std::string& key, const std::string* value);
  // Writes `batch` with sync; INTERNAL naming `what` when RocksDB refuses it (then
  // needs_recovery()), or without trying while needs_recovery().
  Status WriteSynced(rocksdb::WriteBatch* batch, const std::string& what);
  // Puts the database back at height_/root_ from block `height` (== height_ + 1), which
  // reopening replayed, with the block's undo log and list of tree nodes.
  Status UndoReplayedBlock(uint64_t height);
  // Adds block `height`'s tree records, stale index, root record and pruning to `batch`.
  Status PutTree(uint64_t height, const TreeUpdate& update, rocksdb::WriteBatch* batch) const;
  // "the commit of block N (state stays at height M)", for errors.
  std::string CommitOf(uint64_t height) const;
  // INTERNAL "state database write failed: <what>: <why>".
  static Status WriteFailed(const std::string& what, const Status& why);

  std::string path_;
  rocksdb::Env* env_ = nullptr;  // the storage seam; null: RocksDB's default
  // Read-only while Recover could not reopen the database for writing; null when it
  // could not open it at all.
  std::unique_ptr<rocksdb::DB> db_;
  // A write was refused and the database has not been reopened since. Only the writers
  // (serialized by the caller, exclusive or with Persist's shared access) touch it.
  bool write_failed_ = false;
  uint64_t height_ = 0;
  Hash32 root_{};
  // The mirror: ordered for the state root, and indexed by hash for Get (every storage
  // read of every transaction; a tree walk over all keys cost ~13% of a token transfer at
  // 20,000 keys). The index's views and pointers are into state_'s nodes.
  std::map<std::string, std::string, std::less<>> state_;
  std::unordered_map<std::string_view, const std::string*> index_;
  // Deployments staged for the next block ("c" records): address -> code hash.
  std::map<Hash32, Hash32> staged_;
  // The latest tree's nodes written since open (an unbounded cache in front of the "t"
  // records, which UpdateTree reads on a miss). Changed by Apply only.
  std::unordered_map<NodePosition, VersionedNode, NodePositionHash> latest_nodes_;
};

}  // namespace chainaccel::exec
