#include "circlewise/allocation.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "circlewise/code_size.h"
#include "circlewise/error.h"
#include "circlewise/text.h"

namespace circlewise {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Everything the solver needs about one community once options are resolved.
struct Slot {
  const ResponseCurve* curve;
  double lo = 0, hi = 0;
  bool fixed = false;
  std::string max_source;
  double w = 1;     // objective weight of a conversion
  double cost = 0;  // objective cost of a unit of spend (1 for profit)
  double value = kNaN;
  double current = 0;
  double concave_from = 0;  // spend where the curve turns concave (its S-curve inflection)
  double gain(double s) const { return w * conversions_at(curve->params, s) - cost * s; }
  double slope(double s) const { return w * marginal_at(curve->params, s) - cost; }
};

double inflection_spend(const CurveParams& p) {
  if (p.model != CurveModel::kHill || p.shape <= 1) return 0;
  double n = p.shape;
  return p.scale * std::pow((n - 1) / (n + 1), 1 / n) * (1 - p.adstock);
}

double objective_of(const std::vector<Slot>& slots, const std::vector<double>& s) {
  double v = 0;
  for (size_t i = 0; i < slots.size(); ++i) v += slots[i].gain(s[i]);
  return v;
}

std::string money(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}
std::string num3(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Where the slope of one community's objective equals lambda on [a, b], where the slope
// decreases (Illinois regula falsi; the ends when the slope stays above or below lambda).
double spend_where_slope_is(const Slot& sl, double a, double b, double lambda) {
  double fa = sl.slope(a) - lambda;
  if (!(fa > 0)) return a;
  double fb = sl.slope(b) - lambda;
  if (fb >= 0) return b;
  double lo = a, hi = b, x = a;
  int side = 0;
  for (int it = 0; it < 200 && hi - lo > 1e-13 * std::max(1.0, hi); ++it) {
    x = std::isfinite(fa) ? (lo * fb - hi * fa) / (fb - fa) : 0.5 * (lo + hi);
    if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
    double fx = sl.slope(x) - lambda;
    if (fx == 0) return x;
    if (fx > 0) {
      lo = x;
      fa = fx;
      if (side == 1) fb /= 2;
      side = 1;
    } else {
      hi = x;
      fb = fx;
      if (side == -1) fa /= 2;
      side = -1;
    }
    if (std::abs(fx) <= 1e-14 * (std::abs(lambda) + 1e-300)) break;
  }
  return x;
}

// Equalises marginal returns among the communities on the concave part of their curves, holding
// the others (at a bound, or on the rising part of an S-curve) where the DP put them. A bisection
// on the budget's shadow price lambda: each community's best spend given lambda is where its
// slope equals lambda (slopes decrease on the concave part), and their sum decreases with lambda.
std::vector<double> refine(const std::vector<Slot>& slots, const std::vector<double>& s0, double budget) {
  size_t n = slots.size();
  std::vector<double> a(n), b(n);
  std::vector<bool> in(n, false);
  double others = 0;
  for (size_t i = 0; i < n; ++i) {
    const Slot& sl = slots[i];
    if (!sl.fixed && s0[i] >= sl.concave_from) {
      // The whole concave stretch: the objective restricted to it is concave, so its optimum
      // (with the other communities held) is unique and at least as good as the DP point.
      a[i] = std::max(sl.lo, sl.concave_from);
      b[i] = sl.hi;
      in[i] = b[i] > a[i];
    }
    if (!in[i]) others += s0[i];
  }
  double room = budget - others;
  std::vector<double> s(n), s_hi(n);
  auto spend_at = [&](double lambda, std::vector<double>& out) {
    double total = 0;
    for (size_t i = 0; i < n; ++i) {
      out[i] = in[i] ? spend_where_slope_is(slots[i], a[i], b[i], lambda) : s0[i];
      if (in[i]) total += out[i];
    }
    return total;
  };
  if (spend_at(0, s) <= room) return s;  // the budget does not bind (profit, or maximums reached)
  double lo = 0, hi = 0;
  for (size_t i = 0; i < n; ++i)
    if (in[i]) {
      // Curves with shape < 1 have an infinite slope at zero; just above it is enough.
      double at = slots[i].slope(a[i]);
      if (!std::isfinite(at)) at = slots[i].slope(a[i] + 1e-12 * (b[i] - a[i]));
      hi = std::max(hi, at);
    }
  double f_lo = spend_at(lo, s) - room, f_hi = spend_at(hi, s_hi) - room;
  if (f_hi > 0) return s0;  // cannot shrink enough on the concave stretches
  // Illinois regula falsi on the total spend as a function of lambda (decreasing); the feasible
  // end (total <= room) is the one returned.
  int side = 0;
  for (int it = 0; it < 200 && f_hi < -1e-11 * std::max(1.0, room) && hi - lo > 1e-15 * hi; ++it) {
    double x = (lo * f_hi - hi * f_lo) / (f_hi - f_lo);
    if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
    double fx = spend_at(x, s) - room;
    if (fx > 0) {
      lo = x;
      f_lo = fx;
      if (side == 1) f_hi /= 2;
      side = 1;
    } else {
      hi = x;
      f_hi = fx;
      s_hi = s;
      if (side == -1) f_lo /= 2;
      side = -1;
    }
  }
  return s_hi;
}

// A community left on the rising part of its S-curve strictly between its bounds sits on the DP
// grid; a golden-section search within one grid unit (re-balancing the others each time) moves it
// to the best point nearby, then everything is re-balanced.
void polish_rising(const std::vector<Slot>& slots, std::vector<double>& s, double unit, double budget) {
  for (size_t j = 0; j < slots.size(); ++j) {
    const Slot& sl = slots[j];
    if (sl.fixed || s[j] >= sl.concave_from || s[j] <= sl.lo || s[j] >= sl.hi) continue;
    double lo = std::max(sl.lo, s[j] - unit), hi = std::min({sl.hi, s[j] + unit, sl.concave_from});
    auto value_at = [&](double t, std::vector<double>& out) {
      std::vector<double> trial = s;
      trial[j] = t;
      out = refine(slots, trial, budget);  // the concave communities make or take the room
      double total = 0;
      for (double v : out) total += v;
      return total <= budget * (1 + 1e-12) ? objective_of(slots, out) : -kInf;
    };
    std::vector<double> best = s, tmp;
    double best_v = objective_of(slots, s);
    const double g = 0.5 * (std::sqrt(5.0) - 1);
    double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
    double f1 = value_at(x1, tmp), f2 = value_at(x2, tmp);
    for (int it = 0; it < 40; ++it) {
      if (f1 < f2) {
        lo = x1;
        x1 = x2;
        f1 = f2;
        x2 = lo + g * (hi - lo);
        f2 = value_at(x2, tmp);
      } else {
        hi = x2;
        x2 = x1;
        f2 = f1;
        x1 = hi - g * (hi - lo);
        f1 = value_at(x1, tmp);
      }
    }
    for (double t : {lo, hi, std::max(sl.lo, s[j] - unit), std::min(sl.hi, s[j] + unit)}) {
      double v = value_at(t, tmp);
      if (v > best_v) {
        best_v = v;
        best = tmp;
      }
    }
    s = best;
  }
}

struct Solved {
  std::vector<double> spend;
  size_t steps = 0;
  double unit = 0;
};

Solved solve(const std::vector<Slot>& slots, double budget, size_t grid, bool do_refine) {
  size_t n = slots.size();
  Solved r;
  r.spend.resize(n);
  double base = 0, room_max = 0;
  size_t free_count = 0;
  for (size_t i = 0; i < n; ++i) {
    r.spend[i] = slots[i].lo;
    base += slots[i].lo;
    room_max += slots[i].hi - slots[i].lo;
    if (!slots[i].fixed && slots[i].hi > slots[i].lo) ++free_count;
  }
  double room = std::min(budget - base, room_max);
  if (room <= 0 || free_count == 0) return r;
  size_t steps = grid;
  if (steps == 0) {
    // Keeps the DP near 3 million cell updates whatever the community count.
    steps = static_cast<size_t>(std::sqrt(3e6 / static_cast<double>(free_count)));
    steps = std::clamp<size_t>(steps, 64, 2000);
  }
  double unit = room / static_cast<double>(steps);
  std::vector<std::vector<double>> value(n);
  for (size_t i = 0; i < n; ++i) {
    const Slot& sl = slots[i];
    size_t k_max = sl.fixed ? 0 : static_cast<size_t>(std::floor((sl.hi - sl.lo) / unit + 1e-9));
    k_max = std::min(k_max, steps);
    value[i].resize(k_max + 1);
    for (size_t k = 0; k <= k_max; ++k) value[i][k] = sl.gain(sl.lo + unit * static_cast<double>(k));
  }
  auto units = best_grid_split(value, steps);
  for (size_t i = 0; i < n; ++i) r.spend[i] = slots[i].lo + unit * static_cast<double>(units[i]);
  r.steps = steps;
  r.unit = unit;
  if (do_refine) {
    double best = objective_of(slots, r.spend);
    auto s = refine(slots, r.spend, base + room);
    polish_rising(slots, s, unit, base + room);
    // Only an improvement is taken, so the result is never below the grid optimum.
    if (objective_of(slots, s) > best) r.spend = s;
  }
  return r;
}

}  // namespace

std::vector<size_t> best_grid_split(const std::vector<std::vector<double>>& value, size_t total) {
  size_t n = value.size();
  std::vector<double> dp(total + 1, -kInf), next(total + 1);
  dp[0] = 0;
  std::vector<std::vector<uint32_t>> choice(n, std::vector<uint32_t>(total + 1, 0));
  size_t reach = 0;  // dp[b] is -inf for b > reach
  for (size_t i = 0; i < n; ++i) {
    const std::vector<double>& v = value[i];
    size_t kmax = v.empty() ? 0 : v.size() - 1;
    size_t new_reach = std::min(total, reach + kmax);
    uint32_t* ch = choice[i].data();
    for (size_t b = 0; b <= new_reach; ++b) {
      double best = -kInf;
      uint32_t arg = 0;
      size_t k_lo = b > reach ? b - reach : 0, k_hi = std::min(kmax, b);
      for (size_t k = k_lo; k <= k_hi; ++k) {
        double c = dp[b - k] + v[k];
        if (c > best) {
          best = c;
          arg = static_cast<uint32_t>(k);
        }
      }
      next[b] = best;
      ch[b] = arg;
    }
    for (size_t b = new_reach + 1; b <= total; ++b) next[b] = -kInf;
    std::swap(dp, next);
    reach = new_reach;
  }
  // The best total at or under the budget; ties go to the smaller spend.
  size_t b = 0;
  for (size_t t = 1; t <= reach; ++t)
    if (dp[t] > dp[b]) b = t;
  std::vector<size_t> units(n);
  for (size_t i = n; i-- > 0;) {
    units[i] = choice[i][b];
    b -= units[i];
  }
  return units;
}

namespace {

std::vector<Slot> resolve(const std::vector<ResponseCurve>& curves, const AllocationOptions& o,
                          AllocationObjective objective, double budget_cap) {
  for (const auto& c : o.constraints) {
    bool found = false;
    for (const auto& cv : curves) found = found || cv.community == c.community;
    if (!found) throw InputError("option \"communities\": " + quote_value(c.community) + " has no response curve");
  }
  std::vector<Slot> slots;
  for (const auto& c : curves) {
    Slot s;
    s.curve = &c;
    const CommunityConstraint* k = nullptr;
    for (const auto& cc : o.constraints)
      if (cc.community == c.community) k = &cc;
    std::string at = "community " + quote_value(c.community);
    double value = k && !std::isnan(k->value) ? k->value
                   : !std::isnan(o.value_per_conversion) ? o.value_per_conversion
                                                          : c.value_per_conversion;
    s.value = value;
    if (objective != AllocationObjective::kConversions) {
      if (std::isnan(value))
        throw InputError(at + ": no value per conversion (its history has no revenue); give option "
                              "\"valuePerConversion\" or a per-community \"value\"");
      s.w = value;
      s.cost = objective == AllocationObjective::kProfit ? 1 : 0;
    }
    s.current = k && !std::isnan(k->current) ? k->current : c.current_spend;
    if (k && !std::isnan(k->fixed)) {
      s.fixed = true;
      s.lo = s.hi = std::isinf(k->fixed) ? s.current : k->fixed;  // `fixed: true` holds the current spend
      s.max_source = "fixed";
    } else {
      s.lo = k && !std::isnan(k->min) ? k->min : 0;
      if (k && !std::isnan(k->max)) {
        s.hi = k->max;
        s.max_source = "option";
      } else {
        // Without data on the curve's range, 10 scales is where every supported curve is flat.
        s.hi = c.max_spend > 0 && o.max_extrapolation > 0 ? o.max_extrapolation * c.max_spend
                                                          : 10 * c.params.scale * (1 - c.params.adstock);
        s.max_source = c.max_spend > 0 && o.max_extrapolation > 0 ? "extrapolation" : "saturation";
      }
      if (s.hi > budget_cap) {
        // Minimums above the budget are reported for the whole plan (in allocate), not here.
        s.hi = std::max(budget_cap, s.lo);
        s.max_source = "budget";
      }
      if (s.lo > s.hi)
        throw InputError(at + ": minimum " + money(s.lo) + " is above its maximum " + money(s.hi) +
                         (s.max_source == "budget" ? " (the budget)" : ""));
    }
    s.concave_from = inflection_spend(c.params);
    slots.push_back(s);
  }
  return slots;
}

SplitTotals totals_of(const std::vector<Slot>& slots, const std::vector<double>& s, AllocationObjective obj) {
  SplitTotals t;
  bool have_revenue = true;
  size_t m = slots.empty() ? 0 : slots[0].curve->samples.size();
  for (const auto& sl : slots) m = sl.curve->samples.size() == m ? m : 0;
  std::vector<double> sample_sum(m, 0);
  for (size_t i = 0; i < slots.size(); ++i) {
    const Slot& sl = slots[i];
    double y = conversions_at(sl.curve->params, s[i]);
    t.spend += s[i];
    t.conversions += y;
    if (std::isnan(sl.value)) have_revenue = false;
    else t.revenue += sl.value * y;
    for (size_t b = 0; b < m; ++b) sample_sum[b] += conversions_at(sl.curve->samples[b], s[i]);
    if (m == 0) {
      auto band = conversions_band(*sl.curve, s[i]);
      t.lower += band[0];
      t.upper += band[1];
    }
  }
  if (m > 0) {
    // Curves are bootstrapped independently, so summing the b-th samples gives draws of the total.
    std::sort(sample_sum.begin(), sample_sum.end());
    double level = slots[0].curve->level, a = (1 - level) / 2;
    auto q = [&](double p) {
      double pos = p * static_cast<double>(m - 1);
      size_t i = static_cast<size_t>(pos);
      return i + 1 >= m ? sample_sum.back() : sample_sum[i] + (pos - i) * (sample_sum[i + 1] - sample_sum[i]);
    };
    t.lower = q(a);
    t.upper = q(1 - a);
  }
  if (!have_revenue) t.revenue = kNaN;
  t.profit = t.revenue - t.spend;
  t.objective = objective_of(slots, s);
  (void)obj;
  return t;
}

Allocation build(const std::vector<Slot>& slots, const std::vector<double>& spend, const AllocationOptions& o,
                 AllocationObjective obj, double budget, const Solved& solved) {
  Allocation a;
  a.mode = o.mode;
  a.objective = obj;
  a.budget = budget;
  a.grid_steps = solved.steps;
  a.grid_unit = solved.unit;
  std::vector<double> cur(slots.size());
  a.current_feasible = true;
  double cur_total = 0;
  for (size_t i = 0; i < slots.size(); ++i) {
    cur[i] = slots[i].current;
    cur_total += cur[i];
    const double tol = 1e-9 * std::max(1.0, slots[i].hi);
    if (a.current_feasible && (cur[i] < slots[i].lo - tol || cur[i] > slots[i].hi + tol)) {
      a.current_feasible = false;
      a.current_infeasible_reason = "the current spend of " + quote_value(slots[i].curve->community) + " (" +
                                    money(cur[i]) + ") is outside its bounds [" + money(slots[i].lo) + ", " +
                                    money(slots[i].hi) + "]";
    }
  }
  // In the inverse modes the budget is the answer, so only the bounds judge the current split.
  if (a.current_feasible && o.mode == AllocationMode::kPlan && cur_total > budget * (1 + 1e-12)) {
    a.current_feasible = false;
    a.current_infeasible_reason = "the current split spends " + money(cur_total) + ", more than the budget";
  }
  std::vector<double> s = spend;
  a.current = totals_of(slots, cur, obj);
  a.totals = totals_of(slots, s, obj);
  if (a.current_feasible && o.mode == AllocationMode::kPlan && a.current.objective > a.totals.objective) {
    s = cur;
    a.totals = a.current;
    a.kept_current = true;
    a.notes.push_back("the current split is already at least as good as any plan on the optimiser's grid; kept it");
  }
  // The best return on one more unit among communities that could still take it.
  double best_next = -kInf;
  std::string best_name;
  for (size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].fixed || s[i] >= slots[i].hi * (1 - 1e-9)) continue;
    double v = slots[i].slope(s[i]) + slots[i].cost;
    if (v > best_next) {
      best_next = v;
      best_name = slots[i].curve->community;
    }
  }
  std::vector<std::string> at_max;
  for (size_t i = 0; i < slots.size(); ++i) {
    const Slot& sl = slots[i];
    CommunityPlan p;
    p.community = sl.curve->community;
    p.spend = s[i];
    p.min = sl.lo;
    p.max = sl.hi;
    p.max_source = sl.max_source;
    p.conversions = conversions_at(sl.curve->params, s[i]);
    auto band = conversions_band(*sl.curve, s[i]);
    p.lower = band[0];
    p.upper = band[1];
    p.value = sl.w;
    p.marginal_conversions = marginal_at(sl.curve->params, s[i]);
    p.marginal_value = sl.w * p.marginal_conversions;
    p.current_spend = cur[i];
    p.current_conversions = conversions_at(sl.curve->params, cur[i]);
    const double tol = std::max(1e-9, 1e-7 * std::max(sl.hi, 1.0));
    std::string per_unit = num3(p.marginal_value) +
                           (obj == AllocationObjective::kConversions ? " conversions" : " in value") + " per unit";
    if (sl.fixed) {
      p.status = "fixed";
      p.note = "held fixed at " + money(sl.lo);
    } else if (s[i] >= sl.hi - tol) {
      p.status = "at_max";
      std::string why = sl.max_source == "option"          ? "its maximum"
                        : sl.max_source == "extrapolation" ? "the extrapolation limit (" + num3(o.max_extrapolation) +
                                                                 "x the largest spend in its history)"
                        : sl.max_source == "budget"        ? "the whole budget"
                                                           : "the point where its curve is saturated";
      p.note = "capped by " + why + "; the next unit would still return " + per_unit;
      at_max.push_back(quote_value(p.community) + " (" + money(sl.hi) + ", " + sl.max_source + ")");
    } else if (s[i] <= sl.lo + tol) {
      p.status = "at_min";
      if (s[i] < sl.concave_from) {
        p.note = "below the threshold of its S-curve (returns pick up only past about " + money(sl.concave_from) +
                 "); the budget earns more elsewhere";
      } else {
        p.note = "at its minimum: the next unit returns " + per_unit +
                 (best_name.empty() ? std::string() : ", less than " + quote_value(best_name) + " offers");
      }
      if (sl.lo > 0) p.note += " (minimum " + money(sl.lo) + ")";
    } else {
      p.status = "interior";
      p.note = "the next unit returns " + per_unit + ", as much as anywhere else";
      if (s[i] < sl.concave_from) p.note += " (still on the rising part of its S-curve)";
    }
    a.communities.push_back(p);
  }
  double max_total = 0;
  for (const auto& sl : slots) max_total += sl.hi;
  double unspent = budget - a.totals.spend;
  if (o.mode == AllocationMode::kPlan && unspent > 1e-6 * std::max(1.0, budget)) {
    bool all_at_max = true;
    for (size_t i = 0; i < slots.size(); ++i)
      all_at_max = all_at_max && (slots[i].fixed || s[i] >= slots[i].hi * (1 - 1e-9));
    if (all_at_max && max_total < budget * (1 - 1e-9)) {
      std::string list;
      for (const auto& m : at_max) list += (list.empty() ? "" : ", ") + m;
      a.notes.push_back(money(unspent) + " of the budget cannot be spent: the maximum spends add up to " +
                        money(max_total) + (list.empty() ? "" : " (at their maximum: " + list + ")"));
    } else if (obj == AllocationObjective::kProfit) {
      a.notes.push_back(money(unspent) +
                        " of the budget is left unspent: one more unit anywhere would return less than it costs");
    } else {
      a.notes.push_back(money(unspent) + " of the budget is left unspent: no community gains from more spend");
    }
  }
  if (!best_name.empty())
    a.notes.push_back("the best place for one more unit is " + quote_value(best_name) + " (" + num3(best_next) +
                      (obj == AllocationObjective::kConversions ? " conversions" : " in value") + " per unit)");
  if (!a.current_feasible && o.mode == AllocationMode::kPlan)
    a.notes.push_back("the current split is not feasible under these constraints: " + a.current_infeasible_reason);
  return a;
}

}  // namespace

