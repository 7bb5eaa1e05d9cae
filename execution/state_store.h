// StateStore: committed chain state, persisted in RocksDB and read through a bounded
// cache (execution/state_cache.h): no mirror of the state in memory, so the state is
// bounded by the disk, not by RAM.
//
// Layout of the database (docs/execution.md, "Storage"):
//   "s" || state key            -> value                      (the state)
//   "u" || height (8 bytes BE)  -> undo log of that block      (the last kHistory + 1 blocks)
//   "c" || address (32 bytes)   -> code hash (32 bytes)        (a deployment staged for the
//                                  next block)
//   "w" || code hash            -> wasm bytes
//   "m:height", "m:root"        -> last committed height (8 bytes BE), its state root
//   "m:genesis", "m:import"     -> the height of an imported state; an unfinished import
//                                  (execution/state_import.h)
//   "t" || depth (2) || prefix (32) || version (8)  -> a node of the state tree (its
//                                  child slots name their children's versions)
//   "x" || height (8)           -> depth || prefix || version of each node record
//                                  replaced or made unreachable by block `height`
//   "r" || height (8)           -> the state root after block `height`
//   "y" || height (8)           -> positions of the nodes block `height` wrote (the last block's)
//   "m:tree"                    -> the height up to which every block's tree nodes are
//                                  in the tables (state_db.h, kTreeHeightKey)
// A block commits in three steps (Persist): an intent batch (its undo log and the
// positions of its new nodes), then its state writes and tree nodes in parts built and
// written on several threads at once, then a
// marker batch (stale index, pruning, height, root) with sync, which makes everything
// before it in the log durable. The log keeps their order, so a crash or a refused write
// leaves the marker with all of the block, or none of the block, or its intent and some
// of its parts: the store then opens at the last committed block and undoes what is
// there of the later one with its undo log (UndoReplayedBlock), so nothing of a block
// that did not commit stays visible. The tree's node records are the exception: they go
// to the memtables only, outside the log (they were ~4/5 of its log at 10^7 accounts),
// followed by "m:tree"; a crash loses those not flushed to tables yet, and opening
// rebuilds them (RebuildUnflushedTree): each such block's writes come back from the undo
// logs, its tree update is run again and must give the block's recorded root. At most
// kMaxUnflushedTreeBlocks blocks' nodes are left unflushed. The state tree
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
// Reads of the latest state (Get, and GetAt's starting point) take the cache, else a
// point read of the "s" record in a RocksDB snapshot of the committed block, and cache
// what they read (the absence of a key too); the state tree's update reads its nodes
// the same way (without caching them: the block rewrites them). Apply writes the
// block's values and nodes into the cache and moves the snapshot to the block, so the
// cache never serves a value of another height than height()'s. A read that fails (an
// I/O error, a database closed after a failure) answers "absent" and counts in
// read_failures(): the caller fails what it was doing (ExecutionEngine fails the block
// or the call).
//
// Thread-safety: Get / GetAt / Prove / GetContract / CodeHashes / ScanState and the
// statistics may run concurrently with each other, with UpdateTree and with Persist, and
// one UpdateTree with one Persist (of the block below it); Apply, Commit, StageContract and
// Recover need exclusive access (the caller serializes blocks, as ExecutionEngine does
// with its mutexes). Blocks are persisted one at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "execution/block.h"
#include "execution/node_cache.h"
#include "execution/state_cache.h"
#include "execution/state_tree.h"
#include "execution/worker_pool.h"
#include "execution/tx/state_proof.h"
#include "core/status.h"
#include "core/task.h"

namespace rocksdb {
class DB;
class Env;
class Snapshot;
class WriteBatch;
}

namespace chainaccel::exec {

class StateStore final : public StateReader {
 public:
  // Undo logs kept: state can be read at heights [height - kHistory, height].
  static constexpr uint64_t kHistory = 256;
  // The most blocks whose tree nodes are in memtables only (outside the log): a block
  // beyond it flushes them first, half of it asks for a flush in the background.
  // RocksDB's own 64 MiB memtables flush every block or two at 10^6-10^7 accounts, so
  // this bounds small blocks: what opening after a crash rebuilds (each block a tree
  // update), and it keeps the rebuilt blocks within the undo logs kept and above the
  // records pruning deletes (kHistory).
  static constexpr uint64_t kMaxUnflushedTreeBlocks = 64;
  static_assert(kMaxUnflushedTreeBlocks < kHistory);
  // The caches' default size (config execution_state_cache_bytes): half for state values
  // (StateCache), half for the tree's nodes (NodeCache).
  static constexpr size_t kDefaultCacheBytes = size_t{256} << 20;

