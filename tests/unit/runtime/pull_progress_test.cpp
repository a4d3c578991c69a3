#include "runtime/pull_progress.hpp"

#include <gtest/gtest.h>

#include <string>

#include "model/platform.hpp"
#include "runtime/line_splitter.hpp"

namespace janus::docker {
namespace {

/// What dockerd 20.10 streamed for a pull of the baseline from a registry on loopback.
constexpr const char* a_pull =
  R"({"status":"Pulling from miner/x","id":"v1"})" "\r\n"
  R"({"status":"Pulling fs layer","progressDetail":{},"id":"0a1b2c3d4e5f"})" "\r\n"
  R"({"status":"Pulling fs layer","progressDetail":{},"id":"111111111111"})" "\r\n"
  R"({"status":"Downloading","progressDetail":{"current":512,"total":1024},"progress":"[=>  ]","id":"0a1b2c3d4e5f"})" "\r\n"
  R"({"status":"Pull complete","progressDetail":{},"id":"0a1b2c3d4e5f"})" "\r\n"
  R"({"status":"Already exists","progressDetail":{},"id":"111111111111"})" "\r\n"
  R"({"status":"Digest: sha256:abcd"})" "\r\n"
  R"({"status":"Status: Downloaded newer image for 127.0.0.1:5000/miner/x:v1"})" "\r\n";

TEST(pull_progress, a_pull_counts_its_layers_and_names_its_digest_and_outcome) {
  pull_progress progress;
  line_splitter lines{max_pull_line};
  for (const auto& line : lines.feed(a_pull)) {
    progress.feed(line);
  }
  EXPECT_EQ(progress.error(), "");
  EXPECT_EQ(progress.layers(), 2u);
  EXPECT_EQ(progress.layers_done(), 2u);
  EXPECT_EQ(progress.digest(), "sha256:abcd");
  EXPECT_EQ(progress.outcome(), "Downloaded newer image for 127.0.0.1:5000/miner/x:v1");
  EXPECT_EQ(progress.lines(), 8u);
  EXPECT_EQ(progress.malformed(), 0u);
}

TEST(pull_progress, splitting_the_stream_anywhere_gives_the_same_result) {
  std::string stream = a_pull;
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    pull_progress progress;
    line_splitter lines{max_pull_line};
    for (auto piece : {stream.substr(0, cut), stream.substr(cut)}) {
      for (const auto& line : lines.feed(piece)) {
        progress.feed(line);
      }
    }
    ASSERT_EQ(progress.layers_done(), 2u) << cut;
    ASSERT_EQ(progress.digest(), "sha256:abcd") << cut;
  }
}

TEST(pull_progress, an_error_line_is_the_failure_in_the_registrys_words) {
  pull_progress progress;
  progress.feed(R"({"status":"Pulling from miner/x","id":"v1"})");
  progress.feed(R"({"errorDetail":{"message":"manifest unknown: manifest unknown"},"error":"manifest unknown: manifest unknown"})");
  progress.feed(R"({"error":"a later error"})");
  EXPECT_EQ(progress.error(), "manifest unknown: manifest unknown");
  pull_progress detail_only;
  detail_only.feed(R"({"errorDetail":{"message":"unauthorized: authentication required"}})");
  EXPECT_EQ(detail_only.error(), "unauthorized: authentication required");
  pull_progress empty_detail;
  empty_detail.feed(R"({"errorDetail":{}})");
  EXPECT_FALSE(empty_detail.error().empty());
}

TEST(pull_progress, lines_that_are_not_json_objects_are_counted_and_ignored) {
  pull_progress progress;
  progress.feed("not json");
  progress.feed("[1,2]");
  progress.feed(std::string(100, '[') + std::string(100, ']'));
  progress.feed(R"({"status":7,"id":[]})");
  EXPECT_EQ(progress.malformed(), 3u);
  EXPECT_EQ(progress.lines(), 4u);
  EXPECT_EQ(progress.error(), "");
  EXPECT_EQ(progress.layers(), 0u);
}

TEST(pull_progress, the_layers_tracked_are_bounded) {
  pull_progress progress;
  for (std::size_t i = 0; i < max_pull_layers + 50; ++i) {
    progress.feed(R"({"status":"Pull complete","id":")" + std::to_string(i) + R"("})");
  }
  EXPECT_EQ(progress.layers(), max_pull_layers);
  EXPECT_EQ(progress.layers_done(), max_pull_layers);
}

TEST(pull_progress, a_long_error_message_is_cut_and_a_line_that_is_not_utf8_is_refused) {
  pull_progress progress;
  progress.feed(R"({"error":")" + std::string(2000, 'e') + R"("})");
  EXPECT_LE(progress.error().size(), 515u);
  EXPECT_TRUE(progress.error().ends_with("..."));
  pull_progress bad_bytes;
  bad_bytes.feed(R"({"error":"x)" "\xff" R"("})");
  EXPECT_EQ(bad_bytes.malformed(), 1u);
}

TEST(pull_path, names_the_repository_and_the_tag_or_the_digest) {
  auto tagged = parse_image_ref("127.0.0.1:5000/miner/x:v1");
  ASSERT_TRUE(tagged);
  EXPECT_EQ(pull_path(tagged.value()),
            "/images/create?fromImage=127.0.0.1%3A5000%2Fminer%2Fx&tag=v1");
  auto pinned = parse_image_ref("127.0.0.1:5000/miner/x@sha256:" + std::string(64, 'b'));
  ASSERT_TRUE(pinned);
  EXPECT_EQ(pull_path(pinned.value()), "/images/create?fromImage=127.0.0.1%3A5000%2Fminer%2Fx&tag="
                                         "sha256%3A" + std::string(64, 'b'));
  auto plain = parse_image_ref("debian");
  ASSERT_TRUE(plain);
  EXPECT_EQ(pull_path(plain.value()), "/images/create?fromImage=debian&tag=latest");
}

TEST(registry_auth, is_base64url_of_the_credentials_and_matches_the_registry_host) {
  registry_credentials mine{"127.0.0.1:5000", "miner", "PASS_ENV", "", "s3cr+t/?"};
  auto header = registry_auth(mine);
  EXPECT_EQ(header.find_first_of("+/"), std::string::npos) << header;
  std::string standard = header;
  for (auto& c : standard) {
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  auto decoded = decode_base64(standard);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded,
            R"({"username":"miner","password":"s3cr+t/?","serveraddress":"127.0.0.1:5000"})");
  std::vector<registry_credentials> known{mine};
  auto ours = parse_image_ref("127.0.0.1:5000/miner/x:v1");
  auto other = parse_image_ref("127.0.0.1:5001/miner/x:v1");
  auto hub = parse_image_ref("miner/x");
  ASSERT_TRUE(ours && other && hub);
  EXPECT_EQ(credentials_for(ours.value(), known), &known[0]);
  EXPECT_EQ(credentials_for(other.value(), known), nullptr);
  EXPECT_EQ(credentials_for(hub.value(), known), nullptr);
}

} // namespace
} // namespace janus::docker
