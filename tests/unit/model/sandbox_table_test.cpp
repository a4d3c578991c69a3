#include "model/sandbox_table.hpp"

#include <gtest/gtest.h>

#include <chrono>

using namespace std::chrono_literals;

namespace janus {
namespace {

using clock_type = sandbox_table::clock;

const clock_type::time_point t0 = clock_type::time_point{} + 1000h;

TEST(sandbox_table, a_sandbox_exists_until_its_deadline_or_its_removal) {
  sandbox_table table{{2, 2}};
  auto made = table.create("s1", "janus-runtime", 60s, t0);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(made.value().expires_at, t0 + 60s);
  EXPECT_NE(table.find("s1", t0 + 59s), nullptr);
  EXPECT_EQ(table.find("s1", t0 + 60s), nullptr);
  EXPECT_EQ(table.find("s2", t0), nullptr);
  EXPECT_EQ(table.create("s1", "", 1s, t0).error().code, errc::conflict);
  auto removed = table.remove("s1");
  ASSERT_TRUE(removed.has_value());
  EXPECT_TRUE(removed->empty());
  EXPECT_FALSE(table.remove("s1").has_value());
  EXPECT_EQ(table.size(), 0u);
}

TEST(sandbox_table, refuses_a_sandbox_past_max_sandboxes_and_a_container_past_its_limit) {
  sandbox_table table{{2, 2}};
  ASSERT_TRUE(table.create("a", "", 60s, t0).ok());
  ASSERT_TRUE(table.create("b", "", 60s, t0).ok());
  auto third = table.create("c", "", 60s, t0);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, errc::sandbox_limit);
  EXPECT_NE(third.error().message.find("sandbox.max_sandboxes"), std::string::npos);
  ASSERT_TRUE(table.reserve("a", "img", std::nullopt, t0).ok());
  ASSERT_TRUE(table.reserve("a", "img", std::nullopt, t0).ok());
  auto over = table.reserve("a", "img", std::nullopt, t0);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, errc::sandbox_limit);
  EXPECT_NE(over.error().message.find("sandbox.max_containers_per_sandbox"), std::string::npos);
  EXPECT_EQ(table.reserve("zz", "img", std::nullopt, t0).error().code, errc::unknown_sandbox);
  // Removing one makes room again.
  ASSERT_TRUE(table.remove("b").has_value());
  EXPECT_TRUE(table.create("c", "", 60s, t0).ok());
}

TEST(sandbox_table, a_container_is_served_only_once_confirmed_and_never_past_its_sandbox) {
  sandbox_table table{{4, 4}};
  ASSERT_TRUE(table.create("s", "", 60s, t0).ok());
  auto c1 = table.reserve("s", "img", 3600s, t0);
  ASSERT_TRUE(c1.ok());
  EXPECT_EQ(c1.value().id, "c1");
  EXPECT_EQ(c1.value().model, "sandbox-s-c1");
  EXPECT_EQ(c1.value().image, "img");
  EXPECT_EQ(c1.value().expires_at, t0 + 60s); // capped by the sandbox
  EXPECT_TRUE(table.is_sandbox_model("sandbox-s-c1"));
  EXPECT_EQ(table.model_of("s", "c1", t0).error().code, errc::unknown_container);
  EXPECT_TRUE(table.confirm("s", "c1"));
  EXPECT_EQ(table.model_of("s", "c1", t0).value(), "sandbox-s-c1");
  EXPECT_EQ(table.model_of("s", "c9", t0).error().code, errc::unknown_container);
  EXPECT_EQ(table.model_of("x", "c1", t0).error().code, errc::unknown_sandbox);
  auto c2 = table.reserve("s", "img", 10s, t0);
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(c2.value().id, "c2");
  EXPECT_EQ(c2.value().expires_at, t0 + 10s);
  table.cancel("s", "c2");
  EXPECT_FALSE(table.is_sandbox_model("sandbox-s-c2"));
  EXPECT_FALSE(table.confirm("s", "c2"));
  // Ids are not reused after a cancel.
  EXPECT_EQ(table.reserve("s", "img", std::nullopt, t0).value().id, "c3");
}

TEST(sandbox_table, expiry_ends_sandboxes_and_containers_and_names_only_confirmed_pools) {
  sandbox_table table{{4, 4}};
  ASSERT_TRUE(table.create("long", "", 100s, t0).ok());
  ASSERT_TRUE(table.create("short", "", 10s, t0).ok());
  ASSERT_TRUE(table.reserve("long", "img", 5s, t0).ok());
  ASSERT_TRUE(table.confirm("long", "c1"));
  ASSERT_TRUE(table.reserve("long", "img", std::nullopt, t0).ok());
  ASSERT_TRUE(table.confirm("long", "c2"));
  ASSERT_TRUE(table.reserve("short", "img", std::nullopt, t0).ok());
  ASSERT_TRUE(table.confirm("short", "c1"));
  ASSERT_TRUE(table.reserve("short", "img", std::nullopt, t0).ok()); // pending: its run's job
  EXPECT_TRUE(table.expire(t0 + 4s).empty());
  auto first = table.expire(t0 + 5s);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].model, "sandbox-long-c1");
  EXPECT_EQ(table.model_of("long", "c1", t0 + 5s).error().code, errc::unknown_container);
  auto second = table.expire(t0 + 10s);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].model, "sandbox-short-c1");
  EXPECT_EQ(table.find("short", t0 + 10s), nullptr);
  EXPECT_FALSE(table.confirm("short", "c2")); // the run removes the pool it added
  EXPECT_EQ(table.size(), 1u);
  auto gone = table.remove("long");
  ASSERT_TRUE(gone.has_value());
  ASSERT_EQ(gone->size(), 1u);
  EXPECT_EQ((*gone)[0].model, "sandbox-long-c2");
}

} // namespace
} // namespace janus
