// The MLP: per-layer forward/backward kernels, the net's losses, training step and explanation.
#include "mlp.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>

#include "gemm.hpp"
#include "rng.hpp"

namespace ll {

// ----------------------------------------------------------------------------------------------
// Option parsing

Activation parse_activation(const std::string& s, const char* fn) {
  if (s == "relu") return Activation::Relu;
  if (s == "sigmoid") return Activation::Sigmoid;
  if (s == "tanh") return Activation::Tanh;
  throw RangeError(std::string(fn) + ": activation '" + s +
                   "' is not supported; expected 'relu', 'sigmoid' or 'tanh'");
}

OutputHead parse_output_head(const std::string& s, const char* fn) {
  if (s == "logits") return OutputHead::Logits;
  if (s == "sigmoid") return OutputHead::Sigmoid;
  throw RangeError(std::string(fn) + ": output '" + s +
                   "' is not supported; expected 'logits' or 'sigmoid'");
}

LossKind parse_loss_kind(const std::string& s, const char* fn) {
  if (s == "cross_entropy") return LossKind::CrossEntropy;
  if (s == "bce") return LossKind::BCE;
  if (s == "bce_with_logits") return LossKind::BCEWithLogits;
  if (s == "mse") return LossKind::MSE;
  throw RangeError(
      std::string(fn) + ": loss '" + s +
      "' is not supported; expected 'cross_entropy', 'bce', 'bce_with_logits' or 'mse'");
}

OptimType parse_optim_type(const std::string& s, const char* fn) {
  if (s == "sgd") return OptimType::SGD;
  if (s == "adam") return OptimType::Adam;
  if (s == "adamw") return OptimType::AdamW;
  throw RangeError(std::string(fn) + ": optimizer.type '" + s +
                   "' is not supported; expected 'sgd', 'adam' or 'adamw'");
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::Relu:
      return "relu";
    case Activation::Sigmoid:
      return "sigmoid";
    default:
      return "tanh";
  }
}

const char* loss_kind_name(LossKind k) {
  switch (k) {
    case LossKind::CrossEntropy:
      return "cross_entropy";
    case LossKind::BCE:
      return "bce";
    case LossKind::BCEWithLogits:
      return "bce_with_logits";
    default:
      return "mse";
  }
}

