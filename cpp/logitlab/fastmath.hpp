// Fast float32 exp (scalar and wasm f32x4) and the SIMD row kernels built on it (max, exp-sum,
// scale).
//
// One algorithm, two spellings: with -msimd128 (__wasm_simd128__) the array functions run 4 lanes
// at a time with wasm_simd128.h; otherwise (native builds, the Catch2 tests) a portable scalar
// version runs the same operations in the same order, so both give bit-identical results
// (neither uses FMA). Float only: float64 code keeps std::exp so it stays at 1e-9 of torch.
//
// exp(x): x = n ln2 + r with n = round(x / ln2) (round to nearest even) and |r| <= ln2/2, ln2 split
// in two parts so n * ln2_hi is exact; e^r = 1 + r + r^2 q(r), q a degree-4 fit (relative error of
// the fit 3e-9); then times 2^n, applied as 2^(n/2) * 2^(n - n/2) so results below FLT_MIN
// underflow gradually like std::exp. Accuracy: within 2 ulp of std::exp for every float input
// whose result is normal (measured 0.96 ulp, 7.9e-8 relative: tests/cpp/test_fastmath.cpp); +inf
// for x > ~88.72, 0 for x < ~-103.97, exp(-inf) = 0, exp(+inf) = +inf, NaN in -> NaN out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#define LL_FASTMATH_SIMD 1
#else
#define LL_FASTMATH_SIMD 0
#endif

namespace ll {
namespace fastmath {

// Whether the array functions below run as wasm SIMD (true) or as the portable scalar code.
constexpr bool kSimd = LL_FASTMATH_SIMD != 0;

namespace detail {
constexpr float kHi = 89.0f;    // above ln(FLT_MAX) = 88.7228: the result overflows to +inf
constexpr float kLo = -104.0f;  // below ln(2^-150): the result rounds to 0
constexpr float kLog2e = 1.44269504088896341f;
// 1.5 * 2^23 + 127: adding it rounds to an integer (nearest even), n + 127 in the low bits, so the
// bits of t = x log2(e) + kRound shifted left by 23 are 2^n (the bits of 1.5 * 2^23 shift out).
constexpr float kRound = 12583039.0f;
constexpr int32_t kRoundBits = 0x4B40007F;
constexpr float kLn2Hi = 0.693359375f;     // 9 significant bits: n * kLn2Hi is exact for |n| < 2^15
constexpr float kLn2Lo = -2.12194440e-4f;  // ln2 - kLn2Hi
// q(r) ~ (e^r - 1 - r) / r^2 on [-ln2/2, ln2/2], fitted for relative error in e^r.
constexpr float kC0 = 4.999999404e-01f;
constexpr float kC1 = 1.666652113e-01f;
constexpr float kC2 = 4.166838899e-02f;
constexpr float kC3 = 8.368745446e-03f;
constexpr float kC4 = 1.381453825e-03f;

inline float from_bits(int32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}
inline int32_t to_bits(float f) {
  int32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}
}  // namespace detail

// Forced inline for the SIMD kernels: an out-of-line exp4 call per 4 elements costs more than the
// exp itself, and clang kept exp4 out of line in the -O3 build (softmax ran 1.3x slower).
#define LL_FASTMATH_INLINE inline __attribute__((always_inline))

// Fast exp of one float; the same operations as one lane of exp4.
inline float exp(float x) {
  using namespace detail;
  x = x > kHi ? kHi : x;  // written so that NaN passes through both clamps
  x = x < kLo ? kLo : x;
  const float t = x * kLog2e + kRound;
  const float n = t - kRound;
  const int32_t ni =
      static_cast<int32_t>(static_cast<uint32_t>(to_bits(t)) - static_cast<uint32_t>(kRoundBits));
  const float r = (x - n * kLn2Hi) - n * kLn2Lo;
  float q = kC4;
  q = q * r + kC3;
  q = q * r + kC2;
  q = q * r + kC1;
  q = q * r + kC0;
  const float y = (r * r) * q + r + 1.0f;
  const int32_t n1 = ni >> 1, n2 = ni - n1;  // |n1|, |n2| <= 75: both powers are normal floats
  const float s1 = from_bits(static_cast<int32_t>(static_cast<uint32_t>(n1 + 127) << 23));
  const float s2 = from_bits(static_cast<int32_t>(static_cast<uint32_t>(n2 + 127) << 23));
  return (y * s1) * s2;
}

#if LL_FASTMATH_SIMD
// The part exp4 and exp4_nonpos share, for an x already clamped (or NaN): t = x log2(e) + 1.5 * 2^23
// (n = round(x / ln2) in its low bits) and the return value y = e^r, x = n ln2 + r.
LL_FASTMATH_INLINE v128_t exp4_core(v128_t x, v128_t* t_out) {
  using namespace detail;
  const v128_t t =
      wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(kLog2e)), wasm_f32x4_splat(kRound));
  const v128_t n = wasm_f32x4_sub(t, wasm_f32x4_splat(kRound));
  const v128_t r = wasm_f32x4_sub(wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(kLn2Hi))),
                                  wasm_f32x4_mul(n, wasm_f32x4_splat(kLn2Lo)));
  v128_t q = wasm_f32x4_splat(kC4);
  q = wasm_f32x4_add(wasm_f32x4_mul(q, r), wasm_f32x4_splat(kC3));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, r), wasm_f32x4_splat(kC2));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, r), wasm_f32x4_splat(kC1));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, r), wasm_f32x4_splat(kC0));
  *t_out = t;
  return wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(r, r), q), r),
                        wasm_f32x4_splat(1.0f));
}

