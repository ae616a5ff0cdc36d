#include "circlewise/response_curve.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "circlewise/code_size.h"
#include "circlewise/error.h"
#include "circlewise/random.h"
#include "circlewise/text.h"

namespace circlewise {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMinShape = 0.3, kMaxShape = 8;

// Saturation h(x) in [0, 1) of the adstocked spend x.
double saturation(const CurveParams& p, double x) {
  if (x <= 0) return 0;
  if (p.model == CurveModel::kExponential) return 1 - std::exp(-x / p.scale);
  double u = std::pow(x / p.scale, p.shape);
  return std::isinf(u) ? 1.0 : u / (1 + u);
}

double quantile_sorted(const std::vector<double>& v, double q) {
  if (v.empty()) return kNaN;
  double pos = q * static_cast<double>(v.size() - 1);
  size_t i = static_cast<size_t>(pos);
  if (i + 1 >= v.size()) return v.back();
  double f = pos - static_cast<double>(i);
  return v[i] + f * (v[i + 1] - v[i]);
}

}  // namespace

double conversions_at(const CurveParams& p, double spend) {
  return p.base + p.top * saturation(p, spend / (1 - p.adstock));
}

double marginal_at(const CurveParams& p, double spend) {
  double k = 1 / (1 - p.adstock), x = spend * k;
  if (p.model == CurveModel::kExponential) return p.top * std::exp(-x / p.scale) / p.scale * k;
  if (x <= 0) return p.shape < 1 ? std::numeric_limits<double>::infinity() : (p.shape == 1 ? p.top / p.scale * k : 0);
  double u = std::pow(x / p.scale, p.shape);
  if (std::isinf(u)) return 0;
  return p.top * p.shape * u / (x * (1 + u) * (1 + u)) * k;
}

std::array<double, 2> conversions_band(const ResponseCurve& c, double spend) {
  if (c.samples.empty()) {
    double y = conversions_at(c.params, spend);
    return {y, y};
  }
  std::vector<double> ys;
  ys.reserve(c.samples.size());
  for (const auto& s : c.samples) ys.push_back(conversions_at(s, spend));
  std::sort(ys.begin(), ys.end());
  double a = (1 - c.level) / 2;
  return {quantile_sorted(ys, a), quantile_sorted(ys, 1 - a)};
}

