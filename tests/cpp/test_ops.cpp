// Catch2 tests of softmax, log-softmax, sigmoid, relu, argmax and max against torch 1.13 values.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gradcheck.hpp"
#include "logitlab/ops.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using ll::Shape;
using ll::Tensor;
using ll_test::require_close;

namespace {

template <class T>
Tensor<T> make(Shape shape, const std::vector<double>& v) {
  return Tensor<T>(std::move(shape), std::vector<T>(v.begin(), v.end()));
}

// The float64 or float32 reference, whichever T is.
template <class T>
const std::vector<double>& ref(const std::vector<double>& f64, const std::vector<double>& f32) {
  return std::is_same<T, float>::value ? f32 : f64;
}

template <class T>
void require_torch(const Tensor<T>& actual, const std::vector<double>& expected) {
  require_close(actual.data, expected, ll_test::rel_tol<T>(), ll_test::abs_tol<T>());
}

// The notebook matrix A and a rank-3 / rank-4 input made from 0.5 * (7k mod 11) - 2.3.
const std::vector<double> kA = {0.3, 0.1, 0.7, 0.6, 0.2, 0.2, 0.1, 0.8, 0.1};
std::vector<double> ramp24() {
  std::vector<double> v(24);
  for (int k = 0; k < 24; ++k) v[k] = 0.5 * ((k * 7) % 11) - 2.3;
  return v;
}

}  // namespace

TEMPLATE_TEST_CASE("softmax matches torch on the notebook vector", "[softmax]", float, double) {
  const auto x = make<TestType>({3}, {2.0, 1.0, 0.1});
  const auto y = ll::softmax(x);
  CHECK(y.shape == Shape{3});
  // torch 1.13 torch.softmax(torch.tensor([2., 1., 0.1], dtype=float64 / float32), 0)
  require_torch(y, ref<TestType>({0.6590011388859679, 0.24243297070471392, 0.09856589040931818},
                                 {0.65900117158889771, 0.24243298172950745, 0.09856589138507843}));
  // The notebook's printed numpy values (8 digits).
  require_close(y.data, {0.65900114, 0.24243297, 0.09856589}, 0, 1e-7);
}

TEMPLATE_TEST_CASE("log_softmax matches torch on the notebook vector", "[log_softmax]", float,
                   double) {
  const auto y = ll::log_softmax(make<TestType>({3}, {2.0, 1.0, 0.1}));
  // torch 1.13 torch.log_softmax(torch.tensor([2., 1., 0.1]), 0), float64 / float32
  require_torch(y, ref<TestType>({-0.41703001627783354, -1.4170300162778335, -2.3170300162778332},
                                 {-0.41702994704246521, -1.4170299768447876, -2.3170299530029297}));
}

TEMPLATE_TEST_CASE("softmax and log_softmax work along every dim of a 2-D input", "[softmax]",
                   float, double) {
  const auto a = make<TestType>({3, 3}, kA);
  SECTION("dim 0 (columns)") {
    // torch 1.13 torch.softmax(A, 0) with A = [[0.3,0.1,0.7],[0.6,0.2,0.2],[0.1,0.8,0.1]]
    require_torch(ll::softmax(a, 0),
                  ref<TestType>({0.31559783331281432, 0.24278187480774444, 0.46396342796480938,
                                 0.42601251494920572, 0.26831546747340185, 0.2814080440460307,
                                 0.25838965173797984, 0.48890265771885366, 0.25462852798915997},
                                {0.31559783220291138, 0.24278189241886139, 0.46396341919898987,
                                 0.42601251602172852, 0.26831546425819397, 0.28140804171562195,
                                 0.25838965177536011, 0.48890268802642822, 0.25462853908538818}));
    // torch 1.13 torch.log_softmax(A, 0)
    require_torch(ll::log_softmax(a, -2),
                  ref<TestType>({-1.1532865553292493, -1.4155918732927513, -0.76794954890362477,
                                 -0.85328655532924924, -1.3155918732927514, -1.2679495489036248,
                                 -1.3532865553292492, -0.7155918732927512, -1.3679495489036246},
                                {-1.1532865762710571, -1.4155917167663574, -0.76794958114624023,
                                 -0.85328656435012817, -1.3155918121337891, -1.2679495811462402,
                                 -1.3532865047454834, -0.71559178829193115, -1.3679494857788086}));
  }
  SECTION("dim 1 and dim -1 agree and every row sums to one") {
    const auto s1 = ll::softmax(a, 1), sm1 = ll::softmax(a, -1);
    CHECK(s1.data == sm1.data);
    for (int r = 0; r < 3; ++r) {
      const double sum = double(s1.data[3 * r]) + s1.data[3 * r + 1] + s1.data[3 * r + 2];
      REQUIRE_THAT(sum, WithinAbs(1.0, 4 * std::numeric_limits<TestType>::epsilon()));
    }
  }
}

