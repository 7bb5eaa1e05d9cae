#include "engines/gpu/self_test.h"

#include <cublas_v2.h>
#include <dlfcn.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "core/hex.h"
#include "engines/gpu/hash_operator.h"
#include "engines/gpu/signature_operator.h"
#include "kernels/cuda_status.h"
#include "kernels/hash_launch.h"

namespace chainaccel {
namespace {

// ---- Self-test material ----------------------------------------------------------------

// The messages of the known-answer test: the empty string, "abc", and the 56-byte
// two-block NIST message (its padding does not fit the first block).
constexpr std::string_view kKatMessages[] = {
    "",
    "abc",
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
};

struct KatDigests {
  HashAlgorithm algorithm;
  std::array<const char*, 3> hex;  // of kKatMessages, in order
};

// SHA-256: FIPS 180-2 appendix B and the well-known digest of "". SHA-256d: SHA-256 of
// those digests. Keccak-256: the original-padding digests (Ethereum's keccak256), as
// Crypto++'s Keccak_256 computes them.
constexpr KatDigests kKatDigests[] = {
    {HashAlgorithm::kSha256,
     {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"}},
    {HashAlgorithm::kSha256d,
     {"5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456",
      "4f8b42c22dd3729b519ba6f68d2da7cc5b2d606d05daed5ad5128cc03e6c6358",
      "0cffe17f68954dac3a84fb1458bd5ec99209449749b2b308b7cb55812f9563af"}},
    {HashAlgorithm::kKeccak256,
     {"c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
      "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
      "45d3b367a6904e6e8d502ee04999a7c27647f91fa845d456525fd352ae3d7371"}},
};

// The secp256k1 known answer, made with libsecp256k1 (secp256k1_ecdsa_sign_recoverable):
// secret key SHA-256("chainaccel self-test key"), hash SHA-256("chainaccel self-test
// message"), recovery id 0.
constexpr const char* kEcdsaKatHash =
    "1cb1dc0df616dc78c21018bd164e5e4981179e3f87af7d829e599932bba020d4";
constexpr const char* kEcdsaKatSignature =
    "95e601fed41b31925f9ebc181d4543f127f9cc390e1928b63491cae58fb8a500"
    "7f4c678ce9db3121f8675806234d965e9c40a27d8ea392d2c3ec77e6277135ff";
constexpr const char* kEcdsaKatCompressedKey =
    "03e52088e78c8e73cc38cabc756e2e17a9fa4e64edbd6510b8d1f5dca2349f6248";
constexpr const char* kEcdsaKatAddress = "311d97cc167ed5693096707bb677cd227b54bcec";

std::vector<uint8_t> FromHex(std::string_view hex) {
  std::vector<uint8_t> out(hex.size() / 2);
  const auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  }
  return out;
}

// Compares digest `got` of message `m` with the expected hex digest.
Status CheckKat(HashAlgorithm algorithm, size_t m, const char* layout, const uint8_t* got,
                const char* expected_hex) {
  const std::string hex = HexEncode(got, 32);
  if (hex == expected_hex) return Status::Ok();
  return Status::FailedPrecondition("self-test: " +
                                    std::string(kernels::HashAlgorithmName(algorithm)) +
                                    " of the " + std::to_string(kKatMessages[m].size()) +
                                    "-byte message (" + layout + " layout) gave " + hex +
                                    ", expected " + expected_hex);
}

// cuBLAS, loaded when the self-test first needs it with dlopen(RTLD_LOCAL) rather than
// linked: linked into the daemon, libcublas.so.13 (CUDA 13.0) makes civetweb's mg_start
// fail, so the Prometheus exposer cannot start (reproduced with a ten-line program that
// only constructs a prometheus::Exposer); a local dlopen leaves it alone. Only the four
// entry points the self-test uses are looked up. Never unloaded.
struct CublasApi {
  cublasStatus_t (*create)(cublasHandle_t*) = nullptr;
  cublasStatus_t (*destroy)(cublasHandle_t) = nullptr;
  cublasStatus_t (*set_stream)(cublasHandle_t, cudaStream_t) = nullptr;
  cublasStatus_t (*sgemm)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                          const float*, const float*, int, const float*, int, const float*,
                          float*, int) = nullptr;

  // The API, or null with *status saying why (UNAVAILABLE: no libcublas).
  static const CublasApi* Get(Status* status) {
    static const std::string library = "libcublas.so." + std::to_string(CUDART_VERSION / 1000);
    static const CublasApi* const api = [] {
      void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle == nullptr) return static_cast<CublasApi*>(nullptr);
      auto* a = new CublasApi;
      a->create = reinterpret_cast<decltype(a->create)>(dlsym(handle, "cublasCreate_v2"));
      a->destroy = reinterpret_cast<decltype(a->destroy)>(dlsym(handle, "cublasDestroy_v2"));
      a->set_stream =
          reinterpret_cast<decltype(a->set_stream)>(dlsym(handle, "cublasSetStream_v2"));
      a->sgemm = reinterpret_cast<decltype(a->sgemm)>(dlsym(handle, "cublasSgemm_v2"));
      if (!a->create || !a->destroy || !a->set_stream || !a->sgemm) return static_cast<CublasApi*>(nullptr);
      return a;
    }();
    if (api == nullptr) {
      *status = Status::Unavailable("self-test: cannot load " + library + " (cuBLAS)");
    }
    return api;
  }
};

// A cuBLAS handle, destroyed with its owner.
class CublasHandle {
 public:
  explicit CublasHandle(const CublasApi& api) : api_(api) {}
  ~CublasHandle() {
    if (handle_ != nullptr) api_.destroy(handle_);
  }
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;

