#include "execution/state_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/write_batch.h>

#include <cstring>

namespace chainaccel::exec {
namespace {

constexpr std::string_view kHeightKey = "m:height";
constexpr std::string_view kRootKey = "m:root";

std::string BigEndian64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (56 - 8 * i));
  return s;
}

uint64_t ParseBigEndian64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

std::string Prefixed(char prefix, std::string_view rest) {
  std::string k(1, prefix);
  k += rest;
  return k;
}

std::string_view View(const Hash32& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

// Undo log: for each written key, u32 key length, key, one byte (1 = had a value),
// then (if 1) u32 value length and the old value. Lengths big-endian.
void PutLen(std::string& out, size_t n) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(n >> (8 * i)));
}

bool GetLen(std::string_view& in, size_t* n) {
  if (in.size() < 4) return false;
  *n = 0;
  for (int i = 0; i < 4; ++i) *n = (*n << 8) | static_cast<uint8_t>(in[i]);
  in.remove_prefix(4);
  return in.size() >= *n;
}

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  return Status::Internal(std::string(what) + ": " + s.ToString());
}

}  // namespace

StateStore::~StateStore() = default;

Status StateStore::Open(const std::string& path, std::unique_ptr<StateStore>* out) {
  rocksdb::Options options;
  options.create_if_missing = true;
  // A block's state writes reach RocksDB sorted by key ('s' || state key): with an
  // insertion hint per one-byte prefix the memtable inserts each after the previous one
  // instead of searching the skip list from the top.
  options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) return FromRocks(s, "open state database " + path);
  std::unique_ptr<StateStore> store(new StateStore());
  store->db_.reset(raw);

  std::string v;
  s = store->db_->Get(rocksdb::ReadOptions(), std::string(kHeightKey), &v);
  if (s.ok()) {
    store->height_ = ParseBigEndian64(v);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "read height");
  }
  s = store->db_->Get(rocksdb::ReadOptions(), std::string(kRootKey), &v);
  if (s.ok() && v.size() == 32) {
    std::memcpy(store->root_.data(), v.data(), 32);
  } else if (s.IsNotFound()) {
    // No block yet: the root of the empty state, SHA-256 of nothing (docs/execution.md
    // "State root"), which block 1's parent_state_root names.
    static constexpr uint8_t kEmptyStateRoot[32] = {
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
        0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
    std::memcpy(store->root_.data(), kEmptyStateRoot, 32);
  } else if (s.ok()) {
    return Status::Internal("state database " + path + ": the committed root is " +
                            std::to_string(v.size()) + " bytes, not 32");
  } else {
    return FromRocks(s, "read root");
  }

  std::unique_ptr<rocksdb::Iterator> it(store->db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("s"); it->Valid() && it->key().starts_with("s"); it->Next()) {
    std::string_view key(it->key().data() + 1, it->key().size() - 1);
    const std::string value = it->value().ToString();
    store->SetInMirror(std::string(key), &value);
  }
  for (it->Seek("c"); it->Valid() && it->key().starts_with("c"); it->Next()) {
    if (it->key().size() != 33 || it->value().size() != 32) continue;
    Hash32 address, code;
    std::memcpy(address.data(), it->key().data() + 1, 32);
    std::memcpy(code.data(), it->value().data(), 32);
    store->contracts_[address] = code;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "load state");
  *out = std::move(store);
  return Status::Ok();
}

bool StateStore::Get(std::string_view key, std::string* value) const {
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  *value = *it->second;
  return true;
}

void StateStore::SetInMirror(const std::string& key, const std::string* value) {
  if (value == nullptr) {
    auto it = state_.find(key);
    if (it == state_.end()) return;
    index_.erase(std::string_view(it->first));
    state_.erase(it);
    return;
  }
  auto [it, inserted] = state_.insert_or_assign(key, *value);
  if (inserted) index_.emplace(std::string_view(it->first), &it->second);
}

