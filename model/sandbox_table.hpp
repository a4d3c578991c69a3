#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/result.hpp"

namespace janus {

/// One container of a sandbox: a pool of one container named `model`.
struct sandbox_container {
  std::string id;
  std::string model;
  std::string image;
  std::chrono::steady_clock::time_point expires_at;
  /// Its pool is being added: not served, not listed, and not yet to be removed by anyone but
  /// the run that reserved it (see sandbox_table::confirm).
  bool pending = true;
};

/// One sandbox: janusd's bookkeeping of an id, a deadline and the containers run for it.
struct sandbox_record {
  std::string id;
  /// The `image` of the create request, recorded only.
  std::string image;
  std::chrono::milliseconds timeout{0};
  std::chrono::steady_clock::time_point created_at;
  std::chrono::steady_clock::time_point expires_at;
  std::vector<sandbox_container> containers;
  /// The number of the next container id (`c1`, `c2`, ...).
  int next_container = 1;
};

/// The limits the table keeps (sandbox.max_sandboxes, sandbox.max_containers_per_sandbox).
struct sandbox_limits {
  int max_sandboxes = 16;
  int max_containers_per_sandbox = 4;
};

/// The pool of a container that is to go (its sandbox ended, or it outlived its own timeout).
struct sandbox_removal {
  std::string sandbox_id;
  std::string container_id;
  std::string model;
};

/// The sandboxes that exist, as plain values: every decision of the Sandy routes about which
/// sandbox and container exists, what limit a request passes and what has expired is made here,
/// with the time passed in. Invariants: at most `max_sandboxes` records, each with at most
/// `max_containers_per_sandbox` containers (pending ones count), container ids unique within a
/// sandbox, model names unique over the table, no container outlives its sandbox. Not
/// thread-safe: its owner serializes calls.
class sandbox_table {
public:
  using clock = std::chrono::steady_clock;

  explicit sandbox_table(sandbox_limits limits);

  /// Records a new sandbox `id` (unique: the caller draws it at random) ending `timeout` after
  /// `now`; sandbox_limit past max_sandboxes, conflict for an id that exists.
  result<sandbox_record> create(const std::string& id, std::string image,
                                std::chrono::milliseconds timeout, clock::time_point now);

  /// The sandbox, if it exists and has not expired by `now`.
  const sandbox_record* find(const std::string& id, clock::time_point now) const;

  /// Reserves the next container of sandbox `id`, running `image`, living `lifetime` from `now` but never past
  /// its sandbox (nullopt: until the sandbox ends): unknown_sandbox, or sandbox_limit past
  /// max_containers_per_sandbox. The container is pending until confirm() or cancel().
  result<sandbox_container> reserve(const std::string& id, std::string image,
                                    std::optional<std::chrono::milliseconds> lifetime,
                                    clock::time_point now);

  /// Its pool was added: the container is served from now on. False when its sandbox (or the
  /// container) went meanwhile: the caller removes the pool it added.
  bool confirm(const std::string& id, const std::string& container_id);

  /// Its pool could not be added: the reservation is dropped.
  void cancel(const std::string& id, const std::string& container_id);

  /// The model of a served container; unknown_sandbox or unknown_container.
  result<std::string> model_of(const std::string& id, const std::string& container_id,
                               clock::time_point now) const;

  /// Ends sandbox `id` now: the pools of its containers that were added (confirmed) are to go;
  /// nullopt when no such sandbox exists.
  std::optional<std::vector<sandbox_removal>> remove(const std::string& id);

  /// Ends what has expired by `now`: sandboxes past their deadline (with their containers) and
  /// containers past their own; answers the pools to remove (confirmed containers only; a
  /// pending one is removed by its run when confirm() fails).
  std::vector<sandbox_removal> expire(clock::time_point now);

  /// Whether `model` is the pool of a container of some sandbox (pending ones included).
  bool is_sandbox_model(const std::string& model) const;

  std::size_t size() const noexcept {
    return records_.size();
  }

private:
  sandbox_limits limits_;
  std::map<std::string, sandbox_record> records_;
};

} // namespace janus
