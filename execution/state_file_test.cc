#include "execution/state_file.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "execution/state_import.h"
#include "execution/state_store.h"
#include "execution/testing/temp_dir.h"
#include "tests/support/random.h"

namespace chainaccel::exec {
namespace {

using State = std::map<std::string, std::string, std::less<>>;

StateScan ScanOf(const State& state) {
  return [&state](const StateVisitor& visit) {
    for (const auto& [k, v] : state) visit(k, v);
    return Status::Ok();
  };
}

State ReadAll(const std::string& path, Status* status) {
  State read;
  *status = ReadStateFile(path, [&](std::string_view k, std::string_view v) {
    read.emplace(std::string(k), std::string(v));
  });
  return read;
}

std::string Bytes(const std::string& path) {
  std::string bytes(std::filesystem::file_size(path), '\0');
  std::ifstream(path, std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

void Put(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

TEST_CASE("State files: records read back as written, and every truncation is named",
          "[store][import]") {
  auto rng = chainaccel::testing::MakeRng("state file");
  State state;
  while (state.size() < 300) {
    std::string key(1 + rng() % 70, '\0'), value(rng() % 90, '\0');
    for (char& c : key) c = static_cast<char>(rng());
    for (char& c : value) c = static_cast<char>(rng());
    state[key] = value;
  }
  testing::TempDir dir;
  const std::string path = dir.Sub("s.state");
  size_t records = 0;
  REQUIRE(WriteStateFile(path, ScanOf(state), &records).ok());
  CHECK(records == state.size());
  Status s;
  CHECK(ReadAll(path, &s) == state);
  CHECK(s.ok());

  // Cut anywhere: at a record's end the file holds fewer records (OK); anywhere else the
  // record it cuts is named as truncated, with its index and byte offset.
  const std::string whole = Bytes(path);
  std::vector<size_t> ends{0};
  for (const auto& [k, v] : state) ends.push_back(ends.back() + 8 + k.size() + v.size());
  REQUIRE(ends.back() == whole.size());
  for (int trial = 0; trial < 200; ++trial) {
    const size_t cut = rng() % whole.size();
    Put(path, whole.substr(0, cut));
    const State read = ReadAll(path, &s);
    const size_t full = static_cast<size_t>(std::upper_bound(ends.begin(), ends.end(), cut) - ends.begin()) - 1;
    INFO("cut at " << cut);
    CHECK(read.size() == full);
    if (ends[full] == cut) {
      CHECK(s.ok());
    } else {
      CHECK(s.code() == Status::Code::kInvalidArgument);
      CHECK(s.message().find("record " + std::to_string(full) + " (at byte " +
                             std::to_string(ends[full]) + ") is truncated") != std::string::npos);
    }
  }
  Put(path, std::string("\0\0\0\0", 4) + std::string("\0\0\0\0", 4));  // an empty key
  ReadAll(path, &s);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("a key of 0 bytes") != std::string::npos);
  Put(path, "\xff\xff\xff\xff");  // a 4 GiB key: refused before any allocation
  ReadAll(path, &s);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  Put(path, std::string("\0\0\0\1k\x7f\0\0\0", 9));  // a value of ~2 GiB
  ReadAll(path, &s);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("has a value of") != std::string::npos);
  ReadAll(dir.Sub("missing"), &s);
  CHECK(s.code() == Status::Code::kNotFound);
}

TEST_CASE("A state exported to files imports into a new database at the same root",
          "[store][import]") {
  auto rng = chainaccel::testing::MakeRng("state export");
  testing::TempDir dir;
  std::unique_ptr<StateStore> store;
  REQUIRE(StateStore::Open(dir.Sub("from"), &store).ok());
  for (uint64_t h = 1; h <= 3; ++h) {
    WriteSet block;
    for (int i = 0; i < 700; ++i) block.emplace_back("key " + std::to_string(rng() % 5000), "v" + std::to_string(rng()));
    std::sort(block.begin(), block.end());
    block.erase(std::unique(block.begin(), block.end(),
                            [](const auto& a, const auto& b) { return a.first == b.first; }),
                block.end());
    REQUIRE(store->Commit(h, block).ok());
  }
  // Exported in three files (every third key in each); imported from them.
  std::vector<std::string> files;
  for (size_t f = 0; f < 3; ++f) {
    files.push_back(dir.Sub("part" + std::to_string(f)));
    size_t i = 0;
    REQUIRE(WriteStateFile(files.back(), [&](const StateVisitor& visit) {
              return store->ScanState([&](std::string_view k, std::string_view v) {
                if (i++ % 3 == f) visit(k, v);
              });
            }).ok());
  }
  ImportOptions options;
  options.parts = files.size();
  options.threads = 2;
  ImportResult result;
  REQUIRE(ImportState(dir.Sub("to"), StateFileParts(files), options, &result).ok());
  CHECK(result.root == store->state_root());
  std::unique_ptr<StateStore> imported;
  REQUIRE(StateStore::Open(dir.Sub("to"), &imported).ok());
  CHECK(imported->state_root() == store->state_root());
  CHECK(imported->height() == 1);
}

}  // namespace
}  // namespace chainaccel::exec
