#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/counter.hpp"
#include "metrics/histogram.hpp"

namespace janus::metrics {

/// A family of striped metrics as the registry and prometheus-cpp's serializer see it: a
/// `prometheus::Collectable` that reads its children into `MetricFamily` values at scrape time.
/// Only the request path's metrics are striped; the control plane's use prometheus-cpp's own
/// families (registry::add_counter, ...).
class family_base : public prometheus::Collectable {
public:
  family_base(std::string name, std::string help, prometheus::MetricType type,
              std::vector<std::string> label_names, std::vector<double> bounds);

  family_base(const family_base&) = delete;
  family_base& operator=(const family_base&) = delete;

  const std::string& name() const noexcept {
    return name_;
  }

  const std::string& help() const noexcept {
    return help_;
  }

  prometheus::MetricType type() const noexcept {
    return type_;
  }

  const std::vector<std::string>& label_names() const noexcept {
    return label_names_;
  }

  /// A histogram family's bucket bounds; empty for counters.
  const std::vector<double>& bounds() const noexcept {
    return bounds_;
  }

protected:
  /// Throws std::invalid_argument unless `values` has one value per label name.
  void check_arity(std::size_t values) const;

  /// The index of label `name`; throws std::invalid_argument when the family has none.
  std::size_t label_index(std::string_view name) const;

  /// A sample's labels: the family's names with `values`, in the family's order.
  std::vector<prometheus::ClientMetric::Label> labels_of(const std::vector<std::string>& values) const;

private:
  std::string name_;
  std::string help_;
  prometheus::MetricType type_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
};

// One child read for a scrape, in prometheus-cpp's terms.
prometheus::ClientMetric collect_child(const counter& child);
prometheus::ClientMetric collect_child(const histogram& child);

/// The children of one striped metric, one per combination of label values, sorted by label
/// values on the page. `with` takes the family's lock and may allocate: resolve a child once
/// (per model, per code, ...) and keep the pointer, because updating the child takes neither.
/// A child leaves the page when it is removed and lives on while a holder keeps its pointer:
/// updates after the removal are simply not seen.
template <class Metric>
class family final : public family_base {
public:
  using factory = std::function<std::shared_ptr<Metric>()>;

  family(std::string name, std::string help, prometheus::MetricType type,
         std::vector<std::string> label_names, std::vector<double> bounds, factory make)
    : family_base(std::move(name), std::move(help), type, std::move(label_names),
                  std::move(bounds)),
      make_(std::move(make)) {
  }

  /// The child with these label values, in the order of the family's label names; made on
  /// first use.
  std::shared_ptr<Metric> with(std::initializer_list<std::string_view> values) {
    return with(std::span<const std::string_view>{values.begin(), values.size()});
  }

  std::shared_ptr<Metric> with(std::span<const std::string_view> values) {
    check_arity(values.size());
    std::vector<std::string> key{values.begin(), values.end()};
    std::lock_guard lock{mutex_};
    auto& slot = children_[std::move(key)];
    if (!slot) {
      slot = make_();
    }
    return slot;
  }

  /// Takes every child whose label `label` has `value` off the page; returns how many.
  std::size_t remove_where(std::string_view label, std::string_view value) {
    auto index = label_index(label);
    std::lock_guard lock{mutex_};
    return std::erase_if(children_, [&](const auto& child) { return child.first[index] == value; });
  }

  /// Children on the page.
  std::size_t size() const {
    std::lock_guard lock{mutex_};
    return children_.size();
  }

  /// The family with every child's current value; nothing while it has no child.
  std::vector<prometheus::MetricFamily> Collect() const override {
    std::lock_guard lock{mutex_};
    if (children_.empty()) {
      return {};
    }
    prometheus::MetricFamily out{name(), help(), type(), {}};
    out.metric.reserve(children_.size());
    for (const auto& [values, child] : children_) {
      auto sample = collect_child(*child);
      sample.label = labels_of(values);
      out.metric.push_back(std::move(sample));
    }
    std::vector<prometheus::MetricFamily> all;
    all.push_back(std::move(out));
    return all;
  }

private:
  mutable std::mutex mutex_;
  factory make_;
  std::map<std::vector<std::string>, std::shared_ptr<Metric>> children_;
};

} // namespace janus::metrics
