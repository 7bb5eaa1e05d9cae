#include "execution/bucket_files.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "execution/testing/temp_dir.h"
#include "tests/support/random.h"

namespace chainaccel::exec {
namespace {

// All of `bucket`, read in pieces of at most `piece` bytes; the reader then ends cleanly.
std::string ReadAll(BucketFiles& files, size_t bucket, size_t piece) {
  BucketFiles::Reader reader = files.Read(bucket);
  std::string all(files.Size(bucket), '\0');
  for (size_t at = 0; at < all.size(); at += piece) {
    REQUIRE(reader.Read(all.data() + at, std::min(piece, all.size() - at)));
  }
  char c;
  CHECK_FALSE(reader.Read(&c, 1));
  CHECK(reader.status().ok());
  return all;
}

TEST_CASE("BucketFiles: appends from several threads read back per bucket, in each writer's order",
          "[import][tree]") {
  std::mt19937_64 rng = chainaccel::testing::MakeRng("bucket files");
  testing::TempDir dir;
  const std::string folder = dir.Sub("spill");
  constexpr size_t kBuckets = 16, kThreads = 4;
  BucketFiles files("test");
  REQUIRE(files.Open(folder, kBuckets).ok());
  CHECK(files.buckets() == kBuckets);
  // Thread t appends records "t:i;" of random buckets: each bucket's file must hold, per
  // thread, that thread's records for it in order (threads interleave only whole appends).
  std::vector<std::vector<std::string>> expected(kThreads, std::vector<std::string>(kBuckets));
  std::vector<std::vector<size_t>> choice(kThreads);
  for (auto& c : choice) {
    for (int i = 0; i < 3000; ++i) c.push_back(rng() % kBuckets);
  }
  std::atomic<int> failed_appends{0};  // Catch's assertions are for the test's own thread
  std::vector<std::thread> threads;
  for (size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < choice[t].size(); ++i) {
        const std::string record = std::to_string(t) + ":" + std::to_string(i) + ";";
        if (!files.Append(choice[t][i], record).ok()) ++failed_appends;
        expected[t][choice[t][i]] += record;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  REQUIRE(failed_appends == 0);
  REQUIRE(files.Append(3, "").ok());
  // Written out, every file on disk holds what was appended to it.
  REQUIRE(files.Flush().ok());
  for (size_t b = 0; b < kBuckets; ++b) {
    CHECK(std::filesystem::file_size(folder + "/" + std::to_string(b)) == files.Size(b));
  }
  for (size_t b = 0; b < kBuckets; ++b) {
    const std::string all = ReadAll(files, b, 1 + rng() % 100);
    CHECK(files.Size(b) == all.size());
    std::vector<std::string> got(kThreads);
    for (size_t at = 0; at < all.size();) {
      const size_t colon = all.find(':', at), end = all.find(';', at);
      REQUIRE(end != std::string::npos);
      got[std::stoul(all.substr(at, colon - at))] += all.substr(at, end + 1 - at);
      at = end + 1;
    }
    for (size_t t = 0; t < kThreads; ++t) CHECK(got[t] == expected[t][b]);
    // Read twice: a second reader starts again from the beginning.
    CHECK(ReadAll(files, b, 7) == all);
  }
  // A removed bucket is empty, takes no more bytes, and its file is gone.
  files.Remove(5);
  CHECK(files.Size(5) == 0);
  CHECK_FALSE(std::filesystem::exists(folder + "/5"));
  CHECK(ReadAll(files, 5, 4).empty());
  const Status refused = files.Append(5, "x");
  CHECK(refused.code() == Status::Code::kInternal);
  CHECK(refused.message() == "test: the temporary file " + folder + "/5 was removed");
}

TEST_CASE("BucketFiles: a file cut short is INTERNAL naming it, and the folder is made afresh and removed",
          "[import][tree]") {
  testing::TempDir dir;
  const std::string folder = dir.Sub("spill");
  std::filesystem::create_directories(folder + "/old");
  std::ofstream(folder + "/stale") << "left by a crash";
  {
    BucketFiles files("check");
    REQUIRE(files.Open(folder, 2).ok());
    CHECK_FALSE(std::filesystem::exists(folder + "/stale"));
    CHECK_FALSE(std::filesystem::exists(folder + "/old"));
    REQUIRE(files.Append(0, "0123456789").ok());
    {
      BucketFiles::Reader reader = files.Read(0);
      char buffer[8];
      CHECK(reader.Read(buffer, 8));
      CHECK(std::string(buffer, 8) == "01234567");
      // Two bytes are left: asking for four is the file cut short, and stays failed.
      CHECK_FALSE(reader.Read(buffer, 4));
      CHECK(reader.status().code() == Status::Code::kInternal);
      CHECK(reader.status().message() == "check: " + folder + "/0 is cut short");
      CHECK_FALSE(reader.Read(buffer, 1));
    }
    // An empty bucket ends at once, cleanly; reading nothing always succeeds.
    BucketFiles::Reader empty = files.Read(1);
    char c;
    CHECK(empty.Read(&c, 0));
    CHECK_FALSE(empty.Read(&c, 1));
    CHECK(empty.status().ok());
  }
  CHECK_FALSE(std::filesystem::exists(folder));
  // A folder that cannot be made (a file is in the way of its parent).
  std::ofstream(dir.Sub("file")) << "x";
  BucketFiles files("check");
  const Status s = files.Open(dir.Sub("file") + "/spill", 1);
  CHECK(s.code() == Status::Code::kInternal);
  CHECK(s.message().find("check: cannot create " + dir.Sub("file") + "/spill") == 0);
}

}  // namespace
}  // namespace chainaccel::exec
