// Embind registration of the benchmark-only raw functions (SIMD peak, compute-only probes).
#include <emscripten/bind.h>

#include "peak.hpp"

namespace {

// iters arrives as a JS number; returns the FLOP count done, the caller times the call.
double simd_peak_flops(double iters) {
  return ll::peak_multiply_add_flops(static_cast<int64_t>(iters));
}

}  // namespace

EMSCRIPTEN_BINDINGS(logitlab_bench) {
  emscripten::function("_simdPeakFlops", &simd_peak_flops);
  emscripten::function("_simdPeakIsSimd", &ll::peak_is_simd);
  emscripten::function("_probeSoftmax", &ll::probe_softmax);              // (rows, cols, reps)
  emscripten::function("_probeCrossEntropy", &ll::probe_cross_entropy);   // (rows, cols, reps)
  emscripten::function("_probeMlpTrainStep", &ll::probe_mlp_train_step);  // (batch, reps)
}