namespace {

std::string num_str(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[32];  // %.8g: what an ostream with precision 8 prints, without pulling in iostreams
  std::snprintf(buf, sizeof buf, "%.8g", v);
  return buf;
}

// ----------------------------------------------------------------------------------------------
// Type-independent checks and messages, shared by Mlp<float> and Mlp<double> (one copy in the
// wasm instead of two).

#define LL_COLD __attribute__((noinline, cold))

[[noreturn]] LL_COLD void throw_range(const std::string& msg) { throw RangeError(msg); }

// "x[r, c] is NaN; expected finite numbers" for flat index i of an (n, D) input.
[[noreturn]] LL_COLD void input_not_finite(const char* fn, size_t i, size_t D, double v) {
  throw_range(std::string(fn) + ": x[" + std::to_string(i / D) + ", " + std::to_string(i % D) +
              "] is " + num_str(v) + "; expected finite numbers");
}

// Class-index targets for cross_entropy: one per row, each in [0, C) or ignore_index.
LL_COLD void check_index_targets(const int32_t* idx, size_t size, int n, int C, int ignore_index,
                                 const char* fn) {
  const std::string f(fn);
  if (size != static_cast<size_t>(n))
    throw_range(f + ": y has " + std::to_string(size) +
                " class indices; expected one per row of x (" + std::to_string(n) + ")");
  for (int i = 0; i < n; ++i) {
    const int t = idx[i];
    if (t != ignore_index && (t < 0 || t >= C))
      throw_range(f + ": y[" + std::to_string(i) + "] = " + std::to_string(t) +
                  " is out of range; expected a class index in [0, " + std::to_string(C) + ")");
  }
}

// Value targets: present and of n * C values (or n for one output).
LL_COLD void check_value_target_shape(bool has_values, size_t size, LossKind loss, int n, int C,
                                      const char* fn) {
  const std::string f(fn);
  if (!has_values)
    throw TypeError(f + ": loss '" + loss_kind_name(loss) + "' needs float targets of shape [" +
                    std::to_string(n) + ", " + std::to_string(C) + "]; got class indices");
  const size_t full = static_cast<size_t>(n) * C;
  if (size != full)
    throw_range(f + ": y has " + std::to_string(size) + " values; expected " +
                std::to_string(full) + " (shape [" + std::to_string(n) + ", " + std::to_string(C) +
                "]" + (C == 1 ? " or [" + std::to_string(n) + "]" : std::string()) + ")");
}

// A value target that is not finite, or outside [0, 1] for the BCE losses.
[[noreturn]] LL_COLD void bad_target_value(const char* fn, double v, LossKind loss) {
  if (!std::isfinite(v))
    throw_range(std::string(fn) + ": y contains " + num_str(v) + "; expected finite numbers");
  throw_range(std::string(fn) + ": y contains " + num_str(v) + "; loss '" + loss_kind_name(loss) +
              "' expects targets in [0, 1]");
}

// set_loss's checks: they depend on the option sizes and values, not on the net's dtype.
LL_COLD void validate_loss(LossKind kind, Reduction reduction, double label_smoothing, size_t ws,
                           size_t ps, int C, const char* fn) {
  const std::string f(fn);
  if (reduction == Reduction::None)
    throw_range(f +
                ": lossOptions.reduction 'none' is not supported for a net; expected 'mean' "
                "or 'sum'");
  const std::string name = loss_kind_name(kind);
  if (kind == LossKind::CrossEntropy) {
    if (ws > 0 && ws != static_cast<size_t>(C))
      throw_range(f + ": lossOptions.weight has " + std::to_string(ws) +
                  " elements; expected one per class (" + std::to_string(C) + ")");
    if (!(label_smoothing >= 0.0 && label_smoothing <= 1.0))
      throw_range(f + ": lossOptions.labelSmoothing must be in [0, 1]; got " +
                  num_str(label_smoothing));
  } else {
    if (label_smoothing != 0.0)
      throw_range(f + ": lossOptions.labelSmoothing only applies to 'cross_entropy', not '" + name +
                  "'");
    if (kind == LossKind::MSE && ws > 0)
      throw_range(f + ": lossOptions.weight is not an option of 'mse'");
    if (ws > 0 && ws != 1 && ws != static_cast<size_t>(C))
      throw_range(f + ": lossOptions.weight has " + std::to_string(ws) +
                  " elements; expected 1 or one per output (" + std::to_string(C) + ")");
  }
  if (ps > 0 && kind != LossKind::BCEWithLogits)
    throw_range(f + ": lossOptions.posWeight only applies to 'bce_with_logits', not '" + name +
                "'");
  if (ps > 0 && ps != 1 && ps != static_cast<size_t>(C))
    throw_range(f + ": lossOptions.posWeight has " + std::to_string(ps) +
                " elements; expected 1 or one per output (" + std::to_string(C) + ")");
}

// "mlp: sizes [..] give P parameters, which need X MB ..." for elements of elem bytes.
[[noreturn]] LL_COLD void net_too_big(const std::vector<int>& sizes, uint64_t total, size_t elem) {
  const double mb = static_cast<double>(total) * 5.0 * elem / (1024.0 * 1024.0);
  throw_range("mlp: sizes " + shape_str(sizes) + " give " + std::to_string(total) +
              " parameters, which need " + num_str(mb) +
              " MB with gradients and optimizer state; that is more memory than is available");
}

[[noreturn]] LL_COLD void batch_too_big(const char* fn, int n, uint64_t cells) {
  throw_range(std::string(fn) + ": a batch of " + std::to_string(n) + " rows needs " +
              std::to_string(2 * cells) +
              " activation values; that is more memory than is available");
}

// The net's layout from sizes: checks them, fills the parameter views and the per-row activation
// offsets (a0 | z0 | a1 | z1 | ... | a[L]) and returns the parameter count.
LL_COLD size_t make_layout(const std::vector<int>& sizes, size_t elem,
                           std::vector<ParamView>& views, std::vector<size_t>& a_off,
                           std::vector<size_t>& z_off, size_t& row_width) {
  if (sizes.size() < 2)
    throw_range("mlp: sizes must have at least 2 entries (inputs and outputs); got " +
                std::to_string(sizes.size()));
  for (size_t i = 0; i < sizes.size(); ++i)
    if (sizes[i] <= 0)
      throw_range("mlp: sizes[" + std::to_string(i) + "] = " + std::to_string(sizes[i]) +
                  " must be a positive integer");
  const int L = static_cast<int>(sizes.size()) - 1;
  // Counted in 64 bits first: on wasm32, size_t would wrap for nets like 65536 -> 65536.
  uint64_t total = 0;
  for (int l = 0; l < L; ++l)
    total += (static_cast<uint64_t>(sizes[l]) + 1) * static_cast<uint64_t>(sizes[l + 1]);
  // params, grads, the staged SGD update and two optimizer buffers: 5 copies of every parameter.
  if (total > std::numeric_limits<size_t>::max() / (10 * elem)) net_too_big(sizes, total, elem);
  // One flat buffer: linear1.weight (out, in), linear1.bias (out), linear2.weight, ...
  size_t off = 0;
  for (int l = 0; l < L; ++l) {
    const int in = sizes[l], out = sizes[l + 1];
    const std::string p = "linear" + std::to_string(l + 1);
    views.push_back({p + ".weight", {out, in}, off, static_cast<size_t>(out) * in});
    off += views.back().size;
    views.push_back({p + ".bias", {out}, off, static_cast<size_t>(out)});
    off += views.back().size;
  }
  size_t w = 0;
  for (int l = 0; l < L; ++l) {
    a_off.push_back(w);
    w += sizes[l];
    z_off.push_back(w);
    w += sizes[l + 1];
  }
  a_off.push_back(w);
  row_width = w + sizes.back();
  return off;
}

[[noreturn]] LL_COLD void bce_output_out_of_range(double v) {
  throw_range(
      "trainStep: loss 'bce' needs outputs in [0, 1] (use output: 'sigmoid' or loss "
      "'bce_with_logits'); got " +
      num_str(v));
}

// "trainStep: a weight became NaN at step 3; try a lower learning rate"
[[noreturn]] LL_COLD void step_failed(const char* fn, const char* what, double v, int64_t step) {
  throw Error(std::string(fn) + ": " + what + num_str(v) + " at step " + std::to_string(step) +
              "; try a lower learning rate");
}

template <class T>
T first_non_finite(const T* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(p[i])) return p[i];
  return T(0);
}

// First index of the row's largest value; NaN counts as the largest (torch.argmax).
template <class T>
int argmax_row(const T* row, int C) {
  int best = 0;
  for (int c = 1; c < C; ++c) {
    if (std::isnan(row[best])) break;
    if (std::isnan(row[c]) || row[c] > row[best]) best = c;
  }
  return best;
}

// ----------------------------------------------------------------------------------------------
// Layers: forward and backward side by side. Backward functions accumulate (+=).

// Linear forward and backward write (=) their outputs. float32 runs the register-blocked SIMD
// kernels of gemm.hpp; float64 keeps plain loops accumulating in double.

template <class T>
void relu_forward(T* out, const T* inp, size_t n);

// z: (N, OC) = inp (N, IC) @ weight^T + bias; weight: (OC, IC), bias: (OC). relu_out, if not null,
// gets relu(z) (the fused epilogue).
void linear_forward(float* z, float* relu_out, const float* inp, const float* weight,
                    const float* bias, int N, int IC, int OC) {
  gemm_linear_forward(z, relu_out, inp, weight, bias, N, IC, OC);
}
void linear_forward(double* z, double* relu_out, const double* inp, const double* weight,
                    const double* bias, int N, int IC, int OC) {
  for (int n = 0; n < N; ++n) {
    const double* x = inp + static_cast<size_t>(n) * IC;
    for (int o = 0; o < OC; ++o) {
      const double* w = weight + static_cast<size_t>(o) * IC;
      double acc = 0.0;
      for (int i = 0; i < IC; ++i) acc += x[i] * w[i];
      z[static_cast<size_t>(n) * OC + o] = acc + bias[o];
    }
  }
  if (relu_out) relu_forward(relu_out, z, static_cast<size_t>(N) * OC);
}