Allocation allocate(const std::vector<ResponseCurve>& curves, const AllocationOptions& o) {
  if (curves.empty()) throw InputError("allocation needs at least one response curve");
  AllocationObjective obj = o.objective;
  if (o.mode == AllocationMode::kTarget) obj = AllocationObjective::kConversions;
  if (o.mode == AllocationMode::kProfitBudget) obj = AllocationObjective::kProfit;
  if (o.mode == AllocationMode::kPlan && !(o.budget >= 0 && std::isfinite(o.budget)))
    throw InputError("option \"budget\" must be a number >= 0 (spend per period)");
  if (o.mode == AllocationMode::kTarget && !(o.target > 0 && std::isfinite(o.target)))
    throw InputError("option \"target\" must be a number > 0 (conversions per period)");
  double cap = o.mode == AllocationMode::kPlan ? o.budget : kInf;
  auto slots = resolve(curves, o, obj, cap);
  double sum_lo = 0, sum_hi = 0;
  for (const auto& s : slots) {
    sum_lo += s.lo;
    sum_hi += s.hi;
  }
  if (o.mode == AllocationMode::kPlan) {
    if (sum_lo > o.budget * (1 + 1e-12))
      throw InputError("the minimum and fixed spends add up to " + money(sum_lo) + ", more than the budget " +
                       money(o.budget) + ": lower some minimums or raise option \"budget\"");
    Solved r = solve(slots, o.budget, o.grid, o.refine);
    return build(slots, r.spend, o, obj, o.budget, r);
  }
  if (o.mode == AllocationMode::kProfitBudget) {
    Solved r = solve(slots, sum_hi, o.grid, o.refine);
    double spent = 0;
    for (double v : r.spend) spent += v;
    Allocation a = build(slots, r.spend, o, obj, spent, r);
    a.notes.insert(a.notes.begin(), "the profit-maximising budget is " + money(spent) +
                                        " per period (searched up to the maximums, " + money(sum_hi) + ")");
    return a;
  }
  // Target: the least budget whose optimal plan reaches the target (the optimum grows with the budget).
  auto plan_at = [&](double budget) { return solve(slots, budget, o.grid, o.refine); };
  auto conv = [&](const Solved& r) {
    double t = 0;
    for (size_t i = 0; i < slots.size(); ++i) t += conversions_at(slots[i].curve->params, r.spend[i]);
    return t;
  };
  Solved top = plan_at(sum_hi);
  double top_conv = conv(top);
  Allocation a;
  if (top_conv < o.target) {
    a = build(slots, top.spend, o, obj, sum_hi, top);
    a.target_reached = false;
    a.notes.insert(a.notes.begin(), "the target of " + num3(o.target) +
                                        " conversions per period cannot be reached within the maximums: at most " +
                                        num3(top_conv) + " with " + money(sum_hi));
  } else {
    double lo = sum_lo, hi = sum_hi;
    Solved best = top;
    Solved at_lo = plan_at(lo);
    if (conv(at_lo) >= o.target) {
      best = at_lo;
      hi = lo;
    }
    for (int it = 0; it < 50 && hi - lo > 1e-6 * std::max(1.0, hi); ++it) {
      double mid = 0.5 * (lo + hi);
      Solved r = plan_at(mid);
      if (conv(r) >= o.target) {
        hi = mid;
        best = r;
      } else {
        lo = mid;
      }
    }
    a = build(slots, best.spend, o, obj, hi, best);
    a.notes.insert(a.notes.begin(), "the least budget reaching " + num3(o.target) + " conversions per period is " +
                                        money(hi));
  }
  a.target = o.target;
  return a;
}