  cublasStatus_t Create() { return api_.create(&handle_); }
  cublasHandle_t get() const { return handle_; }

 private:
  const CublasApi& api_;
  cublasHandle_t handle_ = nullptr;
};

Status CublasStatus(cublasStatus_t status, const char* what) {
  if (status == CUBLAS_STATUS_SUCCESS) return Status::Ok();
  return Status::Internal(std::string(what) + ": cuBLAS status " +
                          std::to_string(static_cast<int>(status)));
}

// C = A * B for 64x64 column-major matrices through cuBLAS on `stream`, checked against a
// CPU loop. The entries are small integers (-2..2), so every product and sum is exact in
// float whatever the order of summation, and the comparison is for equality.
Status SgemmSelfTest(cudaStream_t stream) {
  constexpr int kN = 64;
  constexpr size_t kElems = size_t{kN} * kN;
  std::vector<float> a(kElems), b(kElems), c(kElems, -1.0f), expected(kElems, 0.0f);
  for (int j = 0; j < kN; ++j) {
    for (int i = 0; i < kN; ++i) {
      a[i + j * kN] = static_cast<float>((i * 7 + j * 3) % 5 - 2);
      b[i + j * kN] = static_cast<float>((i * 2 + j * 5 + 1) % 5 - 2);
    }
  }
  for (int j = 0; j < kN; ++j) {
    for (int k = 0; k < kN; ++k) {
      for (int i = 0; i < kN; ++i) expected[i + j * kN] += a[i + k * kN] * b[k + j * kN];
    }
  }

  Status s;
  const CublasApi* cublas = CublasApi::Get(&s);
  if (cublas == nullptr) return s;
  CublasHandle handle(*cublas);
  s = CublasStatus(handle.Create(), "cublasCreate");
  if (s.ok()) s = CublasStatus(cublas->set_stream(handle.get(), stream), "cublasSetStream");
  DeviceBuffer da, db, dc;
  const size_t bytes = kElems * sizeof(float);
  if (s.ok()) s = DeviceBuffer::Allocate(bytes, &da);
  if (s.ok()) s = DeviceBuffer::Allocate(bytes, &db);
  if (s.ok()) s = DeviceBuffer::Allocate(bytes, &dc);
  if (s.ok()) {
    s = CudaStatus(cudaMemcpyAsync(da.data(), a.data(), bytes, cudaMemcpyHostToDevice, stream),
                   "cudaMemcpyAsync (SGEMM A)");
  }
  if (s.ok()) {
    s = CudaStatus(cudaMemcpyAsync(db.data(), b.data(), bytes, cudaMemcpyHostToDevice, stream),
                   "cudaMemcpyAsync (SGEMM B)");
  }
  if (s.ok()) {
    const float alpha = 1.0f;
    const float beta = 0.0f;
    s = CublasStatus(cublas->sgemm(handle.get(), CUBLAS_OP_N, CUBLAS_OP_N, kN, kN, kN, &alpha,
                                 reinterpret_cast<const float*>(da.data()), kN,
                                 reinterpret_cast<const float*>(db.data()), kN, &beta,
                                 reinterpret_cast<float*>(dc.data()), kN),
                     "cublasSgemm");
  }
  if (s.ok()) {
    s = CudaStatus(cudaMemcpyAsync(c.data(), dc.data(), bytes, cudaMemcpyDeviceToHost, stream),
                   "cudaMemcpyAsync (SGEMM C)");
  }
  // Always: nothing may still use the buffers or the host vectors when they go.
  const Status synced = CudaStatus(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
  if (!s.ok()) return s;
  if (!synced.ok()) return synced;
  for (size_t e = 0; e < kElems; ++e) {
    if (c[e] != expected[e]) {
      return Status::FailedPrecondition(
          "self-test: cuBLAS SGEMM 64x64 element (" + std::to_string(e % kN) + ", " +
          std::to_string(e / kN) + ") is " + std::to_string(c[e]) + ", expected " +
          std::to_string(expected[e]));
    }
  }
  return Status::Ok();
}

// The statuses of a verification known answer: the genuine signature ITEM_OK, the
// tampered one ITEM_INVALID.
Status CheckVerifyStatuses(const char* scheme, const std::vector<ItemStatus>& statuses) {
  if (statuses[0] == ItemStatus::kOk && statuses[1] == ItemStatus::kInvalid) {
    return Status::Ok();
  }
  return Status::FailedPrecondition(
      "self-test: " + std::string(scheme) + " verification gave statuses " +
      std::to_string(static_cast<int>(statuses[0])) + ", " +
      std::to_string(static_cast<int>(statuses[1])) + ", expected 1 (OK), 2 (INVALID)");
}

Status Ed25519SelfTest(GpuDevice::Batch& batch) {
  // RFC 8032 §7.1 TEST 1 (the empty message): ITEM_OK as given, ITEM_INVALID with one
  // bit of the signature's S flipped.
  const std::vector<uint8_t> key =
      FromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const std::vector<uint8_t> signature = FromHex(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"
      "39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  std::vector<uint8_t> keys = key, signatures = signature;
  keys.insert(keys.end(), key.begin(), key.end());
  signatures.insert(signatures.end(), signature.begin(), signature.end());
  signatures[64 + 40] ^= 1;
  const std::vector<uint64_t> offsets = {0, 0, 0};
  std::vector<ItemStatus> statuses(2);
  SignatureVerifyTask verify;
  verify.scheme = SignatureScheme::kEd25519;
  verify.messages = PackedItems::Variable({}, offsets);
  verify.public_keys = PackedItems::Fixed(keys, 32);
  verify.signatures = PackedItems::Fixed(signatures, 64);
  verify.status = statuses.data();
  Status s = SignatureOperator(batch.device().options().ed25519).Run(batch, verify);
  if (!s.ok()) return s;
  return CheckVerifyStatuses("Ed25519", statuses);
}

Status Bip340SelfTest(GpuDevice::Batch& batch) {
  // BIP-340's test vector 17 (a 17-byte message, tests/vectors/bip340): ITEM_OK as given,
  // ITEM_INVALID with the lowest bit of s flipped (s stays below n).
  const std::vector<uint8_t> message = FromHex("0102030405060708090a0b0c0d0e0f1011");
  const std::vector<uint8_t> key =
      FromHex("778caa53b4393ac467774d09497a87224bf9fab6f6e68b23086497324d6fd117");
  const std::vector<uint8_t> signature = FromHex(
      "5130f39a4059b43bc7cac09a19ece52b5d8699d1a71e3c52da9afdb6b50ac370c4a482b77bf960f8681540"
      "e25b6771ece1e5a37fd80e5a51897c5566a97ea5a5");
  std::vector<uint8_t> messages = message, keys = key, signatures = signature;
  messages.insert(messages.end(), message.begin(), message.end());
  keys.insert(keys.end(), key.begin(), key.end());
  signatures.insert(signatures.end(), signature.begin(), signature.end());
  signatures[64 + 63] ^= 1;
  const std::vector<uint64_t> offsets = {0, message.size(), 2 * message.size()};
  std::vector<ItemStatus> statuses(2);
  SignatureVerifyTask verify;
  verify.scheme = SignatureScheme::kSchnorrBip340;
  verify.messages = PackedItems::Variable(messages, offsets);
  verify.public_keys = PackedItems::Fixed(keys, 32);
  verify.signatures = PackedItems::Fixed(signatures, 64);
  verify.status = statuses.data();
  Status s = SignatureOperator(batch.device().options().ed25519).Run(batch, verify);
  if (!s.ok()) return s;
  return CheckVerifyStatuses("BIP-340", statuses);
}

Status EcdsaSelfTest(GpuDevice::Batch& batch) {
  // Recovery of the known answer (v = 27 and v = 0), and verification of it under the
  // right hash (ITEM_OK) and a hash with one bit flipped (ITEM_INVALID).
  const std::vector<uint8_t> hash = FromHex(kEcdsaKatHash);
  const std::vector<uint8_t> rs = FromHex(kEcdsaKatSignature);
  const std::vector<uint8_t> key = FromHex(kEcdsaKatCompressedKey);
  std::vector<uint8_t> hashes, signatures;
  for (uint8_t v : {uint8_t{27}, uint8_t{0}}) {
    hashes.insert(hashes.end(), hash.begin(), hash.end());
    signatures.insert(signatures.end(), rs.begin(), rs.end());
    signatures.push_back(v);
  }
  std::vector<uint8_t> keys(2 * 64), addresses(2 * 20);
  std::vector<ItemStatus> statuses(2);
  SignatureRecoverTask recover{2, hashes.data(), signatures.data(), false, keys.data(),
                               addresses.data(), statuses.data()};
  const SignatureOperator signature_operator(batch.device().options().ed25519);
  Status s = signature_operator.Run(batch, recover);
  if (!s.ok()) return s;
  for (size_t i = 0; i < 2; ++i) {
    const std::string address = HexEncode(addresses.data() + 20 * i, 20);
    if (statuses[i] != ItemStatus::kOk || address != kEcdsaKatAddress) {
      return Status::FailedPrecondition("self-test: ECDSA recovery gave status " +
                                        std::to_string(static_cast<int>(statuses[i])) +
                                        ", address " + address + ", expected " +
                                        kEcdsaKatAddress);
    }
  }
  std::vector<uint8_t> messages = hash;
  messages.insert(messages.end(), hash.begin(), hash.end());
  messages[32] ^= 1;
  std::vector<uint8_t> two_keys = key, two_signatures = rs;
  two_keys.insert(two_keys.end(), key.begin(), key.end());
  two_signatures.insert(two_signatures.end(), rs.begin(), rs.end());
  SignatureVerifyTask verify;
  verify.scheme = SignatureScheme::kEcdsaSecp256k1;
  verify.messages = PackedItems::Fixed(messages, 32);
  verify.public_keys = PackedItems::Fixed(two_keys, 33);
  verify.signatures = PackedItems::Fixed(two_signatures, 64);
  verify.status = statuses.data();
  s = signature_operator.Run(batch, verify);
  if (!s.ok()) return s;
  return CheckVerifyStatuses("ECDSA", statuses);
}

// The known answers of one hash algorithm, fixed and variable layouts.
Status HashSelfTest(GpuDevice::Batch& batch, const KatDigests& kat) {
  constexpr size_t kKats = std::size(kKatMessages);
  constexpr size_t kCopies = 3;  // of each message in the fixed layout
  // Fixed layout: kCopies of each non-empty message (a fixed item has at least a byte).
  for (size_t m = 1; m < kKats; ++m) {
    std::vector<uint8_t> data;
    for (size_t c = 0; c < kCopies; ++c) {
      data.insert(data.end(), kKatMessages[m].begin(), kKatMessages[m].end());
    }
    std::vector<uint8_t> digests(kCopies * 32);
    HashTask task;
    task.algorithm = kat.algorithm;
    task.messages = PackedItems::Fixed(data, kKatMessages[m].size());
    task.digests = digests.data();
    Status s = HashOperator().Run(batch, task);
    if (!s.ok()) return s;
    for (size_t c = 0; c < kCopies; ++c) {
      s = CheckKat(kat.algorithm, m, "fixed", digests.data() + 32 * c, kat.hex[m]);
      if (!s.ok()) return s;
    }
  }
  // Variable layout: every message, twice over, the empty one among them.
  std::vector<uint8_t> data;
  std::vector<uint64_t> offsets{0};
  for (size_t round = 0; round < 2; ++round) {
    for (std::string_view message : kKatMessages) {
      data.insert(data.end(), message.begin(), message.end());
      offsets.push_back(data.size());
    }
  }
  std::vector<uint8_t> digests((offsets.size() - 1) * 32);
  HashTask task;
  task.algorithm = kat.algorithm;
  task.messages = PackedItems::Variable(data, offsets);
  task.digests = digests.data();
  Status s = HashOperator().Run(batch, task);
  if (!s.ok()) return s;
  for (size_t i = 0; i + 1 < offsets.size(); ++i) {
    s = CheckKat(kat.algorithm, i % kKats, "variable", digests.data() + 32 * i,
                 kat.hex[i % kKats]);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Status RunSelfTest(GpuDevice::Batch& batch) {
  for (const KatDigests& kat : kKatDigests) {
    if (Status s = HashSelfTest(batch, kat); !s.ok()) return s;
  }
  Status s = EcdsaSelfTest(batch);
  if (s.ok()) s = Bip340SelfTest(batch);
  if (s.ok() && batch.device().options().ed25519) s = Ed25519SelfTest(batch);
  if (!s.ok()) return s;
  return SgemmSelfTest(batch.lane(0).stream.get());
}

}  // namespace chainaccel
