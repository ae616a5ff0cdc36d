#pragma once
// Where privacy noise comes from. Local differential privacy is only as good as its coin flips:
// if an observer can predict them, the "noisy" report is the true value. So reports are drawn
// from a `RandomSource`, and the one used on devices is the platform's cryptographically secure
// generator (getrandom / /dev/urandom natively, crypto.getRandomValues in WASM through
// std::random_device). When that source fails we throw instead of falling back to anything weaker.
//
// Every draw is an integer: mechanisms compare uniform integers with rational thresholds computed
// once (ldp.h), never floating-point uniforms, so the probabilities are exact fractions.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "circlewise/random.h"

namespace circlewise {

// The secure source could not deliver randomness; no report may be produced.
class RandomnessUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // 64 uniformly random bits. Throws RandomnessUnavailable when the source has failed.
  virtual uint64_t next_u64() = 0;
  // Whether the bits are unpredictable to an observer (only secure sources may make real reports).
  virtual bool secure() const = 0;
  virtual std::string name() const = 0;

  // Uniform integer in [0, n) for n >= 1, without modulo bias (Lemire's multiply-and-reject).
  uint64_t below(uint64_t n);
  // True with probability exactly num/den (0 <= num <= den, den >= 1).
  bool chance(uint64_t num, uint64_t den) { return below(den) < num; }
};

// The platform's secure generator, read in blocks. Throws RandomnessUnavailable from next_u64()
// if the OS (or the browser's crypto.getRandomValues) fails.
class SystemRandomSource final : public RandomSource {
 public:
  SystemRandomSource() = default;
  uint64_t next_u64() override;
  bool secure() const override { return true; }
  std::string name() const override;

 private:
  void refill();
  // Reads start small and double up to the whole buffer: a report needs a handful of words, and
  // in WASM every byte costs one crypto.getRandomValues call (Emscripten 3.1.6's getentropy);
  // OUE over thousands of values then reads in blocks of 64 words.
  uint64_t buffer_[64] = {};
  unsigned filled_ = 0, used_ = 0, block_ = 4;
};

// Reproducible bits from a seed (circlewise::Rng), for statistical tests and simulations only.
// It says it is not secure, so a device never makes real reports with it unless told to.
class SeededRandomSource final : public RandomSource {
 public:
  explicit SeededRandomSource(uint64_t seed) : rng_(seed) {}
  uint64_t next_u64() override { return rng_.next(); }
  bool secure() const override { return false; }
  std::string name() const override { return "seeded"; }

 private:
  Rng rng_;
};

}  // namespace circlewise