CIRCLEWISE_SIZE_OPTIMISED_BEGIN

AllocationOptions allocation_options_from_json(const nlohmann::json& j) {
  AllocationOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("allocation options must be an object");
  auto number = [](const nlohmann::json& v, const std::string& key, double lo, double hi) {
    if (!v.is_number()) throw InputError("option \"" + key + "\" must be a number");
    double d = v.get<double>();
    if (!(d >= lo && d <= hi && std::isfinite(d)))
      throw InputError("option \"" + key + "\" must be in [" + format_number(lo) + ", " +
                       (std::isinf(hi) ? std::string("infinity") : format_number(hi)) + "], got " + format_number(d));
    return d;
  };
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = it.value();
    if (k == "budget") {
      if (!v.is_null()) o.budget = number(v, k, 0, kInf);
    } else if (k == "target") {
      if (!v.is_null()) o.target = number(v, k, 0, kInf);
    } else if (k == "valuePerConversion") {
      if (!v.is_null()) o.value_per_conversion = number(v, k, 0, kInf);
    } else if (k == "maxExtrapolation") {
      o.max_extrapolation = number(v, k, 0, 1000);
    } else if (k == "grid") {
      double g = number(v, k, 0, 20000);
      if (g != std::floor(g) || (g > 0 && g < 2)) throw InputError("option \"grid\" must be 0 (auto) or an integer in [2, 20000]");
      o.grid = static_cast<size_t>(g);
    } else if (k == "refine") {
      if (!v.is_boolean()) throw InputError("option \"refine\" must be true or false");
      o.refine = v.get<bool>();
    } else if (k == "objective") {
      std::string s = v.is_string() ? v.get<std::string>() : "";
      if (s == "conversions") o.objective = AllocationObjective::kConversions;
      else if (s == "revenue") o.objective = AllocationObjective::kRevenue;
      else if (s == "profit") o.objective = AllocationObjective::kProfit;
      else throw InputError("option \"objective\" must be \"conversions\", \"revenue\" or \"profit\"");
    } else if (k == "mode") {
      std::string s = v.is_string() ? v.get<std::string>() : "";
      if (s == "plan") o.mode = AllocationMode::kPlan;
      else if (s == "target") o.mode = AllocationMode::kTarget;
      else if (s == "profitBudget") o.mode = AllocationMode::kProfitBudget;
      else throw InputError("option \"mode\" must be \"plan\", \"target\" or \"profitBudget\"");
    } else if (k == "communities") {
      if (!v.is_object()) throw InputError("option \"communities\" must be an object keyed by community name");
      for (auto c = v.begin(); c != v.end(); ++c) {
        std::string at = "communities." + c.key();
        if (!c.value().is_object()) throw InputError("option \"" + at + "\" must be an object");
        CommunityConstraint cc;
        cc.community = c.key();
        bool fixed_at_current = false;
        for (auto f = c.value().begin(); f != c.value().end(); ++f) {
          const std::string& fk = f.key();
          const auto& fv = f.value();
          if (fv.is_null()) continue;
          std::string name = at + "." + fk;
          if (fk == "min") cc.min = number(fv, name, 0, kInf);
          else if (fk == "max") cc.max = number(fv, name, 0, kInf);
          else if (fk == "current") cc.current = number(fv, name, 0, kInf);
          else if (fk == "value") cc.value = number(fv, name, 0, kInf);
          else if (fk == "fixed") {
            if (fv.is_boolean()) fixed_at_current = fv.get<bool>();
            else cc.fixed = number(fv, name, 0, kInf);
          } else {
            throw InputError("unknown option " + quote_value(name) + " (known: min, max, fixed, current, value)");
          }
        }
        if (!std::isnan(cc.min) && !std::isnan(cc.max) && cc.min > cc.max)
          throw InputError("option \"" + at + "\": min " + format_number(cc.min) + " is above max " +
                           format_number(cc.max));
        if (fixed_at_current) cc.fixed = kInf;  // resolved to the current spend below
        o.constraints.push_back(cc);
      }
    } else {
      throw InputError("unknown allocation option " + quote_value(k) +
                       " (known: budget, objective, valuePerConversion, communities, maxExtrapolation, grid, "
                       "refine, mode, target)");
    }
  }
  return o;
}