namespace {

// Least squares of one model on adstocked spend x against y. The parameter vector is
// (base, log top, log scale, log shape): logs keep top/scale/shape positive, and clamping after
// each step keeps base >= 0 and the shape in a range the data can speak to.
struct Problem {
  const std::vector<double>& x;
  const std::vector<double>& y;
  CurveModel model;
  bool fit_shape;
  double log_scale_lo, log_scale_hi;
  std::vector<double> log_x;  // log of x (or -inf at 0), computed once: the Hill term is exp(n (log x - log scale))
};

Problem make_problem(const std::vector<double>& x, const std::vector<double>& y, CurveModel model, bool fit_shape) {
  double xmax = *std::max_element(x.begin(), x.end()), xmin_pos = xmax;
  for (double v : x)
    if (v > 0) xmin_pos = std::min(xmin_pos, v);
  // The half-saturation point is only identifiable somewhere near the observed spends.
  Problem pr{x, y, model, fit_shape, std::log(xmin_pos / 20), std::log(xmax * 20), {}};
  pr.log_x.reserve(x.size());
  for (double v : x) pr.log_x.push_back(v > 0 ? std::log(v) : -std::numeric_limits<double>::infinity());
  return pr;
}

// Saturation at point i without pow/log in the loop.
inline double saturation_at(const Problem& pr, const CurveParams& p, double log_scale, size_t i) {
  double x = pr.x[i];
  if (x <= 0) return 0;
  if (p.model == CurveModel::kExponential) return 1 - std::exp(-x / p.scale);
  double u = std::exp(std::min(700.0, p.shape * (pr.log_x[i] - log_scale)));
  return u / (1 + u);
}

using Vec4 = Eigen::Matrix<double, 4, 1>;
using Mat4 = Eigen::Matrix<double, 4, 4>;

CurveParams to_params(const Problem& pr, const Vec4& t, double fixed_shape) {
  CurveParams p;
  p.model = pr.model;
  p.base = t[0];
  p.top = std::exp(t[1]);
  p.scale = std::exp(t[2]);
  p.shape = pr.model == CurveModel::kExponential ? 1 : (pr.fit_shape ? std::exp(t[3]) : fixed_shape);
  return p;
}

void clamp(const Problem& pr, Vec4& t) {
  t[0] = std::max(0.0, t[0]);
  t[1] = std::clamp(t[1], -30.0, 30.0);
  t[2] = std::clamp(t[2], pr.log_scale_lo, pr.log_scale_hi);
  t[3] = std::clamp(t[3], std::log(kMinShape), std::log(kMaxShape));
}

double sse_of(const Problem& pr, const Vec4& t, double fixed_shape) {
  CurveParams p = to_params(pr, t, fixed_shape);
  double s = 0;
  for (size_t i = 0; i < pr.x.size(); ++i) {
    double r = p.base + p.top * saturation_at(pr, p, t[2], i) - pr.y[i];
    s += r * r;
  }
  return s;
}

// Normal equations J'J and J'r at t.
void normal_equations(const Problem& pr, const Vec4& t, double fixed_shape, Mat4& A, Vec4& g) {
  CurveParams p = to_params(pr, t, fixed_shape);
  A.setZero();
  g.setZero();
  for (size_t i = 0; i < pr.x.size(); ++i) {
    double x = pr.x[i];
    Vec4 j = Vec4::Zero();
    double h = 0;
    j[0] = 1;
    if (x > 0) {
      if (p.model == CurveModel::kExponential) {
        double e = std::exp(-x / p.scale);
        h = 1 - e;
        j[2] = -p.top * e * x / p.scale;
      } else {
        double lr = pr.log_x[i] - t[2];
        double u = std::exp(std::clamp(p.shape * lr, -700.0, 700.0));
        h = u / (1 + u);
        double d = u / ((1 + u) * (1 + u));
        j[2] = -p.top * p.shape * d;
        if (pr.fit_shape) j[3] = p.top * p.shape * lr * d;
      }
    }
    j[1] = p.top * h;
    double r = p.base + p.top * h - pr.y[i];
    A.noalias() += j * j.transpose();
    g += j * r;
  }
}

// Levenberg–Marquardt with Marquardt's diagonal scaling, projected onto the bounds.
Vec4 levenberg_marquardt(const Problem& pr, Vec4 t, double fixed_shape, double& sse, int max_iter = 200) {
  clamp(pr, t);
  sse = sse_of(pr, t, fixed_shape);
  double mu = 1e-3;
  Mat4 A;
  Vec4 g;
  for (int it = 0; it < max_iter; ++it) {
    normal_equations(pr, t, fixed_shape, A, g);
    bool improved = false;
    while (mu < 1e12) {
      Mat4 M = A;
      for (int k = 0; k < 4; ++k) M(k, k) += mu * std::max(A(k, k), 1e-12) + 1e-300;
      if (!pr.fit_shape || pr.model == CurveModel::kExponential) {
        M.row(3).setZero();
        M.col(3).setZero();
        M(3, 3) = 1;
      }
      Vec4 rhs = -g;
      if (!pr.fit_shape || pr.model == CurveModel::kExponential) rhs[3] = 0;
      Vec4 step = M.ldlt().solve(rhs);
      Vec4 next = t + step;
      clamp(pr, next);
      double s = sse_of(pr, next, fixed_shape);
      if (std::isfinite(s) && s < sse) {
        double gain = sse - s;
        t = next;
        sse = s;
        mu = std::max(mu / 3, 1e-12);
        improved = true;
        if (gain <= 1e-12 * (sse + 1e-300)) return t;
        break;
      }
      mu *= 4;
    }
    if (!improved) break;
  }
  return t;
}

std::vector<double> adstocked(const CommunitySeries& s, double lambda) {
  std::vector<double> x(s.spend.size());
  double carry = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (i > 0) carry = x[i - 1] * std::pow(lambda, s.period[i] - s.period[i - 1]);
    x[i] = s.spend[i] + carry;
  }
  return x;
}

