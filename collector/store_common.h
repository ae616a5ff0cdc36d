#pragma once
// Pieces both stores share: the schema, the column encoding of a report, and assembling the
// GROUP BY rows of aggregation_sql.h into LdpGroupSums.
#include <cstdint>
#include <vector>

#include "circlewise/ldp.h"
#include "circlewise/ldp_aggregator.h"

namespace circlewise::collector {

// One column of a result row; stores fill both members (integer columns exactly, epsilon exactly).
struct Cell {
  int64_t i = 0;
  double d = 0;
};
using Rows = std::vector<std::vector<Cell>>;

// Rows of sql::group_counts, grr_support, oue_support, olh_support for one kind.
std::vector<LdpGroupSums> assemble_sums(const Rows& groups, const Rows& grr, const Rows& oue, const Rows& olh);

// The columns a report is stored as (see aggregation_sql.h).
struct ReportColumns {
  int kind, mechanism;
  double epsilon;
  int64_t items, value, hash_a, hash_b;
};
ReportColumns columns_of(const LdpReport& r);

// Days since the epoch (UTC): a coarse receipt date for time partitions; never a timestamp.
int64_t today();

}  // namespace circlewise::collector
