// Catch2 tests of the MLP core: whole-net gradient checks, optimizer rules, PRNG, non-finite,
// memory.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "logitlab/datasets.hpp"
#include "logitlab/losses.hpp"
#include "logitlab/mlp.hpp"
#include "logitlab/optim.hpp"
#include "logitlab/rng.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using namespace ll;

namespace {

// Deterministic inputs in [-1, 1) from the project's PRNG.
std::vector<double> random_vec(size_t n, uint64_t seed, double lo = -1.0, double hi = 1.0) {
  Rng rng(seed);
  std::vector<double> v(n);
  for (auto& e : v) e = rng.uniform(lo, hi);
  return v;
}

// The loss of `net` on (x, y) without changing it: one SGD step with lr 0 (grads land in grads()).
double loss_at(Mlp<double>& net, const std::vector<double>& x, int n, const Target<double>& y) {
  return net.train_step(x.data(), n, y);
}

}  // namespace

TEST_CASE("the PRNG reproduces splitmix64 -> xoshiro256** for seed 0", "[mlp][rng]") {
  // Reference values: an independent Python implementation of splitmix64 seeding and
  // xoshiro256** (Blackman & Vigna's reference algorithm), seed 0.
  Rng rng(0);
  CHECK(rng.next_u64() == 0x99ec5f36cb75f2b4ull);
  CHECK(rng.next_u64() == 0xbf6e1f784956452aull);
  CHECK(rng.next_u64() == 0x1a5f849d4933e6e0ull);
  Rng a(42), b(42), c(43);
  const uint64_t va = a.next_u64();
  CHECK(va == b.next_u64());
  CHECK(va != c.next_u64());
  Rng p(7);
  std::vector<int32_t> perm = permutation(10, p);
  std::vector<int32_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 10; ++i) CHECK(sorted[i] == i);
}

TEST_CASE("seed 0 gives the same initial weights on every platform", "[mlp][rng]") {
  // Reference: the same Python implementation, -b + 2b * u with b = 1/sqrt(3) (nn.Linear's bound
  // for fan_in 3), linear1.weight of a 3 -> 2 net, row-major, then linear1.bias.
  const double expected[8] = {0.11692843994575253,  0.2861048780607284,  -0.4583930319713526,
                              -0.09631463673681806, 0.26904150621773804, 0.5770597883733423,
                              -0.0898223953186097,  0.04117069327476208};
  Mlp<double> net({3, 2}, Activation::Relu, OutputHead::Logits, 0);
  REQUIRE(net.params().size() == 8);
  for (int i = 0; i < 8; ++i) CHECK(net.params()[i] == expected[i]);
  Mlp<float> netf({3, 2}, Activation::Relu, OutputHead::Logits, 0);
  for (int i = 0; i < 8; ++i) CHECK(netf.params()[i] == static_cast<float>(expected[i]));
  REQUIRE(net.views()[0].name == "linear1.weight");
  CHECK(net.views()[0].shape == Shape{2, 3});
  CHECK(net.views()[1].name == "linear1.bias");
  CHECK(net.views()[1].offset == 6);
}

