// Fp and Fr against GMP: every operation on random and edge inputs, the input contract
// (encodings >= the modulus refused), the Montgomery and canonical byte forms, and Fr's
// roots of unity. Random cases print their seed (CHAINACCEL_TEST_SEED replays them).
#include "crypto/bn254/field.h"

#include <catch2/catch.hpp>
#include <gmp.h>

#include <array>
#include <string>
#include <vector>

#include "tests/support/random.h"

namespace chainaccel::bn254 {
namespace {

// A GMP integer with RAII.
class Mpz {
 public:
  Mpz() { mpz_init(v_); }
  explicit Mpz(const U256& limbs) : Mpz() {
    mpz_import(v_, 4, -1, sizeof(uint64_t), 0, 0, limbs.data());
  }
  Mpz(const Mpz& o) : Mpz() { mpz_set(v_, o.v_); }
  Mpz& operator=(const Mpz& o) {
    mpz_set(v_, o.v_);
    return *this;
  }
  ~Mpz() { mpz_clear(v_); }
  mpz_t& get() { return v_; }
  const mpz_t& get() const { return v_; }
  U256 ToU256() const {
    U256 out{};
    REQUIRE(mpz_sizeinbase(v_, 2) <= 256);
    mpz_export(out.data(), nullptr, -1, sizeof(uint64_t), 0, 0, v_);
    return out;
  }

 private:
  mpz_t v_;
};

U256 RandomU256(std::mt19937_64& rng) { return {rng(), rng(), rng(), rng()}; }

template <class F>
U256 RandomBelowModulus(std::mt19937_64& rng) {
  Mpz v(RandomU256(rng)), m(F::kModulus);
  mpz_mod(v.get(), v.get(), m.get());
  return v.ToU256();
}

U256 PowerOfTwo(int k) {
  U256 v{};
  v[k / 64] = uint64_t{1} << (k % 64);
  return v;
}

// 0, 1, 2, m-1, m-2, (m-1)/2, (m+1)/2, 2^64-1, 2^64, 2^128, 2^192, 2^253, 2^253-1,
// R mod m and a value with alternating bits: the carries' and borrows' edges.
template <class F>
std::vector<U256> EdgeValues() {
  Mpz m(F::kModulus);
  std::vector<U256> out;
  auto add = [&](long delta, int shift_right) {
    Mpz v = m;
    if (delta >= 0) mpz_add_ui(v.get(), v.get(), static_cast<unsigned long>(delta));
    else mpz_sub_ui(v.get(), v.get(), static_cast<unsigned long>(-delta));
    mpz_fdiv_q_2exp(v.get(), v.get(), static_cast<mp_bitcnt_t>(shift_right));
    out.push_back(v.ToU256());
  };
  out.push_back({0, 0, 0, 0});
  out.push_back({1, 0, 0, 0});
  out.push_back({2, 0, 0, 0});
  add(-1, 0);
  add(-2, 0);
  add(-1, 1);
  add(1, 1);
  out.push_back({~uint64_t{0}, 0, 0, 0});
  out.push_back(PowerOfTwo(64));
  out.push_back(PowerOfTwo(128));
  out.push_back(PowerOfTwo(192));
  out.push_back(PowerOfTwo(253));
  out.push_back({~uint64_t{0}, ~uint64_t{0}, ~uint64_t{0}, (uint64_t{1} << 61) - 1});
  out.push_back(F::kR);
  out.push_back({0x5555555555555555ULL, 0x5555555555555555ULL, 0x5555555555555555ULL,
                 0x1555555555555555ULL});
  return out;
}

template <class F>
std::vector<U256> TestValues(std::mt19937_64& rng, int random_count) {
  std::vector<U256> values = EdgeValues<F>();
  for (int i = 0; i < random_count; ++i) values.push_back(RandomBelowModulus<F>(rng));
  return values;
}

template <class F>
F Make(const U256& v) {
  auto f = F::FromCanonical(v);
  REQUIRE(f.has_value());
  return *f;
}

// The reference: (a op b) mod m in GMP.
template <class F, class Op>
U256 Reference(const U256& a, const U256& b, Op op) {
  Mpz x(a), y(b), m(F::kModulus), r;
  op(r.get(), x.get(), y.get());
  mpz_mod(r.get(), r.get(), m.get());
  return r.ToU256();
}

std::string Hex(const U256& v) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "%016llx%016llx%016llx%016llx",
                static_cast<unsigned long long>(v[3]), static_cast<unsigned long long>(v[2]),
                static_cast<unsigned long long>(v[1]), static_cast<unsigned long long>(v[0]));
  return buf;
}

