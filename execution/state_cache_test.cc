#include "execution/state_cache.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "tests/support/random.h"

namespace chainaccel::exec {
namespace {

using Kind = StateCache::Kind;

std::optional<std::string> Lookup(StateCache& cache, Kind kind, const std::string& key) {
  std::optional<std::string> v = "untouched";
  REQUIRE(cache.Lookup(kind, key, &v));
  return v;
}

bool Cached(StateCache& cache, Kind kind, const std::string& key) {
  std::optional<std::string> v;
  return cache.Lookup(kind, key, &v);
}

TEST_CASE("StateCache: hits, misses, absent keys, replacements, kinds apart", "[cache]") {
  StateCache cache(1 << 20);
  std::optional<std::string> v = "untouched";
  CHECK_FALSE(cache.Lookup(Kind::kValue, "a", &v));
  CHECK(v == "untouched");
  const std::string one = "1", two = "22";
  cache.Insert(Kind::kValue, "a", &one);
  cache.Insert(Kind::kValue, "gone", nullptr);
  CHECK(Lookup(cache, Kind::kValue, "a") == "1");
  CHECK(Lookup(cache, Kind::kValue, "gone") == std::nullopt);
  CHECK_FALSE(Cached(cache, Kind::kNode, "a"));  // another key space
  cache.Insert(Kind::kValue, "a", &two);
  CHECK(Lookup(cache, Kind::kValue, "a") == "22");
  cache.Insert(Kind::kValue, "a", nullptr);
  CHECK(Lookup(cache, Kind::kValue, "a") == std::nullopt);
  cache.Erase(Kind::kValue, "a");
  CHECK_FALSE(Cached(cache, Kind::kValue, "a"));
  const std::string empty;
  cache.Insert(Kind::kNode, "n", &empty);  // present and empty is not absent
  CHECK(Lookup(cache, Kind::kNode, "n") == "");

  const StateCache::Stats s = cache.stats();
  CHECK(s.capacity == 1 << 20);
  CHECK(s.entries == 2);
  CHECK(s.bytes == 4 + 1 + 2 * StateCache::kEntryOverhead);
  CHECK(s.hits[0] == 4);
  CHECK(s.misses[0] == 2);
  CHECK(s.hits[1] == 1);
  CHECK(s.misses[1] == 1);
}

TEST_CASE("StateCache: stays within its capacity and evicts the unused first",
          "[cache]") {
  const size_t capacity = StateCache::kShards * 4096;
  StateCache cache(capacity);
  const std::string value(100, 'v');
  // Far more than fits: the charge never passes the capacity.
  for (int i = 0; i < 20000; ++i) {
    cache.Insert(Kind::kValue, "key" + std::to_string(i), &value);
    REQUIRE(cache.stats().bytes <= capacity);
  }
  const StateCache::Stats s = cache.stats();
  CHECK(s.evictions == 20000 - s.entries);
  CHECK(s.bytes > capacity / 2);
  // The newest survive, the oldest are gone.
  CHECK(Cached(cache, Kind::kValue, "key19999"));
  CHECK_FALSE(Cached(cache, Kind::kValue, "key0"));

  // A key used again outlives keys inserted after it, in its shard.
  StateCache small(StateCache::kShards * (2 * (StateCache::kEntryOverhead + 110)));
  small.Insert(Kind::kValue, "kept", &value);
  for (int i = 0; i < 2000; ++i) {
    REQUIRE(Cached(small, Kind::kValue, "kept"));  // touched before every insert
    small.Insert(Kind::kValue, "other" + std::to_string(i), &value);
  }
  CHECK(Cached(small, Kind::kValue, "kept"));

  // An entry over a shard's share is not cached, and replaces nothing stale.
  const std::string huge(capacity, 'h');
  cache.Insert(Kind::kValue, "key19999", &huge);
  CHECK_FALSE(Cached(cache, Kind::kValue, "key19999"));
  // No capacity: nothing is cached.
  StateCache none(0);
  none.Insert(Kind::kValue, "a", &value);
  CHECK_FALSE(Cached(none, Kind::kValue, "a"));
  CHECK(none.stats().entries == 0);
}

// The index's deletions shift entries back within their probe runs: random inserts,
// replacements and erases over few keys per shard (long runs, many shifts) must leave
// every key findable exactly when a model map has it (no capacity limit), and with a
// small capacity a hit must still return the key's latest value.
TEST_CASE("StateCache: random inserts and erases agree with a map", "[cache]") {
  auto rng = chainaccel::testing::MakeRng("state cache model");
  for (const size_t capacity : {size_t{1} << 30, StateCache::kShards * size_t{2048}}) {
    StateCache cache(capacity);
    std::unordered_map<std::string, std::optional<std::string>> model;
    for (int i = 0; i < 60000; ++i) {
      const std::string key = "k" + std::to_string(rng() % 3000);
      const uint64_t op = rng() % 8;
      if (op < 3) {
        const std::string value = std::to_string(rng());
        cache.Insert(Kind::kValue, key, &value);
        model[key] = value;
      } else if (op == 3) {
        cache.Insert(Kind::kValue, key, nullptr);
        model[key] = std::nullopt;
      } else if (op == 4) {
        cache.Erase(Kind::kValue, key);
        model.erase(key);
      } else {
        std::optional<std::string> v;
        const bool hit = cache.Lookup(Kind::kValue, key, &v);
        const auto it = model.find(key);
        if (capacity == size_t{1} << 30) REQUIRE(hit == (it != model.end()));
        if (hit) {
          REQUIRE(it != model.end());
          REQUIRE(v == it->second);
        }
      }
    }
    const StateCache::Stats s = cache.stats();
    REQUIRE(s.bytes <= s.capacity);
    if (capacity == size_t{1} << 30) {
      CHECK(s.entries == model.size());
      CHECK(s.evictions == 0);
    } else {
      CHECK(s.evictions > 0);
    }
  }
}

TEST_CASE("StateCache: threads reading and writing at once see only values written",
          "[cache]") {
  auto rng = chainaccel::testing::MakeRng("state cache threads");
  const uint64_t seed = rng();
  StateCache cache(StateCache::kShards * 2048);  // small: evictions all the time
  // Key k only ever holds "k:<something>" or is absent.
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 r(seed + t);
      for (int i = 0; i < 50000; ++i) {
        const std::string key = std::to_string(r() % 500);
        switch (r() % 4) {
          case 0: {
            const std::string v = key + ":" + std::to_string(r());
            cache.Insert(Kind::kValue, key, &v);
            break;
          }
          case 1:
            cache.Insert(Kind::kValue, key, nullptr);
            break;
          case 2:
            cache.Erase(Kind::kValue, key);
            break;
          default: {
            std::optional<std::string> v;
            if (cache.Lookup(Kind::kValue, key, &v) && v && v->rfind(key + ":", 0) != 0) ++wrong;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(wrong == 0);
  CHECK(cache.stats().bytes <= cache.stats().capacity);
}

}  // namespace
}  // namespace chainaccel::exec
