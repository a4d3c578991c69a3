#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "metrics/registry.hpp"
#include "model/errc.hpp"
#include "model/lease.hpp"

namespace janus::http {

/// The request path's metric families, registered once per registry.
struct request_families {
  explicit request_families(metrics::registry& registry);

  metrics::family<metrics::counter>& requests;
  metrics::family<metrics::histogram>& duration;
  metrics::family<metrics::histogram>& first_token;
  metrics::family<metrics::histogram>& queue_wait;
  metrics::family<metrics::counter>& starts;
  metrics::family<metrics::counter>& rejected;
  metrics::family<metrics::counter>& retries;
  metrics::family<metrics::counter>& outcomes;
};

/// The values of the `outcome` label of `janus_request_outcomes_total`, as the request's log
/// line writes them (request_summary::outcome).
inline constexpr std::array<std::string_view, 7> request_outcomes{
  "ok", "rejected", "failed_before_first_byte", "failed_mid_stream", "timeout", "error_frame",
  "client_gone"};

/// The request path's metric handles for one value of the `model` label. Every update is a
/// relaxed atomic add on the calling thread's own cache line: no lock, no allocation. A status
/// code or rejection reason seen for the first time is resolved once (the family's lock), then
/// kept.
class model_request_metrics {
public:
  /// `leases`: whether the label can get leases (a configured model); when not, the lease
  /// metrics (starts, queue wait, first token, retries) are not made: they would stay zero.
  model_request_metrics(request_families& families, std::string label, bool leases);

  model_request_metrics(const model_request_metrics&) = delete;
  model_request_metrics& operator=(const model_request_metrics&) = delete;

  /// The `model` label value.
  const std::string& label() const noexcept {
    return label_;
  }

  /// `janus_requests_total{code}`: one answered (or abandoned, 499) chat request.
  void count_request(unsigned status);

  /// `janus_rejected_requests_total{reason}`: refused before reaching a container.
  void count_rejection(errc reason);

  /// One lease granted: `janus_request_starts_total{kind}` and `janus_queue_wait_seconds`.
  void count_lease(start_kind kind, std::chrono::microseconds queue_time);

  /// `janus_upstream_retries_total`: the request sent again after it provably did not reach
  /// the model (see chat_proxy).
  void count_retry();

  /// `janus_request_outcomes_total{outcome}`: how a request ended, one of request_outcomes
  /// (anything else is not counted).
  void count_outcome(std::string_view outcome);

  /// `janus_request_duration_seconds`.
  void observe_duration(std::chrono::nanoseconds total);

  /// `janus_time_to_first_token_seconds`.
  void observe_first_token(std::chrono::nanoseconds since_received);

private:
  /// Codes 100..599 by code - 100; one more slot for anything else ("other").
  static constexpr std::size_t code_slots = 501;
  /// One per errc value (the edge's refusals of issue 9 took it past 16), the last for the rest.
  static constexpr std::size_t reason_slots = 32;

  request_families& families_;
  std::string label_;
  metrics::histogram& duration_;
  metrics::histogram* first_token_ = nullptr;
  metrics::histogram* queue_wait_ = nullptr;
  metrics::counter* retries_ = nullptr;
  std::array<metrics::counter*, 3> starts_{};
  std::array<std::atomic<metrics::counter*>, code_slots> by_code_{};
  std::array<std::atomic<metrics::counter*>, reason_slots> by_reason_{};
  std::array<std::atomic<metrics::counter*>, request_outcomes.size()> by_outcome_{};
};

/// Every model's request metrics, looked up by the client's model name without a lock or an
/// allocation: the table is immutable once published; a model registered at run time (admin
/// API) publishes a new copy with one atomic store, and old copies live until destruction.
/// Names that are not registered models share the `_unknown` label, so a client can never add
/// a label value.
class request_metrics {
public:
  /// The `model` label of requests for no configured model (`_` starts no valid model name).
  static constexpr std::string_view unknown_model = "_unknown";

  request_metrics(metrics::registry& registry, const std::vector<std::string>& models);

  request_metrics(const request_metrics&) = delete;
  request_metrics& operator=(const request_metrics&) = delete;

  /// The handles of `model`, those of `_unknown` when it is not configured.
  model_request_metrics& of(std::string_view model) noexcept;

  model_request_metrics& unknown() noexcept {
    return *unknown_;
  }

  /// Registers a model added at run time; a name already known is left as it is. Serialized by
  /// a mutex that the request path never takes.
  void add_model(const std::string& name);

private:
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const noexcept {
      return std::hash<std::string_view>{}(name);
    }
  };

  using table = std::unordered_map<std::string, model_request_metrics*, name_hash,
                                   std::equal_to<>>;

  request_families families_;
  std::unique_ptr<model_request_metrics> unknown_;
  /// Serializes add_model; never taken by of().
  std::mutex registration_;
  std::vector<std::unique_ptr<model_request_metrics>> owned_;
  /// Every table published; readers may still use an older one, so none is freed early.
  std::vector<std::unique_ptr<const table>> tables_;
  std::atomic<const table*> current_{nullptr};
};

} // namespace janus::http