TEST_CASE("the whole net's gradient matches central differences", "[mlp][grad]") {
  struct Case {
    Activation act;
    OutputHead head;
    LossKind loss;
    bool smoothing;
  };
  std::vector<Case> cases;
  for (Activation a : {Activation::Relu, Activation::Sigmoid, Activation::Tanh}) {
    cases.push_back({a, OutputHead::Logits, LossKind::CrossEntropy, false});
    cases.push_back({a, OutputHead::Logits, LossKind::CrossEntropy, true});
    cases.push_back({a, OutputHead::Sigmoid, LossKind::CrossEntropy, false});
    cases.push_back({a, OutputHead::Sigmoid, LossKind::BCE, false});
    cases.push_back({a, OutputHead::Logits, LossKind::BCEWithLogits, false});
    cases.push_back({a, OutputHead::Logits, LossKind::MSE, false});
    cases.push_back({a, OutputHead::Sigmoid, LossKind::MSE, false});
  }
  const int N = 5, D = 3, C = 3;
  const std::vector<double> x = random_vec(N * D, 11);
  const std::vector<int32_t> yi = {0, 2, 1, 2, -100};  // last row ignored (ignore_index)
  const std::vector<double> yv = random_vec(N * C, 12, 0.0, 1.0);
  for (const Case& k : cases) {
    DYNAMIC_SECTION(activation_name(k.act) << " " << loss_kind_name(k.loss) << " head "
                                           << (k.head == OutputHead::Sigmoid ? "sigmoid" : "logits")
                                           << (k.smoothing ? " smoothing+weight" : "")) {
      Mlp<double> net({D, 4, 4, C}, k.act, k.head, 5);
      LossOptions<double> opt;
      if (k.smoothing) {
        opt.label_smoothing = 0.2;
        opt.weight = Tensor<double>(Shape{C}, {0.5, 2.0, 1.0});
      }
      if (k.loss == LossKind::BCEWithLogits)
        opt.pos_weight = Tensor<double>(Shape{C}, {1.0, 3.0, 0.5});
      net.set_loss(k.loss, opt);
      OptimConfig sgd0;
      sgd0.lr = 0.0;
      net.set_optimizer(sgd0);
      Target<double> y;
      if (k.loss == LossKind::CrossEntropy) {
        y.index = yi.data();
        y.size = N;
      } else {
        y.value = yv.data();
        y.size = yv.size();
      }
      loss_at(net, x, N, y);
      const std::vector<double> analytic(net.grads().begin(), net.grads().end());
      const double h = 1e-6;
      for (size_t i = 0; i < analytic.size(); ++i) {
        const double p0 = net.params()[i];
        net.params()[i] = p0 + h;
        const double lp = loss_at(net, x, N, y);
        net.params()[i] = p0 - h;
        const double lm = loss_at(net, x, N, y);
        net.params()[i] = p0;
        const double numeric = (lp - lm) / (2 * h);
        INFO("param " << i);
        CHECK_THAT(analytic[i], WithinAbs(numeric, 1e-7 + 1e-6 * std::abs(numeric)));
      }
    }
  }
}

TEST_CASE("the net's losses equal the foundation's losses", "[mlp][loss]") {
  // The net computes its losses in place; ll::cross_entropy_loss etc. are the reference semantics.
  const int N = 4, D = 3, C = 3;
  const std::vector<double> x = random_vec(N * D, 21);
  const std::vector<int32_t> yi = {2, 0, 1, 1};
  const std::vector<double> yv = random_vec(N * C, 22, 0.0, 1.0);
  Mlp<double> net({D, C}, Activation::Tanh, OutputHead::Logits, 3);
  OptimConfig sgd0;
  sgd0.lr = 0.0;
  net.set_optimizer(sgd0);
  const double* out = net.forward(x.data(), N);
  Tensor<double> logits(Shape{N, C}, std::vector<double>(out, out + N * C));
  Tensor<double> target_v(Shape{N, C}, yv);
  Tensor<int32_t> target_i(Shape{N}, yi);

  SECTION("cross_entropy with weight, label smoothing and ignore_index") {
    LossOptions<double> opt;
    opt.weight = Tensor<double>(Shape{C}, {0.3, 1.0, 2.5});
    opt.label_smoothing = 0.1;
    opt.ignore_index = 1;
    net.set_loss(LossKind::CrossEntropy, opt);
    Target<double> y{yi.data(), nullptr, static_cast<size_t>(N)};
    const double l = net.train_step(x.data(), N, y);
    CHECK_THAT(l, WithinRel(cross_entropy_loss(logits, target_i, opt).item(), 1e-12));
  }
  SECTION("cross_entropy with probability targets, sum") {
    LossOptions<double> opt;
    opt.reduction = Reduction::Sum;
    opt.label_smoothing = 0.25;
    net.set_loss(LossKind::CrossEntropy, opt);
    Target<double> y{nullptr, yv.data(), yv.size()};
    CHECK_THAT(net.train_step(x.data(), N, y),
               WithinRel(cross_entropy_loss(logits, target_v, opt).item(), 1e-12));
  }
  SECTION("bce_with_logits with pos_weight and weight") {
    LossOptions<double> opt;
    opt.pos_weight = Tensor<double>(Shape{C}, {2.0, 0.5, 1.0});
    opt.weight = Tensor<double>(Shape{C}, {1.0, 0.2, 3.0});
    net.set_loss(LossKind::BCEWithLogits, opt);
    Target<double> y{nullptr, yv.data(), yv.size()};
    CHECK_THAT(net.train_step(x.data(), N, y),
               WithinRel(bce_with_logits_loss(logits, target_v, opt).item(), 1e-12));
  }
  SECTION("mse") {
    LossOptions<double> opt;
    net.set_loss(LossKind::MSE, opt);
    Target<double> y{nullptr, yv.data(), yv.size()};
    CHECK_THAT(net.train_step(x.data(), N, y),
               WithinRel(mse_loss(logits, target_v, opt).item(), 1e-12));
  }
}

