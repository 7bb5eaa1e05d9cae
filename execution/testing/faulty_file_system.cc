#include "execution/testing/faulty_file_system.h"

#include <string_view>
#include <thread>

namespace chainaccel::exec::testing {
namespace {

bool IsWal(const std::string& name) {
  return std::string_view(name).ends_with(".log");
}

bool IsTable(const std::string& name) {
  return std::string_view(name).ends_with(".sst");
}

}  // namespace

// A writable file whose appends and syncs ask the file system first (WAL files only).
class FaultyFileSystem::File final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  File(FaultyFileSystem* fs, std::unique_ptr<rocksdb::FSWritableFile> target)
      : FSWritableFileOwnerWrapper(std::move(target)), fs_(fs) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    bool torn = false;
    rocksdb::IOStatus s = fs_->NextWalAppend(&torn);
    if (s.ok()) return target()->Append(data, options, dbg);
    if (torn) (void)target()->Append(rocksdb::Slice(data.data(), data.size() / 2), options, dbg);
    return s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& /*info*/,
                           rocksdb::IODebugContext* dbg) override {
    return Append(data, options, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->NextWalSync();
    return s.ok() ? target()->Sync(options, dbg) : s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->NextWalSync();
    return s.ok() ? target()->Fsync(options, dbg) : s;
  }

 private:
  FaultyFileSystem* const fs_;
};

FaultyFileSystem::FaultyFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

void FaultyFileSystem::FailWalAppendsAfter(uint64_t appends_left, bool torn) {
  torn_ = torn;
  appends_left_ = appends_left;
}

void FaultyFileSystem::FailWalSyncs() { fail_syncs_ = true; }

void FaultyFileSystem::DelayWalSyncs(std::chrono::milliseconds delay) {
  sync_delay_ms_ = delay.count();
}

void FaultyFileSystem::FailNewFiles() { fail_new_files_ = true; }

void FaultyFileSystem::Clear() {
  appends_left_ = kNever;
  torn_ = false;
  fail_syncs_ = false;
  sync_delay_ms_ = 0;
  fail_new_files_ = false;
  fail_table_reads_ = false;
}

rocksdb::IOStatus FaultyFileSystem::NextWalAppend(bool* torn) {
  uint64_t left = appends_left_.load();
  while (left != kNever && left > 0 && !appends_left_.compare_exchange_weak(left, left - 1)) {
  }
  if (left == kNever || left > 0) {
    ++wal_appends_;
    return rocksdb::IOStatus::OK();
  }
  *torn = torn_.load();
  ++failures_;
  return rocksdb::IOStatus::IOError("injected WAL append failure");
}

rocksdb::IOStatus FaultyFileSystem::NextWalSync() {
  if (const int64_t delay = sync_delay_ms_.load(); delay > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  }
  if (!fail_syncs_) return rocksdb::IOStatus::OK();
  ++failures_;
  return rocksdb::IOStatus::IOError("injected WAL sync failure");
}

rocksdb::IOStatus FaultyFileSystem::Wrap(const std::string& name, rocksdb::IOStatus opened,
                                         std::unique_ptr<rocksdb::FSWritableFile>* out) {
  if (opened.ok() && IsWal(name)) *out = std::make_unique<File>(this, std::move(*out));
  return opened;
}

rocksdb::IOStatus FaultyFileSystem::NewWritableFile(
    const std::string& name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* out, rocksdb::IODebugContext* dbg) {
  if (fail_new_files_) {
    ++failures_;
    return rocksdb::IOStatus::IOError("injected failure to create " + name);
  }
  return Wrap(name, target()->NewWritableFile(name, options, out, dbg), out);
}

rocksdb::IOStatus FaultyFileSystem::ReopenWritableFile(
    const std::string& name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* out, rocksdb::IODebugContext* dbg) {
  return Wrap(name, target()->ReopenWritableFile(name, options, out, dbg), out);
}

rocksdb::IOStatus FaultyFileSystem::ReuseWritableFile(
    const std::string& name, const std::string& old_name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* out, rocksdb::IODebugContext* dbg) {
  if (fail_new_files_) {
    ++failures_;
    return rocksdb::IOStatus::IOError("injected failure to create " + name);
  }
  return Wrap(name, target()->ReuseWritableFile(name, old_name, options, out, dbg), out);
}

// A table file whose reads ask the file system first.
class FaultyFileSystem::TableFile final : public rocksdb::FSRandomAccessFileOwnerWrapper {
 public:
  TableFile(FaultyFileSystem* fs, std::unique_ptr<rocksdb::FSRandomAccessFile> target)
      : FSRandomAccessFileOwnerWrapper(std::move(target)), fs_(fs) {}

  rocksdb::IOStatus Read(uint64_t offset, size_t n, const rocksdb::IOOptions& options,
                         rocksdb::Slice* result, char* scratch,
                         rocksdb::IODebugContext* dbg) const override {
    rocksdb::IOStatus s = fs_->NextTableRead();
    return s.ok() ? target()->Read(offset, n, options, result, scratch, dbg) : s;
  }
  rocksdb::IOStatus MultiRead(rocksdb::FSReadRequest* reqs, size_t num_reqs,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->NextTableRead();
    return s.ok() ? target()->MultiRead(reqs, num_reqs, options, dbg) : s;
  }

 private:
  FaultyFileSystem* const fs_;
};

void FaultyFileSystem::FailTableReads() { fail_table_reads_ = true; }

rocksdb::IOStatus FaultyFileSystem::NextTableRead() {
  if (!fail_table_reads_) return rocksdb::IOStatus::OK();
  ++failures_;
  return rocksdb::IOStatus::IOError("injected table read failure");
}

rocksdb::IOStatus FaultyFileSystem::NewRandomAccessFile(
    const std::string& name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSRandomAccessFile>* out, rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus s = target()->NewRandomAccessFile(name, options, out, dbg);
  if (s.ok() && IsTable(name)) *out = std::make_unique<TableFile>(this, std::move(*out));
  return s;
}

FaultyStorage::FaultyStorage()
    : fs(std::make_shared<FaultyFileSystem>()), env(rocksdb::NewCompositeEnv(fs)) {}

}  // namespace chainaccel::exec::testing
