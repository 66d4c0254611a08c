// Embind registration of the ops and losses: raw `_name_f32` / `_name_f64` functions wrapped by
// web/src/index.js. Registration and conversion only; the math lives in cpp/logitlab/.
//
// The hot calls (softmax / logSoftmax, crossEntropyLoss and its grad with class indices) also have
// a one-copy raw form: extern "C" ll_* functions on wasm heap pointers, see "raw calls" below.
//
// Conventions (see convert.hpp): tensors are {shape, data} objects; loss options are a JS object
// {weight?, posWeight?, ignoreIndex?, reduction?, labelSmoothing?} (camelCase, as in the JS API);
// explain functions return {result, steps}. A target whose data is an Int32Array holds class
// indices.
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>
#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "convert.hpp"
#include "logitlab/losses.hpp"
#include "logitlab/ops.hpp"

namespace {

using emscripten::val;
using llb::guard;
using llb::to_js;
using llb::to_tensor;

template <class T>
ll::LossOptions<T> to_options(const val& o, const char* fn) {
  ll::LossOptions<T> opt;
  if (o.isUndefined() || o.isNull()) return opt;
  opt.weight = llb::to_tensor_or_empty<T>(o["weight"]);
  opt.pos_weight = llb::to_tensor_or_empty<T>(o["posWeight"]);
  const val ii = o["ignoreIndex"];
  if (!ii.isUndefined()) opt.ignore_index = ii.as<int>();
  const val red = o["reduction"];
  if (!red.isUndefined()) opt.reduction = ll::parse_reduction(red.as<std::string>(), fn);
  const val ls = o["labelSmoothing"];
  if (!ls.isUndefined()) opt.label_smoothing = ls.as<double>();
  return opt;
}

bool is_index_target(const val& target) {
  return target["data"].instanceof (val::global("Int32Array"));
}

val explained(val result, const ll::Explain& ex) {
  val out = val::object();
  out.set("result", result);
  out.set("steps", llb::steps_to_js(ex));
  return out;
}

// ---- ops ----
template <class T>
val softmax_js(val x, int dim) {
  return guard("softmax", [&] { return to_js(ll::softmax(to_tensor<T>(x), dim)); });
}
template <class T>
val softmax_explain_js(val x, int dim) {
  return guard("explain.softmax", [&] {
    ll::Explain ex;
    return explained(to_js(ll::softmax(to_tensor<T>(x), dim, &ex)), ex);
  });
}
template <class T>
val log_softmax_js(val x, int dim) {
  return guard("logSoftmax", [&] { return to_js(ll::log_softmax(to_tensor<T>(x), dim)); });
}
template <class T>
val log_softmax_explain_js(val x, int dim) {
  return guard("explain.logSoftmax", [&] {
    ll::Explain ex;
    return explained(to_js(ll::log_softmax(to_tensor<T>(x), dim, &ex)), ex);
  });
}
template <class T>
val sigmoid_js(val x) {
  return guard("sigmoid", [&] { return to_js(ll::sigmoid(to_tensor<T>(x))); });
}
template <class T>
val relu_js(val x) {
  return guard("relu", [&] { return to_js(ll::relu(to_tensor<T>(x))); });
}
template <class T>
val argmax_js(val x, int dim) {
  return guard("argmax", [&] { return to_js(ll::argmax(to_tensor<T>(x), dim)); });
}
template <class T>
val max_js(val x, int dim) {
  return guard("max", [&] {
    const ll::MaxResult<T> r = ll::max(to_tensor<T>(x), dim);
    val out = val::object();
    out.set("values", to_js(r.values));
    out.set("indices", to_js(r.indices));
    return out;
  });
}
template <class T>
val max_all_js(val x) {
  return guard("max", [&] { return val(static_cast<double>(ll::max_all(to_tensor<T>(x)))); });
}

// ---- the manual cross-entropy -sum(y log p) ----
template <class T>
val cross_entropy_js(val y_true, val y_pred) {
  return guard("crossEntropy", [&] {
    return val(
        static_cast<double>(ll::cross_entropy_manual(to_tensor<T>(y_true), to_tensor<T>(y_pred))));
  });
}
template <class T>
val cross_entropy_grad_js(val y_true, val y_pred) {
  return guard("grad.crossEntropy", [&] {
    return to_js(ll::cross_entropy_manual_backward(to_tensor<T>(y_true), to_tensor<T>(y_pred)));
  });
}
template <class T>
val cross_entropy_explain_js(val y_true, val y_pred) {
  return guard("explain.crossEntropy", [&] {
    ll::Explain ex;
    const T r = ll::cross_entropy_manual(to_tensor<T>(y_true), to_tensor<T>(y_pred), &ex);
    return explained(to_js(ll::Tensor<T>::scalar(r)), ex);
  });
}

// ---- nn.CrossEntropyLoss: class-index (Int32Array) or probability target ----
template <class T>
val ce_loss_js(val input, val target, val opts) {
  return guard("crossEntropyLoss", [&] {
    const auto x = to_tensor<T>(input);
    const auto opt = to_options<T>(opts, "crossEntropyLoss");
    if (is_index_target(target))
      return to_js(ll::cross_entropy_loss(x, to_tensor<int32_t>(target), opt));
    return to_js(ll::cross_entropy_loss(x, to_tensor<T>(target), opt));
  });
}
template <class T>
val ce_loss_grad_js(val input, val target, val opts) {
  return guard("grad.crossEntropyLoss", [&] {
    const auto x = to_tensor<T>(input);
    const auto opt = to_options<T>(opts, "grad.crossEntropyLoss");
    if (is_index_target(target))
      return to_js(ll::cross_entropy_loss_backward(x, to_tensor<int32_t>(target), opt));
    return to_js(ll::cross_entropy_loss_backward(x, to_tensor<T>(target), opt));
  });
}
template <class T>
val ce_loss_explain_js(val input, val target, val opts) {
  return guard("explain.crossEntropyLoss", [&] {
    const auto x = to_tensor<T>(input);
    const auto opt = to_options<T>(opts, "explain.crossEntropyLoss");
    ll::Explain ex;
    if (is_index_target(target))
      return explained(to_js(ll::cross_entropy_loss(x, to_tensor<int32_t>(target), opt, &ex)), ex);
    return explained(to_js(ll::cross_entropy_loss(x, to_tensor<T>(target), opt, &ex)), ex);
  });
}

// ---- nn.NLLLoss (class-index target only) ----
template <class T>
val nll_loss_js(val input, val target, val opts) {
  return guard("nllLoss", [&] {
    return to_js(ll::nll_loss(to_tensor<T>(input), to_tensor<int32_t>(target),
                              to_options<T>(opts, "nllLoss")));
  });
}
template <class T>
val nll_loss_grad_js(val input, val target, val opts) {
  return guard("grad.nllLoss", [&] {
    return to_js(ll::nll_loss_backward(to_tensor<T>(input), to_tensor<int32_t>(target),
                                       to_options<T>(opts, "grad.nllLoss")));
  });
}
template <class T>
val nll_loss_explain_js(val input, val target, val opts) {
  return guard("explain.nllLoss", [&] {
    ll::Explain ex;
    return explained(to_js(ll::nll_loss(to_tensor<T>(input), to_tensor<int32_t>(target),
                                        to_options<T>(opts, "explain.nllLoss"), &ex)),
                     ex);
  });
}

// ---- the losses with a float target of the input's shape: BCE, BCEWithLogits, MSE ----
template <class T>
using PairForward = ll::Tensor<T> (*)(const ll::Tensor<T>&, const ll::Tensor<T>&,
                                      const ll::LossOptions<T>&, ll::Explain*);
template <class T>
using PairBackward = ll::Tensor<T> (*)(const ll::Tensor<T>&, const ll::Tensor<T>&,
                                       const ll::LossOptions<T>&);

template <class T, PairForward<T> F>
val pair_loss_js(const char* fn, val input, val target, val opts) {
  return guard(fn, [&] {
    return to_js(F(to_tensor<T>(input), to_tensor<T>(target), to_options<T>(opts, fn), nullptr));
  });
}
template <class T, PairBackward<T> B>
val pair_grad_js(const char* fn, val input, val target, val opts) {
  return guard(fn, [&] {
    return to_js(B(to_tensor<T>(input), to_tensor<T>(target), to_options<T>(opts, fn)));
  });
}
template <class T, PairForward<T> F>
val pair_explain_js(const char* fn, val input, val target, val opts) {
  return guard(fn, [&] {
    ll::Explain ex;
    return explained(
        to_js(F(to_tensor<T>(input), to_tensor<T>(target), to_options<T>(opts, fn), &ex)), ex);
  });
}

// Names of the public JS functions, used in error messages.
constexpr char kBce[] = "bceLoss";
constexpr char kBceGrad[] = "grad.bceLoss";
constexpr char kBceExplain[] = "explain.bceLoss";
constexpr char kBcel[] = "bceWithLogitsLoss";
constexpr char kBcelGrad[] = "grad.bceWithLogitsLoss";
constexpr char kBcelExplain[] = "explain.bceWithLogitsLoss";
constexpr char kMse[] = "mseLoss";
constexpr char kMseGrad[] = "grad.mseLoss";
constexpr char kMseExplain[] = "explain.mseLoss";

#define LL_PAIR_LOSS(NAME, FWD, BWD, FN, FN_GRAD, FN_EXPLAIN) \
  template <class U>                                          \
  val NAME##_js(val a, val b, val o) {                        \
    return pair_loss_js<U, &FWD<U>>(FN, a, b, o);             \
  }                                                           \
  template <class U>                                          \
  val NAME##_grad_js(val a, val b, val o) {                   \
    return pair_grad_js<U, &BWD<U>>(FN_GRAD, a, b, o);        \
  }                                                           \
  template <class U>                                          \
  val NAME##_explain_js(val a, val b, val o) {                \
    return pair_explain_js<U, &FWD<U>>(FN_EXPLAIN, a, b, o);  \
  }

