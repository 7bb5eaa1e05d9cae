// The iden3 binary container that snarkjs's .zkey, .wtns, .r1cs and .ptau files share
// (@iden3/binfileutils):
//
//   magic (4 ASCII bytes, e.g. "zkey") | version u32 | section count u32 |
//   count × ( section id u32 | body size u64 | body )
//
// all integers little-endian. Sections may come in any order (snarkjs writes a .zkey's
// in the order 1 2 4 3 9 8 5 6 7 10); an id may appear more than once in the container,
// and a reader that needs it refuses a duplicate (as binfileutils' startReadUniqueSection
// does).
//
// Every error is INVALID_ARGUMENT and names the file kind ("zkey", "wtns") and, once
// past the container, the section: "zkey: section 5 (A points): ...". Nothing here
// allocates beyond the section table: bodies are spans into the caller's bytes, which
// must outlive the BinFile.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "crypto/bn254/bigint.h"

namespace chainaccel::groth16 {

class BinFile {
 public:
  struct Section {
    uint32_t id = 0;
    uint64_t offset = 0;  // of the body, from the start of the file
    std::span<const uint8_t> body;
  };

  // Reads the header and the section table of `bytes`. INVALID_ARGUMENT when the magic
  // is not `magic`, the version is not in [min_version, max_version], or the table runs
  // past the end of the file (a truncated file).
  static Status Parse(std::span<const uint8_t> bytes, std::string_view magic,
                      uint32_t min_version, uint32_t max_version, BinFile* out);

  uint32_t version() const { return version_; }
  const std::vector<Section>& sections() const { return sections_; }

  // The one section `id`; `name` is used in the message ("A points"). INVALID_ARGUMENT
  // when it is missing or appears more than once.
  Status Unique(uint32_t id, std::string_view name, std::span<const uint8_t>* body) const;

 private:
  std::string kind_;
  uint32_t version_ = 0;
  std::vector<Section> sections_;
};

// Reads little-endian fields from a section body, refusing to read past its end.
// REQUIRES of the caller: check ok() (or the Status of Expect) before using what was read.
class SectionReader {
 public:
  // `where` prefixes every message, e.g. "zkey: section 2 (header)".
  SectionReader(std::span<const uint8_t> body, std::string where)
      : body_(body), where_(std::move(where)) {}

  // INVALID_ARGUMENT "<where>: truncated: <what> needs N bytes at offset O, the section
  // has S" when fewer than n bytes remain.
  Status Take(size_t n, std::string_view what, std::span<const uint8_t>* out);
  Status U32(std::string_view what, uint32_t* out);
  // An n8-byte little-endian integer; n8 must be 32 (the caller checks n8 first).
  Status U256LE(std::string_view what, bn254::U256* out);
  // INVALID_ARGUMENT when bytes remain ("<where>: N bytes past the end of <what>").
  Status ExpectEnd(std::string_view what) const;

  size_t remaining() const { return body_.size() - pos_; }
  const std::string& where() const { return where_; }
  Status Error(std::string_view problem) const;

 private:
  std::span<const uint8_t> body_;
  size_t pos_ = 0;
  std::string where_;
};

uint32_t LoadU32LE(const uint8_t* p);
uint64_t LoadU64LE(const uint8_t* p);
bn254::U256 LoadU256LE(const uint8_t* p);

// Reads a whole file. INVALID_ARGUMENT naming the path when it cannot be opened or read.
Status ReadFileBytes(const std::string& path, std::vector<uint8_t>* out);

}  // namespace chainaccel::groth16
