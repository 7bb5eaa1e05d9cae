// Decoding and validation of untrusted request fields into engine-layer views.
//
// Every function checks structure only (packing, counts, limits, enum ranges) and
// returns INVALID_ARGUMENT naming the field (and the item index where one is at fault)
// or RESOURCE_EXHAUSTED for limits. Per-item content (a key of the wrong length, a
// signature that does not parse) is left to the engine, which reports it per item.
// The views point into the request message, which must outlive them.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "chainaccel/v1/common.pb.h"
#include "chainaccel/v1/hash.pb.h"
#include "chainaccel/v1/merkle.pb.h"
#include "chainaccel/v1/signature.pb.h"
#include "engines/scheduler/scheduler.h"
#include "core/status.h"
#include "core/task.h"
#include "server/limits.h"

namespace chainaccel::server {

// The bytes of a bytes field, as a view into the message.
ByteView AsBytes(const std::string& s);

// A ByteBatch as PackedItems. `field` names it in messages ("messages").
Status DecodeByteBatch(const v1::ByteBatch& batch, std::string_view field, const Limits& limits,
                       PackedItems* out);

// n fixed-size items of a plain bytes field (e.g. 32-byte leaves).
Status DecodeFixed(const std::string& bytes, size_t item_size, std::string_view field,
                   const Limits& limits, PackedItems* out);

Status DecodePlacement(v1::Placement placement, Placement* out);
// INVALID_ARGUMENT "priority: unknown value N" for values outside the enum.
Status DecodePriority(v1::Priority priority, Priority* out);

// Makes a response's bytes field `size` zero bytes (BatchCall: in the call's kept
// buffers when large); empty: a plain resize.
using SizeBytesField = std::function<void(std::string* field, size_t size)>;

// The request as a task whose outputs point into *response (sized here, by `size_bytes`).
Status DecodeHashRequest(const v1::HashRequest& request, const Limits& limits,
                         v1::HashResponse* response, HashTask* task,
                         const SizeBytesField& size_bytes = {});
Status DecodeBuildTreeRequest(const v1::BuildTreeRequest& request, const Limits& limits,
                              MerkleBuildTask* task);
// Statuses go to `statuses` (resized here; the caller copies them into the response).
Status DecodeVerifyProofsRequest(const v1::VerifyProofsRequest& request, const Limits& limits,
                                 std::vector<ItemStatus>* statuses, MerkleVerifyTask* task);
Status DecodeVerifyRequest(const v1::VerifyRequest& request, const Limits& limits,
                           std::vector<ItemStatus>* statuses, SignatureVerifyTask* task);
// Keys and addresses go into *response (sized here, by `size_bytes`).
Status DecodeRecoverRequest(const v1::RecoverRequest& request, const Limits& limits,
                            v1::RecoverResponse* response, std::vector<ItemStatus>* statuses,
                            SignatureRecoverTask* task, const SizeBytesField& size_bytes = {});

// Writes statuses into a repeated ItemStatus field, returns the number of ITEM_OK.
uint64_t EncodeItemStatuses(const std::vector<ItemStatus>& statuses,
                            google::protobuf::RepeatedField<int>* out);

}  // namespace chainaccel::server