TEMPLATE_TEST_CASE("field arithmetic matches GMP", "[field]", Fp, Fr) {
  using F = TestType;
  auto rng = testing::MakeRng("field arithmetic matches GMP");
  std::vector<U256> values = TestValues<F>(rng, 40);
  for (const U256& a : values) {
    for (const U256& b : values) {
      INFO("a = " << Hex(a) << ", b = " << Hex(b));
      F fa = Make<F>(a), fb = Make<F>(b);
      CHECK((fa + fb).ToCanonical() == Reference<F>(a, b, mpz_add));
      CHECK((fa - fb).ToCanonical() == Reference<F>(a, b, mpz_sub));
      CHECK((fa * fb).ToCanonical() == Reference<F>(a, b, mpz_mul));
      CHECK(F::MulSos(fa.raw_montgomery(), fb.raw_montgomery()) ==
            (fa * fb).raw_montgomery());
    }
  }
  for (const U256& a : values) {
    INFO("a = " << Hex(a));
    F fa = Make<F>(a);
    CHECK(fa.ToCanonical() == a);
    CHECK((-fa).ToCanonical() == Reference<F>(U256{}, a, mpz_sub));
    CHECK(fa.Double().ToCanonical() == Reference<F>(a, a, mpz_add));
    CHECK(fa.Square().ToCanonical() == Reference<F>(a, a, mpz_mul));
    CHECK(fa.IsZero() == bigint::IsZero(a));
    // raw Montgomery form = a·2^256 mod m
    Mpz mont(a), m(F::kModulus);
    mpz_mul_2exp(mont.get(), mont.get(), 256);
    mpz_mod(mont.get(), mont.get(), m.get());
    CHECK(fa.raw_montgomery() == mont.ToU256());
    if (!fa.IsZero()) {
      Mpz inv(a);
      REQUIRE(mpz_invert(inv.get(), inv.get(), m.get()) != 0);
      CHECK(fa.InverseVar().ToCanonical() == inv.ToU256());
      CHECK((fa * fa.InverseVar()).IsOne());
    }
  }
  CHECK(F::Zero().InverseVar().IsZero());
}

TEMPLATE_TEST_CASE("field pow and from_uint64 match GMP", "[field]", Fp, Fr) {
  using F = TestType;
  auto rng = testing::MakeRng("field pow and from_uint64 match GMP");
  for (int i = 0; i < 30; ++i) {
    U256 a = RandomBelowModulus<F>(rng);
    U256 e = RandomU256(rng);
    if (i == 0) e = U256{};
    if (i == 1) e = U256{1, 0, 0, 0};
    Mpz x(a), y(e), m(F::kModulus), r;
    mpz_powm(r.get(), x.get(), y.get(), m.get());
    INFO("a = " << Hex(a) << ", e = " << Hex(e));
    CHECK(Make<F>(a).PowVar(e).ToCanonical() == r.ToU256());
    uint64_t small = rng();
    CHECK(F::FromUint64(small).ToCanonical() == U256{small, 0, 0, 0});
  }
  CHECK(F::FromUint64(0).IsZero());
  CHECK(F::FromUint64(1).IsOne());
}

TEMPLATE_TEST_CASE("field square roots agree with GMP's Legendre symbol", "[field]", Fp, Fr) {
  using F = TestType;
  auto rng = testing::MakeRng("field square roots agree with GMP's Legendre symbol");
  std::vector<U256> values = TestValues<F>(rng, 40);
  int squares = 0, non_squares = 0;
  for (const U256& a : values) {
    INFO("a = " << Hex(a));
    Mpz x(a), m(F::kModulus);
    bool is_square = bigint::IsZero(a) || mpz_legendre(x.get(), m.get()) == 1;
    F fa = Make<F>(a);
    CHECK(fa.IsSquareVar() == is_square);
    auto root = fa.SqrtVar();
    REQUIRE(root.has_value() == is_square);
    if (root) {
      CHECK(root->Square() == fa);
      ++squares;
    } else {
      ++non_squares;
    }
    // a^2 always has a root, and it is ±a.
    auto root_of_square = fa.Square().SqrtVar();
    REQUIRE(root_of_square.has_value());
    CHECK((*root_of_square == fa || *root_of_square == -fa));
  }
  CHECK(squares > 5);
  CHECK(non_squares > 5);
}

