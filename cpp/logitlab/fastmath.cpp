// Float row kernels on the fast exp: wasm f32x4 code and a portable scalar twin with the same
// order.
#include "logitlab/fastmath.hpp"

#include <cmath>

namespace ll {
namespace fastmath {
namespace {

// Folds 8 lane sums as documented in the header: v[j] = l[j] + l[j+4], (v0 + v1) + (v2 + v3).
inline float fold8(const float* l) {
  const float v0 = l[0] + l[4], v1 = l[1] + l[5], v2 = l[2] + l[6], v3 = l[3] + l[7];
  return (v0 + v1) + (v2 + v3);
}

#if LL_FASTMATH_SIMD
// The last r (1 to 3) elements at p as lanes 0..r-1, the other lanes 0; reads nothing past p + r.
LL_FASTMATH_INLINE v128_t load_tail(const float* p, size_t r) {
  if (r == 1) return wasm_v128_load32_zero(p);
  const v128_t v = wasm_v128_load64_zero(p);
  return r == 3 ? wasm_v128_load32_lane(p + 2, v, 2) : v;
}
// Stores lanes 0..r-1 (r from 1 to 3) of v to p.
LL_FASTMATH_INLINE void store_tail(float* p, v128_t v, size_t r) {
  if (r == 1) {
    wasm_v128_store32_lane(p, v, 0);
    return;
  }
  wasm_v128_store64_lane(p, v, 0);
  if (r == 3) wasm_v128_store32_lane(p + 2, v, 2);
}
// All ones in lanes 0..r-1, zeros in the others.
LL_FASTMATH_INLINE v128_t tail_mask(size_t r) {
  return wasm_i32x4_gt(wasm_i32x4_splat(static_cast<int32_t>(r)), wasm_i32x4_make(0, 1, 2, 3));
}

// fold8 in registers: v = a + b is v[j] = l[j] + l[j+4]; then (v0 + v1) and (v2 + v3) side by side.
LL_FASTMATH_INLINE float fold(v128_t a, v128_t b) {
  const v128_t v = wasm_f32x4_add(a, b);
  const v128_t w = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(w, 0) + wasm_f32x4_extract_lane(w, 2);
}
#endif

#if LL_FASTMATH_SIMD
// exp of shifted lanes (<= 0 or NaN): exp4_normal when they are known to be >= kNormalLo.
template <bool Normal>
LL_FASTMATH_INLINE v128_t exp4_shifted(v128_t v) {
  return Normal ? exp4_normal(v) : exp4_nonpos(v);
}
#endif

// exp(x[i] - m) over a row, storing each term to out[i] when Store; returns their sum in the
// fixed order of the header. Normal: the caller knows every x[i] - m is >= kNormalLo (or NaN), so
// the SIMD code takes exp4_normal, without exp4_nonpos's range test (same values).
template <bool Store, bool Normal = false>
LL_FASTMATH_INLINE float exp_sub_sum_impl(float* out, const float* x, float m, size_t n) {
  size_t i = 0;
#if LL_FASTMATH_SIMD
  const v128_t vm = wasm_f32x4_splat(m);
  v128_t a = wasm_f32x4_splat(0.0f), b = a;
  for (; i + 8 <= n; i += 8) {
    const v128_t e0 = exp4_shifted<Normal>(wasm_f32x4_sub(wasm_v128_load(x + i), vm));
    const v128_t e1 = exp4_shifted<Normal>(wasm_f32x4_sub(wasm_v128_load(x + i + 4), vm));
    if (Store) {
      wasm_v128_store(out + i, e0);
      wasm_v128_store(out + i + 4, e1);
    }
    a = wasm_f32x4_add(a, e0);
    b = wasm_f32x4_add(b, e1);
  }
  if (i + 4 <= n) {
    const v128_t e0 = exp4_shifted<Normal>(wasm_f32x4_sub(wasm_v128_load(x + i), vm));
    if (Store) wasm_v128_store(out + i, e0);
    a = wasm_f32x4_add(a, e0);
    i += 4;
  }
  if (i < n) {
    // The last n % 4 terms as one vector; the masked-off lanes add exactly +0.
    const size_t r = n - i;
    const v128_t e0 = wasm_v128_and(exp4_shifted<Normal>(wasm_f32x4_sub(load_tail(x + i, r), vm)), tail_mask(r));
    if (Store) store_tail(out + i, e0, r);
    a = wasm_f32x4_add(a, e0);
  }
  return fold(a, b);
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
  for (size_t j = 0; i + j < n; ++j) {
    const float e = exp(x[i + j] - m);
    if (Store) out[i + j] = e;
    l[j] += e;
  }
  return fold8(l);
#endif
}

// a > b, or a is NaN: the first NaN wins, as in torch's max.
inline float max2(float a, float b) { return (a > b || a != a) ? a : b; }

}  // namespace

void exp(float* out, const float* x, size_t n) {
  size_t i = 0;
#if LL_FASTMATH_SIMD
  for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, exp4(wasm_v128_load(x + i)));
  if (i < n) store_tail(out + i, exp4(load_tail(x + i, n - i)), n - i);
#else
  for (; i < n; ++i) out[i] = exp(x[i]);
#endif
}

namespace {

// The row max. With TrackNaN, torch's max: NaN if any element is NaN. Without, a NaN may be
// dropped (pmax drops a NaN in its second operand), so the result is only the max of the other
// elements: enough for the softmax rows below, where a NaN makes the sum NaN anyway, and they then
// recompute the max with TrackNaN. Ties and signed zeros resolve the same way in both.
//
// With a non-null lo, *lo is set to the row's min, taken the same loose way (a NaN may be dropped),
// for the fused rows' choice of exp loop: lo - max >= kNormalLo says no term underflows. A NaN in
// the max or the min makes that test false, which only means the range-tested loop.
template <bool TrackNaN>
LL_FASTMATH_INLINE float max_impl(const float* x, size_t n, float* lo = nullptr) {
  float m = x[0], l = x[0];
  size_t i = 0;
#if LL_FASTMATH_SIMD
  if (n >= 4) {
    // pmax is one instruction (f32x4.max's NaN rules cost V8 about eight) but drops a NaN in its
    // second operand, so NaNs are tracked on the side (x != x) and win at the end, as in torch.
    v128_t a = wasm_v128_load(x), b = a, c = a, d = a;
    v128_t nan = wasm_f32x4_ne(a, a);
    for (i = 4; i + 8 <= n; i += 8) {
      const v128_t u = wasm_v128_load(x + i), v = wasm_v128_load(x + i + 4);
      a = wasm_f32x4_pmax(a, u);
      b = wasm_f32x4_pmax(b, v);
      if (lo) {
        c = wasm_f32x4_pmin(c, u);
        d = wasm_f32x4_pmin(d, v);
      }
      if (TrackNaN) nan = wasm_v128_or(nan, wasm_v128_or(wasm_f32x4_ne(u, u), wasm_f32x4_ne(v, v)));
    }
    if (i + 4 <= n) {
      const v128_t u = wasm_v128_load(x + i);
      a = wasm_f32x4_pmax(a, u);
      if (lo) c = wasm_f32x4_pmin(c, u);
      if (TrackNaN) nan = wasm_v128_or(nan, wasm_f32x4_ne(u, u));
      i += 4;
    }
    if (i < n) {
      // The last n % 4 elements; the other lanes repeat a's (c's), which leaves the max (min)
      // unchanged.
      const size_t r = n - i;
      const v128_t mask = tail_mask(r), tail = load_tail(x + i, r);
      const v128_t u = wasm_v128_bitselect(tail, a, mask);
      a = wasm_f32x4_pmax(a, u);
      if (lo) c = wasm_f32x4_pmin(c, wasm_v128_bitselect(tail, c, mask));
      if (TrackNaN) nan = wasm_v128_or(nan, wasm_f32x4_ne(u, u));
      i = n;
    }
    if (TrackNaN && wasm_v128_any_true(nan)) return __builtin_nanf("");
    a = wasm_f32x4_pmax(a, b);
    a = wasm_f32x4_pmax(a, wasm_i32x4_shuffle(a, a, 2, 3, 0, 1));
    a = wasm_f32x4_pmax(a, wasm_i32x4_shuffle(a, a, 1, 0, 3, 2));
    m = wasm_f32x4_extract_lane(a, 0);
    if (lo) {
      c = wasm_f32x4_pmin(c, d);
      c = wasm_f32x4_pmin(c, wasm_i32x4_shuffle(c, c, 2, 3, 0, 1));
      c = wasm_f32x4_pmin(c, wasm_i32x4_shuffle(c, c, 1, 0, 3, 2));
      l = wasm_f32x4_extract_lane(c, 0);
    }
  }
#endif
  for (; i < n; ++i) {
    m = max2(x[i], m);
    if (lo) l = x[i] < l ? x[i] : l;
  }
  if (lo) *lo = l;
  return m;
}

// Whether every x - m of a row with max m and min lo is >= kNormalLo (false for NaN or infinities).
inline bool all_normal(float lo, float m) { return lo - m >= kNormalLo; }

LL_FASTMATH_INLINE void scale_impl(float* out, const float* x, float s, size_t n) {
  size_t i = 0;
#if LL_FASTMATH_SIMD
  const v128_t vs = wasm_f32x4_splat(s);
  for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, wasm_f32x4_mul(wasm_v128_load(x + i), vs));
  if (i < n) store_tail(out + i, wasm_f32x4_mul(load_tail(x + i, n - i), vs), n - i);
#else
  for (; i < n; ++i) out[i] = x[i] * s;
#endif
}

LL_FASTMATH_INLINE void sub_sub_impl(float* out, const float* x, float m, float c, size_t n) {
  size_t i = 0;
#if LL_FASTMATH_SIMD
  const v128_t vm = wasm_f32x4_splat(m), vc = wasm_f32x4_splat(c);
  for (; i + 4 <= n; i += 4) {
    wasm_v128_store(out + i, wasm_f32x4_sub(wasm_f32x4_sub(wasm_v128_load(x + i), vm), vc));
  }
  if (i < n) {
    store_tail(out + i, wasm_f32x4_sub(wasm_f32x4_sub(load_tail(x + i, n - i), vm), vc), n - i);
  }
#else
  for (; i < n; ++i) out[i] = (x[i] - m) - c;
#endif
}

}  // namespace

