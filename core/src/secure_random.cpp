#include "circlewise/secure_random.h"

#include <cerrno>
#include <cstring>

#ifdef __EMSCRIPTEN__
#include <random>
#else
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>
#endif

namespace circlewise {
namespace {
__extension__ typedef unsigned __int128 u128;  // GCC/Clang on x86-64 and wasm32
}

uint64_t RandomSource::below(uint64_t n) {
  if (n <= 1) return 0;
  u128 m = static_cast<u128>(next_u64()) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<u128>(next_u64()) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

uint64_t SystemRandomSource::next_u64() {
  if (used_ == filled_) {
    refill();
    used_ = 0;
    filled_ = block_;
    block_ = block_ < 64 ? 2 * block_ : 64;
  }
  return buffer_[used_++];
}

#ifdef __EMSCRIPTEN__
// Emscripten's std::random_device reads crypto.getRandomValues (via getentropy); it throws when
// there is no such function, and we turn that into RandomnessUnavailable.
void SystemRandomSource::refill() {
  try {
    std::random_device rd;
    for (unsigned i = 0; i < block_; ++i) buffer_[i] = (static_cast<uint64_t>(rd()) << 32) | rd();
  } catch (const std::exception& e) {
    throw RandomnessUnavailable(std::string("no secure random source (crypto.getRandomValues): ") + e.what());
  }
}
std::string SystemRandomSource::name() const { return "crypto.getRandomValues"; }
#else
void SystemRandomSource::refill() {
  unsigned char* out = reinterpret_cast<unsigned char*>(buffer_);
  size_t need = block_ * sizeof(uint64_t), got = 0;
  while (got < need) {
    ssize_t r = getrandom(out + got, need - got, 0);
    if (r > 0) {
      got += static_cast<size_t>(r);
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  if (got < need) {
    // Kernels without getrandom(2): the same generator through /dev/urandom.
    int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw RandomnessUnavailable(std::string("no secure random source: ") + std::strerror(errno));
    while (got < need) {
      ssize_t r = ::read(fd, out + got, need - got);
      if (r > 0) {
        got += static_cast<size_t>(r);
      } else if (!(r < 0 && errno == EINTR)) {
        ::close(fd);
        throw RandomnessUnavailable("no secure random source: /dev/urandom read failed");
      }
    }
    ::close(fd);
  }
}
std::string SystemRandomSource::name() const { return "getrandom"; }
#endif

}  // namespace circlewise
