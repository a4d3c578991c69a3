#include "metrics/family.hpp"

namespace janus::metrics {

std::string_view to_string(metric_type type) {
  switch (type) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  return "untyped";
}

family_base::family_base(std::string name, std::string help, metric_type type,
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

void render_child(std::string& out, std::string_view name, std::span<const label> labels,
                  const counter& child) {
  append_sample(out, name, labels, child.value());
}

void render_child(std::string& out, std::string_view name, std::span<const label> labels,
                  const gauge& child) {
  append_sample(out, name, labels, child.value());
}

void render_child(std::string& out, std::string_view name, std::span<const label> labels,
                  const histogram& child) {
  auto snap = child.collect();
  std::string bucket_name{name};
  bucket_name += "_bucket";
  std::string bound;
  for (std::size_t i = 0; i < snap.bounds.size(); ++i) {
    bound.clear();
    append_value(bound, snap.bounds[i]);
    append_sample(out, bucket_name, labels, snap.cumulative[i], label{"le", bound});
  }
  append_sample(out, bucket_name, labels, snap.count, label{"le", "+Inf"});
  append_sample(out, std::string{name} + "_sum", labels, snap.sum);
  append_sample(out, std::string{name} + "_count", labels, snap.count);
}

} // namespace janus::metrics