  // Opens (creating if missing) the database at `path`, in O(1) of its size, with
  // caches of `cache_bytes` in all (0: none; half for values, half for nodes). `env`
  // (not owned; must outlive the store) is RocksDB's file system and clock, null for
  // RocksDB's default. INTERNAL when RocksDB fails (message included), and when the
  // tree's root record or root node does not match the committed root (the state itself
  // is not hashed; ExecutionOptions::verify_state_root_on_open does that), and for a
  // database whose state import did not finish (execution/state_import.h).
  // `tree_threads`: the tree update's threads (its read-ahead, its hash batches'
  // preparation, WarmNodeCache); 0 for kWriterThreads (16 on the 16-core host were no
  // faster: bench/EXEC_RESULTS.md, 2026-12-07).
  // Blocks whose tree nodes a crash had lost are rebuilt first (RebuildUnflushedTree):
  // INTERNAL when that fails or gives another root than the block's recorded one.
  // `tree_nodes_in_log`: write the tree's nodes in the log as earlier versions did (for
  // measurements of what keeping them out saves; nothing to rebuild after a crash then).
  static Status Open(const std::string& path, std::unique_ptr<StateStore>* out,
                     rocksdb::Env* env = nullptr, size_t cache_bytes = kDefaultCacheBytes,
                     size_t tree_threads = 0, bool tree_nodes_in_log = false);
  // Flushes the memtables (the tree's latest nodes) to tables and closes the database.
  ~StateStore() override;
  // Closes `store` as a crash of its process would leave the database: its memtables are
  // not flushed, so the tree nodes in them (written outside the log) are lost, while what
  // the log holds stays (the system keeps a killed process's appends). For tests of the
  // rebuild; the daemon's `kill -9` tests do it for real.
  static void CloseAsCrash(std::unique_ptr<StateStore> store);
  // The blocks whose tree nodes the last Open or Recover rebuilt (0: none was missing).
  uint64_t rebuilt_tree_blocks() const { return rebuilt_tree_blocks_; }

  uint64_t height() const { return height_; }
  // The committed state root; before the first block, the empty state's (32 zero bytes).
  const Hash32& state_root() const { return root_; }

  // StateReader: the latest committed value (false when absent, or when the read
  // failed: read_failures() then grows).
  bool Get(std::string_view key, std::string* value) const override;

  // Reads that failed since open (Get answered "absent" for them), and the last one's
  // error. A caller compares the count before and after its reads.
  uint64_t read_failures() const { return read_failures_.load(std::memory_order_acquire); }
  Status last_read_error() const;

  // The value of `key` after block `height`. NOT_FOUND for a height outside
  // [height() - kHistory, height()] (or above height()), or below the height of an
  // imported state (ImportState, execution/state_import.h).
  Status GetAt(std::string_view key, uint64_t height, std::optional<std::string>* value) const;

  // The proof of `key` at `height` (as GetAt's range) against that height's root:
  // *value (as GetAt), *proof, *root. INTERNAL when storage fails or a node read does not
  // hash to what its parent says (a damaged database).
  Status Prove(std::string_view key, uint64_t height, std::optional<std::string>* value,
               StateProof* proof, Hash32* root) const;

  // The state tree's update by block height() + 1's `writes` (reads only; the committed
  // tree's nodes come from the cache, else the database's versioned records that their
  // parents name, in the committed snapshot, each level of the tree's read-ahead in
  // MultiGets on up to 8 threads, which the call starts and joins). With `below`: the
  // update of block height() + 2, on top of block height() + 1 whose update `below` is
  // (UpdateTree's, not applied yet; its new nodes are read from it). One tree update at a
  // time (its working buffers and threads are kept from block to block); it may run beside
  // Persist and Apply of the block below (ExecutionEngine's pipeline), which have their own.
  Status UpdateTree(const WriteSet& writes, NodeHasher& hasher, TreeUpdate* update,
                    const TreeUpdate* below = nullptr);