// dinp: (N, IC) = dout (N, OC) @ weight (OC, IC); where relu_mask (the ReLU output that was this
// layer's input) is not > 0, dinp is 0: the ReLU backward fused in.
void linear_backward_input(float* dinp, const float* dout, const float* weight,
                           const float* relu_mask, int N, int IC, int OC) {
  gemm_linear_backward_input(dinp, dout, weight, relu_mask, N, IC, OC);
}
void linear_backward_input(double* dinp, const double* dout, const double* weight,
                           const double* relu_mask, int N, int IC, int OC) {
  for (int n = 0; n < N; ++n) {
    const double* d = dout + static_cast<size_t>(n) * OC;
    for (int i = 0; i < IC; ++i) {
      const size_t k = static_cast<size_t>(n) * IC + i;
      double acc = 0.0;
      for (int o = 0; o < OC; ++o) acc += d[o] * weight[static_cast<size_t>(o) * IC + i];
      dinp[k] = (relu_mask && !(relu_mask[k] > 0.0)) ? 0.0 : acc;
    }
  }
}

// dweight: (OC, IC) = dout^T @ inp; dbias: (OC) = column sums of dout (N, OC)
void linear_backward_params(float* dweight, float* dbias, const float* dout, const float* inp,
                            int N, int IC, int OC) {
  gemm_linear_backward_weight(dweight, dbias, dout, inp, N, IC, OC);
}
void linear_backward_params(double* dweight, double* dbias, const double* dout, const double* inp,
                            int N, int IC, int OC) {
  for (int o = 0; o < OC; ++o) {
    double bacc = 0.0;
    for (int n = 0; n < N; ++n) bacc += dout[static_cast<size_t>(n) * OC + o];
    dbias[o] = bacc;
    for (int i = 0; i < IC; ++i) {
      double acc = 0.0;
      for (int n = 0; n < N; ++n)
        acc += dout[static_cast<size_t>(n) * OC + o] * inp[static_cast<size_t>(n) * IC + i];
      dweight[static_cast<size_t>(o) * IC + i] = acc;
    }
  }
}

// Plain SGD staged: out = param + neg_lr * grad (torch's rounding, as sgd_pass), param untouched;
// returns whether every new value is finite.
bool sgd_stage(float* out, const float* param, const float* grad, size_t n, float neg_lr) {
  return sgd_plain_stage_f32(out, param, grad, n, neg_lr);
}
bool sgd_stage(double* out, const double* param, const double* grad, size_t n, double neg_lr) {
  unsigned bad = 0;
  for (size_t i = 0; i < n; ++i) {
    out[i] = param[i] + neg_lr * grad[i];
    bad |= !(out[i] - out[i] == 0.0);  // x - x is 0 for finite x, NaN otherwise
  }
  return bad == 0;
}

bool all_finite_values(const float* p, size_t n) { return all_finite_f32(p, n); }
bool all_finite_values(const double* p, size_t n) {
  unsigned bad = 0;
  for (size_t i = 0; i < n; ++i) bad |= !(p[i] - p[i] == 0.0);
  return bad == 0;
}

// out, inp: (n) elementwise; backward from the saved output
template <class T>
void relu_forward(T* out, const T* inp, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = (inp[i] > T(0) || std::isnan(inp[i])) ? inp[i] : T(0);
}
template <class T>
void relu_backward(T* dinp, const T* out, const T* dout, size_t n) {
  for (size_t i = 0; i < n; ++i) dinp[i] += out[i] > T(0) ? dout[i] : T(0);
}

template <class T>
void sigmoid_forward(T* out, const T* inp, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = T(1) / (T(1) + std::exp(-inp[i]));
}
template <class T>
void sigmoid_backward(T* dinp, const T* out, const T* dout, size_t n) {
  for (size_t i = 0; i < n; ++i) dinp[i] += dout[i] * (T(1) - out[i]) * out[i];
}

template <class T>
void tanh_forward(T* out, const T* inp, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = std::tanh(inp[i]);
}
template <class T>
void tanh_backward(T* dinp, const T* out, const T* dout, size_t n) {
  for (size_t i = 0; i < n; ++i) dinp[i] += dout[i] * (T(1) - out[i] * out[i]);
}

template <class T>
void activation_forward(Activation a, T* out, const T* inp, size_t n) {
  if (a == Activation::Relu)
    relu_forward(out, inp, n);
  else if (a == Activation::Sigmoid)
    sigmoid_forward(out, inp, n);
  else
    tanh_forward(out, inp, n);
}
template <class T>
void activation_backward(Activation a, T* dinp, const T* out, const T* dout, size_t n) {
  if (a == Activation::Relu)
    relu_backward(dinp, out, dout, n);
  else if (a == Activation::Sigmoid)
    sigmoid_backward(dinp, out, dout, n);
  else
    tanh_backward(dinp, out, dout, n);
}

// ----------------------------------------------------------------------------------------------
// Losses (nn.CrossEntropyLoss, nn.BCELoss, nn.BCEWithLogitsLoss, nn.MSELoss with the options of
// ll::LossOptions), in place on the net's buffers so a training step allocates nothing.

// Normalisers of CrossEntropyLoss with class indices: d1 for the NLL term, d2 for the label
// smoothing term (torch 1.13 divides the unweighted smoothing term by N, ignored rows included).
template <class T>
void ce_index_denoms(double* d1, double* d2, const int32_t* target, const LossOptions<T>& opt,
                     int N) {
  if (opt.reduction == Reduction::Sum) {
    *d1 = *d2 = 1.0;
    return;
  }
  const bool has_w = opt.weight.size() > 0;
  double wsum = 0.0;
  for (int n = 0; n < N; ++n)
    if (target[n] != opt.ignore_index)
      wsum += has_w ? static_cast<double>(opt.weight.data[target[n]]) : 1.0;
  *d1 = wsum;
  *d2 = has_w ? wsum : static_cast<double>(N);
}

