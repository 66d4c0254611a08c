// libFuzzer harness: drives the core's ops, losses and MLP with random shapes, values, options and
// indices.
// Expected failures are ll::TypeError / RangeError / Error; anything else (a crash, a sanitizer report,
// another exception type, a broken invariant) is a bug. Build: cmake -DLL_FUZZ=ON with clang++.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "logitlab/losses.hpp"
#include "logitlab/mlp.hpp"
#include "logitlab/ops.hpp"

namespace {

// Reads typed values from the fuzzer's bytes; past the end it yields zeros.
struct Reader {
  const uint8_t* p;
  size_t n;
  uint8_t u8() { return n ? (--n, *p++) : 0; }
  int small(int lo, int hi) { return lo + u8() % (hi - lo + 1); }
  double value() {
    switch (u8() % 16) {
      case 0: return NAN;
      case 1: return INFINITY;
      case 2: return -INFINITY;
      case 3: return 0.0;
      case 4: return 1.0;
      case 5: return 1e30 * (u8() % 2 ? 1 : -1);
      case 6: return 1e-30;
      default: return (static_cast<int>(u8()) - 128) / 8.0;  // [-16, 16)
    }
  }
  double prob() {  // mostly in [0, 1], sometimes outside or non-finite
    const uint8_t k = u8();
    if (k < 8) return value();
    return (k - 8) / 247.0;
  }
};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

template <class T>
ll::Tensor<T> make_tensor(Reader& r, ll::Shape shape, bool probs) {
  ll::Tensor<T> t(std::move(shape));
  for (auto& v : t.data) v = static_cast<T>(probs ? r.prob() : r.value());
  return t;
}

ll::Shape make_shape(Reader& r, int max_rank) {
  ll::Shape s(static_cast<size_t>(r.small(0, max_rank)));
  for (auto& d : s) d = r.small(0, 6);
  return s;
}

bool all_finite(const std::vector<double>& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

template <class T>
void check_softmax(const ll::Tensor<T>& x, int dim) {
  auto y = ll::softmax(x, dim);
  if (y.shape != x.shape) fail("softmax shape");
  std::vector<double> xs(x.data.begin(), x.data.end());
  if (!all_finite(xs) || x.dim() != 2 || (dim != 1 && dim != -1)) return;
  const int rows = x.shape[0], cols = x.shape[1];
  for (int i = 0; i < rows; ++i) {
    double s = 0;
    for (int j = 0; j < cols; ++j) {
      const double p = y.data[i * cols + j];
      if (!(p >= 0 && p <= 1)) fail("softmax value outside [0, 1] for finite input");
      s += p;
    }
    if (cols > 0 && std::fabs(s - 1) > 1e-4) fail("softmax row does not sum to 1");
  }
}

// A small MLP trained a few steps on random batches. Invariant: a step that throws leaves every
// parameter as it was (the last good weights).
template <class T>
void run_mlp(Reader& r) {
  std::vector<int> sizes(static_cast<size_t>(r.small(1, 4)));
  for (auto& d : sizes) d = r.small(0, 5);  // 0 is invalid on purpose, now and then
  ll::Mlp<T> net(sizes, static_cast<ll::Activation>(r.small(0, 2)),
                 static_cast<ll::OutputHead>(r.small(0, 1)), r.u8());
  const auto kind = static_cast<ll::LossKind>(r.small(0, 3));
  ll::LossOptions<T> lo;
  lo.reduction = static_cast<ll::Reduction>(r.small(0, 2));  // 'none' must be refused
  if (r.u8() % 4 == 0) lo.weight = make_tensor<T>(r, ll::Shape{r.small(0, 5)}, true);
  if (r.u8() % 4 == 0) lo.label_smoothing = r.prob();
  net.set_loss(kind, lo);
  ll::OptimConfig oc;
  oc.type = static_cast<ll::OptimType>(r.small(0, 2));
  oc.lr = r.u8() % 8 ? r.prob() : r.value() * 100;  // sometimes huge, negative or NaN
  oc.momentum = r.u8() % 2 ? 0.9 : 0.0;
  oc.nesterov = r.u8() % 4 == 0;
  oc.weight_decay = r.u8() % 4 ? 0.0 : r.prob();
  net.set_optimizer(oc);
  const int in = net.in_features(), out = net.out_features();
  for (int step = r.small(1, 4); step > 0; --step) {
    const int n = r.small(0, 4);
    std::vector<T> x(static_cast<size_t>(n) * in);
    for (auto& v : x) v = static_cast<T>(r.value());
    std::vector<int32_t> idx(static_cast<size_t>(n));
    for (auto& t : idx) t = r.small(-2, out + 1);
    std::vector<T> val(static_cast<size_t>(n) * out);
    for (auto& v : val) v = static_cast<T>(r.prob());
    ll::Target<T> y;
    if (kind == ll::LossKind::CrossEntropy && r.u8() % 4) {
      y.index = idx.data();
      y.size = idx.size();
    } else {
      y.value = val.data();
      y.size = r.u8() % 8 ? val.size() : static_cast<size_t>(r.small(0, 8));  // sometimes wrong
    }
    const auto before = net.params();
    auto unchanged = [&](const char* what) {
      const auto& after = net.params();
      for (size_t i = 0; i < before.size(); ++i) {
        if (!(after[i] == before[i] || (std::isnan(after[i]) && std::isnan(before[i])))) fail(what);
      }
    };
    const int call = r.small(0, 3);
    try {
      switch (call) {
        case 0: net.forward(x.data(), n); break;
        case 1: { std::vector<int32_t> pred(static_cast<size_t>(n)); net.predict(pred.data(), x.data(), n); break; }
        case 2: net.explain(x.data(), n, y); break;
        default: net.train_step(x.data(), n, y); break;
      }
    } catch (...) {
      unchanged("a call that threw changed the weights");
      throw;
    }
    if (call != 3) unchanged("forward, predict or explain changed the weights");
  }
}

template <class T>
void run(Reader& r) {
  const int op = r.small(0, 14);
  if (op == 14) return run_mlp<T>(r);
  ll::LossOptions<T> opt;
  opt.reduction = static_cast<ll::Reduction>(r.small(0, 2));
  const ll::Shape shape = make_shape(r, op < 6 ? 4 : 2);
  const int dim = r.small(-4, 3);
  switch (op) {
    case 0: check_softmax(make_tensor<T>(r, shape, false), dim); break;
    case 1: ll::log_softmax(make_tensor<T>(r, shape, false), dim); break;
    case 2: ll::sigmoid(make_tensor<T>(r, shape, false)); ll::relu(make_tensor<T>(r, shape, false)); break;
    case 3: ll::argmax(make_tensor<T>(r, shape, false), dim); break;
    case 4: ll::max(make_tensor<T>(r, shape, false), dim); break;
    case 5: ll::max_all(make_tensor<T>(r, shape, false)); break;
    case 6: case 7: case 8: {  // cross_entropy_loss / nll_loss with class indices
      auto input = make_tensor<T>(r, shape, false);
      ll::Shape tshape = shape.empty() ? ll::Shape{} : ll::Shape(shape.begin(), shape.end() - 1);
      if (r.u8() % 8 == 0) tshape = make_shape(r, 2);  // sometimes a wrong target shape
      ll::Tensor<int32_t> target(tshape);
      for (auto& t : target.data) t = r.small(-3, 8) == 8 ? -100 : r.small(-2, 7);
      if (r.u8() % 2) opt.weight = make_tensor<T>(r, ll::Shape{r.small(0, 7)}, true);
      opt.ignore_index = r.u8() % 2 ? -100 : r.small(-1, 6);
      opt.label_smoothing = r.u8() % 4 ? 0.0 : r.prob();
      ll::Explain ex;
      if (op == 8) {
        ll::nll_loss(input, target, opt, &ex);
        ll::nll_loss_backward(input, target, opt);
      } else {
        ll::cross_entropy_loss(input, target, opt, op == 7 ? &ex : nullptr);
        ll::cross_entropy_loss_backward(input, target, opt);
      }
      break;
    }
    case 9: {  // cross_entropy_loss with probability targets
      auto input = make_tensor<T>(r, shape, false);
      auto target = make_tensor<T>(r, r.u8() % 8 ? shape : make_shape(r, 2), true);
      if (r.u8() % 2) opt.weight = make_tensor<T>(r, ll::Shape{r.small(0, 7)}, true);
      opt.label_smoothing = r.u8() % 4 ? 0.0 : r.prob();
      ll::Explain ex;
      ll::cross_entropy_loss(input, target, opt, &ex);
      ll::cross_entropy_loss_backward(input, target, opt);
      break;
    }
    case 10: case 11: case 12: {  // bce / bce_with_logits / mse
      auto input = make_tensor<T>(r, shape, op == 10);
      auto target = make_tensor<T>(r, r.u8() % 8 ? shape : make_shape(r, 2), true);
      if (r.u8() % 2) opt.weight = make_tensor<T>(r, make_shape(r, 2), true);
      if (op == 11 && r.u8() % 2) opt.pos_weight = make_tensor<T>(r, make_shape(r, 2), true);
      ll::Explain ex;
      if (op == 10) {
        ll::bce_loss(input, target, opt, &ex);
        ll::bce_loss_backward(input, target, opt);
      } else if (op == 11) {
        ll::bce_with_logits_loss(input, target, opt, &ex);
        ll::bce_with_logits_loss_backward(input, target, opt);
      } else {
        ll::mse_loss(input, target, opt, &ex);
        ll::mse_loss_backward(input, target, opt);
      }
      break;
    }
    default: {  // the manual cross-entropy
      auto y = make_tensor<T>(r, shape, true);
      auto p = make_tensor<T>(r, r.u8() % 8 ? shape : make_shape(r, 2), true);
      ll::Explain ex;
      ll::cross_entropy_manual(y, p, &ex);
      ll::cross_entropy_manual_backward(y, p);
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader r{data, size};
  try {
    if (r.u8() % 2) run<float>(r);
    else run<double>(r);
  } catch (const ll::TypeError&) {
  } catch (const ll::RangeError&) {
  } catch (const ll::Error&) {
  }
  return 0;
}
