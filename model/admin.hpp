#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/config.hpp"
#include "model/result.hpp"

/// Pure parsing and validation for the admin API (`/admin/*`): no I/O.
namespace janus {

/// A change of a pool's size policy; a field left empty keeps its value.
struct scale_request {
  std::optional<int> min_warm;
  std::optional<int> max_containers;
};

/// A pool's size policy after a scale: the pair the pool applies.
struct pool_size {
  int min_warm = 0;
  int max_containers = 0;
};

/// What a rolling restart (drain) of a pool did.
struct drain_report {
  /// Old containers stopped at once (idle or still starting).
  int stopped = 0;
  /// Old containers with requests in flight: they stop after their last one.
  int draining = 0;
  /// New containers started at once for min_warm.
  int started = 0;
};

/// Parses `{"min_warm": N, "max_containers": M}` (either or both, each once, nothing else); an
/// invalid_request naming the field otherwise. The body is parsed without recursion and refused
/// past `max_depth` levels of nesting (`server.max_json_depth`).
result<scale_request> parse_scale_request(std::string_view body, int max_depth);

/// The pair `change` makes of the current one, checked as the configuration checks it:
/// 1 <= max_containers <= 10000 and 0 <= min_warm <= max_containers.
result<pool_size> apply_scale(pool_size current, const scale_request& change);

/// Checks a model added at run time against the operator's ceilings (`admin.limits`): nothing
/// when it keeps within them, otherwise the first violation as an invalid_request naming the
/// field, e.g. `resources.memory: 2 GiB is above admin.limits.max_memory (1 GiB)`.
std::optional<error_info> check_admin_limits(const model_config& model, const admin_limits& limits);

/// The same ceilings for a scale of a model added at run time: min_warm and max_containers.
std::optional<error_info> check_scale_limits(const scale_request& change,
                                             const admin_limits& limits);

/// A size for people: whole GiB, MiB or KiB when it is one (`2 GiB`, `1536 MiB`), bytes otherwise.
std::string format_size(std::size_t bytes);

/// Whether an `Authorization` header value is `Bearer <token>`; compares in constant time
/// (for a given token length). An empty token authorizes nothing.
bool bearer_matches(std::string_view authorization, std::string_view token);

/// A model name from a URL path segment with its %XX escapes decoded (`org%2Fmodel` is
/// `org/model`); nothing when an escape is not two hex digits or the decoded name is not valid
/// UTF-8 (it is echoed in answers and logs). The result is never longer than `segment`.
std::optional<std::string> decode_path_segment(std::string_view segment);

} // namespace janus
