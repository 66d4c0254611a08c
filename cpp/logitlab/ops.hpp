// Elementwise and reduction ops: softmax, log-softmax, sigmoid, relu, argmax, max (float and double).
#pragma once

#include <cstddef>
#include <cstdint>

#include "explain.hpp"
#include "tensor.hpp"

namespace ll {

// Row kernels, llm.c style: outputs first, then inputs, then sizes. x and out are (rows, cols),
// row-major; out may alias x. Each row's running max starts at its first element. float rows run
// the fastmath.hpp kernels (fast exp, wasm f32x4 with -msimd128); double rows use std::exp.
template <class T> void softmax_rows(T* out, const T* x, int rows, int cols);
template <class T> void log_softmax_rows(T* out, const T* x, int rows, int cols);

// The statistics of one contiguous row as softmax_rows / log_softmax_rows compute them (same code,
// same rounding): m = max_j x_j (NaN if any is NaN) and s = sum_j exp(x_j - m). A fused consumer
// such as cross-entropy gets log-softmax values (x_j - m) - log(s) identical to log_softmax's.
void softmax_row_stats(const float* x, size_t n, float* m, float* s);
void softmax_row_stats(const double* x, size_t n, double* m, double* s);

// softmax / log_softmax along `dim` of raw row-major memory of `shape` (no copy; the bindings'
// one-copy path). out may alias x. Same checks, errors and values as the Tensor forms below.
template <class T> void softmax_into(T* out, const T* x, const Shape& shape, int dim);
template <class T> void log_softmax_into(T* out, const T* x, const Shape& shape, int dim);

// softmax / log_softmax along `dim` (negative counts from the end) of a tensor of any rank >= 0.
// With `ex`, records the steps (ids) input, max, shift, exp, sum, divide (softmax) or
// input, max, shift, exp, sum, logsumexp, result (log_softmax) with the values computed;
// "max", "sum" and "logsumexp" have the input's shape with `dim` removed.
// Errors (RangeError) name "softmax" / "logSoftmax": bad dim, empty input.
template <class T> Tensor<T> softmax(const Tensor<T>& x, int dim = -1, Explain* ex = nullptr);
template <class T> Tensor<T> log_softmax(const Tensor<T>& x, int dim = -1, Explain* ex = nullptr);

template <class T> Tensor<T> sigmoid(const Tensor<T>& x);  // stable for large |x|
template <class T> Tensor<T> relu(const Tensor<T>& x);

// torch.argmax / torch.max(x, dim): first index of the largest value; NaN counts as the largest.
template <class T> Tensor<int32_t> argmax(const Tensor<T>& x, int dim = -1);
template <class T> struct MaxResult {
  Tensor<T> values;
  Tensor<int32_t> indices;
};
template <class T> MaxResult<T> max(const Tensor<T>& x, int dim);
template <class T> T max_all(const Tensor<T>& x);  // torch.max(x): NaN if any element is NaN

}  // namespace ll
