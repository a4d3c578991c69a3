#include "apps/janusd/metrics_page.hpp"

#include "metrics/process_metrics.hpp"

namespace janus {

namespace {

/// Escapes a label value as the exposition format requires (backslash, quote, newline).
std::string escape_label(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, const char* name, const std::string& labels, double value) {
  out += name;
  out += '{';
  out += labels;
  out += "} ";
  char number[32];
  std::snprintf(number, sizeof(number), "%.17g", value);
  out += number;
  out += '\n';
}

} // namespace

std::string render_metrics_page(const std::vector<pool_status>& pools) {
  std::string out;
  auto model_label = [](const pool_status& p) { return "model=\"" + escape_label(p.model) + "\""; };
  header(out, "janus_pool_containers", "gauge", "Containers of the pool by state.");
  for (const auto& p : pools) {
    auto labels = model_label(p);
    sample(out, "janus_pool_containers", labels + ",state=\"starting\"", p.starting);
    sample(out, "janus_pool_containers", labels + ",state=\"ready\"", p.ready);
    sample(out, "janus_pool_containers", labels + ",state=\"draining\"", p.draining);
  }
  header(out, "janus_pool_inflight_requests", "gauge", "Requests being served by the pool.");
  for (const auto& p : pools) {
    sample(out, "janus_pool_inflight_requests", model_label(p), p.inflight);
  }
  header(out, "janus_pool_waiting_requests", "gauge", "Requests queued for a free slot.");
  for (const auto& p : pools) {
    sample(out, "janus_pool_waiting_requests", model_label(p), p.waiting);
  }
  header(out, "janus_pool_min_warm", "gauge", "Configured minimum of warm containers.");
  for (const auto& p : pools) {
    sample(out, "janus_pool_min_warm", model_label(p), p.min_warm);
  }
  header(out, "janus_pool_max_containers", "gauge", "Configured maximum of containers.");
  for (const auto& p : pools) {
    sample(out, "janus_pool_max_containers", model_label(p), p.max_containers);
  }
  metrics::append_process_metrics(out);
  return out;
}

} // namespace janus
