#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/family.hpp"

namespace janus::metrics {

/// The engine's metrics, rendered together in the Prometheus text exposition format 0.0.4 by
/// prometheus-cpp's TextSerializer. Two kinds of family share one name space:
/// - prometheus-cpp's own (`add_counter`, `add_gauge`, `add_histogram`), held in one
///   `prometheus::Registry`, for the control plane: its counter is one atomic shared by every
///   thread and its histogram takes a mutex per observation, which is fine a few times a second;
/// - striped ones (`add_striped_counter`, `add_striped_histogram`) for the request path: each
///   thread updates its own cache line without a lock (metrics/stripes.hpp), and the family is a
///   `prometheus::Collectable` that adds the stripes up at scrape time.
///
/// Registering a name again with the same kind, type, labels (and buckets) returns the family
/// that exists; anything else that is wrong (a bad name, a clash, a help text with a backslash
/// or a newline, which prometheus-cpp 1.0 writes unescaped) throws std::invalid_argument, a bug.
class registry {
public:
  /// `stripes`: cells per striped child (rounded up to a power of two).
  explicit registry(std::size_t stripes = default_stripes());

  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  // -- prometheus-cpp families (control plane) -----------------------------------------------

  prometheus::Family<prometheus::Counter>& add_counter(const std::string& name,
                                                       const std::string& help);

  prometheus::Family<prometheus::Gauge>& add_gauge(const std::string& name,
                                                   const std::string& help);

  /// The buckets are given per child (`Add(labels, bounds)`).
  prometheus::Family<prometheus::Histogram>& add_histogram(const std::string& name,
                                                           const std::string& help);

  // -- striped families (request path) -------------------------------------------------------

  /// `stripes`: cells per child, 0 = the registry's count.
  family<counter>& add_striped_counter(std::string name, std::string help,
                                       std::vector<std::string> label_names = {},
                                       std::size_t stripes = 0);

  /// `bounds`: the buckets' upper bounds, finite and strictly increasing (+Inf is implied).
  family<histogram>& add_striped_histogram(std::string name, std::string help,
                                           std::vector<std::string> label_names,
                                           std::vector<double> bounds, std::size_t stripes = 0);

  // -- scrape --------------------------------------------------------------------------------

  /// Every family that has a child: the striped ones in registration order, then
  /// prometheus-cpp's (counters, gauges, histograms); each family's samples sorted by labels.
  std::vector<prometheus::MetricFamily> collect() const;

  /// `collect()` in the text exposition format, appended to `out`.
  void render(std::string& out) const;

  std::size_t stripes() const noexcept {
    return stripes_;
  }

private:
  enum class kind { counter, gauge, histogram, striped_counter, striped_histogram };

  /// Records `name` as a family of `kind`; false when it exists with that kind already, throws
  /// when it exists with another or the name or help is bad. Called with `mutex_` held.
  bool claim(const std::string& name, const std::string& help, kind k);

  /// The striped family named `name`; throws unless labels and buckets match.
  family_base& existing(const std::string& name, const std::vector<std::string>& label_names,
                        const std::vector<double>& bounds) const;

  mutable std::mutex mutex_;
  std::size_t stripes_;
  prometheus::Registry prometheus_;
  std::map<std::string, kind, std::less<>> names_;
  std::vector<std::unique_ptr<family_base>> striped_;
};

/// Sorts each family's samples by their labels, so a page reads the same at every scrape
/// (prometheus-cpp keeps a family's children in a hash map).
void sort_samples(std::vector<prometheus::MetricFamily>& families);

/// `families` in the Prometheus text exposition format 0.0.4, by prometheus-cpp's
/// TextSerializer.
std::string serialize(const std::vector<prometheus::MetricFamily>& families);

} // namespace janus::metrics
