#pragma once
// Progress of long analyses (segmentation, rules, churn) for a UI: a callback receives the stage
// being worked on ("k-means", "frequent itemsets", "BG/NBD fit"...) and the estimated share of the
// whole analysis done, from 0 to 1 and never decreasing. Algorithms report at natural checkpoints
// (a k-means iteration, a top-level FP-growth item, an optimiser step) through `at`, which forwards
// only a new stage or a step of at least 1%, so a callback that posts a message from a Worker is
// not flooded. An analysis made of steps hands each step a `part` of its own range.
#include <functional>
#include <memory>
#include <string>
#include <utility>

namespace circlewise {

class Progress {
 public:
  using Callback = std::function<void(const std::string& stage, double fraction)>;

  Progress() = default;
  explicit Progress(Callback cb) : state_(std::make_shared<State>()) { state_->cb = std::move(cb); }

  // The sub-task [from, to] of this one: its fractions 0..1 map onto that range.
  Progress part(double from, double to) const;
  // Reports `fraction` (0..1) of this (sub-)task done while working on `stage`.
  void at(const char* stage, double fraction) const;

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
