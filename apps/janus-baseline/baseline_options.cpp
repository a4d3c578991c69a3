#include "apps/janus-baseline/baseline_options.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
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

contract_breaks parse_breaks(const std::string& text) {
  contract_breaks breaks;
  struct named {
    std::string_view name;
    bool contract_breaks::*flag;
  };
  static constexpr named names[] = {
    {"no_done", &contract_breaks::no_done},
    {"wrong_chunk_object", &contract_breaks::wrong_chunk_object},
    {"no_usage", &contract_breaks::no_usage},
    {"chat_no_usage", &contract_breaks::chat_no_usage},
    {"models_not_list", &contract_breaks::models_not_list},
    {"error_500", &contract_breaks::error_500},
    {"slow_boot", &contract_breaks::slow_boot},
    {"ignore_sigterm", &contract_breaks::ignore_sigterm},
  };
  std::string_view rest{text};
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    bool known = false;
    for (const auto& entry : names) {
      if (entry.name == item) {
        breaks.*entry.flag = true;
        known = true;
      }
    }
    if (!known) {
      std::string all;
      for (const auto& entry : names) {
        all += all.empty() ? "" : ", ";
        all += entry.name;
      }
      throw options_error("JANUS_BASELINE_BREAK must be a comma-separated list of " + all
                          + ", got \"" + text + "\"");
    }
  }
  return breaks;
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
  if (auto breaks = non_empty(lookup, "JANUS_BASELINE_BREAK")) {
    options.breaks = parse_breaks(*breaks);
    if (options.breaks.slow_boot) {
      options.startup_delay_ms = std::max(options.startup_delay_ms, slow_boot_delay_ms);
    }
  }
  options.model = non_empty(lookup, "JANUS_BASELINE_MODEL");
  options.required_authorization = non_empty(lookup, "JANUS_BASELINE_REQUIRE_AUTHORIZATION");
  if (auto mode = non_empty(lookup, "JANUS_BASELINE_MODE")) {
    if (*mode != "echo" && *mode != "agent") {
      throw options_error("JANUS_BASELINE_MODE must be echo or agent, got \"" + *mode + "\"");
    }
    options.agent = *mode == "agent";
  }
  if (auto probe = non_empty(lookup, "JANUS_BASELINE_PLATFORM_PROBE_AT_START")) {
    if (*probe != "0" && *probe != "1") {
      throw options_error("JANUS_BASELINE_PLATFORM_PROBE_AT_START must be 0 or 1, got \""
                          + *probe + "\"");
    }
    options.probe_platform_at_start = *probe == "1";
  }
  if (auto log = non_empty(lookup, "JANUS_BASELINE_LOG_REQUESTS")) {
    if (*log != "0" && *log != "1") {
      throw options_error("JANUS_BASELINE_LOG_REQUESTS must be 0 or 1, got \"" + *log + "\"");
    }
    options.log_requests = *log == "1";
  }
  if (auto noise = non_empty(lookup, "JANUS_BASELINE_NOISE_LINES")) {
    options.noise_lines
      = parse_integer<std::uint32_t>("JANUS_BASELINE_NOISE_LINES", *noise, 0, max_tokens);
  }
  if (options.agent || options.probe_platform_at_start) {
    auto url = non_empty(lookup, "JANUS_PLATFORM_URL").value_or("");
    constexpr std::string_view scheme = "http://";
    auto rest = std::string_view{url};
    auto colon = rest.rfind(':');
    bool ok = rest.starts_with(scheme) && colon != std::string_view::npos && colon > scheme.size();
    if (ok) {
      auto host = std::string{rest.substr(scheme.size(), colon - scheme.size())};
      if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
      }
      auto port_text = std::string{rest.substr(colon + 1)};
      while (!port_text.empty() && port_text.back() == '/') {
        port_text.pop_back();
      }
      boost::system::error_code ec;
      boost::asio::ip::make_address(host, ec);
      ok = !ec && !port_text.empty();
      if (ok) {
        options.platform_host = host;
        options.platform_port = parse_integer<std::uint16_t>("JANUS_PLATFORM_URL's port",
                                                             port_text, 1, 65535);
      }
    }
    if (!ok) {
      throw options_error("JANUS_PLATFORM_URL must be http://<numeric address>:<port> in agent "
                          "mode or with the platform probe, got \"" + url + "\"");
    }
    options.platform_token = non_empty(lookup, "JANUS_LLM_API_KEY").value_or("");
  }
  return options;
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
