// BIP-340 items for the differential tests of the GPU's Schnorr verification (kernel and
// engine): valid signatures over messages of many lengths, signatures with one bit
// flipped, and adversarial encodings. Made with libsecp256k1 from the test's generator (a
// printed seed reproduces them). No expected status is attached: the tests compare the
// GPU with the CPU engine's VerifySchnorrBip340 (crypto/signatures.h), called directly.
#pragma once

#include <cstddef>
#include <random>

#include "tests/support/signature_batch.h"

namespace chainaccel::testing {

// `count` valid signatures; the message lengths cycle through 0, 1, 32, 33, 64 and a
// random length in [100, 300].
void AddBip340ValidCases(std::mt19937_64& rng, size_t count, SignatureBatch* batch);

// `count` signatures with one bit flipped, in turn in r, in s, in the key and in the
// message (a message of one byte at least).
void AddBip340CorruptedCases(std::mt19937_64& rng, size_t count, SignatureBatch* batch);

// The fixed adversarial encodings, around one valid signature: keys with x = 0, p, p + 1,
// 2^256 - 1 or off the curve, and of 0, 31 or 33 bytes; r = 0, p, p + 1, 2^256 - 1 or
// not an x on the curve; s = 0, n - 1, n, n + 1, 2^256 - 1; all-zero and all-0xff
// signatures; signatures of 0, 63 and 65 bytes; a bad key with a bad signature (x too
// large, and x off the curve); s making R = s G - e P the point with abscissa r and the
// odd y, or infinity (SchnorrWithWrongR); the message emptied. kBip340AdversarialCount
// items.
inline constexpr size_t kBip340AdversarialCount = 30;
void AddBip340AdversarialCases(std::mt19937_64& rng, SignatureBatch* batch);

// `count` items: the adversarial ones first when count >= kBip340AdversarialCount, then
// the rest half valid, half corrupted.
SignatureBatch MixedBip340Batch(std::mt19937_64& rng, size_t count);

}  // namespace chainaccel::testing
