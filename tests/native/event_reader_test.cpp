#include "circlewise/event_reader.h"

#include <gtest/gtest.h>

#include "test_support.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "circlewise/error.h"
#include "circlewise/timestamp.h"

using circlewise::EventLog;
using circlewise::InputError;
using circlewise::OnBadRow;
using circlewise::read_events;
using circlewise::ReadOptions;

namespace {


ReadOptions skipping() {
  ReadOptions o;
  o.on_bad_row = OnBadRow::kSkip;
  return o;
}

const char* kHeader = "user_id,item_id,event,ts,amount,community,referrer\n";

}  // namespace

TEST(EventReader, ReadsAllFieldsWithDictionaryEncoding) {
  auto log = read_events(std::string(kHeader) +
                         "u1,c1,view,2024-05-01T10:00:00Z,,club,\n"
                         "u2,c1,purchase,2024-05-02,49.90,club,u1\n"
                         "u1,,join,1714557600,,other,\n");
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log.users.size(), 2u);
  EXPECT_EQ(log.user[0], log.user[2]);
  EXPECT_EQ(log.item[2], circlewise::kNone);
  EXPECT_EQ(log.event[1], static_cast<int32_t>(circlewise::EventType::kPurchase));
  EXPECT_EQ(log.ts_ms[0], 1714557600000);
  EXPECT_EQ(log.ts_ms[2], 1714557600000);  // the same instant as Unix seconds
  EXPECT_DOUBLE_EQ(log.amount[1], 49.90);
  EXPECT_TRUE(std::isnan(log.amount[0]));
  EXPECT_EQ(log.referrer[1], log.user[0]);
  EXPECT_EQ(log.communities.name(log.community[2]), "other");
}

TEST(EventReader, AcceptsAnyColumnOrderAndOptionalColumnsMissing) {
  auto log = read_events("ts,event,user_id\n2024-01-01,view,a\n");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log.users.name(log.user[0]), "a");
  EXPECT_EQ(log.item[0], circlewise::kNone);
  EXPECT_TRUE(std::isnan(log.amount[0]));
}

TEST(EventReader, HandlesQuotesCrlfAndBom) {
  std::string text = "\xEF\xBB\xBFuser_id,item_id,event,ts\r\n"
                     "\"u,1\",\"Course \"\"Intro\"\"\",view,2024-01-01\r\n"
                     "u2,\"multi\nline\",view,2024-01-02\r\n";
  auto log = read_events(text);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log.users.name(log.user[0]), "u,1");
  EXPECT_EQ(log.items.name(log.item[0]), "Course \"Intro\"");
  EXPECT_EQ(log.items.name(log.item[1]), "multi\nline");
}

TEST(EventReader, ChunkBoundariesAnywhereGiveTheSameLog) {
  std::string text = std::string("\xEF\xBB\xBF") + kHeader +
                     "u1,c1,view,2024-05-01T10:00:00Z,,club,\r\n"
                     "\"u\"\"2\",\"c,2\",purchase,2024-05-02,49.90,club,u1\r\n"
                     "u3,c1,complete,2024-05-03,,,\n";
  auto whole = read_events(text);
  for (size_t step = 1; step <= 7; ++step) {
    circlewise::EventReader r;
    for (size_t i = 0; i < text.size(); i += step) r.feed(std::string_view(text).substr(i, step));
    auto log = r.finish();
    ASSERT_EQ(log.size(), whole.size()) << "step " << step;
    EXPECT_EQ(log.users.names(), whole.users.names());
    EXPECT_EQ(log.items.names(), whole.items.names());
    EXPECT_EQ(log.ts_ms, whole.ts_ms);
  }
}

TEST(EventReader, ConfigurableColumnNamesAndDelimiter) {
  ReadOptions o = circlewise::read_options_from_json(
      nlohmann::json::parse(R"({"delimiter":";","columns":{"user_id":"learner","ts":"time","event":"action"}})"));
  auto log = read_events("learner;action;time\nx;view;2024-02-29\n", o);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log.users.name(0), "x");
}

