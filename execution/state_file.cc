#include "execution/state_file.h"

#include <cstdio>
#include <memory>
#include <string_view>
#include <vector>

#include "execution/state_db.h"

namespace chainaccel::exec {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Read through a 1 MiB buffer: records are small and many.
constexpr size_t kFileBufferBytes = size_t{1} << 20;

// Reads u32be into *n: false at the end of the file (nothing read), or with *partial set
// when the file ends inside the length.
bool ReadLength(std::FILE* f, uint32_t* n, bool* partial) {
  char b[4];
  const size_t got = std::fread(b, 1, 4, f);
  *partial = got != 0 && got != 4;
  if (got != 4) return false;
  *n = state_db::ParseBigEndian32(std::string_view(b, 4));
  return true;
}

}  // namespace

Status ReadStateFile(const std::string& path, const StateVisitor& visit) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) return Status::NotFound("state file " + path + ": cannot open it");
  std::vector<char> buffer(kFileBufferBytes);
  std::setvbuf(f.get(), buffer.data(), _IOFBF, buffer.size());
  std::string key, value;
  uint64_t offset = 0;
  for (uint64_t index = 0;; ++index) {
    auto malformed = [&](const std::string& why) {
      return Status::InvalidArgument("state file " + path + ": record " + std::to_string(index) +
                                     " (at byte " + std::to_string(offset) + ") " + why);
    };
    uint32_t key_bytes = 0, value_bytes = 0;
    bool partial = false;
    if (!ReadLength(f.get(), &key_bytes, &partial)) {
      if (std::ferror(f.get())) return Status::Internal("state file " + path + ": read failed");
      return partial ? malformed("is truncated") : Status::Ok();
    }
    if (key_bytes == 0 || key_bytes > kStateFileMaxKeyBytes) {
      return malformed("has a key of " + std::to_string(key_bytes) + " bytes (1 to " +
                       std::to_string(kStateFileMaxKeyBytes) + ")");
    }
    key.resize(key_bytes);
    if (std::fread(key.data(), 1, key_bytes, f.get()) != key_bytes ||
        !ReadLength(f.get(), &value_bytes, &partial)) {
      if (std::ferror(f.get())) return Status::Internal("state file " + path + ": read failed");
      return malformed("is truncated");
    }
    if (value_bytes > kStateFileMaxValueBytes) {
      return malformed("has a value of " + std::to_string(value_bytes) + " bytes (at most " +
                       std::to_string(kStateFileMaxValueBytes) + ")");
    }
    value.resize(value_bytes);
    if (std::fread(value.data(), 1, value_bytes, f.get()) != value_bytes) {
      if (std::ferror(f.get())) return Status::Internal("state file " + path + ": read failed");
      return malformed("is truncated");
    }
    visit(key, value);
    offset += 8 + uint64_t{key_bytes} + value_bytes;
  }
}

Status WriteStateFile(const std::string& path, const StateScan& scan, size_t* records) {
  File f(std::fopen(path.c_str(), "wb"));
  if (!f) return Status::Internal("state file " + path + ": cannot create it");
  std::vector<char> buffer(kFileBufferBytes);
  std::setvbuf(f.get(), buffer.data(), _IOFBF, buffer.size());
  Status bad;
  size_t written = 0;
  std::string record;
  Status s = scan([&](std::string_view key, std::string_view value) {
    if (!bad.ok()) return;
    if (key.empty() || key.size() > kStateFileMaxKeyBytes || value.size() > kStateFileMaxValueBytes) {
      bad = Status::InvalidArgument("state file " + path + ": record " + std::to_string(written) +
                                    " has a key or value out of bounds");
      return;
    }
    record.clear();
    state_db::AppendBigEndian32(static_cast<uint32_t>(key.size()), &record);
    record += key;
    state_db::AppendBigEndian32(static_cast<uint32_t>(value.size()), &record);
    record += value;
    if (std::fwrite(record.data(), 1, record.size(), f.get()) != record.size()) {
      bad = Status::Internal("state file " + path + ": write failed");
      return;
    }
    ++written;
  });
  if (s.ok()) s = bad;
  if (s.ok() && std::fflush(f.get()) != 0) s = Status::Internal("state file " + path + ": write failed");
  if (records != nullptr) *records = written;
  return s;
}

ImportPart StateFileParts(std::vector<std::string> files) {
  return [files = std::move(files)](size_t part, const StateVisitor& visit) {
    return ReadStateFile(files.at(part), visit);
  };
}

}  // namespace chainaccel::exec