// save: (N, C) gets log_softmax(logits) for crossentropy_backward or, with save_prob,
// softmax(logits) for crossentropy_fused_backward; target: (N) class indices.
// Returns (1 - eps) * nll + eps / C * smooth with the torch 1.13 reductions.
template <class T>
T crossentropy_forward(T* save, bool save_prob, const T* logits, const int32_t* target,
                       const LossOptions<T>& opt, int N, int C) {
  const bool has_w = opt.weight.size() > 0;
  const double eps = opt.label_smoothing;
  double nll = 0.0, smooth = 0.0;
  for (int n = 0; n < N; ++n) {
    const T* z = logits + static_cast<size_t>(n) * C;
    T* sv = save + static_cast<size_t>(n) * C;
    T maxv = z[0];  // the max is only subtracted for numerical stability
    for (int c = 1; c < C; ++c) maxv = std::max(maxv, z[c]);
    double sum = 0.0;
    for (int c = 0; c < C; ++c) {
      const double e = std::exp(static_cast<double>(z[c] - maxv));
      sum += e;
      if (save_prob) sv[c] = static_cast<T>(e);
    }
    const T lse = static_cast<T>(std::log(sum));
    const double inv_sum = 1.0 / sum;
    for (int c = 0; c < C; ++c)
      sv[c] = save_prob ? static_cast<T>(sv[c] * inv_sum) : z[c] - maxv - lse;
    const int t = target[n];
    if (t == opt.ignore_index) continue;
    nll -= static_cast<double>(z[t] - maxv - lse) * (has_w ? opt.weight.data[t] : T(1));
    if (eps > 0.0)
      for (int c = 0; c < C; ++c)
        smooth -= static_cast<double>(z[c] - maxv - lse) * (has_w ? opt.weight.data[c] : T(1));
  }
  double d1, d2;
  ce_index_denoms(&d1, &d2, target, opt, N);
  double loss = nll / d1;
  if (eps > 0.0) loss = (1.0 - eps) * loss + (smooth / d2) * (eps / C);
  return static_cast<T>(loss);
}
// dlogits: (N, C) += dLoss/dlogits = dlogp - softmax * sum(dlogp); for eps = 0 and no weight
// this is the fused (p - onehot) / N.
template <class T>
void crossentropy_backward(T* dlogits, const T* logp, const int32_t* target,
                           const LossOptions<T>& opt, int N, int C) {
  const bool has_w = opt.weight.size() > 0;
  const double eps = opt.label_smoothing;
  double d1, d2;
  ce_index_denoms(&d1, &d2, target, opt, N);
  for (int n = 0; n < N; ++n) {
    const int t = target[n];
    if (t == opt.ignore_index) continue;
    const T* lp = logp + static_cast<size_t>(n) * C;
    T* dz = dlogits + static_cast<size_t>(n) * C;
    const double g_nll = -(1.0 - eps) * (has_w ? opt.weight.data[t] : 1.0) / d1;
    double g_sum = g_nll;  // sum over c of dLoss/dlogp[c]
    const double g_smooth = eps > 0.0 ? -eps / C / d2 : 0.0;
    if (eps > 0.0)
      for (int c = 0; c < C; ++c) g_sum += g_smooth * (has_w ? opt.weight.data[c] : 1.0);
    for (int c = 0; c < C; ++c) {
      double dlp = (c == t ? g_nll : 0.0) + g_smooth * (has_w ? opt.weight.data[c] : 1.0);
      dz[c] += static_cast<T>(dlp - std::exp(static_cast<double>(lp[c])) * g_sum);
    }
  }
}

// The fused softmax + cross-entropy backward for class indices without weight or label smoothing:
// dlogits (N, C) += (softmax - onehot(target)) * scale, scale = 1 / (rows not ignored) for mean, 1
// for sum; ignored rows get nothing. prob: what crossentropy_forward saved with save_prob.
template <class T>
void crossentropy_fused_backward(T* dlogits, const T* prob, const int32_t* target,
                                 const LossOptions<T>& opt, int N, int C) {
  double d1, d2;
  ce_index_denoms(&d1, &d2, target, opt, N);
  const T scale = static_cast<T>(1.0 / d1);
  for (int n = 0; n < N; ++n) {
    const int t = target[n];
    if (t == opt.ignore_index) continue;
    const T* p = prob + static_cast<size_t>(n) * C;
    T* dz = dlogits + static_cast<size_t>(n) * C;
    for (int c = 0; c < C; ++c) dz[c] += (p[c] - (c == t ? T(1) : T(0))) * scale;
  }
}

// CrossEntropyLoss with class-probability targets (N, C); mean divides by N.
template <class T>
T crossentropy_prob_forward(T* logp, const T* logits, const T* target, const LossOptions<T>& opt,
                            int N, int C) {
  const bool has_w = opt.weight.size() > 0;
  const double eps = opt.label_smoothing;
  double total = 0.0;
  for (int n = 0; n < N; ++n) {
    const T* z = logits + static_cast<size_t>(n) * C;
    T* lp = logp + static_cast<size_t>(n) * C;
    T maxv = z[0];
    for (int c = 1; c < C; ++c) maxv = std::max(maxv, z[c]);
    double sum = 0.0;
    for (int c = 0; c < C; ++c) sum += std::exp(static_cast<double>(z[c] - maxv));
    const T lse = static_cast<T>(std::log(sum));
    for (int c = 0; c < C; ++c) {
      lp[c] = z[c] - maxv - lse;
      const double t = target[static_cast<size_t>(n) * C + c] * (1.0 - eps) + eps / C;
      total -= static_cast<double>(lp[c]) * t * (has_w ? opt.weight.data[c] : 1.0);
    }
  }
  return static_cast<T>(opt.reduction == Reduction::Mean ? total / N : total);
}
template <class T>
void crossentropy_prob_backward(T* dlogits, const T* logp, const T* target,
                                const LossOptions<T>& opt, int N, int C) {
  const bool has_w = opt.weight.size() > 0;
  const double eps = opt.label_smoothing;
  const double scale = opt.reduction == Reduction::Mean ? 1.0 / N : 1.0;
  for (int n = 0; n < N; ++n) {
    const T* lp = logp + static_cast<size_t>(n) * C;
    T* dz = dlogits + static_cast<size_t>(n) * C;
    double g_sum = 0.0;
    for (int c = 0; c < C; ++c) {
      const double t = target[static_cast<size_t>(n) * C + c] * (1.0 - eps) + eps / C;
      g_sum -= t * (has_w ? opt.weight.data[c] : 1.0) * scale;
    }
    for (int c = 0; c < C; ++c) {
      const double t = target[static_cast<size_t>(n) * C + c] * (1.0 - eps) + eps / C;
      const double dlp = -t * (has_w ? opt.weight.data[c] : 1.0) * scale;
      dz[c] += static_cast<T>(dlp - std::exp(static_cast<double>(lp[c])) * g_sum);
    }
  }
}

// BCE / BCEWithLogits weights broadcast over (N, C): size 1, C or N * C.
template <class T>
T bcast(const Tensor<T>& w, int n, int c, int C) {
  if (w.size() == 0) return T(1);
  if (w.size() == 1) return w.data[0];
  if (w.size() == static_cast<size_t>(C)) return w.data[c];
  return w.data[static_cast<size_t>(n) * C + c];
}

