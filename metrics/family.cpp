#include "metrics/family.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace janus::metrics {

family_base::family_base(std::string name, std::string help, prometheus::MetricType type,
                         std::vector<std::string> label_names, std::vector<double> bounds)
  : name_(std::move(name)),
    help_(std::move(help)),
    type_(type),
    label_names_(std::move(label_names)),
    bounds_(std::move(bounds)) {
}

void family_base::check_arity(std::size_t values) const {
  if (values != label_names_.size()) {
    throw std::invalid_argument(name_ + ": expected " + std::to_string(label_names_.size())
                                + " label value(s), got " + std::to_string(values));
  }
}

std::size_t family_base::label_index(std::string_view name) const {
  auto it = std::find(label_names_.begin(), label_names_.end(), name);
  if (it == label_names_.end()) {
    throw std::invalid_argument(name_ + ": no label named " + std::string{name});
  }
  return static_cast<std::size_t>(it - label_names_.begin());
}

std::vector<prometheus::ClientMetric::Label> family_base::labels_of(
  const std::vector<std::string>& values) const {
  std::vector<prometheus::ClientMetric::Label> out;
  out.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    out.push_back({label_names_[i], values[i]});
  }
  return out;
}

prometheus::ClientMetric collect_child(const counter& child) {
  prometheus::ClientMetric out;
  out.counter.value = static_cast<double>(child.value());
  return out;
}

prometheus::ClientMetric collect_child(const histogram& child) {
  auto snap = child.collect();
  prometheus::ClientMetric out;
  out.histogram.sample_count = snap.count;
  out.histogram.sample_sum = snap.sum;
  out.histogram.bucket.reserve(snap.cumulative.size());
  for (std::size_t i = 0; i < snap.cumulative.size(); ++i) {
    auto bound = i < snap.bounds.size() ? snap.bounds[i] : std::numeric_limits<double>::infinity();
    out.histogram.bucket.push_back({snap.cumulative[i], bound});
  }
  return out;
}

} // namespace janus::metrics
