#include "runtime/docker_reconcile.hpp"

#include <gtest/gtest.h>

namespace janus::docker {
namespace {

container_spec spec_of(network_mode network) {
  container_spec spec;
  spec.model = "m";
  spec.image = "janus-baseline:latest";
  spec.network = network;
  return spec;
}

/// A running container of model "m" as the list shows it, created from `made_from`.
container_state listed_from(const container_spec& made_from) {
  container_state c;
  c.id = "0123456789abcdef";
  c.name = "janusd-m-t-1";
  c.image_id = "sha256:1";
  c.labels = {{std::string{model_label}, "m"},
              {std::string{generation_label}, generation_of(made_from)}};
  c.status = "running";
  c.running = true;
  if (made_from.network == network_mode::bridge) {
    c.host_port = 32768;
    c.network_mode = "default";
  } else {
    c.network_mode = "none";
  }
  return c;
}

const std::map<std::string, std::string> image_ids{{"m", "sha256:1"}};

TEST(docker_reconcile, an_isolated_container_is_adopted_without_a_published_port) {
  auto isolated = spec_of(network_mode::isolated);
  std::vector<reconcile_entry> wanted{{isolated, 2}};
  EXPECT_EQ(why_not_adoptable(listed_from(isolated), wanted, {}, image_ids, {}), "");
}

TEST(docker_reconcile, a_bridged_container_is_never_adopted_into_an_isolated_model_nor_back) {
  auto isolated = spec_of(network_mode::isolated);
  auto bridged = spec_of(network_mode::bridge);
  std::vector<reconcile_entry> wants_isolated{{isolated, 2}};
  std::vector<reconcile_entry> wants_bridged{{bridged, 2}};
  EXPECT_EQ(why_not_adoptable(listed_from(bridged), wants_isolated, {}, image_ids, {}),
            "the model's configuration changed");
  EXPECT_EQ(why_not_adoptable(listed_from(isolated), wants_bridged, {}, image_ids, {}),
            "the model's configuration changed");
}

TEST(docker_reconcile, the_generation_is_judged_with_the_runtimes_own_platform_port) {
  auto isolated = spec_of(network_mode::isolated);
  create_options options;
  options.platform_port = 9123;
  auto c = listed_from(isolated);
  c.labels[std::string{generation_label}] = generation_of(isolated, options);
  std::vector<reconcile_entry> wanted{{isolated, 2}};
  EXPECT_EQ(why_not_adoptable(c, wanted, options, image_ids, {}), "");
  EXPECT_EQ(why_not_adoptable(c, wanted, {}, image_ids, {}), "the model's configuration changed");
}

TEST(docker_reconcile, an_isolated_model_refuses_a_container_on_a_network_whatever_its_labels) {
  auto isolated = spec_of(network_mode::isolated);
  std::vector<reconcile_entry> wanted{{isolated, 2}};
  auto forged = listed_from(isolated);
  forged.network_mode = "bridge";
  EXPECT_EQ(why_not_adoptable(forged, wanted, {}, image_ids, {}),
            "it is not isolated (network mode bridge)");
}

TEST(docker_reconcile, a_bridged_container_without_its_port_is_not_adopted) {
  auto bridged = spec_of(network_mode::bridge);
  std::vector<reconcile_entry> wanted{{bridged, 2}};
  auto unpublished = listed_from(bridged);
  unpublished.host_port.reset();
  EXPECT_EQ(why_not_adoptable(unpublished, wanted, {}, image_ids, {}),
            "it publishes no port on 127.0.0.1");
  EXPECT_EQ(why_not_adoptable(listed_from(bridged), wanted, {}, image_ids, {{"m", 2}}),
            "model m has enough containers already");
}

TEST(docker_reconcile, an_unknown_runtime_class_is_a_config_error_naming_the_key) {
  auto known = spec_of(network_mode::isolated);
  known.runtime_class = "runc";
  auto made_up = spec_of(network_mode::isolated);
  made_up.model = "untrusted";
  made_up.runtime_class = "no-such-runtime";
  std::vector<std::string> runtimes{"io.containerd.runc.v2", "runc"};
  EXPECT_FALSE(unknown_runtime({{known, 1}, {spec_of(network_mode::bridge), 1}}, runtimes));
  auto refused = unknown_runtime({{known, 1}, {made_up, 1}}, runtimes);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code, errc::invalid_config);
  EXPECT_EQ(refused->message,
            "models.untrusted.runtime_class: the Docker engine does not know the runtime "
            "\"no-such-runtime\" (it knows io.containerd.runc.v2, runc; install it and add it to "
            "dockerd's \"runtimes\", or remove the key)");
}

} // namespace
} // namespace janus::docker
