#include "http/sandbox_routes.hpp"

#include <boost/beast/http.hpp>

#include <algorithm>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "http/admin_routes.hpp"

namespace janus::http {

namespace bhttp = boost::beast::http;

namespace {

constexpr std::string_view collection_path = "/api/sandboxes";

using writer_type = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(writer_type& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void write_key(writer_type& writer, std::string_view key) {
  writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

/// A steady-clock time as the system clock's, for people.
std::string utc_of(std::chrono::steady_clock::time_point at,
                   std::chrono::steady_clock::time_point steady_now,
                   std::chrono::system_clock::time_point system_now) {
  auto shift = std::chrono::duration_cast<std::chrono::system_clock::duration>(at - steady_now);
  return utc_text(system_now + shift);
}

double seconds(std::chrono::milliseconds value) {
  return static_cast<double>(value.count()) / 1000.0;
}

void write_container(writer_type& writer, const sandbox_container& container,
                     std::string_view sandbox_id, std::string_view base,
                     std::chrono::steady_clock::time_point steady_now,
                     std::chrono::system_clock::time_point system_now) {
  write_key(writer, "id");
  write_string(writer, container.id);
  write_key(writer, "container_id");
  write_string(writer, container.id);
  write_key(writer, "sandbox_id");
  write_string(writer, sandbox_id);
  write_key(writer, "model");
  write_string(writer, container.model);
  write_key(writer, "image");
  write_string(writer, container.image);
  write_key(writer, "endpoint");
  write_string(writer, sandbox_endpoint(base, sandbox_id, container.id));
  write_key(writer, "expires_at");
  write_string(writer, utc_of(container.expires_at, steady_now, system_now));
}

/// Whether `host` is a plausible Host value: a name, IPv4 or [IPv6] and an optional port.
bool is_host_value(std::string_view host) {
  return !host.empty() && host.size() <= 255
         && std::all_of(host.begin(), host.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                     || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
            });
}

} // namespace

std::string sandbox_base_url(const sandbox_config& config, std::string_view host_field,
                             const server_config& server, std::uint16_t bound_port) {
  if (!config.public_url.empty()) {
    return config.public_url;
  }
  if (is_host_value(host_field)) {
    return "http://" + std::string{host_field};
  }
  return "http://" + server.host + ":" + std::to_string(bound_port);
}

std::string sandbox_endpoint(std::string_view base, std::string_view sandbox_id,
                             std::string_view container_id) {
  std::string url{base};
  url.append(collection_path).append("/").append(sandbox_id).append("/container/");
  url.append(container_id).append("/chat");
  return url;
}

std::string sandbox_body(const sandbox_record& record, std::string_view base,
                         std::chrono::steady_clock::time_point steady_now,
                         std::chrono::system_clock::time_point system_now) {
  rapidjson::StringBuffer out;
  writer_type writer{out};
  writer.StartObject();
  write_key(writer, "id");
  write_string(writer, record.id);
  write_key(writer, "sandbox_id");
  write_string(writer, record.id);
  write_key(writer, "status");
  writer.String("running");
  write_key(writer, "image");
  write_string(writer, record.image);
  write_key(writer, "timeout");
  writer.Double(seconds(record.timeout));
  write_key(writer, "created_at");
  write_string(writer, utc_of(record.created_at, steady_now, system_now));
  write_key(writer, "expires_at");
  write_string(writer, utc_of(record.expires_at, steady_now, system_now));
  write_key(writer, "containers");
  writer.StartArray();
  for (const auto& container : record.containers) {
    if (container.pending || container.expires_at <= steady_now) {
      continue;
    }
    writer.StartObject();
    write_container(writer, container, record.id, base, steady_now, system_now);
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
  return out.GetString();
}

std::string run_body(const sandbox_run& run, std::string_view sandbox_id, std::string_view base,
                     std::chrono::steady_clock::time_point steady_now,
                     std::chrono::system_clock::time_point system_now) {
  rapidjson::StringBuffer out;
  writer_type writer{out};
  writer.StartObject();
  write_container(writer, run.container, sandbox_id, base, steady_now, system_now);
  write_key(writer, "status");
  writer.String("running");
  write_key(writer, "ignored_env");
  writer.StartArray();
  for (const auto& name : run.ignored_env) {
    write_string(writer, name);
  }
  writer.EndArray();
  writer.EndObject();
  return out.GetString();
}

boost::asio::awaitable<sandbox_outcome> sandbox_answer(
  const bhttp::request<bhttp::string_body>& request, std::string_view path,
  sandbox_service& sandboxes, std::string base_url) {
  auto target = parse_sandbox_path(path);
  if (!target) {
    co_return sandbox_outcome{error_reply(target.error()), {}};
  }
  const auto& to = target.value();
  auto method = request.method();
  bool allowed = false;
  switch (to.what) {
    case sandbox_target::kind::sandbox:
      allowed = method == bhttp::verb::get || method == bhttp::verb::head
                || method == bhttp::verb::delete_;
      break;
    default:
      allowed = method == bhttp::verb::post;
      break;
  }
  if (!allowed) {
    co_return sandbox_outcome{method_not_allowed(sandbox_methods(to.what), path), {}};
  }
  const auto& cfg = sandboxes.config();
  switch (to.what) {
    case sandbox_target::kind::collection: {
      auto parsed = parse_sandbox_request(request.body(), cfg.max_timeout,
                                          sandboxes.max_json_depth());
      if (!parsed) {
        co_return sandbox_outcome{error_reply(parsed.error()), {}};
      }
      auto made = sandboxes.create(parsed.value());
      if (!made) {
        co_return sandbox_outcome{error_reply(made.error()), {}};
      }
      auto body = sandbox_body(made.value(), base_url, std::chrono::steady_clock::now(),
                               std::chrono::system_clock::now());
      co_return sandbox_outcome{json_reply(201, std::move(body)), {}};
    }
    case sandbox_target::kind::sandbox: {
      if (method == bhttp::verb::delete_) {
        auto ended = sandboxes.terminate(to.sandbox_id);
        if (!ended) {
          co_return sandbox_outcome{error_reply(ended.error()), {}};
        }
        rapidjson::StringBuffer out;
        writer_type writer{out};
        writer.StartObject();
        write_key(writer, "id");
        write_string(writer, to.sandbox_id);
        write_key(writer, "status");
        writer.String("terminated");
        write_key(writer, "containers_removed");
        writer.Int(ended.value());
        writer.EndObject();
        co_return sandbox_outcome{json_reply(200, out.GetString()), {}};
      }
      auto found = sandboxes.get(to.sandbox_id);
      if (!found) {
        co_return sandbox_outcome{error_reply(found.error()), {}};
      }
      auto body = sandbox_body(found.value(), base_url, std::chrono::steady_clock::now(),
                               std::chrono::system_clock::now());
      co_return sandbox_outcome{json_reply(200, std::move(body)), {}};
    }
    case sandbox_target::kind::run: {
      auto parsed = parse_container_run_request(request.body(), sandboxes.max_json_depth());
      if (!parsed) {
        co_return sandbox_outcome{error_reply(parsed.error()), {}};
      }
      auto ran = co_await sandboxes.run(to.sandbox_id, std::move(parsed.value()));
      if (!ran) {
        co_return sandbox_outcome{error_reply(ran.error()), {}};
      }
      auto body = run_body(ran.value(), to.sandbox_id, base_url, std::chrono::steady_clock::now(),
                           std::chrono::system_clock::now());
      co_return sandbox_outcome{json_reply(201, std::move(body)), {}};
    }
    case sandbox_target::kind::chat: {
      auto model = sandboxes.chat_model(to.sandbox_id, to.container_id);
      if (!model) {
        co_return sandbox_outcome{error_reply(model.error()), {}};
      }
      co_return sandbox_outcome{reply{}, std::move(model.value())};
    }
  }
  co_return sandbox_outcome{no_route(path), {}};
}

} // namespace janus::http
