#include "circlewise/random.h"

#include <cmath>

namespace circlewise {
namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
__extension__ typedef unsigned __int128 u128;  // GCC/Clang on x86-64 and wasm32
uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
constexpr double kLn2 = 0.6931471805599453094;
}  // namespace

Rng::Rng(uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

uint64_t Rng::next() {
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

uint64_t Rng::below(uint64_t n) {
  if (n <= 1) return 0;
  u128 m = static_cast<u128>(next()) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<u128>(next()) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

double Rng::exponential(double mean) { return -mean * portable_log(1.0 - uniform()); }

double Rng::normal() {
  for (;;) {
    double u = 2.0 * uniform() - 1.0, v = 2.0 * uniform() - 1.0;
    double s = u * u + v * v;
    if (s > 0 && s < 1) return u * std::sqrt(-2.0 * portable_log(s) / s);  // sqrt is exact-rounded
  }
}

double portable_log(double x) {
  if (!(x > 0)) return x == 0 ? -HUGE_VAL : NAN;
  int e = 0;
  double m = std::frexp(x, &e);  // exact: m in [0.5, 1)
  if (m < 0.70710678118654752) {
    m *= 2;
    --e;
  }
  // log(m) = 2 atanh(z), z = (m-1)/(m+1), |z| <= 0.172: the series converges fast.
  double z = (m - 1) / (m + 1), z2 = z * z, term = z, sum = 0;
  for (int k = 1; k < 40; k += 2) {
    sum += term / k;
    term *= z2;
  }
  return 2 * sum + e * kLn2;
}

double portable_exp(double x) {
  // exp(x) = 2^k exp(r), r = x - k ln2 in [-ln2/2, ln2/2]; Taylor series for exp(r).
  double k = std::floor(x / kLn2 + 0.5);
  double r = x - k * kLn2;
  double term = 1, sum = 1;
  for (int i = 1; i < 25; ++i) {
    term *= r / i;
    sum += term;
  }
  return std::ldexp(sum, static_cast<int>(k));
}

}  // namespace circlewise
