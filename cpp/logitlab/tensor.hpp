// Tensor, error types and shape helpers shared by every part of the LogitLab core.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace ll {

// Errors carry a message that names the function, the argument and what was expected,
// e.g. "crossEntropyLoss: target[1] = 5 is out of range; expected a class index in [0, 3)".
// The bindings turn each into the JS error class of the same name.
struct TypeError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
struct RangeError : std::out_of_range {
  using std::out_of_range::out_of_range;
};
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Shape = std::vector<int>;

// A dense row-major tensor. Rank 0 (a scalar) has an empty shape and one element.
template <class T>
struct Tensor {
  Shape shape;
  std::vector<T> data;

  Tensor() : data(1) {}
  explicit Tensor(Shape s) : shape(std::move(s)), data(numel(shape)) {}
  Tensor(Shape s, std::vector<T> d) : shape(std::move(s)), data(std::move(d)) {
    if (data.size() != numel(shape)) throw Error("Tensor: data size does not match shape");
  }
  static Tensor scalar(T v) {
    Tensor t;
    t.data[0] = v;
    return t;
  }

  int dim() const { return static_cast<int>(shape.size()); }
  size_t size() const { return data.size(); }
  T* ptr() { return data.data(); }
  const T* ptr() const { return data.data(); }
  T item() const { return data.at(0); }

  static size_t numel(const Shape& s) {
    size_t n = 1;
    for (int d : s) {
      if (d < 0) throw RangeError("Tensor: negative dimension in shape");
      n *= static_cast<size_t>(d);
    }
    return n;
  }
};

// Converts a possibly negative dim into [0, rank); `fn` names the caller in the message.
inline int normalize_dim(int dim, int rank, const char* fn) {
  const int r = rank == 0 ? 1 : rank;
  if (dim < -r || dim >= r) {
    throw RangeError(std::string(fn) + ": dim " + std::to_string(dim) +
                     " is out of range; expected a dim in [" + std::to_string(-r) + ", " +
                     std::to_string(r - 1) + "] for a " + std::to_string(rank) + "-D input");
  }
  return dim < 0 ? dim + r : dim;
}

inline std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

}  // namespace ll