Status StateStore::GetAt(std::string_view key, uint64_t height,
                         std::optional<std::string>* value) const {
  if (height > height_ || height_ - height > kHistory) {
    return Status{Status::Code::kNotFound,
                  "height " + std::to_string(height) + " is outside the kept history [" +
                      std::to_string(height_ > kHistory ? height_ - kHistory : 0) + ", " +
                      std::to_string(height_) + "]"};
  }
  std::string current;
  if (Get(key, &current)) {
    *value = current;
  } else {
    value->reset();
  }
  // Undo blocks height_, height_ - 1, ..., height + 1.
  for (uint64_t h = height_; h > height; --h) {
    std::string log;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Prefixed('u', BigEndian64(h)), &log);
    if (s.IsNotFound()) continue;  // a block that wrote nothing
    if (!s.ok()) return FromRocks(s, "read undo log");
    std::string_view in = log;
    while (!in.empty()) {
      size_t n = 0;
      if (!GetLen(in, &n)) return Status::Internal("corrupt undo log");
      std::string_view k = in.substr(0, n);
      in.remove_prefix(n);
      if (in.empty()) return Status::Internal("corrupt undo log");
      const bool had = in[0] == 1;
      in.remove_prefix(1);
      std::string_view old;
      if (had) {
        if (!GetLen(in, &n)) return Status::Internal("corrupt undo log");
        old = in.substr(0, n);
        in.remove_prefix(n);
      }
      if (k == key) {
        if (had) {
          *value = std::string(old);
        } else {
          value->reset();
        }
      }
    }
  }
  return Status::Ok();
}

Status StateStore::PutContract(const Hash32& address, const Hash32& code_hash,
                               std::string_view wasm) {
  rocksdb::WriteBatch batch;
  batch.Put(Prefixed('w', View(code_hash)), rocksdb::Slice(wasm.data(), wasm.size()));
  batch.Put(Prefixed('c', View(address)), rocksdb::Slice(View(code_hash).data(), 32));
  rocksdb::WriteOptions options;
  options.sync = true;
  Status st = FromRocks(db_->Write(options, &batch), "write contract");
  if (st.ok()) contracts_[address] = code_hash;
  return st;
}

bool StateStore::GetContract(const Hash32& address, Hash32* code_hash) const {
  auto it = contracts_.find(address);
  if (it == contracts_.end()) return false;
  *code_hash = it->second;
  return true;
}

Status StateStore::GetCode(const Hash32& code_hash, std::string* wasm) const {
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Prefixed('w', View(code_hash)), wasm);
  if (s.IsNotFound()) return Status{Status::Code::kNotFound, "no code with that hash"};
  return FromRocks(s, "read code");
}

Status StateStore::Commit(uint64_t height, const WriteSet& writes, const Hash32& root) {
  Status s = Persist(height, writes, root);
  if (s.ok()) Apply(height, writes, root);
  return s;
}

Status StateStore::Persist(uint64_t height, const WriteSet& writes, const Hash32& root) {
  if (height != height_ + 1) {
    return Status::FailedPrecondition("commit of height " + std::to_string(height) +
                                      " on top of height " + std::to_string(height_));
  }
  rocksdb::WriteBatch batch;
  std::string undo;
  for (const auto& [key, value] : writes) {
    PutLen(undo, key.size());
    undo += key;
    auto it = index_.find(key);
    if (it == index_.end()) {
      undo.push_back(0);
    } else {
      undo.push_back(1);
      PutLen(undo, it->second->size());
      undo += *it->second;
    }
    if (value) {
      batch.Put(Prefixed('s', key), *value);
    } else {
      batch.Delete(Prefixed('s', key));
    }
  }
  if (!undo.empty()) batch.Put(Prefixed('u', BigEndian64(height)), undo);
  // One undo log more than reads need: GetAt at the oldest readable height, running
  // beside this write (before Apply), still finds every log it undoes.
  if (height > kHistory + 1) batch.Delete(Prefixed('u', BigEndian64(height - kHistory - 1)));
  batch.Put(std::string(kHeightKey), BigEndian64(height));
  batch.Put(std::string(kRootKey), rocksdb::Slice(View(root).data(), 32));
  rocksdb::WriteOptions options;
  options.sync = true;
  return FromRocks(db_->Write(options, &batch), "commit block");
}

void StateStore::Apply(uint64_t height, const WriteSet& writes, const Hash32& root) {
  for (const auto& [key, value] : writes) SetInMirror(key, value ? &*value : nullptr);
  height_ = height;
  root_ = root;
}

}  // namespace chainaccel::exec
