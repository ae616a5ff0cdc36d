#pragma once
// Seeded randomness that gives the same stream on every platform (native and WASM): a fixed
// generator (xoshiro256**, seeded through splitmix64) and distributions written out here with
// basic arithmetic only, because std:: distributions and libm differ between libstdc++/glibc and
// Emscripten's libc++/musl. Not for privacy noise: that uses the secure source in ldp.h.
#include <cstdint>

namespace circlewise {

class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject).
  uint64_t below(uint64_t n);
  bool bernoulli(double p) { return uniform() < p; }
  // Exponential with the given mean.
  double exponential(double mean);
  // Standard normal (Marsaglia's polar method: needs only log and sqrt).
  double normal();

 private:
  uint64_t s_[4];
};

// Natural logarithm from basic arithmetic, identical on every platform (max error ~1e-15
// relative), for randomness that must not depend on the platform's libm.
double portable_log(double x);
// exp(x) likewise, for |x| < 700.
double portable_exp(double x);

}  // namespace circlewise
