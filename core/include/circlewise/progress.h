#pragma once
// Progress of long analyses (segmentation, rules, churn) for a UI: a callback receives the stage
// being worked on ("k-means", "frequent itemsets", "BG/NBD fit"...) and the estimated share of the
// whole analysis done, from 0 to 1 and never decreasing. Algorithms report at natural checkpoints
// (a k-means iteration, a top-level FP-growth item, an optimiser step) through `at`, which forwards
// only a new stage or a step of at least 1%, so a callback that posts a message from a Worker is
// not flooded. An analysis made of steps hands each step a `part` of its own range.
#include <algorithm>
#include <functional>
#include <memory>
#include <string>

namespace circlewise {

class Progress {
 public:
  using Callback = std::function<void(const std::string& stage, double fraction)>;

  Progress() = default;
  explicit Progress(Callback cb) : state_(std::make_shared<State>()) { state_->cb = std::move(cb); }

  // The sub-task [from, to] of this one: its fractions 0..1 map onto that range.
  Progress part(double from, double to) const {
    Progress p = *this;
    p.from_ = from_ + (to_ - from_) * from;
    p.to_ = from_ + (to_ - from_) * to;
    return p;
  }

  void at(const char* stage, double fraction) const {
    if (!state_) return;
    State& s = *state_;
    const double f = std::max(s.last, from_ + (to_ - from_) * std::clamp(fraction, 0.0, 1.0));
    if (s.stage == stage && f < s.last + 0.01 && !(f >= 1 && s.last < 1)) return;
    s.stage = stage;
    s.last = f;
    s.cb(s.stage, f);
  }

  explicit operator bool() const { return state_ != nullptr; }

 private:
  struct State {
    Callback cb;
    std::string stage;
    double last = 0;
  };
  std::shared_ptr<State> state_;
  double from_ = 0, to_ = 1;
};

}  // namespace circlewise
