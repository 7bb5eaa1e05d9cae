// Limits: the bounds the daemon enforces on every request.
#pragma once

#include <cstddef>
#include <cstdint>

namespace chainaccel::server {

struct Limits {
  // Largest request or response message, in bytes (gRPC's receive/send limits).
  // gRPC's own default is 4 MiB; batches of a million items need far more.
  size_t max_message_bytes = 512u << 20;
  // Most items (messages, leaves, signatures, proofs) in one batch.
  size_t max_batch_items = 1u << 24;
  // Most requests served at once; more get RESOURCE_EXHAUSTED.
  size_t max_inflight_requests = 4096;
  // Most requests of one client (one peer host) served at once, so that one client
  // cannot take all of max_inflight_requests; 0: no such limit.
  size_t max_inflight_per_client = 0;
};

}  // namespace chainaccel::server
