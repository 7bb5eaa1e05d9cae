#include "execution/state_import.h"

#include <catch2/catch.hpp>

#include <filesystem>

#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tests/support/random.h"
#include "execution/state_store.h"
#include "execution/testing/faulty_file_system.h"
#include "execution/testing/temp_dir.h"
#include "execution/testing/tree_records.h"
#include "execution/tx/contract_code.h"
#include "execution/tx/state_proof.h"

namespace chainaccel::exec {
namespace {

using State = std::map<std::string, std::string, std::less<>>;

// A random state of `keys` keys: lengths 1-80 bytes, values 0-100 bytes (empty ones too).
State RandomState(std::mt19937_64& rng, size_t keys) {
  State state;
  while (state.size() < keys) {
    std::string key(1 + rng() % 80, '\0');
    for (char& c : key) c = static_cast<char>(rng());
    std::string value(rng() % 101, '\0');
    for (char& c : value) c = static_cast<char>(rng());
    state.emplace(std::move(key), std::move(value));
  }
  return state;
}

// The state in `parts` parts: key i of the map in part i % parts.
ImportPart PartsOf(const State& state, size_t parts) {
  return [&state, parts](size_t part, const StateVisitor& visit) {
    size_t i = 0;
    for (const auto& [k, v] : state) {
      if (i++ % parts == part) visit(k, v);
    }
    return Status::Ok();
  };
}

Hash32 ReferenceRoot(const State& state, const WriteSet* overlay = nullptr) {
  CpuNodeHasher hasher;
  Hash32 root;
  REQUIRE(BuildStateRoot(state, overlay, hasher, &root).ok());
  return root;
}

// Proves `key` at `height` in `store` and verifies the proof against the height's root.
void CheckProof(const StateStore& store, std::string_view key, uint64_t height,
                const std::optional<std::string>& expected) {
  std::optional<std::string> value;
  StateProof proof;
  Hash32 root;
  REQUIRE(store.Prove(key, height, &value, &proof, &root).ok());
  CHECK(value == expected);
  Status s = VerifyStateProof(root, key, expected, proof);
  INFO(s.ToString());
  CHECK(s.ok());
}

TEST_CASE("ImportState writes the state and its tree as block 1 and blocks go on from it",
          "[store][import]") {
  auto rng = chainaccel::testing::MakeRng("state import");
  // 1 and 2 keys: a root with one leaf, and with two; 3,000: mostly single leaves under
  // the parallel build's 12-bit prefixes; 60,000: subtrees of ~15 keys under each.
  const size_t keys = GENERATE(size_t{1}, size_t{2}, size_t{3000}, size_t{60000});
  const size_t parts = GENERATE(size_t{1}, size_t{7});
  INFO(keys << " keys in " << parts << " parts");
  State state = RandomState(rng, keys);
  testing::TempDir dir;
  ImportOptions options;
  options.parts = parts;
  options.threads = 3;
  ImportResult result;
  Status s = ImportState(dir.path(), PartsOf(state, parts), options, &result);
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK(result.keys == keys);
  CHECK(result.root == ReferenceRoot(state));
  CHECK(result.nodes >= 1);
  // The spilled leaves are gone with the import.
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/import-leaves"));

  size_t reachable = 0;
  s = testing::CheckLatestTree(dir.path(), &reachable);
  INFO(s.ToString());
  CHECK(s.ok());
  CHECK(reachable == result.nodes);  // every record written is in the tree

  std::unique_ptr<StateStore> store;
  REQUIRE(StateStore::Open(dir.path(), &store).ok());
  CHECK(store->height() == 1);
  CHECK(store->state_root() == result.root);
  for (const auto& [k, v] : state) {
    std::string got;
    REQUIRE(store->Get(k, &got));
    CHECK(got == v);
  }
  std::vector<std::string> sample;
  for (const auto& [k, v] : state) {
    if (sample.size() < 40 && rng() % (keys / 40 + 1) == 0) sample.push_back(k);
  }
  sample.push_back(state.begin()->first);
  for (const std::string& k : sample) CheckProof(*store, k, 1, state.at(k));
  CheckProof(*store, "absent key", 1, std::nullopt);
  std::optional<std::string> unused;
  CHECK(store->GetAt(state.begin()->first, 0, &unused).code() == Status::Code::kNotFound);

  // Blocks on top: updates, removals and new keys, each root against the reference.
  for (uint64_t h = 2; h <= 6; ++h) {
    std::map<std::string, std::optional<std::string>> block;
    for (size_t i = 0; i < 50; ++i) {
      const auto at = std::next(state.begin(), static_cast<ptrdiff_t>(rng() % state.size()));
      if (rng() % 3 == 0 && state.size() > 1) {
        block[at->first] = std::nullopt;
      } else {
        block[at->first] = "updated " + std::to_string(rng());
      }
      block["new " + std::to_string(rng())] = "v";
    }
    const WriteSet writes(block.begin(), block.end());
    REQUIRE(store->Commit(h, writes).ok());
    CHECK(store->state_root() == ReferenceRoot(state, &writes));
    for (const auto& [k, v] : writes) {
      if (v) {
        state[k] = *v;
      } else {
        state.erase(k);
      }
    }
  }
  // The imported values are still readable at height 1, through the blocks' undo logs.
  for (const std::string& k : sample) {
    std::optional<std::string> value;
    REQUIRE(store->GetAt(k, 1, &value).ok());
    CHECK(value.has_value());
  }
  store.reset();
  s = testing::CheckLatestTree(dir.path(), &reachable);
  INFO(s.ToString());
  CHECK(s.ok());
  REQUIRE(StateStore::Open(dir.path(), &store).ok());
  CHECK(store->height() == 6);
  CHECK(store->state_root() == ReferenceRoot(state));
}

TEST_CASE("ImportState refuses bad sources and non-empty databases", "[store][import]") {
  testing::TempDir dir;
  ImportOptions options;
  options.parts = 3;
  options.threads = 2;
  ImportResult result;
  auto status_of = [&](const ImportPart& source) {
    testing::TempDir fresh;
    return ImportState(fresh.path(), source, options, &result);
  };
  auto keys = [](std::vector<std::string> which) {
    return [which](size_t part, const StateVisitor& visit) {
      for (size_t i = part; i < which.size(); i += 3) visit(which[i], "v");
      return Status::Ok();
    };
  };

  Status s = status_of(keys({}));
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("no key") != std::string::npos);

