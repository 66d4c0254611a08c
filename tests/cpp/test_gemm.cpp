// Catch2 tests of the float32 Linear-layer kernels (gemm.hpp) against naive double-accumulated
// matmuls, including every tile/tail shape, the fused ReLU epilogues and the documented sum order.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "logitlab/gemm.hpp"
#include "logitlab/rng.hpp"

using namespace ll;

namespace {

std::vector<float> random_f32(size_t n, uint64_t seed, double lo = -1.0, double hi = 1.0) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto &e : v) e = static_cast<float>(rng.uniform(lo, hi));
  return v;
}

// |got - exact| <= 1e-5 * sum |terms|: relative 1e-5 on the scale of the products, so outputs that
// cancel to near zero are judged fairly. `exact` and `scale` come from double accumulation.
void check_close(float got, double exact, double scale, const char *what, size_t i) {
  INFO(what << "[" << i << "]: got " << got << ", double reference " << exact);
  CHECK(std::fabs(static_cast<double>(got) - exact) <= 1e-5 * scale + 1e-30);
}

// Sizes that hit the main tiles, every row/column tail and the MLP's own shapes.
const int kRows[] = {1, 2, 3, 4, 5, 7, 64};
const int kIn[] = {1, 3, 4, 5, 8, 9, 13, 64};
const int kOut[] = {1, 2, 3, 4, 7, 8, 9, 10, 17};

}  // namespace

TEST_CASE("linear forward equals x w^T + b accumulated in double", "[gemm]") {
  for (int n : kRows)
    for (int ic : kIn)
      for (int oc : kOut) {
        const auto x = random_f32(static_cast<size_t>(n) * ic, 1 + n);
        const auto w = random_f32(static_cast<size_t>(oc) * ic, 2 + ic);
        const auto b = random_f32(oc, 3 + oc);
        std::vector<float> z(static_cast<size_t>(n) * oc, -7.0f), a(z.size(), -7.0f);
        gemm_linear_forward(z.data(), a.data(), x.data(), w.data(), b.data(), n, ic, oc);
        INFO("n " << n << " ic " << ic << " oc " << oc);
        for (int r = 0; r < n; ++r)
          for (int o = 0; o < oc; ++o) {
            double exact = b[o], scale = std::fabs(b[o]);
            for (int k = 0; k < ic; ++k) {
              const double p = static_cast<double>(x[r * ic + k]) * w[o * ic + k];
              exact += p;
              scale += std::fabs(p);
            }
            const size_t i = static_cast<size_t>(r) * oc + o;
            check_close(z[i], exact, scale, "z", i);
            CHECK(a[i] == (z[i] > 0.0f ? z[i] : 0.0f));
          }
      }
}

TEST_CASE("linear forward uses the documented float32 summation order", "[gemm]") {
  // Four lane sums over k = 4j + lane, then (l0 + l2) + (l1 + l3), the ic % 4 tail, the bias: the
  // order both the SIMD and the scalar build follow, so native and wasm agree bit for bit.
  const int n = 5, ic = 787, oc = 11;
  const auto x = random_f32(static_cast<size_t>(n) * ic, 21, 0.0, 1.0);
  const auto w = random_f32(static_cast<size_t>(oc) * ic, 22, -0.05, 0.05);
  const auto b = random_f32(oc, 23);
  std::vector<float> z(static_cast<size_t>(n) * oc);
  gemm_linear_forward(z.data(), nullptr, x.data(), w.data(), b.data(), n, ic, oc);
  for (int r = 0; r < n; ++r)
    for (int o = 0; o < oc; ++o) {
      volatile float lane[4] = {0, 0, 0, 0};  // volatile: no reassociation or contraction
      const int ic4 = ic & ~3;
      for (int k = 0; k < ic4; ++k) {
        const float p = x[r * ic + k] * w[o * ic + k];
        lane[k % 4] = lane[k % 4] + p;
      }
      volatile float s = (lane[0] + lane[2]) + (lane[1] + lane[3]);
      for (int k = ic4; k < ic; ++k) {
        const float p = x[r * ic + k] * w[o * ic + k];
        s = s + p;
      }
      s = s + b[o];
      CHECK(z[r * oc + o] == s);
    }
}

