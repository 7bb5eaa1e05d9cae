#include "execution/aot_module.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/elapsed.h"
#include "core/hex.h"
#include "crypto/hashes.h"
#include "execution/host_abi.h"

namespace chainaccel::exec {
namespace {

namespace fs = std::filesystem;

// Bumped whenever the glue's or the runtime's meaning changes: objects of another
// version in the cache are rebuilt.
// 2: a trapped instantiation frees its memory; the type registry is freed at dlclose.
constexpr uint32_t kAotAbiVersion = 2;

// The host callback the glue calls for every import (C linkage, never throws).
extern "C" int ChainaccelAotHost(void* frame, uint32_t fn, const uint64_t* params,
                                 uint64_t* result, uint8_t* memory, uint32_t memory_size,
                                 int64_t* gas) noexcept {
  auto* host = static_cast<HostCalls*>(frame);
  return host->Call(static_cast<HostFn>(fn), params, result, memory, memory_size, *gas) ? 0 : 1;
}
using HostCallback = int (*)(void*, uint32_t, const uint64_t*, uint64_t*, uint8_t*, uint32_t,
                             int64_t*);


// wasm2c 1.0.32's name mangling (c-writer.cc, MangleName): "Z_" then the name with every
// byte other than [A-Za-z0-9_] (and 'Z' itself) written as 'Z' and two hex digits.
std::string Mangle(std::string_view name) {
  std::string out = "Z_";
  char buf[4];
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    const bool alnum = (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z');
    if ((alnum && c != 'Z') || c == '_') {
      out += c;
    } else {
      std::snprintf(buf, sizeof buf, "Z%02X", u);
      out += buf;
    }
  }
  return out;
}

// The C signature pieces of a host function for the glue.
std::string HostImportDefinition(const HostFnSpec& spec, size_t index) {
  const char* ret = spec.results.empty()
                        ? "void"
                        : (spec.results[0] == HostValType::kI64 ? "u64" : "u32");
  std::ostringstream c;
  c << ret << " Z_envZ_" << spec.name << "(struct Z_env_instance_t* env";
  for (size_t i = 0; i < spec.params.size(); ++i) {
    c << (spec.params[i] == HostValType::kI64 ? ", u64 p" : ", u32 p") << i;
  }
  c << ") {\n  uint64_t p[4] = {";
  for (size_t i = 0; i < spec.params.size(); ++i) c << (i ? ", " : "") << "p" << i;
  if (spec.params.empty()) c << "0";
  c << "};\n  uint64_t r = host_call(env, " << index << "u, p);\n";
  if (spec.results.empty()) {
    c << "  (void)r;\n";
  } else {
    c << "  return (" << ret << ")r;\n";
  }
  c << "}\n";
  return c.str();
}

// The glue: includes wasm2c's output (one translation unit, so that it can call its
// static init_globals), defines the runtime functions the output needs (thread-local
// trap state; memory grown by realloc, as the interpreter's bounds-checked memory
// behaves), the host imports, and the entry points of chainaccel's ABI.
std::string GlueSource(const PreparedContract& contract, const Hash32& module_hash) {
  const std::string gas = "w2c_g" + std::to_string(contract.gas_global_index());
  const std::string stack = "w2c_g" + std::to_string(contract.gas_global_index() + 1);
  std::ostringstream c;
  c << R"(#include "contract.c"
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#define CA_EXPORT __attribute__((visibility("default")))

_Thread_local uint32_t wasm_rt_call_stack_depth;
static _Thread_local uint32_t ca_saved_depth;
static _Thread_local jmp_buf* ca_trap_target;

void wasm_rt_trap(wasm_rt_trap_t code) {
  wasm_rt_call_stack_depth = ca_saved_depth;
  longjmp(*ca_trap_target, (int)code);
}

typedef struct { uint32_t np, nr; int* t; } ca_func_type;
static ca_func_type* ca_types;
static uint32_t ca_type_count;
uint32_t wasm_rt_register_func_type(uint32_t np, uint32_t nr, ...) {
  int* t = (int*)malloc(sizeof(int) * (np + nr + 1));
  va_list ap;
  va_start(ap, nr);
  for (uint32_t i = 0; i < np + nr; ++i) t[i] = va_arg(ap, int);
  va_end(ap);
  for (uint32_t i = 0; i < ca_type_count; ++i) {
    if (ca_types[i].np == np && ca_types[i].nr == nr &&
        memcmp(ca_types[i].t, t, sizeof(int) * (np + nr)) == 0) {
      free(t);
      return i + 1;
    }
  }
  ca_types = (ca_func_type*)realloc(ca_types, sizeof(ca_func_type) * (ca_type_count + 1));
  ca_types[ca_type_count].np = np;
  ca_types[ca_type_count].nr = nr;
  ca_types[ca_type_count].t = t;
  return ++ca_type_count;
}
/* The type registry goes with the object (dlclose), not with the process. */
__attribute__((destructor)) static void ca_free_types(void) {
  for (uint32_t i = 0; i < ca_type_count; ++i) free(ca_types[i].t);
  free(ca_types);
}

void wasm_rt_allocate_memory(wasm_rt_memory_t* m, uint32_t initial, uint32_t max) {
  m->pages = initial;
  m->max_pages = max;
  m->size = initial * 65536u;
  m->data = (uint8_t*)calloc(m->size ? m->size : 1, 1);
}
uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* m, uint32_t delta) {
  uint32_t old = m->pages;
  uint64_t pages = (uint64_t)old + delta;
  if (delta == 0) return old;
  if (pages > m->max_pages || pages > 65536u) return (uint32_t)-1;
  uint8_t* data = (uint8_t*)realloc(m->data, pages * 65536u);
  if (!data) return (uint32_t)-1;
  memset(data + (uint64_t)old * 65536u, 0, (size_t)delta * 65536u);
  m->data = data;
  m->pages = (uint32_t)pages;
  m->size = (uint32_t)(pages * 65536u);
  return old;
}
void wasm_rt_free_memory(wasm_rt_memory_t* m) { free(m->data); }
void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t* t, uint32_t n, uint32_t max) {
  t->size = n;
  t->max_size = max;
  t->data = (wasm_rt_funcref_t*)calloc(n ? n : 1, sizeof(wasm_rt_funcref_t));
}
void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t* t) { free(t->data); }

