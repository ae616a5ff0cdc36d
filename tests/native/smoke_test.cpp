#include <gtest/gtest.h>
#include "circlewise/event_reader.h"
#include "circlewise/dataset_summary.h"
TEST(Smoke, ReadsTinyCsv) {
  auto log = circlewise::read_events("user_id,item_id,event,ts\nu1,c1,view,2024-01-01\n");
  EXPECT_EQ(log.size(), 1u);
}