TEST_CASE("forward ReLU epilogue keeps NaN and maps -0 and negatives to +0", "[gemm]") {
  // torch.relu(tensor([nan, -0., -2., 3.])) = tensor([nan, 0., 0., 3.])
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {1.0f};
  const std::vector<float> w = {0.0f, 1.0f, 1.0f, 1.0f};
  const std::vector<float> b = {0.0f, -inf, -2.0f, 2.0f};
  std::vector<float> xs = {inf};  // inf * 0 = NaN for the first output
  std::vector<float> z(4), a(4);
  gemm_linear_forward(z.data(), a.data(), xs.data(), w.data(), b.data(), 1, 1, 4);
  CHECK(std::isnan(z[0]));
  CHECK(std::isnan(a[0]));
  gemm_linear_forward(z.data(), a.data(), x.data(), w.data(), b.data(), 1, 1, 4);
  CHECK(a[1] == 0.0f);
  CHECK(a[2] == 0.0f);
  CHECK(!std::signbit(a[2]));
  CHECK(a[3] == 3.0f);
}

TEST_CASE(
    "linear input gradient equals dy w accumulated in double, with the "
    "ReLU mask",
    "[gemm]") {
  for (int n : kRows)
    for (int ic : kIn)
      for (int oc : kOut)
        for (bool masked : {false, true}) {
          const auto dy = random_f32(static_cast<size_t>(n) * oc, 31 + n);
          const auto w = random_f32(static_cast<size_t>(oc) * ic, 32 + ic);
          // The mask is a ReLU output: about half zeros.
          auto mask = random_f32(static_cast<size_t>(n) * ic, 33 + oc);
          for (auto &m : mask) m = m > 0.0f ? m : 0.0f;
          std::vector<float> dx(static_cast<size_t>(n) * ic, -7.0f);
          gemm_linear_backward_input(dx.data(), dy.data(), w.data(), masked ? mask.data() : nullptr,
                                     n, ic, oc);
          INFO("n " << n << " ic " << ic << " oc " << oc << " masked " << masked);
          for (int r = 0; r < n; ++r)
            for (int i = 0; i < ic; ++i) {
              double exact = 0, scale = 0;
              for (int o = 0; o < oc; ++o) {
                const double p = static_cast<double>(dy[r * oc + o]) * w[o * ic + i];
                exact += p;
                scale += std::fabs(p);
              }
              const size_t k = static_cast<size_t>(r) * ic + i;
              if (masked && !(mask[k] > 0.0f)) {
                CHECK(dx[k] == 0.0f);
              } else {
                check_close(dx[k], exact, scale, "dx", k);
              }
            }
        }
}

TEST_CASE("linear weight and bias gradients equal dy^T x and column sums in double", "[gemm]") {
  for (int n : kRows)
    for (int ic : kIn)
      for (int oc : kOut) {
        const auto dy = random_f32(static_cast<size_t>(n) * oc, 41 + n);
        const auto x = random_f32(static_cast<size_t>(n) * ic, 42 + ic);
        std::vector<float> dw(static_cast<size_t>(oc) * ic, -7.0f), db(oc, -7.0f);
        gemm_linear_backward_weight(dw.data(), db.data(), dy.data(), x.data(), n, ic, oc);
        INFO("n " << n << " ic " << ic << " oc " << oc);
        for (int o = 0; o < oc; ++o) {
          double bsum = 0, bscale = 0;
          for (int r = 0; r < n; ++r) {
            bsum += dy[r * oc + o];
            bscale += std::fabs(dy[r * oc + o]);
          }
          check_close(db[o], bsum, bscale, "db", o);
          for (int i = 0; i < ic; ++i) {
            double exact = 0, scale = 0;
            for (int r = 0; r < n; ++r) {
              const double p = static_cast<double>(dy[r * oc + o]) * x[r * ic + i];
              exact += p;
              scale += std::fabs(p);
            }
            check_close(dw[o * ic + i], exact, scale, "dw", static_cast<size_t>(o) * ic + i);
          }
        }
      }
}

TEST_CASE("the MLP's 784 -> 128 shapes match the double reference at batch 64", "[gemm]") {
  const int n = 64, ic = 784, oc = 128;
  const auto x = random_f32(static_cast<size_t>(n) * ic, 51, 0.0, 1.0);
  const auto w = random_f32(static_cast<size_t>(oc) * ic, 52, -0.0357, 0.0357);
  const auto b = random_f32(oc, 53, -0.0357, 0.0357);
  std::vector<float> z(static_cast<size_t>(n) * oc);
  gemm_linear_forward(z.data(), nullptr, x.data(), w.data(), b.data(), n, ic, oc);
  std::vector<float> dw(static_cast<size_t>(oc) * ic), db(oc);
  gemm_linear_backward_weight(dw.data(), db.data(), z.data(), x.data(), n, ic, oc);
  for (int o = 0; o < oc; o += 13)
    for (int i = 0; i < ic; i += 37) {
      double exact = 0, scale = 0;
      for (int r = 0; r < n; ++r) {
        const double p = static_cast<double>(z[r * oc + o]) * x[r * ic + i];
        exact += p;
        scale += std::fabs(p);
      }
      check_close(dw[o * ic + i], exact, scale, "dw", static_cast<size_t>(o) * ic + i);
    }
}