TEST(EventReader, RejectsBadTimestampWithLineAndColumn) {
  auto msg = error_of([] { read_events("user_id,event,ts\nu1,view,2024-01-01\nu1,view,2024-13-01\n"); });
  EXPECT_EQ(msg, "line 3, column \"ts\": \"2024-13-01\" is not a valid timestamp: month must be 01-12");
}

TEST(EventReader, LineNumbersCountPhysicalLinesInsideQuotes) {
  auto msg = error_of([] { read_events("user_id,item_id,event,ts\nu1,\"a\nb\",view,2024-01-01\nu2,x,view,soon\n"); });
  EXPECT_NE(msg.find("line 4, column \"ts\""), std::string::npos) << msg;
}

TEST(EventReader, RejectsEmptyInput) {
  EXPECT_NE(error_of([] { read_events(""); }).find("the input is empty"), std::string::npos);
  EXPECT_NE(error_of([] { read_events("\n\n  \n"); }).find("the input is empty"), std::string::npos);
}

TEST(EventReader, HeaderOnlyGivesAnEmptyLog) {
  auto log = read_events("user_id,event,ts\n");
  EXPECT_EQ(log.size(), 0u);
}

TEST(EventReader, RejectsMissingRequiredColumnNamingIt) {
  auto msg = error_of([] { read_events("user_id,event,time\nu,view,2024-01-01\n"); });
  EXPECT_NE(msg.find("missing required column \"ts\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"time\""), std::string::npos) << msg;
}

TEST(EventReader, RejectsDuplicateHeaderColumn) {
  auto msg = error_of([] { read_events("user_id,event,ts,ts\nu,view,2024-01-01,2024-01-02\n"); });
  EXPECT_EQ(msg, "line 1: duplicate column \"ts\" in the header (columns 3 and 4)");
}

TEST(EventReader, RejectsNonNumericAmount) {
  auto msg = error_of([] { read_events("user_id,event,ts,amount\nu,purchase,2024-01-01,12abc\n"); });
  EXPECT_NE(msg.find("line 2, column \"amount\": \"12abc\" is not a number"), std::string::npos) << msg;
}

TEST(EventReader, RejectsNegativeAmount) {
  auto msg = error_of([] { read_events("user_id,event,ts,amount\nu,purchase,2024-01-01,-5.00\n"); });
  EXPECT_NE(msg.find("line 2, column \"amount\": \"-5.00\" is negative"), std::string::npos) << msg;
}

TEST(EventReader, RejectsNanAndInfinityAmounts) {
  for (const char* v : {"NaN", "inf", "Infinity", "1e5"}) {
    auto msg = error_of([&] { read_events(std::string("user_id,event,ts,amount\nu,purchase,2024-01-01,") + v + "\n"); });
    EXPECT_NE(msg.find("is not a number"), std::string::npos) << v << ": " << msg;
  }
}

TEST(EventReader, ParsesDecimalAmountsExactly) {
  auto log = read_events("user_id,event,ts,amount\nu,purchase,2024-01-01,0.1\nu,purchase,2024-01-01,19.99\nu,purchase,2024-01-01,+7\n");
  EXPECT_EQ(log.amount[0], 0.1);
  EXPECT_EQ(log.amount[1], 19.99);
  EXPECT_EQ(log.amount[2], 7.0);
}

TEST(EventReader, KeepsUnknownEventNamesAsCustom) {
  auto log = read_events("user_id,event,ts\nu,wishlist,2024-01-01\nu,view,2024-01-01\n");
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log.event[0], circlewise::kKnownEventTypes);
  EXPECT_EQ(log.event_names.name(log.event[0]), "wishlist");
}