typedef int (*ca_host_fn)(void*, uint32_t, const uint64_t*, uint64_t*, uint8_t*, uint32_t,
                          int64_t*);
struct Z_env_instance_t {
  ca_host_fn host;
  void* frame;
  Z_contract_instance_t* inst;
};
typedef struct {
  struct Z_env_instance_t env;
  Z_contract_instance_t inst;
  uint8_t* image;
  uint32_t image_pages;
  uint32_t image_size;
} ca_instance;

static uint64_t host_call(struct Z_env_instance_t* env, uint32_t fn, const uint64_t* p) {
  uint64_t r = 0;
  wasm_rt_memory_t* m = Z_contractZ_memory(env->inst);
  if (env->host(env->frame, fn, p, &r, m->data, m->size, (int64_t*)&env->inst->)" << gas << R"()) {
    wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE);
  }
  return r;
}
)";
  const auto& abi = HostAbi();
  for (size_t i = 0; i < abi.size(); ++i) c << HostImportDefinition(abi[i], i);
  c << "static void (*const ca_entries[])(Z_contract_instance_t*) = {\n";
  for (const std::string& name : contract.entry_points()) {
    c << "  Z_contract" << Mangle(name) << ",\n";
  }
  c << "  0};\n";
  c << "CA_EXPORT const uint32_t chainaccel_aot_abi_version = " << kAotAbiVersion << "u;\n";
  c << "CA_EXPORT const uint32_t chainaccel_aot_entry_count = " << contract.entry_points().size()
    << "u;\n";
  c << "CA_EXPORT const unsigned char chainaccel_aot_module_hash[32] = {";
  for (size_t i = 0; i < 32; ++i) c << (i ? "," : "") << static_cast<int>(module_hash[i]);
  c << "};\n";
  c << R"(
static pthread_once_t ca_once = PTHREAD_ONCE_INIT;
static void ca_init_module(void) { Z_contract_init_module(); }

