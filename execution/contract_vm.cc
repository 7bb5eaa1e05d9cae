#include "execution/contract_vm.h"

#include <wabt/binary-reader-ir.h>
#include <wabt/binary-reader.h>
#include <wabt/binary-writer.h>
#include <wabt/error.h>
#include <wabt/feature.h>
#include <wabt/interp/binary-reader-interp.h>
#include <wabt/interp/interp.h>
#include <wabt/ir.h>
#include <wabt/stream.h>
#include <wabt/validator.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "crypto/hashes.h"
#include "crypto/signatures.h"
#include "execution/gas.h"

namespace chainaccel::exec {
namespace {

namespace interp = wabt::interp;

// The WebAssembly features a contract may use: the MVP with mutable globals,
// sign-extension and multi-value. SIMD, bulk memory (unbounded work per instruction),
// reference types, threads and the float-only saturating conversions are off.
wabt::Features ContractFeatures() {
  wabt::Features f;
  f.disable_simd();
  f.disable_bulk_memory();
  f.disable_reference_types();
  f.disable_sat_float_to_int();
  f.disable_threads();
  f.disable_exceptions();
  f.disable_tail_call();
  return f;
}

// ---- the host ABI -----------------------------------------------------------------------
enum class HostFn : uint8_t {
  kStorageRead,
  kStorageWrite,
  kStorageDelete,
  kCaller,
  kContractAddress,
  kBlockHeight,
  kBlockTime,
  kInputSize,
  kInputRead,
  kReturnData,
  kEmitEvent,
  kRevert,
  kSha256,
  kKeccak256,
  kEd25519Verify,
  kSecp256k1Verify,
  kTxProof,
  kTxProofSignals,
};

struct HostFnSpec {
  HostFn fn;
  const char* name;
  std::vector<wabt::Type> params;
  std::vector<wabt::Type> results;
};

const std::vector<HostFnSpec>& HostAbi() {
  using T = wabt::Type;
  static const std::vector<HostFnSpec> abi = {
      {HostFn::kStorageRead, "storage_read", {T::I32, T::I32, T::I32, T::I32}, {T::I32}},
      {HostFn::kStorageWrite, "storage_write", {T::I32, T::I32, T::I32, T::I32}, {}},
      {HostFn::kStorageDelete, "storage_delete", {T::I32, T::I32}, {}},
      {HostFn::kCaller, "caller", {T::I32}, {}},
      {HostFn::kContractAddress, "contract_address", {T::I32}, {}},
      {HostFn::kBlockHeight, "block_height", {}, {T::I64}},
      {HostFn::kBlockTime, "block_time", {}, {T::I64}},
      {HostFn::kInputSize, "input_size", {}, {T::I32}},
      {HostFn::kInputRead, "input_read", {T::I32}, {}},
      {HostFn::kReturnData, "return_data", {T::I32, T::I32}, {}},
      {HostFn::kEmitEvent, "emit_event", {T::I32, T::I32, T::I32, T::I32}, {}},
      {HostFn::kRevert, "revert", {T::I32, T::I32}, {}},
      {HostFn::kSha256, "sha256", {T::I32, T::I32, T::I32}, {}},
      {HostFn::kKeccak256, "keccak256", {T::I32, T::I32, T::I32}, {}},
      {HostFn::kEd25519Verify, "ed25519_verify", {T::I32, T::I32, T::I32, T::I32}, {T::I32}},
      {HostFn::kSecp256k1Verify, "secp256k1_verify", {T::I32, T::I32, T::I32, T::I32},
       {T::I32}},
      {HostFn::kTxProof, "tx_proof", {T::I32}, {T::I32}},
      {HostFn::kTxProofSignals, "tx_proof_signals", {T::I32}, {}},
  };
  return abi;
}

const HostFnSpec* FindHostFn(std::string_view module, std::string_view name) {
  if (module != "env") return nullptr;
  for (const HostFnSpec& spec : HostAbi()) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

bool IsFloatType(wabt::Type t) {
  return t == wabt::Type::F32 || t == wabt::Type::F64 || t == wabt::Type::V128;
}

bool AnyFloat(const wabt::TypeVector& types) {
  return std::any_of(types.begin(), types.end(), IsFloatType);
}

bool OpcodeUsesFloat(wabt::Opcode op) {
  if (IsFloatType(op.GetResultType())) return true;
  for (int n = 1; n <= 3; ++n) {
    if (IsFloatType(op.GetParamType(n))) return true;
  }
  return false;
}

// ---- validation of the contract rules on the IR --------------------------------------
class RuleChecker {
 public:
  // Empty when the expressions follow the rules, else the first broken one.
  std::string CheckExprs(const wabt::ExprList& exprs) {
    for (const wabt::Expr& e : exprs) {
      std::string err = CheckExpr(e);
      if (!err.empty()) return err;
    }
    return {};
  }

 private:
  static std::string CheckOpcode(wabt::Opcode op) {
    if (!OpcodeUsesFloat(op)) return {};
    return std::string("floating point is not allowed (") + op.GetName() + ")";
  }

  std::string CheckBlock(const wabt::Block& block) {
    std::string err = CheckDecl(block.decl);
    return err.empty() ? CheckExprs(block.exprs) : err;
  }

  std::string CheckDecl(const wabt::BlockDeclaration& decl) {
    if (AnyFloat(decl.sig.param_types) || AnyFloat(decl.sig.result_types)) {
      return "floating point is not allowed (block type)";
    }
    return {};
  }

  // Each expression is cast to its own class (the templates of one family share a layout,
  // but a cast to a sibling is undefined behaviour, which UBSan reports).
  std::string CheckExpr(const wabt::Expr& e) {
    using wabt::ExprType;
    switch (e.type()) {
      case ExprType::Binary:
        return CheckOpcode(static_cast<const wabt::BinaryExpr&>(e).opcode);
      case ExprType::Compare:
        return CheckOpcode(static_cast<const wabt::CompareExpr&>(e).opcode);
      case ExprType::Convert:
        return CheckOpcode(static_cast<const wabt::ConvertExpr&>(e).opcode);
      case ExprType::Unary:
        return CheckOpcode(static_cast<const wabt::UnaryExpr&>(e).opcode);
      case ExprType::Ternary:
        return CheckOpcode(static_cast<const wabt::TernaryExpr&>(e).opcode);
      case ExprType::Load:
        return CheckOpcode(static_cast<const wabt::LoadExpr&>(e).opcode);
      case ExprType::Store:
        return CheckOpcode(static_cast<const wabt::StoreExpr&>(e).opcode);
      case ExprType::Const:
        if (IsFloatType(static_cast<const wabt::ConstExpr&>(e).const_.type())) {
          return "floating point is not allowed (float constant)";
        }
        return {};
      case ExprType::Select:
        if (AnyFloat(static_cast<const wabt::SelectExpr&>(e).result_type)) {
          return "floating point is not allowed (select)";
        }
        return {};
      case ExprType::Block:
        return CheckBlock(static_cast<const wabt::BlockExpr&>(e).block);
      case ExprType::Loop:
        return CheckBlock(static_cast<const wabt::LoopExpr&>(e).block);
      case ExprType::If: {
        const auto& i = static_cast<const wabt::IfExpr&>(e);
        std::string err = CheckDecl(i.true_.decl);
        if (err.empty()) err = CheckExprs(i.true_.exprs);
        if (err.empty()) err = CheckExprs(i.false_);
        return err;
      }
      case ExprType::Br:
      case ExprType::BrIf:
      case ExprType::BrTable:
      case ExprType::Call:
      case ExprType::CallIndirect:
      case ExprType::Drop:
      case ExprType::GlobalGet:
      case ExprType::GlobalSet:
      case ExprType::LocalGet:
      case ExprType::LocalSet:
      case ExprType::LocalTee:
      case ExprType::MemoryGrow:
      case ExprType::MemorySize:
      case ExprType::Nop:
      case ExprType::Return:
      case ExprType::Unreachable:
        return {};
      default:
        return std::string("instruction not allowed: ") + wabt::GetExprTypeName(e.type());
    }
  }
};

// ---- gas metering -----------------------------------------------------------------------
// A metered segment ends after one of these: control may continue elsewhere than at
// the next instruction. Calls do not end a segment: they come back to it unless the
// call traps, and a trapped call fails the transaction whatever the segment charged
// (deterministically, as docs/execution.md says). Keeping calls inside segments cuts
// the injected checks of call-heavy contracts (the example token: 2.1x fewer).
bool EndsSegment(wabt::ExprType t) {
  using wabt::ExprType;
  switch (t) {
    case ExprType::Block:
    case ExprType::Loop:
    case ExprType::If:
    case ExprType::Br:
    case ExprType::BrIf:
    case ExprType::BrTable:
    case ExprType::Return:
      return true;
    default:
      return false;
  }
}

// Inserts before `pos`: gas -= cost; if gas < 0 { unreachable }.
void InsertCharge(wabt::ExprList& list, wabt::ExprList::iterator pos, wabt::Index gas_global,
                  uint64_t cost) {
  using wabt::Opcode;
  wabt::Location loc;
  list.insert(pos, std::make_unique<wabt::GlobalGetExpr>(wabt::Var(gas_global, loc)));
  list.insert(pos, std::make_unique<wabt::ConstExpr>(wabt::Const::I64(cost)));
  list.insert(pos, std::make_unique<wabt::BinaryExpr>(Opcode::I64Sub));
  list.insert(pos, std::make_unique<wabt::GlobalSetExpr>(wabt::Var(gas_global, loc)));
  list.insert(pos, std::make_unique<wabt::GlobalGetExpr>(wabt::Var(gas_global, loc)));
  list.insert(pos, std::make_unique<wabt::ConstExpr>(wabt::Const::I64(0)));
  list.insert(pos, std::make_unique<wabt::CompareExpr>(Opcode::I64LtS));
  auto trap = std::make_unique<wabt::IfExpr>();
  trap->true_.exprs.push_back(std::make_unique<wabt::UnreachableExpr>());
  list.insert(pos, std::move(trap));
}

// Charges each straight-line segment of `list` (and, recursively, of nested blocks) at
// its start: one unit per instruction of the segment, the block instructions counting
// one each (their bodies are charged on entry).
void Meter(wabt::ExprList& list, wabt::Index gas_global) {
  auto it = list.begin();
  while (it != list.end()) {
    auto start = it;
    uint64_t cost = 0;
    while (it != list.end()) {
      wabt::Expr& e = *it;
      ++cost;
      if (e.type() == wabt::ExprType::Block) {
        Meter(static_cast<wabt::BlockExpr&>(e).block.exprs, gas_global);
      } else if (e.type() == wabt::ExprType::Loop) {
        Meter(static_cast<wabt::LoopExpr&>(e).block.exprs, gas_global);
      } else if (e.type() == wabt::ExprType::If) {
        auto& i = static_cast<wabt::IfExpr&>(e);
        Meter(i.true_.exprs, gas_global);
        Meter(i.false_, gas_global);
      }
      const bool ends = EndsSegment(e.type());
      ++it;
      if (ends) break;
    }
    InsertCharge(list, start, gas_global, cost);
  }
}

std::string FirstError(const wabt::Errors& errors, const char* what) {
  if (errors.empty()) return what;
  return std::string(what) + ": " + errors.front().message;
}

class PreparedContractImpl final : public PreparedContract {
 public:
  const Hash32& code_hash() const override { return code_hash_; }
  const std::vector<std::string>& entry_points() const override { return entry_points_; }

  Hash32 code_hash_{};
  std::vector<std::string> entry_points_;
  interp::ModuleDesc desc;
  // The host function each import binds to, in import order.
  std::vector<HostFn> imports;
  // Index of the injected gas global among the instance's globals.
  uint32_t gas_global = 0;
};

}  // namespace

Hash32 CodeHash(ByteView wasm) {
  Hash32 h;
  Sha256(wasm, h.data());
  return h;
}

Status PrepareContract(ByteView wasm, const VmLimits& limits,
                       std::shared_ptr<const PreparedContract>* out) {
  if (wasm.size() > limits.max_code_bytes) {
    return Status::InvalidArgument("contract is " + std::to_string(wasm.size()) +
                                   " bytes, over the limit of " +
                                   std::to_string(limits.max_code_bytes));
  }
  const wabt::Features features = ContractFeatures();
  wabt::Module module;
  wabt::Errors errors;
  wabt::ReadBinaryOptions read_options(features, nullptr, false, true, true);
  if (wabt::Failed(wabt::ReadBinaryIr("contract", wasm.data(), wasm.size(), read_options,
                                      &errors, &module))) {
    return Status::InvalidArgument(FirstError(errors, "malformed wasm"));
  }
  wabt::ValidateOptions validate_options(features);
  if (wabt::Failed(wabt::ValidateModule(&module, &errors, validate_options))) {
    return Status::InvalidArgument(FirstError(errors, "invalid wasm"));
  }

  auto prepared = std::make_shared<PreparedContractImpl>();
  prepared->code_hash_ = CodeHash(wasm);

  // Imports: functions of the host ABI with their exact signatures, nothing else.
  for (const wabt::Import* import : module.imports) {
    const std::string where = import->module_name + "." + import->field_name;
    if (import->kind() != wabt::ExternalKind::Func) {
      return Status::InvalidArgument("forbidden import " + where +
                                     ": only host functions may be imported");
    }
    const HostFnSpec* spec = FindHostFn(import->module_name, import->field_name);
    if (spec == nullptr) {
      return Status::InvalidArgument("forbidden import " + where + ": not in the host ABI");
    }
    const auto* func_import = static_cast<const wabt::FuncImport*>(import);
    const wabt::FuncSignature& sig = func_import->func.decl.sig;
    if (sig.param_types != spec->params || sig.result_types != spec->results) {
      return Status::InvalidArgument("import " + where + " has the wrong signature");
    }
    prepared->imports.push_back(spec->fn);
  }

  // Floating point anywhere: types, locals, globals, instructions.
  for (const wabt::TypeEntry* type : module.types) {
    if (const auto* ft = wabt::dyn_cast<wabt::FuncType>(type)) {
      if (AnyFloat(ft->sig.param_types) || AnyFloat(ft->sig.result_types)) {
        return Status::InvalidArgument("floating point is not allowed (function type)");
      }
    }
  }
  for (const wabt::Global* g : module.globals) {
    if (IsFloatType(g->type)) {
      return Status::InvalidArgument("floating point is not allowed (global)");
    }
  }
  if (module.funcs.size() > limits.max_functions) {
    return Status::InvalidArgument("too many functions: " +
                                   std::to_string(module.funcs.size()) + " > " +
                                   std::to_string(limits.max_functions));
  }
  RuleChecker checker;
  for (wabt::Func* func : module.funcs) {
    for (wabt::Type t : func->local_types) {
      if (IsFloatType(t)) return Status::InvalidArgument("floating point is not allowed (local)");
    }
    std::string err = checker.CheckExprs(func->exprs);
    if (!err.empty()) return Status::InvalidArgument(err);
  }
  if (!module.starts.empty()) {
    return Status::InvalidArgument("a start function is not allowed");
  }
  // Segments: active ones only, each placed by one i32.const. Passive and declared
  // segments belong to bulk memory and reference types, which the rules leave out; and
  // WABT's validator lets an empty offset expression through, which its interpreter then
  // refuses to load (found by tests/fuzz/contract_vm_fuzz.cc: deploy answered INTERNAL).
  auto one_i32_const = [](const wabt::ExprList& offset) {
    if (offset.size() != 1 || offset.front().type() != wabt::ExprType::Const) return false;
    return static_cast<const wabt::ConstExpr&>(offset.front()).const_.type() == wabt::Type::I32;
  };
  for (const wabt::DataSegment* d : module.data_segments) {
    if (d->kind != wabt::SegmentKind::Active) {
      return Status::InvalidArgument("passive data segments are not allowed (bulk memory)");
    }
    if (!one_i32_const(d->offset)) {
      return Status::InvalidArgument("a data segment's offset must be one i32.const");
    }
  }
  for (const wabt::ElemSegment* e : module.elem_segments) {
    if (e->kind != wabt::SegmentKind::Active) {
      return Status::InvalidArgument(
          "passive and declared element segments are not allowed (reference types)");
    }
    if (!one_i32_const(e->offset)) {
      return Status::InvalidArgument("an element segment's offset must be one i32.const");
    }
  }

  // Memory: exactly one, exported as "memory", within the page limit.
  if (module.memories.size() != 1) {
    return Status::InvalidArgument("the contract must define exactly one memory");
  }
  wabt::Limits& pages = module.memories[0]->page_limits;
  if (pages.initial > limits.max_memory_pages) {
    return Status::InvalidArgument("initial memory of " + std::to_string(pages.initial) +
                                   " pages is over the limit of " +
                                   std::to_string(limits.max_memory_pages));
  }
  if (!pages.has_max || pages.max > limits.max_memory_pages) {
    pages.has_max = true;
    pages.max = limits.max_memory_pages;
  }
  for (wabt::Table* table : module.tables) {
    if (table->elem_limits.initial > limits.max_table_elements) {
      return Status::InvalidArgument("table is over the limit of " +
                                     std::to_string(limits.max_table_elements) + " elements");
    }
    if (!table->elem_limits.has_max || table->elem_limits.max > limits.max_table_elements) {
      table->elem_limits.has_max = true;
      table->elem_limits.max = limits.max_table_elements;
    }
  }
  bool memory_exported = false;
  for (const wabt::Export* e : module.exports) {
    if (e->kind == wabt::ExternalKind::Memory && e->name == "memory") memory_exported = true;
    if (e->kind != wabt::ExternalKind::Func) continue;
    const wabt::Func* f = module.GetFunc(e->var);
    if (f != nullptr && f->GetNumParams() == 0 && f->GetNumResults() == 0) {
      prepared->entry_points_.push_back(e->name);
    }
  }
  if (!memory_exported) {
    return Status::InvalidArgument("the contract must export its memory as \"memory\"");
  }

  // Gas: a mutable i64 global appended after the contract's own (so no index moves),
  // charged at the start of every straight-line segment.
  const auto gas_index = static_cast<wabt::Index>(module.globals.size());
  {
    auto field = std::make_unique<wabt::GlobalModuleField>();
    field->global.type = wabt::Type::I64;
    field->global.mutable_ = true;
    field->global.init_expr.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(0)));
    module.AppendField(std::move(field));
  }
  for (size_t i = module.num_func_imports; i < module.funcs.size(); ++i) {
    Meter(module.funcs[i]->exprs, gas_index);
  }
  prepared->gas_global = gas_index;

