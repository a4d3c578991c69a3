#include "apps/janus-check/check_rule.hpp"

namespace janus::check {

std::string_view to_string(rule_id rule) {
  switch (rule) {
    case rule_id::health:
      return "health";
    case rule_id::chat:
      return "chat";
    case rule_id::stream:
      return "stream";
    case rule_id::stream_usage:
      return "stream_usage";
    case rule_id::models:
      return "models";
    case rule_id::errors:
      return "errors";
    case rule_id::sigterm:
      return "sigterm";
    case rule_id::idle_memory:
      return "idle_memory";
  }
  return "unknown";
}

std::string_view to_string(verdict outcome) {
  switch (outcome) {
    case verdict::pass:
      return "pass";
    case verdict::fail:
      return "fail";
    case verdict::skip:
      return "skip";
  }
  return "unknown";
}

} // namespace janus::check
