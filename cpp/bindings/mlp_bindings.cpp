// Embind registration of the MLP (_MlpF32/_MlpF64), the toy datasets and the seeded permutation.
// Registration and conversion only: web/src/mlp.js and datasets.js wrap these into
// ll.mlp/ll.datasets.
//
// Bound functions take only val arguments and convert them inside guard(): a C++ object built
// outside it (e.g. a std::string parameter) would leak when the JS error unwinds past its frame.
//
// Conventions: the hot calls (trainStep, forward, predict, explain) read their inputs from buffers
// the net owns in the wasm heap. inputView(n) / targetView(size, isIndex) return typed-array views
// of them (not copies: JS fills them with one TypedArray.set and keeps them until they detach on
// memory growth, length 0, or are too short); then one call with plain numbers runs the step:
//   x: (n, in) row-major in the input view; y: ySize values in the target view, Int32 class indices
//   when isIndex, else the net's dtype. A training step allocates nothing after the first one.
#include <emscripten/bind.h>

#include <cstdint>
#include <string>
#include <vector>

#include "convert.hpp"
#include "logitlab/datasets.hpp"
#include "logitlab/mlp.hpp"
#include "logitlab/rng.hpp"

namespace {

using emscripten::val;
using llb::guard;

// Throws unless the JS array `arr` has n elements (type-independent: one copy in the wasm).
void check_length(const val& arr, size_t n, const char* fn, const char* arg) {
  const size_t len = arr["length"].as<size_t>();
  if (len != n)
    throw ll::RangeError(std::string(fn) + ": " + arg + " has " + std::to_string(len) +
                         " elements; expected " + std::to_string(n));
}

// Copies the JS typed array `arr` (length n) into buf (a std::vector or ll::AlignedVector) with
// one bulk set(); buf only grows.
template <class Buf>
const typename Buf::value_type* load_into(Buf& buf, const val& arr, size_t n, const char* fn,
                                          const char* arg) {
  check_length(arr, n, fn, arg);
  if (buf.size() < n) buf.resize(n);
  if (n > 0) val(emscripten::typed_memory_view(n, buf.data())).call<void>("set", arr);
  return buf.data();
}

// The dtype-independent loss options, parsed once for both dtypes.
struct ScalarLossOptions {
  int ignore_index;
  ll::Reduction reduction;
  double label_smoothing;
};
ScalarLossOptions parse_scalar_loss_options(const val& o, ScalarLossOptions d, const char* fn) {
  if (!o["ignoreIndex"].isUndefined()) d.ignore_index = o["ignoreIndex"].as<int>();
  if (!o["reduction"].isUndefined())
    d.reduction = ll::parse_reduction(o["reduction"].as<std::string>(), fn);
  if (!o["labelSmoothing"].isUndefined()) d.label_smoothing = o["labelSmoothing"].as<double>();
  return d;
}

// Throws unless `size` values make n >= 1 rows of `per_row`.
void check_rows(size_t size, int n, int per_row, const std::string& fn) {
  if (n <= 0 || size != static_cast<size_t>(n) * per_row)
    throw ll::RangeError(fn + ": x must have " + std::to_string(per_row) + " values per row");
}

template <class T>
ll::LossOptions<T> loss_options(const val& o, const char* fn) {
  ll::LossOptions<T> opt;
  if (o.isUndefined() || o.isNull()) return opt;
  opt.weight = llb::to_tensor_or_empty<T>(o["weight"]);
  opt.pos_weight = llb::to_tensor_or_empty<T>(o["posWeight"]);
  const ScalarLossOptions sc =
      parse_scalar_loss_options(o, {opt.ignore_index, opt.reduction, opt.label_smoothing}, fn);
  opt.ignore_index = sc.ignore_index;
  opt.reduction = sc.reduction;
  opt.label_smoothing = sc.label_smoothing;
  return opt;
}

// {type, lr, momentum, dampening, nesterov, weightDecay, betas: [b1, b2], eps}, defaults filled in
// JS.
ll::OptimConfig optim_config(const val& o, const char* fn) {
  ll::OptimConfig c;
  c.type = ll::parse_optim_type(o["type"].as<std::string>(), fn);
  c.lr = o["lr"].as<double>();
  c.weight_decay = o["weightDecay"].as<double>();
  if (c.type == ll::OptimType::SGD) {
    c.momentum = o["momentum"].as<double>();
    c.dampening = o["dampening"].as<double>();
    c.nesterov = o["nesterov"].as<bool>();
  } else {
    c.beta1 = o["betas"][0].as<double>();
    c.beta2 = o["betas"][1].as<double>();
    c.eps = o["eps"].as<double>();
  }
  return c;
}

template <class T>
class MlpJs {
 public:
  MlpJs(std::vector<int> sizes, const std::string& act, const std::string& head, uint64_t seed)
      : net_(std::move(sizes), ll::parse_activation(act, "mlp"), ll::parse_output_head(head, "mlp"),
             seed) {}

