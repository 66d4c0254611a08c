// Register-blocked float32 kernels of the MLP's Linear layers (see gemm.hpp): f32x4 wasm SIMD, or
// a scalar 4-lane fallback that does the same operations in the same order, so native and wasm
// give the same float32 results.
#include "logitlab/gemm.hpp"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

// At most 3 iterations: kept as a plain loop (unrolled and vectorized it cost KBs of wasm).
#if defined(__clang__)
#define LL_SCALAR_TAIL _Pragma("clang loop unroll(disable) vectorize(disable)")
#else
#define LL_SCALAR_TAIL
#endif

namespace ll {
namespace {

// ----------------------------------------------------------------------------------------------
// A 4-lane float vector: wasm SIMD v128 or four scalars. The kernels below use only these.

#ifdef __wasm_simd128__

using V4 = v128_t;
inline V4 v4_zero() { return wasm_f32x4_splat(0.0f); }
inline V4 v4_load(const float* p) { return wasm_v128_load(p); }
inline V4 v4_splat(const float* p) { return wasm_v128_load32_splat(p); }
inline void v4_store(float* p, V4 v) { wasm_v128_store(p, v); }
inline V4 v4_add(V4 a, V4 b) { return wasm_f32x4_add(a, b); }
// acc + a * b as two rounded operations (wasm SIMD has no fused multiply-add).
inline V4 v4_madd(V4 acc, V4 a, V4 b) { return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)); }
// (l0 + l2) + (l1 + l3)
inline float v4_hsum(V4 v) {
  const V4 t = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  return wasm_f32x4_extract_lane(t, 0) + wasm_f32x4_extract_lane(t, 1);
}
// v where m > 0, else +0 (ReLU backward from the ReLU output m).
inline V4 v4_where_pos(V4 v, V4 m) { return wasm_v128_and(v, wasm_f32x4_gt(m, v4_zero())); }
// acc + (x - x): x - x is +0 for finite x, NaN for NaN and infinities.
inline V4 v4_finite_probe(V4 acc, V4 x) { return wasm_f32x4_add(acc, wasm_f32x4_sub(x, x)); }

#else

struct V4 {
  float f[4];
};
inline V4 v4_zero() { return V4{{0.0f, 0.0f, 0.0f, 0.0f}}; }
inline V4 v4_load(const float* p) { return V4{{p[0], p[1], p[2], p[3]}}; }
inline V4 v4_splat(const float* p) { return V4{{*p, *p, *p, *p}}; }
inline void v4_store(float* p, V4 v) {
  for (int i = 0; i < 4; ++i) p[i] = v.f[i];
}
inline V4 v4_add(V4 a, V4 b) {
  for (int i = 0; i < 4; ++i) a.f[i] = a.f[i] + b.f[i];
  return a;
}
inline V4 v4_madd(V4 acc, V4 a, V4 b) {
  for (int i = 0; i < 4; ++i) {
    const float prod = a.f[i] * b.f[i];  // rounded on its own, as f32x4.mul then f32x4.add
    acc.f[i] = acc.f[i] + prod;
  }
  return acc;
}
inline float v4_hsum(V4 v) { return (v.f[0] + v.f[2]) + (v.f[1] + v.f[3]); }
inline V4 v4_where_pos(V4 v, V4 m) {
  for (int i = 0; i < 4; ++i) v.f[i] = m.f[i] > 0.0f ? v.f[i] : 0.0f;
  return v;
}
inline V4 v4_finite_probe(V4 acc, V4 x) {
  for (int i = 0; i < 4; ++i) acc.f[i] = acc.f[i] + (x.f[i] - x.f[i]);
  return acc;
}

#endif

// torch.relu: +0 for z <= 0 (and -0), NaN kept.
inline float relu1(float v) { return v <= 0.0f ? 0.0f : v; }

// ----------------------------------------------------------------------------------------------
// Forward: dot products along ic. A tile of R rows x O outputs keeps R*O accumulators, R x
// vectors and one streamed w vector in registers (V8 has 16 vector registers on x64, one scratch).

// Main tile 2 x 4: 8 accumulators. In the release build (784 -> 128 -> 10 step, batch 64) it beat
// 3 x 3 by 7 % and 2 x 5 by more; 4 x 2 measured the same. The tile shape never changes a result.
constexpr int kFwdRows = 2, kFwdOuts = 4;
constexpr int kFwdOutsOneRow = 8;          // one row (batch 1, row tails): a matrix-vector product