  // What WarmNodeCache did.
  struct NodeCacheWarmReport {
    uint64_t nodes = 0;          // nodes read and cached
    size_t cache_bytes = 0;      // the node cache's charged bytes after it
    size_t cache_capacity = 0;   // and its size (half of the caches' bytes)
    unsigned whole_levels = 0;   // node levels (4 binary levels each) cached whole, the root's first
    bool whole_tree = false;     // every node of the committed tree is cached
    double seconds = 0;
  };
  // Fills the node cache with the committed tree's nodes breadth-first from the root, a
  // level of nodes at a time (each in batches read as the tree update's read-ahead
  // reads: MultiGets in the committed snapshot on the writers' threads), until the whole
  // tree is cached or the cache is kWarmFill full: the upper levels, which every block
  // reads, first, and no entry evicted for a deeper one. Costs O(min(tree, cache)) reads
  // (docs/execution.md, "The state cache"); holds the next level's node names meanwhile,
  // at most ~a sixth of the cache's size. INTERNAL when a read fails or a node its parent
  // names is missing (what was cached stays: it is the committed tree's). A shard
  // fuller than the average may evict a few entries of a small cache.
  // REQUIRES: exclusive access (as Apply); nothing else uses the writers' pool.
  static constexpr double kWarmFill = 0.9;
  Status WarmNodeCache(NodeCacheWarmReport* report);

  // Walks the whole committed state in key order (a RocksDB iterator over the "s"
  // records of the committed snapshot; O(state)): a StateScan for BuildStateRoot. While
  // the database, after a refused write, holds (some of) the refused block, the values
  // that block replaced come from its undo log. INTERNAL when the iterator fails, and
  // while the database is closed after a failure.
  Status ScanState(const StateVisitor& visit) const;

  // The caches' counters and sizes (metrics, benchmarks): the values' under
  // StateCache::Kind::kValue, the nodes' under kNode; entries, bytes and capacity summed.
  StateCache::Stats cache_stats() const;

  // RocksDB's backlog behind the block path's writes (metrics, benchmarks): what makes a
  // block's synced write wait. Each figure is read on its own (not one instant's); all
  // zero while the database is closed after a failure.
  struct StorageStats {
    uint64_t level0_files = 0;              // RocksDB slows writes at 20, stops them at 36
    uint64_t immutable_memtables = 0;       // full memtables waiting for their flush
    uint64_t pending_compaction_bytes = 0;  // RocksDB's estimate of its compaction debt
    uint64_t running_flushes = 0;
    uint64_t running_compactions = 0;
    uint64_t table_bytes = 0;         // the live table files' size on disk
    uint64_t write_stall_micros = 0;  // writers held by RocksDB's write stalls since open
    uint64_t log_bytes = 0;           // written to RocksDB's write-ahead log since open
  };
  StorageStats storage_stats() const;

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
  // The code hashes of every committed and staged contract, each once, in order (an
  // iterator over the code keys). INTERNAL when the iterator fails.
  Status CodeHashes(std::vector<Hash32>* out) const;
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
  // memory then. Apply then moves the cache (the block's values and tree nodes), the
  // snapshot reads use, the staged deployments, height() and state_root() (update.root)
  // to the block.
  // REQUIRES for Apply: exclusive access, and an OK Persist of this block just before.
  Status Persist(uint64_t height, const WriteSet& writes, const TreeUpdate& update);
  void Apply(uint64_t height, const WriteSet& writes, const TreeUpdate& update);

  // Where the last Persist's time went, in seconds: reading the values it replaces (for
  // its undo log), encoding the undo log and the new nodes, building the marker (its
  // pruning reads a stale bucket), writing the intent, writing the parts, and writing and
  // syncing the marker. Written by Persist; read by the thread that called it, after it
  // returns (ExecutionEngine puts it in the block's timings).
  struct PersistPhases {
    double old_values_s = 0;
    double encode_s = 0;
    double marker_build_s = 0;
    double intent_s = 0;
    double parts_s = 0;
    double marker_write_s = 0;
  };
  const PersistPhases& last_persist_phases() const { return persist_phases_; }

  // True after a refused write until Recover succeeds; Persist refuses every block then.
  bool needs_recovery() const { return write_failed_; }
  // After a refused write, closes and reopens the database (RocksDB accepts no write
  // after a failed log append or sync, and DB::Resume refuses that error). Reopening
  // replays the log up to its last whole record; a refused block found there (its record
  // was appended whole, its sync failed) is undone with its own undo log, in one synced
  // batch (the deployments it took in staged again), so the database is again at
  // height() with state_root(). OK at once when no
  // write failed. INTERNAL while the database cannot be reopened or undone; reads then go
  // on through a read-only instance (when it holds the refused block, the values that
  // block replaced are read from its undo log instead); only if even that does not open
  // do they fail until a later Recover succeeds. REQUIRES: exclusive access.
  Status Recover();

