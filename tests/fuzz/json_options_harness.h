#pragma once
// Every option object and JSON input the bindings and the CLI hand to core: byte 0 picks the
// reader, the rest is the JSON text. Readers answer with a value or an InputError naming the key,
// never a nlohmann type_error or a crash.
#include "circlewise/ab_test.h"
#include "circlewise/allocation.h"
#include "circlewise/association_rules.h"
#include "circlewise/baskets.h"
#include "circlewise/churn.h"
#include "circlewise/community_health.h"
#include "circlewise/event_reader.h"
#include "circlewise/funnel.h"
#include "circlewise/invite_targets.h"
#include "circlewise/item_model_builder.h"
#include "circlewise/ldp.h"
#include "circlewise/ldp_aggregator.h"
#include "circlewise/learner_features.h"
#include "circlewise/ltv.h"
#include "circlewise/marketing_history.h"
#include "circlewise/privacy_budget.h"
#include "circlewise/recommender.h"
#include "circlewise/referrals.h"
#include "circlewise/response_curve.h"
#include "circlewise/retention.h"
#include "circlewise/rfm.h"
#include "circlewise/segmentation.h"
#include "circlewise/synthetic_platform.h"
#include "fuzz_support.h"

inline void run_json_options_case(const uint8_t* data, size_t size) {
  using namespace circlewise;
  if (size < 1) return;
  nlohmann::json j;
  if (!circlewise_fuzz::parse_json(circlewise_fuzz::as_text(data + 1, size - 1), j)) return;
  circlewise_fuzz::expect_result_or_input_error([&] {
    switch (data[0] % 34) {
      case 0: (void)sample_size_options_from_json(j); break;
      case 1: (void)analyze_options_from_json(j); break;
      case 2: (void)ratio_options_from_json(j); break;
      case 3: (void)allocation_options_from_json(j); break;
      case 4: (void)association_options_from_json(j); break;
      case 5: (void)itemset_options_from_json(j); break;
      case 6: (void)basket_options_from_json(j); break;
      case 7: (void)churn_options_from_json(j); break;
      case 8: (void)read_options_from_json(j); break;
      case 9: (void)funnel_options_from_json(j); break;
      case 10: (void)item_model_options_from_json(j); break;
      case 11: (void)plan_options_from_json(j); break;
      case 12: (void)aggregator_options_from_json(j); break;
      case 13: (void)ldp_model_options_from_json(j); break;
      case 14: (void)ldp_simulation_options_from_json(j); break;
      case 15: (void)as_of_from_json(j); break;
      case 16: (void)ltv_options_from_json(j); break;
      case 17: (void)privacy_budget_from_json(j); break;
      case 18: (void)report_request_from_json(j); break;
      case 19: (void)recommend_options_from_json(j); break;
      case 20: (void)history_from_json(j); break;
      case 21: (void)evaluation_options_from_json(j); break;
      case 22: (void)curve_fit_options_from_json(j); break;
      case 23: for (const auto& c : curves_from_json(j)) (void)to_json(c).dump(); break;
      case 24: (void)history_simulation_from_json(j); break;
      case 25: (void)retention_options_from_json(j); break;
      case 26: (void)rfm_options_from_json(j); break;
      case 27: (void)kmeans_options_from_json(j); break;
      case 28: (void)segmentation_options_from_json(j); break;
      case 29: (void)synthetic_options_from_json(j); break;
      case 30: (void)community_health_options_from_json(j); break;
      case 31: (void)referral_options_from_json(j); break;
      case 32: (void)invite_target_options_from_json(j); break;
      case 33: (void)model_catalogue_from_json(j); break;  // the collector's --catalogue, buildModelFromReports
    }
  });
}