TEST_CASE("SGD follows torch.optim.SGD's update rule", "[mlp][optim]") {
  // Hand-computed from torch 1.13 _single_tensor_sgd: d = g + wd p; buf = d (first step) then
  // buf = m buf + (1 - damp) d; d = d + m buf (nesterov) or buf; p -= lr d.
  OptimConfig c;
  c.lr = 0.1;
  c.momentum = 0.9;
  c.dampening = 0.5;
  c.weight_decay = 0.01;
  double p = 1.0, buf = 0.0;
  const double g1 = 0.5, g2 = -0.2;
  sgd_step(&p, &buf, &g1, 1, c, true);
  // d = 0.5 + 0.01 * 1 = 0.51; buf = 0.51; p = 1 - 0.1 * 0.51 = 0.949
  CHECK_THAT(buf, WithinRel(0.51, 1e-15));
  CHECK_THAT(p, WithinRel(0.949, 1e-15));
  sgd_step(&p, &buf, &g2, 1, c, false);
  // d = -0.2 + 0.00949 = -0.19051; buf = 0.9 * 0.51 + 0.5 * -0.19051 = 0.363745; p = 0.949 -
  // 0.0363745
  CHECK_THAT(buf, WithinRel(0.363745, 1e-14));
  CHECK_THAT(p, WithinRel(0.9126255, 1e-14));

  c.dampening = 0.0;
  c.nesterov = true;
  c.weight_decay = 0.0;
  p = 1.0;
  sgd_step(&p, &buf, &g1, 1, c, true);
  // buf = 0.5; d = 0.5 + 0.9 * 0.5 = 0.95; p = 1 - 0.095 = 0.905
  CHECK_THAT(p, WithinRel(0.905, 1e-15));
  sgd_step(&p, &buf, &g2, 1, c, false);
  // buf = 0.45 - 0.2 = 0.25; d = -0.2 + 0.225 = 0.025; p = 0.905 - 0.0025 = 0.9025
  CHECK_THAT(p, WithinRel(0.9025, 1e-14));
}

TEST_CASE("Adam and AdamW follow torch.optim's update rules", "[mlp][optim]") {
  OptimConfig c;
  c.type = OptimType::Adam;
  c.lr = 0.1;
  c.weight_decay = 0.5;
  double p = 1.0, m = 0.0, v = 0.0;
  const double g = 0.3;
  adam_step(&p, &m, &v, &g, 1, c, 1, false);
  // Hand-computed: g' = 0.3 + 0.5 * 1 = 0.8; m = 0.1 * 0.8 = 0.08; v = 0.001 * 0.64 = 0.00064;
  // step_size = 0.1 / 0.1 = 1; denom = sqrt(0.00064) / sqrt(0.001) + 1e-8 = 0.8 + 1e-8;
  // p = 1 - 0.08 / (0.8 + 1e-8) = 0.9000000012499999...
  CHECK_THAT(m, WithinRel(0.08, 1e-15));
  CHECK_THAT(v, WithinRel(0.00064, 1e-13));
  CHECK_THAT(p, WithinRel(1.0 - 0.08 / (0.8 + 1e-8), 1e-14));
  adam_step(&p, &m, &v, &g, 1, c, 2, false);
  {
    const double g2 = 0.3 + 0.5 * (1.0 - 0.08 / (0.8 + 1e-8));
    const double m2 = 0.9 * 0.08 + 0.1 * g2, v2 = 0.999 * 0.00064 + 0.001 * g2 * g2;
    const double p2 =
        (1.0 - 0.08 / (0.8 + 1e-8)) -
        (0.1 / (1 - 0.81)) * m2 / (std::sqrt(v2) / std::sqrt(1 - 0.999 * 0.999) + 1e-8);
    CHECK_THAT(p, WithinRel(p2, 1e-13));
  }
  c.type = OptimType::AdamW;
  p = 1.0, m = 0.0, v = 0.0;
  adam_step(&p, &m, &v, &g, 1, c, 1, true);
  // Decoupled: p = 1 * (1 - 0.1 * 0.5) = 0.95 first; m = 0.03, v = 0.00009, denom = 0.3 + 1e-8;
  // p = 0.95 - 1 * 0.03 / (0.3 + 1e-8)
  CHECK_THAT(p, WithinRel(0.95 - 0.03 / (0.3 + 1e-8), 1e-14));
}

