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
#include <atomic>
#include <mutex>
#include <cstring>
#include <unordered_map>

#include "crypto/hashes.h"
#include "execution/gas.h"
#include "execution/host_abi.h"
#include "execution/aot_module.h"

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

wabt::Type WabtType(HostValType t) {
  return t == HostValType::kI32 ? wabt::Type::I32 : wabt::Type::I64;
}

std::vector<wabt::Type> WabtTypes(const std::vector<HostValType>& types) {
  std::vector<wabt::Type> out;
  for (HostValType t : types) out.push_back(WabtType(t));
  return out;
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

// ---- the stack rule ------------------------------------------------------------------------
// Every call of a contract function takes `weight` units of a per-call stack budget
// (kStackUnits) while it runs: 2 + its parameters + its locals + the most operands its
// body can hold at once. Code injected at the function's entry adds the weight to a
// second appended global and traps (`unreachable`) when the sum passes the budget; the
// body runs inside a block whose exit subtracts it again. Both tiers run this code, so
// recursion stops at the same call in both: the interpreter's own stacks (4096 values,
// 64 KiB of frames, about 1638) are never reached first (values <= units, frames <=
// units / 2), and wasm2c's native recursion stays within a few hundred KiB of stack.
constexpr uint32_t kStackUnits = 3072;

// The signature a block or call declaration stands for.
const wabt::FuncSignature& SigOf(const wabt::FuncDeclaration& decl, const wabt::Module& m) {
  if (decl.has_func_type) {
    if (const wabt::FuncType* t = m.GetFuncType(decl.type_var)) return t->sig;
  }
  return decl.sig;
}

// The most operands `exprs` holds at once, entered with `h` operands (an upper bound on
// what any execution of it holds: code after an unconditional branch is skipped).
int64_t MaxOperands(const wabt::ExprList& exprs, int64_t h, const wabt::Module& m) {
  using wabt::ExprType;
  int64_t most = h;
  for (const wabt::Expr& e : exprs) {
    switch (e.type()) {
      case ExprType::Const: case ExprType::LocalGet: case ExprType::GlobalGet:
      case ExprType::MemorySize:
        h += 1;
        break;
      case ExprType::Binary: case ExprType::Compare: case ExprType::LocalSet:
      case ExprType::GlobalSet: case ExprType::Drop: case ExprType::BrIf:
        h -= 1;
        break;
      case ExprType::Store: case ExprType::Select: case ExprType::Ternary:
        h -= 2;
        break;
      case ExprType::Call: {
        const wabt::Func* f = m.GetFunc(static_cast<const wabt::CallExpr&>(e).var);
        const wabt::FuncSignature& sig = f->decl.sig;
        h += static_cast<int64_t>(sig.GetNumResults()) - sig.GetNumParams();
        break;
      }
      case ExprType::CallIndirect: {
        const auto& sig = SigOf(static_cast<const wabt::CallIndirectExpr&>(e).decl, m);
        h += static_cast<int64_t>(sig.GetNumResults()) - sig.GetNumParams() - 1;
        break;
      }
      case ExprType::Block: case ExprType::Loop: {
        const wabt::Block& b = e.type() == ExprType::Block
                                   ? static_cast<const wabt::BlockExpr&>(e).block
                                   : static_cast<const wabt::LoopExpr&>(e).block;
        const auto& sig = SigOf(b.decl, m);
        most = std::max(most, MaxOperands(b.exprs, h, m));
        h += static_cast<int64_t>(sig.GetNumResults()) - sig.GetNumParams();
        break;
      }
      case ExprType::If: {
        const auto& i = static_cast<const wabt::IfExpr&>(e);
        const auto& sig = SigOf(i.true_.decl, m);
        h -= 1;
        most = std::max({most, MaxOperands(i.true_.exprs, h, m), MaxOperands(i.false_, h, m)});
        h += static_cast<int64_t>(sig.GetNumResults()) - sig.GetNumParams();
        break;
      }
      case ExprType::Br: case ExprType::BrTable: case ExprType::Return:
      case ExprType::Unreachable:
        return most;
      default:  // unary, convert, load, local.tee, memory.grow, nop: one for one
        break;
    }
    most = std::max(most, h);
  }
  return most;
}

// Turns every `return` of `exprs` (nested `depth` labels inside the function's wrapper
// block) into a branch to the end of that block.
void ReturnsToBranches(wabt::ExprList& exprs, wabt::Index depth) {
  using wabt::ExprType;
  for (auto it = exprs.begin(); it != exprs.end(); ++it) {
    switch (it->type()) {
      case ExprType::Return:
        it = exprs.insert(it, std::make_unique<wabt::BrExpr>(wabt::Var(depth, wabt::Location())));
        it = std::prev(exprs.erase(std::next(it)));
        break;
      case ExprType::Block:
        ReturnsToBranches(static_cast<wabt::BlockExpr&>(*it).block.exprs, depth + 1);
        break;
      case ExprType::Loop:
        ReturnsToBranches(static_cast<wabt::LoopExpr&>(*it).block.exprs, depth + 1);
        break;
      case ExprType::If: {
        auto& i = static_cast<wabt::IfExpr&>(*it);
        ReturnsToBranches(i.true_.exprs, depth + 1);
        ReturnsToBranches(i.false_, depth + 1);
        break;
      }
      default:
        break;
    }
  }
}

// stack += delta (an i32 global).
void AddToStack(wabt::ExprList& list, wabt::ExprList::iterator pos, wabt::Index stack_global,
                uint32_t weight, bool subtract) {
  wabt::Location loc;
  list.insert(pos, std::make_unique<wabt::GlobalGetExpr>(wabt::Var(stack_global, loc)));
  list.insert(pos, std::make_unique<wabt::ConstExpr>(wabt::Const::I32(weight)));
  list.insert(pos, std::make_unique<wabt::BinaryExpr>(subtract ? wabt::Opcode::I32Sub
                                                                : wabt::Opcode::I32Add));
  list.insert(pos, std::make_unique<wabt::GlobalSetExpr>(wabt::Var(stack_global, loc)));
}

// Applies the stack rule to `func` (after metering): entry adds its weight and traps past
// kStackUnits, the body runs in a block of the function's results, the exit subtracts.
void GuardStack(wabt::Module& module, wabt::Func& func, wabt::Index stack_global) {
  const wabt::FuncSignature& sig = func.decl.sig;
  const int64_t operands = MaxOperands(func.exprs, 0, module) + 2;  // + the guard's own
  const int64_t weight64 = 2 + static_cast<int64_t>(sig.GetNumParams()) +
                           static_cast<int64_t>(func.local_types.size()) + operands;
  const auto weight = static_cast<uint32_t>(std::min<int64_t>(weight64, kStackUnits + 1));
  ReturnsToBranches(func.exprs, 0);
  auto wrapper = std::make_unique<wabt::BlockExpr>();
  wrapper->block.decl.sig.result_types = sig.result_types;
  if (sig.GetNumResults() > 1 &&
      module.GetFuncTypeIndex(wrapper->block.decl.sig) == wabt::kInvalidIndex) {
    auto type = std::make_unique<wabt::FuncType>();
    type->sig.result_types = sig.result_types;
    auto field = std::make_unique<wabt::TypeModuleField>();
    field->type = std::move(type);
    module.AppendField(std::move(field));
  }
  wrapper->block.exprs.splice(wrapper->block.exprs.end(), func.exprs);
  wabt::ExprList& body = func.exprs;
  AddToStack(body, body.end(), stack_global, weight, false);
  wabt::Location loc;
  body.push_back(std::make_unique<wabt::GlobalGetExpr>(wabt::Var(stack_global, loc)));
  body.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I32(kStackUnits)));
  body.push_back(std::make_unique<wabt::CompareExpr>(wabt::Opcode::I32GtU));
  auto trap = std::make_unique<wabt::IfExpr>();
  trap->true_.exprs.push_back(std::make_unique<wabt::UnreachableExpr>());
  body.push_back(std::move(trap));
  body.push_back(std::move(wrapper));
  AddToStack(body, body.end(), stack_global, weight, true);
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
  // Index of the injected gas global among the instance's globals; the stack rule's
  // counter follows it.
  uint32_t gas_global = 0;
  // The instrumented module: what both tiers run.
  std::vector<uint8_t> metered;

  ByteView instrumented_module() const override { return ByteView(metered.data(), metered.size()); }
  uint32_t gas_global_index() const override { return gas_global; }
  size_t import_count() const override { return imports.size(); }
  const std::shared_ptr<const AotModule>* aot() const override {
    return aot_ready_.load(std::memory_order_acquire) ? &aot_ : nullptr;
  }
  bool AttachAot(std::shared_ptr<const AotModule> module) const override {
    std::lock_guard<std::mutex> lock(aot_mu_);
    if (aot_ready_.load(std::memory_order_relaxed)) return false;
    aot_ = std::move(module);
    aot_ready_.store(true, std::memory_order_release);
    return true;
  }

 private:
  // Set once (AttachAot), then read without a lock by every VM thread.
  mutable std::mutex aot_mu_;
  mutable std::shared_ptr<const AotModule> aot_;
  mutable std::atomic<bool> aot_ready_{false};
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
    if (sig.param_types != WabtTypes(spec->params) ||
        sig.result_types != WabtTypes(spec->results)) {
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
  // The stack rule's counter: an i32 global after the gas counter.
  const auto stack_index = static_cast<wabt::Index>(gas_index + 1);
  {
    auto field = std::make_unique<wabt::GlobalModuleField>();
    field->global.type = wabt::Type::I32;
    field->global.mutable_ = true;
    field->global.init_expr.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I32(0)));
    module.AppendField(std::move(field));
  }
  for (size_t i = module.num_func_imports; i < module.funcs.size(); ++i) {
    Meter(module.funcs[i]->exprs, gas_index);
    GuardStack(module, *module.funcs[i], stack_index);
  }
  prepared->gas_global = gas_index;

  wabt::MemoryStream stream;
  wabt::WriteBinaryOptions write_options(features, true, false, false);
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, &module, write_options))) {
    return Status::Internal("could not write the instrumented contract");
  }
  prepared->metered = stream.output_buffer().data;
  const std::vector<uint8_t>& metered = prepared->metered;
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
        stack_(store.UnsafeGet<interp::Global>(instance_->globals()[contract.gas_global + 1])),
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
  // The stack rule's counter.
  uint32_t stack_units() const { return stack_->UnsafeGet<uint32_t>(); }
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
  interp::Global::Ptr stack_;
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
      interp::FuncType type(WabtTypes(spec.params), WabtTypes(spec.results));
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
      compiled.clear();
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
    compiled.clear();
    instance_bytes = 0;
  }

  // A host function called by the interpreter: the shared implementation (host_abi.h)
  // over the interpreter's memory and gas global.
  wabt::Result HostCall(HostFn fn, const interp::Values& params, interp::Values& results,
                        interp::Trap::Ptr* out_trap) {
    const HostFnSpec& spec = HostAbi()[static_cast<size_t>(fn)];
    uint64_t args[4] = {};
    for (size_t i = 0; i < params.size() && i < 4; ++i) {
      args[i] = spec.params[i] == HostValType::kI64 ? params[i].Get<uint64_t>()
                                                    : params[i].Get<uint32_t>();
    }
    uint64_t result = 0;
    int64_t gas = active_gas->UnsafeGet<int64_t>();
    const bool ok = active_host->Call(fn, args, &result, active_memory->UnsafeData(),
                                      active_memory->ByteSize(), gas);
    active_gas->UnsafeSet(interp::Value::Make(gas));
    if (!ok) {
      *out_trap = interp::Trap::New(store, active_host->stop_message());
      return wabt::Result::Error;
    }
    if (!results.empty()) {
      results[0] = spec.results[0] == HostValType::kI64
                       ? interp::Value::Make(result)
                       : interp::Value::Make(static_cast<uint32_t>(result));
    }
    return wabt::Result::Ok;
  }

  // Runs `entry` on the interpreter; sets the outcome's kind and message on a trap.
  void CallInterpreted(const PreparedContractImpl& contract, size_t entry, int64_t gas_limit,
                       HostCalls& host, CallOutcome& outcome, int64_t* gas_left);
  // Runs `entry` on the compiled module, the same way.
  void CallCompiled(const PreparedContractImpl& contract,
                    const std::shared_ptr<const AotModule>& aot, size_t entry,
                    int64_t gas_limit, HostCalls& host, CallOutcome& outcome,
                    int64_t* gas_left);
  // Flushes this VM's per-tier call counts into the process-wide ones.
  void FlushCounts();

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
  // The call in progress (interpreter tier), for HostCall.
  HostCalls* active_host = nullptr;
  interp::Memory* active_memory = nullptr;
  interp::Global* active_gas = nullptr;
  uint32_t calls_since_collect = 0;
  VmTier tier = VmTier::kAuto;
  // Compiled instances, one per contract run on the AOT tier (kept like the
  // interpreter's: reset after each call, re-created after a call that grew the memory).
  std::unordered_map<Hash32, std::unique_ptr<AotInstance>, Hash32Hasher> compiled;
  uint64_t interpreted_calls = 0;  // not yet flushed to TierCalls()
  uint64_t compiled_calls = 0;
};

