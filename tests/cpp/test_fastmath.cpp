// Catch2 tests of ll::fastmath: the fast float exp against std::exp, edge cases, and the row
// kernels.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "logitlab/fastmath.hpp"

namespace fm = ll::fastmath;

namespace {

float from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}
uint32_t to_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}
// Bit-identical, or both NaN.
bool same(float a, float b) { return to_bits(a) == to_bits(b) || (std::isnan(a) && std::isnan(b)); }

// Distance in units in the last place between float a and the exact value e (a double):
// |a - e| / ulp, where ulp is the spacing of floats at e (the smallest normal spacing below
// FLT_MIN, so subnormal results count in absolute terms).
double ulp_error(float a, double e) {
  const double ae = std::fabs(e);
  const int ex = ae < std::numeric_limits<float>::min() ? -126 : std::ilogb(ae);
  const double ulp = std::ldexp(1.0, ex - 23);
  return std::fabs(static_cast<double>(a) - e) / ulp;
}

}  // namespace

TEST_CASE("fast exp is within 2 ulp of exp over a dense sweep of every float with a finite result",
          "[fastmath]") {
  // Every 97th float bit pattern in [-103.97, 88.72] (about 23 million values): the reference is
  // exp evaluated in double, i.e. the exact value to well below a float ulp.
  double max_ulp = 0, max_rel = 0;
  float worst = 0;
  size_t count = 0;
  auto sweep = [&](uint32_t lo_bits, uint32_t hi_bits) {
    for (uint64_t b = lo_bits; b <= hi_bits; b += 97) {
      const float x = from_bits(static_cast<uint32_t>(b));
      const double e = std::exp(static_cast<double>(x));
      const float got = fm::exp(x);
      const double u = ulp_error(got, e);
      if (u > max_ulp) {
        max_ulp = u;
        worst = x;
      }
      if (e >= std::numeric_limits<float>::min()) {
        max_rel = std::max(max_rel, std::fabs(got - e) / e);
      }
      ++count;
    }
  };
  sweep(0x00000000u, 0x42B17217u);  // +0 .. 88.7228 (ln FLT_MAX)
  sweep(0x80000000u, 0xC2CFF1B4u);  // -0 .. -103.972 (ln 2^-150)
  INFO("values checked: " << count << ", worst x = " << worst);
  WARN("fast exp: max error " << max_ulp << " ulp, max relative error " << max_rel
                              << " (normal results)");
  CHECK(count > 20000000);
  // Measured: 0.96 ulp, 7.9e-8 relative (g++ 12 x86-64 and em++ 3.1.6 wasm alike).
  CHECK(max_ulp <= 1.5);
  CHECK(max_rel <= 1.2e-7);
}

#if LL_FASTMATH_SIMD
TEST_CASE("the wasm f32x4 exp equals the scalar exp bit for bit", "[fastmath]") {
  // Both spell one algorithm without FMA, so the native (scalar) tests also prove the SIMD path.
  size_t mismatches = 0;
  for (uint64_t b = 0; b <= 0xFFFFFFFFu; b += 4 * 1021) {
    alignas(16) float x[4], y[4];
    for (int j = 0; j < 4; ++j) x[j] = from_bits(static_cast<uint32_t>(b + j * 255));
    wasm_v128_store(y, fm::exp4(wasm_v128_load(x)));
    for (int j = 0; j < 4; ++j) {
      const float s = fm::exp(x[j]);
      if (!(std::memcmp(&s, &y[j], 4) == 0 || (std::isnan(s) && std::isnan(y[j])))) ++mismatches;
    }
  }
  CHECK(mismatches == 0);
}
#endif