  wabt::MemoryStream stream;
  wabt::WriteBinaryOptions write_options(features, true, false, false);
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, &module, write_options))) {
    return Status::Internal("could not write the instrumented contract");
  }
  const std::vector<uint8_t>& metered = stream.output_buffer().data;
  errors.clear();
  if (wabt::Failed(interp::ReadBinaryInterp("contract", metered.data(), metered.size(),
                                            read_options, &errors, &prepared->desc))) {
    return Status::Internal(FirstError(errors, "instrumented contract does not load"));
  }
  *out = std::move(prepared);
  return Status::Ok();
}

// ---- ContractVm ---------------------------------------------------------------------------
namespace {

// Why a host call stopped the contract.
enum class Stop : uint8_t { kNone, kRevert, kOutOfGas, kBlocked, kHostError };

struct ActiveCall {
  const CallContext* context = nullptr;
  HostState* state = nullptr;
  const VmLimits* limits = nullptr;
  interp::Memory* memory = nullptr;
  interp::Global* gas = nullptr;
  CallOutcome* outcome = nullptr;
  Stop stop = Stop::kNone;
  std::string stop_message;
};

// Code hashes are SHA-256 outputs: their first 8 bytes are already well mixed.
struct Hash32Hasher {
  size_t operator()(const Hash32& h) const {
    uint64_t v;
    std::memcpy(&v, h.data(), sizeof v);
    return static_cast<size_t>(v);
  }
};

// An instance of a contract kept between calls, with what a fresh instance holds: the
// memory's bytes and size and every global's value right after instantiation. Put back
// into that state after each call, it behaves exactly like a fresh instance (the
// contract rules leave tables immutable: no table.set/grow/init, no element or data
// drops, no start function), without instantiation's allocations: one object per
// function, the memory, the globals.
class ReusedInstance {
 public:
  ReusedInstance(interp::Store& store, const interp::Module& module,
                 interp::Instance::Ptr instance, const PreparedContractImpl& contract)
      : instance_(std::move(instance)),
        memory_(store.UnsafeGet<interp::Memory>(instance_->memories()[0])),
        gas_(store.UnsafeGet<interp::Global>(instance_->globals()[contract.gas_global])),
        initial_pages_(memory_->PageSize()),
        initial_memory_(memory_->UnsafeData(), memory_->UnsafeData() + memory_->ByteSize()) {
    for (const interp::Ref& ref : instance_->globals()) {
      globals_.push_back(store.UnsafeGet<interp::Global>(ref));
      initial_globals_.push_back(globals_.back()->Get());
    }
    const auto& exports = module.export_types();
    for (const std::string& name : contract.entry_points()) {
      for (size_t i = 0; i < exports.size(); ++i) {
        if (exports[i].name == name && exports[i].type->kind == wabt::ExternalKind::Func) {
          entry_funcs_.push_back(store.UnsafeGet<interp::Func>(instance_->exports()[i]));
          break;
        }
      }
    }
  }

