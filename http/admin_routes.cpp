#include "http/admin_routes.hpp"

#include <boost/beast/http.hpp>

#include <charconv>
#include <cstdio>
#include <ctime>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "http/admin_asks.hpp"
#include "http/ask.hpp"
#include "http/request_metrics.hpp"
#include "logging/event.hpp"
#include "model/admin.hpp"
#include "model/utf8.hpp"

namespace janus::http {

namespace bhttp = boost::beast::http;

namespace {

constexpr std::string_view admin_prefix = "/admin/";
constexpr std::string_view pools_path = "/admin/pools";
constexpr std::string_view pools_prefix = "/admin/pools/";
constexpr std::string_view models_path = "/admin/models";
constexpr std::string_view models_prefix = "/admin/models/";
constexpr std::string_view containers_prefix = "/admin/containers/";
constexpr std::string_view logs_suffix = "/logs";
constexpr std::size_t default_tail = 100;

using writer_type = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(writer_type& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

double seconds(std::chrono::milliseconds value) {
  return static_cast<double>(value.count()) / 1000.0;
}

void write_policy(writer_type& writer, const pool_status& pool) {
  writer.Key("min_warm");
  writer.Int(pool.min_warm);
  writer.Key("max_containers");
  writer.Int(pool.max_containers);
  writer.Key("max_concurrency");
  writer.Int(pool.max_concurrency);
  writer.Key("idle_ttl_seconds");
  writer.Double(seconds(pool.idle_ttl));
  writer.Key("max_requests");
  writer.Uint64(pool.max_requests);
  writer.Key("max_age_seconds");
  writer.Double(seconds(pool.max_age));
  writer.Key("queue_limit");
  writer.Int(pool.queue_limit);
  writer.Key("queue_timeout_seconds");
  writer.Double(seconds(pool.queue_timeout));
  writer.Key("pause_after_seconds");
  writer.Double(seconds(pool.pause_after));
  writer.Key("max_paused");
  writer.Int(pool.max_paused);
  writer.Key("prepare_ahead");
  writer.Int(pool.prepare_ahead);
}


/// The members both the pools listing and the scale answer start with.
void write_model_and_policy(writer_type& writer, const pool_status& pool) {
  writer.Key("model");
  write_string(writer, pool.model);
  writer.Key("policy");
  writer.StartObject();
  write_policy(writer, pool);
  writer.EndObject();
}

void write_pool(writer_type& writer, const pool_status& pool) {
  writer.StartObject();
  write_model_and_policy(writer, pool);
  writer.Key("containers");
  writer.StartArray();
  for (const auto& container : pool.containers) {
    writer.StartObject();
    writer.Key("id");
    write_string(writer, container.id);
    writer.Key("state");
    write_string(writer, container.state);
    writer.Key("inflight");
    writer.Int(container.inflight);
    writer.Key("age_seconds");
    writer.Double(seconds(container.age));
    writer.Key("served");
    writer.Uint64(container.served);
    writer.Key("port");
    writer.Uint(container.port);
    writer.EndObject();
  }
  writer.EndArray();
  writer.Key("waiting");
  writer.Int(pool.waiting);
  writer.Key("inflight");
  writer.Int(pool.inflight);
  writer.Key("warm_reached");
  writer.Bool(pool.warm_reached);
  writer.Key("warm_target");
  writer.Int(pool.warm_target);
  writer.Key("prepared");
  writer.Int(pool.prepared);
  writer.Key("preparing");
  writer.Bool(pool.preparing);
  if (!pool.image.empty()) {
    writer.Key("image");
    writer.StartObject();
    writer.Key("name");
    write_string(writer, pool.image);
    writer.Key("state");
    write_string(writer, pool.image_state.empty() ? std::string_view{"unknown"}
                                                   : std::string_view{pool.image_state});
    writer.EndObject();
  }
  writer.Key("counters");
  writer.StartObject();
  writer.Key("starts");
  writer.Uint64(pool.starts);
  writer.Key("start_failures");
  writer.Uint64(pool.start_failures);
  writer.Key("served");
  writer.Uint64(pool.served);
  writer.Key("pauses");
  writer.Uint64(pool.pauses);
  writer.Key("resumes");
  writer.Uint64(pool.resumes);
  writer.EndObject();
  writer.EndObject();
}

std::string object_with(std::string_view key, std::string_view value, std::string_view status) {
  rapidjson::StringBuffer out;
  writer_type writer{out};
  writer.StartObject();
  writer.Key("status");
  write_string(writer, status);
  writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  write_string(writer, value);
  writer.EndObject();
  return out.GetString();
}

reply unauthorized() {
  return error_reply({errc::admin_unauthorized, "the admin API needs a valid bearer token "
                                                "(Authorization: Bearer <token>)"});
}

// -- bridges to the actors (plain functions: GCC 12 must not see these lambdas inside a
// co_await expression) ----------------------------------------------------------------------

auto ask_statuses(broker& pools) {
  return ask<std::vector<pool_status>>([&pools](auto done) { pools.statuses(std::move(done)); });
}

auto ask_scale(admin_broker& admin, const std::string& model, const scale_request& change) {
  return ask<result<pool_status>>([&admin, model, change](auto done) mutable {
    admin.scale(std::move(model), change, std::move(done));
  });
}

auto ask_drain(admin_broker& admin, const std::string& model) {
  return ask<result<drain_report>>([&admin, model](auto done) mutable {
    admin.drain(std::move(model), std::move(done));
  });
}

/// A 409 when `model` is a sandbox's pool: only its sandbox's routes change it (a removal here
/// would leave the sandbox pointing at nothing).
std::optional<error_info> sandbox_refusal(const admin_hooks& hooks, const std::string& model,
                                          std::string_view done) {
  if (!hooks.sandbox_owned || !hooks.sandbox_owned(model)) {
    return std::nullopt;
  }
  return error_info{errc::conflict, "the model `" + to_valid_utf8(model)
                                      + "` is a sandbox's pool and is " + std::string{done}
                                      + " only through its sandbox (DELETE /api/sandboxes/{id})"};
}

auto ask_remove(admin_broker& admin, const std::string& model) {
  return ask<result<std::string>>([&admin, model](auto done) mutable {
    admin.remove_model(std::move(model), std::move(done));
  });
}

/// The turn of a change of the models (http/change_turns.hpp); null without turns.
auto ask_turn(change_turns* turns) {
  return ask<std::shared_ptr<change_turns::turn>>([turns](auto done) {
    if (turns == nullptr) {
      done(nullptr);
      return;
    }
    turns->enter([done](std::shared_ptr<change_turns::turn> held) { done(std::move(held)); });
  });
}

/// The model of `/admin/pools/{model}/{action}`, %XX escapes decoded; empty when the path is
/// not of that shape or an escape is bad.
std::string pool_action_model(std::string_view path, std::string_view action) {
  if (!path.starts_with(pools_prefix) || path.size() <= pools_prefix.size() + action.size() + 1) {
    return {};
  }
  auto rest = path.substr(pools_prefix.size());
  auto suffix = "/" + std::string{action};
  if (!rest.ends_with(suffix)) {
    return {};
  }
  return decode_path_segment(rest.substr(0, rest.size() - suffix.size())).value_or(std::string{});
}

/// Logs a registry write that failed: the change holds in janusd now and reaches the disk with
/// the next one that is written.
void note_unsaved(const std::optional<error_info>& failed, std::string_view change,
                  const std::string& model) {
  if (failed) {
    logging::event{"admin: the model registry could not be written; the change holds until "
                   "janusd stops unless a later change is written"}
      .field("change", change)
      .field("model", model)
      .field("error", failed->message)
      .error();
  }
}

/// A parse failure of a run-time model as a 400 naming the field.
result<model_config> parse_added_model(const std::string& body, const admin_hooks& hooks) {
  try {
    return parse_model_config(body, hooks.runtime, hooks.docker, hooks.max_json_depth);
  } catch (const config_error& error) {
    return error_info{errc::invalid_request, error.what()};
  }
}

} // namespace

std::string utc_text(std::chrono::system_clock::time_point at) {
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  char text[32];
  auto n = std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                         parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour,
                         parts.tm_min, parts.tm_sec, static_cast<int>(millis % 1000));
  return std::string{text, static_cast<std::size_t>(n)};
}

bool is_admin_path(std::string_view path, const admin_hooks& hooks) {
  return hooks.broker != nullptr && !hooks.token.empty()
         && (path.starts_with(admin_prefix) || path == "/admin");
}

boost::asio::awaitable<reply> admin_answer(
  const bhttp::request<bhttp::string_body>& request, std::string_view path, broker& pools,
  const admin_hooks& hooks, request_metrics* requests) {
  if (!bearer_matches(request[bhttp::field::authorization], hooks.token)) {
    co_return unauthorized();
  }
  auto method = request.method();
  if (path == pools_path) {
    if (method != bhttp::verb::get) {
      co_return method_not_allowed("GET", path);
    }
    auto statuses = co_await ask_statuses(pools);
    co_return json_reply(200, pools_body(statuses));
  }
  auto scale_model = pool_action_model(path, "scale");
  if (!scale_model.empty()) {
    if (method != bhttp::verb::post) {
      co_return method_not_allowed("POST", path);
    }
    auto change = parse_scale_request(request.body(), hooks.max_json_depth);
    if (!change) {
      co_return error_reply(change.error());
    }
    if (auto owned = sandbox_refusal(hooks, scale_model, "scaled")) {
      co_return error_reply(*owned);
    }
    auto held = co_await ask_turn(hooks.turns); // until the scale is recorded
    auto answer = co_await ask_scale(*hooks.broker, scale_model, change.value());
    if (!answer) {
      co_return error_reply(answer.error());
    }
    if (hooks.registry != nullptr) {
      pool_size size{answer.value().min_warm, answer.value().max_containers};
      note_unsaved(hooks.registry->record_scale(scale_model, size), "scale", scale_model);
    }
    co_return json_reply(200, scale_body(answer.value()));
  }
  auto drain_model = pool_action_model(path, "drain");
  if (!drain_model.empty()) {
    if (method != bhttp::verb::post) {
      co_return method_not_allowed("POST", path);
    }
    auto answer = co_await ask_drain(*hooks.broker, drain_model);
    if (!answer) {
      co_return error_reply(answer.error());
    }
    co_return json_reply(202, drain_body(drain_model, answer.value()));
  }
  if (path == models_path) {
    if (method != bhttp::verb::post) {
      co_return method_not_allowed("POST", path);
    }
    auto parsed = parse_added_model(request.body(), hooks);
    if (!parsed) {
      co_return error_reply(parsed.error());
    }
    if (auto violation = check_admin_limits(parsed.value(), hooks.limits)) {
      co_return error_reply(*violation);
    }
    auto name = parsed.value().name;
    if (hooks.conformance != nullptr) {
      // A name that exists is refused before a container is started for nothing.
      auto statuses = co_await ask_statuses(pools);
      for (const auto& pool : statuses) {
        if (pool.model == name) {
          error_info exists{errc::conflict, "the model `" + name + "` exists already"};
          co_return error_reply(exists);
        }
      }
      auto checked = co_await ask_conformance(*hooks.conformance, parsed.value());
      if (!checked) {
        co_return error_reply(checked.error());
      }
    }
    auto held = co_await ask_turn(hooks.turns); // until the add is recorded
    // Before the pool exists: its first request is counted.
    bool counted_now = requests != nullptr && requests->add_model(name);
    auto answer = co_await ask_add(*hooks.broker, std::move(parsed.value()));
    if (!answer) {
      if (counted_now) {
        requests->remove_model(name);
      }
      co_return error_reply(answer.error());
    }
    if (hooks.registry != nullptr) {
      note_unsaved(hooks.registry->record_add(name, request.body()), "add", name);
    }
    co_return json_reply(201, object_with("model", name, "added"));
  }
  if (path.starts_with(containers_prefix) && path.ends_with(logs_suffix)
      && path.size() > containers_prefix.size() + logs_suffix.size()) {
    if (method != bhttp::verb::get) {
      co_return method_not_allowed("GET", path);
    }
    auto segment = path.substr(containers_prefix.size(),
                               path.size() - containers_prefix.size() - logs_suffix.size());
    auto id = decode_path_segment(segment).value_or(std::string{});
    auto target = std::string_view{request.target()};
    auto question = target.find('?');
    auto tail = parse_tail(question == std::string_view::npos ? std::string_view{}
                                                              : target.substr(question + 1),
                           hooks.max_tail);
    if (!tail) {
      co_return error_reply(tail.error());
    }
    auto lines = hooks.container_logs ? hooks.container_logs(id, tail.value())
                                      : std::optional<std::vector<container_log_line>>{};
    if (!lines) {
      co_return error_reply(error_info{errc::unknown_container,
                                       "no container " + to_valid_utf8(id)
                                         + " is known (or its lines are forgotten)"});
    }
    co_return reply{200, "application/x-ndjson; charset=utf-8", container_logs_body(*lines), 0};
  }
  if (path.starts_with(models_prefix) && path.size() > models_prefix.size()) {
    if (method != bhttp::verb::delete_) {
      co_return method_not_allowed("DELETE", path);
    }
    auto name = decode_path_segment(path.substr(models_prefix.size())).value_or(std::string{});
    if (auto owned = sandbox_refusal(hooks, name, "removed")) {
      co_return error_reply(*owned);
    }
    auto held = co_await ask_turn(hooks.turns); // until the removal is recorded
    auto answer = co_await ask_remove(*hooks.broker, name);
    if (!answer) {
      co_return error_reply(answer.error());
    }
    if (requests != nullptr) {
      requests->remove_model(name); // its series leave /metrics; requests in flight keep handles
    }
    if (hooks.registry != nullptr) {
      note_unsaved(hooks.registry->record_remove(name), "remove", name);
    }
    co_return json_reply(202, object_with("model", name, "removing"));
  }
  co_return no_route(path);
}

std::string pools_body(const std::vector<pool_status>& pools) {
  rapidjson::StringBuffer out;
  writer_type writer{out};
  writer.StartObject();
  writer.Key("pools");
  writer.StartArray();
  for (const auto& pool : pools) {
    write_pool(writer, pool);
  }
  writer.EndArray();
  writer.EndObject();
  return out.GetString();
}

std::string scale_body(const pool_status& pool) {
  rapidjson::StringBuffer out;
  writer_type writer{out};
  writer.StartObject();
  write_model_and_policy(writer, pool);
  writer.Key("starting");
  writer.Int(pool.starting);
  writer.Key("ready");
  writer.Int(pool.ready);
  writer.Key("draining");
  writer.Int(pool.draining);
  writer.EndObject();
  return out.GetString();
}

result<std::size_t> parse_tail(std::string_view query, int max_tail) {
  std::size_t tail = default_tail;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    if (pair.starts_with("tail=")) {
      auto text = pair.substr(5);
      std::size_t value = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (text.empty() || ec != std::errc{} || end != text.data() + text.size()
          || value > static_cast<std::size_t>(max_tail)) {
        return error_info{errc::invalid_request, "`tail` must be an integer in [0, "
                                                   + std::to_string(max_tail) + "] "
                                                   "(log.container_max_tail)"};
      }
      tail = value;
    }
    if (amp == std::string_view::npos) {
      break;
    }
    query.remove_prefix(amp + 1);
  }
  return tail;
}

std::string container_logs_body(const std::vector<container_log_line>& lines) {
  std::string out;
  for (const auto& line : lines) {
    rapidjson::StringBuffer buffer;
    writer_type writer{buffer};
    writer.StartObject();
    writer.Key("time");
    write_string(writer, utc_text(line.at));
    writer.Key("stream");
    write_string(writer, line.stream);
    writer.Key("line");
    write_string(writer, to_valid_utf8(line.text));
    writer.Key("cut");
    writer.Bool(line.cut);
    writer.EndObject();
    out.append(buffer.GetString(), buffer.GetSize()).push_back('\n');
  }
  return out;
}

std::string drain_body(const std::string& model, const drain_report& report) {
  rapidjson::StringBuffer out;
  writer_type writer{out};
  writer.StartObject();
  writer.Key("model");
  write_string(writer, model);
  writer.Key("status");
  writer.String("draining");
  writer.Key("stopped");
  writer.Int(report.stopped);
  writer.Key("draining");
  writer.Int(report.draining);
  writer.Key("started");
  writer.Int(report.started);
  writer.EndObject();
  return out.GetString();
}

} // namespace janus::http