TEST(EventReader, RejectsBinaryGarbage) {
  std::string garbage = "user_id,event,ts\n";
  for (int i = 0; i < 200; ++i) garbage.push_back(static_cast<char>((i * 37) % 256));
  auto msg = error_of([&] { read_events(garbage); });
  EXPECT_FALSE(msg.empty());
  // Garbage without any newline is refused by the field length limit, not read to the end.
  std::string blob(100000, '\x01');
  msg = error_of([&] { read_events(blob); });
  EXPECT_NE(msg.find("longer than"), std::string::npos) << msg;
}

TEST(EventReader, RejectsInvalidUtf8AndNulInIds) {
  EXPECT_NE(error_of([] { read_events("user_id,event,ts\nu\xFF,view,2024-01-01\n"); }).find("column \"user_id\": is not valid UTF-8"),
            std::string::npos);
  EXPECT_NE(error_of([] { read_events(std::string("user_id,event,ts\nu\0x,view,2024-01-01\n", 33)); }).find("NUL"),
            std::string::npos);
}

TEST(EventReader, RejectsWrongFieldCount) {
  auto msg = error_of([] { read_events("user_id,event,ts\nu,view\n"); });
  EXPECT_EQ(msg, "line 2: expected 3 fields as in the header, found 2");
}

TEST(EventReader, RejectsUnclosedQuote) {
  auto msg = error_of([] { read_events("user_id,event,ts\n\"u,view,2024-01-01\n"); });
  EXPECT_NE(msg.find("not closed"), std::string::npos) << msg;
}

TEST(EventReader, SkipModeCountsAndItemisesEveryBadRow) {
  auto log = read_events("user_id,event,ts,amount\n"
                         "u1,view,2024-01-01,\n"
                         "u2,view,yesterday,\n"
                         "\n"
                         "u3,purchase,2024-01-01,-1\n"
                         "u4,view\n"
                         ",view,2024-01-01,\n"
                         "u5,view,2024-01-02,\n",
                         skipping());
  EXPECT_EQ(log.size(), 2u);
  EXPECT_EQ(log.report.records, 6u);
  EXPECT_EQ(log.report.skipped_rows, 4u);
  EXPECT_EQ(log.report.blank_lines, 1u);
  ASSERT_EQ(log.report.problems.size(), 4u);
  EXPECT_EQ(log.report.problems[0].line, 3u);
  EXPECT_EQ(log.report.problems[0].column, "ts");
  EXPECT_EQ(log.report.problems[1].line, 5u);
  EXPECT_EQ(log.report.problems[1].column, "amount");
  EXPECT_EQ(log.report.problems[2].line, 6u);
  EXPECT_EQ(log.report.problems[2].column, "");
  EXPECT_EQ(log.report.problems[3].column, "user_id");
}

TEST(EventReader, SkipModeCountsBeyondTheItemisedLimit) {
  ReadOptions o = skipping();
  o.max_problem_details = 2;
  std::string text = "user_id,event,ts\n";
  for (int i = 0; i < 10; ++i) text += "u,view,never\n";
  auto log = read_events(text, o);
  EXPECT_EQ(log.report.skipped_rows, 10u);
  EXPECT_EQ(log.report.problems.size(), 2u);
}

TEST(EventReader, ReportsIgnoredColumns) {
  auto log = read_events("user_id,event,ts,browser\nu,view,2024-01-01,firefox\n");
  ASSERT_EQ(log.report.ignored_columns.size(), 1u);
  EXPECT_EQ(log.report.ignored_columns[0], "browser");
}

TEST(EventReader, RefusesMoreThanMaxEvents) {
  ReadOptions o;
  o.max_events = 2;
  auto msg = error_of([&] { read_events("user_id,event,ts\nu,view,1\nu,view,2\nu,view,3\n", o); });
  EXPECT_NE(msg.find("more than 2 events"), std::string::npos) << msg;
}

