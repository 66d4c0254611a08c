// Register-blocked float32 matmul kernels of the MLP's Linear layers (f32x4 wasm SIMD or a scalar
// 4-lane fallback that rounds identically), the plain-SGD update and a fast all-finite scan.
#pragma once

#include <cstddef>

namespace ll {

// Forward of nn.Linear on float32, PyTorch layout, no transposed copy of w:
//   z (n, oc) = x (n, ic) w^T + b,  w: (oc, ic), b: (oc).
// If a is not null it also gets relu(z) (NaN kept, like torch.relu): the fused bias+ReLU epilogue.
// Each output is a dot product along ic in four f32x4 lanes, summed (l0 + l2) + (l1 + l3), then
// the ic % 4 tail in order, then the bias.
void gemm_linear_forward(float* z, float* a, const float* x, const float* w, const float* b, int n,
                         int ic, int oc);

// Input gradient of nn.Linear: dx (n, ic) = dy (n, oc) w (oc, ic), overwritten. If mask is not
// null (the ReLU output of shape (n, ic) that x came from), dx is zero where mask <= 0 or NaN:
// the ReLU backward fused into the epilogue. Each dx element sums over oc in order.
void gemm_linear_backward_input(float* dx, const float* dy, const float* w, const float* mask,
                                int n, int ic, int oc);

// Parameter gradients of nn.Linear, overwritten: dw (oc, ic) = dy^T x with dy (n, oc), x (n, ic);
// db (oc) = column sums of dy. Each element sums over the n rows in order.
void gemm_linear_backward_weight(float* dw, float* db, const float* dy, const float* x, int n,
                                 int ic, int oc);

// Plain torch.optim.SGD on float32 (no momentum, no weight decay): param + neg_lr * grad, the
// product rounded before the add as in torch. Commit writes param; otherwise nothing is written.
// Returns whether every new value is finite.
bool sgd_plain_f32(float* param, const float* grad, size_t n, float neg_lr, bool commit);

// out = param + neg_lr * grad with sgd_plain_f32's rounding, param untouched (out must not alias
// it); returns whether every value written is finite. One pass for a check-then-commit update.
bool sgd_plain_stage_f32(float* out, const float* param, const float* grad, size_t n, float neg_lr);

// True when every one of the n values is finite (no NaN or infinity).
bool all_finite_f32(const float* p, size_t n);

// True when the kernels above were compiled to wasm SIMD (f32x4) instructions.
bool gemm_is_simd();

}  // namespace ll
