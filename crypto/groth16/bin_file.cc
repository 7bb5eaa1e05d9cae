#include "crypto/groth16/bin_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace chainaccel::groth16 {

uint32_t LoadU32LE(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

uint64_t LoadU64LE(const uint8_t* p) {
  return static_cast<uint64_t>(LoadU32LE(p)) | static_cast<uint64_t>(LoadU32LE(p + 4)) << 32;
}

bn254::U256 LoadU256LE(const uint8_t* p) {
  return {LoadU64LE(p), LoadU64LE(p + 8), LoadU64LE(p + 16), LoadU64LE(p + 24)};
}

Status BinFile::Parse(std::span<const uint8_t> bytes, std::string_view magic,
                      uint32_t min_version, uint32_t max_version, BinFile* out) {
  const std::string kind(magic);
  if (bytes.size() < 12) {
    return Status::InvalidArgument(kind + ": truncated: " + std::to_string(bytes.size()) +
                                   " bytes, shorter than the 12-byte file header");
  }
  if (std::string_view(reinterpret_cast<const char*>(bytes.data()), 4) != magic) {
    return Status::InvalidArgument(kind + ": wrong magic: the file does not start with \"" +
                                   kind + "\"");
  }
  const uint32_t version = LoadU32LE(bytes.data() + 4);
  if (version < min_version || version > max_version) {
    return Status::InvalidArgument(kind + ": unsupported version " + std::to_string(version) +
                                   " (supported: " + std::to_string(min_version) + ".." +
                                   std::to_string(max_version) + ")");
  }
  const uint32_t count = LoadU32LE(bytes.data() + 8);
  BinFile file;
  file.kind_ = kind;
  file.version_ = version;
  uint64_t pos = 12;
  for (uint32_t i = 0; i < count; ++i) {
    if (bytes.size() - pos < 12) {
      return Status::InvalidArgument(kind + ": truncated: section table entry " +
                                     std::to_string(i) + " of " + std::to_string(count) +
                                     " at offset " + std::to_string(pos) +
                                     " runs past the end of the file (" +
                                     std::to_string(bytes.size()) + " bytes)");
    }
    const uint32_t id = LoadU32LE(bytes.data() + pos);
    const uint64_t size = LoadU64LE(bytes.data() + pos + 4);
    pos += 12;
    if (size > bytes.size() - pos) {
      return Status::InvalidArgument(
          kind + ": truncated: section " + std::to_string(id) + " declares " +
          std::to_string(size) + " bytes at offset " + std::to_string(pos) + ", but only " +
          std::to_string(bytes.size() - pos) + " remain");
    }
    file.sections_.push_back({id, pos, bytes.subspan(pos, size)});
    pos += size;
  }
  if (pos != bytes.size()) {
    return Status::InvalidArgument(kind + ": " + std::to_string(bytes.size() - pos) +
                                   " bytes after the last of its " + std::to_string(count) +
                                   " sections");
  }
  *out = std::move(file);
  return Status::Ok();
}

Status BinFile::Unique(uint32_t id, std::string_view name,
                       std::span<const uint8_t>* body) const {
  const Section* found = nullptr;
  for (const Section& s : sections_) {
    if (s.id != id) continue;
    if (found != nullptr) {
      return Status::InvalidArgument(kind_ + ": section " + std::to_string(id) + " (" +
                                     std::string(name) + ") appears more than once");
    }
    found = &s;
  }
  if (found == nullptr) {
    return Status::InvalidArgument(kind_ + ": section " + std::to_string(id) + " (" +
                                   std::string(name) + ") is missing");
  }
  *body = found->body;
  return Status::Ok();
}

Status SectionReader::Error(std::string_view problem) const {
  return Status::InvalidArgument(where_ + ": " + std::string(problem));
}

Status SectionReader::Take(size_t n, std::string_view what, std::span<const uint8_t>* out) {
  if (remaining() < n) {
    return Error("truncated: " + std::string(what) + " needs " + std::to_string(n) +
                 " bytes at offset " + std::to_string(pos_) + ", the section has " +
                 std::to_string(body_.size()));
  }
  *out = body_.subspan(pos_, n);
  pos_ += n;
  return Status::Ok();
}

Status SectionReader::U32(std::string_view what, uint32_t* out) {
  std::span<const uint8_t> b;
  if (Status s = Take(4, what, &b); !s.ok()) return s;
  *out = LoadU32LE(b.data());
  return Status::Ok();
}

Status SectionReader::U256LE(std::string_view what, bn254::U256* out) {
  std::span<const uint8_t> b;
  if (Status s = Take(32, what, &b); !s.ok()) return s;
  *out = LoadU256LE(b.data());
  return Status::Ok();
}

Status SectionReader::ExpectEnd(std::string_view what) const {
  if (remaining() == 0) return Status::Ok();
  return Error("wrong size: " + std::to_string(remaining()) + " bytes past the end of " +
               std::string(what) + " (section of " + std::to_string(body_.size()) +
               " bytes)");
}

Status ReadFileBytes(const std::string& path, std::vector<uint8_t>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument("cannot open " + path + ": " + std::strerror(errno));
  }
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0) return Status::InvalidArgument("cannot read " + path);
  out->resize(static_cast<size_t>(size));
  if (!in.read(reinterpret_cast<char*>(out->data()), size)) {
    return Status::InvalidArgument("cannot read " + path);
  }
  return Status::Ok();
}

}  // namespace chainaccel::groth16
