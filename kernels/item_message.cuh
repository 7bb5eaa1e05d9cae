// Item i's message as the BIP-340 and Ed25519 kernels take messages: the 32 bytes at
// digests + 32 i when digests is not null (a pre-hash computed on the device), else bytes
// [offsets[i], offsets[i + 1]) of the packed messages (kernels/hash_launch.h's layout).
#pragma once

#include <cstdint>

#include "kernels/host_device.h"

namespace chainaccel::kernels {

struct ItemMessage {
  const uint8_t* data;
  uint64_t size;
};

CHAINACCEL_HD ItemMessage MessageOfItem(const uint8_t* messages, const uint64_t* offsets,
                                        const uint8_t* digests, uint64_t i) {
  if (digests != nullptr) return ItemMessage{digests + 32 * i, 32};
  return ItemMessage{messages + offsets[i], offsets[i + 1] - offsets[i]};
}

}  // namespace chainaccel::kernels
