#include "tests/support/vectors.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "core/hex.h"

namespace chainaccel::testing {

std::string VectorPath(std::string_view relative) {
  const char* from_environment = std::getenv("CHAINACCEL_VECTORS_DIR");
  std::string path = from_environment != nullptr && *from_environment != '\0'
                         ? from_environment
                         : CHAINACCEL_VECTORS_DIR;
  path += '/';
  path += relative;
  return path;
}

Bytes ReadVectorFile(std::string_view relative) {
  const std::string path = VectorPath(relative);
  std::ifstream in(path, std::ios::binary);
  INFO("vector file " << path);
  REQUIRE(in.good());
  Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(!bytes.empty());
  return bytes;
}

nlohmann::json ReadVectorJson(std::string_view relative) {
  const Bytes bytes = ReadVectorFile(relative);
  return nlohmann::json::parse(bytes.begin(), bytes.end());
}

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  const size_t end = s.find_last_not_of(" \t\r");
  return std::string(s.substr(begin, end - begin + 1));
}

}  // namespace

Bytes FromHex(std::string_view hex) {
  INFO("hex " << hex);
  REQUIRE(hex.size() % 2 == 0);
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = HexDigit(hex[2 * i]);
    const int lo = HexDigit(hex[2 * i + 1]);
    REQUIRE((hi >= 0 && lo >= 0));
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string ToHex(ByteView bytes) { return HexEncode(bytes); }

std::vector<std::pair<std::string, std::string>> ReadKeyValues(std::string_view relative) {
  const Bytes bytes = ReadVectorFile(relative);
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string line = Trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (line.empty() || line[0] == '#' || line[0] == '[') continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    out.emplace_back(Trim(std::string_view(line).substr(0, eq)),
                     Trim(std::string_view(line).substr(eq + 1)));
  }
  return out;
}

std::vector<DigestVector> ReadDigestVectors(std::string_view relative) {
  std::vector<DigestVector> out;
  DigestVector current;
  for (const auto& [key, value] : ReadKeyValues(relative)) {
    if (key == "Len") {
      current = DigestVector{};
      current.bits = std::stoul(value);
    } else if (key == "Msg") {
      current.message = FromHex(value);
      REQUIRE(current.bits % 8 == 0);
      REQUIRE(current.message.size() >= current.bits / 8);
      current.message.resize(current.bits / 8);  // Len = 0 shows Msg = 00
    } else if (key == "MD") {
      current.digest = FromHex(value);
      out.push_back(current);
    }
  }
  return out;
}

std::vector<WycheproofCase> ReadWycheproofCases(std::string_view relative,
                                                std::string_view key_field) {
  const nlohmann::json doc = ReadVectorJson(relative);
  std::vector<WycheproofCase> cases;
  for (const auto& group : doc.at("testGroups")) {
    const Bytes key =
        FromHex(group.at("publicKey").at(std::string(key_field)).get<std::string>());
    for (const auto& test : group.at("tests")) {
      const std::string result = test.at("result").get<std::string>();
      REQUIRE((result == "valid" || result == "invalid"));
      cases.push_back({test.at("tcId").get<int>(), test.at("comment").get<std::string>(), key,
                       FromHex(test.at("msg").get<std::string>()),
                       FromHex(test.at("sig").get<std::string>()), result == "valid"});
    }
  }
  return cases;
}

std::vector<Bip340Vector> ReadBip340Vectors() {
  const Bytes bytes = ReadVectorFile("bip340/test-vectors.csv");
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::vector<Bip340Vector> out;
  size_t pos = 0;
  bool header = true;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string line = Trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (line.empty()) continue;
    // index, secret key, public key, aux_rand, message, signature, verification result,
    // comment: no field holds a comma (the comments of this file have none).
    std::vector<std::string> fields;
    size_t from = 0;
    for (size_t comma; (comma = line.find(',', from)) != std::string::npos; from = comma + 1) {
      fields.push_back(line.substr(from, comma - from));
    }
    fields.push_back(line.substr(from));
    INFO("bip340/test-vectors.csv line: " << line);
    REQUIRE(fields.size() == 8);
    if (header) {
      REQUIRE(fields[0] == "index");
      header = false;
      continue;
    }
    REQUIRE((fields[6] == "TRUE" || fields[6] == "FALSE"));
    out.push_back({std::stoi(fields[0]), FromHex(fields[2]), FromHex(fields[4]),
                   FromHex(fields[5]), fields[6] == "TRUE", fields[7]});
  }
  REQUIRE(!out.empty());
  return out;
}

}  // namespace chainaccel::testing