LL_PAIR_LOSS(bce_loss, ll::bce_loss, ll::bce_loss_backward, kBce, kBceGrad, kBceExplain)
LL_PAIR_LOSS(bce_with_logits_loss, ll::bce_with_logits_loss, ll::bce_with_logits_loss_backward,
             kBcel, kBcelGrad, kBcelExplain)
LL_PAIR_LOSS(mse_loss, ll::mse_loss, ll::mse_loss_backward, kMse, kMseGrad, kMseExplain)
#undef LL_PAIR_LOSS

// ---- raw calls: one bulk copy in, one out ----
// JS (web/src/index.js) mallocs one block, copies the input data into it with one TypedArray.set,
// calls an ll_* function with pointers into the block, copies the result out with one slice and
// frees the block. Each returns 0 on success, else the JS error class (1 Error, 2 TypeError,
// 3 RangeError) with the message in ll_error_message() (a static buffer, so errors allocate
// nothing that outlives the call). Shapes arrive as int32 dims.

char g_error[1024];

// Runs body(ctx); one non-template function holds the only catch of every raw call.
__attribute__((noinline)) int raw_call(const char* name, void (*body)(void*), void* ctx) {
  llb::CaughtError c;
  try {
    body(ctx);
    return 0;
  } catch (...) {
    c = llb::caught_error(name);
  }
  const size_t n = std::min(c.msg.size(), sizeof g_error - 1);
  std::memcpy(g_error, c.msg.data(), n);
  g_error[n] = '\0';
  return std::strcmp(c.cls, "TypeError") == 0 ? 2 : std::strcmp(c.cls, "RangeError") == 0 ? 3 : 1;
}

