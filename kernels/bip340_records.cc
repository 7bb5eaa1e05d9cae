#include "kernels/bip340_records.h"

#include <cstring>

#include "kernels/bip340.cuh"

namespace chainaccel::kernels {

void StageBip340Record(const SignatureVerifyTask& task, size_t i, uint8_t* record) {
  std::memset(record, 0, kBip340RecordBytes);
  uint8_t flags = 0;
  const ByteView key = task.public_keys[i];
  if (key.size() == 32) {
    std::memcpy(record + kBip340KeyOffset, key.data(), 32);
  } else {
    flags |= kBip340FlagBadKeySize;
  }
  const ByteView signature = task.signatures[i];
  if (signature.size() == 64) {
    std::memcpy(record + kBip340ROffset, signature.data(), 64);  // r || s
  } else {
    flags |= kBip340FlagBadSignatureSize;
  }
  record[kBip340FlagsOffset] = flags;
}

}  // namespace chainaccel::kernels
