// A multi-layer perceptron (Linear + relu/sigmoid/tanh) trained exactly like a PyTorch 1.13 loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "aligned.hpp"
#include "explain.hpp"
#include "losses.hpp"
#include "optim.hpp"
#include "tensor.hpp"

namespace ll {

enum class Activation { Relu, Sigmoid, Tanh };
enum class OutputHead { Logits, Sigmoid };  // Sigmoid appends nn.Sigmoid() after the last Linear
enum class LossKind { CrossEntropy, BCE, BCEWithLogits, MSE };

// Parse the JS option strings; unknown values throw RangeError naming `fn` and the option.
Activation parse_activation(const std::string& s, const char* fn);
OutputHead parse_output_head(const std::string& s, const char* fn);
LossKind parse_loss_kind(const std::string& s, const char* fn);
OptimType parse_optim_type(const std::string& s, const char* fn);
const char* activation_name(Activation a);
const char* loss_kind_name(LossKind k);

// A named view into the flat parameter buffer, e.g. {"linear1.weight", {5, 784}, offset, size}.
struct ParamView {
  std::string name;
  Shape shape;
  size_t offset;
  size_t size;
};

// Targets of one batch: class indices (N) for cross_entropy, or values (the output's shape, or (N)
// for one output; class probabilities (N, C) for cross_entropy).
template <class T>
struct Target {
  const int32_t* index = nullptr;
  const T* value = nullptr;
  size_t size = 0;
};

template <class T>
class Mlp {
 public:
  // sizes = {in, hidden..., out}, at least two entries, all positive.
  Mlp(std::vector<int> sizes, Activation act, OutputHead head, uint64_t seed);

  const std::vector<int>& sizes() const { return sizes_; }
  int num_layers() const { return static_cast<int>(sizes_.size()) - 1; }
  int in_features() const { return sizes_.front(); }
  int out_features() const { return sizes_.back(); }
  Activation activation() const { return act_; }
  OutputHead output_head() const { return head_; }
  LossKind loss_kind() const { return loss_; }
  const LossOptions<T>& loss_options() const { return loss_opt_; }
  const OptimConfig& optimizer() const { return optim_; }
  int64_t steps_done() const { return steps_done_; }

  // Parameters, gradients and optimizer state share one layout (see views()). A plain-SGD step
  // writes the new weights into a second buffer and swaps it in, so params().data() alternates
  // between two fixed buffers (other optimizers update in place).
  const std::vector<ParamView>& views() const { return views_; }
  AlignedVector<T>& params() { return params_; }
  const AlignedVector<T>& params() const { return params_; }
  const AlignedVector<T>& grads() const { return grads_; }
  const OptimState<T>& optim_state() const { return state_; }
  // nn.Linear's default init: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) from Rng(seed).
  void reset_parameters(uint64_t seed);

  // reduction must be mean or sum; weight / pos_weight sizes are checked against the outputs.
  void set_loss(LossKind kind, LossOptions<T> opt, const char* fn = "setLoss");
  // Validates, replaces the optimizer and resets its state (like building a new torch optimizer).
  void set_optimizer(const OptimConfig& c, const char* fn = "setOptimizer");

  // Validates x (n, in) and the targets as train_step would, naming `fn` in errors.
  void check_batch(const T* x, int n, const Target<T>& y, const char* fn) const;
  // x: (n, in) row-major. Returns the (n, out) outputs, valid until the next call on this net.
  const T* forward(const T* x, int n);
  // zero_grad, forward, loss, backward, optimizer step. Throws ll::Error (and keeps the previous
  // weights and optimizer state) when the loss, a gradient or an updated weight is not finite.
  // x may be input_buffer(n) itself: then the rows are used in place, without a copy.
  T train_step(const T* x, int n, const Target<T>& y);
  // Correct predictions in the forward pass of the last train_step (rows with ignore_index skipped)
  // and the number of rows counted.
  int last_correct() const { return last_correct_; }
  int last_counted() const { return last_counted_; }
  // Argmax over outputs; for one output: 1 where the sigmoid output > 0.5 (logit > 0).
  void predict(int32_t* out, const T* x, int n);
  // The steps of one training step (forward, loss, backward, the update the optimizer would make)
  // computed by the training code, leaving weights, gradients and optimizer state unchanged.
  Explain explain(const T* x, int n, const Target<T>& y);

