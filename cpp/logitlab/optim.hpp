// SGD, Adam and AdamW as flat loops over a parameter buffer, mirroring torch 1.13's single-tensor
// code.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tensor.hpp"

namespace ll {

enum class OptimType { SGD, Adam, AdamW };

// Hyper-parameters with torch.optim's defaults (lr has no default in torch.optim.SGD; ours is
// 0.01).
struct OptimConfig {
  OptimType type = OptimType::SGD;
  double lr = 0.01;
  double momentum = 0.0;      // SGD
  double dampening = 0.0;     // SGD
  bool nesterov = false;      // SGD
  double beta1 = 0.9;         // Adam/AdamW
  double beta2 = 0.999;       // Adam/AdamW
  double eps = 1e-8;          // Adam/AdamW
  double weight_decay = 0.0;  // SGD/Adam: added to the gradient; AdamW: decoupled

  // Checks the values the way torch.optim's constructors do; `fn` names the JS caller.
  void validate(const char* fn) const {
    auto bad = [&](const std::string& what) { throw RangeError(std::string(fn) + ": " + what); };
    if (!(lr >= 0.0) || !std::isfinite(lr)) bad("optimizer.lr must be a finite number >= 0");
    if (!(weight_decay >= 0.0)) bad("optimizer.weightDecay must be >= 0");
    if (type == OptimType::SGD) {
      if (!(momentum >= 0.0)) bad("optimizer.momentum must be >= 0");
      if (nesterov && (momentum <= 0.0 || dampening != 0.0))
        bad("optimizer.nesterov requires momentum > 0 and dampening = 0");
    } else {
      if (!(eps >= 0.0)) bad("optimizer.eps must be >= 0");
      if (!(beta1 >= 0.0 && beta1 < 1.0)) bad("optimizer.betas[0] must be in [0, 1)");
      if (!(beta2 >= 0.0 && beta2 < 1.0)) bad("optimizer.betas[1] must be in [0, 1)");
    }
  }
};

// Optimizer state mirroring the parameter buffer: SGD's momentum buffer in m, Adam's moments in m,
// v.
template <class T>
struct OptimState {
  std::vector<T> m, v;
  int64_t step = 0;  // completed steps (torch's state['step']; for SGD: whether buf exists)

  void resize(size_t n) {
    m.assign(n, T(0));
    v.assign(n, T(0));
    step = 0;
  }
};

// One torch.optim.SGD step over n parameters. Python-float hyper-parameters are cast to T exactly
// as torch does for a float tensor; `first` = no momentum buffer yet (buf = clone(d_p)).
template <class T>
void sgd_step(T* param, T* buf, const T* grad, size_t n, const OptimConfig& c, bool first) {
  const T wd = static_cast<T>(c.weight_decay);
  const T mom = static_cast<T>(c.momentum);
  const T one_minus_damp = static_cast<T>(1.0 - c.dampening);
  const T neg_lr = static_cast<T>(-c.lr);
  for (size_t i = 0; i < n; ++i) {
    T d_p = grad[i];
    if (c.weight_decay != 0.0) d_p = d_p + wd * param[i];
    if (c.momentum != 0.0) {
      buf[i] = first ? d_p : buf[i] * mom + one_minus_damp * d_p;
      d_p = c.nesterov ? d_p + mom * buf[i] : buf[i];
    }
    param[i] = param[i] + neg_lr * d_p;
  }
}

// One torch.optim.Adam (decoupled = false) or AdamW (decoupled = true) step; `step` is the new
// step count (1 on the first step). Order of operations as in torch 1.13 _single_tensor_adam(w).
template <class T>
void adam_step(T* param, T* exp_avg, T* exp_avg_sq, const T* grad, size_t n, const OptimConfig& c,
               int64_t step, bool decoupled) {
  const T b1 = static_cast<T>(c.beta1), b2 = static_cast<T>(c.beta2);
  const T one_minus_b1 = static_cast<T>(1.0 - c.beta1),
          one_minus_b2 = static_cast<T>(1.0 - c.beta2);
  const double bias_correction1 = 1.0 - std::pow(c.beta1, static_cast<double>(step));
  const double bias_correction2 = 1.0 - std::pow(c.beta2, static_cast<double>(step));
  const double step_size = c.lr / bias_correction1;
  const T bc2_sqrt = static_cast<T>(std::sqrt(bias_correction2));
  const T eps = static_cast<T>(c.eps);
  const T neg_step_size = static_cast<T>(-step_size);
  const T wd = static_cast<T>(c.weight_decay);
  const T decay = static_cast<T>(1.0 - c.lr * c.weight_decay);
  for (size_t i = 0; i < n; ++i) {
    T g = grad[i];
    if (decoupled) {
      param[i] = param[i] * decay;  // param.mul_(1 - lr * weight_decay)
    } else if (c.weight_decay != 0.0) {
      g = g + wd * param[i];  // grad.add(param, alpha=weight_decay)
    }
    exp_avg[i] = exp_avg[i] * b1 + one_minus_b1 * g;
    exp_avg_sq[i] = exp_avg_sq[i] * b2 + one_minus_b2 * g * g;
    const T denom = std::sqrt(exp_avg_sq[i]) / bc2_sqrt + eps;
    param[i] = param[i] + neg_step_size * exp_avg[i] / denom;  // addcdiv_(value=-step_size)
  }
}

// Applies one step of the configured optimizer to the whole flat buffer and advances the state.
template <class T>
void optimizer_step(T* param, const T* grad, size_t n, const OptimConfig& c, OptimState<T>& s) {
  if (c.type == OptimType::SGD) {
    sgd_step(param, s.m.data(), grad, n, c, s.step == 0);
  } else {
    adam_step(param, s.m.data(), s.v.data(), grad, n, c, s.step + 1, c.type == OptimType::AdamW);
  }
  s.step += 1;
}

}  // namespace ll