  interp::Memory& memory() { return *memory_; }
  interp::Global& gas() { return *gas_; }
  // The function of the contract's i-th entry point (PreparedContract::entry_points).
  interp::Func& entry(size_t i) { return *entry_funcs_[i]; }
  // Memory held: the live memory and its initial image.
  size_t bytes() const { return 2 * initial_memory_.size(); }

  // Restores the state right after instantiation; false when the memory grew (the
  // instance must then be dropped).
  bool Reset() {
    if (memory_->PageSize() != initial_pages_) return false;
    std::memcpy(memory_->UnsafeData(), initial_memory_.data(), initial_memory_.size());
    for (size_t i = 0; i < globals_.size(); ++i) globals_[i]->UnsafeSet(initial_globals_[i]);
    return true;
  }

 private:
  interp::Instance::Ptr instance_;
  interp::Memory::Ptr memory_;
  interp::Global::Ptr gas_;
  std::vector<interp::Global::Ptr> globals_;
  std::vector<interp::Func::Ptr> entry_funcs_;
  const uint64_t initial_pages_;
  const std::vector<uint8_t> initial_memory_;
  std::vector<interp::Value> initial_globals_;
};

}  // namespace

struct ContractVm::Impl {
  explicit Impl(const VmLimits& l) : limits(l), store(ContractFeatures()) {
    for (const HostFnSpec& spec : HostAbi()) {
      interp::FuncType type(spec.params, spec.results);
      const HostFn fn = spec.fn;
      host_funcs.push_back(interp::HostFunc::New(
          store, type,
          [this, fn](interp::Thread&, const interp::Values& params, interp::Values& results,
                     interp::Trap::Ptr* out_trap) -> wabt::Result {
            return HostCall(fn, params, results, out_trap);
          }));
    }
  }

