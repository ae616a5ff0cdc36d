#pragma once
// Response curves: conversions per period as a function of spend per period, with diminishing
// returns. Two families:
//   hill:        base + top * x^n / (scale^n + x^n)   (n > 1 gives an S-curve with a threshold)
//   exponential: base + top * (1 - exp(-x / scale))
// where x is the adstocked spend: x_t = spend_t + adstock * x_{t-1} (geometric carry-over of
// spend into later periods). Under a steady spend s per period, x = s / (1 - adstock); that is
// what `conversions_at` evaluates, so a plan's spend is "per period, sustained".
// Curves are fitted per community by Levenberg–Marquardt from several seeded starts; their
// uncertainty is a seeded residual bootstrap whose parameter sets travel with the curve so that
// any later question (a plan's expected conversions) gets its band from the same samples.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/marketing_history.h"

namespace circlewise {

enum class CurveModel { kHill, kExponential };

struct CurveParams {
  CurveModel model = CurveModel::kHill;
  double base = 0;     // conversions per period with no spend (organic), >= 0
  double top = 1;      // conversions added at saturation, > 0
  double scale = 1;    // hill: adstocked spend giving half of `top`; exponential: 1/e-scale, > 0
  double shape = 1;    // hill exponent n (> 0; 1 = concave); always 1 for exponential
  double adstock = 0;  // carry-over per period, in [0, 1)
};

// Steady-state conversions per period for a sustained spend per period, and its derivative
// (conversions per extra unit of spend).
double conversions_at(const CurveParams& p, double spend);
double marginal_at(const CurveParams& p, double spend);

struct ResponseCurve {
  std::string community;
  CurveParams params;
  double value_per_conversion = 0;  // revenue / conversions in the history; NaN without revenue
  // Fit quality on the history the curve was fitted to.
  size_t points = 0;
  double r2 = 0;
  double mape = 0;          // mean |error| / actual over the points with actual > 0
  size_t mape_points = 0;
  double sse = 0;
  double max_spend = 0, mean_spend = 0;  // of the history, to flag extrapolation
  double current_spend = 0;              // spend in the latest period (the "current split")
  // Bootstrap parameter sets (model and adstock as in `params`) and the band's level.
  std::vector<CurveParams> samples;
  double level = 0.9;
};

// Lower and upper band of conversions at a spend, from the curve's samples (empty samples give
// the point estimate for both).
std::array<double, 2> conversions_band(const ResponseCurve& c, double spend);

enum class OnTooFewPoints { kFail, kSkip };

struct CurveFitOptions {
  enum class Model { kAuto, kHill, kExponential } model = Model::kAuto;  // auto: lower AICc wins
  double shape = 0;          // > 0 fixes the Hill exponent; 0 fits it
  double adstock = 0;        // fixed carry-over in [0, 1) ...
  bool fit_adstock = false;  // ... or chosen from a grid 0, 0.05, ..., 0.9 by least squares
  int starts = 6;            // seeded starting points per model
  int bootstrap = 100;       // residual bootstrap refits (0 = no band)
  double level = 0.9;        // band coverage
  uint64_t seed = 1;
  size_t min_points = 8;     // fewer points than this cannot support a curve
  OnTooFewPoints on_too_few = OnTooFewPoints::kFail;
};

// {"model":"auto|hill|exponential","shape":2,"adstock":0.3|"fit","starts":6,"bootstrap":100,
//  "level":0.9,"seed":1,"minPoints":8,"onTooFewPoints":"fail|skip"}
CurveFitOptions curve_fit_options_from_json(const nlohmann::json& j);

struct SkippedCommunity {
  std::string community;
  std::string reason;
};

struct CurveFitResult {
  std::vector<ResponseCurve> curves;
  std::vector<SkippedCommunity> skipped;
};

// Fits one curve to (spend, conversions) in time order; `period` gives gaps for the adstock.
// Throws InputError when the series cannot support a curve (too few points, spend never varies).
ResponseCurve fit_response_curve(const std::string& community, const CommunitySeries& series,
                                 const CurveFitOptions& options, uint64_t seed);
// Every community of a history (each with its own seed derived from options.seed).
CurveFitResult fit_response_curves(const MarketingHistory& history, const CurveFitOptions& options);

// Curves as plain JSON (with a band over a spend grid for charts) and back. from_json validates
// every field and names it; samples are optional.
nlohmann::json to_json(const ResponseCurve& c);
nlohmann::json to_json(const CurveFitResult& r);
std::vector<ResponseCurve> curves_from_json(const nlohmann::json& j);
std::string to_text(const CurveFitResult& r);

// A history simulated from known curves (for tests, benchmarks and the demo): spend per period
// drawn uniformly in [0.05, 3] × scale × (1 - adstock), conversions = curve × (1 + noise·N(0,1)),
// clipped at 0, revenue = conversions × value. Deterministic per seed.
struct HistorySimulation {
  std::vector<std::string> communities;
  std::vector<CurveParams> truth;
  std::vector<double> value_per_conversion;  // empty: 50 each
  size_t periods = 104;
  double noise = 0.1;
  uint64_t seed = 1;
};
MarketingHistory simulate_marketing_history(const HistorySimulation& sim);
// A demo set-up: `communities` curves with seeded random parameters, a mix of S-curves (Hill
// shape 1.5-4), concave Hill curves and exponentials, spends from a few hundred to a few thousand.
HistorySimulation demo_history_simulation(size_t communities, size_t periods, double noise, uint64_t seed);
// {"communities":8,"periods":104,"noise":0.1,"seed":1}
HistorySimulation history_simulation_from_json(const nlohmann::json& j);
nlohmann::json to_json(const CurveParams& p);
std::string write_marketing_history_csv(const MarketingHistory& h);

}  // namespace circlewise
