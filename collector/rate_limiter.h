#pragma once
// Per-client token buckets. The client is known only by a keyed hash of its address with a key
// drawn at start-up and kept in memory: the address itself is never stored or logged, and the
// hashes mean nothing after a restart. Buckets of idle clients are dropped.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace circlewise::collector {

class RateLimiter {
 public:
  RateLimiter(double per_second, double burst);
  // True when the client may make a request now; otherwise `retry_after` is set (seconds).
  bool allow(const std::string& client_address, double* retry_after);
  bool enabled() const { return rate_ > 0; }

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  double rate_, burst_;
  uint64_t key_[2];
  std::mutex mutex_;
  std::unordered_map<uint64_t, Bucket> buckets_;
  std::chrono::steady_clock::time_point last_sweep_;
};

}  // namespace circlewise::collector
