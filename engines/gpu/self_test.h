// The GPU engine's known-answer test of a device (GpuEngine::Create runs it, and
// GpuEngine::SelfTest runs it again to bring an unhealthy engine back).
#pragma once

#include "core/status.h"
#include "engines/gpu/gpu_device.h"

namespace chainaccel {

// SHA-256, SHA-256d and Keccak-256 of fixed and variable batches ("", "abc", the 56-byte
// NIST message) through the device's own lanes (HashOperator), compared with the
// published digests; ECDSA secp256k1 recovery and verification of a known answer
// (libsecp256k1's), BIP-340 verification of its test vector 17 (a 17-byte message) and,
// with GpuOptions::ed25519, Ed25519 verification of RFC 8032's first test
// (SignatureOperator); and a 64x64 cuBLAS SGEMM on lane 0 compared with a CPU
// loop (cuBLAS is dlopen'ed: self_test.cc says why). Returns OK when everything
// matches, FAILED_PRECONDITION for a wrong result (or the CUDA error, or UNAVAILABLE
// without libcublas). Touches neither health nor fault counts: the caller does.
// Runs on `batch`'s lanes; the batch is a self-test (GpuDevice::BatchKind::kSelfTest, so
// that its chunks are not offered to the hooks).
Status RunSelfTest(GpuDevice::Batch& batch);

}  // namespace chainaccel
