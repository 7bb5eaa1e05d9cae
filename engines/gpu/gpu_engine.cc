#include "engines/gpu/gpu_engine.h"

#include <cublas_v2.h>
#include <dlfcn.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "engines/cpu/merkle.h"
#include "kernels/cuda_status.h"
#include "kernels/hash_launch.h"
#include "kernels/ed25519.cuh"
#include "kernels/secp256k1.cuh"

namespace chainaccel {
namespace {

// Bounds on Options: a chunk's digests (chunk_items * 32 bytes) and its input must stay
// well inside one device's memory, and the kernels index a chunk's messages with 32 bits.
constexpr size_t kMaxChunkItems = size_t{1} << 26;  // 2 GiB of digests
constexpr size_t kMaxChunkBytes = size_t{1} << 34;  // 16 GiB of messages

bool IsKnown(HashAlgorithm a) {
  return a == HashAlgorithm::kSha256 || a == HashAlgorithm::kSha256d ||
         a == HashAlgorithm::kKeccak256;
}

std::string Hex(const uint8_t* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

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
  const std::string hex = Hex(got, 32);
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

}  // namespace

// ---- Creation --------------------------------------------------------------------------

std::unique_ptr<GpuEngine> GpuEngine::Create(int ordinal, const Options& options,
                                             Status* status) {
  int devices = 0;
  const cudaError_t error = cudaGetDeviceCount(&devices);
  if (error != cudaSuccess) {
    *status = Status::Unavailable(std::string("no usable CUDA device: ") +
                                  cudaGetErrorName(error) + ": " + cudaGetErrorString(error));
    return nullptr;
  }
  if (ordinal < 0 || ordinal >= devices) {
    *status = Status::InvalidArgument("GPU ordinal " + std::to_string(ordinal) +
                                      " out of range: " + std::to_string(devices) +
                                      " device(s)");
    return nullptr;
  }
  if (options.chunk_bytes == 0 || options.chunk_bytes > kMaxChunkBytes ||
      options.chunk_items == 0 || options.chunk_items > kMaxChunkItems) {
    *status = Status::InvalidArgument("GpuEngine::Options: chunk_bytes must be in [1, 2^34] "
                                      "and chunk_items in [1, 2^26]");
    return nullptr;
  }
  Status s = CudaStatus(cudaSetDevice(ordinal), "cudaSetDevice");
  cudaDeviceProp prop{};
  if (s.ok()) s = CudaStatus(cudaGetDeviceProperties(&prop, ordinal), "cudaGetDeviceProperties");
  if (!s.ok()) {
    *status = s;
    return nullptr;
  }
  EngineInfo info;
  info.name = "gpu:" + std::to_string(ordinal);
  info.kind = EngineKind::kGpu;
  info.model = prop.name;
  info.memory_bytes = prop.totalGlobalMem;
  info.multiprocessors = static_cast<uint32_t>(prop.multiProcessorCount);
  info.compute_capability = std::to_string(prop.major) + "." + std::to_string(prop.minor);

  std::unique_ptr<GpuEngine> engine(new GpuEngine(ordinal, options, std::move(info)));
  s = engine->AllocateLanes();
  if (!s.ok()) {
    *status = s;
    return nullptr;
  }
  s = engine->SelfTest();
  if (!s.ok()) {
    *status = Status::FailedPrecondition(engine->info_.name + " failed its self-test: " +
                                         s.ToString());
    return nullptr;
  }
  spdlog::info("{}: {} ({} SMs, {} MiB, compute {}) passed its self-test", engine->info_.name,
               engine->info_.model, engine->info_.multiprocessors,
               engine->info_.memory_bytes >> 20, engine->info_.compute_capability);
  *status = Status::Ok();
  return engine;
}

GpuEngine::GpuEngine(int ordinal, const Options& options, EngineInfo info)
    : ordinal_(ordinal),
      options_(options),
      info_(std::move(info)),
      copy_pool_(options.copy_threads > 0 ? std::make_unique<ThreadPool>(options.copy_threads)
                                          : nullptr) {}

void GpuEngine::Copy(void* destination, const void* source, size_t bytes) {
  // Slices of at least 1 MiB: a slice takes ~0.2 ms, far above the cost of handing it out.
  constexpr size_t kSliceBytes = size_t{1} << 20;
  if (copy_pool_ == nullptr || bytes < 2 * kSliceBytes) {
    std::memcpy(destination, source, bytes);
    return;
  }
  auto* to = static_cast<uint8_t*>(destination);
  const auto* from = static_cast<const uint8_t*>(source);
  copy_pool_->ParallelFor(bytes, kSliceBytes, [to, from](size_t begin, size_t end) {
    std::memcpy(to + begin, from + begin, end - begin);
  });
}

GpuEngine::~GpuEngine() {
  // The lanes' resources belong to this device; nothing may still run on them.
  cudaSetDevice(ordinal_);
  for (Lane& lane : lanes_) {
    if (lane.stream.get() != nullptr) cudaStreamSynchronize(lane.stream.get());
  }
}

Status GpuEngine::AllocateLanes() {
  // REQUIRES: the device is current (Create set it). The lanes' buffers live as long as
  // the engine, so they come from plain cudaMalloc: stream-ordered allocation would buy
  // nothing for them.
  const size_t offsets_bytes = (options_.chunk_items + 1) * sizeof(uint64_t);
  const size_t output_bytes = options_.chunk_items * 32;
  for (Lane& lane : lanes_) {
    Status s = CudaStream::Create(&lane.stream);
    if (s.ok()) s = CudaEvent::Create(&lane.done);
    if (s.ok()) s = PinnedBuffer::Allocate(options_.chunk_bytes, &lane.input);
    if (s.ok()) s = PinnedBuffer::Allocate(offsets_bytes, &lane.offsets);
    if (s.ok()) s = PinnedBuffer::Allocate(output_bytes, &lane.output);
    if (s.ok()) s = DeviceBuffer::Allocate(options_.chunk_bytes, &lane.device_input);
    if (s.ok()) s = DeviceBuffer::Allocate(offsets_bytes, &lane.device_offsets);
    if (s.ok()) s = DeviceBuffer::Allocate(output_bytes, &lane.device_output);
    if (!s.ok()) return s;
  }
  // The fixed-base tables (built on the host once per process) into device memory.
  const auto upload = [](const auto& table, DeviceBuffer* out, const char* what) {
    const size_t bytes = table.size() * sizeof(table[0]);
    Status s = DeviceBuffer::Allocate(bytes, out);
    if (s.ok()) {
      s = CudaStatus(cudaMemcpy(out->data(), table.data(), bytes, cudaMemcpyHostToDevice), what);
    }
    return s;
  };
  Status s = upload(kernels::Secp256k1GeneratorTable(), &generator_table_,
                    "cudaMemcpy (secp256k1 generator table)");
  if (s.ok() && options_.ed25519) {
    s = upload(kernels::Ed25519BaseTable(), &ed25519_table_, "cudaMemcpy (Ed25519 base table)");
  }
  return s;
}

// ---- Batches ---------------------------------------------------------------------------

Status GpuEngine::Run(Task& task) {
  HashTask* hash = std::get_if<HashTask>(&task);
  MerkleBuildTask* merkle = std::get_if<MerkleBuildTask>(&task);
  SignatureVerifyTask* verify = std::get_if<SignatureVerifyTask>(&task);
  SignatureRecoverTask* recover = std::get_if<SignatureRecoverTask>(&task);
  if (!Accepts(task)) {
    return Status::Unimplemented(info_.name + " does not run " +
                                 std::string(TaskTypeName(TaskTypeOf(task))));
  }
  if (hash != nullptr && !IsKnown(hash->algorithm)) {
    return Status::InvalidArgument("algorithm: unknown value " +
                                   std::to_string(static_cast<int>(hash->algorithm)));
  }
  if (merkle != nullptr) {
    if (Status s = CheckMerkleBuildTask(*merkle); !s.ok()) return s;
    // The empty RFC 6962 tree is a constant (SHA-256 of nothing): no device work.
    if (merkle->leaves.empty()) return BuildMerkleTree(*merkle, nullptr);
  }
  const auto start = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    if (!healthy_.load()) {
      return Status::Unavailable(info_.name +
                                 " is unhealthy after a CUDA fault; run the batch elsewhere");
    }
    Status s;
    const char* what = "";
    if (hash != nullptr) {
      s = HashBatch(*hash, /*inject=*/true);
      what = "a hash batch";
    } else if (merkle != nullptr) {
      s = MerkleBatch(*merkle, /*inject=*/true);
      what = "a Merkle tree";
    } else if (verify != nullptr) {
      s = VerifyBatch(*verify, /*inject=*/true);
      what = "a signature batch";
    } else {
      s = RecoverBatch(*recover, /*inject=*/true);
      what = "a recovery batch";
    }
    if (s.code() == Status::Code::kResourceExhausted) {
      // Too little device memory for this batch is not a fault of the device.
      spdlog::warn("{}: {}; the batch goes elsewhere", info_.name, s.ToString());
      return Status(s.code(), info_.name + ": " + s.message());
    }
    if (!s.ok()) return Fault(s, what);
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  batches_.fetch_add(1, std::memory_order_relaxed);
  items_.fetch_add(TaskItemCount(task), std::memory_order_relaxed);
  busy_nanos_.fetch_add(
      static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()),
      std::memory_order_relaxed);
  return Status::Ok();
}

Status GpuEngine::HashBatch(HashTask& task, bool inject) {
  Status s = CudaStatus(cudaSetDevice(ordinal_), "cudaSetDevice");
  const PackedItems& messages = task.messages;
  const size_t n = messages.size();
  size_t next = 0;
  size_t chunk = 0;  // chunks launched in this batch; chunk k runs on lanes_[k % 2]
  while (s.ok() && next < n) {
    Lane& lane = lanes_[chunk % 2];
    // The lane's previous chunk (two back) must be done before its buffers are reused.
    s = DrainLane(lane, task);
    if (!s.ok()) break;
    // This chunk: as many messages as fit chunk_bytes and chunk_items, at least one.
    const size_t limit = std::min(n, next + options_.chunk_items);
    size_t end;
    if (messages.fixed()) {
      const size_t fit = std::max<size_t>(1, options_.chunk_bytes / messages.item_size());
      end = std::min(limit, next + fit);
    } else {
      // The offsets are non-decreasing: the largest end whose bytes fit, found by
      // bisection over (next, limit].
      const size_t budget = messages.offset(next) + options_.chunk_bytes;
      size_t lo = next + 1;  // fits, or is alone in its chunk
      size_t hi = limit;
      while (lo < hi) {
        const size_t mid = lo + (hi - lo + 1) / 2;
        if (messages.offset(mid) <= budget) {
          lo = mid;
        } else {
          hi = mid - 1;
        }
      }
      end = lo;
    }
    s = LaunchChunk(lane, task, next, end - next, inject);
    next = end;
    ++chunk;
  }
  // The older of the two chunks in flight is on lanes_[chunk % 2].
  for (size_t k = 0; k < 2 && s.ok(); ++k) s = DrainLane(lanes_[(chunk + k) % 2], task);
  if (!s.ok()) {
    // Leave nothing in flight: the next batch (after a successful self-test) starts
    // from idle lanes.
    for (Lane& lane : lanes_) {
      cudaStreamSynchronize(lane.stream.get());
      lane.count = 0;
    }
  }
  return s;
}

Status GpuEngine::LaunchChunk(Lane& lane, const HashTask& task, size_t first, size_t count,
                              bool inject) {
  const PackedItems& messages = task.messages;
  const bool fixed = messages.fixed();
  const size_t begin = fixed ? first * messages.item_size() : messages.offset(first);
  const size_t end = fixed ? (first + count) * messages.item_size()
                           : messages.offset(first + count);
  const size_t bytes = end - begin;
  const uint8_t* const source = messages.data().data() + begin;
  const cudaStream_t stream = lane.stream.get();

  // Messages in. The host copy into pinned memory runs on this thread while the device
  // works on the other lane's chunk.
  const uint8_t* device_messages = lane.device_input.data();
  DeviceBuffer oversize;  // a single message longer than chunk_bytes, alone in its chunk
  Status s;
  if (bytes <= options_.chunk_bytes) {
    if (bytes != 0) Copy(lane.input.data(), source, bytes);
    s = CudaStatus(cudaMemcpyAsync(lane.device_input.data(), lane.input.data(), bytes,
                                   cudaMemcpyHostToDevice, stream),
                   "cudaMemcpyAsync (messages in)");
  } else {
    // Rare (one message above 32 MiB by default): a temporary from the device's memory
    // pool, filled from the caller's pageable memory (cudaMemcpyAsync returns once the
    // driver has staged the source, so the caller's bytes are not read afterwards), and
    // freed stream-ordered when `oversize` goes out of scope after the launch.
    s = DeviceBuffer::AllocateAsync(bytes, stream, &oversize);
    if (s.ok()) {
      s = CudaStatus(cudaMemcpyAsync(oversize.data(), source, bytes, cudaMemcpyHostToDevice,
                                     stream),
                     "cudaMemcpyAsync (oversize message in)");
    }
    device_messages = oversize.data();
  }
  if (!s.ok()) return s;

  // Offsets in, rebased so that the chunk's first message starts at 0.
  if (!fixed) {
    auto* offsets = reinterpret_cast<uint64_t*>(lane.offsets.data());
    for (size_t i = 0; i < count; ++i) offsets[i] = messages.offset(first + i) - begin;
    offsets[count] = bytes;
    s = CudaStatus(cudaMemcpyAsync(lane.device_offsets.data(), lane.offsets.data(),
                                   (count + 1) * sizeof(uint64_t), cudaMemcpyHostToDevice,
                                   stream),
                   "cudaMemcpyAsync (offsets in)");
    if (!s.ok()) return s;
  }

  if (inject) {
    const int64_t index = chunks_launched_++;
    if (index == options_.fail_after_chunks) {
      return CudaStatus(cudaErrorLaunchFailure,
                        "LaunchHash (fault injected by Options::fail_after_chunks)");
    }
  }
  if (fixed) {
    s = kernels::LaunchHashFixed(task.algorithm, device_messages, messages.item_size(), count,
                                 lane.device_output.data(), stream);
  } else {
    s = kernels::LaunchHashVariable(
        task.algorithm, device_messages,
        reinterpret_cast<const uint64_t*>(lane.device_offsets.data()), count,
        lane.device_output.data(), stream);
  }
  if (!s.ok()) return s;

  // Digests out, then the event DrainLane waits for.
  s = CudaStatus(cudaMemcpyAsync(lane.output.data(), lane.device_output.data(), count * 32,
                                 cudaMemcpyDeviceToHost, stream),
                 "cudaMemcpyAsync (digests out)");
  if (s.ok()) s = lane.done.Record(stream);
  if (!s.ok()) return s;
  lane.first = first;
  lane.count = count;
  return Status::Ok();
}

Status GpuEngine::DrainLane(Lane& lane, HashTask& task) {
  if (lane.count == 0) return Status::Ok();
  Status s = lane.done.Synchronize();
  if (!s.ok()) return s;
  Copy(task.digests + 32 * lane.first, lane.output.data(), 32 * lane.count);
  lane.count = 0;
  return Status::Ok();
}

Status GpuEngine::Fault(const Status& cause, const char* during) {
  healthy_.store(false);
  faults_.fetch_add(1, std::memory_order_relaxed);
  spdlog::error("{}: CUDA fault during {}: {}; the engine is unhealthy until a self-test "
                "passes",
                info_.name, during, cause.ToString());
  const Status::Code code = cause.code() == Status::Code::kUnavailable
                                ? Status::Code::kUnavailable
                                : Status::Code::kInternal;
  return Status(code, info_.name + ": " + cause.message());
}

EngineStats GpuEngine::stats() const {
  EngineStats s;
  s.batches = batches_.load(std::memory_order_relaxed);
  s.items = items_.load(std::memory_order_relaxed);
  s.busy_seconds = static_cast<double>(busy_nanos_.load(std::memory_order_relaxed)) * 1e-9;
  s.faults = faults_.load(std::memory_order_relaxed);
  s.healthy = healthy_.load();
  // Makes this engine's device current on the calling thread (a metrics or admin thread,
  // which does no other CUDA work).
  size_t free_bytes = 0, total_bytes = 0;
  if (cudaSetDevice(ordinal_) == cudaSuccess &&
      cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess) {
    s.memory_free_bytes = free_bytes;
  } else {
    static_cast<void>(cudaGetLastError());  // not this thread's concern later
  }
  return s;
}

// ---- Self-test -------------------------------------------------------------------------

Status GpuEngine::SelfTest() {
  std::lock_guard lock(mu_);
  Status s = SelfTestLocked();
  if (!s.ok()) {
    Fault(s, "the self-test");
    return s;
  }
  if (!healthy_.exchange(true)) spdlog::info("{}: self-test passed: healthy again", info_.name);
  return Status::Ok();
}

Status GpuEngine::SelfTestLocked() {
  constexpr size_t kKats = std::size(kKatMessages);
  constexpr size_t kCopies = 3;  // of each message in the fixed layout
  for (const KatDigests& kat : kKatDigests) {
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
      Status s = HashBatch(task, /*inject=*/false);
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
    Status s = HashBatch(task, /*inject=*/false);
    if (!s.ok()) return s;
    for (size_t i = 0; i + 1 < offsets.size(); ++i) {
      s = CheckKat(kat.algorithm, i % kKats, "variable", digests.data() + 32 * i,
                   kat.hex[i % kKats]);
      if (!s.ok()) return s;
    }
  }
  Status s = EcdsaSelfTest();
  if (s.ok() && options_.ed25519) s = Ed25519SelfTest();
  if (!s.ok()) return s;
  return SgemmSelfTest(lanes_[0].stream.get());
}

Status GpuEngine::Ed25519SelfTest() {
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
  Status s = VerifyBatch(verify, /*inject=*/false);
  if (!s.ok()) return s;
  if (statuses[0] != ItemStatus::kOk || statuses[1] != ItemStatus::kInvalid) {
    return Status::FailedPrecondition(
        "self-test: Ed25519 verification gave statuses " +
        std::to_string(static_cast<int>(statuses[0])) + ", " +
        std::to_string(static_cast<int>(statuses[1])) + ", expected 1 (OK), 2 (INVALID)");
  }
  return Status::Ok();
}

Status GpuEngine::EcdsaSelfTest() {
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
  Status s = RecoverBatch(recover, /*inject=*/false);
  if (!s.ok()) return s;
  for (size_t i = 0; i < 2; ++i) {
    const std::string address = Hex(addresses.data() + 20 * i, 20);
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
  s = VerifyBatch(verify, /*inject=*/false);
  if (!s.ok()) return s;
  if (statuses[0] != ItemStatus::kOk || statuses[1] != ItemStatus::kInvalid) {
    return Status::FailedPrecondition(
        "self-test: ECDSA verification gave statuses " +
        std::to_string(static_cast<int>(statuses[0])) + ", " +
        std::to_string(static_cast<int>(statuses[1])) + ", expected 1 (OK), 2 (INVALID)");
  }
  return Status::Ok();
}

}  // namespace chainaccel
