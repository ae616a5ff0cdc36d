#pragma once
// Customer lifetime value (LTV), acquisition cost (CAC), LTV/CAC and payback period, per
// customer and per period (a month, a week: whatever the inputs use). Two models:
//   simple: a constant churn rate c, so a customer pays in period t with probability (1−c)^t:
//           LTV = margin · ARPU · (1+d) / (d + c), which is margin · ARPU / churn without discounting;
//   cohort: a measured retention curve (share of the cohort still active in each period) times
//           ARPU, or a cohort's revenue per period / its size; beyond the data the curve is
//           continued geometrically at the recent period-over-period retention (optional).
// Revenue of period t is discounted by (1+d)^t (t = 0 is the acquisition period, undiscounted).
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace circlewise {

struct LtvOptions {
  // Exactly one of: churn (simple model), retention (cohort model with arpu), cohort_revenue.
  double arpu = -1;                   // revenue per active customer per period, >= 0
  double churn = -1;                  // share of customers lost per period, (0, 1]
  std::vector<double> retention;      // share active in period 0, 1, ... (each in [0, 1])
  std::vector<double> cohort_revenue; // a cohort's total revenue in period 0, 1, ...
  double cohort_size = 0;             // customers in that cohort, > 0
  bool extrapolate = true;            // continue a cohort curve beyond the data
  double margin = 1;                  // gross margin on revenue, (0, 1]
  double discount_rate = 0;           // per period, [0, 1)
  // Acquisition cost per customer: cac, or marketing_spend / new_customers. Optional.
  double cac = -1;
  double marketing_spend = -1, new_customers = -1;
  int horizon = 36;                   // periods of the cumulative value curve in the result, 1..1200
};

struct LtvResult {
  std::string model;             // "simple" or "cohort"
  double ltv = 0;                // margin-adjusted, discounted value per customer
  double observed_ltv = 0;       // cohort: the part within the data (simple: = ltv)
  double tail_ltv = 0;           // cohort: the extrapolated part
  double tail_retention = -1;    // cohort: period-over-period retention used for the tail; -1 = none
  double expected_lifetime = -1; // periods a customer stays active (undiscounted); -1 if unknown
  std::vector<double> cumulative;  // value per customer after periods 1..horizon
  double cac = -1;               // -1 when not given
  double ltv_to_cac = -1;
  int64_t payback_periods = -1;  // periods of revenue until cumulative value >= CAC; -1 = never / no CAC
  double simple_payback = -1;    // CAC / (ARPU · margin), the usual churn-free rule of thumb
  std::vector<std::string> warnings;
};

// Throws InputError naming the option and its allowed range.
LtvResult lifetime_value(const LtvOptions& options);

// {"arpu":20,"churn":0.05,"margin":0.8,"discountRate":0.01,"cac":120} or
// {"arpu":20,"retention":[1,0.7,0.55],"extrapolate":true,...} or
// {"cohortRevenue":[...],"cohortSize":400,...}; "marketingSpend"+"newCustomers" instead of "cac".
LtvOptions ltv_options_from_json(const nlohmann::json& j);
nlohmann::json to_json(const LtvResult& r);

}  // namespace circlewise