CIRCLEWISE_SIZE_OPTIMISED_END

namespace {
nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
const char* objective_name(AllocationObjective o) {
  return o == AllocationObjective::kConversions ? "conversions" : o == AllocationObjective::kRevenue ? "revenue" : "profit";
}
const char* mode_name(AllocationMode m) {
  return m == AllocationMode::kPlan ? "plan" : m == AllocationMode::kTarget ? "target" : "profitBudget";
}
nlohmann::json to_json(const SplitTotals& t) {
  return {{"spend", t.spend},        {"conversions", t.conversions}, {"lower", t.lower},  {"upper", t.upper},
          {"revenue", num(t.revenue)}, {"profit", num(t.profit)},     {"objective", t.objective}};
}
}  // namespace

nlohmann::json to_json(const Allocation& a) {
  nlohmann::json cs = nlohmann::json::array();
  for (const auto& p : a.communities)
    cs.push_back({{"community", p.community},
                  {"spend", p.spend},
                  {"min", p.min},
                  {"max", p.max},
                  {"maxSource", p.max_source},
                  {"status", p.status},
                  {"conversions", p.conversions},
                  {"lower", p.lower},
                  {"upper", p.upper},
                  {"marginalConversions", p.marginal_conversions},
                  {"marginalValue", p.marginal_value},
                  {"currentSpend", p.current_spend},
                  {"currentConversions", p.current_conversions},
                  {"change", p.spend - p.current_spend},
                  {"changeConversions", p.conversions - p.current_conversions},
                  {"note", p.note}});
  nlohmann::json j = {{"mode", mode_name(a.mode)},
                      {"objective", objective_name(a.objective)},
                      {"budget", a.budget},
                      {"communities", cs},
                      {"totals", to_json(a.totals)},
                      {"current", to_json(a.current)},
                      {"currentFeasible", a.current_feasible},
                      {"keptCurrent", a.kept_current},
                      {"improvement", a.totals.objective - a.current.objective},
                      {"grid", {{"steps", a.grid_steps}, {"unit", a.grid_unit}}},
                      {"notes", a.notes}};
  if (a.mode == AllocationMode::kTarget) {
    j["target"] = a.target;
    j["targetReached"] = a.target_reached;
  }
  return j;
}

