#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/counter.hpp"
#include "metrics/gauge.hpp"
#include "metrics/histogram.hpp"
#include "metrics/text_format.hpp"

namespace janus::metrics {

enum class metric_type { counter, gauge, histogram };

/// The exposition format's name of a type: `counter`, `gauge`, `histogram`.
std::string_view to_string(metric_type type);

/// A family as its registry sees it: identity and rendering, whatever the metric type.
class family_base {
public:
  family_base(std::string name, std::string help, metric_type type,
              std::vector<std::string> label_names, std::vector<double> bounds);

  virtual ~family_base() = default;

  family_base(const family_base&) = delete;
  family_base& operator=(const family_base&) = delete;

  const std::string& name() const noexcept {
    return name_;
  }

  const std::string& help() const noexcept {
    return help_;
  }

  metric_type type() const noexcept {
    return type_;
  }

  const std::vector<std::string>& label_names() const noexcept {
    return label_names_;
  }

  /// A histogram family's bucket bounds; empty for the other types.
  const std::vector<double>& bounds() const noexcept {
    return bounds_;
  }

  /// Appends HELP, TYPE and every child's samples, children sorted by label values; nothing
  /// while the family has no child.
  virtual void render(std::string& out) const = 0;

protected:
  /// Throws std::invalid_argument unless `values` has one value per label name.
  void check_arity(std::size_t values) const;

private:
  std::string name_;
  std::string help_;
  metric_type type_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
};

// Samples of one child, in the exposition format (histograms: _bucket, _sum, _count).
void render_child(std::string& out, std::string_view name, std::span<const label> labels,
                  const counter& child);
void render_child(std::string& out, std::string_view name, std::span<const label> labels,
                  const gauge& child);
void render_child(std::string& out, std::string_view name, std::span<const label> labels,
                  const histogram& child);

/// The children of one metric, one per combination of label values. A child is made on first
/// use and lives as long as its family, so the reference `with` returns stays valid: resolve
/// it once (per model, per code, ...) and keep it, because `with` takes the family's lock and
/// may allocate, while updating the child takes neither.
template <class Metric>
class family final : public family_base {
public:
  using factory = std::function<std::unique_ptr<Metric>()>;

  family(std::string name, std::string help, metric_type type,
         std::vector<std::string> label_names, std::vector<double> bounds, factory make)
    : family_base(std::move(name), std::move(help), type, std::move(label_names),
                  std::move(bounds)),
      make_(std::move(make)) {
  }

  /// The child with these label values, in the order of the family's label names.
  Metric& with(std::initializer_list<std::string_view> values) {
    return with(std::span<const std::string_view>{values.begin(), values.size()});
  }

  Metric& with(std::span<const std::string_view> values) {
    check_arity(values.size());
    std::vector<std::string> key{values.begin(), values.end()};
    std::lock_guard lock{mutex_};
    auto& slot = children_[std::move(key)];
    if (!slot) {
      slot = make_();
    }
    return *slot;
  }

  /// Children made so far.
  std::size_t size() const {
    std::lock_guard lock{mutex_};
    return children_.size();
  }

  void render(std::string& out) const override {
    std::lock_guard lock{mutex_};
    if (children_.empty()) {
      return;
    }
    append_header(out, name(), to_string(type()), help());
    std::vector<label> labels(label_names().size());
    for (const auto& [values, child] : children_) {
      for (std::size_t i = 0; i < values.size(); ++i) {
        labels[i] = label{label_names()[i], values[i]};
      }
      render_child(out, name(), labels, *child);
    }
  }

private:
  mutable std::mutex mutex_;
  factory make_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_;
};

} // namespace janus::metrics