template <class F>
int raw(const char* name, F&& body) {
  using Fn = std::remove_reference_t<F>;
  return raw_call(
      name, [](void* c) { (*static_cast<Fn*>(c))(); }, static_cast<void*>(&body));
}

ll::Shape dims_of(const int32_t* dims, int rank) { return ll::Shape(dims, dims + rank); }

template <class T>
int softmax_raw(T* out, const T* x, const int32_t* dims, int rank, int dim, int log) {
  return raw(log ? "logSoftmax" : "softmax", [&] {
    const ll::Shape shape = dims_of(dims, rank);
    if (log) {
      ll::log_softmax_into(out, x, shape, dim);
    } else {
      ll::softmax_into(out, x, shape, dim);
    }
  });
}

// crossEntropyLoss with class indices. dims holds x's dims, then the target's, then the weight's
// (w_rank < 0: no weight). reduction: 0 'none', 1 'mean', 2 'sum'. grad = 0: out gets the loss
// (N values for 'none', else 1); grad = 1: out gets dLoss/dx (x's size).
template <class T>
int ce_index_raw(T* out, const T* x, const int32_t* dims, int x_rank, const int32_t* target,
                 int t_rank, const T* weight, int w_rank, int ignore_index, int reduction,
                 double label_smoothing, int grad) {
  return raw(grad ? "grad.crossEntropyLoss" : "crossEntropyLoss", [&] {
    const ll::Shape x_shape = dims_of(dims, x_rank);
    ll::Shape t_shape = dims_of(dims + x_rank, t_rank);
    const size_t nt = ll::Tensor<int32_t>::numel(t_shape);
    ll::LossOptions<T> opt;
    if (w_rank >= 0) {
      ll::Shape w_shape = dims_of(dims + x_rank + t_rank, w_rank);
      const size_t nw = ll::Tensor<T>::numel(w_shape);
      opt.weight = ll::Tensor<T>(std::move(w_shape), std::vector<T>(weight, weight + nw));
    }
    opt.ignore_index = ignore_index;
    opt.reduction = reduction == 0   ? ll::Reduction::None
                    : reduction == 2 ? ll::Reduction::Sum
                                     : ll::Reduction::Mean;
    opt.label_smoothing = label_smoothing;
    const ll::Tensor<int32_t> t(std::move(t_shape), std::vector<int32_t>(target, target + nt));
    if (grad) {
      ll::cross_entropy_loss_backward(out, x, x_shape, t, opt);
    } else {
      const ll::Tensor<T> loss = ll::cross_entropy_loss(x, x_shape, t, opt);
      std::memcpy(out, loss.ptr(), loss.size() * sizeof(T));
    }
  });
}

