#include "circlewise/customer_value.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "circlewise/error.h"
#include "circlewise/money.h"
#include "circlewise/nelder_mead.h"

namespace circlewise {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Parameters are fitted as logs inside this range (about 1e-9 .. 5e8): wide enough for any real
// data, finite so that a drifting parameter shows up as a warning instead of an overflow.
constexpr double kLogLo = -20.7, kLogHi = 20;

}  // namespace

double gamma_gamma_log_likelihood(const GammaGammaParams& g, double x, double m) {
  const double px = g.p * x;
  return std::lgamma(px + g.q) - std::lgamma(px) - std::lgamma(g.q) + g.q * std::log(g.gamma) +
         (px - 1) * std::log(m) + px * std::log(x) - (px + g.q) * std::log(g.gamma + m * x);
}

GammaGammaFit fit_gamma_gamma(const std::vector<double>& frequency, const std::vector<double>& monetary,
                              int max_evaluations, double penalizer, const Progress& progress) {
  GammaGammaFit fit;
  std::vector<double> xs, ms;
  for (size_t i = 0; i < frequency.size(); ++i) {
    if (!(frequency[i] > 0)) {
      ++fit.skipped_no_repeat;
    } else if (!(monetary[i] > 0) || !std::isfinite(monetary[i])) {
      ++fit.skipped_no_amount;
    } else {
      xs.push_back(frequency[i]);
      ms.push_back(monetary[i]);
    }
  }
  fit.learners = xs.size();
  if (xs.size() < 2)
    throw InputError("the spend (Gamma-Gamma) model needs at least 2 learners with a repeat purchase that has an amount; got " +
                     std::to_string(xs.size()));
  // Fit on amounts scaled to mean 1 (gamma scales with the currency; p and q do not).
  double mean = 0;
  for (double m : ms) mean += m / static_cast<double>(ms.size());
  const double scale = 1.0 / mean;
  // Distinct frequencies share their lgamma terms.
  std::vector<double> distinct = xs;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::vector<size_t> xi(xs.size());
  std::vector<double> log_m(xs.size()), x_log_x(xs.size()), mx(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    xi[i] = static_cast<size_t>(std::lower_bound(distinct.begin(), distinct.end(), xs[i]) - distinct.begin());
    log_m[i] = std::log(ms[i] * scale);
    x_log_x[i] = xs[i] * std::log(xs[i]);
    mx[i] = ms[i] * scale * xs[i];
  }
  const double n = static_cast<double>(xs.size());
  std::vector<double> lg(distinct.size());
  int evaluations = 0;
  auto objective = [&](const std::vector<double>& th) {
    // Evaluations to convergence are unknown: an estimate, as for the BG/NBD fit.
    if (++evaluations % 50 == 0) progress.at("spend model", evaluations / (evaluations + 1000.0));
    const double p = std::exp(th[0]), q = std::exp(th[1]), g = std::exp(th[2]);
    const double lgq = std::lgamma(q), qlg = q * std::log(g);
    for (size_t k = 0; k < distinct.size(); ++k)
      lg[k] = std::lgamma(p * distinct[k] + q) - std::lgamma(p * distinct[k]) - lgq + qlg;
    double ll = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      const double px = p * xs[i];
      ll += lg[xi[i]] + (px - 1) * log_m[i] + p * x_log_x[i] - (px + q) * std::log(g + mx[i]);
    }
    return -ll / n + penalizer * (p * p + q * q + g * g);
  };
  NelderMeadOptions o;
  o.max_evaluations = max_evaluations;
  auto r = minimize_nelder_mead(objective, {0.0, 0.0, 0.0}, {kLogLo, kLogLo, kLogLo}, {kLogHi, kLogHi, kLogHi}, o);
  fit.params = {std::exp(r.x[0]), std::exp(r.x[1]), std::exp(r.x[2]) / scale};
  fit.evaluations = r.evaluations;
  fit.converged = r.converged;
  if (!r.converged) fit.warnings.push_back("the spend fit stopped at maxEvaluations before converging");
  const char* names[] = {"p", "q", "gamma"};
  for (int k = 0; k < 3; ++k)
    if (r.x[k] <= kLogLo + 0.5 || r.x[k] >= kLogHi - 0.5)
      fit.warnings.push_back(std::string("spend parameter ") + names[k] +
                             " ran to the edge of its range: the data do not identify it");
  if (fit.params.q > 1e4)
    fit.warnings.push_back("q is very large: learners' typical spend hardly differs beyond purchase-to-purchase "
                           "variation, so q and gamma are not separately identified (only their ratio is); expected "
                           "spend is then close to the population mean");
  double ll = 0;
  for (size_t i = 0; i < xs.size(); ++i) ll += gamma_gamma_log_likelihood(fit.params, xs[i], ms[i]);
  fit.log_likelihood = ll;
  fit.mean_spend = fit.params.q > 1 ? fit.params.p * fit.params.gamma / (fit.params.q - 1) : kNaN;
  if (!(fit.params.q > 1))
    fit.warnings.push_back("q <= 1: the spend distribution has no finite mean, so expected spend and CLV are undefined");
  // Pearson correlation of frequency and mean spend: the model assumes they are independent.
  double mx_ = 0, mm = 0;
  for (size_t i = 0; i < xs.size(); ++i) mx_ += xs[i] / n, mm += ms[i] / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    sxy += (xs[i] - mx_) * (ms[i] - mm);
    sxx += (xs[i] - mx_) * (xs[i] - mx_);
    syy += (ms[i] - mm) * (ms[i] - mm);
  }
  fit.frequency_monetary_correlation = sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0;
  if (std::abs(fit.frequency_monetary_correlation) > 0.3)
    fit.warnings.push_back("frequency and spend are correlated (" +
                           std::to_string(fit.frequency_monetary_correlation) +
                           "): Gamma-Gamma assumes they are independent, so treat expected spend with care");
  return fit;
}