std::string to_text(const Allocation& a) {
  std::ostringstream o;
  char line[320];
  o << "objective: " << objective_name(a.objective) << ", budget " << money(a.budget) << " per period\n\n";
  std::snprintf(line, sizeof line, "%-20s %12s %12s %12s %11s %19s %12s  %s\n", "community", "spend", "current",
                "change", "conversions", "band", "next unit", "status");
  o << line;
  for (const auto& p : a.communities) {
    char band[64];
    std::snprintf(band, sizeof band, "[%.1f, %.1f]", p.lower, p.upper);
    std::snprintf(line, sizeof line, "%-20.20s %12.2f %12.2f %+12.2f %11.2f %19s %12.4g  %s\n", p.community.c_str(),
                  p.spend, p.current_spend, p.spend - p.current_spend, p.conversions, band, p.marginal_value,
                  p.status.c_str());
    o << line;
  }
  std::snprintf(line, sizeof line, "\ntotal: spend %.2f, conversions %.2f [%.2f, %.2f]", a.totals.spend,
                a.totals.conversions, a.totals.lower, a.totals.upper);
  o << line;
  if (std::isfinite(a.totals.revenue)) o << ", revenue " << money(a.totals.revenue) << ", profit " << money(a.totals.profit);
  std::snprintf(line, sizeof line, "\ncurrent split: spend %.2f, conversions %.2f%s\n", a.current.spend,
                a.current.conversions, a.current_feasible ? "" : " (not feasible under these constraints)");
  o << line;
  o << "\n";
  for (const auto& p : a.communities) o << "  " << p.community << ": " << p.note << "\n";
  for (const auto& n : a.notes) o << "note: " << n << "\n";
  return o.str();
}

}  // namespace circlewise
