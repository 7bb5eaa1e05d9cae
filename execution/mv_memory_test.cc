// Block-STM's multi-version memory on its own: versions, estimates, write-set changes
// between incarnations, and the collected net writes.
#include "execution/mv_memory.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <thread>

namespace chainaccel::exec::stm {
namespace {

using Kind = MVMemory::ReadOutcome::Kind;

// What txn_idx reads at `key`: its kind, the version and the value (or "<absent>").
struct Seen {
  Kind kind;
  Version version;
  std::string value;
};

Seen ReadAt(MVMemory& memory, std::string_view key, uint32_t txn_idx) {
  bool present = false;
  std::string value;
  const auto out = memory.Read(memory.Resolve(key), txn_idx, &value, &present);
  if (out.kind == Kind::kVersion && !present) value = "<absent>";
  return Seen{out.kind, out.version, value};
}

bool Write(MVMemory& memory, Version version,
           std::vector<std::pair<std::string, std::optional<std::string>>> writes) {
  static BumpArena arena;  // never reset: lives longer than every memory of the tests
  std::vector<LocationWrite> set;
  for (auto& [key, value] : writes) set.push_back(LocationWrite{&memory.Resolve(key), value});
  return memory.Record(version, set, arena);
}

TEST_CASE("MVMemory: a read sees the highest lower writer, estimates and deletes", "[stm]") {
  MVMemory memory(8);
  CHECK(&memory.Resolve("a") == &memory.Resolve(std::string("a")));
  CHECK(memory.Resolve("a").key() == "a");
  CHECK(ReadAt(memory, "a", 5).kind == Kind::kStorage);

  CHECK(Write(memory, {1, 0}, {{"a", "one"}}));
  CHECK(Write(memory, {3, 0}, {{"a", std::nullopt}, {"b", "three"}}));
  CHECK(ReadAt(memory, "a", 1).kind == Kind::kStorage);  // only lower writers count
  const Seen at2 = ReadAt(memory, "a", 2);
  CHECK(at2.kind == Kind::kVersion);
  CHECK(at2.version == Version{1, 0});
  CHECK(at2.value == "one");
  CHECK(ReadAt(memory, "a", 7).value == "<absent>");  // txn 3 deleted it
  CHECK(ReadAt(memory, "b", 7).value == "three");

  memory.ConvertWritesToEstimates(3);
  const Seen est = ReadAt(memory, "b", 4);
  CHECK(est.kind == Kind::kEstimate);
  CHECK(est.version == Version{3, 0});
  CHECK(ReadAt(memory, "a", 4).kind == Kind::kEstimate);

  // The next incarnation writes "b" again but no longer "a": a's entry of txn 3 goes,
  // and no new location was written.
  CHECK_FALSE(Write(memory, {3, 1}, {{"b", "three again"}}));
  CHECK(ReadAt(memory, "a", 4).value == "one");
  CHECK(ReadAt(memory, "b", 4).version == Version{3, 1});
  CHECK(ReadAt(memory, "b", 4).value == "three again");
  // A third incarnation that writes a key the second did not, which a higher
  // transaction has read: wrote_new_location.
  CHECK(ReadAt(memory, "c", 6).kind == Kind::kStorage);
  CHECK(Write(memory, {3, 2}, {{"b", "3"}, {"c", "new"}}));
  // A new key that only lower transactions and txn 3 itself have read: no read set of a
  // higher transaction can have seen it, so not wrote_new_location.
  CHECK(ReadAt(memory, "d", 2).kind == Kind::kStorage);
  CHECK(ReadAt(memory, "d", 3).kind == Kind::kStorage);
  CHECK_FALSE(Write(memory, {3, 3}, {{"b", "3"}, {"c", "new"}, {"d", "x"}}));
  CHECK(ReadAt(memory, "d", 4).value == "x");
  // A failed incarnation records nothing: every earlier entry of txn 3 goes.
  CHECK_FALSE(Write(memory, {3, 4}, {}));
  CHECK(ReadAt(memory, "b", 4).kind == Kind::kStorage);
  CHECK(ReadAt(memory, "c", 4).kind == Kind::kStorage);
  CHECK(ReadAt(memory, "d", 4).kind == Kind::kStorage);
}

TEST_CASE("MVMemory: collected net writes are the last writer's, in key order", "[stm]") {
  std::vector<WriteSet> no_runs(3);
  CHECK(MVMemory::Merge(no_runs).empty());
  CHECK(MVMemory::PlanMerge(no_runs, 4).offsets == std::vector<size_t>(5, 0));
  constexpr uint32_t kTxns = 300;
  // Transaction i writes "key" + (i % 50); the last incarnation of txn 299 also deletes
  // "zz". The last writer of key k is txn 250 + k.
  for (size_t parts : {1, 3, 8}) {
    MVMemory memory(kTxns);
    for (uint32_t i = 0; i < kTxns; ++i) {
      Write(memory, {i, 0}, {{"key" + std::to_string(i % 50), "v" + std::to_string(i)}});
    }
    Write(memory, {299, 1}, {{"key49", "v299"}, {"zz", std::nullopt}});
    memory.Resolve("read only");  // a key that was only read is not a write
    std::vector<WriteSet> runs(parts);
    std::vector<std::thread> threads;
    for (size_t p = 0; p < parts; ++p) {
      threads.emplace_back([&, p] { memory.CollectWrites(p, parts, &runs[p]); });
    }
    for (std::thread& t : threads) t.join();
    WriteMap expected_map;
    for (uint32_t k = 0; k < 50; ++k) {
      expected_map["key" + std::to_string(k)] = "v" + std::to_string(250 + k);
    }
    expected_map["zz"] = std::nullopt;
    const WriteSet expected = ToWriteSet(std::move(expected_map));
    // Merged by several threads, each its range of keys, or all at once.
    for (size_t merge_parts : {2, 5, 400}) {
      std::vector<WriteSet> copy = runs;
      const MVMemory::MergePlan plan = MVMemory::PlanMerge(copy, merge_parts);
      WriteSet merged(plan.offsets.back());
      std::vector<std::thread> mergers;
      for (size_t p = 0; p < merge_parts; ++p) {
        mergers.emplace_back([&, p] { MVMemory::MergePart(copy, plan, p, &merged); });
      }
      for (std::thread& t : mergers) t.join();
      CHECK(merged == expected);
    }
    CHECK(MVMemory::Merge(runs) == expected);
  }
}

TEST_CASE("MVMemory: collected keys are in byte order whatever their lengths and bytes",
          "[stm]") {
  // Keys sharing long prefixes, keys that are prefixes of others, zero and 0xff bytes,
  // differences before, inside and after the 8 bytes that follow the shared prefix.
  std::mt19937_64 rng(5);
  const std::string prefix(32, '\x07');
  std::vector<std::string> keys = {prefix, prefix + std::string(1, '\0'),
                                   prefix + std::string(9, '\0'), prefix + "\xff"};
  const std::string alphabet("\x00\x01\x7f\x80\xff", 5);
  for (int i = 0; i < 400; ++i) {
    std::string k = prefix;
    const size_t len = rng() % 20;
    for (size_t j = 0; j < len; ++j) k.push_back(alphabet[rng() % alphabet.size()]);
    keys.push_back(k);
  }
  for (int i = 0; i < 20; ++i) keys.push_back(std::string(1 + rng() % 3, 'a' + rng() % 3));
  WriteMap expected_map;
  MVMemory memory(keys.size());
  for (uint32_t i = 0; i < keys.size(); ++i) {
    Write(memory, {i, 0}, {{keys[i], std::to_string(i)}});
    expected_map[keys[i]] = std::to_string(i);
  }
  std::vector<WriteSet> runs(2);
  memory.CollectWrites(0, 2, &runs[0]);
  memory.CollectWrites(1, 2, &runs[1]);
  for (const WriteSet& run : runs) {
    CHECK(std::is_sorted(run.begin(), run.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; }));
  }
  CHECK(MVMemory::Merge(runs) == ToWriteSet(std::move(expected_map)));
}

}  // namespace
}  // namespace chainaccel::exec::stm