namespace {

// The process-wide per-tier call counts (TierCalls), flushed by each VM in batches.
std::atomic<uint64_t> g_interpreted_calls{0};
std::atomic<uint64_t> g_compiled_calls{0};
constexpr uint64_t kFlushCountsEvery = 256;

// The message of a WebAssembly trap, the same in both tiers (docs/execution.md,
// "Contract tiers"): the interpreter's message without its details (addresses), mapped
// onto the kinds wasm2c's runtime can tell apart.
std::string CanonicalTrap(std::string_view message) {
  auto starts = [&](std::string_view p) { return message.substr(0, p.size()) == p; };
  if (starts("unreachable")) return std::string(kTrapUnreachable);
  if (starts("integer divide by zero")) return std::string(kTrapDivideByZero);
  if (starts("integer overflow")) return std::string(kTrapIntegerOverflow);
  if (starts("out of bounds memory access")) return std::string(kTrapMemoryBounds);
  if (starts("undefined table index") || starts("uninitialized table element") ||
      starts("indirect call signature mismatch") || starts("out of bounds table access")) {
    return std::string(kTrapIndirectCall);
  }
  if (starts("call stack exhausted") || starts("value stack exhausted")) {
    return std::string(kTrapStackExhausted);
  }
  return std::string(message);
}

}  // namespace