  // A contract's module loaded into this VM's store, and its instance kept between
  // calls (null until the first call, after a call that grew the memory, or when the
  // instance budget was spent).
  struct Loaded {
    interp::Module::Ptr module;
    interp::RefVec imports;
    std::unique_ptr<ReusedInstance> instance;
  };

  Loaded& Load(const PreparedContractImpl& contract) {
    auto it = loaded.find(contract.code_hash());
    if (it != loaded.end()) return it->second;
    if (loaded.size() >= kMaxLoaded) {
      loaded.clear();
      instance_bytes = 0;
    }
    Loaded entry{interp::Module::New(store, contract.desc), {}, nullptr};
    for (HostFn fn : contract.imports) {
      entry.imports.push_back(host_funcs[static_cast<size_t>(fn)].ref());
    }
    return loaded.emplace(contract.code_hash(), std::move(entry)).first->second;
  }

  // The contract's instance, in the state of a fresh one: the kept instance, or a new
  // one (null with *trap set when instantiation fails).
  ReusedInstance* Instance(const PreparedContractImpl& contract, Loaded& loaded_contract,
                           interp::Trap::Ptr* trap) {
    if (loaded_contract.instance) return loaded_contract.instance.get();
    interp::Instance::Ptr instance = interp::Instance::Instantiate(
        store, loaded_contract.module.ref(), loaded_contract.imports, trap);
    if (!instance) return nullptr;
    auto reused = std::make_unique<ReusedInstance>(store, *loaded_contract.module,
                                                    std::move(instance), contract);
    if (instance_bytes + reused->bytes() > kMaxInstanceBytes) DropInstances();
    instance_bytes += reused->bytes();
    loaded_contract.instance = std::move(reused);
    return loaded_contract.instance.get();
  }

