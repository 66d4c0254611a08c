// The cross-entropy family of losses with PyTorch 1.13's semantics: forward, backward, explain.
#pragma once

#include <cstdint>
#include <string>

#include "explain.hpp"
#include "tensor.hpp"

namespace ll {

enum class Reduction { None, Mean, Sum };
// "none" | "mean" | "sum"; anything else throws RangeError naming `fn`.
Reduction parse_reduction(const std::string& s, const char* fn);

// Options shared by the losses; each loss reads the fields PyTorch gives it.
// An empty tensor (size 0) means "not given".
template <class T> struct LossOptions {
  Tensor<T> weight = Tensor<T>(Shape{0});      // CE/NLL: (C); BCE/BCEWithLogits: broadcast to input
  Tensor<T> pos_weight = Tensor<T>(Shape{0});  // BCEWithLogits: broadcast to input (usually (C))
  int ignore_index = -100;                      // CE/NLL with class-index targets
  Reduction reduction = Reduction::Mean;
  double label_smoothing = 0.0;                 // CE, in [0, 1]
};

// Forward functions return the loss: a 0-d tensor for mean/sum, the per-element losses for none.
// Backward functions return dLoss/dInput for grad_output = 1 (for 'none': d(sum of losses)/dInput).
// Every function validates its arguments and throws TypeError / RangeError / Error whose message
// names the public JS function (`fn`), the argument and what was expected.

// The notebook's manual formula -sum(y * log(p)) over all elements (numpy semantics).
template <class T> T cross_entropy_manual(const Tensor<T>& y_true, const Tensor<T>& y_pred,
                                          Explain* ex = nullptr);
template <class T> Tensor<T> cross_entropy_manual_backward(const Tensor<T>& y_true,
                                                           const Tensor<T>& y_pred);

// nn.CrossEntropyLoss. input: logits (C) or (N, C). Class-index target: (), resp. (N).
// Probability target: the input's shape.
template <class T> Tensor<T> cross_entropy_loss(const Tensor<T>& input,
                                                const Tensor<int32_t>& target,
                                                const LossOptions<T>& opt, Explain* ex = nullptr);
template <class T> Tensor<T> cross_entropy_loss(const Tensor<T>& input, const Tensor<T>& target,
                                                const LossOptions<T>& opt, Explain* ex = nullptr);
template <class T> Tensor<T> cross_entropy_loss_backward(const Tensor<T>& input,
                                                         const Tensor<int32_t>& target,
                                                         const LossOptions<T>& opt);
template <class T> Tensor<T> cross_entropy_loss_backward(const Tensor<T>& input,
                                                         const Tensor<T>& target,
                                                         const LossOptions<T>& opt);

// Raw-pointer forms of the class-index CrossEntropyLoss, used by the bindings' one-copy path:
// `input` is row-major of `input_shape` ((C) or (N, C)) and is not copied; backward writes
// dLoss/dInput to `grad` (input_shape's size, need not be zeroed). Same checks, errors, results
// and explain steps as the Tensor forms (which call these). The forward is fused: per row the max
// and sum of exp(z - max) (float: fastmath f32x4 kernels), loss log(s) - (z_t - max); no
// log-probability tensor is built.
template <class T> Tensor<T> cross_entropy_loss(const T* input, const Shape& input_shape,
                                                const Tensor<int32_t>& target,
                                                const LossOptions<T>& opt, Explain* ex = nullptr);
template <class T> void cross_entropy_loss_backward(T* grad, const T* input,
                                                    const Shape& input_shape,
                                                    const Tensor<int32_t>& target,
                                                    const LossOptions<T>& opt);

// The 'mean' or 'sum' of the row losses a class-index CrossEntropyLoss or NLLLoss without label
// smoothing returns for reduction 'none', reduced in torch 1.13's cascade order: bit for bit the
// reduced call's result, so a large batch can be computed in chunks of rows. target: (rows);
// weight: (classes) or nullptr; rows whose target is ignore_index are skipped. Writes the sums to
// *numerator and *denominator when given. Throws RangeError naming `fn` for a target outside
// [0, classes).
template <class T> T nll_reduce_rows(const T* row_loss, const int32_t* target, size_t rows,
                                     const T* weight, int classes, int ignore_index,
                                     Reduction reduction, const char* fn, T* numerator = nullptr,
                                     T* denominator = nullptr);

// nn.NLLLoss. input: log-probabilities (C) or (N, C); target: class indices (), resp. (N).
template <class T> Tensor<T> nll_loss(const Tensor<T>& input, const Tensor<int32_t>& target,
                                      const LossOptions<T>& opt, Explain* ex = nullptr);
template <class T> Tensor<T> nll_loss_backward(const Tensor<T>& input,
                                               const Tensor<int32_t>& target,
                                               const LossOptions<T>& opt);

// nn.BCELoss. input: probabilities in [0, 1], any shape; target: same shape. Logs clamped at -100.
template <class T> Tensor<T> bce_loss(const Tensor<T>& input, const Tensor<T>& target,
                                      const LossOptions<T>& opt, Explain* ex = nullptr);
template <class T> Tensor<T> bce_loss_backward(const Tensor<T>& input, const Tensor<T>& target,
                                               const LossOptions<T>& opt);

// nn.BCEWithLogitsLoss, in the stable log-sum-exp form, with weight and pos_weight.
template <class T> Tensor<T> bce_with_logits_loss(const Tensor<T>& input, const Tensor<T>& target,
                                                  const LossOptions<T>& opt,
                                                  Explain* ex = nullptr);
template <class T> Tensor<T> bce_with_logits_loss_backward(const Tensor<T>& input,
                                                           const Tensor<T>& target,
                                                           const LossOptions<T>& opt);

// nn.MSELoss.
template <class T> Tensor<T> mse_loss(const Tensor<T>& input, const Tensor<T>& target,
                                      const LossOptions<T>& opt, Explain* ex = nullptr);
template <class T> Tensor<T> mse_loss_backward(const Tensor<T>& input, const Tensor<T>& target,
                                               const LossOptions<T>& opt);

}  // namespace ll
