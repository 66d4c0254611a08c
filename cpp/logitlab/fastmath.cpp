// Float row kernels on the fast exp: wasm f32x4 code and a portable scalar twin with the same
// order.
#include "logitlab/fastmath.hpp"

namespace ll {
namespace fastmath {
namespace {

// Folds 8 lane sums as documented in the header: v[j] = l[j] + l[j+4], (v0 + v1) + (v2 + v3).
inline float fold8(const float* l) {
  const float v0 = l[0] + l[4], v1 = l[1] + l[5], v2 = l[2] + l[6], v3 = l[3] + l[7];
  return (v0 + v1) + (v2 + v3);
}

#if LL_FASTMATH_SIMD
inline float fold(v128_t a, v128_t b) {
  alignas(16) float l[8];
  wasm_v128_store(l, a);
  wasm_v128_store(l + 4, b);
  return fold8(l);
}
#endif

// exp(x[i] - m) over a row, calling store(i, e) for each term; returns their sum in the fixed
// order.
template <bool Store>
float exp_sub_sum_impl(float* out, const float* x, float m, size_t n) {
  size_t i = 0;
  float lanes_sum = 0.0f;
#if LL_FASTMATH_SIMD
  const v128_t vm = wasm_f32x4_splat(m);
  v128_t a = wasm_f32x4_splat(0.0f), b = a;
  for (; i + 8 <= n; i += 8) {
    const v128_t e0 = exp4(wasm_f32x4_sub(wasm_v128_load(x + i), vm));
    const v128_t e1 = exp4(wasm_f32x4_sub(wasm_v128_load(x + i + 4), vm));
    if (Store) {
      wasm_v128_store(out + i, e0);
      wasm_v128_store(out + i + 4, e1);
    }
    a = wasm_f32x4_add(a, e0);
    b = wasm_f32x4_add(b, e1);
  }
  if (i + 4 <= n) {
    const v128_t e0 = exp4(wasm_f32x4_sub(wasm_v128_load(x + i), vm));
    if (Store) wasm_v128_store(out + i, e0);
    a = wasm_f32x4_add(a, e0);
    i += 4;
  }
  lanes_sum = fold(a, b);
#else
  float l[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (; i + 8 <= n; i += 8) {
    for (size_t j = 0; j < 8; ++j) {
      const float e = exp(x[i + j] - m);
      if (Store) out[i + j] = e;
      l[j] += e;
    }
  }
  if (i + 4 <= n) {
    for (size_t j = 0; j < 4; ++j) {
      const float e = exp(x[i + j] - m);
      if (Store) out[i + j] = e;
      l[j] += e;
    }
    i += 4;
  }
  lanes_sum = fold8(l);
#endif
  float tail = 0.0f;
  for (; i < n; ++i) {
    const float e = exp(x[i] - m);
    if (Store) out[i] = e;
    tail += e;
  }
  return lanes_sum + tail;
}

// a > b, or a is NaN: the first NaN wins, as in torch's max.
inline float max2(float a, float b) { return (a > b || a != a) ? a : b; }

}  // namespace

void exp(float* out, const float* x, size_t n) {
  size_t i = 0;
#if LL_FASTMATH_SIMD
  for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, exp4(wasm_v128_load(x + i)));
#endif
  for (; i < n; ++i) out[i] = exp(x[i]);
}

float max(const float* x, size_t n) {
  float m = x[0];
  size_t i = 0;
#if LL_FASTMATH_SIMD
  if (n >= 8) {
    v128_t a = wasm_v128_load(x), b = wasm_v128_load(x + 4);
    for (i = 8; i + 8 <= n; i += 8) {
      a = wasm_f32x4_max(a, wasm_v128_load(x + i));  // NaN-propagating
      b = wasm_f32x4_max(b, wasm_v128_load(x + i + 4));
    }
    a = wasm_f32x4_max(a, b);
    alignas(16) float l[4];
    wasm_v128_store(l, a);
    m = max2(max2(l[0], l[1]), max2(l[2], l[3]));
  }
#endif
  for (; i < n; ++i) m = max2(x[i], m);
  return m;
}

float exp_sub_sum(float* out, const float* x, float m, size_t n) {
  return exp_sub_sum_impl<true>(out, x, m, n);
}

float sum_exp_sub(const float* x, float m, size_t n) {
  return exp_sub_sum_impl<false>(nullptr, x, m, n);
}

void scale(float* out, const float* x, float s, size_t n) {
  size_t i = 0;
#if LL_FASTMATH_SIMD
  const v128_t vs = wasm_f32x4_splat(s);
  for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, wasm_f32x4_mul(wasm_v128_load(x + i), vs));
#endif
  for (; i < n; ++i) out[i] = x[i] * s;
}

void sub_sub(float* out, const float* x, float m, float c, size_t n) {
  size_t i = 0;
#if LL_FASTMATH_SIMD
  const v128_t vm = wasm_f32x4_splat(m), vc = wasm_f32x4_splat(c);
  for (; i + 4 <= n; i += 4) {
    wasm_v128_store(out + i, wasm_f32x4_sub(wasm_f32x4_sub(wasm_v128_load(x + i), vm), vc));
  }
#endif
  for (; i < n; ++i) out[i] = (x[i] - m) - c;
}

void exp_sub_scale(float* out, const float* x, float m, float s, size_t n) {
  size_t i = 0;
#if LL_FASTMATH_SIMD
  const v128_t vm = wasm_f32x4_splat(m), vs = wasm_f32x4_splat(s);
  for (; i + 4 <= n; i += 4) {
    const v128_t e = exp4(wasm_f32x4_sub(wasm_v128_load(x + i), vm));
    wasm_v128_store(out + i, wasm_f32x4_mul(e, vs));
  }
#endif
  for (; i < n; ++i) out[i] = exp(x[i] - m) * s;
}

}  // namespace fastmath
}  // namespace ll