// nn.BCELoss on probabilities p: (N, C); logs clamped at -100 as torch does.
template <class T>
T bce_forward(const T* p, const T* target, const LossOptions<T>& opt, int N, int C) {
  double total = 0.0;
  for (int n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c) {
      const size_t i = static_cast<size_t>(n) * C + c;
      const T x = p[i], y = target[i];
      const T l = (y - T(1)) * std::max(static_cast<T>(std::log(T(1) - x)), T(-100)) -
                  y * std::max(static_cast<T>(std::log(x)), T(-100));
      total += static_cast<double>(l * bcast(opt.weight, n, c, C));
    }
  const double numel = static_cast<double>(N) * C;
  return static_cast<T>(opt.reduction == Reduction::Mean ? total / numel : total);
}
// dp += (p - y) / max((1 - p) p, 1e-12) * weight * grad, grad = 1/numel for mean
template <class T>
void bce_backward(T* dp, const T* p, const T* target, const LossOptions<T>& opt, int N, int C) {
  const T g =
      static_cast<T>(opt.reduction == Reduction::Mean ? 1.0 / (static_cast<double>(N) * C) : 1.0);
  for (int n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c) {
      const size_t i = static_cast<size_t>(n) * C + c;
      const T x = p[i];
      dp[i] += g * (x - target[i]) / std::max((T(1) - x) * x, static_cast<T>(1e-12)) *
               bcast(opt.weight, n, c, C);
    }
}

// nn.BCEWithLogitsLoss on logits x: (N, C) in the log-sum-exp form of torch 1.13.
template <class T>
T bce_logits_forward(const T* logits, const T* target, const LossOptions<T>& opt, int N, int C) {
  const bool has_pw = opt.pos_weight.size() > 0;
  double total = 0.0;
  for (int n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c) {
      const size_t i = static_cast<size_t>(n) * C + c;
      const T x = logits[i], y = target[i];
      const T m = std::max(-x, T(0));
      const T lse = std::log(std::exp(-m) + std::exp(-x - m)) + m;  // log(1 + exp(-x))
      T l;
      if (has_pw) {
        const T log_weight = (bcast(opt.pos_weight, n, c, C) - T(1)) * y + T(1);
        l = (T(1) - y) * x + log_weight * lse;
      } else {
        l = (T(1) - y) * x + lse;
      }
      total += static_cast<double>(l * bcast(opt.weight, n, c, C));
    }
  const double numel = static_cast<double>(N) * C;
  return static_cast<T>(opt.reduction == Reduction::Mean ? total / numel : total);
}
// dx += ((pw y + 1 - y) sigmoid(x) - pw y) * weight / (numel for mean)
template <class T>
void bce_logits_backward(T* dx, const T* logits, const T* target, const LossOptions<T>& opt, int N,
                         int C) {
  const bool mean = opt.reduction == Reduction::Mean;
  const T numel = static_cast<T>(static_cast<double>(N) * C);
  for (int n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c) {
      const size_t i = static_cast<size_t>(n) * C + c;
      const T y = target[i];
      const T s = T(1) / (T(1) + std::exp(-logits[i]));
      T g;
      if (opt.pos_weight.size() > 0) {
        const T t = bcast(opt.pos_weight, n, c, C) * y;
        g = (t + T(1) - y) * s - t;
      } else {
        g = s - y;
      }
      g = g * bcast(opt.weight, n, c, C);
      dx[i] += mean ? g / numel : g;
    }
}

// nn.MSELoss on (N, C).
template <class T>
T mse_forward(const T* out, const T* target, const LossOptions<T>& opt, int N, int C) {
  const size_t numel = static_cast<size_t>(N) * C;
  double total = 0.0;
  for (size_t i = 0; i < numel; ++i) {
    const T d = out[i] - target[i];
    total += static_cast<double>(d * d);
  }
  return static_cast<T>(opt.reduction == Reduction::Mean ? total / static_cast<double>(numel)
                                                         : total);
}
// dout += norm * (out - y), norm = 2 / numel (mean) or 2
template <class T>
void mse_backward(T* dout, const T* out, const T* target, const LossOptions<T>& opt, int N, int C) {
  const size_t numel = static_cast<size_t>(N) * C;
  const T norm =
      static_cast<T>(opt.reduction == Reduction::Mean ? 2.0 / static_cast<double>(numel) : 2.0);
  for (size_t i = 0; i < numel; ++i) dout[i] += norm * (out[i] - target[i]);
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// The net

template <class T>
Mlp<T>::Mlp(std::vector<int> sizes, Activation act, OutputHead head, uint64_t seed)
    : sizes_(std::move(sizes)), act_(act), head_(head) {
  if (head_ == OutputHead::Sigmoid) loss_ = LossKind::BCE;
  const size_t P = make_layout(sizes_, sizeof(T), views_, a_off_, z_off_, row_width_);
  try {
    params_.assign(P, T(0));
    grads_.assign(P, T(0));
    state_.resize(P);
  } catch (const std::bad_alloc&) {
    net_too_big(sizes_, P, sizeof(T));
  } catch (const std::length_error&) {
    net_too_big(sizes_, P, sizeof(T));
  }
  reset_parameters(seed);
}

template <class T>
void Mlp<T>::reset_parameters(uint64_t seed) {
  Rng rng(seed);
  for (int l = 0; l < num_layers(); ++l) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(sizes_[l]));
    for (int k = 0; k < 2; ++k) {  // weight, then bias
      const ParamView& v = views_[2 * l + k];
      for (size_t i = 0; i < v.size; ++i)
        params_[v.offset + i] = static_cast<T>(rng.uniform(-bound, bound));
    }
  }
  std::fill(grads_.begin(), grads_.end(), T(0));
  state_.resize(params_.size());
}

template <class T>
void Mlp<T>::set_loss(LossKind kind, LossOptions<T> opt, const char* fn) {
  validate_loss(kind, opt.reduction, opt.label_smoothing, opt.weight.size(), opt.pos_weight.size(),
                out_features(), fn);
  loss_ = kind;
  loss_opt_ = std::move(opt);
}

template <class T>
void Mlp<T>::set_optimizer(const OptimConfig& c, const char* fn) {
  c.validate(fn);
  optim_ = c;
  state_.resize(params_.size());
}