 private:
  StateStore(size_t cache_bytes, size_t tree_threads);

  // The latest committed value of `key` (nullopt: absent): the cache, else the database
  // at the committed snapshot (which fill_cache puts in the cache). INTERNAL when the
  // read fails.
  Status ReadLatest(std::string_view key, std::optional<std::string>* value,
                    bool fill_cache = true) const;
  // INTERNAL: the tree's node `ref`, which its parent names, is not in the database.
  Status MissingNode(const NodeRef& ref) const;
  // Counts a failed read of Get and keeps its error.
  void NoteReadFailure(const Status& s) const;
  // Reads take a snapshot of the database as it is now (the committed block); releases
  // the one before. Null, and nothing taken, when the database is closed or read-only.
  void TakeSnapshot();
  void ReleaseSnapshot();
  // After reopening: when the database holds the refused block height_ + 1 (a read-only
  // instance, or an undo that failed), loads the values it replaced from its undo log
  // into refused_block_, which reads then consult first; else clears it.
  Status LoadRefusedBlock();
  // Writes `batch` (with `sync`: and syncs the log; without `log`: to the memtable only,
  // outside the log, which a crash loses until it is flushed); INTERNAL naming `what`
  // when RocksDB refuses it (then needs_recovery()), or without trying while
  // needs_recovery(). Thread-safe: the parts of a block are written on several threads at
  // once.
  Status Write(rocksdb::WriteBatch* batch, bool sync, const std::string& what, bool log = true);
  // Opens db_ for writing with a new flushed_ listening to it (no block's nodes are
  // unflushed in it until the next Persist).
  Status OpenWritableDb();
  // Where the database's "m:tree" says the flushed tree ends (*present false: a database
  // written before "m:tree" existed, whose nodes were all logged).
  Status ReadTreeHeight(uint64_t* tree_height, bool* present) const;
  // Rebuilds the node records of blocks (m:tree, height_] from their undo logs and the
  // state (the blocks' writes, newest first, then their tree updates oldest first, each
  // checked against its "r" root record), written in the log and synced with "m:tree" =
  // height_; sets "m:tree" to height_ where it is missing or above height_ (a block
  // that did not commit, undone before). `in_memory` (db_ a read-only instance
  // after a failure): into memory_nodes_ instead, with the values before a refused block
  // that db_ holds from refused_block_. INTERNAL when an undo log is missing, a read
  // fails or a rebuilt root differs.
  Status RebuildUnflushedTree(bool in_memory = false);
  // The record `ref` names, from db_ or memory_nodes_ (nullopt: in neither).
  Status ReadNode(const NodeRef& ref, std::optional<VersionedNode>* out) const;
  // The tree's root node at `height`: the latest root record written at or below it, in
  // db_ or memory_nodes_ (the later of the two; nullopt: in neither).
  Status ReadRootNode(uint64_t height, std::optional<VersionedNode>* out) const;
  // Before block `height` is written: lets flushes that completed move the flushed tree's
  // height up, and keeps at most kMaxUnflushedTreeBlocks blocks of nodes unflushed.
  // INTERNAL when a flush it waits for fails.
  Status BoundUnflushedTree(uint64_t height);
  // Whether the database, whose m:height record says `db_height`, holds block height_ + 1
  // that did not commit, or part of it: its marker (db_height == height_ + 1: only its
  // sync failed), or its undo log without the marker (its commit stopped before it; a
  // block above height_ has an undo log only then). *log: that block's undo log when it
  // does, nullopt when it does not.
  Status UncommittedBlockLog(uint64_t db_height, std::optional<std::string>* log) const;
  // Puts the database back at height_/root_ from block height_ + 1, whose records (all, or
  // the part written before a failure or crash) reopening replayed, with the block's undo
  // log `log` and its list of tree nodes.
  Status UndoReplayedBlock(std::string_view log);
  // Block `height`'s new nodes in key order (depth, then prefix), encoded into the
  // scratch for the commit's parts and the node cache; returns their indices in
  // update.written.
  std::vector<uint32_t> EncodeNodes(uint64_t height, const TreeUpdate& update);
  // Persist's last write: block `height`'s `marker`, synced, while the writers' helpers
  // move the block's encoded nodes into the node cache and drop its removed positions
  // there; when the write fails, the block's positions are dropped from the cache again.
  // REQUIRES: EncodeNodes(height, update) just before. INTERNAL as Write.
  Status WriteMarkerCachingNodes(uint64_t height, const TreeUpdate& update,
                                 rocksdb::WriteBatch* marker);
  // Adds block `height`'s stale index, root record and pruning to its marker `batch`.
  Status PutTreeMarker(uint64_t height, const TreeUpdate& update, rocksdb::WriteBatch* batch);
  // "the commit of block N (state stays at height M)", for errors.
  std::string CommitOf(uint64_t height) const;
  // INTERNAL "state database write failed: <what>: <why>".
  static Status WriteFailed(const std::string& what, const Status& why);
  // Why a write is refused while needs_recovery().
  static Status NotRecovered();

