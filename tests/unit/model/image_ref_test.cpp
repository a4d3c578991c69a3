#include "model/image_ref.hpp"

#include <gtest/gtest.h>

#include <string>

namespace janus {
namespace {

const std::string digest = "sha256:" + std::string(64, 'a');

TEST(image_ref, a_registry_with_a_port_a_path_and_a_tag_are_split) {
  auto ref = parse_image_ref("127.0.0.1:5000/miner/x:v1");
  ASSERT_TRUE(ref) << ref.error().message;
  EXPECT_EQ(ref.value().registry, "127.0.0.1:5000");
  EXPECT_EQ(ref.value().path, "miner/x");
  EXPECT_EQ(ref.value().tag, "v1");
  EXPECT_EQ(ref.value().digest, "");
  EXPECT_EQ(ref.value().repository(), "127.0.0.1:5000/miner/x");
  EXPECT_EQ(ref.value().registry_host(), "127.0.0.1:5000");
  EXPECT_EQ(ref.value().pull_tag(), "v1");
}

TEST(image_ref, a_name_without_registry_is_docker_hub_and_without_tag_pulls_latest) {
  auto ref = parse_image_ref("janus-baseline");
  ASSERT_TRUE(ref) << ref.error().message;
  EXPECT_EQ(ref.value().registry, "");
  EXPECT_EQ(ref.value().path, "janus-baseline");
  EXPECT_EQ(ref.value().registry_host(), "docker.io");
  EXPECT_EQ(ref.value().pull_tag(), "latest");
  // The first component is a path unless it has a '.' or ':' or is localhost.
  auto hub = parse_image_ref("library/debian:12");
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub.value().registry, "");
  EXPECT_EQ(hub.value().path, "library/debian");
  auto local = parse_image_ref("localhost/x");
  ASSERT_TRUE(local);
  EXPECT_EQ(local.value().registry, "localhost");
  auto dotted = parse_image_ref("registry.example/a/b/c");
  ASSERT_TRUE(dotted);
  EXPECT_EQ(dotted.value().registry, "registry.example");
  EXPECT_EQ(dotted.value().path, "a/b/c");
}

TEST(image_ref, a_digest_pins_the_pull_even_with_a_tag) {
  auto ref = parse_image_ref("127.0.0.1:5000/miner/x:v1@" + digest);
  ASSERT_TRUE(ref) << ref.error().message;
  EXPECT_EQ(ref.value().tag, "v1");
  EXPECT_EQ(ref.value().digest, digest);
  EXPECT_EQ(ref.value().pull_tag(), digest);
  auto bare = parse_image_ref("miner/x@" + digest);
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare.value().tag, "");
  EXPECT_EQ(bare.value().path, "miner/x");
}

TEST(image_ref, separators_inside_path_components_follow_dockers_grammar) {
  for (const char* good : {"a.b", "a_b", "a__b", "a-b", "a---b", "a0/b-c.d__e", "x:_tag",
                           "x:Tag.1-2"}) {
    EXPECT_TRUE(parse_image_ref(good)) << good;
  }
  for (const char* bad : {"A", "a/B", "-a", "a-", "a..b", "a___b", "a_.b", "a//b", "a/", "/a",
                          ".a", "a b", "a:", "a:-x", "a:t@", "a@sha256:abc", "a@md5:" ,
                          "bad_host:5000/x", "h:123456/x", "h:/x", "-h.x/y", "ünicode"}) {
    EXPECT_FALSE(parse_image_ref(bad)) << bad;
  }
}

TEST(image_ref, lengths_are_bounded) {
  EXPECT_TRUE(parse_image_ref(std::string(255, 'a')));
  EXPECT_FALSE(parse_image_ref(std::string(256, 'a')));
  EXPECT_TRUE(parse_image_ref("a:" + std::string(128, 't')));
  EXPECT_FALSE(parse_image_ref("a:" + std::string(129, 't')));
  auto huge = parse_image_ref(std::string(100000, 'a'));
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().message.find("longer than 512 bytes"), std::string::npos);
  EXPECT_EQ(huge.error().message.find("aaaa"), std::string::npos) << "the text is not echoed";
  EXPECT_FALSE(parse_image_ref(""));
  EXPECT_FALSE(parse_image_ref("x@sha256:" + std::string(64, 'A')));
  EXPECT_FALSE(parse_image_ref("x@sha256:" + std::string(63, 'a')));
}

} // namespace
} // namespace janus
