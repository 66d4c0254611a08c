// Test helpers: central-difference gradients and element-wise closeness checks for ll::Tensor.
#pragma once

#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <type_traits>
#include <vector>

#include "logitlab/tensor.hpp"

namespace ll_test {

// Numerical gradient of a scalar function f at x by central differences (in double).
inline ll::Tensor<double> numeric_grad(const std::function<double(const ll::Tensor<double>&)>& f,
                                       ll::Tensor<double> x, double h = 1e-6) {
  ll::Tensor<double> g(x.shape);
  for (size_t i = 0; i < x.size(); ++i) {
    const double v = x.data[i];
    x.data[i] = v + h;
    const double up = f(x);
    x.data[i] = v - h;
    const double down = f(x);
    x.data[i] = v;
    g.data[i] = (up - down) / (2 * h);
  }
  return g;
}

// Sum of every element: turns a 'none' loss into the scalar whose gradient backward returns.
template <class T>
double sum_all(const ll::Tensor<T>& t) {
  double s = 0;
  for (T v : t.data) s += static_cast<double>(v);
  return s;
}

// Requires actual[i] to be within rel (relative) or abs (absolute) of expected[i]; NaN must meet
// NaN and infinities must be equal.
template <class T>
void require_close(const std::vector<T>& actual, const std::vector<double>& expected, double rel,
                   double abs) {
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    INFO("element " << i);
    const double a = static_cast<double>(actual[i]), e = expected[i];
    if (std::isnan(e)) {
      REQUIRE(std::isnan(a));
    } else if (std::isinf(e)) {
      REQUIRE(a == e);
    } else {
      REQUIRE_THAT(a, Catch::Matchers::WithinRel(e, rel) || Catch::Matchers::WithinAbs(e, abs));
    }
  }
}

// Tolerances for comparing against torch 1.13: a few ulps of T (summation order differs).
template <class T>
constexpr double rel_tol() {
  return std::is_same<T, float>::value ? 1e-6 : 1e-12;
}
template <class T>
constexpr double abs_tol() {
  return std::is_same<T, float>::value ? 1e-7 : 1e-14;
}

// Checks an analytic gradient against central differences of f.
inline void require_grad_matches(const ll::Tensor<double>& analytic,
                                 const std::function<double(const ll::Tensor<double>&)>& f,
                                 const ll::Tensor<double>& x, double h = 1e-6) {
  const ll::Tensor<double> numeric = numeric_grad(f, x, h);
  REQUIRE(analytic.shape == x.shape);
  require_close(analytic.data, std::vector<double>(numeric.data), 1e-6, 1e-7);
}

}  // namespace ll_test