struct ModelFit {
  CurveParams params;
  Vec4 theta;
  double sse = std::numeric_limits<double>::infinity();
  int k = 0;  // number of fitted parameters (for AICc)
};

ModelFit fit_model(const std::vector<double>& x, const std::vector<double>& y, CurveModel model,
                   const CurveFitOptions& o, Rng& rng) {
  double xmax = *std::max_element(x.begin(), x.end());
  double xmin_pos = xmax;
  for (double v : x)
    if (v > 0) xmin_pos = std::min(xmin_pos, v);
  Problem pr = make_problem(x, y, model, model == CurveModel::kHill && !(o.shape > 0));
  std::vector<double> xs(x);
  std::sort(xs.begin(), xs.end());
  double xmed = std::max(xs[xs.size() / 2], xmin_pos);
  double ymin = *std::min_element(y.begin(), y.end()), ymax = *std::max_element(y.begin(), y.end());
  bool fit_shape = model == CurveModel::kHill && !(o.shape > 0);
  double fixed_shape = model == CurveModel::kHill && o.shape > 0 ? o.shape : 1;
  ModelFit best;
  best.k = 3 + (fit_shape ? 1 : 0);
  for (int s = 0; s < std::max(1, o.starts); ++s) {
    Vec4 t;
    double span = std::max(ymax - ymin, 1e-9 + 1e-6 * ymax);
    if (s == 0) {
      t << ymin * 0.5, std::log(span * 1.5), std::log(xmed), 0.0;
    } else {
      t << ymin * rng.uniform(), std::log(span * (1 + 2 * rng.uniform())),
          std::log(xmed) + 3 * (rng.uniform() - 0.5), std::log(0.5 + 3.5 * rng.uniform());
    }
    double sse;
    Vec4 r = levenberg_marquardt(pr, t, fixed_shape, sse);
    if (sse < best.sse) {
      best.sse = sse;
      best.theta = r;
      best.params = to_params(pr, r, fixed_shape);
    }
  }
  return best;
}

double aicc(double sse, size_t n, int k) {
  double nn = static_cast<double>(n);
  return nn * std::log(std::max(sse, 1e-300) / nn) + 2 * k + 2.0 * k * (k + 1) / std::max(1.0, nn - k - 1);
}

}  // namespace