CA_EXPORT void* chainaccel_aot_new(ca_host_fn host) {
  pthread_once(&ca_once, ca_init_module);
  ca_instance* a = (ca_instance*)calloc(1, sizeof(ca_instance));
  if (!a) return 0;
  a->env.host = host;
  a->env.inst = &a->inst;
  jmp_buf buf;
  jmp_buf* volatile prev = ca_trap_target;
  ca_trap_target = &buf;
  ca_saved_depth = wasm_rt_call_stack_depth;
  if (setjmp(buf) != 0) {
    /* Instantiation trapped (a segment that does not fit) after it allocated the
       memory and tables: free them too (the instance was zeroed, so what it did not
       allocate is null). */
    ca_trap_target = prev;
    Z_contract_free(&a->inst);
    free(a);
    return 0;
  }
  Z_contract_instantiate(&a->inst)" << (contract.import_count() > 0 ? ", &a->env" : "") << R"();
  ca_trap_target = prev;
  wasm_rt_memory_t* m = Z_contractZ_memory(&a->inst);
  a->image = (uint8_t*)malloc(m->size ? m->size : 1);
  if (!a->image) {
    Z_contract_free(&a->inst);
    free(a);
    return 0;
  }
  memcpy(a->image, m->data, m->size);
  a->image_pages = m->pages;
  a->image_size = m->size;
  return a;
}

CA_EXPORT void chainaccel_aot_free(void* h) {
  ca_instance* a = (ca_instance*)h;
  Z_contract_free(&a->inst);
  free(a->image);
  free(a);
}

CA_EXPORT int chainaccel_aot_reset(void* h) {
  ca_instance* a = (ca_instance*)h;
  wasm_rt_memory_t* m = Z_contractZ_memory(&a->inst);
  if (m->pages != a->image_pages) return 0;
  memcpy(m->data, a->image, a->image_size);
  init_globals(&a->inst);
  return 1;
}

CA_EXPORT uint32_t chainaccel_aot_bytes(void* h) { return 2u * ((ca_instance*)h)->image_size; }

CA_EXPORT int chainaccel_aot_call(void* h, uint32_t entry, void* frame, int64_t* gas,
                                  uint32_t* stack_units) {
  ca_instance* a = (ca_instance*)h;
  a->env.frame = frame;
  a->inst.)" << gas << R"( = (u64)*gas;
  jmp_buf buf;
  jmp_buf* volatile prev = ca_trap_target;
  ca_trap_target = &buf;
  ca_saved_depth = wasm_rt_call_stack_depth;
  int code = setjmp(buf);
  if (code == 0) ca_entries[entry](&a->inst);
  ca_trap_target = prev;
  *gas = (int64_t)a->inst.)" << gas << R"(;
  *stack_units = a->inst.)" << stack << R"(;
  return code;
}
)";
  return c.str();
}

// WABT's wasm-rt.h with its call-depth counter thread-local (the daemon runs one
// compiled module on many threads at once). Empty when the header is not found or no
// longer has the declaration this patches.
std::string PatchedRuntimeHeader(std::string* why) {
  for (const char* path : {"/usr/include/wasm-rt.h", "/usr/local/include/wasm-rt.h",
                           "/usr/src/wasm2c/wasm-rt.h"}) {
    std::ifstream in(path);
    if (!in) continue;
    std::stringstream text;
    text << in.rdbuf();
    std::string header = text.str();
    const std::string from = "extern uint32_t wasm_rt_call_stack_depth;";
    const size_t at = header.find(from);
    if (at == std::string::npos || header.find(from, at + 1) != std::string::npos) {
      *why = std::string(path) + " does not declare wasm_rt_call_stack_depth as expected";
      return {};
    }
    header.replace(at, from.size(), "extern _Thread_local uint32_t wasm_rt_call_stack_depth;");
    return header;
  }
  *why = "wasm-rt.h (Debian's wabt package) not found";
  return {};
}

// The absolute path of `tool` (itself when it has a slash), or empty.
std::string FindTool(const std::string& tool) {
  if (tool.find('/') != std::string::npos) return access(tool.c_str(), X_OK) == 0 ? tool : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr && *path != 0 ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = dir + "/" + tool;
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

bool WriteFile(const fs::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(out);
}

}  // namespace

std::string_view AotTrapMessage(AotTrap trap) {
  switch (trap) {
    case AotTrap::kMemoryBounds: return kTrapMemoryBounds;
    case AotTrap::kIntegerOverflow: return kTrapIntegerOverflow;
    case AotTrap::kDivideByZero: return kTrapDivideByZero;
    case AotTrap::kUnreachable: return kTrapUnreachable;
    case AotTrap::kIndirectCall: return kTrapIndirectCall;
    case AotTrap::kExhaustion: return kTrapStackExhausted;
    default: return "trap";
  }
}

// ---- AotModule ------------------------------------------------------------------------------
struct AotModule::Symbols {
  void* (*create)(HostCallback) = nullptr;
  void (*destroy)(void*) = nullptr;
  int (*reset)(void*) = nullptr;
  uint32_t (*bytes)(void*) = nullptr;
  int (*call)(void*, uint32_t, void*, int64_t*, uint32_t*) = nullptr;
};