  // After a call: puts the instance back into its fresh state, or drops it when the
  // call grew its memory (a memory cannot shrink).
  void Reset(Loaded& loaded_contract) {
    if (loaded_contract.instance->Reset()) return;
    instance_bytes -= loaded_contract.instance->bytes();
    loaded_contract.instance.reset();
  }

  void DropInstances() {
    for (auto& [hash, entry] : loaded) entry.instance.reset();
    instance_bytes = 0;
  }

  // Charges `cost`; false (and the call stops out of gas) when it runs out.
  bool Charge(uint64_t cost) {
    const auto left = active.gas->UnsafeGet<int64_t>();
    const auto after = left - static_cast<int64_t>(std::min<uint64_t>(cost, INT64_MAX / 2));
    active.gas->UnsafeSet(interp::Value::Make(after));
    if (after < 0) {
      active.stop = Stop::kOutOfGas;
      return false;
    }
    return true;
  }

  // The contract's bytes [ptr, ptr + len), or nullptr when out of bounds.
  uint8_t* Mem(uint32_t ptr, uint64_t len) {
    if (uint64_t{ptr} + len > active.memory->ByteSize()) return nullptr;
    return active.memory->UnsafeData() + ptr;
  }

  wabt::Result Fail(Stop stop, std::string message, interp::Trap::Ptr* out_trap) {
    if (active.stop == Stop::kNone) active.stop = stop;
    if (active.stop_message.empty()) active.stop_message = message;
    *out_trap = interp::Trap::New(store, message);
    return wabt::Result::Error;
  }