double gamma_gamma_expected_spend(const GammaGammaParams& g, double x, double m) {
  if (!(g.q > 1)) return kNaN;
  if (!(x > 0) || !(m > 0) || !std::isfinite(m)) return g.p * g.gamma / (g.q - 1);
  return g.p * (g.gamma + x * m) / (g.p * x + g.q - 1);
}

void wilson_interval(size_t k, size_t n, double& low, double& high) {
  if (n == 0) {
    low = high = 0;
    return;
  }
  const double z = 1.959963984540054, nn = static_cast<double>(n), ph = static_cast<double>(k) / nn;
  const double denom = 1 + z * z / nn;
  const double centre = (ph + z * z / (2 * nn)) / denom;
  const double half = z * std::sqrt(ph * (1 - ph) / nn + z * z / (4 * nn * nn)) / denom;
  low = std::max(0.0, centre - half);
  high = std::min(1.0, centre + half);
}

ConversionTable conversion_by_community(const EventLog& log) {
  const size_t n = log.size(), n_users = log.users.size(), n_comm = log.communities.size();
  const int32_t kPurchase = static_cast<int32_t>(EventType::kPurchase);
  ConversionTable t;
  std::vector<uint8_t> seen(n_users, 0), in_comm(n_users, 0), paid(n_users, 0);
  std::vector<uint64_t> members, payers;  // (user << 32 | community), sorted unique later
  std::vector<MoneySum> revenue(n_comm);
  MoneySum total, none_revenue;
  // Purchases without a community: attributed to every community their learner belongs to
  // (exports often name the community only on the sign-up row).
  std::vector<std::pair<int32_t, double>> untagged;
  for (size_t i = 0; i < n; ++i) {
    const int32_t u = log.user[i], c = log.community[i];
    seen[u] = 1;
    if (c != kNone) {
      in_comm[u] = 1;
      uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(u)) << 32) | static_cast<uint32_t>(c);
      if (members.empty() || members.back() != key) members.push_back(key);
    }
    if (log.event[i] != kPurchase) continue;
    paid[u] = 1;
    const double a = log.amount[i];
    const bool has = EventLog::has_amount(a);
    if (!has) ++t.purchases_without_amount;
    if (has) total.add(a);
    if (c != kNone) {
      payers.push_back((static_cast<uint64_t>(static_cast<uint32_t>(u)) << 32) | static_cast<uint32_t>(c));
      if (has) revenue[c].add(a);
    } else {
      untagged.emplace_back(u, has ? a : 0.0);
    }
  }
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  for (const auto& [u, a] : untagged) {
    if (!in_comm[u]) {
      none_revenue.add(a);
      continue;
    }
    auto lo = std::lower_bound(members.begin(), members.end(), static_cast<uint64_t>(static_cast<uint32_t>(u)) << 32);
    for (auto it = lo; it != members.end() && (*it >> 32) == static_cast<uint32_t>(u); ++it) {
      payers.push_back(*it);
      revenue[*it & 0xffffffffu].add(a);
    }
  }
  std::sort(payers.begin(), payers.end());
  payers.erase(std::unique(payers.begin(), payers.end()), payers.end());
  std::vector<CommunityConversion> rows(n_comm);
  for (uint64_t k : members) ++rows[k & 0xffffffffu].learners;
  for (uint64_t k : payers) ++rows[k & 0xffffffffu].paying_learners;
  auto finish = [](CommunityConversion& r) {
    r.conversion_rate = r.learners ? static_cast<double>(r.paying_learners) / static_cast<double>(r.learners) : 0;
    wilson_interval(r.paying_learners, r.learners, r.conversion_low, r.conversion_high);
    r.revenue_per_learner = r.learners ? r.revenue / static_cast<double>(r.learners) : 0;
    r.revenue_per_paying_learner = r.paying_learners ? r.revenue / static_cast<double>(r.paying_learners) : 0;
  };
  for (size_t c = 0; c < n_comm; ++c) {
    if (rows[c].learners == 0) continue;
    rows[c].community = log.communities.name(static_cast<int32_t>(c));
    rows[c].revenue = revenue[c].value();
    finish(rows[c]);
    t.communities.push_back(rows[c]);
  }
  std::sort(t.communities.begin(), t.communities.end(), [](const auto& a, const auto& b) {
    return a.conversion_rate != b.conversion_rate ? a.conversion_rate > b.conversion_rate : a.community < b.community;
  });
  CommunityConversion none;
  none.community = "(none)";
  for (size_t u = 0; u < n_users; ++u) {
    t.overall.learners += seen[u];
    t.overall.paying_learners += paid[u];
    if (seen[u] && !in_comm[u]) {
      ++none.learners;
      none.paying_learners += paid[u];
    }
  }
  t.learners_without_community = none.learners;
  if (none.learners > 0) {
    none.revenue = none_revenue.value();
    finish(none);
    t.communities.push_back(none);
  }
  t.overall.community = "(all)";
  t.overall.revenue = total.value();
  finish(t.overall);
  return t;
}

