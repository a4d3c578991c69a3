#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/family.hpp"

namespace janus::metrics {

/// The engine's metrics: counter, gauge and histogram families with labels, rendered together
/// in the Prometheus text exposition format 0.0.4. Registering and resolving children take
/// locks (start-up, first use); updating a resolved child takes none.
///
/// Registering a name again with the same type, labels (and buckets) returns the family that
/// exists; anything else that is wrong (a bad name, a clash) throws std::invalid_argument, a bug.
class registry {
public:
  /// `stripes`: cells per counter and histogram child (rounded up to a power of two).
  explicit registry(std::size_t stripes = default_stripes());

  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// `stripes`: cells per child, 0 = the registry's count; 1 suits counters that only the
  /// control plane updates (a few times a second), saving memory.
  family<counter>& add_counter(std::string name, std::string help,
                               std::vector<std::string> label_names = {},
                               std::size_t stripes = 0);

  family<gauge>& add_gauge(std::string name, std::string help,
                           std::vector<std::string> label_names = {});

  /// `bounds`: the buckets' upper bounds, finite and strictly increasing (+Inf is implied).
  family<histogram>& add_histogram(std::string name, std::string help,
                                   std::vector<std::string> label_names,
                                   std::vector<double> bounds, std::size_t stripes = 0);

  /// Appends every family, in the order they were registered.
  void render(std::string& out) const;

  std::size_t stripes() const noexcept {
    return stripes_;
  }

private:
  /// The family named `name` when it matches, nullptr when there is none; throws on a clash.
  family_base* existing(const std::string& name, metric_type type,
                        const std::vector<std::string>& label_names,
                        const std::vector<double>& bounds) const;

  mutable std::mutex mutex_;
  std::size_t stripes_;
  std::vector<std::unique_ptr<family_base>> families_;
};

/// Whether `name` is a valid metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
bool is_metric_name(std::string_view name);

/// Whether `name` is a valid label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`.
bool is_label_name(std::string_view name);

} // namespace janus::metrics
