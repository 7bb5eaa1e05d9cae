// SignatureBatch: a verification batch for tests that owns its bytes, built item by item
// and viewed as a SignatureVerifyTask of any configuration.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tests/support/signature_cases.h"
#include "core/task.h"

namespace chainaccel::testing {

struct SignatureBatch {
  std::vector<uint8_t> messages, keys, signatures;
  std::vector<uint64_t> message_offsets{0}, key_offsets{0}, signature_offsets{0};
  std::vector<std::string> what;  // how each item was made, for failure messages

  void Add(ByteView message, ByteView key, ByteView signature, std::string why) {
    messages.insert(messages.end(), message.begin(), message.end());
    message_offsets.push_back(messages.size());
    keys.insert(keys.end(), key.begin(), key.end());
    key_offsets.push_back(keys.size());
    signatures.insert(signatures.end(), signature.begin(), signature.end());
    signature_offsets.push_back(signatures.size());
    what.push_back(std::move(why));
  }

  size_t size() const { return what.size(); }

  // A view of the batch; the task points into this object, so keep it put.
  SignatureVerifyTask Task(const SignatureConfig& config, ItemStatus* status = nullptr) const {
    SignatureVerifyTask t;
    t.scheme = config.scheme;
    t.pre_hash = config.pre_hash;
    t.encoding = config.encoding;
    t.allow_high_s = config.allow_high_s;
    t.messages = PackedItems::Variable(messages, message_offsets);
    t.public_keys = PackedItems::Variable(keys, key_offsets);
    t.signatures = PackedItems::Variable(signatures, signature_offsets);
    t.status = status;
    return t;
  }
};

}  // namespace chainaccel::testing
