#pragma once
// Budget allocation across communities given their response curves: maximise total conversions,
// revenue or profit subject to a total budget and per-community minimum/maximum (or fixed) spend.
//
// Why a DP and not "equalise marginal returns": with S-shaped curves the objective is not
// concave, and marginal analysis can leave a community just below its threshold where a jump
// past it is worth more. The optimiser is an exact dynamic programme over a spend grid (every
// community's spend is its minimum plus a whole number of grid units), followed by a continuous
// refinement that equalises marginal returns among the communities on the concave part of their
// curves (only accepted when it improves the plan). The DP result equals exhaustive search over
// the same grid; the refinement can only improve on it.
//
// Also the inverse questions: the least budget whose plan reaches a conversion target, and the
// total budget that maximises profit.
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/response_curve.h"

namespace circlewise {

enum class AllocationObjective { kConversions, kRevenue, kProfit };
enum class AllocationMode { kPlan, kTarget, kProfitBudget };

// Per-community constraints and inputs; unset numbers are NaN.
struct CommunityConstraint {
  std::string community;
  double min = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
  double fixed = std::numeric_limits<double>::quiet_NaN();    // holds the spend at this value
  double current = std::numeric_limits<double>::quiet_NaN();  // default: the curve's latest spend
  double value = std::numeric_limits<double>::quiet_NaN();    // value per conversion override
};

struct AllocationOptions {
  AllocationMode mode = AllocationMode::kPlan;
  AllocationObjective objective = AllocationObjective::kConversions;
  double budget = std::numeric_limits<double>::quiet_NaN();  // per period; required in plan mode
  double target = std::numeric_limits<double>::quiet_NaN();  // conversions per period (target mode)
  double value_per_conversion = std::numeric_limits<double>::quiet_NaN();  // default for every community
  // Without an explicit max, a community is not given more than this multiple of the largest
  // spend in its history: the curve says nothing reliable far beyond what was observed.
  double max_extrapolation = 3;
  std::vector<CommunityConstraint> constraints;
  size_t grid = 0;  // DP grid steps over the spendable budget; 0 = chosen from the community count
  bool refine = true;
};

// {"budget":50000,"objective":"conversions|revenue|profit","valuePerConversion":40,
//  "maxExtrapolation":3,"grid":0,"refine":true,"mode":"plan|target|profitBudget","target":900,
//  "communities":{"A":{"min":0,"max":5000,"fixed":null,"current":1200,"value":35}}}
AllocationOptions allocation_options_from_json(const nlohmann::json& j);

struct CommunityPlan {
  std::string community;
  double spend = 0;
  double min = 0, max = 0;  // the bounds that applied
  std::string status;       // "fixed", "at_min", "at_max", "interior"
  std::string max_source;   // "option", "extrapolation", "budget" (what set `max`)
  double conversions = 0, lower = 0, upper = 0;  // expected per period, with the curve's band
  double value = 0;                              // value per conversion used (1 for conversions)
  double marginal_conversions = 0;               // d conversions / d spend at `spend`
  double marginal_value = 0;                     // value of the next unit of spend
  double current_spend = 0, current_conversions = 0;
  std::string note;  // why the community is where it is
};

struct SplitTotals {
  double spend = 0, conversions = 0, lower = 0, upper = 0, revenue = 0, profit = 0, objective = 0;
};

struct Allocation {
  AllocationMode mode = AllocationMode::kPlan;
  AllocationObjective objective = AllocationObjective::kConversions;
  double budget = 0;  // the budget planned for (found by the solver in the inverse modes)
  std::vector<CommunityPlan> communities;
  SplitTotals totals, current;
  bool current_feasible = false;
  std::string current_infeasible_reason;
  bool kept_current = false;  // the current split was at least as good as the optimiser's plan
  double target = 0;          // target mode
  bool target_reached = true;
  size_t grid_steps = 0;
  double grid_unit = 0;
  std::vector<std::string> notes;  // binding bounds, unspent budget and why
};

// Throws InputError for impossible constraints (minimums above the budget, min > max, unknown
// community names in constraints, a revenue/profit objective without a value per conversion).
Allocation allocate(const std::vector<ResponseCurve>& curves, const AllocationOptions& options);

// The raw grid optimum used inside `allocate`, exposed for tests: per community, a spend table
// value[i][k] = objective of spending k grid units; returns the units per community maximising
// the sum with sum(units) <= total_units.
std::vector<size_t> best_grid_split(const std::vector<std::vector<double>>& value, size_t total_units);

nlohmann::json to_json(const Allocation& a);
std::string to_text(const Allocation& a);

}  // namespace circlewise