TEMPLATE_TEST_CASE("field encodings: canonical and Montgomery, LE and BE: >= m refused",
                   "[field]", Fp, Fr) {
  using F = TestType;
  auto rng = testing::MakeRng("field encodings");
  for (const U256& a : TestValues<F>(rng, 20)) {
    INFO("a = " << Hex(a));
    F fa = Make<F>(a);
    std::array<uint8_t, 32> le{}, be{}, mont{};
    fa.ToBytesLE(le);
    fa.ToBytesBE(be);
    fa.ToMontgomeryBytesLE(mont);
    for (int i = 0; i < 32; ++i) {
      CHECK(le[i] == static_cast<uint8_t>(a[i / 8] >> (8 * (i % 8))));
      CHECK(be[31 - i] == le[i]);
      CHECK(mont[i] == static_cast<uint8_t>(fa.raw_montgomery()[i / 8] >> (8 * (i % 8))));
    }
    CHECK(F::FromBytesLE(le) == fa);
    CHECK(F::FromBytesBE(be) == fa);
    CHECK(F::FromMontgomeryBytesLE(mont) == fa);
    CHECK(F::FromRawMontgomery(fa.raw_montgomery()) == fa);
  }
  // m, m + 1, 2^255 patterns and 2^256 - 1: refused in every form, reduced on request.
  Mpz m(F::kModulus);
  std::vector<U256> too_big = {F::kModulus, PowerOfTwo(255), PowerOfTwo(254),
                               {~0ULL, ~0ULL, ~0ULL, ~0ULL},
                               {0, 0, 0, 0x8000000000000000ULL | 1}};
  U256 m_plus_1 = F::kModulus;
  bigint::AddTo(m_plus_1, U256{1, 0, 0, 0});
  too_big.push_back(m_plus_1);
  for (const U256& v : too_big) {
    INFO("v = " << Hex(v));
    std::array<uint8_t, 32> le{}, be{};
    for (int i = 0; i < 32; ++i) {
      le[i] = static_cast<uint8_t>(v[i / 8] >> (8 * (i % 8)));
      be[31 - i] = le[i];
    }
    CHECK_FALSE(F::FromCanonical(v).has_value());
    CHECK_FALSE(F::FromRawMontgomery(v).has_value());
    CHECK_FALSE(F::FromBytesLE(le).has_value());
    CHECK_FALSE(F::FromBytesBE(be).has_value());
    CHECK_FALSE(F::FromMontgomeryBytesLE(le).has_value());
    Mpz x(v);
    mpz_mod(x.get(), x.get(), m.get());
    CHECK(F::FromU256Reduced(v).ToCanonical() == x.ToU256());
  }
}

TEMPLATE_TEST_CASE("batch inversion equals one inversion each and keeps zeros", "[field]",
                   Fp, Fr) {
  using F = TestType;
  auto rng = testing::MakeRng("batch inversion");
  std::vector<F> values;
  for (int i = 0; i < 50; ++i) {
    values.push_back(i % 7 == 3 ? F::Zero() : Make<F>(RandomBelowModulus<F>(rng)));
  }
  std::vector<F> inverted = values;
  BatchInverseVar(std::span<F>(inverted));
  for (size_t i = 0; i < values.size(); ++i) {
    CHECK(inverted[i] == values[i].InverseVar());
  }
  std::vector<F> empty;
  BatchInverseVar(std::span<F>(empty));
}

TEST_CASE("Fr roots of unity are ffjavascript's (nqr 5, w[28] = 5^t, shift 25)", "[field]") {
  // r - 1 = 2^28·t
  Mpz r(Fr::kModulus), t, five, w28;
  mpz_sub_ui(t.get(), r.get(), 1);
  mpz_fdiv_q_2exp(t.get(), t.get(), kFrTwoAdicity);
  REQUIRE(mpz_odd_p(t.get()));
  mpz_set_ui(five.get(), 5);
  CHECK(mpz_legendre(five.get(), r.get()) == -1);  // 5 is the smallest non-residue >= 2
  for (unsigned long k = 2; k < 5; ++k) {
    Mpz small;
    mpz_set_ui(small.get(), k);
    CHECK(mpz_legendre(small.get(), r.get()) == 1);
  }
  mpz_powm(w28.get(), five.get(), t.get(), r.get());
  CHECK(FrRootOfUnity(kFrTwoAdicity).ToCanonical() == w28.ToU256());
  CHECK(FrNonResidue() == Fr::FromUint64(5));
  CHECK(FrCosetShift() == Fr::FromUint64(25));
  for (int k = 0; k <= kFrTwoAdicity; ++k) {
    INFO("log_n = " << k);
    Fr w = FrRootOfUnity(k);
    for (int i = 0; i < k - 1; ++i) w = w.Square();
    if (k == 0) {
      CHECK(w.IsOne());
    } else {
      CHECK(w == -Fr::One());  // order exactly 2^k
    }
  }
}

}  // namespace
}  // namespace chainaccel::bn254