TEMPLATE_TEST_CASE("softmax and log_softmax handle rank-3 and rank-4 inputs by strides",
                   "[softmax][log_softmax]", float, double) {
  const auto g = make<TestType>({2, 3, 4}, ramp24());
  const auto h = make<TestType>({2, 2, 3, 2}, ramp24());
  // torch 1.13 torch.softmax(G, 1), G = (0.5 * (torch.arange(24) * 7 % 11) - 2.3).reshape(2, 3, 4)
  require_torch(
      ll::softmax(g, 1),
      ref<TestType>(
          {0.043986480292057845, 0.36619221628180021,  0.043986480292057845, 0.91842296676420343,
           0.88349207402719454,  0.030058887569574023, 0.88349207402719454,  0.075388747962996688,
           0.072521445680747768, 0.60374889614862581,  0.072521445680747768, 0.006188285272800036,
           0.36619221628180021,  0.043986480292057845, 0.91842296676420343,  0.36619221628180021,
           0.030058887569574023, 0.88349207402719454,  0.075388747962996688, 0.030058887569574023,
           0.60374889614862581,  0.072521445680747768, 0.006188285272800036, 0.60374889614862581},
          {0.043986480683088303, 0.36619222164154053,   0.043986480683088303,
           0.91842293739318848,  0.88349205255508423,   0.030058886855840683,
           0.88349205255508423,  0.075388744473457336,  0.072521448135375977,
           0.60374891757965088,  0.072521448135375977,  0.0061882850714027882,
           0.36619222164154053,  0.043986480683088303,  0.91842293739318848,
           0.36619219183921814,  0.030058886855840683,  0.88349205255508423,
           0.075388744473457336, 0.030058886855840683,  0.60374891757965088,
           0.072521448135375977, 0.0061882850714027882, 0.60374891757965088}));
  // torch 1.13 torch.log_softmax(G, -1)
  require_torch(
      ll::log_softmax(g, -1),
      ref<TestType>(
          {-5.2311636962553729,  -1.7311636962553729,  -3.7311636962553729,  -0.23116369625537303,
           -1.8283412890257247,  -3.8283412890257247,  -0.32834128902572479, -2.3283412890257247,
           -3.6687704079392338,  -0.16877040793923376, -2.1687704079392338,  -4.1687704079392338,
           -1.8283412890257247,  -3.8283412890257247,  -0.32834128902572479, -2.3283412890257247,
           -3.6687704079392338,  -0.16877040793923376, -2.1687704079392338,  -4.1687704079392338,
           -0.56541697522709988, -2.5654169752270999,  -4.5654169752270999,  -1.0654169752270999},
          {-5.2311639785766602,  -1.7311637401580811,  -3.7311637401580811,  -0.23116375505924225,
           -1.8283413648605347,  -3.8283414840698242,  -0.32834136486053467, -2.3283414840698242,
           -3.6687705516815186,  -0.16877047717571259, -2.1687705516815186,  -4.1687703132629395,
           -1.8283413648605347,  -3.8283414840698242,  -0.32834136486053467, -2.3283414840698242,
           -3.6687705516815186,  -0.16877047717571259, -2.1687705516815186,  -4.1687703132629395,
           -0.56541705131530762, -2.5654170513153076,  -4.5654172897338867,  -1.0654170513153076}));
  // torch 1.13 torch.softmax(H, 2), H = the same values reshaped (2, 2, 3, 2)
  require_torch(
      ll::softmax(h, 2),
      ref<TestType>(
          {0.039112573270687456, 0.17973411350014981,  0.17529039214003669,  0.8055124120405226,
           0.78559703458927588,  0.014753474459327466, 0.90875992425851326,  0.17973411350014981,
           0.016644518609272352, 0.8055124120405226,   0.074595557132214441, 0.014753474459327466,
           0.17973411350014981,  0.039112573270687456, 0.8055124120405226,   0.17529039214003669,
           0.014753474459327466, 0.78559703458927588,  0.17973411350014981,  0.039112573270687456,
           0.8055124120405226,   0.17529039214003669,  0.014753474459327466, 0.78559703458927588},
          {0.039112571626901627, 0.17973411083221436,  0.17529039084911346,  0.80551236867904663,
           0.78559702634811401,  0.014753473922610283, 0.90875989198684692,  0.17973411083221436,
           0.016644518822431564, 0.80551236867904663,  0.074595555663108826, 0.014753473922610283,
           0.17973411083221436,  0.039112571626901627, 0.80551236867904663,  0.17529039084911346,
           0.014753473922610283, 0.78559702634811401,  0.17973411083221436,  0.039112571626901627,
           0.80551236867904663,  0.17529039084911346,  0.014753473922610283, 0.78559702634811401}));
  // torch 1.13 torch.log_softmax(H, 0)
  require_torch(
      ll::log_softmax(h, 0),
      ref<TestType>({-3.5297504182726205,   -0.1269280110429726, -3.5297504182726205,
                     -0.1269280110429726,   -0.1269280110429726, -3.5297504182726205,
                     -0.1269280110429726,   -0.1269280110429726, -3.5297504182726205,
                     -0.1269280110429726,   -0.1269280110429726, -3.5297504182726205,
                     -0.029750418272620652, -2.1269280110429727, -0.029750418272620652,
                     -2.1269280110429727,   -2.1269280110429727, -0.029750418272620652,
                     -2.1269280110429727,   -2.1269280110429727, -0.029750418272620652,
                     -2.1269280110429727,   -2.1269280110429727, -0.029750418272620652},
                    {-3.5297503471374512,   -0.12692804634571075, -3.5297503471374512,
                     -0.12692804634571075,  -0.12692804634571075, -3.5297503471374512,
                     -0.12692804634571075,  -0.12692804634571075, -3.5297503471374512,
                     -0.12692804634571075,  -0.12692804634571075, -3.5297503471374512,
                     -0.029750416055321693, -2.1269280910491943,  -0.029750416055321693,
                     -2.1269280910491943,   -2.1269280910491943,  -0.029750416055321693,
                     -2.1269280910491943,   -2.1269280910491943,  -0.029750416055321693,
                     -2.1269280910491943,   -2.1269280910491943,  -0.029750416055321693}));
}

