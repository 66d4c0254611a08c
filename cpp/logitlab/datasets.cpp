// Toy 2-D datasets drawn from ll::Rng, so a seed gives the same points natively and in WASM.
#include "datasets.hpp"

#include <cmath>

#include "rng.hpp"

namespace ll {

namespace {
constexpr double kPi = 3.14159265358979323846;

Dataset empty_dataset(int n, int classes) {
  Dataset d;
  d.x = Tensor<double>(Shape{n, 2});
  d.y = Tensor<int32_t>(Shape{n});
  d.classes = classes;
  return d;
}
}  // namespace

Dataset make_blobs(int n, double noise, int classes, uint64_t seed) {
  Rng rng(seed);
  Dataset d = empty_dataset(n, classes);
  for (int i = 0; i < n; ++i) {
    const int c = i % classes;
    const double angle = 2.0 * kPi * c / classes;
    d.x.data[2 * i] = 2.0 * std::cos(angle) + noise * rng.normal();
    d.x.data[2 * i + 1] = 2.0 * std::sin(angle) + noise * rng.normal();
    d.y.data[i] = c;
  }
  return d;
}

Dataset make_circles(int n, double noise, uint64_t seed) {
  Rng rng(seed);
  Dataset d = empty_dataset(n, 2);
  for (int i = 0; i < n; ++i) {
    const int c = i % 2;
    const double r = c == 0 ? 1.0 : 0.5;
    const double angle = 2.0 * kPi * rng.uniform();
    d.x.data[2 * i] = r * std::cos(angle) + noise * rng.normal();
    d.x.data[2 * i + 1] = r * std::sin(angle) + noise * rng.normal();
    d.y.data[i] = c;
  }
  return d;
}

Dataset make_xor(int n, double noise, uint64_t seed) {
  Rng rng(seed);
  Dataset d = empty_dataset(n, 2);
  for (int i = 0; i < n; ++i) {
    const double a = rng.uniform(-1.0, 1.0), b = rng.uniform(-1.0, 1.0);
    d.y.data[i] = a * b > 0.0 ? 1 : 0;
    d.x.data[2 * i] = a + noise * rng.normal();
    d.x.data[2 * i + 1] = b + noise * rng.normal();
  }
  return d;
}

Dataset make_spiral(int n, double noise, int classes, uint64_t seed) {
  Rng rng(seed);
  Dataset d = empty_dataset(n, classes);
  const int per = (n + classes - 1) / classes;
  for (int i = 0; i < n; ++i) {
    const int c = i % classes;
    const int k = i / classes;  // position along the arm
    const double r = per > 1 ? static_cast<double>(k) / (per - 1) : 0.0;
    const double t = 4.0 * r + 2.0 * kPi * c / classes + noise * rng.normal();
    d.x.data[2 * i] = r * std::sin(t);
    d.x.data[2 * i + 1] = r * std::cos(t);
    d.y.data[i] = c;
  }
  return d;
}

Dataset make_toy(const std::string& name, int n, double noise, int classes, uint64_t seed,
                 const char* fn) {
  const std::string f(fn);
  if (n <= 0) throw RangeError(f + ": n must be a positive integer; got " + std::to_string(n));
  if (!(noise >= 0.0) || !std::isfinite(noise))
    throw RangeError(f + ": noise must be a finite number >= 0");
  const bool multi = name == "blobs" || name == "spiral";
  if (multi && classes < 2)
    throw RangeError(f + ": classes must be an integer >= 2 for '" + name + "'; got " +
                     std::to_string(classes));
  if (name == "blobs") return make_blobs(n, noise, classes, seed);
  if (name == "spiral") return make_spiral(n, noise, classes, seed);
  if (name == "circles") return make_circles(n, noise, seed);
  if (name == "xor") return make_xor(n, noise, seed);
  throw RangeError(f + ": unknown dataset '" + name +
                   "'; expected 'blobs', 'circles', 'xor' or 'spiral'");
}

}  // namespace ll
