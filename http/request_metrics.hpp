#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "metrics/family.hpp"
#include "metrics/grace_domain.hpp"
#include "model/errc.hpp"
#include "model/lease.hpp"

namespace janus::metrics {
class registry;
} // namespace janus::metrics

namespace janus::http {

/// The request path's metric families, registered once per registry. Striped (lock-free
/// updates): prometheus-cpp's own counter and histogram cost several times more per request
/// (tests/bench/metrics_bench.cpp).
struct request_families {
  explicit request_families(metrics::registry& registry);

  /// Takes every series of `model` off the page.
  void remove(std::string_view model);

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
/// code or rejection reason seen for the first time is resolved once (a lock), then kept. Once
/// retired (its model removed) its series are off the page and it makes no new one: updates by
/// requests still in flight land on children nobody renders.
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

  /// Takes this label's series off the page; later updates that would need a new series are
  /// dropped.
  void retire();

private:
  /// Codes 100..599 by code - 100; one more slot for anything else ("other").
  static constexpr std::size_t code_slots = 501;
  /// One per errc value (the edge's refusals of issue 9 took it past 16), the last for the rest.
  static constexpr std::size_t reason_slots = 32;

  /// The child of `family` for (label, value), kept in `resolved_`; null once retired.
  metrics::counter* resolve(metrics::family<metrics::counter>& family, std::string_view value);

  request_families& families_;
  std::string label_;
  std::shared_ptr<metrics::histogram> duration_;
  std::shared_ptr<metrics::histogram> first_token_;
  std::shared_ptr<metrics::histogram> queue_wait_;
  std::shared_ptr<metrics::counter> retries_;
  std::array<std::shared_ptr<metrics::counter>, 5> starts_{};
  std::array<std::atomic<metrics::counter*>, code_slots> by_code_{};
  std::array<std::atomic<metrics::counter*>, reason_slots> by_reason_{};
  std::array<std::atomic<metrics::counter*>, request_outcomes.size()> by_outcome_{};
  /// Serializes resolving against retiring.
  std::mutex resolving_;
  bool retired_ = false;
  /// Owns what by_code_, by_reason_ and by_outcome_ point to.
  std::vector<std::shared_ptr<metrics::counter>> resolved_;
};

/// Every model's request metrics, looked up by the client's model name without a lock or an
/// allocation: the table is immutable once published, and a model added or removed at run time
/// (admin API) publishes a new copy with one atomic store. Names that are not registered models
/// share the `_unknown` label, so a client can never add a label value.
///
/// A request holds its model's handles (`handle`) until it ends; the handles of a removed model,
/// and replaced tables, are freed by `reclaim` once no request that could see them is left
/// (metrics::grace_domain), so memory stays flat however often models come and go.
class request_metrics {
public:
  /// The `model` label of requests for no configured model (`_` starts no valid model name).
  static constexpr std::string_view unknown_model = "_unknown";

  /// One request's hold on its model's handles: valid while it lives, even after the model is
  /// removed. Move-only; one atomic add when taken and one when dropped, on the thread's own
  /// cache line.
  class handle {
  public:
    handle() = default;

    handle(model_request_metrics* metrics, metrics::grace_domain::pin pin) noexcept
      : metrics_(metrics), pin_(std::move(pin)) {
    }

    model_request_metrics* get() const noexcept {
      return metrics_;
    }

    model_request_metrics* operator->() const noexcept {
      return metrics_;
    }

    model_request_metrics& operator*() const noexcept {
      return *metrics_;
    }

    friend bool operator==(const handle& h, std::nullptr_t) noexcept {
      return h.metrics_ == nullptr;
    }

  private:
    model_request_metrics* metrics_ = nullptr;
    metrics::grace_domain::pin pin_;
  };

  request_metrics(metrics::registry& registry, const std::vector<std::string>& models);

  request_metrics(const request_metrics&) = delete;
  request_metrics& operator=(const request_metrics&) = delete;

  /// The handles of `model`, those of `_unknown` when it is not registered.
  handle of(std::string_view model) noexcept;

  /// The `_unknown` handles: never removed, so a plain reference.
  model_request_metrics& unknown() noexcept {
    return *unknown_;
  }

  /// Registers a model added at run time; false (nothing changes) when the name is known.
  /// Serialized by a mutex that the request path never takes.
  bool add_model(const std::string& name);

  /// Unregisters a removed model: its series leave the page at once, new requests for it count
  /// under `_unknown`, and its handles are freed once the requests holding them are done. False
  /// when the name is not registered.
  bool remove_model(const std::string& name);

  /// Frees retired handles and tables that no request can reach any more; never waits. Called
  /// by add_model and remove_model, and at each scrape.
  void reclaim();

  /// Handles and tables retired and not freed yet.
  std::size_t retired() const {
    return grace_.waiting();
  }

private:
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const noexcept {
      return std::hash<std::string_view>{}(name);
    }
  };

  using table = std::unordered_map<std::string, std::shared_ptr<model_request_metrics>,
                                   name_hash, std::equal_to<>>;

  /// Publishes `next` and retires the table it replaces. Called with `registration_` held.
  void publish(std::shared_ptr<const table> next);

  request_families families_;
  std::unique_ptr<model_request_metrics> unknown_;
  metrics::grace_domain grace_;
  /// Serializes add_model, remove_model and reclaim; never taken by of().
  std::mutex registration_;
  /// The published table; owns it (a request reads it only under a pin).
  std::shared_ptr<const table> owned_;
  std::atomic<const table*> current_{nullptr};
};

} // namespace janus::http
