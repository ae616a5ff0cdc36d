#include "circlewise/progress.h"

#include <algorithm>

namespace circlewise {

// Out of line (and size-optimised): called from hot loops' checkpoints only, never per element.
Progress Progress::part(double from, double to) const {
  Progress p = *this;
  p.from_ = from_ + (to_ - from_) * from;
  p.to_ = from_ + (to_ - from_) * to;
  return p;
}

void Progress::at(const char* stage, double fraction) const {
  if (!state_) return;
  State& s = *state_;
  const double f = std::max(s.last, from_ + (to_ - from_) * std::clamp(fraction, 0.0, 1.0));
  if (s.stage == stage && f < s.last + 0.01 && !(f >= 1 && s.last < 1)) return;
  s.stage = stage;
  s.last = f;
  s.cb(s.stage, f);
}

}  // namespace circlewise