TEMPLATE_TEST_CASE("softmax stays finite for huge logits", "[softmax][log_softmax]", float,
                   double) {
  SECTION("[1000, 0] gives [1, 0] and log-softmax [0, -1000]") {
    const auto x = make<TestType>({2}, {1000.0, 0.0});
    // torch 1.13 torch.softmax / torch.log_softmax(torch.tensor([1000., 0.]), 0)
    require_close(ll::softmax(x).data, {1.0, 0.0}, 0, 0);
    require_close(ll::log_softmax(x).data, {0.0, -1000.0}, 0, 0);
  }
  SECTION("[-1000, -1000] is uniform, not NaN") {
    require_close(ll::softmax(make<TestType>({2}, {-1000.0, -1000.0})).data, {0.5, 0.5}, 0, 0);
  }
  SECTION("[1e30, 0, -1e30] gives [1, 0, 0]; log-softmax of [1e30, 0] is [0, -1e30]") {
    // torch 1.13 torch.softmax(torch.tensor([1e30, 0., -1e30]), 0) = [1, 0, 0] (both dtypes)
    require_close(ll::softmax(make<TestType>({3}, {1e30, 0.0, -1e30})).data, {1.0, 0.0, 0.0}, 0, 0);
    // torch 1.13 torch.log_softmax(torch.tensor([1e30, 0.]), 0): float64 / float32
    require_torch(ll::log_softmax(make<TestType>({2}, {1e30, 0.0})),
                  ref<TestType>({0, -1e30}, {0, -1.0000000150474662e+30}));
  }
  SECTION("a NaN in a row makes the whole row NaN, as torch does") {
    const auto y = ll::softmax(make<TestType>({2, 2}, {1.0, std::nan(""), 0.0, 1.0}));
    CHECK(std::isnan(y.data[0]));
    CHECK(std::isnan(y.data[1]));
    CHECK_FALSE(std::isnan(y.data[2]));
  }
}

TEMPLATE_TEST_CASE("softmax of a 0-d tensor or of one class is 1", "[softmax][log_softmax]", float,
                   double) {
  // torch 1.13 torch.softmax(torch.tensor(5.), 0) = 1 and torch.log_softmax(...) = 0
  const auto s = Tensor<TestType>::scalar(5);
  CHECK(ll::softmax(s, 0).shape.empty());
  CHECK(ll::softmax(s, -1).item() == 1);
  CHECK(ll::log_softmax(s, 0).item() == 0);
  const auto one = ll::softmax(make<TestType>({3, 1}, {-4, 0, 1e30}), 1);
  require_close(one.data, {1, 1, 1}, 0, 0);
}