// Grows the scratch buffers to n rows; never shrinks, so later steps with <= n rows allocate
// nothing.
template <class T>
void Mlp<T>::ensure_batch(int n, const char* fn) {
  if (n > capacity_) {
    const uint64_t cells = static_cast<uint64_t>(row_width_) * static_cast<uint64_t>(n);
    if (cells > std::numeric_limits<size_t>::max() / (4 * sizeof(T))) batch_too_big(fn, n, cells);
    try {
      acts_.assign(static_cast<size_t>(cells), T(0));
      dacts_.assign(static_cast<size_t>(cells), T(0));
      loss_scratch_.assign(static_cast<size_t>(out_features()) * n, T(0));
    } catch (const std::bad_alloc&) {
      capacity_ = 0;
      acts_ = AlignedVector<T>();
      dacts_ = AlignedVector<T>();
      loss_scratch_ = AlignedVector<T>();
      batch_too_big(fn, n, cells);
    }
    capacity_ = n;
  }
  batch_ = n;
}

template <class T>
void Mlp<T>::check_input(const T* x, int n, const char* fn) const {
  if (n <= 0) throw_range(std::string(fn) + ": x must have at least one row");
  const size_t D = static_cast<size_t>(in_features());
  const size_t total = static_cast<size_t>(n) * D;
  if (all_finite_values(x, total)) return;
  size_t i = 0;
  while (std::isfinite(x[i])) ++i;
  input_not_finite(fn, i, D, static_cast<double>(x[i]));
}

template <class T>
void Mlp<T>::check_target(const Target<T>& y, int n, const char* fn) const {
  const int C = out_features();
  if (loss_ == LossKind::CrossEntropy && y.index)
    return check_index_targets(y.index, y.size, n, C, loss_opt_.ignore_index, fn);
  check_value_target_shape(y.value != nullptr, y.size, loss_, n, C, fn);
  const bool unit = loss_ != LossKind::MSE;
  for (size_t i = 0; i < y.size; ++i) {
    const T v = y.value[i];
    if (!std::isfinite(v) || (unit && (v < T(0) || v > T(1))))
      bad_target_value(fn, static_cast<double>(v), loss_);
  }
}

template <class T>
void Mlp<T>::check_batch(const T* x, int n, const Target<T>& y, const char* fn) const {
  check_input(x, n, fn);
  check_target(y, n, fn);
}

template <class T>
const T* Mlp<T>::forward(const T* x, int n) {
  return run_forward(x, n, "forward");
}

template <class T>
const T* Mlp<T>::run_forward(const T* x, int n, const char* fn) {
  check_input(x, n, fn);
  ensure_batch(n, fn);
  if (x != a_ptr(0)) std::copy(x, x + static_cast<size_t>(n) * in_features(), a_ptr(0));
  const int L = num_layers();
  for (int l = 0; l < L; ++l) {
    const ParamView& w = views_[2 * l];
    const ParamView& b = views_[2 * l + 1];
    const bool hidden = l + 1 < L;
    const bool fuse_relu = hidden && act_ == Activation::Relu;
    linear_forward(z_ptr(l), fuse_relu ? a_ptr(l + 1) : nullptr, a_ptr(l),
                   params_.data() + w.offset, params_.data() + b.offset, n, sizes_[l],
                   sizes_[l + 1]);
    if (hidden && !fuse_relu)
      activation_forward(act_, a_ptr(l + 1), z_ptr(l), static_cast<size_t>(n) * sizes_[l + 1]);
  }
  if (head_ == OutputHead::Sigmoid)
    sigmoid_forward(a_ptr(L), z_ptr(L - 1), static_cast<size_t>(n) * out_features());
  return out_ptr();
}

template <class T>
T Mlp<T>::loss_forward(const Target<T>& y, int n) {
  const int C = out_features();
  const T* out = out_ptr();
  switch (loss_) {
    case LossKind::CrossEntropy:
      return y.index
                 ? crossentropy_forward(loss_scratch_.data(), fused_ce(y), out, y.index, loss_opt_,
                                        n, C)
                 : crossentropy_prob_forward(loss_scratch_.data(), out, y.value, loss_opt_, n, C);
    case LossKind::BCE: {
      const size_t numel = static_cast<size_t>(n) * C;
      for (size_t i = 0; i < numel; ++i)
        if (std::isfinite(out[i]) && (out[i] < T(0) || out[i] > T(1)))
          bce_output_out_of_range(static_cast<double>(out[i]));
      return bce_forward(out, y.value, loss_opt_, n, C);
    }
    case LossKind::BCEWithLogits:
      return bce_logits_forward(out, y.value, loss_opt_, n, C);
    default:
      return mse_forward(out, y.value, loss_opt_, n, C);
  }
}

template <class T>
void Mlp<T>::loss_backward(const Target<T>& y, int n) {
  const int C = out_features();
  const T* out = out_ptr();
  T* dout = dout_ptr();
  switch (loss_) {
    case LossKind::CrossEntropy:
      if (y.index && fused_ce(y))
        crossentropy_fused_backward(dout, loss_scratch_.data(), y.index, loss_opt_, n, C);
      else if (y.index)
        crossentropy_backward(dout, loss_scratch_.data(), y.index, loss_opt_, n, C);
      else
        crossentropy_prob_backward(dout, loss_scratch_.data(), y.value, loss_opt_, n, C);
      break;
    case LossKind::BCE:
      bce_backward(dout, out, y.value, loss_opt_, n, C);
      break;
    case LossKind::BCEWithLogits:
      bce_logits_backward(dout, out, y.value, loss_opt_, n, C);
      break;
    default:
      mse_backward(dout, out, y.value, loss_opt_, n, C);
      break;
  }
}

// Backward through the head and the layers, last to first. Writes every gradient in grads_ (no
// zeroing needed); the dacts_ blocks after the input's must be zeroed. The first layer's input
// gradient is not needed and not computed.
template <class T>
void Mlp<T>::backward(int n) {
  const int L = num_layers();
  if (head_ == OutputHead::Sigmoid)
    sigmoid_backward(dz_ptr(L - 1), a_ptr(L), da_ptr(L), static_cast<size_t>(n) * out_features());
  for (int l = L - 1; l >= 0; --l) {
    const ParamView& w = views_[2 * l];
    const ParamView& b = views_[2 * l + 1];
    linear_backward_params(grads_.data() + w.offset, grads_.data() + b.offset, dz_ptr(l), a_ptr(l),
                           n, sizes_[l], sizes_[l + 1]);
    if (l == 0) break;
    const T* W = params_.data() + w.offset;
    if (act_ == Activation::Relu) {  // dz[l-1] = (dz[l] W) where a[l] > 0, in one kernel
      linear_backward_input(dz_ptr(l - 1), dz_ptr(l), W, a_ptr(l), n, sizes_[l], sizes_[l + 1]);
    } else {
      linear_backward_input(da_ptr(l), dz_ptr(l), W, static_cast<const T*>(nullptr), n, sizes_[l],
                            sizes_[l + 1]);
      activation_backward(act_, dz_ptr(l - 1), a_ptr(l), da_ptr(l),
                          static_cast<size_t>(n) * sizes_[l]);
    }
  }
}

