// Cross-entropy family, BCE, BCE-with-logits and MSE: PyTorch 1.13 forward, backward and explain.
#include "logitlab/losses.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "logitlab/fastmath.hpp"
#include "logitlab/ops.hpp"

namespace ll {
namespace {

// The shortest %g form of v (at most `digits` significant digits) that reads back as v, for error
// messages: 1.1 prints "1.1", not "1.1000000000000001". Without strtod (which would add ~15 KB to
// the .wasm): p digits suffice when rounding v to p significant digits gives v again.
std::string shortest(double v, int digits, bool as_float) {
  char buf[40];
  int p = digits;
  if (std::isfinite(v) && v != 0) {
    const double e = std::floor(std::log10(std::fabs(v)));
    for (int q = 1; q < digits; ++q) {
      const double scale = std::pow(10.0, q - 1 - e);
      const double r = std::nearbyint(v * scale) / scale;
      if (as_float ? static_cast<float>(r) == static_cast<float>(v) : r == v) {
        p = q;
        break;
      }
    }
  }
  std::snprintf(buf, sizeof buf, "%.*g", p, v);
  return buf;
}
std::string num(double v) { return shortest(v, 17, false); }
std::string num(float v) { return shortest(v, 9, true); }

// Pairwise (cascade) summation in T without a buffer, close to torch's cascade sum: elements are
// summed 16 at a time into leaves, leaves are merged like a binary counter.
template <class T>
class PairwiseSum {
 public:
  void add(T v) {
    leaf_ += v;
    if (++in_leaf_ == 16) push_leaf();
  }
  T total() const {
    T s = leaf_;
    for (int l = 0; l < 64; ++l) {
      if ((leaves_ >> l) & 1u) s = level_[l] + s;
    }
    return s;
  }

 private:
  void push_leaf() {
    T s = leaf_;
    leaf_ = 0;
    in_leaf_ = 0;
    int l = 0;
    for (uint64_t c = leaves_++; c & 1u; c >>= 1, ++l) s = level_[l] + s;
    level_[l] = s;
  }
  T leaf_ = 0;
  int in_leaf_ = 0;
  uint64_t leaves_ = 0;
  T level_[64] = {};
};

// torch 1.13's nll_loss reduction (LossNLL.cpp): a cascade sum over the rows with 8 levels of 16;
// after adding row b, level j flushes into level j + 1 while bits [4j, 4j + 4) of b are zero.
// Ignored rows are skipped without flushing. With the same row losses this rounds exactly as torch.
template <class T>
struct NllCascade {
  T loss[8] = {};
  T weight[8] = {};
  void add(size_t b, T row_loss, T w) {
    loss[0] += row_loss;
    weight[0] += w;
    for (int j = 0; j + 1 < 8; ++j) {
      if ((b & (size_t{15} << (4 * j))) != 0) break;
      loss[j + 1] += loss[j];
      weight[j + 1] += weight[j];
      loss[j] = weight[j] = 0;
    }
  }
  static T total(const T (&levels)[8]) {
    T s = 0;
    for (T v : levels) s += v;
    return s;
  }
};

template <class T>
void require_non_empty(const Tensor<T>& x, const char* fn, const char* arg) {
  if (x.size() == 0) {
    throw RangeError(std::string(fn) + ": " + arg + " is empty (shape " + shape_str(x.shape) +
                     "); expected a non-empty tensor");
  }
}

template <class T>
void require_same_shape(const Tensor<T>& input, const Tensor<T>& target, const char* fn) {
  if (input.shape != target.shape) {
    throw RangeError(std::string(fn) + ": target has shape " + shape_str(target.shape) +
                     "; expected the input's shape " + shape_str(input.shape));
  }
}

// Numpy-style broadcasting of an optional weight tensor to a fixed (the input's) shape:
// at(i) is the weight for the input's flat index i, or 1 when no weight was given.
template <class T>
class Broadcast {
 public:
  Broadcast(const Tensor<T>& w, const Shape& to, const char* fn, const char* arg)
      : w_(w), to_(to), strides_(to.size(), 0) {
    if (w.size() == 0) return;  // not given
    const int r = static_cast<int>(to.size()), wr = w.dim();
    bool ok = wr <= r;
    size_t stride = 1;
    for (int d = wr - 1; ok && d >= 0; --d) {
      const int td = r - wr + d;
      if (w.shape[d] == to[td]) {
        strides_[td] = stride;
      } else if (w.shape[d] != 1) {
        ok = false;
      }
      stride *= static_cast<size_t>(w.shape[d]);
    }
    if (!ok) {
      throw RangeError(std::string(fn) + ": " + arg + " has shape " + shape_str(w.shape) +
                       ", which does not broadcast to the input shape " + shape_str(to) +
                       "; expected each of its trailing dims to equal the input's or be 1");
    }
    given_ = true;
  }
  bool given() const { return given_; }
  T at(size_t i) const {
    if (!given_) return T(1);
    size_t off = 0;
    for (size_t d = to_.size(); d-- > 0;) {
      const auto n = static_cast<size_t>(to_[d]);
      off += (i % n) * strides_[d];
      i /= n;
    }
    return w_.data[off];
  }

