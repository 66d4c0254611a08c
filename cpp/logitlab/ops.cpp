// Softmax, log-softmax (fast f32 SIMD rows), sigmoid, relu, argmax and max, with optional explain
// steps.
#include "logitlab/ops.hpp"

#include <cmath>
#include <type_traits>
#include <string>

#include "logitlab/fastmath.hpp"

namespace ll {
namespace {

// A tensor seen as (outer, n, inner) around one dim: element (o, k, i) is at (o * n + k) * inner +
// i.
struct DimView {
  int dim = 0;
  size_t outer = 1, n = 1, inner = 1;
  Shape reduced;  // the shape with `dim` removed (torch's keepdim=false)
};

// `reduced` is filled only when asked for (explain, max): the plain softmax call allocates nothing.
DimView view_around(const Shape& shape, int dim, const char* fn, bool with_reduced = true) {
  DimView v;
  v.dim = normalize_dim(dim, static_cast<int>(shape.size()), fn);
  if (shape.empty()) return v;  // a 0-d tensor is one row of one element
  for (int d = 0; d < static_cast<int>(shape.size()); ++d) {
    const auto s = static_cast<size_t>(shape[d]);
    if (d < v.dim) v.outer *= s;
    if (d == v.dim) v.n = s;
    if (d > v.dim) v.inner *= s;
    if (with_reduced && d != v.dim) v.reduced.push_back(shape[d]);
  }
  return v;
}

void require_non_empty(size_t n, const char* fn) {
  if (n == 0) {
    throw RangeError(std::string(fn) + ": x is empty; expected a non-empty tensor");
  }
}

// "a is larger than b" for max/argmax: NaN beats every number and the first NaN is kept.
template <class T>
bool beats(T a, T b) {
  return a > b || (std::isnan(a) && !std::isnan(b));
}

// Optional per-step buffers for explain; null pointers record nothing.
template <class T>
struct SoftmaxTrace {
  T* max = nullptr;    // (outer * inner)
  T* shift = nullptr;  // like x
  T* exp = nullptr;    // like x
  T* sum = nullptr;    // (outer * inner)
  T* lse = nullptr;    // (outer * inner), log_softmax only
};

// e^v: the fast f32 exp for float (fastmath.hpp), std::exp for double (float64 stays at 1e-9).
inline float exp_of(float v) { return fastmath::exp(v); }
inline double exp_of(double v) { return std::exp(v); }

// One contiguous row of n elements, the case every last-dim call runs: max, the sum of
// exp(x - max), then softmax e * (1/s) or log-softmax (x - max) - log(s), torch's order of
// operations. The plain call and explain run this same function; explain only passes trace rows
// (tr_exp / tr_shift, n each) and reads m and s back. Float runs the fastmath kernels (wasm f32x4
// when built with SIMD, the scalar twin with identical results otherwise); double runs scalar code.
template <bool Log>
void softmax_row(float* out, const float* x, size_t n, float* tr_shift, float* tr_exp, float* m_out,
                 float* s_out) {
  float s;
  if (!tr_shift && !tr_exp) {
    // The plain call: the whole row in one fastmath call (the same kernels, fused).
    const float m =
        Log ? fastmath::log_softmax_row(out, x, n, &s) : fastmath::softmax_row(out, x, n, &s);
    if (m_out) *m_out = m;
    if (s_out) *s_out = s;
    return;
  }
  const float m = fastmath::max(x, n);
  if (tr_shift) {
    for (size_t k = 0; k < n; ++k) tr_shift[k] = x[k] - m;
  }
  if (Log) {
    s = tr_exp ? fastmath::exp_sub_sum(tr_exp, x, m, n) : fastmath::sum_exp_sub(x, m, n);
    fastmath::sub_sub(out, x, m, std::log(s), n);
  } else {
    // The exps go to `out` (or the trace) and are then scaled in place.
    float* e = tr_exp ? tr_exp : out;
    s = fastmath::exp_sub_sum(e, x, m, n);
    fastmath::scale(out, e, 1.0f / s, n);
  }
  if (m_out) *m_out = m;
  if (s_out) *s_out = s;
}

template <bool Log>
void softmax_row(double* out, const double* x, size_t n, double* tr_shift, double* tr_exp,
                 double* m_out, double* s_out) {
  // The max only keeps exp() from overflowing; it starts at the row's first element.
  double m = x[0];
  for (size_t k = 1; k < n; ++k) {
    if (beats(x[k], m)) m = x[k];
  }
  double s = 0;
  for (size_t k = 0; k < n; ++k) {
    const double z = x[k] - m;
    const double e = std::exp(z);
    if (tr_shift) tr_shift[k] = z;
    if (tr_exp) tr_exp[k] = e;
    if (!Log) out[k] = e;
    s += e;
  }
  if (Log) {
    const double log_s = std::log(s);
    for (size_t k = 0; k < n; ++k) out[k] = (x[k] - m) - log_s;
  } else {
    const double inv = 1.0 / s;
    for (size_t k = 0; k < n; ++k) out[k] *= inv;
  }
  if (m_out) *m_out = m;
  if (s_out) *s_out = s;
}

// The softmax / log-softmax kernel every entry point runs. x and out are (outer, n, inner);
// out may alias x. inner == 1 (the last dim) runs softmax_row per row; other dims run the same
// steps strided, with exp_of and a sequential sum.
template <class T, bool Log>
void softmax_kernel(T* out, const T* x, size_t outer, size_t n, size_t inner,
                    const SoftmaxTrace<T>& tr) {
  if (inner == 1) {
    if constexpr (std::is_same_v<T, float>) {
      const bool traced = tr.max || tr.shift || tr.exp || tr.sum || tr.lse;
      if (!traced && n < fastmath::kShortRow) {
        // Short rows (e.g. 64 x 10): the same results from one exp pass over blocks of rows.
        fastmath::softmax_short_rows(out, x, outer, n, Log);
        return;
      }
    }
    for (size_t o = 0; o < outer; ++o) {
      const size_t base = o * n;
      T m, s;
      softmax_row<Log>(out + base, x + base, n, tr.shift ? tr.shift + base : nullptr,
                       tr.exp ? tr.exp + base : nullptr, &m, &s);
      if (tr.max) tr.max[o] = m;
      if (tr.sum) tr.sum[o] = s;
      if (tr.lse) tr.lse[o] = m + std::log(s);
    }
    return;
  }
  for (size_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < inner; ++i) {
      const size_t base = o * n * inner + i;
      const size_t r = o * inner + i;
      T m = x[base];
      for (size_t k = 1; k < n; ++k) {
        const T v = x[base + k * inner];
        if (beats(v, m)) m = v;
      }
      T s = 0;
      for (size_t k = 0; k < n; ++k) {
        const size_t j = base + k * inner;
        const T z = x[j] - m;
        const T e = exp_of(z);
        if (tr.shift) tr.shift[j] = z;
        if (tr.exp) tr.exp[j] = e;
        if (!Log) out[j] = e;
        s += e;
      }
      if (tr.max) tr.max[r] = m;
      if (tr.sum) tr.sum[r] = s;
      if (Log) {
        // (z - m) - log(s), in torch's order of operations, so float results round like torch's.
        const T log_s = std::log(s);
        if (tr.lse) tr.lse[r] = m + log_s;
        for (size_t k = 0; k < n; ++k) out[base + k * inner] = (x[base + k * inner] - m) - log_s;
      } else {
        // Multiply by 1/s as torch's kernel does, so float results round like torch's.
        const T inv = T(1) / s;
        for (size_t k = 0; k < n; ++k) out[base + k * inner] *= inv;
      }
    }
  }
}

// softmax / log_softmax on raw memory with a shape: checks, then the kernel.
template <class T, bool Log>
void softmax_raw(T* out, const T* x, const Shape& shape, int dim) {
  const char* fn = Log ? "logSoftmax" : "softmax";
  require_non_empty(Tensor<T>::numel(shape), fn);
  const DimView v = view_around(shape, dim, fn, false);
  softmax_kernel<T, Log>(out, x, v.outer, v.n, v.inner, SoftmaxTrace<T>{});
}

// softmax / log_softmax on a tensor; with `ex`, the same kernel also fills the step tensors.
template <class T, bool Log>
Tensor<T> softmax_tensor(const Tensor<T>& x, int dim, Explain* ex) {
  if (!ex) {
    // A copy of x turned into the result in place: one memcpy instead of zero-filling a new tensor.
    Tensor<T> out = x;
    softmax_raw<T, Log>(out.ptr(), out.ptr(), x.shape, dim);
    return out;
  }
  Tensor<T> out(x.shape);
  const char* fn = Log ? "logSoftmax" : "softmax";
  require_non_empty(x.size(), fn);
  const DimView v = view_around(x.shape, dim, fn);
  // Explain: the same kernel, also writing each intermediate into a step tensor.
  Tensor<T> mx(v.reduced), shift(x.shape), e(x.shape), sum(v.reduced), lse(v.reduced);
  SoftmaxTrace<T> tr{mx.ptr(), shift.ptr(), e.ptr(), sum.ptr(), Log ? lse.ptr() : nullptr};
  softmax_kernel<T, Log>(out.ptr(), x.ptr(), v.outer, v.n, v.inner, tr);
  ex->add("input", "Input logits", "z", x);
  ex->add("max", "Maximum along the dim", "m = \\max_j z_j", mx);
  ex->add("shift", "Subtract the maximum", "z_i - m", shift);
  ex->add("exp", "Exponentiate", "e^{z_i - m}", e);
  ex->add("sum", "Sum of the exponentials", "s = \\sum_j e^{z_j - m}", sum);
  if (Log) {
    ex->add("logsumexp", "Log-sum-exp", "\\mathrm{lse} = m + \\log s", lse);
    ex->add("result", "Subtract the log-sum-exp", "(z_i - m) - \\log s", out);
  } else {
    ex->add("divide", "Divide by the sum", "\\frac{e^{z_i-m}}{\\sum_j e^{z_j-m}}", out);
  }
  return out;
}

}  // namespace

