#include "apps/janus-baseline/baseline_options.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>
#include <cstdlib>
#include <limits>

namespace janus::baseline {

namespace {

constexpr std::uint32_t max_tokens = 1'000'000;
constexpr std::uint32_t max_delay_ms = 3'600'000;

std::optional<std::string> non_empty(const env_lookup& lookup, std::string_view name) {
  auto value = lookup(name);
  if (value && value->empty()) {
    return std::nullopt;
  }
  return value;
}

template <class Integer>
Integer parse_integer(std::string_view name, const std::string& text, Integer min, Integer max) {
  Integer result{};
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, result);
  if (ec != std::errc{} || end != last || result < min || result > max) {
    throw options_error(std::string(name) + " must be an integer in [" + std::to_string(min)
                        + ", " + std::to_string(max) + "], got \"" + text + "\"");
  }
  return result;
}

} // namespace

baseline_options parse_baseline_options(const env_lookup& lookup) {
  baseline_options options;
  if (auto host = non_empty(lookup, "HOST")) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(*host, ec);
    if (ec) {
      throw options_error("HOST must be a numeric IPv4 or IPv6 address, got \"" + *host + "\"");
    }
    options.host = *host;
  }
  if (auto port = non_empty(lookup, "PORT")) {
    options.port = parse_integer<std::uint16_t>("PORT", *port, 0, 65535);
  }
  if (auto tokens = non_empty(lookup, "JANUS_BASELINE_TOKENS")) {
    options.tokens = parse_integer<std::uint32_t>("JANUS_BASELINE_TOKENS", *tokens, 0, max_tokens);
  }
  if (auto delay = non_empty(lookup, "JANUS_BASELINE_TOKEN_DELAY_MS")) {
    options.token_delay_ms
      = parse_integer<std::uint32_t>("JANUS_BASELINE_TOKEN_DELAY_MS", *delay, 0, max_delay_ms);
  }
  if (auto created = non_empty(lookup, "JANUS_BASELINE_CREATED")) {
    options.created = parse_integer<std::int64_t>("JANUS_BASELINE_CREATED", *created, 0,
                                                  std::numeric_limits<std::int64_t>::max());
  }
  if (auto delay = non_empty(lookup, "JANUS_BASELINE_STARTUP_DELAY_MS")) {
    options.startup_delay_ms
      = parse_integer<std::uint32_t>("JANUS_BASELINE_STARTUP_DELAY_MS", *delay, 0, max_delay_ms);
  }
  options.model = non_empty(lookup, "JANUS_BASELINE_MODEL");
  if (auto probe = non_empty(lookup, "JANUS_BASELINE_PLATFORM_PROBE_AT_START");
      probe && *probe != "0") {
    if (*probe != "1") {
      throw options_error("JANUS_BASELINE_PLATFORM_PROBE_AT_START must be 0 or 1, got \"" + *probe
                          + "\"");
    }
    auto url = non_empty(lookup, "JANUS_PLATFORM_URL");
    options.platform_probe = url ? parse_http_url(*url) : std::nullopt;
    if (!options.platform_probe) {
      throw options_error("JANUS_BASELINE_PLATFORM_PROBE_AT_START=1 needs JANUS_PLATFORM_URL to "
                          "be http://<IPv4 address>:<port>[/path], got \""
                          + url.value_or("") + "\"");
    }
  }
  return options;
}

std::optional<http_url> parse_http_url(std::string_view text) {
  constexpr std::string_view scheme = "http://";
  if (text.size() > 2048 || !text.starts_with(scheme)) {
    return std::nullopt;
  }
  text.remove_prefix(scheme.size());
  auto slash = text.find('/');
  auto authority = text.substr(0, slash);
  auto colon = authority.rfind(':');
  http_url url;
  if (slash != std::string_view::npos) {
    url.path = std::string{text.substr(slash)};
  }
  std::string_view host = authority.substr(0, colon);
  if (colon != std::string_view::npos) {
    auto port_text = authority.substr(colon + 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0
        || port > 65535) {
      return std::nullopt;
    }
    url.port = static_cast<std::uint16_t>(port);
  }
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string{host}, ec);
  if (ec || !address.is_v4()) {
    return std::nullopt;
  }
  url.host = std::string{host};
  return url;
}

baseline_options baseline_options_from_environment() {
  return parse_baseline_options([](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  });
}

} // namespace janus::baseline
