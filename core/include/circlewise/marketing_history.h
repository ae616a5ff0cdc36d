#pragma once
// A marketer's spend history: one row per (period, community) with what was spent and what it
// brought. It is the input of the response-curve fit and of the per-community seed metrics.
// Read from CSV (errors name the line and column) or from JSON rows (errors name the row and field).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace circlewise {

// Columns are stored side by side; optional columns hold NaN where the input left them empty.
struct MarketingHistory {
  std::vector<std::string> communities;  // in order of first appearance
  std::vector<std::string> periods;      // in time order (see read_marketing_history)
  std::vector<int> period;               // index into periods
  std::vector<int> community;            // index into communities
  std::vector<double> spend;             // >= 0, required
  std::vector<double> conversions;       // >= 0, required
  std::vector<double> revenue;           // >= 0 or NaN
  std::vector<double> members;           // >= 0 or NaN: community size in that period
  std::vector<double> payers;            // >= 0 or NaN: distinct paying learners in that period
  std::vector<double> retained;          // >= 0 or NaN: payers of this period who also paid last period
  std::vector<std::string> ignored_columns;  // input columns that are not history fields
  size_t size() const { return spend.size(); }
};

// CSV with a header naming at least period, community, spend, conversions; optional revenue,
// members, payers, retained (any order, case-insensitive; other columns are ignored and listed).
// Numbers are plain decimals, non-negative. Periods are ordered numerically when all of them are
// numbers, else as text (so ISO dates and "2024-W07" order correctly). A (period, community)
// pair may appear once. Throws InputError naming the line and column of the first problem.
MarketingHistory read_marketing_history(std::string_view csv);

// The same from JSON: an array of objects with the same field names (numbers or numeric strings).
MarketingHistory marketing_history_from_json(const nlohmann::json& rows);

// One community's series in time order (periods without a row are absent, not zero).
struct CommunitySeries {
  std::vector<int> period;  // index into MarketingHistory::periods, increasing
  std::vector<double> spend, conversions, revenue;
};
CommunitySeries community_series(const MarketingHistory& h, int community);

// Seed metrics per community, from the whole history. A metric is NaN when its inputs are
// absent (e.g. no members column) or its denominator is zero.
struct CommunityMetrics {
  std::string community;
  size_t periods = 0;
  double spend = 0, conversions = 0, revenue = 0;
  double conversion_rate = 0;     // payers / members (payers = conversions without a payers column)
  double retention = 0;           // sum of retained / sum of the previous period's payers
  double payer_ratio = 0;         // payers in the last period / payers in the one before
  double cost_per_conversion = 0; // spend / conversions
  double roi = 0;                 // (revenue - spend) / spend
  double value_per_conversion = 0;  // revenue / conversions
};
std::vector<CommunityMetrics> community_metrics(const MarketingHistory& h);

nlohmann::json to_json(const CommunityMetrics& m);
std::string metrics_to_text(const std::vector<CommunityMetrics>& ms);

}  // namespace circlewise
