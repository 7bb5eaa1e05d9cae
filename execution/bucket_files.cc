#include "execution/bucket_files.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace chainaccel::exec {

BucketFiles::BucketFiles(std::string what) : what_(std::move(what)) {}

BucketFiles::~BucketFiles() {
  for (const std::unique_ptr<Bucket>& b : buckets_) {
    MutexLock lock(b->mu);
    if (b->file != nullptr) std::fclose(b->file);
  }
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

Status BucketFiles::Open(const std::string& dir, size_t buckets) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (!std::filesystem::create_directories(dir, ec) || ec) {
    return Status::Internal(what_ + ": cannot create " + dir + ": " + ec.message());
  }
  dir_ = dir;
  buckets_.resize(buckets);
  for (size_t b = 0; b < buckets; ++b) {
    buckets_[b] = std::make_unique<Bucket>();
    MutexLock lock(buckets_[b]->mu);
    buckets_[b]->file = std::fopen(FileName(b).c_str(), "w+b");
    if (buckets_[b]->file == nullptr) return Failed("create", b);
  }
  return Status::Ok();
}

Status BucketFiles::Append(size_t bucket, std::string_view bytes) {
  if (bytes.empty()) return Status::Ok();
  Bucket& b = *buckets_[bucket];
  MutexLock lock(b.mu);
  if (b.file == nullptr) {
    return Status::Internal(what_ + ": the temporary file " + FileName(bucket) + " was removed");
  }
  if (std::fwrite(bytes.data(), 1, bytes.size(), b.file) != bytes.size()) return Failed("write", bucket);
  b.bytes += bytes.size();
  return Status::Ok();
}

Status BucketFiles::Flush() {
  for (size_t bucket = 0; bucket < buckets_.size(); ++bucket) {
    Bucket& b = *buckets_[bucket];
    MutexLock lock(b.mu);
    if (b.file != nullptr && std::fflush(b.file) != 0) return Failed("write out", bucket);
  }
  return Status::Ok();
}

uint64_t BucketFiles::Size(size_t bucket) const {
  const Bucket& b = *buckets_[bucket];
  MutexLock lock(b.mu);
  return b.bytes;
}

BucketFiles::Reader BucketFiles::Read(size_t bucket) {
  Bucket& b = *buckets_[bucket];
  MutexLock lock(b.mu);
  // rewind() also writes out what stdio still buffers of the appends.
  if (b.file != nullptr) std::rewind(b.file);
  return Reader(b.file, FileName(bucket), what_);
}

void BucketFiles::Remove(size_t bucket) {
  Bucket& b = *buckets_[bucket];
  MutexLock lock(b.mu);
  if (b.file != nullptr) std::fclose(b.file);
  b.file = nullptr;
  b.bytes = 0;
  std::error_code ec;
  std::filesystem::remove(FileName(bucket), ec);
}

std::string BucketFiles::FileName(size_t bucket) const { return dir_ + "/" + std::to_string(bucket); }

Status BucketFiles::Failed(const std::string& what_failed, size_t bucket) const {
  return Status::Internal(what_ + ": " + what_failed + " the temporary file " + FileName(bucket) +
                          " failed: " + std::strerror(errno));
}

Status BucketFiles::Reader::CutShort() const {
  return status_.ok() ? Status::Internal(what_ + ": " + path_ + " is cut short") : status_;
}

BucketFiles::Reader::Reader(std::FILE* file, std::string path, std::string what)
    : file_(file), path_(std::move(path)), what_(std::move(what)) {}

bool BucketFiles::Reader::Read(void* out, size_t n) {
  if (!status_.ok()) return false;
  if (n == 0) return true;
  const size_t got = file_ == nullptr ? 0 : std::fread(out, 1, n, file_);
  if (got == n) return true;
  if (file_ != nullptr && std::ferror(file_)) {
    status_ = Status::Internal(what_ + ": cannot read " + path_ + ": " + std::strerror(errno));
  } else if (got > 0) {
    status_ = CutShort();
  }
  return false;
}

}  // namespace chainaccel::exec
