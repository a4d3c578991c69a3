#include "metrics/registry.hpp"

#include <prometheus/check_names.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <iterator>
#include <set>
#include <sstream>
#include <stdexcept>

namespace janus::metrics {

namespace {

void check_labels(const std::string& name, prometheus::MetricType type,
                  const std::vector<std::string>& label_names) {
  std::set<std::string_view> seen;
  for (const auto& label : label_names) {
    if (!prometheus::CheckLabelName(label)) {
      throw std::invalid_argument(name + ": invalid label name: " + label);
    }
    if (type == prometheus::MetricType::Histogram && label == "le") {
      throw std::invalid_argument(name + ": a histogram may not have a label named le");
    }
    if (!seen.insert(label).second) {
      throw std::invalid_argument(name + ": label " + label + " given twice");
    }
  }
}

} // namespace

registry::registry(std::size_t stripes) : stripes_(stripes_for(stripes)) {
}

bool registry::claim(const std::string& name, const std::string& help, kind k) {
  if (!prometheus::CheckMetricName(name)) {
    throw std::invalid_argument("invalid metric name: " + name);
  }
  if (help.find_first_of("\\\n") != std::string::npos) {
    throw std::invalid_argument(name + ": a help text may hold no backslash and no newline");
  }
  auto [it, added] = names_.emplace(name, k);
  if (!added && it->second != k) {
    throw std::invalid_argument("metric " + name + " registered twice as different kinds");
  }
  return added;
}

prometheus::Family<prometheus::Counter>& registry::add_counter(const std::string& name,
                                                               const std::string& help) {
  std::lock_guard lock{mutex_};
  claim(name, help, kind::counter);
  return prometheus::BuildCounter().Name(name).Help(help).Register(prometheus_);
}

prometheus::Family<prometheus::Gauge>& registry::add_gauge(const std::string& name,
                                                           const std::string& help) {
  std::lock_guard lock{mutex_};
  claim(name, help, kind::gauge);
  return prometheus::BuildGauge().Name(name).Help(help).Register(prometheus_);
}

prometheus::Family<prometheus::Histogram>& registry::add_histogram(const std::string& name,
                                                                   const std::string& help) {
  std::lock_guard lock{mutex_};
  claim(name, help, kind::histogram);
  return prometheus::BuildHistogram().Name(name).Help(help).Register(prometheus_);
}

family_base& registry::existing(const std::string& name,
                                const std::vector<std::string>& label_names,
                                const std::vector<double>& bounds) const {
  for (const auto& f : striped_) {
    if (f->name() != name) {
      continue;
    }
    if (f->label_names() != label_names || f->bounds() != bounds) {
      throw std::invalid_argument("metric " + name
                                  + " registered twice with different labels or buckets");
    }
    return *f;
  }
  throw std::logic_error("metric " + name + " claimed but not made");
}

family<counter>& registry::add_striped_counter(std::string name, std::string help,
                                               std::vector<std::string> label_names,
                                               std::size_t stripes) {
  check_labels(name, prometheus::MetricType::Counter, label_names);
  std::lock_guard lock{mutex_};
  if (!claim(name, help, kind::striped_counter)) {
    return static_cast<family<counter>&>(existing(name, label_names, {}));
  }
  stripes = stripes == 0 ? stripes_ : stripes;
  auto made = std::make_unique<family<counter>>(
    std::move(name), std::move(help), prometheus::MetricType::Counter, std::move(label_names),
    std::vector<double>{}, [stripes] { return std::make_shared<counter>(stripes); });
  auto& out = *made;
  striped_.push_back(std::move(made));
  return out;
}

family<histogram>& registry::add_striped_histogram(std::string name, std::string help,
                                                   std::vector<std::string> label_names,
                                                   std::vector<double> bounds,
                                                   std::size_t stripes) {
  check_labels(name, prometheus::MetricType::Histogram, label_names);
  histogram::check_bounds(bounds);
  std::lock_guard lock{mutex_};
  if (!claim(name, help, kind::striped_histogram)) {
    return static_cast<family<histogram>&>(existing(name, label_names, bounds));
  }
  stripes = stripes == 0 ? stripes_ : stripes;
  auto made = std::make_unique<family<histogram>>(
    std::move(name), std::move(help), prometheus::MetricType::Histogram, std::move(label_names),
    bounds, [stripes, bounds] { return std::make_shared<histogram>(bounds, stripes); });
  auto& out = *made;
  striped_.push_back(std::move(made));
  return out;
}

std::vector<prometheus::MetricFamily> registry::collect() const {
  std::vector<prometheus::MetricFamily> out;
  {
    std::lock_guard lock{mutex_};
    for (const auto& f : striped_) {
      auto collected = f->Collect();
      std::move(collected.begin(), collected.end(), std::back_inserter(out));
    }
  }
  auto controlled = prometheus_.Collect();
  sort_samples(controlled);
  std::move(controlled.begin(), controlled.end(), std::back_inserter(out));
  return out;
}

void registry::render(std::string& out) const {
  out += serialize(collect());
}

void sort_samples(std::vector<prometheus::MetricFamily>& families) {
  for (auto& f : families) {
    std::sort(f.metric.begin(), f.metric.end(),
              [](const prometheus::ClientMetric& a, const prometheus::ClientMetric& b) {
                return a.label < b.label;
              });
  }
}

std::string serialize(const std::vector<prometheus::MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer{}.Serialize(out, families);
  return std::move(out).str();
}

} // namespace janus::metrics
