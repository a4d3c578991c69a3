#include "model/image_pools.hpp"

#include <gtest/gtest.h>

#include <string>

namespace janus {
namespace {

using namespace std::chrono_literals;

docker_config enabled() {
  docker_config docker;
  docker.model_as_image = true;
  docker.max_image_pools = 2;
  docker.image_pool_template.max_containers = 3;
  docker.image_pool_template.idle_ttl = 7s;
  return docker;
}

TEST(image_pools, a_valid_image_reference_gets_the_template_with_its_name_and_image) {
  auto made = image_pool_model("127.0.0.1:5000/miner/x:v1", enabled(), {}, 0);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(made.value().name, "127.0.0.1:5000/miner/x:v1");
  EXPECT_EQ(made.value().image, "127.0.0.1:5000/miner/x:v1");
  EXPECT_EQ(made.value().min_warm, 0);
  EXPECT_EQ(made.value().max_containers, 3);
  EXPECT_EQ(made.value().idle_ttl, 7s);
}

TEST(image_pools, without_model_as_image_or_a_valid_reference_the_model_stays_unknown) {
  auto off = image_pool_model("127.0.0.1:5000/miner/x:v1", docker_config{}, {}, 0);
  ASSERT_FALSE(off);
  EXPECT_EQ(off.error().code, errc::unknown_model);
  EXPECT_EQ(off.error().message, "the model `127.0.0.1:5000/miner/x:v1` does not exist");
  for (const char* bad : {"gpt-4o NOT an image", "Upper/Case", "", "a//b", "x@sha256:12"}) {
    auto refused = image_pool_model(bad, enabled(), {}, 0);
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code, errc::unknown_model) << bad;
    EXPECT_NE(refused.error().message.find("not a valid image reference"), std::string::npos);
  }
  auto huge = image_pool_model(std::string(100000, 'a'), enabled(), {}, 0);
  ASSERT_FALSE(huge);
  EXPECT_LT(huge.error().message.size(), 200u) << "the name is not echoed";
}

TEST(image_pools, admission_prefixes_apply_and_the_number_of_pools_is_bounded) {
  admin_limits limits;
  limits.allowed_images = {"127.0.0.1:5000/miners/"};
  EXPECT_TRUE(image_pool_model("127.0.0.1:5000/miners/x:v1", enabled(), limits, 0));
  auto elsewhere = image_pool_model("127.0.0.1:5000/other/x:v1", enabled(), limits, 0);
  ASSERT_FALSE(elsewhere);
  EXPECT_EQ(elsewhere.error().code, errc::unknown_model);
  EXPECT_NE(elsewhere.error().message.find("admin.limits.allowed_images"), std::string::npos);
  auto full = image_pool_model("127.0.0.1:5000/miners/x:v1", enabled(), limits, 2);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, errc::no_capacity);
  EXPECT_NE(full.error().message.find("docker.max_image_pools"), std::string::npos);
  EXPECT_GT(full.error().retry_after, 0);
}

} // namespace
} // namespace janus