// The 'mean' (reduction 1) or 'sum' (2) of N row losses from reduction-'none' calls, in torch's
// cascade order (ll::nll_reduce_rows): the chunked crossEntropyLoss's last step. out gets 1 value.
template <class T>
int nll_reduce_raw(T* out, const T* row_loss, const int32_t* target, int rows, const T* weight,
                   int classes, int ignore_index, int reduction) {
  return raw("crossEntropyLoss", [&] {
    out[0] = ll::nll_reduce_rows(row_loss, target, static_cast<size_t>(rows), weight, classes,
                                 ignore_index, reduction == 2 ? ll::Reduction::Sum
                                                              : ll::Reduction::Mean,
                                 "crossEntropyLoss");
  });
}

}  // namespace

extern "C" {
EMSCRIPTEN_KEEPALIVE const char* ll_error_message() { return g_error; }
// Heap blocks for the one-copy calls, on a 64-byte boundary (malloc only guarantees 8, and the
// f32x4 kernels run up to 15 % slower on a block at 8 mod 16). Null when out of memory.
EMSCRIPTEN_KEEPALIVE void* ll_alloc(size_t bytes) {
  const size_t rounded = (bytes + 63) & ~static_cast<size_t>(63);
  return rounded < bytes ? nullptr : std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
}
EMSCRIPTEN_KEEPALIVE void ll_free(void* p) { std::free(p); }
EMSCRIPTEN_KEEPALIVE int ll_nll_reduce_f32(float* out, const float* row_loss,
                                           const int32_t* target, int rows, const float* weight,
                                           int classes, int ignore_index, int reduction) {
  return nll_reduce_raw(out, row_loss, target, rows, weight, classes, ignore_index, reduction);
}
EMSCRIPTEN_KEEPALIVE int ll_nll_reduce_f64(double* out, const double* row_loss,
                                           const int32_t* target, int rows, const double* weight,
                                           int classes, int ignore_index, int reduction) {
  return nll_reduce_raw(out, row_loss, target, rows, weight, classes, ignore_index, reduction);
}
EMSCRIPTEN_KEEPALIVE int ll_softmax_f32(float* out, const float* x, const int32_t* dims, int rank,
                                        int dim, int log) {
  return softmax_raw(out, x, dims, rank, dim, log);
}
EMSCRIPTEN_KEEPALIVE int ll_softmax_f64(double* out, const double* x, const int32_t* dims, int rank,
                                        int dim, int log) {
  return softmax_raw(out, x, dims, rank, dim, log);
}
EMSCRIPTEN_KEEPALIVE int ll_ce_index_f32(float* out, const float* x, const int32_t* dims,
                                         int x_rank, const int32_t* target, int t_rank,
                                         const float* weight, int w_rank, int ignore_index,
                                         int reduction, double label_smoothing, int grad) {
  return ce_index_raw(out, x, dims, x_rank, target, t_rank, weight, w_rank, ignore_index, reduction,
                      label_smoothing, grad);
}
EMSCRIPTEN_KEEPALIVE int ll_ce_index_f64(double* out, const double* x, const int32_t* dims,
                                         int x_rank, const int32_t* target, int t_rank,
                                         const double* weight, int w_rank, int ignore_index,
                                         int reduction, double label_smoothing, int grad) {
  return ce_index_raw(out, x, dims, x_rank, target, t_rank, weight, w_rank, ignore_index, reduction,
                      label_smoothing, grad);
}
}  // extern "C"

