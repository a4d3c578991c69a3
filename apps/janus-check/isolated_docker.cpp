#include "apps/janus-check/isolated_docker.hpp"

#include <cstdio>
#include <random>

#include "apps/janus-check/docker_launcher.hpp"
#include "apps/janusd/docker_isolation.hpp"

namespace janus::check {

namespace {

std::string per_run_engine_id() {
  std::random_device random;
  char text[32];
  std::snprintf(text, sizeof(text), "janus-check-%08x", random());
  return text;
}

/// The janusd config isolated_for() reads, from janus-check's options; its errors name
/// janus-check's options, not janusd's keys.
config engine_config_of(const check_options& options) {
  config cfg;
  cfg.runtime = "docker";
  cfg.docker.socket = options.docker_socket;
  cfg.docker.call_timeout = options.docker_timeout;
  cfg.docker.engine_id = per_run_engine_id();
  cfg.docker.network = network_mode::isolated;
  cfg.docker.init = options.docker_init;
  cfg.docker.spare_sockets = 1;
  cfg.platform.port = options.platform_port;
  return cfg;
}

} // namespace

isolated_docker::isolated_docker(boost::asio::io_context& io, const check_options& options)
  : platform_(platform_config{}, registry_),
    sockets_(std::make_shared<netns_factory>(1)),
    api_(options.docker_socket, options.docker_timeout) {
  auto cfg = engine_config_of(options);
  docker_isolation isolation;
  try {
    isolation = isolation_for(cfg, sockets_, platform_);
  } catch (const config_error& error) {
    sockets_->stop();
    throw config_error(std::string{"isolated containers cannot run here: "} + error.what()
                       + "; janus-check --network bridge runs the image on the Docker bridge");
  }
  platform_.start();
  runtime_ = std::make_unique<docker_runtime>(io, cfg.docker, std::move(isolation));
}

isolated_docker::~isolated_docker() {
  sockets_->stop();
  runtime_.reset();
}

runtime_extras isolated_docker::extras(std::string image) const {
  runtime_extras out;
  out.preflight = [api = api_, image = std::move(image)] { return docker_preflight(api, image); };
  out.memory = [api = api_](std::string id) { return docker_memory(api, std::move(id)); };
  return out;
}

} // namespace janus::check