template <int R, int O>
inline void forward_tile(float* z, float* a, const float* x, const float* w, const float* b, int ic,
                         int oc) {
  V4 acc[R][O];
  for (int r = 0; r < R; ++r)
    for (int o = 0; o < O; ++o) acc[r][o] = v4_zero();
  const int ic4 = ic & ~3;
  for (int k = 0; k < ic4; k += 4) {
    V4 xv[R];
    for (int r = 0; r < R; ++r) xv[r] = v4_load(x + static_cast<size_t>(r) * ic + k);
    for (int o = 0; o < O; ++o) {
      const V4 wv = v4_load(w + static_cast<size_t>(o) * ic + k);
      for (int r = 0; r < R; ++r) acc[r][o] = v4_madd(acc[r][o], xv[r], wv);
    }
  }
  for (int r = 0; r < R; ++r) {
    const float* xr = x + static_cast<size_t>(r) * ic;
    for (int o = 0; o < O; ++o) {
      const float* wo = w + static_cast<size_t>(o) * ic;
      float s = v4_hsum(acc[r][o]);
      LL_SCALAR_TAIL
      for (int k = ic4; k < ic; ++k) s = s + xr[k] * wo[k];
      s = s + b[o];
      z[static_cast<size_t>(r) * oc + o] = s;
      if (a) a[static_cast<size_t>(r) * oc + o] = relu1(s);
    }
  }
}

// All outputs of R rows starting at x (z, a point at the rows' first outputs).
template <int R, int O>
inline void forward_rows(float* z, float* a, const float* x, const float* w, const float* b, int ic,
                         int oc) {
  int o = 0;
  for (; o + O <= oc; o += O)
    forward_tile<R, O>(z + o, a ? a + o : nullptr, x, w + static_cast<size_t>(o) * ic, b + o, ic,
                       oc);
  // The oc % O tail, one row at a time (one kernel shape fewer in the wasm; same sums).
  for (; o < oc; ++o)
    for (int r = 0; r < R; ++r) {
      const size_t zr = static_cast<size_t>(r) * oc + o;
      forward_tile<1, 1>(z + zr, a ? a + zr : nullptr, x + static_cast<size_t>(r) * ic,
                         w + static_cast<size_t>(o) * ic, b + o, ic, oc);
    }
}

// ----------------------------------------------------------------------------------------------
// Backward: c (M, N) = sum over k of A(m, k) * B(k, :), B row-major (K, N), A(m, k) read as a
// scalar at a[m * sam + k * sak] and splat. A tile of R rows x V f32x4 column vectors keeps R*V
// accumulators, V streamed B vectors and one splat in registers. Every element sums over k in
// order starting from 0, so the scalar column tail rounds exactly like a SIMD lane.

// Main tile 3 x 3 vectors: 9 accumulators (3 x 12 floats). With the forward at 2 x 4 the batch-64
// step measured 2-3 % faster than with 4 x 2; 6 x 2 was slower.
constexpr int kBwdRows = 3, kBwdVecs = 3;

struct OuterArgs {
  float* c;
  const float* a;
  const float* b;
  const float* mask;  // (M, N) with c's layout, or null
  int sam, sak, K, N;
};

template <int R, int V>
inline void outer_tile(const OuterArgs& g, int m0, int n0) {
  V4 acc[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) acc[r][v] = v4_zero();
  const float* arow = g.a + static_cast<size_t>(m0) * g.sam;
  const float* bcol = g.b + n0;
  for (int k = 0; k < g.K; ++k) {
    V4 bv[V];
    for (int v = 0; v < V; ++v) bv[v] = v4_load(bcol + static_cast<size_t>(k) * g.N + 4 * v);
    const float* ak = arow + static_cast<size_t>(k) * g.sak;
    for (int r = 0; r < R; ++r) {
      const V4 av = v4_splat(ak + static_cast<size_t>(r) * g.sam);
      for (int v = 0; v < V; ++v) acc[r][v] = v4_madd(acc[r][v], av, bv[v]);
    }
  }
  for (int r = 0; r < R; ++r) {
    const size_t row = static_cast<size_t>(m0 + r) * g.N + n0;
    for (int v = 0; v < V; ++v) {
      V4 out = acc[r][v];
      if (g.mask) out = v4_where_pos(out, v4_load(g.mask + row + 4 * v));
      v4_store(g.c + row + 4 * v, out);
    }
  }
}

// One column n of rows [m0, m0 + R): the same sums as a lane, for N % 4 tails.
inline void outer_column(const OuterArgs& g, int m0, int R, int n) {
  for (int r = 0; r < R; ++r) {
    const float* ar = g.a + static_cast<size_t>(m0 + r) * g.sam;
    float s = 0.0f;
    for (int k = 0; k < g.K; ++k) {
      const float prod = ar[static_cast<size_t>(k) * g.sak] * g.b[static_cast<size_t>(k) * g.N + n];
      s = s + prod;
    }
    const size_t i = static_cast<size_t>(m0 + r) * g.N + n;
    if (g.mask && !(g.mask[i] > 0.0f)) s = 0.0f;
    g.c[i] = s;
  }
}