Status AotModule::Load(const std::string& path, ByteView module, size_t entry_count,
                       std::shared_ptr<const AotModule>* out) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* err = dlerror();
    return Status::Internal(std::string("cannot load ") + path + ": " + (err ? err : "?"));
  }
  std::shared_ptr<AotModule> m(new AotModule());
  m->handle_ = handle;
  m->symbols_ = std::make_unique<Symbols>();
  auto sym = [&](const char* name) { return dlsym(handle, name); };
  const auto* version = static_cast<const uint32_t*>(sym("chainaccel_aot_abi_version"));
  const auto* entries = static_cast<const uint32_t*>(sym("chainaccel_aot_entry_count"));
  const auto* hash = static_cast<const uint8_t*>(sym("chainaccel_aot_module_hash"));
  Symbols& s = *m->symbols_;
  s.create = reinterpret_cast<decltype(s.create)>(sym("chainaccel_aot_new"));
  s.destroy = reinterpret_cast<decltype(s.destroy)>(sym("chainaccel_aot_free"));
  s.reset = reinterpret_cast<decltype(s.reset)>(sym("chainaccel_aot_reset"));
  s.bytes = reinterpret_cast<decltype(s.bytes)>(sym("chainaccel_aot_bytes"));
  s.call = reinterpret_cast<decltype(s.call)>(sym("chainaccel_aot_call"));
  if (version == nullptr || entries == nullptr || hash == nullptr || !s.create || !s.destroy ||
      !s.reset || !s.bytes || !s.call) {
    return Status::Internal(path + " is not a compiled contract");
  }
  Hash32 expected;
  Sha256(module, expected.data());
  if (*version != kAotAbiVersion || *entries != entry_count ||
      std::memcmp(hash, expected.data(), 32) != 0) {
    return Status::Internal(path + " is stale: built by another version or from other bytes");
  }
  *out = std::move(m);
  return Status::Ok();
}

AotModule::~AotModule() {
  if (handle_ != nullptr) dlclose(handle_);
}

// ---- AotInstance ----------------------------------------------------------------------------
std::unique_ptr<AotInstance> AotInstance::New(std::shared_ptr<const AotModule> module) {
  void* h = module->symbols_->create(&ChainaccelAotHost);
  if (h == nullptr) return nullptr;
  std::unique_ptr<AotInstance> instance(new AotInstance());
  instance->module_ = std::move(module);
  instance->instance_ = h;
  return instance;
}

AotInstance::~AotInstance() {
  if (instance_ != nullptr) module_->symbols_->destroy(instance_);
}

AotTrap AotInstance::Call(uint32_t entry, HostCalls& host, int64_t* gas, uint32_t* stack_units) {
  return static_cast<AotTrap>(module_->symbols_->call(instance_, entry, &host, gas, stack_units));
}

bool AotInstance::Reset() { return module_->symbols_->reset(instance_) != 0; }

size_t AotInstance::bytes() const { return module_->symbols_->bytes(instance_); }

// ---- AotCompiler ----------------------------------------------------------------------------
bool AotToolsPresent(const AotOptions& options, std::string* why) {
  if (FindTool(options.wasm2c).empty()) {
    *why = options.wasm2c + " not found (Debian's wabt package)";
    return false;
  }
  if (FindTool(options.cc).empty()) {
    *why = options.cc + " (the C compiler) not found";
    return false;
  }
  return !PatchedRuntimeHeader(why).empty();
}

AotCompiler::AotCompiler(AotOptions options) : options_(std::move(options)) {
  RemoveLeftoverBuildFolders(options_.cache_dir);
  worker_ = std::thread([this] { Work(); });
}

AotCompiler::~AotCompiler() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  sandbox_.Stop();
  cv_.notify_all();
  worker_.join();
}

void AotCompiler::Submit(std::shared_ptr<const PreparedContract> contract) {
  if (contract->aot() != nullptr) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    for (const auto& queued : queue_) {
      if (queued->code_hash() == contract->code_hash()) return;
    }
    queue_.push_back(std::move(contract));
  }
  cv_.notify_all();
}

void AotCompiler::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return stopping_ || (queue_.empty() && !busy_); });
}

void AotCompiler::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    std::shared_ptr<const PreparedContract> contract = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    // A failure leaves the contract on the interpreter; on_build reports it.
    if (contract->aot() == nullptr) (void)CompileNow(*contract);
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