TEST_CASE("a non-finite loss or weight throws and keeps the last good weights",
          "[mlp][nonfinite]") {
  Mlp<double> net({2, 3, 1}, Activation::Relu, OutputHead::Logits, 1);
  net.set_loss(LossKind::MSE, LossOptions<double>());
  const std::vector<double> x = {0.5, -0.25, 1.0, 2.0};
  const std::vector<double> ok = {0.1, 0.9};
  Target<double> y{nullptr, ok.data(), 2};
  net.train_step(x.data(), 2, y);
  const auto good = net.params();

  SECTION("the loss overflows") {
    const std::vector<double> huge = {1e300, -1e300};
    Target<double> yh{nullptr, huge.data(), 2};
    REQUIRE_THROWS_WITH(net.train_step(x.data(), 2, yh),
                        "trainStep: the loss became Infinity at step 2; try a lower learning rate");
    CHECK(net.params() == good);
    CHECK(net.steps_done() == 1);
  }
  SECTION("a weight overflows: the update is rolled back") {
    // loss ~1e300 and gradients ~1e150 are finite, but lr * grad ~1e350 overflows the weights
    OptimConfig c;
    c.lr = 1e200;
    net.set_optimizer(c);
    const std::vector<double> big = {1e150, 1e150};
    Target<double> yb{nullptr, big.data(), 2};
    try {
      net.train_step(x.data(), 2, yb);
      FAIL("expected an ll::Error");
    } catch (const Error& e) {
      CHECK_THAT(std::string(e.what()), Catch::Matchers::Contains("a weight became") &&
                                            Catch::Matchers::Contains("at step 2"));
    }
    CHECK(net.params() == good);
    CHECK(net.optim_state().step == 0);
  }
}

TEST_CASE("training allocates nothing after the first step", "[mlp][memory]") {
  Mlp<float> net({4, 8, 3}, Activation::Relu, OutputHead::Logits, 2);
  OptimConfig c;
  c.type = OptimType::Adam;
  net.set_optimizer(c);
  std::vector<float> x(16 * 4);
  Rng rng(3);
  for (auto& e : x) e = static_cast<float>(rng.uniform(-1, 1));
  std::vector<int32_t> y(16);
  for (int i = 0; i < 16; ++i) y[i] = i % 3;
  Target<float> t{y.data(), nullptr, 16};
  net.train_step(x.data(), 16, t);
  const float* acts = net.activation_buffer();
  const float* params = net.params().data();
  const float* grads = net.grads().data();
  const float* m = net.optim_state().m.data();
  for (int n : {16, 8, 16, 1}) {
    Target<float> tn{y.data(), nullptr, static_cast<size_t>(n)};
    net.train_step(x.data(), n, tn);
    CHECK(net.activation_buffer() == acts);
    CHECK(net.params().data() == params);
    CHECK(net.grads().data() == grads);
    CHECK(net.optim_state().m.data() == m);
  }
}

