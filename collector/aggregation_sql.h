#pragma once
// The aggregation both stores run: sums per (mechanism, epsilon) as GROUP BY queries, so the work
// happens inside the database (and on any Postgres-compatible distributed engine the same SQL
// runs per shard). Columns: kind 0 item / 1 pair; mechanism 0 grr / 1 oue / 2 olh; value = the GRR
// value or the OLH bucket y; hash_a, hash_b = the OLH hash; OUE bits live in oue_bits.
#include <string>

namespace circlewise::collector::sql {

inline std::string group_counts(int kind) {
  return "SELECT mechanism, epsilon, count(*) FROM reports WHERE kind = " + std::to_string(kind) +
         " GROUP BY mechanism, epsilon";
}
inline std::string grr_support(int kind) {
  return "SELECT epsilon, value, count(*) FROM reports WHERE kind = " + std::to_string(kind) +
         " AND mechanism = 0 GROUP BY epsilon, value";
}
inline std::string oue_support(int kind) {
  return "SELECT r.epsilon, b.bit, count(*) FROM oue_bits b JOIN reports r ON r.id = b.id WHERE r.kind = " +
         std::to_string(kind) + " AND r.mechanism = 1 GROUP BY r.epsilon, b.bit";
}
inline std::string olh_support(int kind) {
  return "SELECT epsilon, hash_a, hash_b, value, count(*) FROM reports WHERE kind = " + std::to_string(kind) +
         " AND mechanism = 2 GROUP BY epsilon, hash_a, hash_b, value";
}

}  // namespace circlewise::collector::sql