nlohmann::json to_json(const GammaGammaFit& f) {
  return {{"p", f.params.p},
          {"q", f.params.q},
          {"gamma", f.params.gamma},
          {"logLikelihood", f.log_likelihood},
          {"learners", f.learners},
          {"skippedNoRepeat", f.skipped_no_repeat},
          {"skippedNoAmount", f.skipped_no_amount},
          {"meanSpend", std::isfinite(f.mean_spend) ? nlohmann::json(f.mean_spend) : nlohmann::json()},
          {"frequencyMonetaryCorrelation", f.frequency_monetary_correlation},
          {"evaluations", f.evaluations},
          {"converged", f.converged},
          {"warnings", f.warnings}};
}

namespace {
nlohmann::json row_json(const CommunityConversion& r) {
  return {{"community", r.community},
          {"learners", r.learners},
          {"payingLearners", r.paying_learners},
          {"conversionRate", r.conversion_rate},
          {"conversionLow", r.conversion_low},
          {"conversionHigh", r.conversion_high},
          {"revenue", r.revenue},
          {"revenuePerLearner", r.revenue_per_learner},
          {"revenuePerPayingLearner", r.revenue_per_paying_learner}};
}
}  // namespace

nlohmann::json to_json(const ConversionTable& t) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : t.communities) rows.push_back(row_json(r));
  return {{"communities", rows},
          {"overall", row_json(t.overall)},
          {"learnersWithoutCommunity", t.learners_without_community},
          {"purchasesWithoutAmount", t.purchases_without_amount}};
}

std::string to_text(const ConversionTable& t) {
  std::ostringstream o;
  o << std::fixed;
  o << "community                 learners  paying  conversion (95% CI)        revenue  per learner\n";
  auto line = [&](const CommunityConversion& r) {
    o << std::left << std::setw(24) << r.community << std::right << std::setw(10) << r.learners << std::setw(8)
      << r.paying_learners << std::setprecision(1) << std::setw(8) << 100 * r.conversion_rate << "% (" << std::setw(5)
      << 100 * r.conversion_low << "-" << std::setw(5) << 100 * r.conversion_high << "%)" << std::setprecision(2)
      << std::setw(14) << r.revenue << std::setw(13) << r.revenue_per_learner << "\n";
  };
  for (const auto& r : t.communities) line(r);
  line(t.overall);
  if (t.purchases_without_amount)
    o << t.purchases_without_amount << " purchases had no amount (counted as paying, no revenue)\n";
  return o.str();
}

}  // namespace circlewise