template <class T>
void softmax_rows(T* out, const T* x, int rows, int cols) {
  softmax_kernel<T, false>(out, x, static_cast<size_t>(rows), static_cast<size_t>(cols), 1,
                           SoftmaxTrace<T>{});
}

template <class T>
void log_softmax_rows(T* out, const T* x, int rows, int cols) {
  softmax_kernel<T, true>(out, x, static_cast<size_t>(rows), static_cast<size_t>(cols), 1,
                          SoftmaxTrace<T>{});
}

// The row statistics of softmax_row without writing anything: the same m and s, by the same code.
void softmax_row_stats(const float* x, size_t n, float* m, float* s) {
  *m = fastmath::row_stats(x, n, s);
}
void softmax_row_stats(const double* x, size_t n, double* m, double* s) {
  double mx = x[0];
  for (size_t k = 1; k < n; ++k) {
    if (beats(x[k], mx)) mx = x[k];
  }
  double sum = 0;
  for (size_t k = 0; k < n; ++k) sum += std::exp(x[k] - mx);
  *m = mx;
  *s = sum;
}

template <class T>
void softmax_into(T* out, const T* x, const Shape& shape, int dim) {
  softmax_raw<T, false>(out, x, shape, dim);
}

template <class T>
void log_softmax_into(T* out, const T* x, const Shape& shape, int dim) {
  softmax_raw<T, true>(out, x, shape, dim);
}

