// The project's own small PRNG (splitmix64 seeding -> xoshiro256**), identical natively and in
// WASM.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace ll {

// splitmix64: advances `state` and returns the next output; used to expand a seed.
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// xoshiro256** (Blackman & Vigna). Only integer arithmetic and exact conversions, so a seed
// gives the same stream on every platform; never use <random> distributions here.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0, uint64_t stream = 0) {
    uint64_t sm = seed ^ (stream * 0xD1B54A32D192ED03ull);
    for (auto& w : s_) w = splitmix64(sm);
  }

  uint64_t next_u64() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform double in [0, 1) from the top 53 bits (exact).
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // Unbiased integer in [0, n) for n >= 1: rejects the lowest (2^64 mod n) outputs, then modulo.
  uint64_t below(uint64_t n) {
    if (n <= 1) return 0;
    const uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    for (;;) {
      const uint64_t r = next_u64();
      if (r >= threshold) return r % n;
    }
  }

  // Standard normal by Box-Muller (uses std::log/cos/sin: the last ulp may differ across libms).
  double normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// A Fisher-Yates permutation of 0..n-1 drawn from `rng`.
inline std::vector<int32_t> permutation(int32_t n, Rng& rng) {
  std::vector<int32_t> p(static_cast<size_t>(n < 0 ? 0 : n));
  for (int32_t i = 0; i < n; ++i) p[i] = i;
  for (int32_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int32_t>(rng.below(static_cast<uint64_t>(i) + 1));
    const int32_t t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

}  // namespace ll