TEST_CASE("fast exp handles the ends of the float range like std::exp", "[fastmath]") {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  SECTION("zero and small arguments") {
    CHECK(fm::exp(0.0f) == 1.0f);
    CHECK(fm::exp(-0.0f) == 1.0f);
    CHECK(fm::exp(1e-30f) == 1.0f);
    CHECK(fm::exp(-1e-30f) == 1.0f);
    CHECK(ulp_error(fm::exp(1.0f), std::exp(1.0)) <= 1.0);
  }
  SECTION("overflow to +inf just above ln(FLT_MAX) = 88.72284") {
    CHECK(std::isfinite(fm::exp(88.72f)));
    CHECK(ulp_error(fm::exp(88.72f), std::exp(double(88.72f))) <= 2.0);
    CHECK(fm::exp(88.73f) == inf);
    CHECK(fm::exp(100.0f) == inf);
    CHECK(fm::exp(std::numeric_limits<float>::max()) == inf);
    CHECK(fm::exp(inf) == inf);
  }
  SECTION("gradual underflow below -87.34 and 0 below -103.97") {
    // exp(-87.5) is subnormal: it matches std::exp's float result to one subnormal step.
    const float sub = fm::exp(-87.5f);
    CHECK(sub > 0.0f);
    CHECK(sub < std::numeric_limits<float>::min());
    CHECK(std::fabs(sub - std::exp(-87.5f)) <= std::numeric_limits<float>::denorm_min());
    CHECK(fm::exp(-103.0f) > 0.0f);
    CHECK(fm::exp(-104.0f) == 0.0f);
    CHECK(fm::exp(-1000.0f) == 0.0f);
    CHECK(fm::exp(-std::numeric_limits<float>::max()) == 0.0f);
    CHECK(fm::exp(-inf) == 0.0f);
  }
  SECTION("NaN in, NaN out") {
    CHECK(std::isnan(fm::exp(nan)));
    CHECK(std::isnan(fm::exp(-nan)));
    float out[5];
    const float in[5] = {1.0f, nan, -2.0f, 3.0f, nan};
    fm::exp(out, in, 5);
    CHECK(std::isnan(out[1]));
    CHECK(std::isnan(out[4]));
    CHECK(out[0] == fm::exp(1.0f));
  }
}

TEST_CASE("fastmath row kernels agree with their scalar definitions", "[fastmath]") {
  // Lengths around the 8- and 4-wide blocks, so every tail shape runs.
  for (size_t n : {1, 3, 4, 5, 7, 8, 9, 12, 13, 16, 31, 1000}) {
    std::vector<float> x(n), out(n), out2(n);
    for (size_t i = 0; i < n; ++i) x[i] = 0.37f * static_cast<float>((i * 13) % 29) - 4.1f;
    x[n / 2] = 6.5f;  // the max sits in the middle
    INFO("n = " << n);
    const float m = fm::max(x.data(), n);
    CHECK(m == 6.5f);
    const float s = fm::exp_sub_sum(out.data(), x.data(), m, n);
    CHECK(fm::sum_exp_sub(x.data(), m, n) == s);
    double ref_sum = 0;
    for (size_t i = 0; i < n; ++i) {
      CHECK(out[i] == fm::exp(x[i] - m));
      ref_sum += std::exp(static_cast<double>(x[i]) - m);
    }
    // n float additions of terms <= 1: within n float roundings of the exact sum.
    CHECK_THAT(s, Catch::Matchers::WithinRel(ref_sum, 1e-7 * static_cast<double>(n + 2)));
    fm::scale(out2.data(), out.data(), 0.5f, n);
    for (size_t i = 0; i < n; ++i) CHECK(out2[i] == out[i] * 0.5f);
    fm::sub_sub(out2.data(), x.data(), m, 0.25f, n);
    for (size_t i = 0; i < n; ++i) CHECK(out2[i] == (x[i] - m) - 0.25f);
    out2 = x;
    fm::exp_sub_scale(out2.data(), out2.data(), m, 2.0f, n);  // in place
    for (size_t i = 0; i < n; ++i) CHECK(out2[i] == fm::exp(x[i] - m) * 2.0f);
  }
  SECTION("max is NaN when any element is NaN, wherever it sits (blocks, 4-block, tail)") {
    for (size_t n : {3, 4, 10, 13, 19}) {
      for (size_t at = 0; at < n; ++at) {
        std::vector<float> x(n, 1.0f);
        x[at] = std::numeric_limits<float>::quiet_NaN();
        INFO("n = " << n << ", NaN at " << at);
        CHECK(std::isnan(fm::max(x.data(), n)));
      }
    }
  }
  SECTION("max is NaN when any element is NaN, as torch.max") {
    std::vector<float> x(19, 1.0f);
    x[17] = std::numeric_limits<float>::quiet_NaN();
    CHECK(std::isnan(fm::max(x.data(), x.size())));
    x[17] = -std::numeric_limits<float>::infinity();
    x[3] = std::numeric_limits<float>::infinity();
    CHECK(fm::max(x.data(), x.size()) == std::numeric_limits<float>::infinity());
  }
}

// The sum of fm::exp(x[i] - m) in the header's order, spelled out: lanes l[0..8) over blocks of 8,
// one block of 4 into l[0..4), the last n % 4 terms into l[0..n%4), then v[j] = l[j] + l[j+4],
// (v0 + v1) + (v2 + v3).
namespace {
float lane_order_sum(const float* x, float m, size_t n) {
  float l[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (size_t j = 0; j < 8; ++j) l[j] += fm::exp(x[i + j] - m);
  }
  if (i + 4 <= n) {
    for (size_t j = 0; j < 4; ++j) l[j] += fm::exp(x[i + j] - m);
    i += 4;
  }
  for (size_t j = 0; i + j < n; ++j) l[j] += fm::exp(x[i + j] - m);
  const float v0 = l[0] + l[4], v1 = l[1] + l[5], v2 = l[2] + l[6], v3 = l[3] + l[7];
  return (v0 + v1) + (v2 + v3);
}
}  // namespace