template <class T>
int Mlp<T>::count_correct(const Target<T>& y, int n) const {
  const int C = out_features();
  const T* out = const_cast<Mlp*>(this)->out_ptr();
  int correct = 0, counted = 0;
  for (int i = 0; i < n; ++i) {
    const T* row = out + static_cast<size_t>(i) * C;
    int pred, truth;
    if (y.index) {
      if (y.index[i] == loss_opt_.ignore_index) continue;
      truth = y.index[i];
      pred = C == 1 ? 0 : argmax_row(row, C);
    } else if (C == 1) {
      pred = head_ == OutputHead::Sigmoid ? row[0] > T(0.5) : row[0] > T(0);
      truth = y.value[i] > T(0.5);
    } else {
      pred = argmax_row(row, C);
      truth = argmax_row(y.value + static_cast<size_t>(i) * C, C);
    }
    ++counted;
    correct += pred == truth;
  }
  const_cast<Mlp*>(this)->last_counted_ = counted;
  return correct;
}

template <class T>
void Mlp<T>::zero_act_grads(int n) {
  // Everything after the input block (whose gradient is never computed).
  std::fill(dacts_.begin() + z_off_[0] * static_cast<size_t>(n),
            dacts_.begin() + row_width_ * static_cast<size_t>(n), T(0));
}

template <class T>
T Mlp<T>::train_step(const T* x, int n, const Target<T>& y) {
  const char* fn = "trainStep";
  check_input(x, n, fn);
  check_target(y, n, fn);
  // forward, loss (the backward overwrites every gradient: that is the zero_grad)
  run_forward(x, n, fn);
  zero_act_grads(n);
  const T loss = loss_forward(y, n);
  last_correct_ = count_correct(y, n);
  if (!std::isfinite(loss)) step_failed(fn, "the loss became ", loss, steps_done_ + 1);
  // backward and the optimizer step, refused (weights and state untouched) if any weight would
  // turn non-finite. A non-finite gradient always gives a non-finite weight, so checking the new
  // weights covers both.
  loss_backward(y, n);
  const size_t P = params_.size();
  auto refuse = [&](const T* updated) {
    if (!all_finite_values(grads_.data(), P))
      step_failed(fn, "a gradient became ", first_non_finite(grads_.data(), P), steps_done_ + 1);
    step_failed(fn, "a weight became ", first_non_finite(updated, P), steps_done_ + 1);
  };
  backward(n);
  if (stage_ready()) {
    // Plain SGD: one pass writes the new weights into staged_ and checks them; a swap makes them
    // the weights (instead of a check pass, then an update pass).
    if (!sgd_stage(staged_.data(), params_.data(), grads_.data(), P, static_cast<T>(-optim_.lr)))
      refuse(staged_.data());
    params_.swap(staged_);
    state_.step += 1;
  } else {
    if (!optimizer_step_is_finite(params_.data(), grads_.data(), P, optim_, state_)) {
      AlignedVector<T> updated = params_;  // rare path: find the value to report
      OptimState<T> state = state_;
      optimizer_step(updated.data(), grads_.data(), P, optim_, state);
      refuse(updated.data());
    }
    optimizer_step(params_.data(), grads_.data(), P, optim_, state_);
  }
  ++steps_done_;
  return loss;
}

// Plain SGD (no momentum, no weight decay) stages its update; the staging buffer is allocated on
// the first such step. Without memory for it, the two-pass check-then-commit path is used.
template <class T>
bool Mlp<T>::stage_ready() {
  if (!plain_sgd()) return false;
  if (staged_.size() == params_.size()) return true;
  try {
    staged_.resize(params_.size());
  } catch (const std::bad_alloc&) {
    staged_ = AlignedVector<T>();
    return false;
  }
  return true;
}

template <class T>
void Mlp<T>::predict(int32_t* out, const T* x, int n) {
  const int C = out_features();
  const T* y = run_forward(x, n, "predict");
  for (int i = 0; i < n; ++i) {
    const T* row = y + static_cast<size_t>(i) * C;
    if (C == 1)
      out[i] = head_ == OutputHead::Sigmoid ? row[0] > T(0.5) : row[0] > T(0);
    else
      out[i] = argmax_row(row, C);
  }
}

