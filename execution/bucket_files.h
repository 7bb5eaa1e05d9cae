// BucketFiles: temporary files in one folder, one per bucket, that bytes are appended to
// and read back a bucket at a time. For data spilled to disk by a prefix of its keys, so
// that work on one prefix reads 1/N of it instead of the whole: the state import's leaves
// (state_import.cc) and the start-up root check's state (state_tree.cc).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/mutex.h"
#include "core/status.h"

namespace chainaccel::exec {

class BucketFiles {
 public:
  // `what` begins every error message ("state import", "state root check").
  explicit BucketFiles(std::string what);
  // Closes the files and removes the folder with everything in it.
  ~BucketFiles();
  BucketFiles(const BucketFiles&) = delete;
  BucketFiles& operator=(const BucketFiles&) = delete;

  // Makes `dir` afresh (anything there before is removed: a crashed run's files) with
  // `buckets` empty files. INTERNAL, naming the path, when the file system refuses.
  // REQUIRES: called once, before anything else.
  Status Open(const std::string& dir, size_t buckets);

  size_t buckets() const { return buckets_.size(); }

  // Appends `bytes` to `bucket`'s file. Thread-safe: one bucket's calls are serialized,
  // different buckets' run at once. INTERNAL when the write fails (a full disk).
  Status Append(size_t bucket, std::string_view bytes);

  // Writes out what the files still buffer, so that a full disk shows here rather than
  // as a file cut short when it is read. INTERNAL naming the first file that failed.
  // Thread-safe.
  Status Flush();

  // The bytes appended to `bucket` so far. Thread-safe.
  uint64_t Size(size_t bucket) const;

  // Reads a bucket from its start, in the order its bytes were appended.
  class Reader {
   public:
    // Reads the next `n` bytes into `out`. False at the bucket's end, or when fewer than
    // `n` bytes are left or reading fails; status() tells the end (OK) from those
    // (INTERNAL, naming the file).
    bool Read(void* out, size_t n);
    const Status& status() const { return status_; }
    // After a false Read of bytes that had to be there: status() when reading failed,
    // else INTERNAL "<what>: <file> is cut short" (the bucket ended before them).
    Status CutShort() const;

   private:
    friend class BucketFiles;
    Reader(std::FILE* file, std::string path, std::string what);
    std::FILE* file_;
    std::string path_;
    std::string what_;
    Status status_;
  };

  // A reader of `bucket`, valid until the next call for that bucket. REQUIRES: no Append
  // to the bucket while it is read; one reader of a bucket at a time.
  Reader Read(size_t bucket);

  // Closes and removes `bucket`'s file, giving its space back; the bucket is then empty
  // and takes no more bytes.
  void Remove(size_t bucket);

 private:
  struct Bucket {
    mutable Mutex mu;
    std::FILE* file CHAINACCEL_GUARDED_BY(mu) = nullptr;
    uint64_t bytes CHAINACCEL_GUARDED_BY(mu) = 0;
  };

  std::string FileName(size_t bucket) const;
  Status Failed(const std::string& what_failed, size_t bucket) const;

  const std::string what_;
  std::string dir_;
  std::vector<std::unique_ptr<Bucket>> buckets_;
};

}  // namespace chainaccel::exec