  wabt::Result HostCall(HostFn fn, const interp::Values& params, interp::Values& results,
                        interp::Trap::Ptr* out_trap);
  // The proof's host functions, tx_proof and tx_proof_signals.
  wabt::Result ProofHostCall(HostFn fn, const interp::Values& params, interp::Values& results,
                             interp::Trap::Ptr* out_trap);

  static constexpr size_t kMaxLoaded = 1024;
  // Kept instances hold their memory twice (live and initial image), up to 2 MiB a
  // contract under the 16-page limit: past this budget all of them are dropped and
  // re-created on demand. 16 MiB keeps 64 one-page contracts (the examples) per VM; a
  // daemon has a few dozen VMs (one per executor thread and level, plus the read-only
  // calls'), so kept instances stay well under 1 GiB whatever is deployed.
  static constexpr size_t kMaxInstanceBytes = size_t{16} << 20;
  // Garbage (traps, dropped instances) is collected every this many calls.
  static constexpr uint32_t kCollectEvery = 32;

  VmLimits limits;
  interp::Store store;
  // The interpreter thread (value and call stacks, 64 KiB each) calls run on. A call
  // that returns normally leaves both stacks empty, as new; after a failed call the
  // stacks hold the trapped frames, so the thread is replaced.
  std::unique_ptr<interp::Thread> thread = std::make_unique<interp::Thread>(store);
  std::vector<interp::HostFunc::Ptr> host_funcs;
  std::unordered_map<Hash32, Loaded, Hash32Hasher> loaded;
  size_t instance_bytes = 0;  // of the kept instances
  ActiveCall active;
  uint32_t calls_since_collect = 0;
};