  val views() const {
    val out = val::array();
    const auto& vs = net_.views();
    for (size_t i = 0; i < vs.size(); ++i) {
      val v = val::object();
      v.set("name", vs[i].name);
      v.set("shape", llb::shape_to_js(vs[i].shape));
      v.set("offset", static_cast<double>(vs[i].offset));
      v.set("size", static_cast<double>(vs[i].size));
      out.set(i, v);
    }
    return out;
  }
  val params() const {
    return guard("stateDict",
                 [&] { return llb::copy_to_js(net_.params().data(), net_.params().size()); });
  }
  val grads() const {
    return guard("grads",
                 [&] { return llb::copy_to_js(net_.grads().data(), net_.grads().size()); });
  }
  val set_params(val flat) {
    return guard("loadStateDict", [&] {
      load_into(net_.params(), flat, net_.params().size(), "loadStateDict", "the parameters");
      return val::undefined();
    });
  }
  val set_loss(val kind, val opts, val fn_name) {
    return guard("setLoss", [&] {
      const std::string fn = fn_name.as<std::string>();
      net_.set_loss(ll::parse_loss_kind(kind.as<std::string>(), fn.c_str()),
                    loss_options<T>(opts, fn.c_str()), fn.c_str());
      return val::undefined();
    });
  }
  val set_optimizer(val opts, val fn_name) {
    return guard("setOptimizer", [&] {
      const std::string fn = fn_name.as<std::string>();
      net_.set_optimizer(optim_config(opts, fn.c_str()), fn.c_str());
      return val::undefined();
    });
  }
  // Validates a whole data set once (fit) with the checks train_step makes, naming fn_name.
  val check(val x, int n, val y, bool y_is_index, val fn_name) {
    return guard("fit", [&] {
      const std::string fn = fn_name.as<std::string>();
      const std::vector<T> xs = emscripten::convertJSArrayToNumberVector<T>(x);
      check_rows(xs.size(), n, net_.in_features(), fn);
      std::vector<int32_t> yi;
      std::vector<T> yv;
      ll::Target<T> t;
      if (y_is_index) {
        yi = emscripten::convertJSArrayToNumberVector<int32_t>(y);
        t.index = yi.data();
        t.size = yi.size();
      } else {
        yv = emscripten::convertJSArrayToNumberVector<T>(y);
        t.value = yv.data();
        t.size = yv.size();
      }
      net_.check_batch(xs.data(), n, t, fn.c_str());
      return val::undefined();
    });
  }
  // A view of room for n input rows inside the net (see the conventions above).
  val input_view(int n, val fn_name) {
    return guard("trainStep", [&] {
      const std::string fn = fn_name.as<std::string>();
      if (n <= 0) throw ll::RangeError(fn + ": x must have at least one row");
      T* p = net_.input_buffer(n, fn.c_str());
      return val(emscripten::typed_memory_view(static_cast<size_t>(n) * net_.in_features(), p));
    });
  }
  // A view of room for `size` targets: Int32 class indices or values of the net's dtype.
  val target_view(int size, bool is_index) {
    return guard("trainStep", [&] {
      const size_t sz = size > 0 ? static_cast<size_t>(size) : 1;
      if (is_index) {
        if (yi_.size() < sz) yi_.resize(sz);
        return val(emscripten::typed_memory_view(yi_.size(), yi_.data()));
      }
      if (yv_.size() < sz) yv_.resize(sz);
      return val(emscripten::typed_memory_view(yv_.size(), yv_.data()));
    });
  }
  // One training step on the loaded input and targets; returns the loss. last_correct/counted
  // give the accuracy counts of its forward pass.
  double train_step(int n, int y_size, bool y_is_index) {
    double loss = 0.0;
    guard("trainStep", [&] {
      loss = static_cast<double>(net_.train_step(loaded_x(n), n, loaded_y(y_size, y_is_index)));
      return val::undefined();
    });
    return loss;
  }
  int last_correct() const { return net_.last_correct(); }
  int last_counted() const { return net_.last_counted(); }
  val forward(int n) {
    return guard("forward", [&] {
      const T* out = net_.forward(loaded_x(n), n);
      return llb::copy_to_js(out, static_cast<size_t>(n) * net_.out_features());
    });
  }
  val predict(int n) {
    return guard("predict", [&] {
      if (pred_.size() < static_cast<size_t>(n)) pred_.resize(n);
      net_.predict(pred_.data(), loaded_x(n), n);
      return llb::copy_to_js(pred_.data(), static_cast<size_t>(n));
    });
  }
  val explain(int n, int y_size, bool y_is_index) {
    return guard("explain", [&] {
      return llb::steps_to_js(net_.explain(loaded_x(n), n, loaded_y(y_size, y_is_index)));
    });
  }
  double steps_done() const { return static_cast<double>(net_.steps_done()); }