// y * 2^ni as 2^(ni/2) * 2^(ni - ni/2): exact steps down to subnormal results.
LL_FASTMATH_INLINE v128_t exp4_scale_two_step(v128_t y, v128_t ni) {
  const v128_t n1 = wasm_i32x4_shr(ni, 1);
  const v128_t n2 = wasm_i32x4_sub(ni, n1);
  const v128_t bias = wasm_i32x4_splat(127);
  const v128_t s1 = wasm_i32x4_shl(wasm_i32x4_add(n1, bias), 23);
  const v128_t s2 = wasm_i32x4_shl(wasm_i32x4_add(n2, bias), 23);
  return wasm_f32x4_mul(wasm_f32x4_mul(y, s1), s2);
}

// Fast exp of 4 floats (wasm SIMD); lane i equals exp(lane i) above bit for bit.
LL_FASTMATH_INLINE v128_t exp4(v128_t x) {
  using namespace detail;
  // pmin/pmax (one instruction each) with x first keep a NaN x: pmin(x, hi) = hi < x ? hi : x.
  x = wasm_f32x4_pmin(x, wasm_f32x4_splat(kHi));
  x = wasm_f32x4_pmax(x, wasm_f32x4_splat(kLo));
  v128_t t;
  const v128_t y = exp4_core(x, &t);
  const v128_t e = wasm_i32x4_sub(t, wasm_i32x4_splat(kRoundBits - 127));  // n + 127
  // Usual case, every lane's 2^n a normal float (-126 <= n <= 127): one scaling, whose single
  // rounding equals the two-step one's (its first step is exact). Else the two-step scaling.
  const v128_t out_of_range = wasm_v128_or(wasm_i32x4_sub(e, wasm_i32x4_splat(1)),
                                           wasm_i32x4_sub(wasm_i32x4_splat(254), e));
  if (wasm_i32x4_bitmask(out_of_range) == 0) {
    return wasm_f32x4_mul(y, wasm_i32x4_shl(t, 23));
  }
  return exp4_scale_two_step(y, wasm_i32x4_sub(e, wasm_i32x4_splat(127)));
}

