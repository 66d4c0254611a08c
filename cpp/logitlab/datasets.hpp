// Toy 2-D classification datasets (blobs, circles, xor, spiral) generated from a seed.
#pragma once

#include <cstdint>
#include <string>

#include "tensor.hpp"

namespace ll {

// x: (n, 2) float64 points, y: (n) int32 labels in [0, classes).
struct Dataset {
  Tensor<double> x;
  Tensor<int32_t> y;
  int classes = 0;
};

// blobs: `classes` Gaussian clusters (std = noise) around centres evenly spaced on a circle of
// radius 2; point i belongs to class i % classes.
Dataset make_blobs(int n, double noise, int classes, uint64_t seed);
// circles: two concentric rings of radius 1 (label 0) and 0.5 (label 1), Gaussian noise of std
// noise.
Dataset make_circles(int n, double noise, uint64_t seed);
// xor: points uniform in [-1, 1]^2, label 1 where x0 * x1 > 0 (before the Gaussian jitter `noise`).
Dataset make_xor(int n, double noise, uint64_t seed);
// spiral: `classes` interleaved arms (cs231n style), radius in [0, 1], angle jittered by noise.
Dataset make_spiral(int n, double noise, int classes, uint64_t seed);
// By name: "blobs" | "circles" | "xor" | "spiral"; `fn` names the JS caller in error messages.
// classes only applies to blobs and spiral (circles and xor have 2).
Dataset make_toy(const std::string& name, int n, double noise, int classes, uint64_t seed,
                 const char* fn);

}  // namespace ll