float max(const float* x, size_t n) { return max_impl<true>(x, n); }

float exp_sub_sum(float* out, const float* x, float m, size_t n) {
  return exp_sub_sum_impl<true>(out, x, m, n);
}

float sum_exp_sub(const float* x, float m, size_t n) {
  return exp_sub_sum_impl<false>(nullptr, x, m, n);
}

void scale(float* out, const float* x, float s, size_t n) { scale_impl(out, x, s, n); }

void sub_sub(float* out, const float* x, float m, float c, size_t n) {
  sub_sub_impl(out, x, m, c, n);
}

void exp_sub_scale(float* out, const float* x, float m, float s, size_t n) {
  size_t i = 0;
#if LL_FASTMATH_SIMD
  const v128_t vm = wasm_f32x4_splat(m), vs = wasm_f32x4_splat(s);
  for (; i + 4 <= n; i += 4) {
    const v128_t e = exp4(wasm_f32x4_sub(wasm_v128_load(x + i), vm));
    wasm_v128_store(out + i, wasm_f32x4_mul(e, vs));
  }
  if (i < n) {
    const v128_t e = exp4(wasm_f32x4_sub(load_tail(x + i, n - i), vm));
    store_tail(out + i, wasm_f32x4_mul(e, vs), n - i);
  }
#else
  for (; i < n; ++i) out[i] = exp(x[i] - m) * s;
#endif
}

