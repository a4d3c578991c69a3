// libFuzzer target for the platform endpoint's parsers of container bytes and operator text
// (model/platform.hpp): CONNECT targets, egress patterns and their matching, upstream URLs,
// path checks and route matching, credentials (Bearer, Basic/base64). The first byte picks the
// parser; the rest is its input. Every parser must return (no crash, no hang, bounded memory),
// and the properties below must hold for any input.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "model/platform.hpp"

namespace {

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  using namespace janus;
  std::string_view input{reinterpret_cast<const char*>(data + 1), size - 1};
  switch (data[0] % 6) {
    case 0: {
      auto target = parse_connect_target(input);
      if (target) {
        check(target.value().port != 0);
        check(!target.value().host.empty());
      }
      break;
    }
    case 1: {
      auto pattern = parse_egress_pattern(input);
      if (pattern) {
        std::vector<egress_pattern> patterns{pattern.value()};
        connect_target same{pattern.value().host, pattern.value().port};
        // An exact pattern allows its own target; a wildcard never allows its bare domain.
        check((find_egress_pattern(patterns, same) != nullptr) == !pattern.value().wildcard);
      }
      break;
    }
    case 2: {
      auto url = parse_upstream_url(input);
      if (url) {
        check(!url.value().path.empty() && url.value().path.front() == '/');
        check(url.value().port != 0);
        auto again = parse_upstream_url((url.value().tls ? "https://" : "http://")
                                        + url.value().authority + url.value().path);
        check(again && again.value().host == url.value().host
              && again.value().port == url.value().port);
      }
      break;
    }
    case 3: {
      auto question = input.find('?');
      auto path = input.substr(0, question);
      if (is_clean_path(path)) {
        check(path.find("/../") == std::string_view::npos);
        std::vector<std::string> prefixes{"/v1/chat/completions", "/search", "/memory", "/"};
        auto matched = match_route(prefixes, path);
        if (matched) {
          check(path.starts_with(prefixes[*matched]));
          auto url = parse_upstream_url("https://x/api").value();
          auto target = upstream_target(url, prefixes[*matched], path, "");
          check(target.starts_with("/api"));
        }
      }
      break;
    }
    case 4: {
      auto token = credential_token(input);
      if (token) {
        check(token->size() <= input.size());
      }
      break;
    }
    case 5: {
      auto decoded = decode_base64(input);
      if (decoded) {
        check(decoded->size() <= input.size());
      }
      break;
    }
  }
  return 0;
}
