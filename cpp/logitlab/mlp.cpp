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
  if (sizes_.size() < 2)
    throw RangeError("mlp: sizes must have at least 2 entries (inputs and outputs); got " +
                     std::to_string(sizes_.size()));
  for (size_t i = 0; i < sizes_.size(); ++i)
    if (sizes_[i] <= 0)
      throw RangeError("mlp: sizes[" + std::to_string(i) + "] = " + std::to_string(sizes_[i]) +
                       " must be a positive integer");
  if (head_ == OutputHead::Sigmoid) loss_ = LossKind::BCE;
  // One flat buffer: linear1.weight (out, in), linear1.bias (out), linear2.weight, ...
  // Counted in 64 bits first: on wasm32, size_t would wrap for nets like 65536 -> 65536.
  uint64_t total = 0;
  for (int l = 0; l < num_layers(); ++l)
    total += (static_cast<uint64_t>(sizes_[l]) + 1) * static_cast<uint64_t>(sizes_[l + 1]);
  // params, grads and two optimizer buffers: 4 copies of every parameter.
  const double mb = static_cast<double>(total) * 4.0 * sizeof(T) / (1024.0 * 1024.0);
  const std::string too_big =
      "mlp: sizes " + shape_str(sizes_) + " give " + std::to_string(total) +
      " parameters, which need " + num_str(mb) +
      " MB with gradients and optimizer state; that is more memory than is available";
  if (total > std::numeric_limits<size_t>::max() / (8 * sizeof(T))) throw RangeError(too_big);
  size_t off = 0;
  for (int l = 0; l < num_layers(); ++l) {
    const int in = sizes_[l], out = sizes_[l + 1];
    const std::string p = "linear" + std::to_string(l + 1);
    views_.push_back({p + ".weight", {out, in}, off, static_cast<size_t>(out) * in});
    off += views_.back().size;
    views_.push_back({p + ".bias", {out}, off, static_cast<size_t>(out)});
    off += views_.back().size;
  }
  try {
    params_.assign(off, T(0));
    grads_.assign(off, T(0));
    state_.resize(off);
  } catch (const std::bad_alloc&) {
    throw RangeError(too_big);
  } catch (const std::length_error&) {
    throw RangeError(too_big);
  }
  // Per-row activation offsets: a0 | z0 | a1 | z1 | ... | a[L]
  size_t w = 0;
  for (int l = 0; l < num_layers(); ++l) {
    a_off_.push_back(w);
    w += sizes_[l];
    z_off_.push_back(w);
    w += sizes_[l + 1];
  }
  a_off_.push_back(w);
  w += sizes_.back();
  row_width_ = w;
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
  const int C = out_features();
  if (opt.reduction == Reduction::None)
    throw RangeError(
        std::string(fn) +
        ": lossOptions.reduction 'none' is not supported for a net; expected 'mean' or 'sum'");
  const std::string name = loss_kind_name(kind);
  if (kind == LossKind::CrossEntropy) {
    if (opt.weight.size() > 0 && opt.weight.size() != static_cast<size_t>(C))
      throw RangeError(std::string(fn) + ": lossOptions.weight has " +
                       std::to_string(opt.weight.size()) + " elements; expected one per class (" +
                       std::to_string(C) + ")");
    if (!(opt.label_smoothing >= 0.0 && opt.label_smoothing <= 1.0))
      throw RangeError(std::string(fn) + ": lossOptions.labelSmoothing must be in [0, 1]; got " +
                       num_str(opt.label_smoothing));
  } else {
    if (opt.label_smoothing != 0.0)
      throw RangeError(std::string(fn) +
                       ": lossOptions.labelSmoothing only applies to 'cross_entropy', not '" +
                       name + "'");
    const size_t ws = opt.weight.size();
    if (kind == LossKind::MSE && ws > 0)
      throw RangeError(std::string(fn) + ": lossOptions.weight is not an option of 'mse'");
    if (ws > 0 && ws != 1 && ws != static_cast<size_t>(C))
      throw RangeError(std::string(fn) + ": lossOptions.weight has " + std::to_string(ws) +
                       " elements; expected 1 or one per output (" + std::to_string(C) + ")");
  }
  const size_t ps = opt.pos_weight.size();
  if (ps > 0 && kind != LossKind::BCEWithLogits)
    throw RangeError(std::string(fn) +
                     ": lossOptions.posWeight only applies to 'bce_with_logits', not '" + name +
                     "'");
  if (ps > 0 && ps != 1 && ps != static_cast<size_t>(C))
    throw RangeError(std::string(fn) + ": lossOptions.posWeight has " + std::to_string(ps) +
                     " elements; expected 1 or one per output (" + std::to_string(C) + ")");
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
    const std::string too_big = std::string(fn) + ": a batch of " + std::to_string(n) +
                                " rows needs " + std::to_string(2 * cells) +
                                " activation values; that is more memory than is available";
    if (cells > std::numeric_limits<size_t>::max() / (4 * sizeof(T))) throw RangeError(too_big);
    try {
      acts_.assign(static_cast<size_t>(cells), T(0));
      dacts_.assign(static_cast<size_t>(cells), T(0));
      loss_scratch_.assign(static_cast<size_t>(out_features()) * n, T(0));
    } catch (const std::bad_alloc&) {
      capacity_ = 0;
      acts_ = std::vector<T>();
      dacts_ = std::vector<T>();
      loss_scratch_ = std::vector<T>();
      throw RangeError(too_big);
    }
    capacity_ = n;
  }
  batch_ = n;
}