namespace {

// The fused rows take the max without NaN tracking; a NaN element (or an inf - inf) makes the sum
// NaN, and every output is NaN either way, so only the returned max needs the exact recount.
inline float row_max_to_return(float m, float s, const float* x, size_t n) {
  return s == s ? m : max_impl<true>(x, n);
}

}  // namespace

float softmax_row(float* out, const float* x, size_t n, float* s) {
  float lo;
  const float m = max_impl<false>(x, n, &lo);
  *s = all_normal(lo, m) ? exp_sub_sum_impl<true, true>(out, x, m, n)
                         : exp_sub_sum_impl<true>(out, x, m, n);
  scale_impl(out, out, 1.0f / *s, n);
  return row_max_to_return(m, *s, x, n);
}

float log_softmax_row(float* out, const float* x, size_t n, float* s) {
  float lo;
  const float m = max_impl<false>(x, n, &lo);
  *s = all_normal(lo, m) ? exp_sub_sum_impl<false, true>(nullptr, x, m, n)
                         : exp_sub_sum_impl<false>(nullptr, x, m, n);
  sub_sub_impl(out, x, m, std::log(*s), n);
  return row_max_to_return(m, *s, x, n);
}

float row_stats(const float* x, size_t n, float* s) {
  float lo;
  const float m = max_impl<false>(x, n, &lo);
  *s = all_normal(lo, m) ? exp_sub_sum_impl<false, true>(nullptr, x, m, n)
                         : exp_sub_sum_impl<false>(nullptr, x, m, n);
  return row_max_to_return(m, *s, x, n);
}