ResponseCurve fit_response_curve(const std::string& community, const CommunitySeries& series,
                                 const CurveFitOptions& o, uint64_t seed) {
  size_t n = series.spend.size();
  if (n < o.min_points)
    throw InputError("community " + quote_value(community) + ": " + std::to_string(n) +
                     " history points, at least " + std::to_string(o.min_points) +
                     " are needed to fit a response curve (option \"minPoints\")");
  double smin = *std::min_element(series.spend.begin(), series.spend.end());
  double smax = *std::max_element(series.spend.begin(), series.spend.end());
  if (!(smax > smin))
    throw InputError("community " + quote_value(community) + ": spend never varies (always " + format_number(smin) +
                     "), so its response to spend cannot be estimated");
  Rng rng(seed);
  const std::vector<double>& y = series.conversions;
  std::vector<double> lambdas;
  if (o.fit_adstock) {
    for (int i = 0; i <= 18; ++i) lambdas.push_back(0.05 * i);
  } else {
    lambdas.push_back(o.adstock);
  }
  std::vector<CurveModel> models;
  if (o.model != CurveFitOptions::Model::kExponential) models.push_back(CurveModel::kHill);
  if (o.model != CurveFitOptions::Model::kHill) models.push_back(CurveModel::kExponential);
  ModelFit best;
  double best_score = std::numeric_limits<double>::infinity();
  double best_lambda = 0;
  for (double lambda : lambdas) {
    auto x = adstocked(series, lambda);
    for (CurveModel m : models) {
      ModelFit f = fit_model(x, y, m, o, rng);
      double score = aicc(f.sse, n, f.k + (o.fit_adstock ? 1 : 0));
      if (score < best_score) {
        best_score = score;
        best = f;
        best_lambda = lambda;
      }
    }
  }
  ResponseCurve c;
  c.community = community;
  c.params = best.params;
  c.params.adstock = best_lambda;
  c.points = n;
  c.sse = best.sse;
  c.level = o.level;
  c.max_spend = smax;
  c.current_spend = series.spend.back();
  double ysum = 0, rev = 0, rev_conv = 0;
  bool has_rev = false;
  for (size_t i = 0; i < n; ++i) {
    ysum += y[i];
    c.mean_spend += series.spend[i] / static_cast<double>(n);
    if (!std::isnan(series.revenue[i])) {
      has_rev = true;
      rev += series.revenue[i];
      rev_conv += y[i];
    }
  }
  c.value_per_conversion = has_rev && rev_conv > 0 ? rev / rev_conv : kNaN;
  double ymean = ysum / static_cast<double>(n), sst = 0, ape = 0;
  auto x = adstocked(series, best_lambda);
  std::vector<double> fitted(n), resid(n);
  CurveParams at_x = c.params;
  at_x.adstock = 0;  // x is already adstocked
  for (size_t i = 0; i < n; ++i) {
    fitted[i] = conversions_at(at_x, x[i]);
    resid[i] = y[i] - fitted[i];
    sst += (y[i] - ymean) * (y[i] - ymean);
    if (y[i] > 0) {
      ape += std::abs(resid[i]) / y[i];
      ++c.mape_points;
    }
  }
  c.r2 = sst > 0 ? 1 - best.sse / sst : kNaN;
  c.mape = c.mape_points ? ape / static_cast<double>(c.mape_points) : kNaN;

  // Residual bootstrap: refit (model and adstock held) to fitted + resampled residuals.
  if (o.bootstrap > 0) {
    bool fit_shape = c.params.model == CurveModel::kHill && !(o.shape > 0);
    std::vector<double> yb(n);
    Problem pr = make_problem(x, yb, c.params.model, fit_shape);
    for (int b = 0; b < o.bootstrap; ++b) {
      for (size_t i = 0; i < n; ++i) yb[i] = std::max(0.0, fitted[i] + resid[rng.below(n)]);
      double sse;
      Vec4 t = levenberg_marquardt(pr, best.theta, c.params.shape, sse, 50);
      CurveParams p = to_params(pr, t, c.params.shape);
      p.adstock = best_lambda;
      c.samples.push_back(p);
    }
  }
  return c;
}

CurveFitResult fit_response_curves(const MarketingHistory& h, const CurveFitOptions& o) {
  CurveFitResult r;
  for (size_t c = 0; c < h.communities.size(); ++c) {
    auto s = community_series(h, static_cast<int>(c));
    // Each community has its own stream, so adding a community does not change the others' fits.
    uint64_t seed = o.seed * 0x9E3779B97F4A7C15ULL + c + 1;
    try {
      r.curves.push_back(fit_response_curve(h.communities[c], s, o, seed));
    } catch (const InputError& e) {
      if (o.on_too_few == OnTooFewPoints::kFail) throw;
      r.skipped.push_back({h.communities[c], e.what()});
    }
  }
  if (r.curves.empty())
    throw InputError("no community has a history that supports a response curve (" +
                     (r.skipped.empty() ? std::string("no rows") : r.skipped[0].reason) + ")");
  return r;
}

CIRCLEWISE_SIZE_OPTIMISED_BEGIN