TEST_CASE("all_finite_f32 finds NaN and infinities anywhere", "[gemm]") {
  for (size_t n : {size_t(0), size_t(1), size_t(7), size_t(8), size_t(9), size_t(100)}) {
    std::vector<float> v = random_f32(n, 61, -1e30, 1e30);
    CHECK(all_finite_f32(v.data(), n));
    for (size_t pos = 0; pos < n; pos += 3) {
      for (float bad :
           {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
            -std::numeric_limits<float>::infinity()}) {
        std::vector<float> u = v;
        u[pos] = bad;
        INFO("n " << n << " pos " << pos << " value " << bad);
        CHECK(!all_finite_f32(u.data(), n));
      }
    }
  }
  const float big = std::numeric_limits<float>::max();
  const std::vector<float> extremes = {big, -big, std::numeric_limits<float>::denorm_min(), -0.0f};
  CHECK(all_finite_f32(extremes.data(), extremes.size()));
}

TEST_CASE("plain SGD kernel computes p + (-lr) g and only checks without commit", "[gemm][optim]") {
  // torch.optim.SGD(lr=0.1) on float32: p.add_(g, alpha=-0.1) = p + float32(-0.1) * g, the product
  // rounded before the add (no fused multiply-add on torch's CPU float path).
  for (size_t n : {size_t(1), size_t(3), size_t(4), size_t(9), size_t(1000)}) {
    const auto p0 = random_f32(n, 71);
    const auto g = random_f32(n, 72);
    const float neg_lr = -0.1f;
    std::vector<float> p = p0;
    CHECK(sgd_plain_f32(p.data(), g.data(), n, neg_lr, false));
    CHECK(p == p0);  // check mode writes nothing
    sgd_plain_f32(p.data(), g.data(), n, neg_lr, true);
    for (size_t i = 0; i < n; ++i) {
      volatile float prod = neg_lr * g[i];
      volatile float expect = p0[i] + prod;
      CHECK(p[i] == expect);
    }
    // An update that overflows float32 is reported by check mode.
    std::vector<float> big = p0, gbad = g;
    big[n - 1] = 3e38f;
    gbad[n - 1] = -1e38f;
    CHECK(!sgd_plain_f32(big.data(), gbad.data(), n, -10.0f, false));
    CHECK(big[n - 1] == 3e38f);
  }
}

TEST_CASE("staged plain SGD writes p + (-lr) g elsewhere and reports non-finite values",
          "[gemm][optim]") {
  // Same rounding as torch.optim.SGD(lr=0.1) on float32 (see the test above); param untouched.
  for (size_t n : {size_t(1), size_t(3), size_t(4), size_t(9), size_t(1000)}) {
    const auto p = random_f32(n, 81);
    const auto g = random_f32(n, 82);
    const float neg_lr = -0.1f;
    std::vector<float> out(n, -7.0f);
    CHECK(sgd_plain_stage_f32(out.data(), p.data(), g.data(), n, neg_lr));
    for (size_t i = 0; i < n; ++i) {
      volatile float prod = neg_lr * g[i];
      volatile float expect = p[i] + prod;
      CHECK(out[i] == expect);
    }
    CHECK(p == random_f32(n, 81));
    // An overflow, a NaN and an infinite gradient anywhere are all reported.
    for (size_t bad : {size_t(0), n / 2, n - 1}) {
      std::vector<float> gbad = g, pbad = p;
      pbad[bad] = 3e38f;
      gbad[bad] = -1e38f;
      CHECK(!sgd_plain_stage_f32(out.data(), pbad.data(), gbad.data(), n, -10.0f));
      gbad = g;
      gbad[bad] = std::numeric_limits<float>::quiet_NaN();
      CHECK(!sgd_plain_stage_f32(out.data(), p.data(), gbad.data(), n, neg_lr));
      gbad[bad] = std::numeric_limits<float>::infinity();
      CHECK(!sgd_plain_stage_f32(out.data(), p.data(), gbad.data(), n, neg_lr));
    }
  }
}
