#include "apps/janus-check/check_report.hpp"

#include <gtest/gtest.h>

#include <rapidjson/document.h>

namespace janus::check {
namespace {

using namespace std::chrono_literals;

check_report report_with(verdict stream, verdict sigterm) {
  check_report report;
  report.subject = "janus-baseline:latest";
  report.runner = "docker container abc, bridged on 127.0.0.1:32771";
  for (auto rule : all_rules) {
    report.rules.push_back(rule_result{rule, rule != rule_id::idle_memory, verdict::pass, "ok"});
  }
  report.rules[2].outcome = stream;
  report.rules[2].observed = "the stream ended without data: [DONE] after 18 chunks";
  report.rules[6].outcome = sigterm;
  report.rules[6].observed = "killed (status 137) after the 1 s grace period";
  report.boot = 43ms;
  report.took = 1340ms;
  return report;
}

TEST(check_report, a_report_passes_when_every_required_rule_holds_and_exits_0) {
  auto report = report_with(verdict::pass, verdict::pass);
  EXPECT_TRUE(passed(report));
  EXPECT_EQ(exit_status(report), exit_passed);
  EXPECT_TRUE(failed_rules(report).empty());
}

TEST(check_report, a_skipped_rule_or_a_failed_optional_one_does_not_fail_the_check) {
  auto report = report_with(verdict::pass, verdict::skip);
  report.rules[7].outcome = verdict::fail;
  EXPECT_EQ(exit_status(report), exit_passed);
}

TEST(check_report, a_failed_required_rule_exits_1_and_is_named_with_what_was_seen) {
  auto report = report_with(verdict::fail, verdict::fail);
  EXPECT_EQ(exit_status(report), exit_failed);
  EXPECT_EQ(failed_rules(report), (std::vector<std::string>{"stream", "sigterm"}));
  EXPECT_EQ(failure_summary(report),
            "stream (the stream ended without data: [DONE] after 18 chunks); sigterm (killed "
            "(status 137) after the 1 s grace period)");
}

TEST(check_report, a_check_that_could_not_run_exits_3_and_says_why) {
  check_report report;
  report.subject = "nosuch:image";
  report.environment_error = "image nosuch:image is not in the Docker engine";
  EXPECT_EQ(exit_status(report), exit_environment);
  EXPECT_FALSE(passed(report));
  EXPECT_EQ(render_text(report),
            "janus-check nosuch:image\ncannot check: image nosuch:image is not in the Docker "
            "engine\n");
  EXPECT_EQ(exit_status(check_report{}), exit_failed) << "a report without rules never passes";
}

TEST(check_report, the_text_report_is_a_table_of_rule_required_result_and_observed) {
  auto text = render_text(report_with(verdict::fail, verdict::pass));
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "janus-check janus-baseline:latest (docker container abc, bridged on "
            "127.0.0.1:32771)");
  EXPECT_NE(text.find("\nrule          required  result  observed\n"), std::string::npos);
  EXPECT_NE(text.find("\nhealth        yes       pass    ok\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nstream        yes       fail    the stream ended without data: "
                      "[DONE] after 18 chunks\n"),
            std::string::npos);
  EXPECT_NE(text.find("\nidle_memory   no        pass    ok\n"), std::string::npos);
  EXPECT_TRUE(text.ends_with("\nFAILED: stream (1.3 s)\n")) << text;
  auto good = render_text(report_with(verdict::pass, verdict::pass));
  EXPECT_TRUE(good.ends_with("\npassed: every required rule holds (1.3 s)\n")) << good;
}

TEST(check_report, the_json_report_has_the_documented_fields) {
  auto report = report_with(verdict::fail, verdict::pass);
  report.idle_memory = memory_reading{1000, 2000};
  report.sigterm = 85ms;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(render_json(report).c_str());
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["subject"].GetString(), "janus-baseline:latest");
  EXPECT_STREQ(doc["runner"].GetString(), "docker container abc, bridged on 127.0.0.1:32771");
  EXPECT_FALSE(doc["passed"].GetBool());
  EXPECT_EQ(doc["exit_status"].GetInt(), 1);
  EXPECT_TRUE(doc["error"].IsNull());
  ASSERT_EQ(doc["failed_rules"].Size(), 1u);
  EXPECT_STREQ(doc["failed_rules"][0].GetString(), "stream");
  EXPECT_EQ(doc["took_ms"].GetInt(), 1340);
  EXPECT_EQ(doc["boot_ms"].GetInt(), 43);
  EXPECT_EQ(doc["idle_memory_bytes"].GetInt(), 1000);
  EXPECT_EQ(doc["memory_limit_bytes"].GetInt(), 2000);
  EXPECT_EQ(doc["sigterm_ms"].GetInt(), 85);
  ASSERT_EQ(doc["rules"].Size(), all_rules.size());
  const auto& stream = doc["rules"][2];
  EXPECT_STREQ(stream["rule"].GetString(), "stream");
  EXPECT_TRUE(stream["required"].GetBool());
  EXPECT_STREQ(stream["result"].GetString(), "fail");
  EXPECT_STREQ(stream["observed"].GetString(),
               "the stream ended without data: [DONE] after 18 chunks");
  EXPECT_EQ(doc.MemberCount(), 12u) << "a new field is documented in apps/janus-check/README.md";
}

TEST(check_report, absent_figures_are_null_in_the_json_report) {
  check_report report;
  report.subject = "x";
  report.environment_error = "no Docker engine answers";
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(render_json(report).c_str());
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["error"].GetString(), "no Docker engine answers");
  EXPECT_EQ(doc["exit_status"].GetInt(), 3);
  for (const char* figure : {"boot_ms", "idle_memory_bytes", "memory_limit_bytes", "sigterm_ms"}) {
    EXPECT_TRUE(doc[figure].IsNull()) << figure;
  }
  EXPECT_EQ(doc["rules"].Size(), 0u);
}

} // namespace
} // namespace janus::check