wabt::Result ContractVm::Impl::HostCall(HostFn fn, const interp::Values& params,
                                        interp::Values& results,
                                        interp::Trap::Ptr* out_trap) {
  auto u32 = [&](size_t i) { return params[i].Get<uint32_t>(); };
  auto oob = [&]() { return Fail(Stop::kHostError, "host call out of bounds", out_trap); };
  auto oog = [&]() { return Fail(Stop::kOutOfGas, "out of gas", out_trap); };
  const CallContext& ctx = *active.context;
  switch (fn) {
    case HostFn::kStorageRead: {
      const uint32_t key_len = u32(1), cap = u32(3);
      if (!Charge(gas::kStorageRead + uint64_t{key_len})) return oog();
      if (key_len > limits.max_key_bytes) {
        return Fail(Stop::kHostError, "storage key over the limit", out_trap);
      }
      const uint8_t* key = Mem(u32(0), key_len);
      uint8_t* out = Mem(u32(2), cap);
      if (key == nullptr || out == nullptr) return oob();
      std::string value;
      const ReadResult r =
          active.state->Read(std::string_view(reinterpret_cast<const char*>(key), key_len),
                             &value);
      if (r == ReadResult::kBlocked) {
        return Fail(Stop::kBlocked, "read of an unfinished transaction's write", out_trap);
      }
      if (r == ReadResult::kAbsent) {
        results[0] = interp::Value::Make(int32_t{-1});
        return wabt::Result::Ok;
      }
      if (!Charge(value.size() / gas::kBytesPerUnit)) return oog();
      std::memcpy(out, value.data(), std::min<size_t>(cap, value.size()));
      results[0] = interp::Value::Make(static_cast<uint32_t>(value.size()));
      return wabt::Result::Ok;
    }
    case HostFn::kStorageWrite:
    case HostFn::kStorageDelete: {
      const bool del = fn == HostFn::kStorageDelete;
      const uint32_t key_len = u32(1);
      const uint32_t value_len = del ? 0 : u32(3);
      if (!Charge(gas::kStorageWrite + uint64_t{key_len} + value_len)) return oog();
      if (key_len > limits.max_key_bytes) {
        return Fail(Stop::kHostError, "storage key over the limit", out_trap);
      }
      if (value_len > limits.max_value_bytes) {
        return Fail(Stop::kHostError, "storage value over the limit", out_trap);
      }
      const uint8_t* key = Mem(u32(0), key_len);
      const uint8_t* value = del ? nullptr : Mem(u32(2), value_len);
      if (key == nullptr || (!del && value == nullptr)) return oob();
      std::string_view k(reinterpret_cast<const char*>(key), key_len);
      if (del) {
        active.state->Write(k, nullptr);
      } else {
        std::string v(reinterpret_cast<const char*>(value), value_len);
        active.state->Write(k, &v);
      }
      return wabt::Result::Ok;
    }
    case HostFn::kCaller:
    case HostFn::kContractAddress: {
      if (!Charge(gas::kHostCall)) return oog();
      uint8_t* out = Mem(u32(0), 32);
      if (out == nullptr) return oob();
      const Hash32& src = fn == HostFn::kCaller ? ctx.caller : ctx.contract;
      std::memcpy(out, src.data(), 32);
      return wabt::Result::Ok;
    }
    case HostFn::kBlockHeight:
    case HostFn::kBlockTime:
      if (!Charge(gas::kHostCall)) return oog();
      results[0] = interp::Value::Make(fn == HostFn::kBlockHeight ? ctx.block_height
                                                                  : ctx.block_time);
      return wabt::Result::Ok;
    case HostFn::kInputSize:
      if (!Charge(gas::kHostCall)) return oog();
      results[0] = interp::Value::Make(static_cast<uint32_t>(ctx.input.size()));
      return wabt::Result::Ok;
    case HostFn::kInputRead: {
      if (!Charge(gas::kHostCall + ctx.input.size() / gas::kBytesPerUnit)) return oog();
      uint8_t* out = Mem(u32(0), ctx.input.size());
      if (out == nullptr) return oob();
      if (!ctx.input.empty()) std::memcpy(out, ctx.input.data(), ctx.input.size());
      return wabt::Result::Ok;
    }
    case HostFn::kReturnData: {
      const uint32_t len = u32(1);
      if (!Charge(gas::kHostCall + len / gas::kBytesPerUnit)) return oog();
      if (len > limits.max_return_bytes) {
        return Fail(Stop::kHostError, "return data over the limit", out_trap);
      }
      const uint8_t* p = Mem(u32(0), len);
      if (p == nullptr) return oob();
      active.outcome->return_data.assign(reinterpret_cast<const char*>(p), len);
      return wabt::Result::Ok;
    }
    case HostFn::kEmitEvent: {
      const uint32_t topic_len = u32(1), data_len = u32(3);
      if (!Charge(gas::kEvent + uint64_t{topic_len} + data_len)) return oog();
      if (uint64_t{topic_len} + data_len > limits.max_event_bytes) {
        return Fail(Stop::kHostError, "event over the limit", out_trap);
      }
      if (active.outcome->events.size() >= limits.max_events) {
        return Fail(Stop::kHostError, "too many events", out_trap);
      }
      const uint8_t* topic = Mem(u32(0), topic_len);
      const uint8_t* data = Mem(u32(2), data_len);
      if (topic == nullptr || data == nullptr) return oob();
      active.outcome->events.push_back(
          Event{std::string(reinterpret_cast<const char*>(topic), topic_len),
                std::string(reinterpret_cast<const char*>(data), data_len)});
      return wabt::Result::Ok;
    }
    case HostFn::kRevert: {
      const uint32_t len = std::min(u32(1), limits.max_return_bytes);
      if (!Charge(gas::kHostCall)) return oog();
      const uint8_t* p = Mem(u32(0), len);
      if (p == nullptr) return oob();
      return Fail(Stop::kRevert, std::string(reinterpret_cast<const char*>(p), len),
                  out_trap);
    }
    case HostFn::kSha256:
    case HostFn::kKeccak256: {
      const uint32_t len = u32(1);
      if (!Charge(gas::kHash + len / gas::kBytesPerUnit)) return oog();
      const uint8_t* in = Mem(u32(0), len);
      uint8_t* out = Mem(u32(2), 32);
      if (in == nullptr || out == nullptr) return oob();
      uint8_t digest[32];
      if (fn == HostFn::kSha256) {
        Sha256(ByteView(in, len), digest);
      } else {
        Keccak256(ByteView(in, len), digest);
      }
      std::memcpy(out, digest, 32);
      return wabt::Result::Ok;
    }
    case HostFn::kEd25519Verify:
    case HostFn::kSecp256k1Verify: {
      const bool ed = fn == HostFn::kEd25519Verify;
      const uint32_t msg_len = ed ? u32(1) : 32;
      if (!Charge(gas::kSignatureVerify + msg_len / gas::kBytesPerUnit)) return oog();
      // ed25519_verify(msg, msg_len, pk32, sig64); secp256k1_verify(hash32, pk33, sig64, 0).
      const uint8_t* msg = Mem(u32(0), msg_len);
      const uint8_t* pk = Mem(ed ? u32(2) : u32(1), ed ? 32 : 33);
      const uint8_t* sig = Mem(ed ? u32(3) : u32(2), 64);
      if (msg == nullptr || pk == nullptr || sig == nullptr) return oob();
      const ItemStatus s =
          ed ? VerifyEd25519(ByteView(msg, msg_len), ByteView(pk, 32), ByteView(sig, 64))
             : VerifyEcdsaSecp256k1(ByteView(msg, 32), ByteView(pk, 33), ByteView(sig, 64),
                                    SignatureEncoding::kCompact, false);
      results[0] = interp::Value::Make(uint32_t{s == ItemStatus::kOk ? 1u : 0u});
      return wabt::Result::Ok;
    }
    case HostFn::kTxProof:
    case HostFn::kTxProofSignals:
      return ProofHostCall(fn, params, results, out_trap);
  }
  return Fail(Stop::kHostError, "unknown host function", out_trap);
}