CurveFitOptions curve_fit_options_from_json(const nlohmann::json& j) {
  CurveFitOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("curve fit options must be an object");
  auto number = [&](const char* key, double lo, double hi, bool lo_open = false) {
    const auto& v = j.at(key);
    if (!v.is_number()) throw InputError(std::string("option \"") + key + "\" must be a number");
    double d = v.get<double>();
    if (!(lo_open ? d > lo : d >= lo) || !(d <= hi))
      throw InputError(std::string("option \"") + key + "\" must be in " + (lo_open ? "(" : "[") + format_number(lo) +
                       ", " + format_number(hi) + "], got " + format_number(d));
    return d;
  };
  auto integer = [&](const char* key, double lo, double hi) {
    double d = number(key, lo, hi);
    if (d != std::floor(d)) throw InputError(std::string("option \"") + key + "\" must be an integer");
    return d;
  };
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = it.value();
    if (k == "model") {
      std::string m = v.is_string() ? v.get<std::string>() : "";
      if (m == "auto") o.model = CurveFitOptions::Model::kAuto;
      else if (m == "hill") o.model = CurveFitOptions::Model::kHill;
      else if (m == "exponential") o.model = CurveFitOptions::Model::kExponential;
      else throw InputError("option \"model\" must be \"auto\", \"hill\" or \"exponential\"");
    } else if (k == "shape") {
      o.shape = v.is_null() ? 0 : number("shape", kMinShape, kMaxShape);
    } else if (k == "adstock") {
      if (v.is_string() && v.get<std::string>() == "fit") {
        o.fit_adstock = true;
      } else if (v.is_number()) {
        o.adstock = v.get<double>();
        if (!(o.adstock >= 0 && o.adstock <= 0.95))
          throw InputError("option \"adstock\" must be \"fit\" or a number in [0, 0.95], got " + format_number(o.adstock));
      } else {
        throw InputError("option \"adstock\" must be \"fit\" or a number in [0, 0.95]");
      }
    } else if (k == "starts") {
      o.starts = static_cast<int>(integer("starts", 1, 100));
    } else if (k == "bootstrap") {
      o.bootstrap = static_cast<int>(integer("bootstrap", 0, 10000));
    } else if (k == "level") {
      o.level = number("level", 0, 1, true);
      if (o.level >= 1) throw InputError("option \"level\" must be in (0, 1), got " + format_number(o.level));
    } else if (k == "seed") {
      o.seed = static_cast<uint64_t>(integer("seed", 0, 9007199254740991.0));
    } else if (k == "minPoints") {
      o.min_points = static_cast<size_t>(integer("minPoints", 5, 1e9));
    } else if (k == "onTooFewPoints") {
      std::string m = v.is_string() ? v.get<std::string>() : "";
      if (m == "fail") o.on_too_few = OnTooFewPoints::kFail;
      else if (m == "skip") o.on_too_few = OnTooFewPoints::kSkip;
      else throw InputError("option \"onTooFewPoints\" must be \"fail\" or \"skip\"");
    } else {
      throw InputError("unknown curve fit option " + quote_value(k) +
                       " (known: model, shape, adstock, starts, bootstrap, level, seed, minPoints, onTooFewPoints)");
    }
  }
  return o;
}

namespace {

nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
const char* model_name(CurveModel m) { return m == CurveModel::kHill ? "hill" : "exponential"; }

}  // namespace

