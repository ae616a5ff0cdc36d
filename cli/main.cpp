// circlewise: the command line for data teams. Each command reads files the way the JS API does
// and prints text, or JSON with --json. Exit status: 0 ok, 1 bad input, 2 bad usage.
#include <cstring>
#include <iostream>
#include <string>

#include "circlewise/error.h"
#include "commands.h"

namespace {

struct Command {
  const char* name;
  int (*run)(int, char**);
  const char* help;
};

// One entry per subcommand.
const Command kCommands[] = {
    {"inspect", circlewise::cli::inspect,
     "inspect <events.csv|events.json|-> [--json] [--skip-bad-rows] [--format csv|json]\n"
     "          [--delimiter C] [--column field=name ...]\n"
     "      Summary of an event log: learners, courses, communities, events by type, time range,\n"
     "      revenue and per-community totals, and what was skipped and why."},
    {"generate", circlewise::cli::generate,
     "generate [--seed N] [--learners N | --events N] [--courses N] [--communities N]\n"
     "          [--days N] [--start YYYY-MM-DD] [--truth FILE] [--advocates N] [--declining-community]\n"
     "      Writes a synthetic course platform's event log as CSV to stdout (deterministic per\n"
     "      seed); --truth also writes its planted effects as JSON."},
    {"rules", circlewise::cli::rules,
     "rules <events> [--json] [--min-support S] [--max-size N] [--min-confidence C] [--min-lift L]\n"
     "          [--sort-by support|confidence|lift|leverage|conviction] [--max-rules N]\n"
     "          [--max-antecedent N] [--max-consequent N] [--basket-by learner|session]\n"
     "          [--session-gap-minutes M] [--events purchase,enroll] [--max-itemsets N]\n"
     "          [--on-too-many error|truncate]\n"
     "      Courses that sell together: FP-growth itemsets and association rules with support,\n"
     "      confidence, lift, leverage and conviction."},
    {"funnel", circlewise::cli::funnel,
     "funnel <events> [--json] [--steps view,enroll,purchase:72,complete] [--window-days D]\n"
     "          [--order strict|any] [--exclude refund] [--same-course] [--overall-only]\n"
     "      Step conversion with Wilson 95% intervals and hours from entry, overall and per\n"
     "      community (\"step:H\" = within H hours of the previous step; window 0 = none)."},
    {"cohorts", circlewise::cli::cohorts,
     "cohorts <events> [--json] [--period day|week|month] [--cohort-by first-activity|first-purchase]\n"
     "          [--active-events view,complete] [--overall-only] [--as-of YYYY-MM-DD]\n"
     "          [--partial-period mark|empty]\n"
     "      Cohort retention matrix (birth and compounded) and paying-learner retention per\n"
     "      community, period over period; a period still running at --as-of is marked '~'."},
    {"communities", circlewise::cli::communities,
     "communities <events> [--json] [--period day|week|month] [--rank-by METRIC] [--trend-z Z]\n"
     "          [--min-history N]\n"
     "      Community health per period: members, new, active, churned, DAU/MAU, WAU/MAU, share\n"
     "      and conversion rates, revenue per member, paying retention; ranked, with trend flags."},
    {"referrals", circlewise::cli::referrals,
     "referrals <events> [--json] [--period day|week|month] [--top N] [--rank-by members|revenue]\n"
     "      Referrals from the referrer column: K-factor, acceptance, cycle time and conversion per\n"
     "      community and period, chain generations, top advocates (direct and through chains)."},
    {"targets", circlewise::cli::targets,
     "targets <events> --course ID[,ID...] [--json] [--csv FILE|-] [--limit N] [--horizon-days D]\n"
     "          [--segment NAME] [--antecedent COURSE[,COURSE...]] [--min-group N]\n"
     "      Whom to invite for a course or bundle: non-owners ranked by propensity to buy, expected\n"
     "      conversions, listed learners per community, and segments to seed into communities."},
    {"churn", circlewise::cli::churn,
     "churn <events|summary.csv> [--json] [--summary] [--unit days|weeks] [--as-of YYYY-MM-DD]\n"
     "          [--horizon N] [--clv-periods N] [--clv-step N] [--discount-rate R] [--margin M]\n"
     "          [--learners OUT.csv] [--top N]\n"
     "      Churn risk: BG/NBD fit (r, alpha, a, b, log-likelihood), P(alive) and expected purchases\n"
     "      per learner, Gamma-Gamma spend and CLV, conversion and revenue per community. --summary\n"
     "      reads a table learner,frequency,recency,T[,monetary_value] instead of an event log."},
    {"segment", circlewise::cli::segment,
     "segment <events.csv|-> [--k N | --auto-k [--k-min N] [--k-max N]] [--seed N] [--n-init N]\n"
     "          [--max-iter N] [--tol X] [--algorithm auto|lloyd|hamerly] [--as-of DATE]\n"
     "          [--features a,b,...] [--rfm] [--assignments FILE] [--json]\n"
     "      Learner segments by k-means on standardised RFM + engagement features: size, revenue\n"
     "      share, centroid, RFM-map label. --rfm: classic RFM quintile scores and segments instead.\n"
     "      --assignments writes each learner's segment as CSV."},
    {"curves", circlewise::cli::curves,
     "curves fit <history.csv|-> [--json] [--model auto|hill|exponential] [--shape N]\n"
     "          [--adstock fit|X] [--bootstrap N] [--starts N] [--seed N] [--level L]\n"
     "          [--min-points N] [--skip-short]\n"
     "      Response curve per community (conversions per period vs spend) from a marketing\n"
     "      history (period,community,spend,conversions[,revenue,members,payers,retained]):\n"
     "      parameters, R2, MAPE and a seeded bootstrap band.\n"
     "  circlewise curves metrics <history.csv> [--json]\n"
     "      Seed metrics per community: conversion rate, retention, cost per conversion, ROI.\n"
     "  circlewise curves simulate [--communities N] [--periods N] [--noise X] [--seed N] [--truth FILE]\n"
     "      A simulated marketing history (CSV) from known curves, for demos and tests."},
    {"allocate", circlewise::cli::allocate,
     "allocate <history.csv|curves.json> (--budget N | --target N | --profit-budget) [--json]\n"
     "          [--objective conversions|revenue|profit] [--value V] [--min C=N ...] [--max C=N ...]\n"
     "          [--fixed C=N|C=current ...] [--current C=N ...] [--max-extrapolation X] [--grid N]\n"
     "          [--no-refine] [curve fit flags]\n"
     "      Budget per period across communities, optimal also for S-curves: spend, expected\n"
     "      conversions with band, next-unit return, change vs the current split, and why.\n"
     "      --target: least budget reaching N conversions; --profit-budget: profit-maximising budget."},
    {"model", circlewise::cli::model,
     "model build <events.csv|-> -o model.json [--binary model.cwm] [--method cosine|ease] [--k N]\n"
     "          [--shrinkage S] [--min-support N] [--events enroll,purchase,complete] [--titles t.json] [--json]\n"
     "      The item model for on-device recommendations: courses and each one's top-k neighbours.\n"
     "  circlewise model info <model.json|model.cwm> [--json]\n"
     "  circlewise model recommend <model> --history [event:]id,... [--n N] [--community C] [--exclude id,...]\n"
     "  circlewise model evaluate <events.csv|-> [--n 10] [--max-cases N] [--ease] [model flags] [--json]\n"
     "          [--ldp-epsilons 0.5,1,2,4,8] [--ldp-seed N] [--ldp-top-items 300] [--ldp-min-z Z|auto]\n"
     "      Leave-last-out recall@n, NDCG@n, coverage: popularity vs item-item, and models rebuilt from\n"
     "      simulated private reports (one item + one pair report per learner; seeded, simulation only)."},
    {"ldp", circlewise::cli::ldp,
     "ldp plan [--epsilon E] [--items N] [--kind item|pair] [--learners N] [--target-error F] [--json]\n"
     "      Expected error of private (local DP) reports per mechanism, and the learners needed.\n"
     "  circlewise ldp simulate <events.csv|-> [--epsilon E] [--mechanism auto|grr|oue|olh] [--seed N]\n"
     "          [--events purchase,...] [--catalogue FILE]\n"
     "      Reports the log's learners would send (NDJSON to stdout; seeded, for evaluation only).\n"
     "  circlewise ldp aggregate <reports.ndjson|-> (--items N | --catalogue FILE) [--model FILE]\n"
     "          [--k N] [--top-items N] [--public-counts FILE] [--min-epsilon E] [--max-epsilon E] [--top N] [--json]\n"
     "      Validates reports (rejects bad ones whole, by line), estimates course and pair counts\n"
     "      with intervals; --model writes the item model rebuilt from the reports (with\n"
     "      --public-counts, the site's own learners per course: the hybrid model)."},
    {"abtest", circlewise::cli::abtest,
     "abtest size --baseline RATE --mde X [--relative] [--alpha 0.05] [--power 0.8] [--one-sided]\n"
     "          [--variants 2] [--formula pooled|evan-miller] [--daily-traffic N] [--json]\n"
     "      Learners per variant for a conversion-rate test (Bonferroni over variants), and days.\n"
     "  circlewise abtest analyze (--variant NAME:VISITORS:CONVERSIONS ... | options.json) [--alpha A]\n"
     "          [--one-sided] [--split 50,50] [--srm-alpha 0.001] [--prior A,B] [--tau T] [--seed N] [--json]\n"
     "      z-test, chi-square, CIs of difference and lift, P(beats control), expected loss,\n"
     "      always-valid sequential p-value (mSPRT), sample-ratio-mismatch check.\n"
     "  circlewise abtest ratio <learners.csv (variant,value[,denominator]) | options.json> [--alpha A] [--json]\n"
     "      Ratio metrics (revenue per learner / per session) by the delta method."},
    {"ltv", circlewise::cli::ltv,
     "ltv --arpu X (--churn C | --retention 1,0.7,... | --cohort-revenue R,... --cohort-size N)\n"
     "          [--margin M] [--discount D] [--cac X | --spend S --new-customers N] [--no-extrapolate]\n"
     "          [--horizon 36] [--json]\n"
     "      Lifetime value per customer, LTV/CAC and payback period (all per period)."},
};

void usage(std::ostream& o) {
  o << "circlewise - learner analytics for course platforms\n\nusage:\n";
  for (const auto& c : kCommands) o << "  circlewise " << c.help << "\n";
  o << "\nEvent fields (for --column): user_id, item_id, event, ts, amount, community, referrer.\n"
       "Exit status: 0 ok, 1 bad input (message on stderr), 2 bad usage.\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(std::cerr);
    return 2;
  }
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    usage(std::cout);
    return 0;
  }
  for (int i = 2; i < argc; ++i)
    if (!std::strcmp(argv[i], "--help")) {
      usage(std::cout);
      return 0;
    }
  for (const auto& c : kCommands) {
    if (cmd != c.name) continue;
    try {
      return c.run(argc, argv);
    } catch (const circlewise::InputError& e) {
      std::cerr << "circlewise " << cmd << ": " << e.what() << "\n";
      return 1;
    } catch (const circlewise::cli::UsageError& e) {
      std::cerr << "circlewise " << cmd << ": " << e.what() << " (see circlewise --help)\n";
      return 2;
    } catch (const std::bad_alloc&) {
      std::cerr << "circlewise " << cmd << ": out of memory\n";
      return 1;
    }
  }
  std::cerr << "circlewise: unknown command \"" << cmd << "\"\n\n";
  usage(std::cerr);
  return 2;
}