namespace {
const char* act_formula(Activation a) {
  switch (a) {
    case Activation::Relu:
      return "a = \\max(0, z)";
    case Activation::Sigmoid:
      return "a = \\sigma(z) = \\frac{1}{1 + e^{-z}}";
    default:
      return "a = \\tanh(z)";
  }
}
const char* loss_formula(LossKind k, bool index) {
  switch (k) {
    case LossKind::CrossEntropy:
      return index ? "L = -\\frac{1}{N}\\sum_i \\log \\mathrm{softmax}(z_i)_{y_i}"
                   : "L = -\\frac{1}{N}\\sum_i \\sum_c y_{ic} \\log \\mathrm{softmax}(z_i)_c";
    case LossKind::BCE:
      return "L = -\\frac{1}{N}\\sum_i y_i \\log p_i + (1 - y_i) \\log(1 - p_i)";
    case LossKind::BCEWithLogits:
      return "L = -\\frac{1}{N}\\sum_i y_i \\log \\sigma(z_i) + (1 - y_i) \\log(1 - \\sigma(z_i))";
    default:
      return "L = \\frac{1}{N}\\sum_i (\\hat y_i - y_i)^2";
  }
}
const char* update_formula(OptimType t) {
  switch (t) {
    case OptimType::SGD:
      return "\\theta \\leftarrow \\theta - \\eta\\, b_t,\\; b_t = \\mu b_{t-1} + g_t";
    case OptimType::Adam:
      return "\\theta \\leftarrow \\theta - \\frac{\\eta}{1 - \\beta_1^t} \\frac{m_t}{\\sqrt{v_t} "
             "/ "
             "\\sqrt{1 - \\beta_2^t} + \\epsilon}";
    default:
      return "\\theta \\leftarrow \\theta (1 - \\eta\\lambda) - \\frac{\\eta}{1 - \\beta_1^t} "
             "\\frac{m_t}{\\sqrt{v_t} / \\sqrt{1 - \\beta_2^t} + \\epsilon}";
  }
}
// Which buffer an explanation step shows (layer l where it applies).
enum class StepSrc { Input, Z, Act, OutSigmoid, Loss, OutGrad, DZ, ParamGrad, Update, New };
struct StepSpec {
  StepSrc src;
  int index;  // the layer for Z/Act/DZ, the parameter view for ParamGrad/Update/New
  Step step;  // id, title, formula and shape; values filled by the typed code
};

// The steps of Mlp::explain in order, named without the values: type-independent, so one copy.
LL_COLD std::vector<StepSpec> explain_specs(const std::vector<int>& sizes, Activation act,
                                            OutputHead head, LossKind loss, bool index_target,
                                            OptimType optim, const std::vector<ParamView>& views,
                                            int n) {
  std::vector<StepSpec> out;
  auto add = [&](StepSrc src, int i, std::string id, std::string title, std::string formula,
                 Shape shape) {
    out.push_back(
        {src, i, Step{std::move(id), std::move(title), std::move(formula), std::move(shape), {}}});
  };
  const int L = static_cast<int>(sizes.size()) - 1;
  // forward, layer by layer
  add(StepSrc::Input, 0, "input", "Input", "a^{(0)} = x", {n, sizes[0]});
  for (int l = 0; l < L; ++l) {
    const std::string k = std::to_string(l + 1);
    add(StepSrc::Z, l, "linear" + k + ".z", "Layer " + k + ": linear",
        "z^{(" + k + ")} = a^{(" + std::to_string(l) + ")} W_{" + k + "}^T + b_{" + k + "}",
        {n, sizes[l + 1]});
    if (l + 1 < L)
      add(StepSrc::Act, l, "linear" + k + "." + activation_name(act),
          "Layer " + k + ": " + activation_name(act), act_formula(act), {n, sizes[l + 1]});
  }
  if (head == OutputHead::Sigmoid)
    add(StepSrc::OutSigmoid, 0, "output.sigmoid", "Output sigmoid", "p = \\sigma(z)",
        {n, sizes.back()});
  // loss and backward
  add(StepSrc::Loss, 0, "loss", std::string("Loss (") + loss_kind_name(loss) + ")",
      loss_formula(loss, index_target), {});
  add(StepSrc::OutGrad, 0, "output.grad", "Gradient of the loss w.r.t. the output",
      "\\partial L / \\partial \\hat y", {n, sizes.back()});
  for (int l = L - 1; l >= 0; --l) {
    const std::string k = std::to_string(l + 1);
    add(StepSrc::DZ, l, "linear" + k + ".z.grad", "Layer " + k + ": gradient w.r.t. z",
        "\\delta^{(" + k + ")} = \\partial L / \\partial z^{(" + k + ")}", {n, sizes[l + 1]});
    const ParamView& w = views[2 * l];
    const ParamView& b = views[2 * l + 1];
    add(StepSrc::ParamGrad, 2 * l, w.name + ".grad", "Layer " + k + ": weight gradient",
        "\\partial L / \\partial W_{" + k + "} = \\delta^{(" + k + ")T} a^{(" + std::to_string(l) +
            ")}",
        w.shape);
    add(StepSrc::ParamGrad, 2 * l + 1, b.name + ".grad", "Layer " + k + ": bias gradient",
        "\\partial L / \\partial b_{" + k + "} = \\sum_i \\delta_i^{(" + k + ")}", b.shape);
  }
  // the update the optimizer would make
  for (size_t i = 0; i < views.size(); ++i) {
    const ParamView& v = views[i];
    add(StepSrc::Update, static_cast<int>(i), v.name + ".update", "Update of " + v.name,
        update_formula(optim), v.shape);
    add(StepSrc::New, static_cast<int>(i), v.name + ".new", "New " + v.name,
        "\\theta' = \\theta + \\Delta\\theta", v.shape);
  }
  return out;
}

}  // namespace

template <class T>
Explain Mlp<T>::explain(const T* x, int n, const Target<T>& y) {
  const char* fn = "explain";
  check_input(x, n, fn);
  check_target(y, n, fn);
  const AlignedVector<T> saved_grads = grads_;  // explain leaves the last step's gradients alone
  // The training code: forward, loss, backward; then the optimizer on copies.
  run_forward(x, n, fn);
  zero_act_grads(n);
  const T loss = loss_forward(y, n);
  loss_backward(y, n);
  backward(n);
  AlignedVector<T> new_params = params_;
  OptimState<T> state = state_;
  optimizer_step(new_params.data(), grads_.data(), new_params.size(), optim_, state);
  // Every buffer still holds its step's values: copy them into the named steps.
  Explain ex;
  ex.steps.reserve(4 * views_.size() + 8);
  for (StepSpec& sp :
       explain_specs(sizes_, act_, head_, loss_, y.index != nullptr, optim_.type, views_, n)) {
    const int l = sp.index;
    const T* src = nullptr;
    switch (sp.src) {
      case StepSrc::Input:
        src = a_ptr(0);
        break;
      case StepSrc::Z:
        src = z_ptr(l);
        break;
      case StepSrc::Act:
        src = a_ptr(l + 1);
        break;
      case StepSrc::OutSigmoid:
        src = a_ptr(num_layers());
        break;
      case StepSrc::Loss:
        sp.step.values = {static_cast<double>(loss)};
        break;
      case StepSrc::OutGrad:
        src = dout_ptr();
        break;
      case StepSrc::DZ:
        src = dz_ptr(l);
        break;
      case StepSrc::ParamGrad:
        src = grads_.data() + views_[l].offset;
        break;
      case StepSrc::New:
        src = new_params.data() + views_[l].offset;
        break;
      case StepSrc::Update: {
        const ParamView& v = views_[l];
        sp.step.values.resize(v.size);
        for (size_t i = 0; i < v.size; ++i)
          sp.step.values[i] = static_cast<double>(new_params[v.offset + i] - params_[v.offset + i]);
        break;
      }
    }
    if (src) sp.step.values.assign(src, src + Tensor<T>::numel(sp.step.shape));
    ex.steps.push_back(std::move(sp.step));
  }
  grads_ = saved_grads;
  return ex;
}

template class Mlp<float>;
template class Mlp<double>;

}  // namespace ll