  // Room for n input rows (n, in) inside the net's activation buffer, valid until a later call
  // with more rows than any before; fill it and pass it as x to skip the copy of the input.
  T* input_buffer(int n, const char* fn) {
    ensure_batch(n, fn);
    return a_ptr(0);
  }

  // Capacity checks for tests: data pointers of the scratch buffers stay put after the first step.
  const T* activation_buffer() const { return acts_.data(); }

 private:
  void ensure_batch(int n, const char* fn);
  const T* run_forward(const T* x, int n, const char* fn);
  void check_input(const T* x, int n, const char* fn) const;
  void check_target(const Target<T>& y, int n, const char* fn) const;
  T loss_forward(const Target<T>& y, int n);      // fills loss scratch (log-probs) for backward
  void loss_backward(const Target<T>& y, int n);  // += dLoss/dOutput into dacts_
  void backward(int n);
  bool plain_sgd() const {
    return optim_.type == OptimType::SGD && optim_.momentum == 0.0 && optim_.weight_decay == 0.0;
  }
  // True when the optimizer is plain SGD (no momentum or weight decay) and staged_ is allocated
  // (done here on first use).
  bool stage_ready();
  void zero_act_grads(int n);
  // Class-index cross-entropy without weight or label smoothing: the fused (p - onehot) backward.
  bool fused_ce(const Target<T>& y) const {
    return y.index && loss_opt_.weight.size() == 0 && loss_opt_.label_smoothing == 0.0;
  }
  int count_correct(const Target<T>& y, int n) const;
  // Offsets into acts_: layer l's input a[l] (n, sizes[l]) and linear output z[l] (n, sizes[l+1]).
  T* a_ptr(int l) { return acts_.data() + a_off_[l] * static_cast<size_t>(batch_); }
  T* z_ptr(int l) { return acts_.data() + z_off_[l] * static_cast<size_t>(batch_); }
  T* da_ptr(int l) { return dacts_.data() + a_off_[l] * static_cast<size_t>(batch_); }
  T* dz_ptr(int l) { return dacts_.data() + z_off_[l] * static_cast<size_t>(batch_); }
  // The net's output: z of the last layer (logits head) or its sigmoid a[L].
  T* out_ptr() {
    return head_ == OutputHead::Logits ? z_ptr(num_layers() - 1) : a_ptr(num_layers());
  }
  T* dout_ptr() {
    return head_ == OutputHead::Logits ? dz_ptr(num_layers() - 1) : da_ptr(num_layers());
  }

  std::vector<int> sizes_;
  Activation act_;
  OutputHead head_;
  LossKind loss_ = LossKind::CrossEntropy;
  LossOptions<T> loss_opt_;
  OptimConfig optim_;
  OptimState<T> state_;
  int64_t steps_done_ = 0;

  std::vector<ParamView> views_;
  AlignedVector<T> params_, grads_;
  AlignedVector<T> staged_;  // plain SGD: the next weights, swapped with params_ after a good step
  // Activations for n rows: per layer the input a[l] and z[l], then the net output a[L].
  // acts_ layout (per row): a0 | z0 | a1 | z1 | ... | a[L]; dacts_ mirrors it.
  std::vector<size_t> a_off_, z_off_;  // per-row offsets
  size_t row_width_ = 0;
  int batch_ = 0;     // rows the buffers currently hold
  int capacity_ = 0;  // rows allocated
  AlignedVector<T> acts_, dacts_, loss_scratch_;
  int last_correct_ = 0, last_counted_ = 0;
};

}  // namespace ll