TEMPLATE_TEST_CASE("softmax_rows works in place, like the llm.c kernel", "[softmax]", float,
                   double) {
  std::vector<TestType> buf = {2, 1, 0.1f, 0.3f, 0.1f, 0.7f};
  ll::softmax_rows(buf.data(), buf.data(), 2, 3);
  const auto t = ll::softmax(make<TestType>({2, 3}, {2, 1, 0.1f, 0.3f, 0.1f, 0.7f}), 1);
  CHECK(buf == t.data);
  std::vector<TestType> lbuf = {2, 1, 0.1f};
  ll::log_softmax_rows(lbuf.data(), lbuf.data(), 1, 3);
  CHECK(lbuf == ll::log_softmax(make<TestType>({3}, {2, 1, 0.1f})).data);
}

TEST_CASE("softmax explain records max, shift, exp, sum and divide from the same computation",
          "[softmax][explain]") {
  ll::Explain ex;
  const auto x = make<double>({2, 3}, {2, 1, 0.1, 1000, 0, -1});
  const auto y = ll::softmax(x, 1, &ex);
  std::vector<std::string> ids;
  for (const auto& s : ex.steps) ids.push_back(s.id);
  REQUIRE(ids == std::vector<std::string>{"input", "max", "shift", "exp", "sum", "divide"});
  CHECK(ex.steps[1].shape == Shape{2});
  require_close(ex.steps[1].values, {2, 1000}, 0, 0);
  require_close(ex.steps[2].values, {0, -1, -1.9, 0, -1000, -1001}, 1e-15, 0);
  CHECK(ex.steps[3].values[0] == 1.0);
  CHECK(ex.steps[4].shape == Shape{2});
  CHECK(ex.steps[5].values == std::vector<double>(y.data.begin(), y.data.end()));
  CHECK(ex.steps[3].formula == "e^{z_i - m}");
  // The explained call returns exactly what the plain call returns.
  CHECK(y.data == ll::softmax(x, 1).data);

  SECTION("log_softmax explain adds logsumexp and result") {
    ll::Explain lex;
    const auto ly = ll::log_softmax(x, -1, &lex);
    ids.clear();
    for (const auto& s : lex.steps) ids.push_back(s.id);
    REQUIRE(ids ==
            std::vector<std::string>{"input", "max", "shift", "exp", "sum", "logsumexp", "result"});
    CHECK(lex.steps[6].values == std::vector<double>(ly.data.begin(), ly.data.end()));
    CHECK(ly.data == ll::log_softmax(x, -1).data);
  }
  SECTION("explaining along dim 0 keeps the reduced shape") {
    ll::Explain dex;
    ll::softmax(x, 0, &dex);
    CHECK(dex.steps[1].shape == Shape{3});
    require_close(dex.steps[1].values, {1000, 1, 0.1}, 0, 0);
  }
}

TEMPLATE_TEST_CASE("softmax rejects a bad dim and an empty input", "[softmax][errors]", float,
                   double) {
  const auto x = make<TestType>({2, 3}, {1, 2, 3, 4, 5, 6});
  REQUIRE_THROWS_AS(ll::softmax(x, 2), ll::RangeError);
  REQUIRE_THROWS_WITH(ll::softmax(x, -3), Contains("softmax: dim -3 is out of range"));
  REQUIRE_THROWS_WITH(ll::log_softmax(x, 5), Contains("logSoftmax: dim 5"));
  REQUIRE_THROWS_WITH(ll::softmax(Tensor<TestType>::scalar(1), 1), Contains("[-1, 0]"));
  REQUIRE_THROWS_AS(ll::softmax(Tensor<TestType>(Shape{0})), ll::RangeError);
  REQUIRE_THROWS_WITH(ll::softmax(Tensor<TestType>(Shape{2, 0})), Contains("non-empty"));
  REQUIRE_THROWS_AS(ll::argmax(x, 2), ll::RangeError);
  REQUIRE_THROWS_WITH(ll::argmax(x, -4), Contains("argmax: dim -4"));
  REQUIRE_THROWS_WITH(ll::max(x, 3), Contains("max: dim 3"));
  REQUIRE_THROWS_AS(ll::max_all(Tensor<TestType>(Shape{0})), ll::RangeError);
}