TierCallCounts TierCalls() {
  return TierCallCounts{g_interpreted_calls.load(std::memory_order_relaxed),
                        g_compiled_calls.load(std::memory_order_relaxed)};
}

void ContractVm::Impl::FlushCounts() {
  g_interpreted_calls.fetch_add(interpreted_calls, std::memory_order_relaxed);
  g_compiled_calls.fetch_add(compiled_calls, std::memory_order_relaxed);
  interpreted_calls = 0;
  compiled_calls = 0;
}

ContractVm::ContractVm(const VmLimits& limits, VmTier tier)
    : impl_(std::make_unique<Impl>(limits)) {
  impl_->tier = tier;
}

ContractVm::~ContractVm() { impl_->FlushCounts(); }

void ContractVm::Impl::CallInterpreted(const PreparedContractImpl& contract, size_t entry,
                                       int64_t gas_limit, HostCalls& host,
                                       CallOutcome& outcome, int64_t* gas_left) {
  Loaded& loaded_contract = Load(contract);
  interp::Trap::Ptr trap;
  ReusedInstance* instance = Instance(contract, loaded_contract, &trap);
  if (instance == nullptr) {
    outcome.kind = CallOutcome::Kind::kTrapped;
    outcome.message = std::string(kTrapInstantiation);
    *gas_left = gas_limit;
    return;
  }
  instance->gas().UnsafeSet(interp::Value::Make(gas_limit));
  active_host = &host;
  active_memory = &instance->memory();
  active_gas = &instance->gas();
  interp::Values results;
  const wabt::Result r = instance->entry(entry).Call(*thread, {}, results, &trap);
  if (wabt::Failed(r)) thread = std::make_unique<interp::Thread>(store);
  *gas_left = instance->gas().UnsafeGet<int64_t>();
  if (wabt::Failed(r)) {
    outcome.kind = CallOutcome::Kind::kTrapped;
    outcome.message = instance->stack_units() > kStackUnits
                          ? std::string(kTrapStackExhausted)
                          : CanonicalTrap(trap ? trap->message() : "trap");
  }
  active_host = nullptr;
  active_memory = nullptr;
  active_gas = nullptr;
  Reset(loaded_contract);
  if (++calls_since_collect >= kCollectEvery) {
    calls_since_collect = 0;
    store.Collect();
  }
}