namespace {

// Bytes in use on the wasm heap (dlmalloc's allocated-space counter).
double heap_bytes() { return static_cast<double>(mallinfo().uordblks); }

}  // namespace

EMSCRIPTEN_BINDINGS(logitlab_core) {
  using emscripten::function;
#define LL_BIND(NAME)                            \
  function("_" #NAME "_f32", &NAME##_js<float>); \
  function("_" #NAME "_f64", &NAME##_js<double>)
  LL_BIND(softmax);
  LL_BIND(softmax_explain);
  LL_BIND(log_softmax);
  LL_BIND(log_softmax_explain);
  LL_BIND(sigmoid);
  LL_BIND(relu);
  LL_BIND(argmax);
  LL_BIND(max);
  LL_BIND(max_all);
  LL_BIND(cross_entropy);
  LL_BIND(cross_entropy_grad);
  LL_BIND(cross_entropy_explain);
  LL_BIND(ce_loss);
  LL_BIND(ce_loss_grad);
  LL_BIND(ce_loss_explain);
  LL_BIND(nll_loss);
  LL_BIND(nll_loss_grad);
  LL_BIND(nll_loss_explain);
  LL_BIND(bce_loss);
  LL_BIND(bce_loss_grad);
  LL_BIND(bce_loss_explain);
  LL_BIND(bce_with_logits_loss);
  LL_BIND(bce_with_logits_loss_grad);
  LL_BIND(bce_with_logits_loss_explain);
  LL_BIND(mse_loss);
  LL_BIND(mse_loss_grad);
  LL_BIND(mse_loss_explain);
#undef LL_BIND
  function("_heap_bytes", &heap_bytes);
}