// tx_proof(key_out) -> i32 and tx_proof_signals(out) (docs/execution.md, "Host ABI").
wabt::Result ContractVm::Impl::ProofHostCall(HostFn fn, const interp::Values& params,
                                             interp::Values& results,
                                             interp::Trap::Ptr* out_trap) {
  const TransactionProof* proof = active.context->proof;
  const uint32_t out_ptr = params[0].Get<uint32_t>();
  if (fn == HostFn::kTxProof) {
    if (!Charge(gas::kHostCall)) return Fail(Stop::kOutOfGas, "out of gas", out_trap);
    uint8_t* out = Mem(out_ptr, 32);
    if (out == nullptr) return Fail(Stop::kHostError, "host call out of bounds", out_trap);
    if (proof == nullptr) {
      results[0] = interp::Value::Make(int32_t{-1});
      return wabt::Result::Ok;
    }
    std::memcpy(out, proof->verifying_key_id.data(), 32);
    results[0] = interp::Value::Make(static_cast<uint32_t>(proof->public_signals.size()));
    return wabt::Result::Ok;
  }
  const uint64_t bytes = proof == nullptr ? 0 : uint64_t{32} * proof->public_signals.size();
  if (!Charge(gas::kHostCall + bytes / gas::kBytesPerUnit)) {
    return Fail(Stop::kOutOfGas, "out of gas", out_trap);
  }
  if (proof == nullptr) return Fail(Stop::kHostError, "no proof", out_trap);
  uint8_t* out = Mem(out_ptr, bytes);
  if (out == nullptr) return Fail(Stop::kHostError, "host call out of bounds", out_trap);
  for (const Hash32& signal : proof->public_signals) {
    std::memcpy(out, signal.data(), 32);
    out += 32;
  }
  return wabt::Result::Ok;
}

ContractVm::ContractVm(const VmLimits& limits) : impl_(std::make_unique<Impl>(limits)) {}
ContractVm::~ContractVm() = default;

CallOutcome ContractVm::Call(const PreparedContract& contract_base, const CallContext& context,
                             HostState& state) {
  const auto& contract = static_cast<const PreparedContractImpl&>(contract_base);
  Impl& vm = *impl_;
  CallOutcome outcome;
  const auto& entries = contract.entry_points();
  const auto entry = std::find(entries.begin(), entries.end(), context.function);
  if (entry == entries.end()) {
    outcome.kind = CallOutcome::Kind::kTrapped;
    outcome.message = "no entry point named \"" + std::string(context.function) + "\"";
    return outcome;
  }
  if (context.input.size() > vm.limits.max_input_bytes) {
    outcome.kind = CallOutcome::Kind::kTrapped;
    outcome.message = "input over the limit";
    return outcome;
  }
  const uint64_t gas_limit = std::min<uint64_t>(context.gas_limit, gas::kMaxGasLimit);

  Impl::Loaded& loaded = vm.Load(contract);
  interp::Trap::Ptr trap;
  ReusedInstance* instance = vm.Instance(contract, loaded, &trap);
  if (instance == nullptr) {
    outcome.kind = CallOutcome::Kind::kTrapped;
    outcome.message = trap ? trap->message() : "instantiation failed";
    return outcome;
  }
  interp::Memory* memory = &instance->memory();
  interp::Global* gas = &instance->gas();
  gas->UnsafeSet(interp::Value::Make(static_cast<int64_t>(gas_limit)));
  interp::Func& func = instance->entry(static_cast<size_t>(entry - entries.begin()));

  vm.active = ActiveCall{&context, &state, &vm.limits, memory, gas, &outcome, Stop::kNone, {}};
  interp::Values results;
  const wabt::Result r = func.Call(*vm.thread, {}, results, &trap);
  if (wabt::Failed(r)) vm.thread = std::make_unique<interp::Thread>(vm.store);
  const int64_t left = gas->UnsafeGet<int64_t>();
  const Stop stop = vm.active.stop;
  if (wabt::Succeeded(r)) {
    outcome.kind = CallOutcome::Kind::kOk;
  } else if (stop == Stop::kBlocked) {
    outcome.kind = CallOutcome::Kind::kBlocked;
  } else if (stop == Stop::kOutOfGas || left < 0) {
    outcome.kind = CallOutcome::Kind::kOutOfGas;
    outcome.message = "out of gas";
  } else if (stop == Stop::kRevert) {
    outcome.kind = CallOutcome::Kind::kReverted;
    outcome.message = vm.active.stop_message;
  } else {
    outcome.kind = CallOutcome::Kind::kTrapped;
    outcome.message = stop == Stop::kHostError ? vm.active.stop_message
                                               : (trap ? trap->message() : "trap");
  }
  outcome.gas_used = outcome.kind == CallOutcome::Kind::kOutOfGas
                         ? gas_limit
                         : gas_limit - static_cast<uint64_t>(std::max<int64_t>(left, 0));
  if (outcome.kind != CallOutcome::Kind::kOk) {
    outcome.events.clear();
    if (outcome.kind != CallOutcome::Kind::kReverted) outcome.return_data.clear();
  }
  vm.active = ActiveCall{};
  vm.Reset(loaded);
  if (++vm.calls_since_collect >= Impl::kCollectEvery) {
    vm.calls_since_collect = 0;
    vm.store.Collect();
  }
  return outcome;
}

}  // namespace chainaccel::exec
