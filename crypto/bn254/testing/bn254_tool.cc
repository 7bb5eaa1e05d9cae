// bn254_tool: chainaccel_bn254 as a line-oriented calculator, for independent
// cross-checks (tests/node/bn254_noble_check.mjs runs it against @noble/curves).
//
// One command per input line, one answer line per command. Numbers are hex without 0x
// (either case); answers are lower-case hex without leading zeros ("0" for zero).
// Points are affine coordinates, G2 coordinates as c0 c1 (c0 + c1·u); "inf" is the point
// at infinity. Coordinates must be < p and the point on the curve (G2: in the subgroup),
// or the answer is "error <why>".
//
//   g1mul X Y K             -> X Y        (K·P, K any 256-bit integer)
//   g1add X1 Y1 X2 Y2       -> X Y
//   g2mul X0 X1 Y0 Y1 K     -> X0 X1 Y0 Y1
//   g2add X0 X1 Y0 Y1 X0' X1' Y0' Y1' -> X0 X1 Y0 Y1
//   pair X Y X0 X1 Y0 Y1    -> the 12 Fp coefficients of e(P, Q) in the order
//                              c0.c0.c0 c0.c0.c1 c0.c1.c0 ... c1.c2.c1
//   check HEX               -> 1 or 0: the EIP-197 pairing check of the input HEX
//                              (k·192 bytes; "-" for empty)
// Exit status 0 when every line was answered (errors included), 2 on a usage error.
#include <array>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/bn254/curve.h"
#include "crypto/bn254/pairing.h"

namespace chainaccel::bn254 {
namespace {

std::string HexOf(const U256& v) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (int i = 255; i >= 0; i -= 4) {
    int nibble = static_cast<int>((v[i / 64] >> (i % 64 - 3)) & 0xf);
    if (out.empty() && nibble == 0) continue;
    out.push_back(kDigits[nibble]);
  }
  return out.empty() ? "0" : out;
}

std::string HexOf(const Fp& f) { return HexOf(f.ToCanonical()); }
std::string HexOf(const Fp2& f) { return HexOf(f.c0) + " " + HexOf(f.c1); }

std::optional<U256> ReadU256(std::istream& in) {
  std::string word;
  U256 v{};
  if (!(in >> word) || !bigint::ParseHex(word, &v)) return std::nullopt;
  return v;
}

std::optional<Fp> ReadFp(std::istream& in) {
  auto v = ReadU256(in);
  if (!v) return std::nullopt;
  return Fp::FromCanonical(*v);
}

std::optional<G1Affine> ReadG1(std::istream& in) {
  auto x = ReadFp(in), y = ReadFp(in);
  if (!x || !y) return std::nullopt;
  G1Affine p = G1Affine::FromXY(*x, *y);
  if (!p.IsOnCurve()) return std::nullopt;
  return p;
}

std::optional<G2Affine> ReadG2(std::istream& in) {
  auto x0 = ReadFp(in), x1 = ReadFp(in), y0 = ReadFp(in), y1 = ReadFp(in);
  if (!x0 || !x1 || !y0 || !y1) return std::nullopt;
  G2Affine q = G2Affine::FromXY({*x0, *x1}, {*y0, *y1});
  if (!q.IsOnCurve() || !IsInSubgroupVar(q)) return std::nullopt;
  return q;
}

std::string Show(const G1Affine& p) {
  return p.infinity ? "inf" : HexOf(p.x) + " " + HexOf(p.y);
}
std::string Show(const G2Affine& q) {
  return q.infinity ? "inf" : HexOf(q.x) + " " + HexOf(q.y);
}

std::string Show(const Fp12& f) {
  std::string out;
  for (const Fp6* c : {&f.c0, &f.c1}) {
    for (const Fp2* e : {&c->c0, &c->c1, &c->c2}) {
      out += (out.empty() ? "" : " ") + HexOf(*e);
    }
  }
  return out;
}

std::optional<std::vector<uint8_t>> HexBytes(const std::string& hex) {
  if (hex == "-") return std::vector<uint8_t>();
  if (hex.size() % 2 != 0) return std::nullopt;
  std::vector<uint8_t> out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    U256 v{};
    if (!bigint::ParseHex(hex.substr(i, 2), &v)) return std::nullopt;
    out.push_back(static_cast<uint8_t>(v[0]));
  }
  return out;
}

std::string PairingCheck(const std::string& hex) {
  auto bytes = HexBytes(hex);
  if (!bytes || bytes->size() % 192 != 0) return "error input";
  std::vector<G1Affine> ps;
  std::vector<G2Affine> qs;
  for (size_t off = 0; off < bytes->size(); off += 192) {
    auto p = DecodeG1(std::span<const uint8_t, 64>(bytes->data() + off, 64));
    auto q = DecodeG2(std::span<const uint8_t, 128>(bytes->data() + off + 64, 128));
    if (!p || !q) return "error point";
    ps.push_back(*p);
    qs.push_back(*q);
  }
  return PairingProductIsOne(ps, qs) ? "1" : "0";
}

std::string Answer(const std::string& line) {
  std::istringstream in(line);
  std::string command;
  in >> command;
  if (command == "g1mul") {
    auto p = ReadG1(in);
    auto k = ReadU256(in);
    if (!p || !k) return "error operands";
    return Show(G1::FromAffine(*p).ScalarMulVar(std::span<const uint64_t>(*k)).ToAffine());
  }
  if (command == "g1add") {
    auto p = ReadG1(in), q = ReadG1(in);
    if (!p || !q) return "error operands";
    return Show((G1::FromAffine(*p) + *q).ToAffine());
  }
  if (command == "g2mul") {
    auto q = ReadG2(in);
    auto k = ReadU256(in);
    if (!q || !k) return "error operands";
    return Show(G2::FromAffine(*q).ScalarMulVar(std::span<const uint64_t>(*k)).ToAffine());
  }
  if (command == "g2add") {
    auto p = ReadG2(in), q = ReadG2(in);
    if (!p || !q) return "error operands";
    return Show((G2::FromAffine(*p) + *q).ToAffine());
  }
  if (command == "pair") {
    auto p = ReadG1(in);
    auto q = ReadG2(in);
    if (!p || !q) return "error operands";
    return Show(Pairing(*p, *q));
  }
  if (command == "check") {
    std::string hex;
    in >> hex;
    return PairingCheck(hex);
  }
  return "error command";
}

}  // namespace
}  // namespace chainaccel::bn254

int main(int argc, char** argv) {
  if (argc != 1) {
    std::cerr << "usage: " << argv[0] << " < commands (see the top of bn254_tool.cc)\n";
    return 2;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    std::cout << chainaccel::bn254::Answer(line) << '\n' << std::flush;
  }
  return 0;
}