nlohmann::json to_json(const ResponseCurve& c) {
  nlohmann::json samples = nlohmann::json::array();
  for (const auto& s : c.samples) samples.push_back({s.base, s.top, s.scale, s.shape});
  // A band over 0..1.5x the largest spend seen, for charts.
  nlohmann::json spend = nlohmann::json::array(), fit = nlohmann::json::array(), lo = nlohmann::json::array(),
                 hi = nlohmann::json::array();
  const int kSteps = 40;
  for (int i = 0; i <= kSteps; ++i) {
    double s = 1.5 * c.max_spend * i / kSteps;
    auto b = conversions_band(c, s);
    spend.push_back(s);
    fit.push_back(conversions_at(c.params, s));
    lo.push_back(b[0]);
    hi.push_back(b[1]);
  }
  return {{"community", c.community},
          {"model", model_name(c.params.model)},
          {"base", c.params.base},
          {"top", c.params.top},
          {"scale", c.params.scale},
          {"shape", c.params.shape},
          {"adstock", c.params.adstock},
          {"valuePerConversion", num(c.value_per_conversion)},
          {"points", c.points},
          {"r2", num(c.r2)},
          {"mape", num(c.mape)},
          {"mapePoints", c.mape_points},
          {"sse", c.sse},
          {"maxSpend", c.max_spend},
          {"meanSpend", c.mean_spend},
          {"currentSpend", c.current_spend},
          {"level", c.level},
          {"samples", samples},
          {"band", {{"spend", spend}, {"fit", fit}, {"lower", lo}, {"upper", hi}}}};
}

nlohmann::json to_json(const CurveFitResult& r) {
  nlohmann::json curves = nlohmann::json::array(), skipped = nlohmann::json::array();
  for (const auto& c : r.curves) curves.push_back(to_json(c));
  for (const auto& s : r.skipped) skipped.push_back({{"community", s.community}, {"reason", s.reason}});
  return {{"curves", curves}, {"skipped", skipped}};
}

CIRCLEWISE_SIZE_OPTIMISED_END

std::vector<ResponseCurve> curves_from_json(const nlohmann::json& j) {
  const nlohmann::json& arr = j.is_object() && j.contains("curves") ? j.at("curves") : j;
  if (!arr.is_array() || arr.empty()) throw InputError("curves must be a non-empty array of curve objects");
  std::vector<ResponseCurve> out;
  for (size_t i = 0; i < arr.size(); ++i) {
    const auto& o = arr[i];
    std::string at = "curve " + std::to_string(i + 1);
    if (!o.is_object()) throw InputError(at + ": expected an object");
    auto get = [&](const char* key, double lo, double hi, bool required, double fallback) {
      if (!o.contains(key) || o.at(key).is_null()) {
        if (required) throw InputError(at + ": field \"" + key + "\" is required");
        return fallback;
      }
      const auto& v = o.at(key);
      if (!v.is_number()) throw InputError(at + ": field \"" + key + "\" must be a number");
      double d = v.get<double>();
      if (!(d >= lo && d <= hi))
        throw InputError(at + ": field \"" + key + "\" must be in [" + format_number(lo) + ", " + format_number(hi) +
                         "], got " + format_number(d));
      return d;
    };
    ResponseCurve c;
    if (!o.contains("community") || !o.at("community").is_string() || o.at("community").get<std::string>().empty())
      throw InputError(at + ": field \"community\" must be a non-empty string");
    c.community = o.at("community").get<std::string>();
    at += " (" + quote_value(c.community) + ")";
    std::string model = o.contains("model") && o.at("model").is_string() ? o.at("model").get<std::string>() : "";
    if (model == "hill") c.params.model = CurveModel::kHill;
    else if (model == "exponential") c.params.model = CurveModel::kExponential;
    else throw InputError(at + ": field \"model\" must be \"hill\" or \"exponential\"");
    const double big = 1e300;
    c.params.base = get("base", 0, big, false, 0);
    c.params.top = get("top", 0, big, true, 0);
    c.params.scale = get("scale", 1e-300, big, true, 0);
    if (!(c.params.scale > 0)) throw InputError(at + ": field \"scale\" must be > 0");
    c.params.shape = c.params.model == CurveModel::kHill ? get("shape", 0.05, 50, false, 1) : 1;
    c.params.adstock = get("adstock", 0, 0.99, false, 0);
    c.value_per_conversion = get("valuePerConversion", 0, big, false, kNaN);
    c.max_spend = get("maxSpend", 0, big, false, 0);
    c.mean_spend = get("meanSpend", 0, big, false, 0);
    c.current_spend = get("currentSpend", 0, big, false, 0);
    c.level = get("level", 1e-9, 1 - 1e-9, false, 0.9);
    c.points = static_cast<size_t>(get("points", 0, big, false, 0));
    c.r2 = o.contains("r2") && o.at("r2").is_number() ? o.at("r2").get<double>() : kNaN;
    c.mape = o.contains("mape") && o.at("mape").is_number() ? o.at("mape").get<double>() : kNaN;
    if (o.contains("samples") && !o.at("samples").is_null()) {
      const auto& s = o.at("samples");
      if (!s.is_array()) throw InputError(at + ": field \"samples\" must be an array of [base, top, scale, shape]");
      for (size_t k = 0; k < s.size(); ++k) {
        const auto& e = s[k];
        bool ok = e.is_array() && e.size() == 4;
        for (size_t q = 0; ok && q < 4; ++q) ok = e[q].is_number() && e[q].get<double>() >= 0;
        if (!ok || !(e[2].get<double>() > 0) || !(e[3].get<double>() > 0))
          throw InputError(at + ": samples[" + std::to_string(k) +
                           "] must be [base >= 0, top >= 0, scale > 0, shape > 0]");
        CurveParams p = c.params;
        p.base = e[0].get<double>();
        p.top = e[1].get<double>();
        p.scale = e[2].get<double>();
        p.shape = c.params.model == CurveModel::kHill ? e[3].get<double>() : 1;
        c.samples.push_back(p);
      }
    }
    for (const auto& prev : out)
      if (prev.community == c.community) throw InputError(at + ": community appears twice");
    out.push_back(std::move(c));
  }
  return out;
}