// Explain step ids (softmax): "input", "max", "shift", "exp", "sum", "divide" (= the result).
// "max" and "sum" have the input's shape with `dim` removed; the others the input's shape.
template <class T>
Tensor<T> softmax(const Tensor<T>& x, int dim, Explain* ex) {
  return softmax_tensor<T, false>(x, dim, ex);
}

// Explain step ids (log_softmax): "input", "max", "shift", "exp", "sum", "logsumexp", "result".
template <class T>
Tensor<T> log_softmax(const Tensor<T>& x, int dim, Explain* ex) {
  return softmax_tensor<T, true>(x, dim, ex);
}

template <class T>
Tensor<T> sigmoid(const Tensor<T>& x) {
  Tensor<T> out(x.shape);
  for (size_t i = 0; i < x.size(); ++i) {
    const T v = x.data[i];
    // exp of a non-positive number only, so nothing overflows.
    if (v >= 0) {
      out.data[i] = T(1) / (T(1) + std::exp(-v));
    } else {
      const T e = std::exp(v);
      out.data[i] = e / (T(1) + e);
    }
  }
  return out;
}

template <class T>
Tensor<T> relu(const Tensor<T>& x) {
  Tensor<T> out(x.shape);
  // NaN stays NaN, as torch.relu does.
  for (size_t i = 0; i < x.size(); ++i) out.data[i] = x.data[i] < 0 ? T(0) : x.data[i];
  return out;
}

