#include "crypto/groth16/snarkjs_json.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "crypto/bn254/pairing.h"

namespace chainaccel::groth16 {

namespace {

using bn254::Fp;
using bn254::Fp2;
using bn254::U256;
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

Status Bad(std::string_view path, std::string_view problem) {
  return Status::InvalidArgument(std::string(path) + ": " + std::string(problem));
}

Status ParseDocument(std::string_view text, std::string_view what, Json* out) {
  Json doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Bad(what, "not valid JSON");
  *out = std::move(doc);
  return Status::Ok();
}

Status ReadInteger(const Json& j, const std::string& path, U256* out) {
  if (!j.is_string()) return Bad(path, "expected a decimal string");
  const std::string& text = j.get_ref<const std::string&>();
  if (!bn254::bigint::ParseDecimal(text, out)) {
    return Bad(path, "\"" + text.substr(0, 80) + "\" is not a decimal integer below 2^256");
  }
  return Status::Ok();
}

Status ReadFp(const Json& j, const std::string& path, Fp* out) {
  U256 v{};
  if (Status s = ReadInteger(j, path, &v); !s.ok()) return s;
  std::optional<Fp> f = Fp::FromCanonical(v);
  if (!f) return Bad(path, "coordinate is >= p");
  *out = *f;
  return Status::Ok();
}

Status ReadFp2(const Json& j, const std::string& path, Fp2* out) {
  if (!j.is_array() || j.size() != 2) return Bad(path, "expected [c0, c1]");
  Status s = ReadFp(j[0], path + "[0]", &out->c0);
  if (s.ok()) s = ReadFp(j[1], path + "[1]", &out->c1);
  return s;
}

Status ReadCoordinate(const Json& j, const std::string& path, Fp* out) {
  return ReadFp(j, path, out);
}
Status ReadCoordinate(const Json& j, const std::string& path, Fp2* out) {
  return ReadFp2(j, path, out);
}

// [x, y] or [x, y, z], Jacobian (x/z^2, y/z^3) as ffjavascript's fromObject reads it.
template <class Curve>
Status ReadPoint(const Json& j, const std::string& path, bn254::AffinePoint<Curve>* out) {
  using F = typename Curve::Field;
  if (!j.is_array() || (j.size() != 2 && j.size() != 3)) return Bad(path, "expected [x, y, z]");
  F x, y, z = F::One();
  Status s = ReadCoordinate(j[0], path + "[0]", &x);
  if (s.ok()) s = ReadCoordinate(j[1], path + "[1]", &y);
  if (s.ok() && j.size() == 3) s = ReadCoordinate(j[2], path + "[2]", &z);
  if (!s.ok()) return s;
  if (z.IsZero()) {
    *out = bn254::AffinePoint<Curve>::Infinity();
  } else if (z.IsOne()) {
    *out = bn254::AffinePoint<Curve>::FromXY(x, y);
  } else {
    *out = bn254::JacobianPoint<Curve>{x, y, z}.ToAffine();
  }
  return Status::Ok();
}

Status ExpectString(const Json& doc, std::string_view what, const char* key,
                    std::string_view expected) {
  const std::string path = std::string(what) + ": " + key;
  auto it = doc.find(key);
  if (it == doc.end()) return Bad(path, "missing");
  if (!it->is_string()) return Bad(path, "expected a string");
  std::string value = it->get<std::string>();
  if (std::string_view(key) == "curve") {
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (value == "bn128" || value == "bn254" || value == "altbn128") return Status::Ok();
    return Bad(path, "\"" + it->get<std::string>() + "\" is not bn128 (BN254)");
  }
  if (value != expected) {
    return Bad(path, "\"" + value + "\", expected \"" + std::string(expected) + "\"");
  }
  return Status::Ok();
}

const Json* Member(const Json& doc, const char* key) {
  auto it = doc.find(key);
  return it == doc.end() ? nullptr : &*it;
}

template <class Point>
Status ReadMemberPoint(const Json& doc, std::string_view what, const char* key, Point* out) {
  const std::string path = std::string(what) + ": " + key;
  const Json* j = Member(doc, key);
  if (j == nullptr) return Bad(path, "missing");
  return ReadPoint(*j, path, out);
}

Status ReadIc(const Json& doc, VerifyingKey* vk) {
  const Json* n = Member(doc, "nPublic");
  if (n == nullptr) return Bad("verification key: nPublic", "missing");
  if (!n->is_number_unsigned() || n->get<uint64_t>() > 0xffffffffu) {
    return Bad("verification key: nPublic", "expected a non-negative integer");
  }
  vk->n_public = n->get<uint32_t>();
  const Json* ic = Member(doc, "IC");
  if (ic == nullptr) return Bad("verification key: IC", "missing");
  if (!ic->is_array()) return Bad("verification key: IC", "expected an array of G1 points");
  if (ic->size() != vk->n_public + 1ull) {
    return Bad("verification key: IC", std::to_string(ic->size()) +
                                           " points, expected nPublic + 1 = " +
                                           std::to_string(vk->n_public + 1ull));
  }
  vk->ic.resize(ic->size());
  for (size_t i = 0; i < ic->size(); ++i) {
    const std::string path = "verification key: IC[" + std::to_string(i) + "]";
    if (Status s = ReadPoint((*ic)[i], path, &vk->ic[i]); !s.ok()) return s;
  }
  return Status::Ok();
}

std::string Dec(const Fp& f) { return ToDecimal(f.ToCanonical()); }

OrderedJson Fp2Json(const Fp2& f) { return OrderedJson::array({Dec(f.c0), Dec(f.c1)}); }

OrderedJson G1Json(const G1Affine& p) {
  if (p.infinity) return OrderedJson::array({"0", "1", "0"});
  return OrderedJson::array({Dec(p.x), Dec(p.y), "1"});
}

OrderedJson G2Json(const G2Affine& p) {
  if (p.infinity) {
    return OrderedJson::array({Fp2Json(Fp2::Zero()), Fp2Json(Fp2::One()), Fp2Json(Fp2::Zero())});
  }
  return OrderedJson::array({Fp2Json(p.x), Fp2Json(p.y), Fp2Json(Fp2::One())});
}

OrderedJson Fp6Json(const bn254::Fp6& f) {
  return OrderedJson::array({Fp2Json(f.c0), Fp2Json(f.c1), Fp2Json(f.c2)});
}

// snarkjs (ffjavascript's wasmcurves, like gnark and @noble/curves) finishes the pairing
// with the final-exponentiation chain of Fuentes-Castañeda, Knapp and Rodríguez-Henríquez
// ("Faster hashing to G2", SAC 2011), which returns e^M, M = 2x(6x^2 + 3x + 1), for the
// reduced pairing e that chainaccel_bn254 computes (docs/zk.md). vk_alphabeta_12 is
// written as snarkjs does: checked by tests/zk against `snarkjs zkey export
// verificationkey`.
constexpr U256 SnarkjsGtExponent() {
  constexpr uint64_t kX = 4965661367192848881ULL;  // the BN parameter
  U256 m{6, 0, 0, 0};
  bn254::bigint::MulSmallAdd(m, kX, 3);  // 6x + 3
  bn254::bigint::MulSmallAdd(m, kX, 1);  // 6x^2 + 3x + 1
  bn254::bigint::MulSmallAdd(m, kX, 0);
  bn254::bigint::MulSmallAdd(m, 2, 0);   // 2x(6x^2 + 3x + 1) < 2^191
  return m;
}
static_assert(SnarkjsGtExponent()[3] == 0 && SnarkjsGtExponent()[0] == 0x2e5d4e223ddedaf4ULL);

}  // namespace

bn254::Fp12 SnarkjsPairing(const G1Affine& p, const G2Affine& q) {
  constexpr U256 kM = SnarkjsGtExponent();
  return bn254::GtPowVar(bn254::Pairing(p, q), kM);
}

std::string ToDecimal(const U256& v) {
  if (bn254::bigint::IsZero(v)) return "0";
  U256 n = v;
  std::string digits;
  while (!bn254::bigint::IsZero(n)) {
    digits.push_back(static_cast<char>('0' + bn254::bigint::DivSmall(n, 10)));
  }
  return std::string(digits.rbegin(), digits.rend());
}

Status ParseVerifyingKeyJson(std::string_view text, VerifyingKey* out) {
  constexpr std::string_view kWhat = "verification key";
  Json doc;
  if (Status s = ParseDocument(text, kWhat, &doc); !s.ok()) return s;
  if (!doc.is_object()) return Bad(kWhat, "expected a JSON object");
  VerifyingKey vk;
  Status s = ExpectString(doc, kWhat, "protocol", "groth16");
  if (s.ok()) s = ExpectString(doc, kWhat, "curve", "bn128");
  if (s.ok()) s = ReadMemberPoint(doc, kWhat, "vk_alpha_1", &vk.alpha1);
  if (s.ok()) s = ReadMemberPoint(doc, kWhat, "vk_beta_2", &vk.beta2);
  if (s.ok()) s = ReadMemberPoint(doc, kWhat, "vk_gamma_2", &vk.gamma2);
  if (s.ok()) s = ReadMemberPoint(doc, kWhat, "vk_delta_2", &vk.delta2);
  if (s.ok()) s = ReadIc(doc, &vk);
  if (!s.ok()) return s;
  *out = std::move(vk);
  return Status::Ok();
}

Status ParseProofJson(std::string_view text, Proof* out) {
  constexpr std::string_view kWhat = "proof";
  Json doc;
  if (Status s = ParseDocument(text, kWhat, &doc); !s.ok()) return s;
  if (!doc.is_object()) return Bad(kWhat, "expected a JSON object");
  Proof proof;
  Status s = ReadMemberPoint(doc, kWhat, "pi_a", &proof.a);
  if (s.ok()) s = ReadMemberPoint(doc, kWhat, "pi_b", &proof.b);
  if (s.ok()) s = ReadMemberPoint(doc, kWhat, "pi_c", &proof.c);
  // snarkjs writes both; a proof without them (older tools) is still read.
  if (s.ok() && doc.contains("protocol")) s = ExpectString(doc, kWhat, "protocol", "groth16");
  if (s.ok() && doc.contains("curve")) s = ExpectString(doc, kWhat, "curve", "bn128");
  if (!s.ok()) return s;
  *out = proof;
  return Status::Ok();
}

Status ParsePublicSignalsJson(std::string_view text, std::vector<U256>* out) {
  constexpr std::string_view kWhat = "public signals";
  Json doc;
  if (Status s = ParseDocument(text, kWhat, &doc); !s.ok()) return s;
  if (!doc.is_array()) return Bad(kWhat, "expected an array of decimal strings");
  std::vector<U256> signals(doc.size());
  for (size_t i = 0; i < doc.size(); ++i) {
    const std::string path = std::string(kWhat) + ": [" + std::to_string(i) + "]";
    if (Status s = ReadInteger(doc[i], path, &signals[i]); !s.ok()) return s;
  }
  *out = std::move(signals);
  return Status::Ok();
}

std::string VerifyingKeyToJson(const VerifyingKey& vk) {
  const bn254::Fp12 alphabeta = SnarkjsPairing(vk.alpha1, vk.beta2);
  OrderedJson ic = OrderedJson::array();
  for (const G1Affine& p : vk.ic) ic.push_back(G1Json(p));
  OrderedJson doc;
  doc["protocol"] = "groth16";
  doc["curve"] = "bn128";
  doc["nPublic"] = vk.n_public;
  doc["vk_alpha_1"] = G1Json(vk.alpha1);
  doc["vk_beta_2"] = G2Json(vk.beta2);
  doc["vk_gamma_2"] = G2Json(vk.gamma2);
  doc["vk_delta_2"] = G2Json(vk.delta2);
  doc["vk_alphabeta_12"] = OrderedJson::array({Fp6Json(alphabeta.c0), Fp6Json(alphabeta.c1)});
  doc["IC"] = std::move(ic);
  return doc.dump(1);
}

std::string ProofToJson(const Proof& proof) {
  OrderedJson doc;
  doc["pi_a"] = G1Json(proof.a);
  doc["pi_b"] = G2Json(proof.b);
  doc["pi_c"] = G1Json(proof.c);
  doc["protocol"] = "groth16";
  doc["curve"] = "bn128";
  return doc.dump(1);
}

std::string PublicSignalsToJson(const std::vector<U256>& signals) {
  OrderedJson doc = OrderedJson::array();
  for (const U256& s : signals) doc.push_back(ToDecimal(s));
  return doc.dump(1);
}

namespace {

template <class Point>
OrderedJson PointsJson(const std::vector<Point>& points) {
  OrderedJson a = OrderedJson::array();
  for (const Point& p : points) {
    if constexpr (std::is_same_v<Point, G1Affine>) {
      a.push_back(G1Json(p));
    } else {
      a.push_back(G2Json(p));
    }
  }
  return a;
}

OrderedJson CoefficientsJson(const std::vector<Coefficient>& coefficients) {
  OrderedJson out = OrderedJson::array();
  for (const Coefficient& c : coefficients) {
    OrderedJson entry;
    entry["matrix"] = c.matrix;
    entry["constraint"] = c.constraint;
    entry["signal"] = c.signal;
    entry["value"] = ToDecimal(c.value.ToCanonical());
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

std::string ProvingKeyToJson(const ProvingKey& key) {
  const auto g1s = [](const std::vector<G1Affine>& points) { return PointsJson(points); };
  OrderedJson doc;
  doc["protocol"] = "groth16";
  doc["n8q"] = 32;
  doc["q"] = ToDecimal(bn254::FpParams::kModulus);
  doc["n8r"] = 32;
  doc["r"] = ToDecimal(bn254::FrParams::kModulus);
  doc["nVars"] = key.n_vars;
  doc["nPublic"] = key.n_public;
  doc["domainSize"] = key.domain_size;
  doc["power"] = key.power;
  doc["vk_alpha_1"] = G1Json(key.alpha1);
  doc["vk_beta_1"] = G1Json(key.beta1);
  doc["vk_beta_2"] = G2Json(key.beta2);
  doc["vk_gamma_2"] = G2Json(key.gamma2);
  doc["vk_delta_1"] = G1Json(key.delta1);
  doc["vk_delta_2"] = G2Json(key.delta2);
  doc["IC"] = g1s(key.ic);
  doc["ccoefs"] = CoefficientsJson(key.coefficients);
  doc["A"] = g1s(key.a);
  doc["B1"] = g1s(key.b1);
  doc["B2"] = PointsJson(key.b2);
  OrderedJson c = OrderedJson::array();
  for (uint32_t i = 0; i <= key.n_public; ++i) c.push_back(nullptr);  // public signals: no C
  for (const G1Affine& p : key.c) c.push_back(G1Json(p));
  doc["C"] = std::move(c);
  doc["hExps"] = g1s(key.h);
  return doc.dump(1);
}

}  // namespace chainaccel::groth16