 private:
  // The input rows JS wrote through input_view(n) (it was called with at least n rows).
  const T* loaded_x(int n) { return net_.input_buffer(n, "trainStep"); }
  ll::Target<T> loaded_y(int size, bool is_index) const {
    if (size < 0 || static_cast<size_t>(size) > (is_index ? yi_.size() : yv_.size()))
      throw ll::Error("trainStep: the targets were not loaded through targetView");
    ll::Target<T> t;
    t.size = static_cast<size_t>(size);
    if (is_index)
      t.index = yi_.data();
    else
      t.value = yv_.data();
    return t;
  }

  ll::Mlp<T> net_;
  std::vector<T> yv_;
  std::vector<int32_t> yi_, pred_;
};

// A factory so constructor errors become JS errors; the returned handle is owned by JS (delete()).
template <class T>
MlpJs<T>* make_mlp(val sizes, val act, val head, double seed) {
  MlpJs<T>* out = nullptr;
  guard("mlp", [&] {
    out = new MlpJs<T>(emscripten::vecFromJSArray<int>(sizes), act.as<std::string>(),
                       head.as<std::string>(), static_cast<uint64_t>(seed));
    return val::undefined();
  });
  return out;
}

val toy_dataset(val name, int n, double noise, int classes, double seed) {
  return guard("datasets.toy", [&] {
    ll::Dataset d = ll::make_toy(name.as<std::string>(), n, noise, classes,
                                 static_cast<uint64_t>(seed), "datasets.toy");
    val out = val::object();
    out.set("x", llb::to_js(d.x));
    out.set("y", llb::to_js(d.y));
    out.set("classes", d.classes);
    return out;
  });
}

// A permutation of 0..n-1 from ll::Rng(seed, stream): fit() draws epoch e's order with stream e.
val permutation_js(int n, double seed, double stream) {
  return guard("fit", [&] {
    ll::Rng rng(static_cast<uint64_t>(seed), static_cast<uint64_t>(stream));
    const std::vector<int32_t> p = ll::permutation(n, rng);
    return llb::copy_to_js(p.data(), p.size());
  });
}

template <class T>
void register_mlp(const char* cls, const char* factory) {
  using C = MlpJs<T>;
  emscripten::class_<C>(cls)
      .function("views", &C::views)
      .function("params", &C::params)
      .function("grads", &C::grads)
      .function("setParams", &C::set_params)
      .function("setLoss", &C::set_loss)
      .function("setOptimizer", &C::set_optimizer)
      .function("inputView", &C::input_view)
      .function("targetView", &C::target_view)
      .function("trainStep", &C::train_step)
      .function("lastCorrect", &C::last_correct)
      .function("lastCounted", &C::last_counted)
      .function("forward", &C::forward)
      .function("predict", &C::predict)
      .function("check", &C::check)
      .function("explain", &C::explain)
      .function("stepsDone", &C::steps_done);
  emscripten::function(factory, &make_mlp<T>, emscripten::allow_raw_pointers());
}

}  // namespace

EMSCRIPTEN_BINDINGS(logitlab_mlp) {
  register_mlp<float>("_MlpF32", "_mlp_f32");
  register_mlp<double>("_MlpF64", "_mlp_f64");
  emscripten::function("_toy_dataset", &toy_dataset);
  emscripten::function("_permutation", &permutation_js);
}
