#pragma once
// Local differential privacy: the frequency oracles a device uses to report a value so that the
// report alone says little about it, and the report format the aggregator (ldp_aggregator.h)
// reads. Mechanisms, after Wang et al., "Locally Differentially Private Protocols for Frequency
// Estimation", USENIX Security 2017:
//   GRR  k-ary (generalised) randomised response: send the value with probability p, else one of
//        the other d-1 values uniformly. Variance grows with d; best for small domains.
//   OUE  optimised unary encoding: a d-bit vector, the value's bit is 1 w.p. 1/2, every other bit
//        1 w.p. 1/(e^eps+1). Optimal variance 4e^eps/(e^eps-1)^2, but the report is d bits long.
//   OLH  optimised local hashing: hash the value into g ~ e^eps+1 buckets with a hash drawn at
//        random by the device (sent along), then GRR over the g buckets. Nearly OUE's variance
//        with a report of three numbers, so it is the choice for large domains (pairs of courses).
//
// Exact epsilon. e^eps is realised once as the rational E = A / 2^32 with A = floor(e^eps 2^32)
// (computed with portable_exp, so identical natively and in WASM), and every coin is a uniform
// integer compared with an integer threshold. The worst-case likelihood ratio of every mechanism
// is then exactly E, i.e. the implementation is eps'-LDP with eps' = ln(A / 2^32), which is <= the
// requested eps and less than 2^-32 below it (see effective_epsilon(); docs/privacy.md).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "circlewise/secure_random.h"

namespace circlewise {

enum class Mechanism { kGrr, kOue, kOlh };
std::string_view mechanism_name(Mechanism m);  // "grr", "oue", "olh"
// Throws InputError naming the allowed names.
Mechanism mechanism_from_name(std::string_view name);

// Bounds on what a caller may ask for. Beyond epsilon 10 (a likelihood ratio above 22,000) the
// report is practically the raw value, so it is refused as absurd rather than called private.
constexpr double kMinEpsilon = 0.01;
constexpr double kMaxEpsilon = 10.0;
constexpr uint64_t kMaxDomain = uint64_t{1} << 31;  // keeps every integer threshold within 64 bits
constexpr uint64_t kMaxOueDomain = 4096;            // an OUE report is d bits; beyond this use OLH
constexpr int kRatioBits = 32;                      // E = A / 2^kRatioBits

// OLH's hash family: h(v) = ((a v + b) mod P) mod g with P = 2^61 - 1, a in [1, P), b in [0, P)
// (Carter-Wegman universal hashing). The device draws (a, b) per report; they travel in it.
constexpr uint64_t kOlhPrime = (uint64_t{1} << 61) - 1;
struct OlhHash {
  uint64_t a = 1;
  uint64_t b = 0;
  uint64_t operator()(uint64_t value, uint64_t g) const;
};

// Everything a mechanism needs, fixed once per (mechanism, domain, epsilon).
struct OracleParams {
  Mechanism mechanism = Mechanism::kGrr;
  uint64_t domain = 0;    // d: values are 0 .. d-1
  double epsilon = 0;     // as requested
  uint64_t ratio = 0;     // A: e^epsilon ~= A / 2^32, rounded down
  uint64_t g = 0;         // OLH buckets (GRR: d; OUE: 2)
  // P(report supports v | value is v) and P(report supports v | value is another): the aggregator
  // estimates n_v as (support(v) - n q) / (p - q).
  double p = 0;
  double q = 0;
  // The epsilon the integer implementation really guarantees: ln(A / 2^32) <= epsilon.
  double effective_epsilon() const;
};

// Throws InputError for a domain outside [2, kMaxDomain] (OUE: [2, kMaxOueDomain]) or epsilon
// outside [kMinEpsilon, kMaxEpsilon].
OracleParams oracle_params(Mechanism m, uint64_t domain, double epsilon);
// Why a receiver that accepts epsilons in [min, max] (the aggregator, the collector) refuses a
// report's epsilon; empty when it is inside (NaN never is). One check and one wording for all.
std::string epsilon_outside_range(double epsilon, double min, double max);
// The same with e^epsilon given directly as A / 2^32 (and, for OLH, g). Only for tests that must
// build a deliberately mis-calibrated mechanism; real reports use oracle_params.
OracleParams oracle_params_from_ratio(Mechanism m, uint64_t domain, double epsilon, uint64_t ratio,
                                      uint64_t g = 0);

// Variance of an estimated count n_v from n reports, n_v of which hold v.
double count_variance(const OracleParams& params, double n, double n_v);
// The per-report variance of a rare value (n_v ~ 0), q(1-q)/(p-q)^2: the number the mechanisms
// are compared by (Wang et al.'s Var*).
double variance_per_report(const OracleParams& params);
// Lowest variance per report for (domain, epsilon); among mechanisms within 5% of the best the one
// with the shortest report wins (GRR, then OLH, then OUE): OLH only loses the rounding of g to
// an integer against OUE's optimum, and sends 3 numbers instead of d bits.
Mechanism choose_mechanism(uint64_t domain, double epsilon);

// What a report carries besides its header.
struct LdpPayload {
  uint64_t value = 0;           // GRR: the reported value; OLH: the reported bucket y
  std::vector<uint64_t> ones;   // OUE: indices of the bits that are 1, ascending
  OlhHash hash;                 // OLH only
};

// Randomises `value` (< params.domain). Every draw comes from `random`.
LdpPayload randomize(const OracleParams& params, uint64_t value, RandomSource& random);
// OLH with a given hash (tests fix it to check the ratio bound per hash).
LdpPayload randomize_olh(const OracleParams& params, uint64_t value, const OlhHash& hash,
                         RandomSource& random);
// Whether the payload counts towards `value` in the aggregate.
bool supports(const OracleParams& params, const LdpPayload& payload, uint64_t value);

// ── Reports ──
// item: one course the learner engaged with (sampled uniformly from the history), domain = d.
// pair: one unordered pair of distinct courses from the history, over the d(d-1)/2 pairs (the d^2
//       grid without the diagonal and the mirrored half, which carry no information).
enum class ReportKind { kItem, kPair };
std::string_view report_kind_name(ReportKind k);
ReportKind report_kind_from_name(std::string_view name);

uint64_t report_domain(ReportKind kind, uint64_t items);
// Pair (i, j), i != j, to its index in [0, d(d-1)/2) and back.
uint64_t pair_index(uint64_t i, uint64_t j, uint64_t items);
std::pair<uint64_t, uint64_t> pair_from_index(uint64_t index, uint64_t items);

constexpr int kReportVersion = 1;

// What leaves the device: no user or device id, only a random report id (for deduplication).
struct LdpReport {
  std::string id;  // 32 hex digits from the secure source
  ReportKind kind = ReportKind::kItem;
  uint64_t items = 0;  // catalogue size d
  Mechanism mechanism = Mechanism::kGrr;
  double epsilon = 0;
  LdpPayload payload;

