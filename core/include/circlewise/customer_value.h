#pragma once
// What a learner is worth: the Gamma-Gamma model of spend per purchase (Fader, Hardie & Lee 2005,
// "RFM and CLV: using iso-value curves"; Fader & Hardie's note "The Gamma-Gamma model of monetary
// value"), a simple discounted customer lifetime value on top of the churn model (churn.h), and
// the marketing page's first table: conversion rate and revenue per community.
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/event_log.h"
#include "circlewise/progress.h"

namespace circlewise {

// A learner's amounts z ~ Gamma(shape p, rate nu), nu ~ Gamma(shape q, rate gamma) across learners.
struct GammaGammaParams {
  double p = 1, q = 1, gamma = 1;
};

// Log-likelihood of one learner's mean amount m over x repeat purchases (x >= 1, m > 0).
double gamma_gamma_log_likelihood(const GammaGammaParams& g, double x, double m);

struct GammaGammaFit {
  GammaGammaParams params;
  double log_likelihood = 0;
  size_t learners = 0;               // used: frequency > 0 and monetary > 0
  size_t skipped_no_repeat = 0;      // frequency 0
  size_t skipped_no_amount = 0;      // monetary NaN or <= 0
  double frequency_monetary_correlation = 0;  // the model assumes ~0; reported so it can be checked
  double mean_spend = 0;             // population mean spend per purchase, p*gamma/(q-1); NaN if q <= 1
  int evaluations = 0;
  bool converged = false;
  std::vector<std::string> warnings;
};

// Fits on learners with frequency > 0 and monetary > 0 (the others are counted as skipped).
// Throws InputError with fewer than 2 usable learners.
GammaGammaFit fit_gamma_gamma(const std::vector<double>& frequency, const std::vector<double>& monetary,
                              int max_evaluations = 20000, double penalizer = 0, const Progress& progress = {});

// E[spend per purchase | x, m] = p (gamma + x m) / (p x + q - 1); the population mean when x = 0.
// NaN when q <= 1 (the mean does not exist).
double gamma_gamma_expected_spend(const GammaGammaParams& g, double x, double m);

// CLV = margin * sum_{k=1..periods} (E[purchases by k*step] - E[purchases by (k-1)*step]) * spend
//       / (1 + discount_rate)^k, with step and periods in model time units (as lifetimes does).
struct ClvOptions {
  int periods = 12;           // number of discounting steps
  double step = 30;           // time units per step (30 days = a month when the unit is days)
  double discount_rate = 0.01;  // per step
  double margin = 1;          // share of revenue that is profit
};

// ───────────────────────────── Conversion per community ─────────────────────────────

struct CommunityConversion {
  std::string community;        // "(none)" for learners with no community on any event
  size_t learners = 0;          // distinct learners with an event in this community
  size_t paying_learners = 0;   // of those, with a purchase in this community
  double conversion_rate = 0;   // paying / learners
  double conversion_low = 0;    // Wilson 95% interval
  double conversion_high = 0;
  double revenue = 0;           // purchase amounts in this community
  double revenue_per_learner = 0;
  double revenue_per_paying_learner = 0;  // 0 when nobody paid
};

struct ConversionTable {
  std::vector<CommunityConversion> communities;  // by descending conversion rate, then name
  CommunityConversion overall;                   // all learners, all purchases
  size_t learners_without_community = 0;         // also listed as the "(none)" row when > 0
  size_t purchases_without_amount = 0;           // counted as paying, add nothing to revenue
};

ConversionTable conversion_by_community(const EventLog& log);

// Wilson score interval for k successes in n trials at 95%; (0, 0) for n = 0.
void wilson_interval(size_t k, size_t n, double& low, double& high);

nlohmann::json to_json(const GammaGammaFit& f);
nlohmann::json to_json(const ConversionTable& t);
std::string to_text(const ConversionTable& t);

}  // namespace circlewise