std::string to_text(const CurveFitResult& r) {
  std::ostringstream o;
  char line[256];
  std::snprintf(line, sizeof line, "%-20s %-11s %10s %10s %10s %6s %7s %6s %7s %7s\n", "community", "model", "base",
                "top", "scale", "shape", "adstock", "R2", "MAPE", "points");
  o << line;
  for (const auto& c : r.curves) {
    std::snprintf(line, sizeof line, "%-20.20s %-11s %10.3g %10.4g %10.4g %6.2f %7.2f %6.3f %6.1f%% %7zu\n",
                  c.community.c_str(), model_name(c.params.model), c.params.base, c.params.top, c.params.scale,
                  c.params.shape, c.params.adstock, c.r2, c.mape * 100, c.points);
    o << line;
  }
  for (const auto& s : r.skipped) o << "skipped " << quote_value(s.community) << ": " << s.reason << "\n";
  return o.str();
}

MarketingHistory simulate_marketing_history(const HistorySimulation& sim) {
  if (sim.communities.size() != sim.truth.size())
    throw InputError("simulation: communities and truth must have the same length");
  Rng rng(sim.seed);
  MarketingHistory h;
  h.communities = sim.communities;
  char buf[32];
  for (size_t t = 0; t < sim.periods; ++t) {
    std::snprintf(buf, sizeof buf, "%zu", t + 1);
    h.periods.push_back(buf);
  }
  for (size_t c = 0; c < sim.truth.size(); ++c) {
    const CurveParams& p = sim.truth[c];
    double value = sim.value_per_conversion.empty() ? 50 : sim.value_per_conversion[c];
    double carry = 0;
    CurveParams at_x = p;
    at_x.adstock = 0;
    for (size_t t = 0; t < sim.periods; ++t) {
      double spend = p.scale * (1 - p.adstock) * (0.05 + 2.95 * rng.uniform());
      spend = std::round(spend * 100) / 100;
      double x = spend + p.adstock * carry;
      carry = x;
      double y = std::max(0.0, conversions_at(at_x, x) * (1 + sim.noise * rng.normal()));
      y = std::round(y * 1000) / 1000;
      h.period.push_back(static_cast<int>(t));
      h.community.push_back(static_cast<int>(c));
      h.spend.push_back(spend);
      h.conversions.push_back(y);
      h.revenue.push_back(std::round(y * value * 100) / 100);
      h.members.push_back(kNaN);
      h.payers.push_back(kNaN);
      h.retained.push_back(kNaN);
    }
  }
  return h;
}

