#pragma once
// Churn risk: the BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way")
// fitted by maximum likelihood on each learner's repeat-purchase summary (frequency x, recency t_x,
// age T), giving every learner the probability of still being active and the purchases to expect
// in the next period. Combined with the Gamma-Gamma spend model (customer_value.h) into a simple
// customer lifetime value.
//
// Time is measured in whole periods (days or weeks) from a learner's first purchase:
//   frequency = number of periods with a purchase after the first one (repeat periods),
//   recency   = periods from the first to the last purchase (0 when frequency is 0),
//   T         = periods from the first purchase to the as-of date.
// This is the convention of the `lifetimes` Python package, so summaries are interchangeable.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/customer_value.h"
#include "circlewise/event_log.h"
#include "circlewise/progress.h"

namespace circlewise {

enum class ChurnTimeUnit { kDays, kWeeks };

// One row per learner with at least one purchase. `monetary` is the mean amount per repeat period
// (amounts of the first period excluded, as Gamma-Gamma requires); 0 when frequency is 0, NaN when
// none of the repeat purchases carried an amount.
struct PurchaseSummary {
  std::vector<std::string> learners;
  std::vector<double> frequency;
  std::vector<double> recency;
  std::vector<double> T;
  std::vector<double> monetary;
  size_t size() const { return learners.size(); }
};

// What went into the summary and what did not (nothing is dropped silently).
struct PurchaseSummaryReport {
  ChurnTimeUnit unit = ChurnTimeUnit::kDays;
  int64_t as_of_ms = 0;
  size_t learners = 0;                  // distinct learners with any event
  size_t learners_without_purchase = 0; // not in the summary: the model starts at a first purchase
  size_t purchases = 0;                 // purchase events up to as-of
  size_t purchases_after_as_of = 0;     // ignored
  size_t purchases_merged = 0;          // purchases in a period that already had one (counted once)
  size_t purchases_without_amount = 0;  // count towards frequency, not towards spend
};

constexpr int64_t kAsOfLastEvent = std::numeric_limits<int64_t>::min();

struct PurchaseSummaryOptions {
  ChurnTimeUnit unit = ChurnTimeUnit::kDays;
  // End of observation (UTC ms); purchases after it are ignored and counted. Default: the last
  // event of the log. Periods are whole UTC days, or weeks starting on Monday (ISO 8601).
  int64_t as_of_ms = kAsOfLastEvent;
};

PurchaseSummary purchase_summary(const EventLog& log, const PurchaseSummaryOptions& options,
                                 PurchaseSummaryReport* report = nullptr);

// Reads a ready summary table: CSV with a header naming at least learner, frequency, recency and
// T (any order; `monetary_value` or `monetary` optional, other columns ignored). Throws InputError
// naming the line and column for non-numbers, NaN/infinite or negative values, a non-integer
// frequency, recency > T, or recency > 0 with frequency 0.
PurchaseSummary read_purchase_summary_csv(std::string_view text);
// The same checks for a summary built elsewhere; rows are named "<row_word> <1-based index>".
void validate_purchase_summary(const PurchaseSummary& s, std::string_view row_word = "row");
// Rows given as JSON objects (the JS API): [{"learner":"a","frequency":2,"recency":30,"T":90,
// "monetary_value":40}, ...]; "monetary" is accepted for monetary_value, null/absent = unknown.
// Errors name the row (1-based) and the field.
PurchaseSummary purchase_summary_from_json(const nlohmann::json& rows);

// ───────────────────────────── BG/NBD ─────────────────────────────

// lambda ~ Gamma(shape r, rate alpha) purchases per period while active; after each repeat
// purchase a learner drops out with probability p ~ Beta(a, b).
struct BgNbdParams {
  double r = 1, alpha = 1, a = 1, b = 1;
};

// Log-likelihood of one learner's (x, t_x, T) (FHL 2005, eq. 6), computed on the log scale.
double bgnbd_log_likelihood(const BgNbdParams& p, double x, double t_x, double T);

struct BgNbdFitOptions {
  int max_evaluations = 20000;
  double penalizer = 0;  // L2 penalty on the parameters, as in lifetimes' penalizer_coef (0 = plain MLE)
  Progress progress;     // per 50 likelihood evaluations
};

struct BgNbdFit {
  BgNbdParams params;
  double log_likelihood = 0;  // sum over learners, without the penalty
  size_t learners = 0;
  size_t repeat_learners = 0;  // learners with frequency > 0
  int evaluations = 0;
  bool converged = false;
  std::vector<std::string> warnings;  // e.g. a parameter at the edge of its range
};

// Throws InputError when the model cannot be identified: fewer than 2 learners, or no learner
// with a repeat purchase (every frequency 0: the likelihood grows without bound as r -> 0).
BgNbdFit fit_bgnbd(const PurchaseSummary& s, const BgNbdFitOptions& options = {});

// P(still active at T | x, t_x, T) (FHL 2005, eq. 13 of the technical note).
double bgnbd_p_alive(const BgNbdParams& p, double x, double t_x, double T);
// Expected purchases in the next t periods given the history (FHL 2005, eq. 10).
double bgnbd_expected_purchases(const BgNbdParams& p, double t, double x, double t_x, double T);
// Expected repeat purchases in (0, t] of a learner who just made a first purchase (FHL 2005, eq. 9).
double bgnbd_expected_purchases_new(const BgNbdParams& p, double t);
// Gauss hypergeometric 2F1(a, b; c; z) for 0 <= z < 1 by its power series (what eqs. 9-10 need).
double hypergeometric_2f1(double a, double b, double c, double z);

// Draws n learners from the model with known parameters, each observed for T periods after the
// first purchase, T uniform in [T_min, T_max]; continuous time. For checking the fit (tests,
// benchmarks, docs). Optional spend: each repeat purchase's amount ~ Gamma(p, nu) with
// nu ~ Gamma(q, gamma) per learner, averaged into `monetary`.
PurchaseSummary simulate_bgnbd(const BgNbdParams& params, size_t n, double T_min, double T_max, uint64_t seed,
                               const std::optional<GammaGammaParams>& spend = std::nullopt);

// ───────────────────────────── The whole analysis ─────────────────────────────

struct ChurnOptions {
  PurchaseSummaryOptions summary;
  double horizon = 30;          // periods ahead for expected purchases
  BgNbdFitOptions fit;
  ClvOptions clv;               // in the same periods
  Progress progress;            // the whole analysis (fit, spend model, scoring)
};

// {"unit":"days"|"weeks","asOf":"2025-12-31","horizon":30,"clvPeriods":12,"clvStep":30,
//  "discountRate":0.01,"margin":1,"penalizer":0,"maxEvaluations":20000}
ChurnOptions churn_options_from_json(const nlohmann::json& j);

struct ChurnAnalysis {
  PurchaseSummary summary;
  std::optional<PurchaseSummaryReport> report;  // when built from an event log
  BgNbdFit model;
  double horizon = 0;
  std::vector<double> p_alive;
  std::vector<double> expected_purchases;  // in the next `horizon` periods
  std::optional<GammaGammaFit> spend;      // absent when it cannot be fitted (see spend_note)
  std::string spend_note;
  std::vector<double> expected_spend;      // per purchase; NaN without a spend model
  std::vector<double> clv;                 // NaN without a spend model
  ClvOptions clv_options;
  std::optional<ConversionTable> conversion;  // when built from an event log
};

ChurnAnalysis analyze_churn(const EventLog& log, const ChurnOptions& options);
ChurnAnalysis analyze_churn(PurchaseSummary summary, const ChurnOptions& options);

// Everything except the per-learner columns (those go out as typed arrays in JS).
nlohmann::json to_json(const ChurnAnalysis& a, bool with_learners = false);
std::string to_text(const ChurnAnalysis& a, size_t top = 10);

}  // namespace circlewise