template <class T>
MaxResult<T> max(const Tensor<T>& x, int dim) {
  require_non_empty(x.size(), "max");
  const DimView v = view_around(x.shape, dim, "max");
  MaxResult<T> r{Tensor<T>(v.reduced), Tensor<int32_t>(v.reduced)};
  for (size_t o = 0; o < v.outer; ++o) {
    for (size_t i = 0; i < v.inner; ++i) {
      const size_t base = o * v.n * v.inner + i;
      T best = x.data[base];
      int32_t at = 0;
      for (size_t k = 1; k < v.n; ++k) {
        const T c = x.data[base + k * v.inner];
        if (beats(c, best)) {
          best = c;
          at = static_cast<int32_t>(k);
        }
      }
      r.values.data[o * v.inner + i] = best;
      r.indices.data[o * v.inner + i] = at;
    }
  }
  return r;
}

template <class T>
Tensor<int32_t> argmax(const Tensor<T>& x, int dim) {
  if (x.size() == 0) {
    throw RangeError("argmax: x is empty; expected a non-empty tensor");
  }
  normalize_dim(dim, x.dim(), "argmax");  // names argmax in the message rather than max
  return max(x, dim).indices;
}

template <class T>
T max_all(const Tensor<T>& x) {
  require_non_empty(x.size(), "max");
  T best = x.data[0];
  for (size_t i = 1; i < x.size(); ++i) {
    if (beats(x.data[i], best)) best = x.data[i];
  }
  return best;
}

#define LL_INSTANTIATE_OPS(T)                                         \
  template void softmax_rows<T>(T*, const T*, int, int);              \
  template void log_softmax_rows<T>(T*, const T*, int, int);          \
  template void softmax_into<T>(T*, const T*, const Shape&, int);     \
  template void log_softmax_into<T>(T*, const T*, const Shape&, int); \
  template Tensor<T> softmax<T>(const Tensor<T>&, int, Explain*);     \
  template Tensor<T> log_softmax<T>(const Tensor<T>&, int, Explain*); \
  template Tensor<T> sigmoid<T>(const Tensor<T>&);                    \
  template Tensor<T> relu<T>(const Tensor<T>&);                       \
  template Tensor<int32_t> argmax<T>(const Tensor<T>&, int);          \
  template MaxResult<T> max<T>(const Tensor<T>&, int);                \
  template T max_all<T>(const Tensor<T>&);

LL_INSTANTIATE_OPS(float)
LL_INSTANTIATE_OPS(double)
#undef LL_INSTANTIATE_OPS

}  // namespace ll
