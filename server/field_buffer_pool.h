// FieldBufferPool: the storage of large request fields, kept from request to request.
//
// A million-signature request carries 32-64 MB in each of its bytes fields. Parsed the
// plain way, every such field lands in memory the daemon maps anew (blocks of 128 KiB and
// more are mapped on their own, server/memory_trimmer.h), and protobuf grows a field
// past 50 MB by doubling, copying it again: for a 1M-item Ed25519 request about 210 MB of
// fresh pages a request, each faulted in, zeroed and charged by the kernel. The pool
// hands such fields buffers that earlier requests already faulted in (server/
// pooled_fields.h), and takes them back when the call ends.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "core/mutex.h"
#include "core/thread_annotations.h"

namespace chainaccel::server {

class FieldBufferPool {
 public:
  using Clock = std::chrono::steady_clock;

  // Keeps at most `max_bytes` of buffers (their capacity) between requests.
  // `on_kept_bytes`, when set, is told the bytes kept whenever they change (with the
  // pool's lock held: it must not call the pool).
  explicit FieldBufferPool(size_t max_bytes, std::function<void(size_t)> on_kept_bytes = {})
      : max_bytes_(max_bytes), on_kept_bytes_(std::move(on_kept_bytes)) {}

  FieldBufferPool(const FieldBufferPool&) = delete;
  FieldBufferPool& operator=(const FieldBufferPool&) = delete;

  // An empty string whose capacity is at least `size`: the smallest kept buffer that
  // holds `size` without wasting more than its own size again, else a new one.
  std::string Take(size_t size) CHAINACCEL_EXCLUDES(mu_);

  // Keeps `buffer` (emptied) for a later Take. The oldest kept buffers are freed first
  // when it would not fit within max_bytes otherwise; a buffer larger than max_bytes is
  // freed at once.
  void Give(std::string buffer) CHAINACCEL_EXCLUDES(mu_);

  // Frees the buffers that have been kept without being taken for `age` or longer
  // (the memory trimmer calls this on every tick). Returns the bytes freed.
  size_t FreeUnusedFor(Clock::duration age) CHAINACCEL_EXCLUDES(mu_);

  // The capacity of the buffers kept now.
  size_t kept_bytes() const CHAINACCEL_EXCLUDES(mu_);

 private:
  struct Kept {
    std::string buffer;
    Clock::time_point since;
  };

  // Sets kept_bytes_ and tells on_kept_bytes_.
  void SetKeptBytes(size_t bytes) CHAINACCEL_REQUIRES(mu_);

  const size_t max_bytes_;
  const std::function<void(size_t)> on_kept_bytes_;
  mutable Mutex mu_;
  std::multimap<size_t, Kept> kept_ CHAINACCEL_GUARDED_BY(mu_);  // by capacity
  size_t kept_bytes_ CHAINACCEL_GUARDED_BY(mu_) = 0;
};

}  // namespace chainaccel::server
