// FaultyFileSystem: RocksDB's default file system with failures a test turns on, the
// storage seam's test side (leveldb's fault_injection_test does the same through its
// Env). A StateStore or ExecutionEngine opened with FaultyStorage::env
// (StateStoreOptions::env, ExecutionOptions::storage_env) writes through it.
//
// Write-ahead-log files are the files named "*.log" (RocksDB's WALs; its info log is
// "LOG"). A block's commit reaches them as one or more appends of its WriteBatch record
// (several when the record is larger than RocksDB's write buffer) and then one sync.
// Table files are the files named "*.sst", which point reads of the state read.
//
// Thread-safe: the switches may be flipped while RocksDB's threads write.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace chainaccel::exec::testing {

class FaultyFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  FaultyFileSystem();
  const char* Name() const override { return "ChainaccelFaultyFileSystem"; }

  // After `appends_left` more successful WAL appends, every WAL append fails with an
  // IOError. With `torn`, a failing append first writes the first half of its bytes (a
  // torn write, as a full disk or a crash mid-write leaves).
  void FailWalAppendsAfter(uint64_t appends_left, bool torn = false);
  // Every Sync/Fsync of a WAL fails (the bytes were appended; their durability is not
  // confirmed).
  void FailWalSyncs();
  // Every Sync/Fsync of a WAL takes `delay` longer, failing or not (a slow disk); 0: none.
  void DelayWalSyncs(std::chrono::milliseconds delay);
  // Every new file fails to open for writing (a flush's table file, a new WAL, a
  // manifest).
  void FailNewFiles();
  // Every read of a table file fails (a disk failing under the state's reads; a block
  // already in RocksDB's block cache is not read from the file again).
  void FailTableReads();
  // Everything back to normal.
  void Clear();

  // How many WAL appends and syncs succeeded / failed so far.
  uint64_t wal_appends() const { return wal_appends_.load(); }
  uint64_t failures() const { return failures_.load(); }

  rocksdb::IOStatus NewWritableFile(const std::string& name,
                                    const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* out,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& name,
                                       const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* out,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* out,
                                      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewRandomAccessFile(const std::string& name,
                                        const rocksdb::FileOptions& options,
                                        std::unique_ptr<rocksdb::FSRandomAccessFile>* out,
                                        rocksdb::IODebugContext* dbg) override;

 private:
  class File;
  friend class File;
  class TableFile;
  friend class TableFile;
  // The status of the next table read: OK, or an injected failure.
  rocksdb::IOStatus NextTableRead();
  // The status of the next WAL append: OK, or an injected failure (*torn: write half).
  rocksdb::IOStatus NextWalAppend(bool* torn);
  rocksdb::IOStatus NextWalSync();
  rocksdb::IOStatus Wrap(const std::string& name, rocksdb::IOStatus opened,
                         std::unique_ptr<rocksdb::FSWritableFile>* out);

  static constexpr uint64_t kNever = UINT64_MAX;
  std::atomic<uint64_t> appends_left_{kNever};  // kNever: appends do not fail
  std::atomic<bool> torn_{false};
  std::atomic<bool> fail_syncs_{false};
  std::atomic<int64_t> sync_delay_ms_{0};
  std::atomic<bool> fail_new_files_{false};
  std::atomic<bool> fail_table_reads_{false};
  std::atomic<uint64_t> wal_appends_{0};
  std::atomic<uint64_t> failures_{0};
};

// A FaultyFileSystem and an Env over it (the Env shares the file system), for
// StateStoreOptions::env and ExecutionOptions::storage_env. Must outlive the store.
struct FaultyStorage {
  FaultyStorage();
  std::shared_ptr<FaultyFileSystem> fs;
  std::unique_ptr<rocksdb::Env> env;
};

}  // namespace chainaccel::exec::testing