// exp4 for lanes that are <= 0 or NaN (softmax's shifted x - max), bit for bit: no clamps (2^n
// cannot overflow for n <= 0), and the range test only asks whether some 2^n is below FLT_MIN.
// Fewer instructions on the hottest loop.
LL_FASTMATH_INLINE v128_t exp4_nonpos(v128_t x) {
  using namespace detail;
  // No clamp. Any x below about -87.3 gives a lane whose n + 126 (as the bits of t minus a
  // constant) is negative, or, below about -8.7e6 and for -inf, a negative t (whose sign bit is
  // tested too, as the subtraction may wrap around there); such vectors take the slow path.
  // NaN lanes stay on the fast path and give NaN.
  v128_t t;
  const v128_t y = exp4_core(x, &t);
  const v128_t e_minus_1 = wasm_i32x4_sub(t, wasm_i32x4_splat(kRoundBits - 126));  // n + 126
  if (__builtin_expect(wasm_i32x4_bitmask(wasm_v128_or(e_minus_1, t)) == 0, 1)) {  // all n >= -126
    return wasm_f32x4_mul(y, wasm_i32x4_shl(t, 23));
  }
  // Some result is below FLT_MIN: the two-step scaling, exact down to the subnormals. Lanes below
  // kLo, where y and n are meaningless, are 0, which exp4 gives there (it clamps to kLo, and
  // e^kLo rounds to 0).
  const v128_t scaled = exp4_scale_two_step(y, wasm_i32x4_sub(t, wasm_i32x4_splat(kRoundBits)));
  return wasm_v128_andnot(scaled, wasm_f32x4_lt(x, wasm_f32x4_splat(kLo)));
}

// exp4_nonpos for lanes known to lie in [kNormalLo, 0] (or NaN), bit for bit: every 2^n is a normal
// float, so no range test at all. The row kernels use it when the row's min - max says so.
LL_FASTMATH_INLINE v128_t exp4_normal(v128_t x) {
  v128_t t;
  const v128_t y = exp4_core(x, &t);
  return wasm_f32x4_mul(y, wasm_i32x4_shl(t, 23));
}
#endif

// Shifted inputs x - max at or above this give n = round(x / ln2) >= -126 (2^n a normal float):
// -87 / ln2 = -125.5, and ln(FLT_MIN) = -87.34.
constexpr float kNormalLo = -87.0f;

// Array kernels (fastmath.cpp). n is the element count; `out` may alias `x`.
// Sums use one fixed order on both paths: 8 running lane sums over blocks of 8, then one block of
// 4 into lanes 0-3, then the last n % 4 elements into lanes 0..n%4-1 (the SIMD code adds them as
// one masked vector), lane sums folded as v[j] = l[j] + l[j+4], ((v0 + v1) + (v2 + v3)). For
// n < 4 that is ((x0 + x1) + x2), the plain order. The SIMD code has no scalar tail loops.

// out[i] = exp(x[i]).
void exp(float* out, const float* x, size_t n);
// The largest of x[0..n), n >= 1; NaN if any element is NaN (torch's max).
float max(const float* x, size_t n);
// out[i] = exp(x[i] - m); returns the sum of the out[i].
float exp_sub_sum(float* out, const float* x, float m, size_t n);
// The sum of exp(x[i] - m) without storing the terms (same value as exp_sub_sum).
float sum_exp_sub(const float* x, float m, size_t n);
// out[i] = x[i] * s.
void scale(float* out, const float* x, float s, size_t n);
// out[i] = (x[i] - m) - c (log-softmax's order: (z - max) - log(sum)).
void sub_sub(float* out, const float* x, float m, float c, size_t n);
// out[i] = exp(x[i] - m) * s (softmax's e * (1/sum) recomputed from x, e.g. for a backward).
void exp_sub_scale(float* out, const float* x, float m, float s, size_t n);

// Whole rows in one call (no per-pass calls; what small rows such as 64x10 need). Each returns
// m = max(x, n), sets *s = sum_exp_sub(x, m, n), and writes, bit for bit as the kernels above:
//   softmax_row:     out = exp_sub_sum(x - m) then scale(out, 1 / s)      (out may alias x)
//   log_softmax_row: out = sub_sub(x, m, log(s))                          (out may alias x)
//   row_stats:       nothing (cross-entropy's fused rows need only m and s).
float softmax_row(float* out, const float* x, size_t n, float* s);
float log_softmax_row(float* out, const float* x, size_t n, float* s);
float row_stats(const float* x, size_t n, float* s);

// Many short rows at once (softmax / log-softmax of `rows` contiguous rows of n elements, e.g.
// 64 x 10), bit for bit softmax_row / log_softmax_row applied to each row: the row maxes and
// shifts, then one exp pass over a block of rows (whole vectors, no per-row tails), then each
// row's sum in the documented order and its scaling. Only the outputs; out may alias x.
constexpr size_t kShortRow = 64;  // rows shorter than this go through softmax_short_rows
void softmax_short_rows(float* out, const float* x, size_t rows, size_t n, bool log);

}  // namespace fastmath
}  // namespace ll
