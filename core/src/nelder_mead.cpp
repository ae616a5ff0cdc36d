#include "circlewise/nelder_mead.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace circlewise {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Run {
  const std::function<double(const std::vector<double>&)>& f;
  const std::vector<double>& lo;
  const std::vector<double>& hi;
  int evaluations = 0;

  std::vector<double> project(std::vector<double> x) const {
    for (size_t i = 0; i < x.size(); ++i) x[i] = std::clamp(x[i], lo[i], hi[i]);
    return x;
  }
  double eval(const std::vector<double>& x) {
    ++evaluations;
    double v = f(x);
    return std::isfinite(v) ? v : kInf;
  }
};

// One Nelder-Mead run (standard coefficients 1, 2, 0.5, 0.5) from x0; returns when converged or
// out of evaluations.
bool nelder_mead_run(Run& run, std::vector<double>& best_x, double& best_f, const NelderMeadOptions& o,
                     bool& stalled) {
  const size_t n = best_x.size();
  std::vector<std::vector<double>> s(n + 1, best_x);
  std::vector<double> fs(n + 1);
  fs[0] = best_f;
  for (size_t i = 0; i < n; ++i) {
    // Step inwards when the outward step would leave the box.
    double step = o.initial_step;
    if (s[i + 1][i] + step > run.hi[i]) step = -step;
    s[i + 1][i] += step;
    s[i + 1] = run.project(s[i + 1]);
    fs[i + 1] = run.eval(s[i + 1]);
  }
  std::vector<size_t> order(n + 1);
  std::vector<double> centroid(n), xr(n), xe(n), xc(n);
  bool converged = false;
  double checkpoint_f = kInf;
  int checkpoint_evals = run.evaluations;
  while (run.evaluations < o.max_evaluations) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return fs[a] < fs[b]; });
    const size_t ib = order[0], iw = order[n], isw = order[n - 1];
    if (run.evaluations - checkpoint_evals >= o.stall_window) {
      if (std::isfinite(fs[ib]) && checkpoint_f - fs[ib] <= o.f_tolerance * (1 + std::abs(fs[ib]))) {
        stalled = converged = true;
        break;
      }
      checkpoint_f = fs[ib];
      checkpoint_evals = run.evaluations;
    }
    // Convergence: values and vertices both close.
    double fspread = fs[iw] - fs[ib];
    double xspread = 0;
    for (size_t v = 0; v <= n; ++v)
      for (size_t i = 0; i < n; ++i) xspread = std::max(xspread, std::abs(s[v][i] - s[ib][i]));
    if (std::isfinite(fs[iw]) && fspread <= o.f_tolerance * (1 + std::abs(fs[ib])) && xspread <= o.x_tolerance) {
      converged = true;
      break;
    }
    std::fill(centroid.begin(), centroid.end(), 0.0);
    for (size_t v = 0; v <= n; ++v)
      if (v != iw)
        for (size_t i = 0; i < n; ++i) centroid[i] += s[v][i] / static_cast<double>(n);
    for (size_t i = 0; i < n; ++i) xr[i] = centroid[i] + (centroid[i] - s[iw][i]);
    xr = run.project(xr);
    double fr = run.eval(xr);
    if (fr < fs[ib]) {
      for (size_t i = 0; i < n; ++i) xe[i] = centroid[i] + 2 * (centroid[i] - s[iw][i]);
      xe = run.project(xe);
      double fe = run.eval(xe);
      if (fe < fr) {
        s[iw] = xe;
        fs[iw] = fe;
      } else {
        s[iw] = xr;
        fs[iw] = fr;
      }
      continue;
    }
    if (fr < fs[isw]) {
      s[iw] = xr;
      fs[iw] = fr;
      continue;
    }
    // Contraction: outside when the reflected point beats the worst, inside otherwise.
    const bool outside = fr < fs[iw];
    for (size_t i = 0; i < n; ++i)
      xc[i] = outside ? centroid[i] + 0.5 * (xr[i] - centroid[i]) : centroid[i] + 0.5 * (s[iw][i] - centroid[i]);
    double fc = run.eval(xc);
    if (fc < (outside ? fr : fs[iw])) {
      s[iw] = xc;
      fs[iw] = fc;
      continue;
    }
    // Shrink towards the best vertex.
    for (size_t v = 0; v <= n; ++v) {
      if (v == ib) continue;
      for (size_t i = 0; i < n; ++i) s[v][i] = s[ib][i] + 0.5 * (s[v][i] - s[ib][i]);
      fs[v] = run.eval(s[v]);
    }
  }
  size_t ib = static_cast<size_t>(std::min_element(fs.begin(), fs.end()) - fs.begin());
  best_x = s[ib];
  best_f = fs[ib];
  return converged;
}

}  // namespace

NelderMeadResult minimize_nelder_mead(const std::function<double(const std::vector<double>&)>& f,
                                      std::vector<double> x0, const std::vector<double>& lower,
                                      const std::vector<double>& upper, const NelderMeadOptions& o) {
  Run run{f, lower, upper};
  NelderMeadResult r;
  r.x = run.project(std::move(x0));
  r.f = run.eval(r.x);
  for (;;) {
    double before = r.f;
    r.converged = nelder_mead_run(run, r.x, r.f, o, r.stalled);
    if (!r.converged || r.stalled || r.restarts >= o.max_restarts) break;
    if (!(before - r.f > o.f_tolerance * (1 + std::abs(r.f))) && r.restarts > 0) break;
    ++r.restarts;
  }
  r.evaluations = run.evaluations;
  return r;
}

}  // namespace circlewise