#if LL_FASTMATH_SIMD
namespace {

// out[k] = x[k] - m over a row (whole vectors, then the tail).
LL_FASTMATH_INLINE void sub_row(float* out, const float* x, float m, size_t n) {
  const v128_t vm = wasm_f32x4_splat(m);
  size_t k = 0;
  for (; k + 4 <= n; k += 4) wasm_v128_store(out + k, wasm_f32x4_sub(wasm_v128_load(x + k), vm));
  if (k < n) store_tail(out + k, wasm_f32x4_sub(load_tail(x + k, n - k), vm), n - k);
}

// The sum of e[0..n) in the documented lane order, as exp_sub_sum_impl adds its terms.
LL_FASTMATH_INLINE float sum_row(const float* e, size_t n) {
  v128_t a = wasm_f32x4_splat(0.0f), b = a;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    a = wasm_f32x4_add(a, wasm_v128_load(e + i));
    b = wasm_f32x4_add(b, wasm_v128_load(e + i + 4));
  }
  if (i + 4 <= n) {
    a = wasm_f32x4_add(a, wasm_v128_load(e + i));
    i += 4;
  }
  if (i < n) a = wasm_f32x4_add(a, load_tail(e + i, n - i));  // the other lanes load +0
  return fold(a, b);
}

}  // namespace
#endif

void softmax_short_rows(float* out, const float* x, size_t rows, size_t n, bool log) {
  if (n == 0) return;
#if LL_FASTMATH_SIMD
  // Blocks of rows whose terms fit `e` (padded with zeros to a whole number of vectors).
  constexpr size_t kBlock = 512;
  alignas(16) float e[kBlock + 4];
  float m[kBlock];
  const size_t per_block = kBlock / n;
  for (size_t r0 = 0; r0 < rows; r0 += per_block) {
    const size_t nr = rows - r0 < per_block ? rows - r0 : per_block;
    const size_t count = nr * n;
    const float* xb = x + r0 * n;
    float* ob = out + r0 * n;
    bool normal = true;
    for (size_t r = 0; r < nr; ++r) {
      float lo;
      m[r] = max_impl<false>(xb + r * n, n, &lo);
      normal = normal && all_normal(lo, m[r]);
      sub_row(e + r * n, xb + r * n, m[r], n);
    }
    for (size_t k = count; k % 4 != 0; ++k) e[k] = 0.0f;
    // The terms exp(x - m) in place, whole vectors: every shifted value is <= 0 or NaN.
    if (normal) {
      for (size_t k = 0; k < count; k += 4) wasm_v128_store(e + k, exp4_normal(wasm_v128_load(e + k)));
    } else {
      for (size_t k = 0; k < count; k += 4) wasm_v128_store(e + k, exp4_nonpos(wasm_v128_load(e + k)));
    }
    for (size_t r = 0; r < nr; ++r) {
      const float s = sum_row(e + r * n, n);
      if (log) {
        sub_sub_impl(ob + r * n, xb + r * n, m[r], std::log(s), n);  // out may alias x
      } else {
        scale_impl(ob + r * n, e + r * n, 1.0f / s, n);
      }
    }
  }
#else
  // The scalar twin has no per-row vector tails to save: the per-row kernels themselves.
  float s;
  for (size_t r = 0; r < rows; ++r) {
    if (log) {
      log_softmax_row(out + r * n, x + r * n, n, &s);
    } else {
      softmax_row(out + r * n, x + r * n, n, &s);
    }
  }
#endif
}

}  // namespace fastmath
}  // namespace ll
