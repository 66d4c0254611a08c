// Shared JS <-> C++ conversion and error mapping for every Embind binding file (no math here).
//
// The JS side passes tensors as plain objects {shape: number[], data: TypedArray} (a JS Tensor
// works as is) and gets back the same kind of object, always holding JS-owned copies:
//
//   to_tensor<T>(obj)        {shape, data} -> ll::Tensor<T>; one bulk copy of data (any typed array
//                            or Array; values convert like a C cast). Throws ll::TypeError /
//                            ll::RangeError if shape and data disagree.
//   to_tensor_or_empty<T>(v) like to_tensor, but undefined/null -> a size-0 tensor ("not given",
//                            the convention of ll::LossOptions).
//   to_js(tensor)            ll::Tensor<float|double|int32_t> -> {shape, data: Float32Array |
//                            Float64Array | Int32Array}, a copy (never a view into the wasm heap).
//   steps_to_js(explain)     ll::Explain -> [{id, title, formula, shape, data: Float64Array}].
//   guard(name, body)        runs body() (through the one non-template guard_call); a C++
//                            exception becomes a JS exception:
//                            ll::TypeError -> TypeError, ll::RangeError -> RangeError, ll::Error ->
//                            Error, each with what() as message; std::bad_alloc/length_error ->
//                            RangeError "<name>: out of memory ..."; any other exception -> Error
//                            "<name>: what()". Every bound function must run its body inside guard.
//
// Usage in a binding file:
//   template <class T> emscripten::val softmax_js(emscripten::val x, int dim) {
//     return llb::guard("softmax", [&] { return llb::to_js(ll::softmax(llb::to_tensor<T>(x), dim));
//     });
//   }
#pragma once

#include <emscripten/val.h>

#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "logitlab/explain.hpp"
#include "logitlab/tensor.hpp"

namespace llb {

using emscripten::val;

template <class T>
struct JsArray;
template <>
struct JsArray<float> {
  static constexpr const char* name = "Float32Array";
};
template <>
struct JsArray<double> {
  static constexpr const char* name = "Float64Array";
};
template <>
struct JsArray<int32_t> {
  static constexpr const char* name = "Int32Array";
};

// A JS-owned copy of n values starting at p, as the typed array that matches T.
template <class T>
val copy_to_js(const T* p, size_t n) {
  return val::global(JsArray<T>::name).new_(emscripten::typed_memory_view(n, p));
}

inline val shape_to_js(const ll::Shape& s) {
  val out = val::array();
  for (size_t i = 0; i < s.size(); ++i) out.set(i, s[i]);
  return out;
}

// {shape, data} -> ll::Tensor<T> with one bulk copy of data.
template <class T>
ll::Tensor<T> to_tensor(const val& obj) {
  if (obj.isUndefined() || obj.isNull()) throw ll::TypeError("bindings: expected a tensor object");
  ll::Shape shape = emscripten::vecFromJSArray<int>(obj["shape"]);
  std::vector<T> data = emscripten::convertJSArrayToNumberVector<T>(obj["data"]);
  if (ll::Tensor<T>::numel(shape) != data.size()) {
    throw ll::RangeError("bindings: shape " + ll::shape_str(shape) + " does not match " +
                         std::to_string(data.size()) + " data elements");
  }
  return ll::Tensor<T>(std::move(shape), std::move(data));
}

// undefined / null -> a size-0 tensor meaning "not given".
template <class T>
ll::Tensor<T> to_tensor_or_empty(const val& v) {
  if (v.isUndefined() || v.isNull()) return ll::Tensor<T>(ll::Shape{0});
  return to_tensor<T>(v);
}

template <class T>
val to_js(const ll::Tensor<T>& t) {
  val out = val::object();
  out.set("shape", shape_to_js(t.shape));
  out.set("data", copy_to_js(t.ptr(), t.size()));
  return out;
}

inline val steps_to_js(const ll::Explain& ex) {
  val steps = val::array();
  for (size_t i = 0; i < ex.steps.size(); ++i) {
    const ll::Step& s = ex.steps[i];
    val o = val::object();
    o.set("id", s.id);
    o.set("title", s.title);
    o.set("formula", s.formula);
    o.set("shape", shape_to_js(s.shape));
    o.set("data", copy_to_js(s.values.data(), s.values.size()));
    steps.set(i, o);
  }
  return steps;
}

// The exception being handled, sorted into a JS error class and message. Call only from inside a
// catch block: ll::TypeError -> TypeError, ll::RangeError -> RangeError, ll::Error -> Error, each
// with what(); bad_alloc / length_error -> RangeError "<name>: out of memory ..."; any other
// exception -> Error "<name>: what()".
struct CaughtError {
  const char* cls = "Error";
  std::string msg;
};

__attribute__((noinline)) inline CaughtError caught_error(const char* name) {
  CaughtError c;
  try {
    throw;
  } catch (const ll::TypeError& e) {
    c.cls = "TypeError";
    c.msg = e.what();
  } catch (const ll::RangeError& e) {
    c.cls = "RangeError";
    c.msg = e.what();
  } catch (const ll::Error& e) {
    c.msg = e.what();
  } catch (const std::bad_alloc&) {
    c.cls = "RangeError";
    c.msg =
        std::string(name) + ": out of memory; the sizes ask for more than the wasm heap can hold";
  } catch (const std::length_error&) {
    c.cls = "RangeError";
    c.msg =
        std::string(name) + ": out of memory; the sizes ask for more than the wasm heap can hold";
  } catch (const std::exception& e) {
    // Not one of the core's own errors: prefix the function so the message says where it came from.
    c.msg = std::string(name) + ": " + e.what();
  } catch (...) {
    c.msg = std::string(name) + ": unknown C++ exception";
  }
  return c;
}

// Runs body(ctx) and turns a C++ exception into the matching JS error. One non-template function,
// so the catch code exists once in the .wasm however many bindings use guard(). The JS error is
// thrown after the C++ catch block has ended, so the C++ exception object is freed first.
__attribute__((noinline)) inline val guard_call(const char* name, val (*body)(void*), void* ctx) {
  CaughtError c;
  try {
    return body(ctx);
  } catch (...) {
    c = caught_error(name);
  }
  val err = val::global(c.cls).new_(c.msg);
  std::string().swap(c.msg);  // free the heap buffer now: the JS throw may skip our destructors
  err.throw_();
}

// guard(name, body): runs body() (a callable returning val) inside guard_call.
template <class F>
val guard(const char* name, F&& body) {
  using Fn = std::remove_reference_t<F>;
  return guard_call(
      name, [](void* c) -> val { return (*static_cast<Fn*>(c))(); },
      const_cast<void*>(static_cast<const void*>(&body)));
}

}  // namespace llb
