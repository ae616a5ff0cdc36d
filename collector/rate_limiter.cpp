#include "rate_limiter.h"

#include <algorithm>

#include "circlewise/secure_random.h"

namespace circlewise::collector {
namespace {

uint64_t mix(uint64_t x) {  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

RateLimiter::RateLimiter(double per_second, double burst)
    : rate_(per_second), burst_(std::max(1.0, burst)), last_sweep_(std::chrono::steady_clock::now()) {
  SystemRandomSource random;
  key_[0] = random.next_u64();
  key_[1] = random.next_u64();
}

bool RateLimiter::allow(const std::string& address, double* retry_after) {
  if (rate_ <= 0) return true;
  // Keyed hash of the address (the address is not kept). Not a cryptographic MAC: its job is
  // that nothing stored identifies the client, not resistance to collisions.
  uint64_t h = key_[0];
  for (unsigned char c : address) h = mix(h ^ c ^ key_[1]);
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  if (now - last_sweep_ > std::chrono::seconds(60) || buckets_.size() > 100000) {
    // A bucket that would be full again carries no information: drop it.
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      const double idle = std::chrono::duration<double>(now - it->second.last).count();
      it = it->second.tokens + idle * rate_ >= burst_ ? buckets_.erase(it) : std::next(it);
    }
    last_sweep_ = now;
  }
  auto [it, fresh] = buckets_.try_emplace(h, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min(burst_, b.tokens + std::chrono::duration<double>(now - b.last).count() * rate_);
    b.last = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  if (retry_after) *retry_after = (1 - b.tokens) / rate_;
  return false;
}

}  // namespace circlewise::collector