// Column block [n0, n0 + 4V) for all M rows: the block of B (K x 4V floats) stays in L1 while
// the row tiles stream A.
template <int V>
inline void outer_cols(const OuterArgs& g, int M, int n0) {
  int m0 = 0;
  for (; m0 + kBwdRows <= M; m0 += kBwdRows) outer_tile<kBwdRows, V>(g, m0, n0);
  for (; m0 < M; ++m0) outer_tile<1, V>(g, m0, n0);
}

void outer_product_sum(const OuterArgs& g, int M) {
  const int n4 = g.N & ~3;
  int n0 = 0;
  for (; n0 + 4 * kBwdVecs <= n4; n0 += 4 * kBwdVecs) outer_cols<kBwdVecs>(g, M, n0);
  for (; n0 < n4; n0 += 4) outer_cols<1>(g, M, n0);
  for (int n = n4; n < g.N; ++n) outer_column(g, 0, M, n);
}

}  // namespace

void gemm_linear_forward(float* z, float* a, const float* x, const float* w, const float* b, int n,
                         int ic, int oc) {
  int r = 0;
  for (; r + kFwdRows <= n; r += kFwdRows) {
    const size_t off = static_cast<size_t>(r) * oc;
    forward_rows<kFwdRows, kFwdOuts>(z + off, a ? a + off : nullptr,
                                     x + static_cast<size_t>(r) * ic, w, b, ic, oc);
  }
  for (; r < n; ++r) {
    const size_t off = static_cast<size_t>(r) * oc;
    forward_rows<1, kFwdOutsOneRow>(z + off, a ? a + off : nullptr, x + static_cast<size_t>(r) * ic,
                                    w, b, ic, oc);
  }
}

void gemm_linear_backward_input(float* dx, const float* dy, const float* w, const float* mask,
                                int n, int ic, int oc) {
  // dx (n, ic): A(m, k) = dy[m * oc + k], B = w (oc, ic)
  outer_product_sum(OuterArgs{dx, dy, w, mask, oc, 1, oc, ic}, n);
}

void gemm_linear_backward_weight(float* dw, float* db, const float* dy, const float* x, int n,
                                 int ic, int oc) {
  // dw (oc, ic): A(m, k) = dy[k * oc + m] (dy transposed without a copy), B = x (n, ic)
  outer_product_sum(OuterArgs{dw, dy, x, nullptr, 1, oc, n, ic}, oc);
  for (int o = 0; o < oc; ++o) db[o] = 0.0f;
  for (int r = 0; r < n; ++r) {
    const float* d = dy + static_cast<size_t>(r) * oc;
    for (int o = 0; o < oc; ++o) db[o] = db[o] + d[o];
  }
}

bool sgd_plain_f32(float* param, const float* grad, size_t n, float neg_lr, bool commit) {
  const V4 lr = v4_splat(&neg_lr);
  V4 probe = v4_zero();
  size_t i = 0;
  if (commit) {
    for (; i + 4 <= n; i += 4)
      v4_store(param + i, v4_madd(v4_load(param + i), lr, v4_load(grad + i)));
  } else {
    for (; i + 4 <= n; i += 4)
      probe = v4_finite_probe(probe, v4_madd(v4_load(param + i), lr, v4_load(grad + i)));
  }
  float s = v4_hsum(probe);
  for (; i < n; ++i) {
    const float prod = neg_lr * grad[i];
    const float p = param[i] + prod;
    if (commit) param[i] = p;
    s = s + (p - p);
  }
  return commit || s == 0.0f;
}

bool sgd_plain_stage_f32(float* out, const float* param, const float* grad, size_t n,
                         float neg_lr) {
  const V4 lr = v4_splat(&neg_lr);
  V4 probe = v4_zero();
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const V4 p = v4_madd(v4_load(param + i), lr, v4_load(grad + i));
    v4_store(out + i, p);
    probe = v4_finite_probe(probe, p);
  }
  float s = v4_hsum(probe);
  for (; i < n; ++i) {
    const float prod = neg_lr * grad[i];
    const float p = param[i] + prod;
    out[i] = p;
    s = s + (p - p);
  }
  return s == 0.0f;
}

bool all_finite_f32(const float* p, size_t n) {
  V4 acc[2] = {v4_zero(), v4_zero()};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    acc[0] = v4_finite_probe(acc[0], v4_load(p + i));
    acc[1] = v4_finite_probe(acc[1], v4_load(p + i + 4));
  }
  float s = v4_hsum(v4_add(acc[0], acc[1]));
  for (; i < n; ++i) s = s + (p[i] - p[i]);
  return s == 0.0f;
}

bool gemm_is_simd() {
#ifdef __wasm_simd128__
  return true;
#else
  return false;
#endif
}

}  // namespace ll
