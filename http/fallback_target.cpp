#include "http/fallback_target.hpp"

#include <stdexcept>

#include "http/upstream_connect.hpp"

namespace janus::http {

bool fallback_target::try_take() const {
  auto now = in_flight.load();
  while (now < config.max_connections) {
    if (in_flight.compare_exchange_weak(now, now + 1)) {
      return true;
    }
  }
  return false;
}

void fallback_target::give_back() const {
  in_flight.fetch_sub(1);
}

result<std::shared_ptr<const fallback_target>> make_fallback_target(const std::string& model,
                                                                    const fallback_config& config) {
  auto key = "models." + model + (config.always ? ".upstream" : ".fallback.url");
  auto parsed = parse_upstream_url(config.url);
  if (!parsed) {
    return error_info{errc::invalid_config, key + ": " + parsed.error().message};
  }
  auto target = std::make_shared<fallback_target>();
  target->model = model;
  target->config = config;
  target->upstream = parsed.value();
  target->name = upstream_name(target->upstream);
  target->pool_key = "fallback " + model;
  if (target->upstream.tls) {
    try {
      target->tls = make_client_tls(config.ca_file, true);
    } catch (const std::runtime_error& error) {
      return error_info{errc::invalid_config, "models." + model + ".fallback.ca_file: " + error.what()};
    }
    target->trust = config.ca_file.empty() ? "the system CA store"
                                           : "the system CA store and CA file " + config.ca_file;
  }
  target->fixed_fields.append("Host: ").append(target->upstream.authority).append("\r\n");
  for (const auto& header : config.headers) {
    target->fixed_fields.append(header.name).append(": ").append(header.value).append("\r\n");
  }
  return std::shared_ptr<const fallback_target>{std::move(target)};
}

} // namespace janus::http