TEST_CASE("exp_sub_sum adds its terms in the documented lane order", "[fastmath]") {
  // Both the SIMD and the scalar code must give this sum bit for bit.
  for (size_t n : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 17, 100, 1001}) {
    std::vector<float> x(n), out(n);
    for (size_t i = 0; i < n; ++i) x[i] = 0.731f * static_cast<float>((i * 17) % 23) - 7.3f;
    const float m = fm::max(x.data(), n);
    const float want = lane_order_sum(x.data(), m, n);
    INFO("n = " << n);
    CHECK(fm::sum_exp_sub(x.data(), m, n) == want);
    CHECK(fm::exp_sub_sum(out.data(), x.data(), m, n) == want);
  }
}

TEST_CASE("the fused rows equal their scalar definitions on both sides of the no-underflow test",
          "[fastmath]") {
  // softmax_row, log_softmax_row and row_stats take a loop without range tests when the row's
  // min - max >= kNormalLo (-87), and the range-tested one otherwise: rows whose spread sits just
  // inside, on, and just outside that edge, and far outside it (subnormal and zero terms), must
  // all give the scalar exp's terms, summed in the documented order.
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  size_t rows = 0, mismatches = 0;
  for (size_t n : {2, 5, 8, 13, 64, 203, 1000}) {
    for (float spread : {1.0f, 80.0f, 86.99f, 87.0f, 87.01f, 87.34f, 87.5f, 100.0f, 103.97f, 150.0f, 1e6f,
                         inf, nan}) {
      for (float top : {0.0f, 3.5f, -40.0f, 1000.0f}) {
        std::vector<float> x(n);
        for (size_t i = 0; i < n; ++i) {
          // From top down to top - spread, the extremes at varying places; for n > 2 the elements
          // in between take values close to the low end, where the terms are smallest.
          const float f = static_cast<float>((i * 7) % n) / static_cast<float>(n - 1);
          x[i] = top - spread * (1.0f - 0.05f * f);
        }
        x[(n * 3) / 7] = top;
        x[n - 1 - (n * 2) / 5] = top - spread;
        const float m = fm::max(x.data(), n);
        const float want_s = lane_order_sum(x.data(), m, n);
        std::vector<float> out(n), lout(n);
        float s1, s2, s3;
        const float m1 = fm::softmax_row(out.data(), x.data(), n, &s1);
        const float m2 = fm::log_softmax_row(lout.data(), x.data(), n, &s2);
        const float m3 = fm::row_stats(x.data(), n, &s3);
        bool ok = true;
        for (float s : {s1, s2, s3}) ok = ok && same(s, want_s);
        for (float mm : {m1, m2, m3}) ok = ok && same(mm, m);
        for (size_t i = 0; i < n; ++i) {
          ok = ok && same(out[i], fm::exp(x[i] - m) * (1.0f / want_s));
          ok = ok && same(lout[i], (x[i] - m) - std::log(want_s));
        }
        if (!ok) {
          ++mismatches;
          UNSCOPED_INFO("mismatch: n = " << n << ", spread " << spread << ", top " << top);
        }
        ++rows;
      }
    }
  }
  CHECK(rows == 7 * 13 * 4);
  CHECK(mismatches == 0);
}

#if LL_FASTMATH_SIMD
TEST_CASE("exp4_normal equals the scalar exp bit for bit on [kNormalLo, 0] and NaN", "[fastmath]") {
  // Every 7th bit pattern from -0 down to kNormalLo, and the NaNs: what the fused rows pass it.
  size_t mismatches = 0, count = 0;
  const uint32_t lo_bits = to_bits(fm::kNormalLo);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (uint64_t b = 0x80000000u; b <= lo_bits; b += 4 * 7) {
    alignas(16) float x[4], y[4];
    for (int j = 0; j < 4; ++j) x[j] = from_bits(static_cast<uint32_t>(std::min<uint64_t>(b + j, lo_bits)));
    if (b == 0x80000000u) x[3] = nan;
    wasm_v128_store(y, fm::exp4_normal(wasm_v128_load(x)));
    for (int j = 0; j < 4; ++j) {
      if (!same(y[j], fm::exp(x[j]))) ++mismatches;
      ++count;
    }
  }
  INFO(count << " inputs");
  CHECK(count > 40000000);
  CHECK(mismatches == 0);
}