  s = status_of(keys({"a", "b", "c", "d", "a"}));  // "a" in parts 0 and 1
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("imported twice") != std::string::npos);

  s = status_of(keys({"a", "", "c"}));
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("part 1 has an empty key") != std::string::npos);

  s = status_of(keys({"a", "b", ContractCodeKey(Hash32{})}));
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("code key") != std::string::npos);

  s = status_of([](size_t part, const StateVisitor& visit) {
    visit("k" + std::to_string(part), "v");
    return part == 2 ? Status::Unavailable("the snapshot file went away") : Status::Ok();
  });
  CHECK(s.code() == Status::Code::kUnavailable);

  SECTION("a database with a block") {
    std::unique_ptr<StateStore> store;
    REQUIRE(StateStore::Open(dir.path(), &store).ok());
    REQUIRE(store->Commit(1, WriteSet{{"k", std::string("v")}}).ok());
    store.reset();
    s = ImportState(dir.path(), keys({"a", "b"}), options, &result);
    CHECK(s.code() == Status::Code::kFailedPrecondition);
    REQUIRE(StateStore::Open(dir.path(), &store).ok());  // untouched
    CHECK(store->height() == 1);
  }
  SECTION("a database twice") {
    REQUIRE(ImportState(dir.path(), keys({"a", "b"}), options, &result).ok());
    s = ImportState(dir.path(), keys({"c", "d"}), options, &result);
    CHECK(s.code() == Status::Code::kFailedPrecondition);
  }
}

TEST_CASE("An import that did not finish is refused until its folder is removed",
          "[store][import]") {
  testing::TempDir dir;
  ImportOptions options;
  options.threads = 2;
  ImportResult result;
  auto rng = chainaccel::testing::MakeRng("unfinished import");
  const State state = RandomState(rng, 2000);
  SECTION("the source failed") {
    Status s = ImportState(
        dir.path(),
        [&](size_t, const StateVisitor& visit) {
          for (const auto& [k, v] : state) visit(k, v);
          return Status::Internal("the source broke after its keys");
        },
        options, &result);
    CHECK(s.code() == Status::Code::kInternal);
  }
  SECTION("the disk refused the flush") {
    testing::FaultyStorage storage;
    options.env = storage.env.get();
    Status s = ImportState(
        dir.path(),
        [&](size_t, const StateVisitor& visit) {
          for (const auto& [k, v] : state) visit(k, v);
          storage.fs->FailNewFiles();  // from here: the flush's table files
          return Status::Ok();
        },
        options, &result);
    CHECK(s.code() == Status::Code::kInternal);
    storage.fs->Clear();
  }
  std::unique_ptr<StateStore> store;
  Status s = StateStore::Open(dir.path(), &store);
  CHECK(s.code() == Status::Code::kInternal);
  CHECK(s.message().find("import that did not finish") != std::string::npos);
  options.env = nullptr;
  s = ImportState(dir.path(), PartsOf(state, 1), options, &result);
  CHECK(s.code() == Status::Code::kFailedPrecondition);
}

}  // namespace
}  // namespace chainaccel::exec