std::string write_marketing_history_csv(const MarketingHistory& h) {
  std::string out = "period,community,spend,conversions,revenue\n";
  auto field = [](const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return q + "\"";
  };
  for (size_t i = 0; i < h.size(); ++i) {
    out += field(h.periods[h.period[i]]) + "," + field(h.communities[h.community[i]]) + "," +
           format_number(h.spend[i]) + "," + format_number(h.conversions[i]) + "," +
           (std::isnan(h.revenue[i]) ? std::string() : format_number(h.revenue[i])) + "\n";
  }
  return out;
}

HistorySimulation demo_history_simulation(size_t communities, size_t periods, double noise, uint64_t seed) {
  HistorySimulation sim;
  sim.periods = periods;
  sim.noise = noise;
  sim.seed = seed;
  Rng rng(seed ^ 0xA5A5A5A5ULL);
  for (size_t c = 0; c < communities; ++c) {
    char name[32];
    std::snprintf(name, sizeof name, "community-%02zu", c + 1);
    sim.communities.push_back(name);
    CurveParams p;
    double kind = rng.uniform();
    p.model = kind < 0.25 ? CurveModel::kExponential : CurveModel::kHill;
    p.shape = p.model == CurveModel::kExponential ? 1 : (kind < 0.6 ? 0.8 + 0.4 * rng.uniform() : 1.5 + 2.5 * rng.uniform());
    p.scale = std::round(300 + 2700 * rng.uniform());
    p.top = std::round(20 + 180 * rng.uniform());
    p.base = std::round(10 * rng.uniform() * 10) / 10;
    sim.truth.push_back(p);
    sim.value_per_conversion.push_back(std::round(20 + 80 * rng.uniform()));
  }
  return sim;
}

HistorySimulation history_simulation_from_json(const nlohmann::json& j) {
  size_t communities = 8, periods = 104;
  double noise = 0.1;
  uint64_t seed = 1;
  if (!j.is_null() && !j.is_object()) throw InputError("simulation options must be an object");
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const auto& v = it.value();
      auto bound = [](double x, bool integer) {  // "1000", not format_number's shortest "1e+03"
        return integer ? std::to_string(static_cast<long long>(x)) : format_number(x);
      };
      // Counts and the seed must be whole: truncating 10.5 periods to 10 would pass silently.
      auto num = [&](double lo, double hi, bool integer = false) {
        if (!v.is_number() || !(v.get<double>() >= lo && v.get<double>() <= hi) ||
            (integer && v.get<double>() != std::floor(v.get<double>())))
          throw InputError("option \"" + it.key() + "\" must be " + (integer ? "an integer" : "a number") + " in [" +
                           bound(lo, integer) + ", " + bound(hi, integer) + "]");
        return v.get<double>();
      };
      if (it.key() == "communities") communities = static_cast<size_t>(num(1, 1000, true));
      else if (it.key() == "periods") periods = static_cast<size_t>(num(2, 10000, true));
      else if (it.key() == "noise") noise = num(0, 2);
      else if (it.key() == "seed") seed = static_cast<uint64_t>(num(0, 9007199254740991.0, true));
      else throw InputError("unknown simulation option " + quote_value(it.key()) + " (known: communities, periods, noise, seed)");
    }
  }
  return demo_history_simulation(communities, periods, noise, seed);
}

nlohmann::json to_json(const CurveParams& p) {
  return {{"model", model_name(p.model)}, {"base", p.base},   {"top", p.top},
          {"scale", p.scale},             {"shape", p.shape}, {"adstock", p.adstock}};
}

}  // namespace circlewise
