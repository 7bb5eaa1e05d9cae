#include "client/packed_batch.h"

#include <catch2/catch.hpp>

namespace chainaccel {
namespace {

TEST_CASE("PackedBatchBuilder picks the fixed layout for equal sizes", "[packed_batch]") {
  PackedBatchBuilder builder;
  builder.Add(std::string_view("abc"));
  builder.Add(std::string_view("def"));
  const PackedBatch batch = builder.Finish();
  CHECK(batch.item_size == 3);
  CHECK(batch.offsets.empty());
  CHECK(batch.data == "abcdef");
  REQUIRE(batch.size() == 2);
  CHECK(batch[1] == "def");
}

TEST_CASE("PackedBatchBuilder switches to offsets when sizes differ", "[packed_batch]") {
  PackedBatchBuilder builder;
  builder.Add(std::string_view("ab"));
  builder.Add(std::string_view("cd"));
  builder.Add(std::string_view("efg"));
  builder.Add(std::string_view(""));
  const PackedBatch batch = builder.Finish();
  CHECK(batch.item_size == 0);
  CHECK(batch.offsets == std::vector<uint64_t>{0, 2, 4, 7, 7});
  REQUIRE(batch.size() == 4);
  CHECK(batch[2] == "efg");
  CHECK(batch[3].empty());
}

TEST_CASE("PackedBatchBuilder packs empty items with offsets", "[packed_batch]") {
  PackedBatchBuilder builder;
  builder.Add(std::string_view());
  builder.Add(std::string_view());
  const PackedBatch batch = builder.Finish();
  CHECK(batch.item_size == 0);
  CHECK(batch.offsets == std::vector<uint64_t>{0, 0, 0});
  CHECK(batch.size() == 2);
}

TEST_CASE("PackedBatchBuilder: an empty batch has no items", "[packed_batch]") {
  PackedBatchBuilder builder;
  const PackedBatch batch = builder.Finish();
  CHECK(batch.size() == 0);
  CHECK(batch.item_size == 0);
}

TEST_CASE("PackedBatchBuilder::Append writes in place and Finish resets", "[packed_batch]") {
  PackedBatchBuilder builder;
  uint8_t* item = builder.Append(2);
  item[0] = 'x';
  item[1] = 'y';
  CHECK(builder.Finish().data == "xy");
  CHECK(builder.size() == 0);
  builder.Add(std::string_view("z"));
  CHECK(builder.Finish().data == "z");
}

TEST_CASE("PackBatch packs strings and byte vectors", "[packed_batch]") {
  const std::vector<std::string> strings = {"aa", "b"};
  const PackedBatch a = PackBatch(strings);
  CHECK(a.offsets == std::vector<uint64_t>{0, 2, 3});
  const std::vector<std::vector<uint8_t>> bytes = {{1, 2}, {3, 4}};
  const PackedBatch b = PackBatch(bytes);
  CHECK(b.item_size == 2);
  CHECK(b.data == std::string("\x01\x02\x03\x04"));
}

}  // namespace
}  // namespace chainaccel
