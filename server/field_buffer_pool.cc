#include "server/field_buffer_pool.h"

#include <utility>
#include <vector>

namespace chainaccel::server {

std::string FieldBufferPool::Take(size_t size) {
  std::string buffer;
  {
    MutexLock lock(mu_);
    auto it = kept_.lower_bound(size);
    // A buffer more than twice the size would sit idle in a small request while a large
    // one beside it maps memory of its own.
    if (it != kept_.end() && it->first / 2 <= size) {
      buffer = std::move(it->second.buffer);
      SetKeptBytes(kept_bytes_ - it->first);
      kept_.erase(it);
    }
  }
  buffer.clear();
  buffer.reserve(size);
  return buffer;
}

void FieldBufferPool::Give(std::string buffer) {
  const size_t capacity = buffer.capacity();
  if (capacity > max_bytes_) return;  // freed here, outside the lock
  std::vector<std::string> evicted;   // freed after the lock is dropped
  {
    MutexLock lock(mu_);
    while (kept_bytes_ + capacity > max_bytes_) {
      auto oldest = kept_.begin();
      for (auto it = kept_.begin(); it != kept_.end(); ++it) {
        if (it->second.since < oldest->second.since) oldest = it;
      }
      SetKeptBytes(kept_bytes_ - oldest->first);
      evicted.push_back(std::move(oldest->second.buffer));
      kept_.erase(oldest);
    }
    buffer.clear();
    kept_.emplace(capacity, Kept{std::move(buffer), Clock::now()});
    SetKeptBytes(kept_bytes_ + capacity);
  }
}

size_t FieldBufferPool::FreeUnusedFor(Clock::duration age) {
  const Clock::time_point before = Clock::now() - age;
  std::vector<std::string> freed;
  size_t bytes = 0;
  {
    MutexLock lock(mu_);
    for (auto it = kept_.begin(); it != kept_.end();) {
      if (it->second.since > before) {
        ++it;
        continue;
      }
      bytes += it->first;
      freed.push_back(std::move(it->second.buffer));
      it = kept_.erase(it);
    }
    SetKeptBytes(kept_bytes_ - bytes);
  }
  return bytes;
}

void FieldBufferPool::SetKeptBytes(size_t bytes) {
  kept_bytes_ = bytes;
  if (on_kept_bytes_) on_kept_bytes_(bytes);
}

size_t FieldBufferPool::kept_bytes() const {
  MutexLock lock(mu_);
  return kept_bytes_;
}

}  // namespace chainaccel::server
