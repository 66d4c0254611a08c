// Step-by-step records that an op or loss fills in while it computes, for the page and ll.explain.*.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tensor.hpp"

namespace ll {

// One step of a computation: its values are the very numbers the plain call computed
// (stored as double, which holds every float exactly), with the shape they have.
struct Step {
  std::string id;       // stable machine name, e.g. "max", "shift", "exp", "sum", "divide"
  std::string title;    // short human title, e.g. "Subtract the row maximum"
  std::string formula;  // LaTeX, e.g. "z_i - \\max_j z_j"
  Shape shape;          // empty shape = a scalar
  std::vector<double> values;
};

// Passed as a nullable pointer to forward functions: nullptr (the plain call) records nothing,
// so explanations and plain calls share one code path.
struct Explain {
  std::vector<Step> steps;

  template <class T>
  void add(std::string id, std::string title, std::string formula, const Tensor<T>& t) {
    steps.push_back(Step{std::move(id), std::move(title), std::move(formula), t.shape,
                         std::vector<double>(t.data.begin(), t.data.end())});
  }
  template <class T>
  void add(std::string id, std::string title, std::string formula, Shape shape,
           const std::vector<T>& values) {
    steps.push_back(Step{std::move(id), std::move(title), std::move(formula), std::move(shape),
                         std::vector<double>(values.begin(), values.end())});
  }
  void add_scalar(std::string id, std::string title, std::string formula, double v) {
    steps.push_back(Step{std::move(id), std::move(title), std::move(formula), {}, {v}});
  }
};

}  // namespace ll