TEMPLATE_TEST_CASE("sigmoid is stable and matches torch", "[sigmoid]", float, double) {
  const auto s = make<TestType>({7}, {-1000, -20, -1.5, 0, 0.5, 20, 1000});
  // torch 1.13 torch.sigmoid(torch.tensor([-1000., -20., -1.5, 0., 0.5, 20., 1000.])), f64 / f32
  require_torch(ll::sigmoid(s), ref<TestType>({0, 2.0611536181902037e-09, 0.18242552380635635, 0.5,
                                               0.62245933120185459, 0.99999999793884631, 1},
                                              {0, 2.0611536921677498e-09, 0.18242552876472473, 0.5,
                                               0.62245935201644897, 1, 1}));
}

TEMPLATE_TEST_CASE("relu clamps negatives to zero and keeps NaN", "[relu]", float, double) {
  // torch 1.13 torch.relu(torch.tensor([-1000., -20., -1.5, 0., 0.5, 20., 1000.]))
  const auto r = ll::relu(make<TestType>({7}, {-1000, -20, -1.5, 0, 0.5, 20, 1000}));
  require_close(r.data, {0, 0, 0, 0, 0.5, 20, 1000}, 0, 0);
  CHECK(std::isnan(ll::relu(make<TestType>({1}, {std::nan("")})).data[0]));
}

TEMPLATE_TEST_CASE("argmax and max follow torch: first index on ties, NaN wins", "[argmax][max]",
                   float, double) {
  SECTION("the notebook matrices") {
    // torch 1.13 torch.argmax(A, dim=1) = [2, 0, 1]
    CHECK(ll::argmax(make<TestType>({3, 3}, kA), 1).data == std::vector<int32_t>{2, 0, 1});
    // torch 1.13 torch.argmax([[0.1,0.5,0.4],[0.1,0.1,0.8],[0.1,0.3,0.6]], dim=1) = [1, 2, 2]
    const auto b = make<TestType>({3, 3}, {0.1, 0.5, 0.4, 0.1, 0.1, 0.8, 0.1, 0.3, 0.6});
    const auto am = ll::argmax(b);
    CHECK(am.shape == Shape{3});
    CHECK(am.data == std::vector<int32_t>{1, 2, 2});
  }
  SECTION("max along a dim returns values and indices") {
    const auto a = make<TestType>({3, 3}, kA);
    const auto m0 = ll::max(a, 0);
    // torch 1.13 torch.max(A, 0) = values [0.6, 0.8, 0.7], indices [1, 2, 0]
    require_close(m0.values.data, {TestType(0.6), TestType(0.8), TestType(0.7)}, 0, 0);
    CHECK(m0.indices.data == std::vector<int32_t>{1, 2, 0});
    CHECK(m0.values.shape == Shape{3});
  }
  SECTION("ties pick the first index") {
    // torch 1.13 torch.max(torch.tensor([1., 3., 3.]), 0) = (3., 1)
    const auto m = ll::max(make<TestType>({3}, {1, 3, 3}), 0);
    CHECK(m.values.shape.empty());
    CHECK(m.values.item() == 3);
    CHECK(m.indices.item() == 1);
  }
  SECTION("NaN propagates and its first index is returned") {
    const TestType nan = std::numeric_limits<TestType>::quiet_NaN();
    // torch 1.13 torch.max(torch.tensor([[1., nan, 3., nan]]), 1) = (nan, 1); argmax = 1
    const auto m = ll::max(make<TestType>({1, 4}, {1, nan, 3, nan}), 1);
    CHECK(std::isnan(m.values.data[0]));
    CHECK(m.indices.data[0] == 1);
    CHECK(ll::argmax(make<TestType>({3}, {nan, 5, 1})).item() == 0);
    CHECK(std::isnan(ll::max_all(make<TestType>({3}, {1, 2, nan}))));
  }
  SECTION("max_all and a 0-d input") {
    CHECK(ll::max_all(make<TestType>({2, 2}, {-5, -1, -7, -2})) == -1);
    CHECK(ll::argmax(Tensor<TestType>::scalar(4)).item() == 0);
  }
  SECTION("argmax along dim 0 of a rank-3 tensor") {
    const auto g = make<TestType>({2, 3, 4}, ramp24());
    const auto am = ll::argmax(g, 0);
    CHECK(am.shape == Shape{3, 4});
    for (int i = 0; i < 12; ++i) CHECK(am.data[i] == (g.data[i] >= g.data[12 + i] ? 0 : 1));
  }
}
