// Benchmark kernels for `npm run bench`: the f32 SIMD multiply-add peak and compute-only probes.
#pragma once

#include <cstdint>

namespace ll {

// Runs `iters` rounds of kPeakAccumulators independent 4-lane multiply-adds (acc = acc * m + a)
// on registers seeded from a small in-cache buffer, and returns the number of floating-point
// operations done (a multiply and an add each count as one FLOP per lane). The accumulators are
// folded into a sink so the loop cannot be optimized away. Time it from the caller.
// Uses wasm_simd128.h f32x4 ops when compiled with -msimd128, a scalar 4-lane loop otherwise.
double peak_multiply_add_flops(int64_t iters);

// True when peak_multiply_add_flops was compiled to wasm SIMD (f32x4) instructions.
bool peak_is_simd();

// Number of independent f32x4 accumulators in the peak loop: with the two constant vectors they
// fit the 16 vector registers of x86-64, so the engine does not spill.
constexpr int kPeakAccumulators = 12;

// Compute-only probes: each runs the core's own float32 function `reps` times on inputs built in
// C++ (uniform logits in [-4, 4), fixed class indices), without any JS conversion, and returns a
// checksum of the results so nothing is optimized away. The caller times the call; comparing with
// the public JS API's time shows the per-call conversion and binding overhead.
double probe_softmax(int rows, int cols, int reps);        // ll::softmax along the last dim
double probe_cross_entropy(int rows, int cols, int reps);  // ll::cross_entropy_loss, indices, mean
// ll::Mlp<float> 784-128-10, ReLU, cross-entropy, SGD lr 0.01: train_step on one fixed batch.
double probe_mlp_train_step(int batch, int reps);

}  // namespace ll
