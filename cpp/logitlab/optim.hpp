// SGD, Adam and AdamW as flat loops over a parameter buffer, mirroring torch 1.13's single-tensor
// code.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "aligned.hpp"
#include "gemm.hpp"
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
  AlignedVector<T> m, v;
  int64_t step = 0;  // completed steps (torch's state['step']; for SGD: whether buf exists)

  void resize(size_t n) {
    m.assign(n, T(0));
    v.assign(n, T(0));
    step = 0;
  }
};

// How an update pass treats the new values: Commit stores parameters and state; Check stores
// nothing and reports whether every new parameter is finite, so a step that would produce a
// non-finite weight can be refused without a backup copy. Both modes run the same arithmetic.
enum class StepMode { Commit, Check };

// One torch.optim.SGD pass over n parameters. Python-float hyper-parameters are cast to T exactly
// as torch does for a float tensor; `first` = no momentum buffer yet (buf = clone(d_p)).
// Returns true when every new parameter is finite (always true in Commit mode).
template <StepMode M, class T>
bool sgd_pass(T* param, T* buf, const T* grad, size_t n, const OptimConfig& c, bool first) {
  const T wd = static_cast<T>(c.weight_decay);
  const T mom = static_cast<T>(c.momentum);
  const T one_minus_damp = static_cast<T>(1.0 - c.dampening);
  const T neg_lr = static_cast<T>(-c.lr);
  if (c.weight_decay == 0.0 && c.momentum == 0.0) {  // plain SGD: the hot loop, kept branch-free
    if constexpr (std::is_same_v<T, float>)
      return sgd_plain_f32(param, grad, n, neg_lr, M == StepMode::Commit);
    unsigned bad = 0;
    for (size_t i = 0; i < n; ++i) {
      const T p = param[i] + neg_lr * grad[i];
      if (M == StepMode::Commit)
        param[i] = p;
      else
        bad |= !(p - p == T(0));  // x - x is 0 for finite x, NaN otherwise
    }
    return bad == 0;
  }
  unsigned bad = 0;
  for (size_t i = 0; i < n; ++i) {
    T d_p = grad[i];
    if (c.weight_decay != 0.0) d_p = d_p + wd * param[i];
    if (c.momentum != 0.0) {
      const T b = first ? d_p : buf[i] * mom + one_minus_damp * d_p;
      if (M == StepMode::Commit) buf[i] = b;
      d_p = c.nesterov ? d_p + mom * b : b;
    }
    const T p = param[i] + neg_lr * d_p;
    if (M == StepMode::Commit)
      param[i] = p;
    else
      bad |= !(p - p == T(0));
  }
  return bad == 0;
}

// One torch.optim.Adam (decoupled = false) or AdamW (decoupled = true) pass; `step` is the new
// step count (1 on the first step). Order of operations as in torch 1.13 _single_tensor_adam(w).
template <StepMode M, class T>
bool adam_pass(T* param, T* exp_avg, T* exp_avg_sq, const T* grad, size_t n, const OptimConfig& c,
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
  unsigned bad = 0;
  for (size_t i = 0; i < n; ++i) {
    T g = grad[i];
    T p = param[i];
    if (decoupled) {
      p = p * decay;  // param.mul_(1 - lr * weight_decay)
    } else if (c.weight_decay != 0.0) {
      g = g + wd * p;  // grad.add(param, alpha=weight_decay)
    }
    const T m = exp_avg[i] * b1 + one_minus_b1 * g;
    const T v = exp_avg_sq[i] * b2 + one_minus_b2 * g * g;
    const T denom = std::sqrt(v) / bc2_sqrt + eps;
    p = p + neg_step_size * m / denom;  // addcdiv_(value=-step_size)
    if (M == StepMode::Commit) {
      exp_avg[i] = m;
      exp_avg_sq[i] = v;
      param[i] = p;
    } else {
      bad |= !(p - p == T(0));
    }
  }
  return bad == 0;
}

// Commit-mode shorthands: one torch.optim.SGD / Adam(W) step over n parameters.
template <class T>
void sgd_step(T* param, T* buf, const T* grad, size_t n, const OptimConfig& c, bool first) {
  sgd_pass<StepMode::Commit>(param, buf, grad, n, c, first);
}
template <class T>
void adam_step(T* param, T* exp_avg, T* exp_avg_sq, const T* grad, size_t n, const OptimConfig& c,
               int64_t step, bool decoupled) {
  adam_pass<StepMode::Commit>(param, exp_avg, exp_avg_sq, grad, n, c, step, decoupled);
}

// One step of the configured optimizer over the whole flat buffer. Commit applies it and advances
// the state; Check changes nothing and returns whether every updated parameter would be finite.
template <StepMode M, class T>
bool optimizer_pass(T* param, const T* grad, size_t n, const OptimConfig& c, OptimState<T>& s) {
  bool ok;
  if (c.type == OptimType::SGD)
    ok = sgd_pass<M>(param, s.m.data(), grad, n, c, s.step == 0);
  else
    ok = adam_pass<M>(param, s.m.data(), s.v.data(), grad, n, c, s.step + 1,
                      c.type == OptimType::AdamW);
  if (M == StepMode::Commit) s.step += 1;
  return ok;
}

// Applies one step of the configured optimizer to the whole flat buffer and advances the state.
template <class T>
void optimizer_step(T* param, const T* grad, size_t n, const OptimConfig& c, OptimState<T>& s) {
  optimizer_pass<StepMode::Commit>(param, grad, n, c, s);
}

// True when optimizer_step would leave every parameter finite; changes nothing.
template <class T>
bool optimizer_step_is_finite(const T* param, const T* grad, size_t n, const OptimConfig& c,
                              const OptimState<T>& s) {
  // Check mode only reads: the casts let both modes share one function.
  return optimizer_pass<StepMode::Check>(const_cast<T*>(param), grad, n, c,
                                         const_cast<OptimState<T>&>(s));
}

}  // namespace ll