TEST_CASE("exp4_nonpos equals the scalar exp bit for bit on every input <= 0 it may get", "[fastmath]") {
  // Every 61st bit pattern of the negative floats (-0 to -inf and the negative NaNs), plus the
  // positive NaNs: the shifted values x - max of softmax rows.
  size_t mismatches = 0, count = 0;
  auto check4 = [&](const float* x) {
    alignas(16) float y[4];
    wasm_v128_store(y, fm::exp4_nonpos(wasm_v128_load(x)));
    for (int j = 0; j < 4; ++j) {
      const float s = fm::exp(x[j]);
      if (!(std::memcmp(&s, &y[j], 4) == 0 || (std::isnan(s) && std::isnan(y[j])))) ++mismatches;
      ++count;
    }
  };
  for (uint64_t b = 0x80000000u; b <= 0xFFFFFFFFu; b += 4 * 61) {
    alignas(16) float x[4];
    for (int j = 0; j < 4; ++j) x[j] = from_bits(static_cast<uint32_t>(std::min<uint64_t>(b + j, 0xFFFFFFFFu)));
    check4(x);
  }
  // Lanes that straddle the FLT_MIN edge (one slow lane makes the whole vector take the two-step
  // scaling) and the special values.
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  alignas(16) const float edge[][4] = {{-87.0f, -87.5f, -0.0f, -1.0f},   {-103.9f, -1e-30f, 0.0f, -50.0f},
                                       {-inf, -2.0f, nan, -87.33654f},   {-87.33655f, -87.336f, -126.0f, -3.0f},
                                       {-104.0f, -1000.0f, -0.5f, -88.0f}};
  for (const auto& x : edge) check4(x);
  INFO(count << " inputs");
  CHECK(count > 8000000);
  CHECK(mismatches == 0);
}
#endif

TEST_CASE("short-row softmax equals the per-row kernels bit for bit", "[fastmath]") {
  // Every short length, row counts around the 512-element block, and rows with the special values
  // a softmax row may hold: NaN, +-inf, huge gaps (subnormal and zero terms) and signed zeros.
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float specials[] = {nan, inf, -inf, -0.0f, 0.0f, -95.0f, 90.0f, -200.0f};
  size_t mismatches = 0, rows_checked = 0;
  for (size_t n = 1; n < fm::kShortRow; ++n) {
    for (size_t rows : {size_t{1}, size_t{3}, size_t{64}, 512 / n + 1, 2 * (512 / n) + 5}) {
      std::vector<float> x(rows * n);
      uint32_t seed = static_cast<uint32_t>(n * 7919 + rows);
      for (auto& v : x) {
        seed = seed * 1664525u + 1013904223u;
        v = -6.0f + 12.0f * static_cast<float>(seed >> 8) / 16777216.0f;
      }
      // A special value in about one row in five.
      for (size_t r = 0; r < rows; r += 5) {
        x[r * n + (r / 5) % n] = specials[(r / 5 + n) % (sizeof specials / sizeof specials[0])];
      }
      for (const bool log : {false, true}) {
        std::vector<float> fast(x.size()), in_place = x;
        fm::softmax_short_rows(fast.data(), x.data(), rows, n, log);
        fm::softmax_short_rows(in_place.data(), in_place.data(), rows, n, log);
        for (size_t r = 0; r < rows; ++r) {
          float want[fm::kShortRow], s;
          if (log) {
            fm::log_softmax_row(want, x.data() + r * n, n, &s);
          } else {
            fm::softmax_row(want, x.data() + r * n, n, &s);
          }
          for (size_t k = 0; k < n; ++k) {
            const float a = fast[r * n + k], b = in_place[r * n + k], w = want[k];
            const bool same = (std::memcmp(&a, &w, 4) == 0 || (std::isnan(a) && std::isnan(w))) &&
                              (std::memcmp(&b, &w, 4) == 0 || (std::isnan(b) && std::isnan(w)));
            if (!same) ++mismatches;
          }
          ++rows_checked;
        }
      }
    }
  }
  INFO(rows_checked << " rows");
  CHECK(mismatches == 0);
}

TEST_CASE("the fused rows return torch's max: NaN when the row holds a NaN", "[fastmath]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (size_t n : {2, 4, 9, 17, 40}) {
    for (size_t at = 0; at < n; ++at) {
      std::vector<float> x(n, 0.5f), out(n);
      x[n - 1] = 3.0f;
      x[at] = nan;
      float s;
      INFO("n = " << n << ", NaN at " << at);
      CHECK(std::isnan(fm::row_stats(x.data(), n, &s)));
      CHECK(std::isnan(s));
      CHECK(std::isnan(fm::softmax_row(out.data(), x.data(), n, &s)));
      for (float v : out) CHECK(std::isnan(v));
      CHECK(std::isnan(fm::log_softmax_row(out.data(), x.data(), n, &s)));
      for (float v : out) CHECK(std::isnan(v));
    }
  }
}
