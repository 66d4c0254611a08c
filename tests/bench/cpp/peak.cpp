// The f32 multiply-add peak loop and the compute-only probes behind `npm run bench` (see peak.hpp).
#include "peak.hpp"

#include <vector>

#include "logitlab/losses.hpp"
#include "logitlab/mlp.hpp"
#include "logitlab/ops.hpp"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace ll {
namespace {

// Written after the loop so the compiler must compute every accumulator.
volatile float g_sink = 0.0f;

// In-cache seeds for the accumulators; acc = acc * 0.999 + 0.001 stays bounded near 1.
alignas(16) float g_seed[kPeakAccumulators * 4] = {};

void fill_seed() {
  for (int i = 0; i < kPeakAccumulators * 4; ++i) g_seed[i] = 0.5f + 0.001f * static_cast<float>(i);
}

}  // namespace

#ifdef __wasm_simd128__

double peak_multiply_add_flops(int64_t iters) {
  fill_seed();
  const v128_t m = wasm_f32x4_splat(0.999f);
  const v128_t a = wasm_f32x4_splat(g_sink + 0.001f);  // read the sink: not a compile-time constant
  v128_t acc[kPeakAccumulators];
  for (int k = 0; k < kPeakAccumulators; ++k) acc[k] = wasm_v128_load(g_seed + 4 * k);
  for (int64_t i = 0; i < iters; ++i) {
    // Independent chains hide the mul+add latency; the constant inner trip count unrolls.
    for (int k = 0; k < kPeakAccumulators; ++k) {
      acc[k] = wasm_f32x4_add(wasm_f32x4_mul(acc[k], m), a);
    }
  }
  v128_t total = acc[0];
  for (int k = 1; k < kPeakAccumulators; ++k) total = wasm_f32x4_add(total, acc[k]);
  g_sink = wasm_f32x4_extract_lane(total, 0) + wasm_f32x4_extract_lane(total, 3);
  return static_cast<double>(iters) * kPeakAccumulators * 4 * 2;
}

bool peak_is_simd() { return true; }

#else

double peak_multiply_add_flops(int64_t iters) {
  fill_seed();
  const float m = 0.999f;
  const float a = g_sink + 0.001f;
  float acc[kPeakAccumulators * 4];
  for (int k = 0; k < kPeakAccumulators * 4; ++k) acc[k] = g_seed[k];
  for (int64_t i = 0; i < iters; ++i) {
    for (int k = 0; k < kPeakAccumulators * 4; ++k) acc[k] = acc[k] * m + a;
  }
  float total = 0.0f;
  for (int k = 0; k < kPeakAccumulators * 4; ++k) total += acc[k];
  g_sink = total;
  return static_cast<double>(iters) * kPeakAccumulators * 4 * 2;
}

bool peak_is_simd() { return false; }

#endif

namespace {

// Deterministic uniform values in [lo, hi) (a 32-bit LCG; quality is irrelevant here).
std::vector<float> uniform(size_t n, float lo, float hi, uint32_t seed) {
  std::vector<float> v(n);
  for (auto& e : v) {
    seed = seed * 1664525u + 1013904223u;
    e = lo + (hi - lo) * static_cast<float>(seed >> 8) / 16777216.0f;
  }
  return v;
}

Tensor<int32_t> class_indices(int n, int classes) {
  Tensor<int32_t> t(Shape{n});
  for (int i = 0; i < n; ++i) t.data[i] = (i * 7 + 3) % classes;
  return t;
}

// Inputs are built once per size and kept, so repeated probe calls time only the kernel.
const Tensor<float>& cached_logits(int rows, int cols) {
  static Tensor<float> x(Shape{0});
  if (x.shape != Shape{rows, cols}) {
    x = Tensor<float>(Shape{rows, cols}, uniform(static_cast<size_t>(rows) * cols, -4, 4, 1));
  }
  return x;
}

}  // namespace

double probe_softmax(int rows, int cols, int reps) {
  const Tensor<float>& x = cached_logits(rows, cols);
  double sum = 0;
  for (int r = 0; r < reps; ++r) sum += softmax(x, -1).data[0];
  return sum;
}

double probe_cross_entropy(int rows, int cols, int reps) {
  const Tensor<float>& x = cached_logits(rows, cols);
  const Tensor<int32_t> y = class_indices(rows, cols);
  const LossOptions<float> opt;
  double sum = 0;
  for (int r = 0; r < reps; ++r) sum += cross_entropy_loss(x, y, opt).item();
  return sum;
}

double probe_mlp_train_step(int batch, int reps) {
  struct Probe {
    int batch;
    Mlp<float> net;
    std::vector<float> x;
    Tensor<int32_t> y;
  };
  static std::vector<Probe> probes;  // one net per batch size, trained on across calls
  Probe* p = nullptr;
  for (auto& q : probes) {
    if (q.batch == batch) p = &q;
  }
  if (!p) {
    probes.push_back({batch, Mlp<float>({784, 128, 10}, Activation::Relu, OutputHead::Logits, 0),
                      uniform(static_cast<size_t>(batch) * 784, 0, 1, 3),
                      class_indices(batch, 10)});
    p = &probes.back();
  }
  Target<float> target;
  target.index = p->y.ptr();
  target.size = p->y.size();
  double sum = 0;
  for (int r = 0; r < reps; ++r) sum += p->net.train_step(p->x.data(), batch, target);
  return sum;
}

}  // namespace ll