  struct WriteScratch;
  class FlushedSequence;  // a RocksDB listener: the largest sequence number flushed

  std::string path_;
  rocksdb::Env* env_ = nullptr;  // the storage seam; null: RocksDB's default
  // Read-only while Recover could not reopen the database for writing; null when it
  // could not open it at all.
  std::unique_ptr<rocksdb::DB> db_;
  // A write was refused and the database has not been reopened since. Set by the writers
  // (Persist, StageContract), cleared by Recover (exclusive); atomic because
  // needs_recovery() is asked beside a Persist (the next block's start, in
  // ExecutionEngine's pipeline).
  std::atomic<bool> write_failed_{false};
  // Buffers of UpdateTree, Persist and WriteSynced, kept from block to block; the
  // writers' too.
  const std::unique_ptr<WriteScratch> scratch_;
  uint64_t height_ = 0;
  // The height of an imported state (state_import.h), below which nothing is readable; 0
  // for a database that started empty.
  uint64_t genesis_height_ = 0;
  Hash32 root_{};
  uint64_t root_version_ = 0;  // the height that wrote the root node (0: empty tree)
  // The committed block's snapshot of db_, which reads of the latest state use (so that
  // a Persist running beside them does not show them the next block). Changed, like
  // db_, only with exclusive access (Apply, Recover); null while db_ is read-only.
  const rocksdb::Snapshot* snapshot_ = nullptr;
  // State values (and absences), bounded; thread-safe. Filled by reads, overwritten by
  // Apply.
  const std::unique_ptr<StateCache> cache_;
  // The latest tree's nodes, bounded; thread-safe. Filled and pruned by Apply, filled
  // at start by WarmNodeCache.
  const std::unique_ptr<NodeCache> nodes_;
  // The writers' threads (the calling one and helpers): workers_ the tree update's (its
  // read-ahead and node hashing preparation; Open's tree_threads), persist_workers_
  // Persist's reads and encodes and Apply's cache inserts, so that a tree update runs
  // beside the commit of the block below it. Each used by one writer at a time. Eight,
  // beyond a 2-core host's cores too: a cached node's lookup is mostly a wait for memory,
  // which threads overlap.
  static constexpr size_t kWriterThreads = 8;
  const std::unique_ptr<WorkerPool> workers_;
  const std::unique_ptr<WorkerPool> persist_workers_;
  // While db_ holds a refused block (LoadRefusedBlock): the values before it of the
  // keys it wrote (nullopt: absent). Changed only with exclusive access.
  std::map<std::string, std::optional<std::string>, std::less<>> refused_block_;
  // While db_ is a read-only instance after a failure: the tree's node records it lacks
  // (written outside the log and not flushed before the failure), rebuilt in memory so
  // that proofs at every kept height go on; "t" key -> record. Changed only with
  // exclusive access (Recover).
  std::map<std::string, std::string, std::less<>> memory_nodes_;
  // Deployments staged for the next block ("c" records): address -> code hash.
  std::map<Hash32, Hash32> staged_;
  PersistPhases persist_phases_;  // the last Persist's
  // The tree nodes outside the log (exclusive access, as Persist's, except flushed_'s
  // counter, which RocksDB's flush threads move): flushed_ follows db_'s flushes; each
  // persisted block whose nodes may be in memtables only (height, the sequence number
  // its "m:tree" write reached), oldest first; a background flush asked for since the
  // oldest of them.
  std::shared_ptr<FlushedSequence> flushed_;
  std::deque<std::pair<uint64_t, uint64_t>> unflushed_trees_;
  bool flush_requested_ = false;
  uint64_t rebuilt_tree_blocks_ = 0;
  bool close_as_crash_ = false;
  bool tree_nodes_in_log_ = false;  // Open's
  mutable std::atomic<uint64_t> read_failures_{0};
  mutable Mutex read_error_mu_;
  mutable Status last_read_error_ CHAINACCEL_GUARDED_BY(read_error_mu_);
};

}  // namespace chainaccel::exec
