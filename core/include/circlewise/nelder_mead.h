#pragma once
// Derivative-free minimisation inside a box: Nelder-Mead with points projected onto the box and
// restarts from the best vertex. Used for the maximum-likelihood fits of the churn and spend
// models, whose parameters are fitted on a log scale (positive, spanning many decades), where
// Newton-type methods step into regions where the likelihood is not finite.
#include <functional>
#include <vector>

namespace circlewise {

struct NelderMeadOptions {
  int max_evaluations = 5000;
  // Stops when the simplex's function values differ by less than this (absolute, plus relative to
  // |f|) and its vertices by less than `x_tolerance` in every coordinate.
  double f_tolerance = 1e-10;
  double x_tolerance = 1e-7;
  double initial_step = 0.5;  // first simplex edge, in the units of x
  // A converged run is restarted from its best point until a restart no longer improves f by
  // more than f_tolerance: the standard remedy for Nelder-Mead's premature collapse.
  int max_restarts = 8;
  // Also stops when the best value has improved by less than f_tolerance (relative) over this
  // many evaluations: on a ridge that rises towards infinity (a parameter not identified by the
  // data) the simplex would otherwise crawl until max_evaluations.
  int stall_window = 1000;
};

struct NelderMeadResult {
  std::vector<double> x;
  double f = 0;
  int evaluations = 0;
  int restarts = 0;
  bool converged = false;  // false when max_evaluations ran out first
  bool stalled = false;    // stopped by the stall rule (value converged, point still drifting)
};

// Minimises f over lower <= x <= upper (same sizes as x0). Non-finite values of f are treated as
// +infinity, so f may return NaN/inf where it is undefined. Deterministic.
NelderMeadResult minimize_nelder_mead(const std::function<double(const std::vector<double>&)>& f,
                                      std::vector<double> x0, const std::vector<double>& lower,
                                      const std::vector<double>& upper, const NelderMeadOptions& options = {});

}  // namespace circlewise
