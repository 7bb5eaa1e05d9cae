#include "execution/tx/verifying_key.h"

#include "crypto/bn254/field.h"
#include "crypto/groth16/engine_layout.h"
#include "crypto/groth16/point_bytes.h"
#include "crypto/groth16/snarkjs_json.h"
#include "crypto/hashes.h"

namespace chainaccel::exec {
namespace {

ByteView Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Hash32 Sha256Of(std::string_view text) {
  Hash32 h;
  Sha256(Bytes(text), h.data());
  return h;
}

// The key, decoded with every point checked or with the coordinates' range only.
Status DecodeKey(std::string_view encoding, bool check_points, groth16::VerifyingKey* vk) {
  if (Status s = groth16::DecodeVerifyingKeyEip197(Bytes(encoding), check_points, vk);
      !s.ok()) {
    return s;
  }
  if (vk->n_public > kMaxKeyPublicSignals) {
    return Status::InvalidArgument("verifying key: n_public = " + std::to_string(vk->n_public) +
                                   " is over the limit of " +
                                   std::to_string(kMaxKeyPublicSignals));
  }
  return Status::Ok();
}

}  // namespace

const Hash32& VerifyingKeyRegistryAddress() {
  static const Hash32 address = Sha256Of("chainaccel-verifying-key-registry-v1");
  return address;
}

Hash32 VerifyingKeyId(std::string_view encoding) {
  return Sha256Of("chainaccel-vk-v1" + std::string(encoding));
}

Status CheckVerifyingKeyEncoding(std::string_view encoding) {
  groth16::VerifyingKey vk;
  return DecodeKey(encoding, /*check_points=*/true, &vk);
}

Status VerifyingKeyDataFromEncoding(std::string_view encoding, Groth16VerifyingKeyData* out) {
  groth16::VerifyingKey vk;
  if (Status s = DecodeKey(encoding, /*check_points=*/false, &vk); !s.ok()) return s;
  *out = groth16::MakeEngineVerifyingKey(vk);
  return Status::Ok();
}

Status VerifyingKeyEncoding(std::string_view verification_key_json, std::string* encoding) {
  groth16::VerifyingKey vk;
  if (Status s = groth16::ParseVerifyingKeyJson(verification_key_json, &vk); !s.ok()) return s;
  std::string bytes = groth16::EncodeVerifyingKeyEip197(vk);
  if (Status s = CheckVerifyingKeyEncoding(bytes); !s.ok()) return s;
  *encoding = std::move(bytes);
  return Status::Ok();
}

std::string PublicSignalsProblem(std::span<const Hash32> signals, uint32_t n_public) {
  if (signals.size() != n_public) {
    return std::to_string(signals.size()) + " public signals, the key takes " +
           std::to_string(n_public);
  }
  for (size_t i = 0; i < signals.size(); ++i) {
    if (!bn254::Fr::FromBytesBE(signals[i])) {
      return "public signal " + std::to_string(i) + " is not below r";
    }
  }
  return {};
}

}  // namespace chainaccel::exec