 private:
  const Tensor<T>& w_;
  const Shape& to_;
  std::vector<size_t> strides_;
  bool given_ = false;
};

// Reduces per-element (or per-row) losses: 'none' returns them, 'mean' divides the sum by
// `denominator`, 'sum' returns the sum. Records "numerator"/"denominator" when explaining.
template <class T>
Tensor<T> reduce(Tensor<T> losses, Reduction red, T denominator, Explain* ex) {
  if (red == Reduction::None) return losses;
  PairwiseSum<T> acc;
  for (T v : losses.data) acc.add(v);
  const T s = acc.total();
  if (ex) ex->add_scalar("numerator", "Sum of the losses", "\\sum_i \\ell_i", s);
  if (red == Reduction::Sum) return Tensor<T>::scalar(s);
  if (ex) ex->add_scalar("denominator", "Divide by", "D", denominator);
  return Tensor<T>::scalar(s / denominator);
}

const char* reduction_formula(Reduction red) {
  switch (red) {
    case Reduction::None:
      return "\\ell_i";
    case Reduction::Sum:
      return "\\sum_i \\ell_i";
    default:
      return "\\frac{1}{D}\\sum_i \\ell_i";
  }
}

template <class T>
T stable_sigmoid(T v) {
  if (v >= 0) return T(1) / (T(1) + std::exp(-v));
  const T e = std::exp(v);
  return e / (T(1) + e);
}

// ---- Class-index losses (CrossEntropyLoss / NLLLoss) ------------------------------------------

// Input (C) or (N, C) seen as rows x classes.
struct ClassLayout {
  size_t rows = 1, classes = 1;
  Shape target_shape;  // () for (C) input, (N) for (N, C)
};

ClassLayout class_layout(const Shape& shape, const char* fn) {
  if (shape.size() != 1 && shape.size() != 2) {
    throw RangeError(std::string(fn) + ": input has shape " + shape_str(shape) +
                     "; expected (C) or (N, C)");
  }
  if (Tensor<float>::numel(shape) == 0) {
    throw RangeError(std::string(fn) + ": input is empty (shape " + shape_str(shape) +
                     "); expected a non-empty tensor");
  }
  ClassLayout l;
  l.classes = static_cast<size_t>(shape.back());
  if (shape.size() == 2) {
    l.rows = static_cast<size_t>(shape[0]);
    l.target_shape = {shape[0]};
  }
  return l;
}

template <class T>
ClassLayout class_layout(const Tensor<T>& input, const char* fn) {
  return class_layout(input.shape, fn);
}

template <class T>
void check_class_weight(const LossOptions<T>& opt, const ClassLayout& l, const char* fn) {
  if (opt.weight.size() != 0 &&
      (opt.weight.dim() != 1 || static_cast<size_t>(opt.weight.shape[0]) != l.classes)) {
    throw RangeError(std::string(fn) + ": weight has shape " + shape_str(opt.weight.shape) +
                     "; expected shape [" + std::to_string(l.classes) + "] (one weight per class)");
  }
}

void check_index_target(const Tensor<int32_t>& target, const ClassLayout& l, int ignore_index,
                        const char* fn) {
  if (target.shape != l.target_shape) {
    throw RangeError(std::string(fn) + ": target has shape " + shape_str(target.shape) +
                     "; expected class indices of shape " + shape_str(l.target_shape) +
                     " or probabilities of the input's shape");
  }
  for (size_t i = 0; i < target.size(); ++i) {
    const int32_t t = target.data[i];
    if (t == ignore_index) continue;
    if (t < 0 || static_cast<size_t>(t) >= l.classes) {
      throw RangeError(
          std::string(fn) + ": target[" + std::to_string(i) + "] = " + std::to_string(t) +
          " is out of range; expected a class index in [0, " + std::to_string(l.classes) +
          ") or ignoreIndex (" + std::to_string(ignore_index) + ")");
    }
  }
}

void check_label_smoothing(double ls, const char* fn) {
  if (!(ls >= 0.0 && ls <= 1.0)) {
    throw RangeError(std::string(fn) + ": labelSmoothing = " + num(ls) +
                     " is out of range; expected a number in [0, 1]");
  }
}

// What one row of a class-index loss contributes: pick = -log p_t and, with label smoothing,
// smooth = -sum_c w_c log p_c (0 when not asked for).
template <class T>
struct RowTerms {
  T pick = 0;
  T smooth = 0;
};

// NLLLoss's rows: the input already holds log-probabilities.
template <class T>
struct LogProbRows {
  const T* logp;
  size_t classes;
  const T* weight;  // nullptr: no class weights
  RowTerms<T> operator()(size_t i, int32_t t, bool smooth) const {
    const T* lp = logp + i * classes;
    RowTerms<T> r;
    r.pick = -lp[t];
    if (smooth) {
      for (size_t c = 0; c < classes; ++c) r.smooth -= (weight ? weight[c] : T(1)) * lp[c];
    }
    return r;
  }
};

// CrossEntropyLoss's rows, fused: from the logits z, m and s = sum exp(z - m) by the very code
// log_softmax runs (softmax_row_stats), then -log p_t = log(s) - (z_t - m), which is exactly the
// negation of log_softmax's (z_t - m) - log(s); no log-probability tensor.
template <class T>
struct FusedLogitRows {
  const T* logits;
  size_t classes;
  const T* weight;  // nullptr: no class weights
  RowTerms<T> operator()(size_t i, int32_t t, bool smooth) const {
    const T* z = logits + i * classes;
    T m, s;
    softmax_row_stats(z, classes, &m, &s);
    const T log_s = std::log(s);
    RowTerms<T> r;
    r.pick = log_s - (z[t] - m);
    if (smooth) {
      for (size_t c = 0; c < classes; ++c) {
        r.smooth -= (weight ? weight[c] : T(1)) * ((z[c] - m) - log_s);
      }
    }
    return r;
  }
};

}  // namespace

template <class T>
T nll_reduce_rows(const T* row_loss, const int32_t* target, size_t rows, const T* weight,
                  int classes, int ignore_index, Reduction reduction, const char* fn,
                  T* numerator, T* denominator) {
  NllCascade<T> acc;
  size_t kept = 0;
  for (size_t i = 0; i < rows; ++i) {
    const int32_t t = target[i];
    if (t == ignore_index) continue;
    if (t < 0 || t >= classes) {
      throw RangeError(std::string(fn) + ": target[" + std::to_string(i) + "] = " +
                       std::to_string(t) + " is out of range; expected a class index in [0, " +
                       std::to_string(classes) + ")");
    }
    acc.add(i, row_loss[i], weight ? weight[t] : T(1));
    ++kept;
  }
  const T num = NllCascade<T>::total(acc.loss);
  const T den = weight ? NllCascade<T>::total(acc.weight) : T(kept);
  if (numerator) *numerator = num;
  if (denominator) *denominator = den;
  return reduction == Reduction::Sum ? num : num / den;
}

namespace {

// Shared forward of NLLLoss and index-target CrossEntropyLoss; `rows` gives each row's terms:
//   row loss  l_i = (1 - eps) w_{t_i} (-logp_{i,t_i}) + (eps / C) (-sum_c w_c logp_{i,c}),
//   0 for ignored rows; 'mean' divides the sum by D = sum of w_{t_i} over non-ignored rows
//   (PyTorch 1.13 uses the same D for the smoothing term). All rows ignored -> 0/0 = NaN.
template <class T, class Rows>
Tensor<T> index_loss_forward(const Rows& rows, const Tensor<int32_t>& target,
                             const LossOptions<T>& opt, double eps, const ClassLayout& l,
                             Explain* ex) {
  const bool weighted = opt.weight.size() != 0;
  const T keep = T(1 - eps), spread = T(eps / static_cast<double>(l.classes));
  Tensor<T> row_loss(l.target_shape);
  Tensor<T> pick, wrow, smooth;  // explain only
  if (ex) pick = wrow = smooth = Tensor<T>(l.target_shape);
  T denominator = 0;
  for (size_t i = 0; i < l.rows; ++i) {
    const int32_t t = target.data[i];
    if (t == opt.ignore_index) {
      row_loss.data[i] = 0;
      if (ex) pick.data[i] = wrow.data[i] = smooth.data[i] = 0;
      continue;
    }
    const RowTerms<T> r = rows(i, t, eps > 0);
    const T w = weighted ? opt.weight.data[t] : T(1);
    const T p = r.pick;
    T loss = w * p;
    const T s = r.smooth;
    if (eps > 0) loss = keep * loss + spread * s;
    row_loss.data[i] = loss;
    denominator += w;
    if (ex) {
      pick.data[i] = p;
      wrow.data[i] = w;
      smooth.data[i] = s;
    }
  }
  if (ex) {
    ex->add("pick", "Negative log-probability of the target class", "-\\log p_{i,t_i}", pick);
    ex->add("weight", "Weight of the target class (0 if ignored)", "w_{t_i}", wrow);
    if (eps > 0) {
      ex->add("smoothing", "Smoothing term: weighted sum over all classes",
              "-\\sum_c w_c \\log p_{i,c}", smooth);
      ex->add("row_loss", "Loss of each row",
              "(1-\\varepsilon)\\,w_{t_i}(-\\log p_{i,t_i}) + \\frac{\\varepsilon}{C}"
              "\\left(-\\sum_c w_c \\log p_{i,c}\\right)",
              row_loss);
    } else {
      ex->add("row_loss", "Loss of each row", "\\ell_i = -w_{t_i} \\log p_{i,t_i}", row_loss);
    }
  }
  if (eps == 0 && opt.reduction != Reduction::None) {
    // Reduce in torch's order (see NllCascade); unweighted 'mean' divides by the row count.
    T numerator;
    Tensor<T> out = Tensor<T>::scalar(nll_reduce_rows(
        row_loss.ptr(), target.ptr(), l.rows, weighted ? opt.weight.ptr() : nullptr,
        static_cast<int>(l.classes), opt.ignore_index, opt.reduction, "loss", &numerator,
        &denominator));
    if (ex) {
      ex->add_scalar("numerator", "Sum of the losses", "\\sum_i \\ell_i", numerator);
      if (opt.reduction == Reduction::Mean)
        ex->add_scalar("denominator", "Divide by", "D", denominator);
      ex->add("result", "Loss", reduction_formula(opt.reduction), out);
    }
    return out;
  }
  Tensor<T> out = reduce(std::move(row_loss), opt.reduction, denominator, ex);
  if (ex) ex->add("result", "Loss", reduction_formula(opt.reduction), out);
  return out;
}

// x *= a over n elements (the fastmath kernel for float).
inline void scale_row(float* x, float a, size_t n) { fastmath::scale(x, x, a, n); }
inline void scale_row(double* x, double a, size_t n) {
  for (size_t k = 0; k < n; ++k) x[k] *= a;
}

// Gradient of index_loss_forward w.r.t. the logits (softmax = true, CrossEntropyLoss) or the
// log-probabilities (NLLLoss), written to grad (like input, zero-filled by the caller). For CE row
// i: scale ((1-eps) w_t (p - onehot) + eps/C (p W - w)), W = sum_c w_c; ignored rows get 0.
// Without smoothing the row is p scaled twice, ((1-eps) w_t) then `scale`, the target column
// (p_t - 1) likewise: the same roundings as the per-element formula, fused per row.
template <class T>
void index_loss_backward(T* grad, const T* input, const Tensor<int32_t>& target,
                         const LossOptions<T>& opt, double eps, const ClassLayout& l,
                         bool softmax) {
  const bool weighted = opt.weight.size() != 0;
  const T keep = T(1 - eps), spread = T(eps / static_cast<double>(l.classes));
  T wsum = 0, denominator = 0;
  for (size_t c = 0; c < l.classes; ++c) wsum += weighted ? opt.weight.data[c] : T(1);
  for (size_t i = 0; i < l.rows; ++i) {
    const int32_t t = target.data[i];
    if (t != opt.ignore_index) denominator += weighted ? opt.weight.data[t] : T(1);
  }
  const T scale = opt.reduction == Reduction::Mean ? T(1) / denominator : T(1);
  for (size_t i = 0; i < l.rows; ++i) {
    T* g = grad + i * l.classes;
    const int32_t t = target.data[i];
    if (t == opt.ignore_index) {
      std::fill(g, g + l.classes, T(0));
      continue;
    }
    const T w = weighted ? opt.weight.data[t] : T(1);
    if (!softmax) {
      g[t] = -w * scale;
      continue;
    }
    softmax_rows(g, input + i * l.classes, 1, static_cast<int>(l.classes));
    if (eps == 0) {
      const T kw = keep * w;
      const T pt = g[t];
      scale_row(g, kw, l.classes);
      scale_row(g, scale, l.classes);
      g[t] = (kw * (pt - T(1))) * scale;
      continue;
    }
    for (size_t c = 0; c < l.classes; ++c) {
      const T p = g[c];
      T d = keep * w * (p - (static_cast<size_t>(t) == c ? T(1) : T(0)));
      d += spread * (p * wsum - (weighted ? opt.weight.data[c] : T(1)));
      g[c] = d * scale;
    }
  }
}

// A probability target after label smoothing, as torch 1.13 does it: t (1 - eps) + eps / C.
template <class T>
T smoothed_target(T t, double eps, size_t classes) {
  return eps > 0 ? t * T(1 - eps) + T(eps / static_cast<double>(classes)) : t;
}

}  // namespace

Reduction parse_reduction(const std::string& s, const char* fn) {
  if (s == "none") return Reduction::None;
  if (s == "mean") return Reduction::Mean;
  if (s == "sum") return Reduction::Sum;
  throw RangeError(std::string(fn) + ": reduction '" + s +
                   "' is not valid; expected 'none', 'mean' or 'sum'");
}

// ---- cross_entropy_manual ---------------------------------------------------------------------
// Explain step ids: "log" (log p), "product" (y log p), "sum" (scalar), "result" (scalar, -sum).
template <class T>
T cross_entropy_manual(const Tensor<T>& y_true, const Tensor<T>& y_pred, Explain* ex) {
  const char* fn = "crossEntropy";
  require_non_empty(y_pred, fn, "yPred");
  if (y_true.shape != y_pred.shape) {
    throw RangeError(std::string(fn) + ": yTrue has shape " + shape_str(y_true.shape) +
                     "; expected yPred's shape " + shape_str(y_pred.shape));
  }
  Tensor<T> logs, prod;  // explain only
  if (ex) logs = prod = Tensor<T>(y_pred.shape);
  T s = 0;
  for (size_t i = 0; i < y_pred.size(); ++i) {
    const T lp = std::log(y_pred.data[i]);
    const T yl = y_true.data[i] * lp;
    s += yl;
    if (ex) {
      logs.data[i] = lp;
      prod.data[i] = yl;
    }
  }
  const T result = -s;
  if (ex) {
    ex->add("log", "Log of the predicted probabilities", "\\log p_i", logs);
    ex->add("product", "Multiply by the true labels", "y_i \\log p_i", prod);
    ex->add_scalar("sum", "Sum", "\\sum_i y_i \\log p_i", s);
    ex->add_scalar("result", "Negate", "-\\sum_i y_i \\log p_i", result);
  }
  return result;
}

template <class T>
Tensor<T> cross_entropy_manual_backward(const Tensor<T>& y_true, const Tensor<T>& y_pred) {
  cross_entropy_manual<T>(y_true, y_pred, nullptr);  // validates
  Tensor<T> grad(y_pred.shape);
  for (size_t i = 0; i < grad.size(); ++i) grad.data[i] = -y_true.data[i] / y_pred.data[i];
  return grad;
}

// ---- CrossEntropyLoss -------------------------------------------------------------------------
// Explain step ids (class-index target): "logits", "log_softmax", "pick" (-log p of each row's
// target, 0 if ignored), "weight" (w_{t_i}, 1s without weight, 0 if ignored), "smoothing" (only if
// labelSmoothing > 0: -sum_c w_c log p_{i,c}, 0 if ignored), "row_loss" (per-row loss), then for
// 'mean': "numerator" (sum of row losses) and "denominator" (sum of the weights); for 'sum':
// "numerator" only (no denominator); for 'none': neither; last "result".
// Per-row shapes are () for a (C) input and (N) for (N, C).
template <class T>
Tensor<T> cross_entropy_loss(const T* input, const Shape& input_shape,
                             const Tensor<int32_t>& target, const LossOptions<T>& opt,
                             Explain* ex) {
  const char* fn = "crossEntropyLoss";
  const ClassLayout l = class_layout(input_shape, fn);
  check_class_weight(opt, l, fn);
  check_label_smoothing(opt.label_smoothing, fn);
  check_index_target(target, l, opt.ignore_index, fn);
  const T* weight = opt.weight.size() != 0 ? opt.weight.ptr() : nullptr;
  if (!ex) {
    return index_loss_forward(FusedLogitRows<T>{input, l.classes, weight}, target, opt,
                              opt.label_smoothing, l, nullptr);
  }
  // Explain: the same fused rows give the loss; the "log_softmax" step is log_softmax's output,
  // whose values are the very (z - m) - log(s) the fused rows use (softmax_row_stats; the test
  // "fused cross-entropy equals log_softmax + nll_loss bit for bit" checks it).
  Tensor<T> logp(input_shape);
  log_softmax_into(logp.ptr(), input, input_shape, -1);
  ex->add("logits", "Input logits", "z", input_shape, std::vector<T>(input, input + logp.size()));
  ex->add("log_softmax", "Log-softmax of each row",
          "\\log p_{i,c} = z_{i,c} - \\log\\sum_j e^{z_{i,j}}", logp);
  return index_loss_forward(FusedLogitRows<T>{input, l.classes, weight}, target, opt,
                            opt.label_smoothing, l, ex);
}

template <class T>
Tensor<T> cross_entropy_loss(const Tensor<T>& input, const Tensor<int32_t>& target,
                             const LossOptions<T>& opt, Explain* ex) {
  return cross_entropy_loss(input.ptr(), input.shape, target, opt, ex);
}

// Probability targets (torch 1.13): l_i = -sum_c w_c t'_{i,c} log p_{i,c} with t' the smoothed
// target; 'mean' divides by N (the weights do not enter the denominator); ignoreIndex is unused.
// Explain step ids (probability target): "logits", "log_softmax", "target" (after smoothing),
// "weight" (only if given, shape (C)), "product" (w_c t'_{i,c} log p_{i,c}), "row_loss"
// (-sum_c product), then "numerator"/"denominator" (= N) as above, "result".
template <class T>
Tensor<T> cross_entropy_loss(const Tensor<T>& input, const Tensor<T>& target,
                             const LossOptions<T>& opt, Explain* ex) {
  const char* fn = "crossEntropyLoss";
  const ClassLayout l = class_layout(input, fn);
  check_class_weight(opt, l, fn);
  check_label_smoothing(opt.label_smoothing, fn);
  require_same_shape(input, target, fn);
  const double eps = opt.label_smoothing;
  const bool weighted = opt.weight.size() != 0;
  const Tensor<T> logp = log_softmax(input, -1);
  Tensor<T> row_loss(l.target_shape);
  Tensor<T> smoothed, prod;  // explain only
  if (ex) smoothed = prod = Tensor<T>(input.shape);
  for (size_t i = 0; i < l.rows; ++i) {
    T s = 0;
    for (size_t c = 0; c < l.classes; ++c) {
      const size_t j = i * l.classes + c;
      const T t = smoothed_target(target.data[j], eps, l.classes);
      const T pr = logp.data[j] * t * (weighted ? opt.weight.data[c] : T(1));
      s += pr;
      if (ex) {
        smoothed.data[j] = t;
        prod.data[j] = pr;
      }
    }
    row_loss.data[i] = -s;
  }
  if (ex) {
    ex->add("logits", "Input logits", "z", input);
    ex->add("log_softmax", "Log-softmax of each row",
            "\\log p_{i,c} = z_{i,c} - \\log\\sum_j e^{z_{i,j}}", logp);
    ex->add("target", "Target probabilities after label smoothing",
            "t'_{i,c} = (1-\\varepsilon)\\,t_{i,c} + \\frac{\\varepsilon}{C}", smoothed);
    if (weighted) ex->add("weight", "Class weights", "w_c", opt.weight);
    ex->add("product", "Multiply log-probabilities by targets and weights",
            "w_c\\,t'_{i,c} \\log p_{i,c}", prod);
    ex->add("row_loss", "Loss of each row", "\\ell_i = -\\sum_c w_c\\,t'_{i,c} \\log p_{i,c}",
            row_loss);
  }
  Tensor<T> out = reduce(std::move(row_loss), opt.reduction, T(l.rows), ex);
  if (ex) ex->add("result", "Loss", reduction_formula(opt.reduction), out);
  return out;
}

template <class T>
void cross_entropy_loss_backward(T* grad, const T* input, const Shape& input_shape,
                                 const Tensor<int32_t>& target, const LossOptions<T>& opt) {
  const char* fn = "crossEntropyLoss";
  const ClassLayout l = class_layout(input_shape, fn);
  check_class_weight(opt, l, fn);
  check_label_smoothing(opt.label_smoothing, fn);
  check_index_target(target, l, opt.ignore_index, fn);
  index_loss_backward(grad, input, target, opt, opt.label_smoothing, l, true);
}

template <class T>
Tensor<T> cross_entropy_loss_backward(const Tensor<T>& input, const Tensor<int32_t>& target,
                                      const LossOptions<T>& opt) {
  Tensor<T> grad(input.shape);
  cross_entropy_loss_backward(grad.ptr(), input.ptr(), input.shape, target, opt);
  return grad;
}

// d/dz_{i,j} = scale (p_{i,j} sum_c w_c t'_{i,c} - w_j t'_{i,j}), scale = 1/N for 'mean'.
template <class T>
Tensor<T> cross_entropy_loss_backward(const Tensor<T>& input, const Tensor<T>& target,
                                      const LossOptions<T>& opt) {
  const char* fn = "crossEntropyLoss";
  const ClassLayout l = class_layout(input, fn);
  check_class_weight(opt, l, fn);
  check_label_smoothing(opt.label_smoothing, fn);
  require_same_shape(input, target, fn);
  const double eps = opt.label_smoothing;
  const bool weighted = opt.weight.size() != 0;
  const T scale = opt.reduction == Reduction::Mean ? T(1) / T(l.rows) : T(1);
  Tensor<T> grad(input.shape);
  softmax_rows(grad.ptr(), input.ptr(), static_cast<int>(l.rows), static_cast<int>(l.classes));
  for (size_t i = 0; i < l.rows; ++i) {
    T* g = grad.ptr() + i * l.classes;
    const T* t = target.ptr() + i * l.classes;
    T wt = 0;
    for (size_t c = 0; c < l.classes; ++c) {
      wt += (weighted ? opt.weight.data[c] : T(1)) * smoothed_target(t[c], eps, l.classes);
    }
    for (size_t c = 0; c < l.classes; ++c) {
      const T w = weighted ? opt.weight.data[c] : T(1);
      g[c] = scale * (g[c] * wt - w * smoothed_target(t[c], eps, l.classes));
    }
  }
  return grad;
}

// ---- NLLLoss ----------------------------------------------------------------------------------
// Explain step ids: "input" (log-probabilities), "pick", "weight", "row_loss", then
// "numerator"/"denominator" as for crossEntropyLoss, "result".
template <class T>
Tensor<T> nll_loss(const Tensor<T>& input, const Tensor<int32_t>& target, const LossOptions<T>& opt,
                   Explain* ex) {
  const char* fn = "nllLoss";
  const ClassLayout l = class_layout(input, fn);
  check_class_weight(opt, l, fn);
  check_index_target(target, l, opt.ignore_index, fn);
  if (ex) ex->add("input", "Input log-probabilities", "\\log p_{i,c}", input);
  const T* weight = opt.weight.size() != 0 ? opt.weight.ptr() : nullptr;
  return index_loss_forward(LogProbRows<T>{input.ptr(), l.classes, weight}, target, opt, 0.0, l,
                            ex);
}

template <class T>
Tensor<T> nll_loss_backward(const Tensor<T>& input, const Tensor<int32_t>& target,
                            const LossOptions<T>& opt) {
  const char* fn = "nllLoss";
  const ClassLayout l = class_layout(input, fn);
  check_class_weight(opt, l, fn);
  check_index_target(target, l, opt.ignore_index, fn);
  Tensor<T> grad(input.shape);  // zero-filled
  index_loss_backward(grad.ptr(), input.ptr(), target, opt, 0.0, l, false);
  return grad;
}

// ---- BCELoss ----------------------------------------------------------------------------------
namespace {
template <class T>
void check_bce_args(const Tensor<T>& input, const Tensor<T>& target, const char* fn) {
  require_non_empty(input, fn, "input");
  require_same_shape(input, target, fn);
  for (size_t i = 0; i < input.size(); ++i) {
    const T p = input.data[i];
    if (!(p >= 0 && p <= 1)) {  // NaN fails too, as in torch
      throw RangeError(std::string(fn) + ": input[" + std::to_string(i) + "] = " + num(p) +
                       " is out of range; expected probabilities in [0, 1] (all elements of " +
                       "input should be between 0 and 1)");
    }
  }
}
}  // namespace

// Explain step ids: "input", "log_p" (max(log p, -100)), "log_1mp" (max(log1p(-p), -100)),
// "elementwise" (-(y log_p + (1-y) log_1mp)), "weighted" (only if weight), then
// "numerator"/"denominator" (= numel) for mean/sum, "result". Targets are not range-checked
// (torch 1.13 does not check them either).
template <class T>
Tensor<T> bce_loss(const Tensor<T>& input, const Tensor<T>& target, const LossOptions<T>& opt,
                   Explain* ex) {
  const char* fn = "bceLoss";
  check_bce_args(input, target, fn);
  const Broadcast<T> w(opt.weight, input.shape, fn, "weight");
  Tensor<T> loss(input.shape);
  Tensor<T> log_p, log_1mp, elementwise;  // explain only
  if (ex) log_p = log_1mp = elementwise = Tensor<T>(input.shape);
  for (size_t i = 0; i < input.size(); ++i) {
    const T p = input.data[i], y = target.data[i];
    // torch: (y - 1) * max(log1p(-p), -100) - y * max(log(p), -100)
    const T lp = std::max(T(std::log(p)), T(-100));
    const T l1 = std::max(T(std::log1p(-p)), T(-100));
    const T e = (y - T(1)) * l1 - y * lp;
    loss.data[i] = w.given() ? e * w.at(i) : e;
    if (ex) {
      log_p.data[i] = lp;
      log_1mp.data[i] = l1;
      elementwise.data[i] = e;
    }
  }
  if (ex) {
    ex->add("input", "Input probabilities", "p", input);
    ex->add("log_p", "Log of p, clamped", "\\max(\\log p, -100)", log_p);
    ex->add("log_1mp", "Log of 1 - p, clamped", "\\max(\\log(1-p), -100)", log_1mp);
    ex->add("elementwise", "Binary cross-entropy of each element",
            "-\\left(y \\log p + (1-y) \\log(1-p)\\right)", elementwise);
    if (w.given()) ex->add("weighted", "Multiply by the weight", "w \\cdot \\ell", loss);
  }
  Tensor<T> out = reduce(std::move(loss), opt.reduction, T(input.size()), ex);
  if (ex) ex->add("result", "Loss", reduction_formula(opt.reduction), out);
  return out;
}

// torch 1.13: grad (p - y) / max((1 - p) p, eps), eps = 1e-12 as a float (torch declares it
// float), times weight, divided by numel for 'mean'.
template <class T>
Tensor<T> bce_loss_backward(const Tensor<T>& input, const Tensor<T>& target,
                            const LossOptions<T>& opt) {
  const char* fn = "bceLoss";
  check_bce_args(input, target, fn);
  const Broadcast<T> w(opt.weight, input.shape, fn, "weight");
  const T n = T(input.size());
  Tensor<T> grad(input.shape);
  for (size_t i = 0; i < input.size(); ++i) {
    const T p = input.data[i], y = target.data[i];
    T g = (p - y) / std::max((T(1) - p) * p, T(1e-12f));
    if (w.given()) g *= w.at(i);
    if (opt.reduction == Reduction::Mean) g /= n;
    grad.data[i] = g;
  }
  return grad;
}

// ---- BCEWithLogitsLoss ------------------------------------------------------------------------
// torch 1.13: m = max(-x, 0), lse = log(e^{-m} + e^{-x-m}) (so m + lse = log(1 + e^{-x})),
// without pos_weight: (1-y) x + m + lse; with it: (1-y) x + lw (lse + m), lw = (pw-1) y + 1.
// Explain step ids: "logits", "max_val" (m), "softplus" (m + lse), "log_weight" (only if
// posWeight), "elementwise", "weighted" (only if weight), "numerator"/"denominator", "result".
template <class T>
Tensor<T> bce_with_logits_loss(const Tensor<T>& input, const Tensor<T>& target,
                               const LossOptions<T>& opt, Explain* ex) {
  const char* fn = "bceWithLogitsLoss";
  require_non_empty(input, fn, "input");
  require_same_shape(input, target, fn);
  const Broadcast<T> w(opt.weight, input.shape, fn, "weight");
  const Broadcast<T> pw(opt.pos_weight, input.shape, fn, "posWeight");
  Tensor<T> loss(input.shape);
  Tensor<T> max_val, softplus, log_weight, elementwise;  // explain only
  if (ex) max_val = softplus = log_weight = elementwise = Tensor<T>(input.shape);
  for (size_t i = 0; i < input.size(); ++i) {
    const T x = input.data[i], y = target.data[i];
    const T m = std::max(-x, T(0));
    const T lse = std::log(std::exp(-m) + std::exp(-x - m));
    T e, lw = 1;
    if (pw.given()) {
      lw = (pw.at(i) - T(1)) * y + T(1);
      e = (T(1) - y) * x + lw * (lse + m);
    } else {
      e = (T(1) - y) * x + m + lse;
    }
    loss.data[i] = w.given() ? e * w.at(i) : e;
    if (ex) {
      max_val.data[i] = m;
      softplus.data[i] = lse + m;
      log_weight.data[i] = lw;
      elementwise.data[i] = e;
    }
  }
  if (ex) {
    ex->add("logits", "Input logits", "x", input);
    ex->add("max_val", "Stabilizer", "m = \\max(-x, 0)", max_val);
    ex->add("softplus", "Stable softplus of -x", "\\log(1 + e^{-x}) = m + \\log(e^{-m} + e^{-x-m})",
            softplus);
    if (pw.given()) {
      ex->add("log_weight", "Positive-class weight factor", "l_w = (p_w - 1)\\,y + 1", log_weight);
    }
    ex->add("elementwise", "Loss of each element", "(1-y)\\,x + l_w \\log(1 + e^{-x})",
            elementwise);
    if (w.given()) ex->add("weighted", "Multiply by the weight", "w \\cdot \\ell", loss);
  }
  Tensor<T> out = reduce(std::move(loss), opt.reduction, T(input.size()), ex);
  if (ex) ex->add("result", "Loss", reduction_formula(opt.reduction), out);
  return out;
}

// torch 1.13: with pos_weight t = pw y, grad = (t + 1 - y) sigmoid(x) - t; else sigmoid(x) - y;
// times weight, divided by numel for 'mean'.
template <class T>
Tensor<T> bce_with_logits_loss_backward(const Tensor<T>& input, const Tensor<T>& target,
                                        const LossOptions<T>& opt) {
  const char* fn = "bceWithLogitsLoss";
  require_non_empty(input, fn, "input");
  require_same_shape(input, target, fn);
  const Broadcast<T> w(opt.weight, input.shape, fn, "weight");
  const Broadcast<T> pw(opt.pos_weight, input.shape, fn, "posWeight");
  const T n = T(input.size());
  Tensor<T> grad(input.shape);
  for (size_t i = 0; i < input.size(); ++i) {
    const T x = input.data[i], y = target.data[i];
    T g;
    if (pw.given()) {
      const T t = pw.at(i) * y;
      g = (t + T(1) - y) * stable_sigmoid(x) - t;
    } else {
      g = stable_sigmoid(x) - y;
    }
    if (w.given()) g *= w.at(i);
    if (opt.reduction == Reduction::Mean) g /= n;
    grad.data[i] = g;
  }
  return grad;
}

// ---- MSELoss ----------------------------------------------------------------------------------
// Explain step ids: "diff" (x - y), "squared", "numerator"/"denominator", "result".
template <class T>
Tensor<T> mse_loss(const Tensor<T>& input, const Tensor<T>& target, const LossOptions<T>& opt,
                   Explain* ex) {
  const char* fn = "mseLoss";
  require_non_empty(input, fn, "input");
  require_same_shape(input, target, fn);
  Tensor<T> loss(input.shape), diff;
  if (ex) diff = Tensor<T>(input.shape);
  for (size_t i = 0; i < input.size(); ++i) {
    const T d = input.data[i] - target.data[i];
    loss.data[i] = d * d;
    if (ex) diff.data[i] = d;
  }
  if (ex) {
    ex->add("diff", "Difference", "x_i - y_i", diff);
    ex->add("squared", "Square", "(x_i - y_i)^2", loss);
  }
  Tensor<T> out = reduce(std::move(loss), opt.reduction, T(input.size()), ex);
  if (ex) ex->add("result", "Loss", reduction_formula(opt.reduction), out);
  return out;
}

// torch 1.13: 2 (x - y), divided by numel for 'mean'.
template <class T>
Tensor<T> mse_loss_backward(const Tensor<T>& input, const Tensor<T>& target,
                            const LossOptions<T>& opt) {
  const char* fn = "mseLoss";
  require_non_empty(input, fn, "input");
  require_same_shape(input, target, fn);
  const T norm = opt.reduction == Reduction::Mean ? T(2) / T(input.size()) : T(2);
  Tensor<T> grad(input.shape);
  for (size_t i = 0; i < input.size(); ++i) {
    grad.data[i] = norm * (input.data[i] - target.data[i]);
  }
  return grad;
}

#define LL_INSTANTIATE_LOSSES(T)                                                                   \
  template T cross_entropy_manual<T>(const Tensor<T>&, const Tensor<T>&, Explain*);                \
  template Tensor<T> cross_entropy_manual_backward<T>(const Tensor<T>&, const Tensor<T>&);         \
  template Tensor<T> cross_entropy_loss<T>(const Tensor<T>&, const Tensor<int32_t>&,               \
                                           const LossOptions<T>&, Explain*);                       \
  template Tensor<T> cross_entropy_loss<T>(const Tensor<T>&, const Tensor<T>&,                     \
                                           const LossOptions<T>&, Explain*);                       \
  template Tensor<T> cross_entropy_loss_backward<T>(const Tensor<T>&, const Tensor<int32_t>&,      \
                                                    const LossOptions<T>&);                        \
  template Tensor<T> cross_entropy_loss<T>(const T*, const Shape&, const Tensor<int32_t>&,         \
                                           const LossOptions<T>&, Explain*);                       \
  template void cross_entropy_loss_backward<T>(T*, const T*, const Shape&, const Tensor<int32_t>&, \
                                               const LossOptions<T>&);                             \
  template Tensor<T> cross_entropy_loss_backward<T>(const Tensor<T>&, const Tensor<T>&,            \
                                                    const LossOptions<T>&);                        \
  template Tensor<T> nll_loss<T>(const Tensor<T>&, const Tensor<int32_t>&, const LossOptions<T>&,  \
                                 Explain*);                                                        \
  template Tensor<T> nll_loss_backward<T>(const Tensor<T>&, const Tensor<int32_t>&,                \
                                          const LossOptions<T>&);                                  \
  template Tensor<T> bce_loss<T>(const Tensor<T>&, const Tensor<T>&, const LossOptions<T>&,        \
                                 Explain*);                                                        \
  template Tensor<T> bce_loss_backward<T>(const Tensor<T>&, const Tensor<T>&,                      \
                                          const LossOptions<T>&);                                  \
  template Tensor<T> bce_with_logits_loss<T>(const Tensor<T>&, const Tensor<T>&,                   \
                                             const LossOptions<T>&, Explain*);                     \
  template Tensor<T> bce_with_logits_loss_backward<T>(const Tensor<T>&, const Tensor<T>&,          \
                                                      const LossOptions<T>&);                      \
  template Tensor<T> mse_loss<T>(const Tensor<T>&, const Tensor<T>&, const LossOptions<T>&,        \
                                 Explain*);                                                        \
  template Tensor<T> mse_loss_backward<T>(const Tensor<T>&, const Tensor<T>&,                      \
                                          const LossOptions<T>&);                                  \
  template T nll_reduce_rows<T>(const T*, const int32_t*, size_t, const T*, int, int, Reduction,  \
                                const char*, T*, T*);

LL_INSTANTIATE_LOSSES(float)
LL_INSTANTIATE_LOSSES(double)
#undef LL_INSTANTIATE_LOSSES

}  // namespace ll
