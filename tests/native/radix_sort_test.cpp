// The radix sort behind learner features, community health and referrals, checked against
// std::sort on keys shaped like theirs (packed (row << 32) | value, wide, duplicated, one digit).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "../../core/src/radix_sort.h"
#include "circlewise/random.h"

using namespace circlewise;

namespace {

std::vector<uint64_t> reference(std::vector<uint64_t> v, bool unique) {
  std::sort(v.begin(), v.end());
  if (unique) v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::vector<uint64_t> keys(size_t n, uint64_t mask, uint64_t fixed_bits, uint64_t seed) {
  Rng rng(seed);
  std::vector<uint64_t> v(n);
  for (auto& x : v) x = (rng.next() & mask) | fixed_bits;
  return v;
}

}  // namespace

TEST(RadixSort, SortsLikeStdSortForEveryKeyShape) {
  const struct {
    uint64_t mask, fixed;
  } shapes[] = {
      {~0ULL, 0},                                   // all 64 bits
      {(0xFFFFULL << 32) | 0xFFFF, 0},              // packed row << 32 | day: two passes
      {0x3FF, 0},                                   // few distinct values: many duplicates
      {0xFFFF, 0xABCD000000000000ULL},              // a constant non-zero high digit
      {0, 0x123456789ULL},                          // every key equal
      {0xFFFF0000FFFF0000ULL, 0},                   // zero low digits
  };
  uint64_t seed = 1;
  for (const auto& s : shapes) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{1000}, size_t{70000}}) {
      const auto original = keys(n, s.mask, s.fixed, seed++);
      auto v = original, u = original;
      radix_sort(v);
      radix_sort_unique(u);
      EXPECT_EQ(v, reference(original, false)) << "mask " << s.mask << " n " << n;
      EXPECT_EQ(u, reference(original, true)) << "mask " << s.mask << " n " << n;
    }
  }
}