  uint64_t domain() const { return report_domain(kind, items); }
};

// {"v":1,"id":"…","kind":"item","items":30,"domain":30,"mechanism":"olh","epsilon":2,
//  "payload":{"seed":"<a:16 hex><b:16 hex>","y":1}}  (grr: {"value":3}; oue: {"ones":[0,4]})
nlohmann::json to_json(const LdpReport& report);
// Validates everything (version, id, kind, sizes, epsilon range, payload shape) and throws
// InputError naming the field and the allowed range.
LdpReport ldp_report_from_json(const nlohmann::json& j);
nlohmann::json payload_to_json(Mechanism m, const LdpPayload& payload);
LdpPayload payload_from_json(const OracleParams& params, const nlohmann::json& j);
// The same checks on a payload built in code; throws InputError.
void validate_payload(const OracleParams& params, const LdpPayload& payload);

std::string random_report_id(RandomSource& random);

// ── Planner ──
struct PlanOptions {
  double epsilon = 1;
  ReportKind kind = ReportKind::kItem;
  uint64_t items = 100;
  uint64_t learners = 10000;
  double target_error = 0.01;  // wanted standard error of a frequency, as a fraction of learners
};

struct MechanismPlan {
  Mechanism mechanism = Mechanism::kGrr;
  bool available = true;        // OUE is not offered for domains above kMaxOueDomain
  double effective_epsilon = 0;
  uint64_t g = 0;
  double variance_per_report = 0;
  double standard_error = 0;           // of an estimated count, in learners
  double standard_error_fraction = 0;  // of an estimated frequency (count / learners)
  uint64_t learners_needed = 0;        // for standard_error_fraction <= target_error
  uint64_t report_bytes = 0;           // approximate JSON payload size
};

struct LdpPlan {
  PlanOptions options;
  uint64_t domain = 0;
  std::vector<MechanismPlan> mechanisms;  // grr, oue, olh
  Mechanism recommended = Mechanism::kGrr;
};

LdpPlan plan_ldp(const PlanOptions& options);
// {"epsilon":1,"kind":"item","items":100,"learners":10000,"targetError":0.01}
PlanOptions plan_options_from_json(const nlohmann::json& j);
nlohmann::json to_json(const LdpPlan& plan);

// Reads a finite number in [lo, hi] from j[key], naming it in the error.
double ldp_number_in(const nlohmann::json& j, const char* key, double lo, double hi);

// The option readers every LDP entry point shares (plan, report request, aggregator), so each
// option has one check and one message.
bool is_json_uint(const nlohmann::json& v);            // a non-negative integer, parsed or built
ReportKind report_kind_option(const nlohmann::json& v);  // "kind": "item" | "pair"
uint64_t catalogue_size_option(const nlohmann::json& v);  // "items": an integer in [2, kMaxDomain]

}  // namespace circlewise