Status AotCompiler::CompileNow(const PreparedContract& contract, AotBuildReport* report) {
  AotBuildReport local;
  AotBuildReport& r = report != nullptr ? *report : local;
  r = AotBuildReport{};
  r.code_hash = contract.code_hash();
  const auto start = std::chrono::steady_clock::now();
  Status s = LoadOrBuild(contract, &r);
  r.seconds = SecondsSince(start);
  r.ok = s.ok();
  r.timed_out = s.code() == Status::Code::kDeadlineExceeded;
  if (!s.ok()) r.error = s.message();
  if (options_.on_build) options_.on_build(r);
  return s;
}

namespace {

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

Status AotCompiler::BuildObject(const PreparedContract& contract, const std::string& header,
                                const std::string& wasm2c, const std::string& cc,
                                const std::string& object) {
  const std::string name = HexEncode(contract.code_hash());
  std::string tmpl =
      (fs::path(options_.cache_dir) / ("build-" + name.substr(0, 16) + "-XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    return Status::Internal(std::string("mkdtemp: ") + std::strerror(errno));
  }
  const fs::path dir = tmpl;
  // Held until the folder is gone, so that RemoveLeftoverBuildFolders leaves it alone.
  const int lock = LockBuildFolder(dir.string());
  const ByteView module = contract.instrumented_module();
  Hash32 module_hash;
  Sha256(module, module_hash.data());
  Status s = Status::Ok();
  if (lock < 0 ||
      !WriteFile(dir / "contract.wasm",
                 std::string_view(reinterpret_cast<const char*>(module.data()), module.size())) ||
      !WriteFile(dir / "wasm-rt.h", header) ||
      !WriteFile(dir / "glue.c", GlueSource(contract, module_hash))) {
    s = Status::Internal("cannot lock or write the build's files in " + dir.string());
  }
  if (s.ok()) {
    // -O2; bounds-checked memory (no signal handler: the daemon installs none);
    // wasm2c's own depth counter far above the stack rule's bound so it never fires
    // first; every symbol resolved at link time.
    const std::string script =
        Quote(wasm2c) + " contract.wasm -n contract -o contract.c && " + Quote(cc) +
        " -O2 -fPIC -shared -fvisibility=hidden -w -DNDEBUG -DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0"
        " -DWASM_RT_MAX_CALL_STACK_DEPTH=1000000 -I. glue.c -o contract.so -Wl,-z,defs -lpthread";
    SandboxLimits limits;
    limits.time_limit_seconds = options_.time_limit_seconds;
    limits.memory_limit_bytes = options_.memory_limit_bytes;
    s = sandbox_.Run(script, dir.string(), limits);
  }
  std::error_code ec;
  if (s.ok()) {
    fs::rename(dir / "contract.so", object, ec);
    if (ec) s = Status::Internal("cannot move the object into the cache: " + ec.message());
  }
  fs::remove_all(dir, ec);
  if (lock >= 0) close(lock);
  return s;
}

Status AotCompiler::LoadOrBuild(const PreparedContract& contract, AotBuildReport* report) {
  const ByteView module = contract.instrumented_module();
  const size_t entries = contract.entry_points().size();
  std::error_code ec;
  fs::create_directories(options_.cache_dir, ec);
  if (ec) return Status::Internal("cannot create " + options_.cache_dir + ": " + ec.message());
  const std::string name = HexEncode(contract.code_hash());
  const fs::path object = fs::path(options_.cache_dir) / (name + ".so");
  std::shared_ptr<const AotModule> loaded;
  if (fs::exists(object, ec)) {
    if (AotModule::Load(object.string(), module, entries, &loaded).ok()) {
      report->cached = true;
      contract.AttachAot(std::move(loaded));
      return Status::Ok();
    }
    fs::remove(object, ec);  // corrupt or stale: rebuilt below
  }
  std::string why;
  const std::string header = PatchedRuntimeHeader(&why);
  const std::string wasm2c = FindTool(options_.wasm2c), cc = FindTool(options_.cc);
  if (header.empty()) return Status::FailedPrecondition(why);
  if (wasm2c.empty() || cc.empty()) return Status::FailedPrecondition("wasm2c or cc not found");

  Status s = BuildObject(contract, header, wasm2c, cc, object.string());
  if (!s.ok()) return s;
  s = AotModule::Load(object.string(), module, entries, &loaded);
  if (!s.ok()) return s;
  contract.AttachAot(std::move(loaded));
  return Status::Ok();
}

}  // namespace chainaccel::exec
