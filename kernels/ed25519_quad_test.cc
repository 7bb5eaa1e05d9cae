// Tests of kernels/ed25519_quad.cuh (and kernels/quad_u256.cuh): on the host, the quad
// point operations give exactly the one-thread functions' coordinates (EdDouble,
// EdAddCached, EdToCached), and the quad ladder the one-thread ladder's point, on random
// points and scalars and edge scalars; on the device ([device][quad], through
// kernels/testing/field_chain_launch.h's LaunchEdLadder), both layouts' ladders against the
// host's, for batches of 1 to 1,025 points.
#include "kernels/ed25519_quad.cuh"

#include <catch2/catch.hpp>

#include <cuda_runtime_api.h>

#include <cstring>
#include <vector>

#include "kernels/testing/device_buffer.h"
#include "kernels/testing/field_chain_launch.h"
#include "tests/support/random.h"

namespace chainaccel::kernels {
namespace {

bool SameCoordinates(const EdPoint& a, const EdPoint& b) {
  return U256Equal(a.x, b.x) && U256Equal(a.y, b.y) && U256Equal(a.z, b.z) &&
         U256Equal(a.t, b.t);
}

U256 RandomScalar(std::mt19937_64& rng, uint32_t top_mask) {
  U256 s;
  for (auto& w : s.w) w = static_cast<uint32_t>(rng());
  s.w[7] &= top_mask;
  return s;
}

// Random points: multiples of B by the one-thread ladder.
std::vector<EdPoint> RandomPoints(std::mt19937_64& rng, int count) {
  EdCached base_multiples[kEdVariableWindowMultiples];
  EdCachedMultiples(Ed25519Base(), base_multiples);
  std::vector<EdPoint> points;
  for (int i = 0; i < count; ++i) {
    points.push_back(EdWindowedMul(RandomScalar(rng, 0x0FFFFFFF), base_multiples));
  }
  return points;
}

TEST_CASE("Quad Ed25519 doubling, cached addition and caching equal the one-thread ones",
          "[ed25519][quad]") {
  auto rng = testing::MakeRng("ed25519 quad operations");
  const std::vector<EdPoint> points = RandomPoints(rng, 40);
  for (size_t i = 0; i + 1 < points.size(); ++i) {
    const EdPoint& p = points[i];
    const EdPoint& q = points[i + 1];
    INFO("point " << i);
    CHECK(SameCoordinates(EdQuadToPoint(EdQuadDouble(EdQuadFromPoint(p))), EdDouble(p)));
    const EdCached cached = EdToCached(q);
    const EdQuadCached quad_cached = EdQuadToCached(EdQuadFromPoint(q));
    const EdPoint as_point{quad::Broadcast(quad_cached, 0), quad::Broadcast(quad_cached, 1),
                           quad::Broadcast(quad_cached, 2), quad::Broadcast(quad_cached, 3)};
    CHECK(U256Equal(as_point.x, cached.y_plus_x));
    CHECK(U256Equal(as_point.y, cached.y_minus_x));
    CHECK(U256Equal(as_point.z, cached.t2d));
    CHECK(U256Equal(as_point.t, cached.z2));
    for (bool negate : {false, true}) {
      CHECK(SameCoordinates(
          EdQuadToPoint(EdQuadAddCached(EdQuadFromPoint(p), quad_cached, negate)),
          EdAddCached(p, cached, negate)));
    }
  }
  // The identity and a point added to its negation (the complete formulas' edge cases).
  const EdPoint p = points[0];
  CHECK(SameCoordinates(EdQuadToPoint(EdQuadDouble(EdQuadFromPoint(EdIdentity()))),
                        EdDouble(EdIdentity())));
  CHECK(SameCoordinates(
      EdQuadToPoint(EdQuadAddCached(EdQuadFromPoint(p), EdQuadToCached(EdQuadFromPoint(p)), true)),
      EdAddCached(p, EdToCached(p), true)));
}

TEST_CASE("Quad Ed25519 ladder gives the one-thread ladder's point", "[ed25519][quad]") {
  auto rng = testing::MakeRng("ed25519 quad ladder");
  const std::vector<EdPoint> points = RandomPoints(rng, 24);
  std::vector<U256> scalars = {U256Zero(), U256Small(1), U256Small(16), U256Small(17),
                               Ed25519Order()};
  U256 all_ones;  // 2^253 - 1, the largest windowed scalar the record path gives (< L)
  for (auto& w : all_ones.w) w = 0xFFFFFFFF;
  all_ones.w[7] = 0x1FFFFFFF;
  scalars.push_back(all_ones);
  while (scalars.size() < points.size()) scalars.push_back(RandomScalar(rng, 0x1FFFFFFF));
  for (size_t i = 0; i < points.size(); ++i) {
    EdCached multiples[kEdVariableWindowMultiples];
    EdCachedMultiples(points[i], multiples);
    uint8_t expected[32], got[32];
    EdEncode(EdWindowedMul(scalars[i], multiples), expected);
    EdEncode(EdQuadToPoint(EdQuadWindowedMul(scalars[i], EdQuadFromPoint(points[i]))), got);
    INFO("case " << i);
    CHECK(std::memcmp(expected, got, 32) == 0);
  }
}

uint32_t* const kSomeDevicePointer = reinterpret_cast<uint32_t*>(uintptr_t{1} << 40);

TEST_CASE("LaunchEdLadder rejects null buffers and unknown layouts, enqueues nothing for none",
          "[quad]") {
  for (LadderLayout layout : {LadderLayout::kOneThread, LadderLayout::kQuad}) {
    CHECK(LaunchEdLadder(layout, nullptr, nullptr, nullptr, 0, nullptr).ok());
    CHECK(LaunchEdLadder(layout, nullptr, kSomeDevicePointer, kSomeDevicePointer, 1, nullptr)
              .code() == Status::Code::kInvalidArgument);
    CHECK(LaunchEdLadder(layout, kSomeDevicePointer, kSomeDevicePointer, nullptr, 1, nullptr)
              .code() == Status::Code::kInvalidArgument);
  }
  CHECK(LaunchEdLadder(static_cast<LadderLayout>(7), kSomeDevicePointer, kSomeDevicePointer,
                       kSomeDevicePointer, 1, nullptr)
            .code() == Status::Code::kInvalidArgument);
}

// The 32-byte encodings of the ladder's results on the device.
std::vector<std::vector<uint8_t>> LadderOnDevice(LadderLayout layout,
                                                 const std::vector<U256>& scalars,
                                                 const std::vector<EdPoint>& points) {
  const size_t n = scalars.size();
  std::vector<uint32_t> scalar_limbs, point_limbs;
  for (size_t i = 0; i < n; ++i) {
    scalar_limbs.insert(scalar_limbs.end(), scalars[i].w, scalars[i].w + 8);
    for (const U256* c : {&points[i].x, &points[i].y, &points[i].z, &points[i].t}) {
      point_limbs.insert(point_limbs.end(), c->w, c->w + 8);
    }
  }
  testing::DeviceBuffer<uint32_t> ds(scalar_limbs.size()), dp(point_limbs.size()),
      out(point_limbs.size());
  ds.Upload(scalar_limbs.data(), scalar_limbs.size());
  dp.Upload(point_limbs.data(), point_limbs.size());
  out.Fill(0xEE);
  const Status s = LaunchEdLadder(layout, ds.get(), dp.get(), out.get(), n, nullptr);
  INFO(s.ToString());
  REQUIRE(s.ok());
  REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
  const std::vector<uint32_t> got = out.Download();
  std::vector<std::vector<uint8_t>> encodings(n, std::vector<uint8_t>(32));
  for (size_t i = 0; i < n; ++i) {
    EdPoint p;
    U256* coordinates[4] = {&p.x, &p.y, &p.z, &p.t};
    for (int c = 0; c < 4; ++c) {
      for (int k = 0; k < 8; ++k) coordinates[c]->w[k] = got[32 * i + 8 * c + k];
    }
    EdEncode(p, encodings[i].data());
  }
  return encodings;
}

TEST_CASE("Ed25519 ladders on the device, one thread and four lanes a point, equal the host's",
          "[device][quad]") {
  auto rng = testing::MakeRng("ed25519 quad ladder device");
  for (size_t count : {size_t{1}, size_t{2}, size_t{7}, size_t{8}, size_t{9}, size_t{33},
                       size_t{1023}, size_t{1025}}) {
    INFO("batch of " << count);
    const std::vector<EdPoint> points = RandomPoints(rng, static_cast<int>(count));
    std::vector<U256> scalars;
    for (size_t i = 0; i < count; ++i) {
      scalars.push_back(i == 0 ? U256Zero() : RandomScalar(rng, 0x1FFFFFFF));
    }
    for (LadderLayout layout : {LadderLayout::kOneThread, LadderLayout::kQuad}) {
      const auto got = LadderOnDevice(layout, scalars, points);
      for (size_t i = 0; i < count; ++i) {
        EdCached multiples[kEdVariableWindowMultiples];
        EdCachedMultiples(points[i], multiples);
        uint8_t expected[32];
        EdEncode(EdWindowedMul(scalars[i], multiples), expected);
        INFO("layout " << int(layout) << " point " << i);
        REQUIRE(std::memcmp(expected, got[i].data(), 32) == 0);
      }
    }
  }
}

}  // namespace
}  // namespace chainaccel::kernels