TEST_CASE("plain SGD steps alternate between two fixed weight buffers and allocate nothing",
          "[mlp][memory]") {
  Mlp<float> net({4, 8, 3}, Activation::Relu, OutputHead::Logits, 2);  // default: plain SGD
  std::vector<float> x(16 * 4);
  Rng rng(3);
  for (auto& e : x) e = static_cast<float>(rng.uniform(-1, 1));
  std::vector<int32_t> y(16);
  for (int i = 0; i < 16; ++i) y[i] = i % 3;
  Target<float> t{y.data(), nullptr, 16};
  net.train_step(x.data(), 16, t);
  const float* first = net.params().data();
  net.train_step(x.data(), 16, t);
  const float* second = net.params().data();
  CHECK(first != second);  // the staged update became the weights by a swap
  const float* acts = net.activation_buffer();
  const float* grads = net.grads().data();
  for (int n : {16, 8, 16, 1}) {
    Target<float> tn{y.data(), nullptr, static_cast<size_t>(n)};
    net.train_step(x.data(), n, tn);
    CHECK((net.params().data() == first || net.params().data() == second));
    CHECK(net.activation_buffer() == acts);
    CHECK(net.grads().data() == grads);
  }
  CHECK(net.optim_state().step == 6);
}

TEST_CASE("the staged plain-SGD step equals the optimizer's update, bit for bit", "[mlp][optim]") {
  // Reference: optimizer_step (torch.optim.SGD's p + (-lr) g) applied to the weights before the
  // step with the gradients train_step reports, in float32 and float64.
  auto run = [](auto zero) {
    using T = decltype(zero);
    Mlp<T> net({5, 7, 3}, Activation::Tanh, OutputHead::Logits, 4);
    OptimConfig c;
    c.lr = 0.3;
    net.set_optimizer(c);
    std::vector<T> x(6 * 5);
    Rng rng(8);
    for (auto& e : x) e = static_cast<T>(rng.uniform(-2, 2));
    const std::vector<int32_t> y = {0, 1, 2, 2, 1, 0};
    Target<T> t{y.data(), nullptr, 6};
    for (int step = 0; step < 3; ++step) {
      auto expected = net.params();
      net.train_step(x.data(), 6, t);
      OptimState<T> s;
      s.resize(expected.size());
      optimizer_step(expected.data(), net.grads().data(), expected.size(), c, s);
      CHECK(net.params() == expected);
    }
  };
  run(0.0f);
  run(0.0);
}

TEST_CASE("a float32 plain-SGD step that overflows a weight keeps the last good weights",
          "[mlp][nonfinite]") {
  Mlp<float> net({2, 3, 1}, Activation::Relu, OutputHead::Logits, 1);
  net.set_loss(LossKind::MSE, LossOptions<float>());
  const std::vector<float> x = {0.5f, -0.25f, 1.0f, 2.0f};
  const std::vector<float> ok = {0.1f, 0.9f};
  net.train_step(x.data(), 2, Target<float>{nullptr, ok.data(), 2});
  const auto good = net.params();
  OptimConfig c;
  c.lr = 1e35;  // the loss (~1e12) and gradients (~1e6) are finite, lr * grad overflows float32
  net.set_optimizer(c);
  const std::vector<float> big = {1e6f, 1e6f};
  try {
    net.train_step(x.data(), 2, Target<float>{nullptr, big.data(), 2});
    FAIL("expected an ll::Error");
  } catch (const Error& e) {
    CHECK_THAT(std::string(e.what()), Catch::Matchers::Contains("a weight became") &&
                                          Catch::Matchers::Contains("at step 2"));
  }
  CHECK(net.params() == good);
  CHECK(net.steps_done() == 1);
  // The net still trains afterwards from the good weights.
  c.lr = 0.01;
  net.set_optimizer(c);
  CHECK(std::isfinite(net.train_step(x.data(), 2, Target<float>{nullptr, ok.data(), 2})));
  CHECK(net.params() != good);
}