TEST(EventReader, ReadsJsonArrayAndNdjsonAlike) {
  auto a = read_events(R"([{"user_id":"u1","event":"view","ts":"2024-01-01","item_id":"c1"},
                           {"user_id":7,"event":"purchase","ts":1704067200,"amount":19.99,"community":null}])");
  auto b = read_events("{\"user_id\":\"u1\",\"event\":\"view\",\"ts\":\"2024-01-01\",\"item_id\":\"c1\"}\n"
                       "{\"user_id\":7,\"event\":\"purchase\",\"ts\":1704067200,\"amount\":19.99}\n");
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(a.users.name(1), "7");
  EXPECT_EQ(a.amount[1], 19.99);
  EXPECT_EQ(a.ts_ms, b.ts_ms);
  EXPECT_EQ(a.ts_ms[0], a.ts_ms[1]);
}

TEST(EventReader, JsonErrorsNameLineRecordAndField) {
  auto msg = error_of([] { read_events("[\n{\"user_id\":\"u\",\"event\":\"view\",\"ts\":\"2024-01-01\"},\n{\"user_id\":\"u\",\"event\":\"view\",\"ts\":\"2024-02-30\"}\n]"); });
  EXPECT_EQ(msg, "line 3 (record 2), field \"ts\": \"2024-02-30\" is not a valid timestamp: no such day in that month");
  msg = error_of([] { read_events("[{\"user_id\":{\"x\":1},\"event\":\"view\",\"ts\":1}]"); });
  EXPECT_NE(msg.find("field \"user_id\": must be a string or a number, found object"), std::string::npos) << msg;
  msg = error_of([] { read_events("[{\"user_id\":\"u\",\"event\":\"view\"}]"); });
  EXPECT_NE(msg.find("field \"ts\": is missing"), std::string::npos) << msg;
  msg = error_of([] { read_events("[{\"user_id\":\"u\",\"event\":\"view\",\"ts\":1}"); });
  EXPECT_NE(msg.find("not closed"), std::string::npos) << msg;
  msg = error_of([] { read_events("[1,2]"); });
  EXPECT_NE(msg.find("expected a JSON object"), std::string::npos) << msg;
}

TEST(EventReader, RejectsDeeplyNestedJsonWithoutRecursing) {
  std::string deep = "[{\"user_id\":" + std::string(100000, '[') + "]}]";
  auto msg = error_of([&] { read_events(deep); });
  EXPECT_NE(msg.find("nested deeper than 32"), std::string::npos) << msg;
}

TEST(EventReader, JsonSkipModeKeepsGoodRecords) {
  auto log = read_events("{\"user_id\":\"u\",\"event\":\"view\",\"ts\":1}\n{bad json}\n{\"user_id\":\"v\",\"event\":\"view\",\"ts\":2}\n",
                         skipping());
  EXPECT_EQ(log.size(), 2u);
  EXPECT_EQ(log.report.skipped_rows, 1u);
  EXPECT_EQ(log.report.problems[0].line, 2u);
}

TEST(EventReader, RoundTripsThroughCsv) {
  auto log = read_events(std::string(kHeader) + "u1,\"c,1\",view,2024-05-01T10:00:00.250Z,,club,\nu2,c2,purchase,2024-05-02,0.3,,u1\n");
  auto again = read_events(circlewise::write_events_csv(log));
  EXPECT_EQ(again.ts_ms, log.ts_ms);
  EXPECT_EQ(again.items.names(), log.items.names());
  EXPECT_EQ(again.amount[1], 0.3);
  EXPECT_EQ(again.referrer[1], again.user[0]);
}

TEST(EventReader, OptionsFromJsonRejectUnknownKeysAndBadValues) {
  using circlewise::read_options_from_json;
  EXPECT_NE(error_of([] { read_options_from_json(nlohmann::json::parse(R"({"formt":"csv"})")); }).find("unknown read option \"formt\""),
            std::string::npos);
  EXPECT_NE(error_of([] { read_options_from_json(nlohmann::json::parse(R"({"onBadRow":"ignore"})")); }).find("\"fail\" or \"skip\""),
            std::string::npos);
  EXPECT_NE(error_of([] { read_options_from_json(nlohmann::json::parse(R"({"columns":{"userid":"x"}})")); }).find("unknown field \"userid\""),
            std::string::npos);
}