void ContractVm::Impl::CallCompiled(const PreparedContractImpl& contract,
                                    const std::shared_ptr<const AotModule>& aot, size_t entry,
                                    int64_t gas_limit, HostCalls& host, CallOutcome& outcome,
                                    int64_t* gas_left) {
  std::unique_ptr<AotInstance>& slot = compiled[contract.code_hash()];
  if (!slot) {
    slot = AotInstance::New(aot);
    if (!slot) {
      outcome.kind = CallOutcome::Kind::kTrapped;
      outcome.message = std::string(kTrapInstantiation);
      *gas_left = gas_limit;
      compiled.erase(contract.code_hash());
      return;
    }
    if (instance_bytes + slot->bytes() > kMaxInstanceBytes) {
      std::unique_ptr<AotInstance> keep = std::move(slot);
      DropInstances();
      instance_bytes += keep->bytes();
      compiled[contract.code_hash()] = std::move(keep);
    } else {
      instance_bytes += slot->bytes();
    }
  }
  AotInstance& instance = *compiled[contract.code_hash()];
  *gas_left = gas_limit;
  uint32_t stack_units = 0;
  const AotTrap trap = instance.Call(static_cast<uint32_t>(entry), host, gas_left, &stack_units);
  if (trap != AotTrap::kNone) {
    outcome.kind = CallOutcome::Kind::kTrapped;
    outcome.message = stack_units > kStackUnits ? std::string(kTrapStackExhausted)
                                                : std::string(AotTrapMessage(trap));
  }
  if (!instance.Reset()) {
    instance_bytes -= instance.bytes();
    compiled.erase(contract.code_hash());
  }
}

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
  const auto gas_limit =
      static_cast<int64_t>(std::min<uint64_t>(context.gas_limit, gas::kMaxGasLimit));
  const auto entry_index = static_cast<size_t>(entry - entries.begin());

  HostCalls host(context, state, vm.limits, outcome);
  int64_t left = 0;
  const std::shared_ptr<const AotModule>* aot =
      vm.tier == VmTier::kAuto ? contract.aot() : nullptr;
  if (aot != nullptr) {
    vm.CallCompiled(contract, *aot, entry_index, gas_limit, host, outcome, &left);
    ++vm.compiled_calls;
  } else {
    vm.CallInterpreted(contract, entry_index, gas_limit, host, outcome, &left);
    ++vm.interpreted_calls;
  }
  if (vm.interpreted_calls + vm.compiled_calls >= kFlushCountsEvery) vm.FlushCounts();

  // The outcome from the host's stop (if any), the gas left and the trap, in this order.
  const HostStop stop = host.stop();
  if (outcome.kind == CallOutcome::Kind::kOk) {
    // returned normally
  } else if (stop == HostStop::kBlocked) {
    outcome.kind = CallOutcome::Kind::kBlocked;
  } else if (stop == HostStop::kOutOfGas || left < 0) {
    outcome.kind = CallOutcome::Kind::kOutOfGas;
    outcome.message = "out of gas";
  } else if (stop == HostStop::kRevert) {
    outcome.kind = CallOutcome::Kind::kReverted;
    outcome.message = host.stop_message();
  } else if (stop == HostStop::kHostError) {
    outcome.message = host.stop_message();
  }
  outcome.gas_used = outcome.kind == CallOutcome::Kind::kOutOfGas
                         ? static_cast<uint64_t>(gas_limit)
                         : static_cast<uint64_t>(gas_limit - std::max<int64_t>(left, 0));
  if (outcome.kind != CallOutcome::Kind::kOk) {
    outcome.events.clear();
    if (outcome.kind != CallOutcome::Kind::kReverted) outcome.return_data.clear();
  }
  return outcome;
}

}  // namespace chainaccel::exec