TEST_CASE("explain reports the update train_step then makes, without changing the net",
          "[mlp][explain]") {
  Mlp<double> a({3, 4, 2}, Activation::Sigmoid, OutputHead::Logits, 9);
  OptimConfig c;
  c.type = OptimType::Adam;
  c.lr = 0.05;
  a.set_optimizer(c);
  const std::vector<double> x = random_vec(6, 4);
  const std::vector<int32_t> y = {1, 0};
  Target<double> t{y.data(), nullptr, 2};
  a.train_step(x.data(), 2, t);  // one step so Adam has state
  const auto before = a.params();
  const auto grads_before = a.grads();
  Explain ex = a.explain(x.data(), 2, t);
  CHECK(a.params() == before);
  CHECK(a.grads() == grads_before);
  CHECK(a.optim_state().step == 1);
  const double loss = a.train_step(x.data(), 2, t);
  bool saw_loss = false, saw_new = false;
  for (const Step& s : ex.steps) {
    if (s.id == "loss") {
      saw_loss = true;
      CHECK(s.values[0] == loss);
    }
    if (s.id == "linear1.weight.new") {
      saw_new = true;
      for (size_t i = 0; i < s.values.size(); ++i) CHECK(s.values[i] == a.params()[i]);
    }
  }
  CHECK(saw_loss);
  CHECK(saw_new);
}

TEST_CASE("options are validated with messages naming the option", "[mlp][validation]") {
  CHECK_THROWS_WITH(Mlp<double>({3}, Activation::Relu, OutputHead::Logits, 0),
                    Catch::Matchers::Contains("mlp: sizes must have at least 2 entries"));
  CHECK_THROWS_WITH(Mlp<double>({3, 0}, Activation::Relu, OutputHead::Logits, 0),
                    Catch::Matchers::Contains("sizes[1] = 0"));
  Mlp<double> net({3, 2}, Activation::Relu, OutputHead::Logits, 0);
  LossOptions<double> none;
  none.reduction = Reduction::None;
  CHECK_THROWS_AS(net.set_loss(LossKind::CrossEntropy, none), RangeError);
  CHECK_THROWS_WITH(parse_activation("gelu", "mlp"),
                    Catch::Matchers::Contains("activation 'gelu'"));
  const std::vector<double> x(6, 0.5);
  const std::vector<int32_t> bad = {0, 2};
  Target<double> t{bad.data(), nullptr, 2};
  CHECK_THROWS_WITH(net.train_step(x.data(), 2, t),
                    "trainStep: y[1] = 2 is out of range; expected a class index in [0, 2)");
}

TEST_CASE("toy datasets are deterministic for a seed", "[mlp][datasets]") {
  for (const char* name : {"blobs", "circles", "xor", "spiral"}) {
    Dataset a = make_toy(name, 50, 0.1, 3, 7, "toy");
    Dataset b = make_toy(name, 50, 0.1, 3, 7, "toy");
    Dataset c = make_toy(name, 50, 0.1, 3, 8, "toy");
    CHECK(a.x.data == b.x.data);
    CHECK(a.y.data == b.y.data);
    CHECK(a.x.data != c.x.data);
    CHECK(a.x.shape == Shape{50, 2});
    for (int32_t v : a.y.data) CHECK((v >= 0 && v < a.classes));
  }
  CHECK_THROWS_WITH(make_toy("moons", 10, 0.1, 2, 0, "toy"),
                    Catch::Matchers::Contains("unknown dataset 'moons'"));
}

TEST_CASE("the MLP's buffers start on 64-byte boundaries, also after steps swap them", "[mlp]") {
  // The SIMD kernels stream these; malloc alone guarantees 8 bytes (see aligned.hpp).
  auto aligned = [](const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 64 == 0; };
  for (int pad = 1; pad <= 3; ++pad) {
    std::vector<char> skew(static_cast<size_t>(pad) * 8);  // shift where later blocks land
    Mlp<float> net({5, 7, 3}, Activation::Relu, OutputHead::Logits, 1);
    const std::vector<float> x(10, 0.5f);
    const std::vector<int32_t> y = {0, 2};
    for (int step = 0; step < 3; ++step) {
      INFO("pad " << pad << ", step " << step);
      CHECK(aligned(net.params().data()));
      CHECK(aligned(net.grads().data()));
      net.train_step(x.data(), 2, Target<float>{y.data(), nullptr, 2});
    }
    CHECK((net.optim_state().m.empty() || aligned(net.optim_state().m.data())));
  }
  AlignedVector<double> v(3);
  CHECK(aligned(v.data()));
}
