#include "metrics/registry.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace janus::metrics {

namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

void check_names(const std::string& name, metric_type type,
                 const std::vector<std::string>& label_names) {
  if (!is_metric_name(name)) {
    throw std::invalid_argument("invalid metric name: " + name);
  }
  std::set<std::string_view> seen;
  for (const auto& label : label_names) {
    if (!is_label_name(label)) {
      throw std::invalid_argument(name + ": invalid label name: " + label);
    }
    if (type == metric_type::histogram && label == "le") {
      throw std::invalid_argument(name + ": a histogram may not have a label named le");
    }
    if (!seen.insert(label).second) {
      throw std::invalid_argument(name + ": label " + label + " given twice");
    }
  }
}

} // namespace

bool is_metric_name(std::string_view name) {
  if (name.empty() || !(is_alpha(name[0]) || name[0] == ':')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return is_alpha(c) || is_digit(c) || c == ':'; });
}

bool is_label_name(std::string_view name) {
  if (name.empty() || !is_alpha(name[0]) || name.starts_with("__")) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) { return is_alpha(c) || is_digit(c); });
}

registry::registry(std::size_t stripes) : stripes_(stripes_for(stripes)) {
}

family_base* registry::existing(const std::string& name, metric_type type,
                                const std::vector<std::string>& label_names,
                                const std::vector<double>& bounds) const {
  for (const auto& f : families_) {
    if (f->name() != name) {
      continue;
    }
    if (f->type() != type || f->label_names() != label_names || f->bounds() != bounds) {
      throw std::invalid_argument("metric " + name
                                  + " registered twice with a different type, labels or buckets");
    }
    return f.get();
  }
  return nullptr;
}

family<counter>& registry::add_counter(std::string name, std::string help,
                                       std::vector<std::string> label_names,
                                       std::size_t stripes) {
  check_names(name, metric_type::counter, label_names);
  std::lock_guard lock{mutex_};
  if (auto* found = existing(name, metric_type::counter, label_names, {})) {
    return static_cast<family<counter>&>(*found);
  }
  stripes = stripes == 0 ? stripes_ : stripes;
  auto made = std::make_unique<family<counter>>(
    std::move(name), std::move(help), metric_type::counter, std::move(label_names),
    std::vector<double>{}, [stripes] { return std::make_unique<counter>(stripes); });
  auto& out = *made;
  families_.push_back(std::move(made));
  return out;
}

family<gauge>& registry::add_gauge(std::string name, std::string help,
                                   std::vector<std::string> label_names) {
  check_names(name, metric_type::gauge, label_names);
  std::lock_guard lock{mutex_};
  if (auto* found = existing(name, metric_type::gauge, label_names, {})) {
    return static_cast<family<gauge>&>(*found);
  }
  auto made = std::make_unique<family<gauge>>(std::move(name), std::move(help),
                                              metric_type::gauge, std::move(label_names),
                                              std::vector<double>{},
                                              [] { return std::make_unique<gauge>(); });
  auto& out = *made;
  families_.push_back(std::move(made));
  return out;
}

family<histogram>& registry::add_histogram(std::string name, std::string help,
                                           std::vector<std::string> label_names,
                                           std::vector<double> bounds, std::size_t stripes) {
  check_names(name, metric_type::histogram, label_names);
  histogram::check_bounds(bounds);
  std::lock_guard lock{mutex_};
  if (auto* found = existing(name, metric_type::histogram, label_names, bounds)) {
    return static_cast<family<histogram>&>(*found);
  }
  stripes = stripes == 0 ? stripes_ : stripes;
  auto made = std::make_unique<family<histogram>>(
    std::move(name), std::move(help), metric_type::histogram, std::move(label_names), bounds,
    [stripes, bounds] { return std::make_unique<histogram>(bounds, stripes); });
  auto& out = *made;
  families_.push_back(std::move(made));
  return out;
}

void registry::render(std::string& out) const {
  std::lock_guard lock{mutex_};
  for (const auto& f : families_) {
    f->render(out);
  }
}

} // namespace janus::metrics