template <class T>
void Mlp<T>::check_input(const T* x, int n, const char* fn) const {
  if (n <= 0) throw RangeError(std::string(fn) + ": x must have at least one row");
  const size_t D = static_cast<size_t>(in_features());
  if (all_finite_values(x, static_cast<size_t>(n) * D)) return;
  for (size_t i = 0; i < static_cast<size_t>(n) * D; ++i)
    if (!std::isfinite(x[i]))
      throw RangeError(std::string(fn) + ": x[" + std::to_string(i / D) + ", " +
                       std::to_string(i % D) + "] is " + num_str(x[i]) +
                       "; expected finite numbers");
}

template <class T>
void Mlp<T>::check_target(const Target<T>& y, int n, const char* fn) const {
  const int C = out_features();
  const size_t full = static_cast<size_t>(n) * C;
  const std::string f(fn);
  if (loss_ == LossKind::CrossEntropy && y.index) {
    if (y.size != static_cast<size_t>(n))
      throw RangeError(f + ": y has " + std::to_string(y.size) +
                       " class indices; expected one per row of x (" + std::to_string(n) + ")");
    for (int i = 0; i < n; ++i) {
      const int t = y.index[i];
      if (t != loss_opt_.ignore_index && (t < 0 || t >= C))
        throw RangeError(f + ": y[" + std::to_string(i) + "] = " + std::to_string(t) +
                         " is out of range; expected a class index in [0, " + std::to_string(C) +
                         ")");
    }
    return;
  }
  if (!y.value) {
    throw TypeError(f + ": loss '" + loss_kind_name(loss_) + "' needs float targets of shape [" +
                    std::to_string(n) + ", " + std::to_string(C) + "]; got class indices");
  }
  if (y.size != full)
    throw RangeError(f + ": y has " + std::to_string(y.size) + " values; expected " +
                     std::to_string(full) + " (shape [" + std::to_string(n) + ", " +
                     std::to_string(C) + "]" +
                     (C == 1 ? " or [" + std::to_string(n) + "]" : std::string()) + ")");
  for (size_t i = 0; i < full; ++i) {
    const T v = y.value[i];
    if (!std::isfinite(v))
      throw RangeError(f + ": y contains " + num_str(v) + "; expected finite numbers");
    if (loss_ != LossKind::MSE && (v < T(0) || v > T(1)))
      throw RangeError(f + ": y contains " + num_str(v) + "; loss '" + loss_kind_name(loss_) +
                       "' expects targets in [0, 1]");
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
          throw RangeError(
              "trainStep: loss 'bce' needs outputs in [0, 1] (use output: 'sigmoid' or loss "
              "'bce_with_logits'); got " +
              num_str(out[i]));
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
  auto at_step = [&] {
    return " at step " + std::to_string(steps_done_ + 1) + "; try a lower learning rate";
  };
  if (!std::isfinite(loss))
    throw Error(std::string(fn) + ": the loss became " + num_str(loss) + at_step());
  // backward
  loss_backward(y, n);
  backward(n);
  // Optimizer step, refused (weights and state untouched) if any weight would turn non-finite.
  // A non-finite gradient always gives a non-finite weight, so one check pass covers both.
  const size_t P = params_.size();
  if (!optimizer_step_is_finite(params_.data(), grads_.data(), P, optim_, state_)) {
    if (!all_finite_values(grads_.data(), P))
      throw Error(std::string(fn) + ": a gradient became " +
                  num_str(first_non_finite(grads_.data(), P)) + at_step());
    std::vector<T> updated = params_;  // rare path: find the value to report
    OptimState<T> state = state_;
    optimizer_step(updated.data(), grads_.data(), P, optim_, state);
    throw Error(std::string(fn) + ": a weight became " +
                num_str(first_non_finite(updated.data(), P)) + at_step());
  }
  optimizer_step(params_.data(), grads_.data(), P, optim_, state_);
  ++steps_done_;
  return loss;
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
}  // namespace

template <class T>
Explain Mlp<T>::explain(const T* x, int n, const Target<T>& y) {
  const char* fn = "explain";
  check_input(x, n, fn);
  check_target(y, n, fn);
  Explain ex;
  const std::vector<T> saved_grads = grads_;  // explain leaves the last step's gradients alone
  const int L = num_layers();
  auto add = [&](std::string id, std::string title, std::string formula, Shape shape, const T* p) {
    const size_t cnt = Tensor<T>::numel(shape);
    ex.add(std::move(id), std::move(title), std::move(formula), std::move(shape),
           std::vector<T>(p, p + cnt));
  };
  // forward, layer by layer
  run_forward(x, n, fn);
  add("input", "Input", "a^{(0)} = x", {n, sizes_[0]}, a_ptr(0));
  for (int l = 0; l < L; ++l) {
    const std::string k = std::to_string(l + 1);
    add("linear" + k + ".z", "Layer " + k + ": linear",
        "z^{(" + k + ")} = a^{(" + std::to_string(l) + ")} W_{" + k + "}^T + b_{" + k + "}",
        {n, sizes_[l + 1]}, z_ptr(l));
    if (l + 1 < L)
      add("linear" + k + "." + activation_name(act_), "Layer " + k + ": " + activation_name(act_),
          act_formula(act_), {n, sizes_[l + 1]}, a_ptr(l + 1));
  }
  if (head_ == OutputHead::Sigmoid)
    add("output.sigmoid", "Output sigmoid", "p = \\sigma(z)", {n, out_features()}, a_ptr(L));
  // loss
  zero_act_grads(n);
  const T loss = loss_forward(y, n);
  ex.add_scalar("loss", std::string("Loss (") + loss_kind_name(loss_) + ")",
                loss_formula(loss_, y.index != nullptr), static_cast<double>(loss));
  // backward
  loss_backward(y, n);
  backward(n);
  add("output.grad", "Gradient of the loss w.r.t. the output", "\\partial L / \\partial \\hat y",
      {n, out_features()}, dout_ptr());
  for (int l = L - 1; l >= 0; --l) {
    const std::string k = std::to_string(l + 1);
    add("linear" + k + ".z.grad", "Layer " + k + ": gradient w.r.t. z",
        "\\delta^{(" + k + ")} = \\partial L / \\partial z^{(" + k + ")}", {n, sizes_[l + 1]},
        dz_ptr(l));
    const ParamView& w = views_[2 * l];
    const ParamView& b = views_[2 * l + 1];
    add(w.name + ".grad", "Layer " + k + ": weight gradient",
        "\\partial L / \\partial W_{" + k + "} = \\delta^{(" + k + ")T} a^{(" + std::to_string(l) +
            ")}",
        w.shape, grads_.data() + w.offset);
    add(b.name + ".grad", "Layer " + k + ": bias gradient",
        "\\partial L / \\partial b_{" + k + "} = \\sum_i \\delta_i^{(" + k + ")}", b.shape,
        grads_.data() + b.offset);
  }
  // the update the optimizer would make, by the same optimizer code on copies
  std::vector<T> new_params = params_;
  OptimState<T> state = state_;
  optimizer_step(new_params.data(), grads_.data(), new_params.size(), optim_, state);
  for (const ParamView& v : views_) {
    std::vector<T> delta(v.size);
    for (size_t i = 0; i < v.size; ++i) delta[i] = new_params[v.offset + i] - params_[v.offset + i];
    ex.add(v.name + ".update", "Update of " + v.name, update_formula(optim_.type), v.shape, delta);
    add(v.name + ".new", "New " + v.name, "\\theta' = \\theta + \\Delta\\theta", v.shape,
        new_params.data() + v.offset);
  }
  grads_ = saved_grads;
  return ex;
}

template class Mlp<float>;
template class Mlp<double>;

}  // namespace ll
