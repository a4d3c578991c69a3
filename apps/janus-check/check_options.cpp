#include "apps/janus-check/check_options.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <charconv>
#include <optional>

namespace janus::check {

namespace {

constexpr std::size_t mib = std::size_t{1} << 20;
constexpr std::size_t gib = std::size_t{1} << 30;

error_info usage_error(std::string message) {
  return error_info{errc::invalid_request, std::move(message)};
}

/// A whole number in [min, max]; nothing when `text` is not one.
std::optional<long long> whole_number(std::string_view text, long long min, long long max) {
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
    return std::nullopt;
  }
  return value;
}

std::optional<double> decimal_number(std::string_view text, double min, double max) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || !(value >= min && value <= max)) {
    return std::nullopt;
  }
  return value;
}

/// A positive duration (`30s`, `250ms`, `1.5`), at most an hour.
result<std::chrono::milliseconds> read_duration(const std::string& option,
                                                const std::string& text) {
  try {
    auto value = parse_duration(text, option);
    if (value.count() <= 0 || value > std::chrono::hours(1)) {
      return usage_error(option + ": must be more than 0 and at most 1h, got \"" + text + "\"");
    }
    return std::chrono::milliseconds{value};
  } catch (const config_error& error) {
    return usage_error(error.what());
  }
}

result<std::size_t> read_size(const std::string& option, const std::string& text,
                              std::size_t min, std::size_t max) {
  try {
    auto value = parse_size(text, option);
    if (value < min || value > max) {
      return usage_error(option + ": must be between " + std::to_string(min) + " and "
                         + std::to_string(max) + " bytes, got \"" + text + "\"");
    }
    return value;
  } catch (const config_error& error) {
    return usage_error(error.what());
  }
}

/// Takes the model `name` of a janusd config file: its image, env, limits and timeouts.
std::optional<error_info> take_model(check_options& options, const std::string& file,
                                     const std::string& name) {
  config cfg;
  try {
    cfg = load_config(file);
  } catch (const config_error& error) {
    return usage_error("--config " + file + ": " + error.what());
  }
  for (const auto& model : cfg.models) {
    if (model.name != name) {
      continue;
    }
    if (model.image.empty()) {
      return usage_error("--model " + name + ": the model has no image (janus-check runs images "
                         "in the Docker engine; check a running process with --url)");
    }
    options.image = model.image;
    options.env = model.env;
    options.resources = model.resources;
    options.settings.startup_timeout = model.startup_timeout;
    options.settings.stop_grace = model.stop_grace;
    options.docker_socket = cfg.docker.socket;
    options.docker_timeout = cfg.docker.call_timeout;
    options.network = model.network;
    options.docker_init = cfg.docker.init;
    options.platform_port = cfg.platform.port;
    return std::nullopt;
  }
  return usage_error("--model " + name + ": no such model in " + file);
}

} // namespace

result<endpoint> parse_loopback_url(std::string_view url) {
  auto refuse = [url](std::string why) {
    return usage_error("--url: " + why + ", got \"" + std::string{url} + "\"");
  };
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) {
    return refuse("expected http://<loopback address>:<port>");
  }
  auto rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  if (slash != std::string_view::npos) {
    if (rest.substr(slash) != "/") {
      return refuse("the URL names the server, not a path");
    }
    rest = rest.substr(0, slash);
  }
  std::string host;
  std::string_view port_text;
  if (rest.starts_with('[')) {
    auto close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      return refuse("expected [address]:port");
    }
    host = std::string{rest.substr(1, close - 1)};
    port_text = rest.substr(close + 2);
  } else {
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
      return refuse("a port is needed");
    }
    host = std::string{rest.substr(0, colon)};
    port_text = rest.substr(colon + 1);
  }
  auto port = whole_number(port_text, 1, 65535);
  if (!port) {
    return refuse("the port must be a number in [1, 65535]");
  }
  if (host == "localhost") {
    host = "127.0.0.1";
  }
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (ec || !address.is_loopback()) {
    return refuse("janus-check talks to loopback only (127.0.0.0/8, [::1], localhost)");
  }
  return endpoint{address.to_string(), static_cast<std::uint16_t>(*port)};
}

result<check_options> parse_check_options(const std::vector<std::string>& args) {
  check_options options;
  std::vector<std::pair<std::string, std::string>> given;
  std::vector<std::string> positional;
  bool json_set = false;
  static const std::vector<std::string> valued = {
    "--url",     "--startup-timeout", "--stop-grace",    "--request-timeout",
    "--max-idle-memory", "--memory",  "--cpus",          "--pids-limit",
    "--env",     "--docker-socket",   "--docker-timeout", "--config",
    "--model",   "--network",         "--init",
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      return options;
    }
    if (arg == "--version") {
      options.version = true;
      return options;
    }
    if (arg == "--json") {
      json_set = true;
      continue;
    }
    if (!arg.starts_with("-") || arg == "-") {
      positional.push_back(arg);
      continue;
    }
    auto equals = arg.find('=');
    auto name = arg.substr(0, equals);
    if (std::find(valued.begin(), valued.end(), name) == valued.end()) {
      return usage_error("unknown option " + name);
    }
    if (equals != std::string::npos) {
      given.emplace_back(name, arg.substr(equals + 1));
    } else if (i + 1 < args.size()) {
      given.emplace_back(name, args[++i]);
    } else {
      return usage_error(name + " needs a value");
    }
  }
  options.json = json_set;
  std::string model_name;
  for (const auto& [name, value] : given) {
    if (name == "--config") {
      options.config_file = value;
    } else if (name == "--model") {
      model_name = value;
    }
  }
  if (!options.config_file.empty()) {
    if (model_name.empty()) {
      return usage_error("--config needs --model NAME: the model to check");
    }
    if (auto error = take_model(options, options.config_file, model_name)) {
      return *error;
    }
  }
  if (!model_name.empty()) {
    options.settings.model = model_name;
  }
  for (const auto& [name, value] : given) {
    if (name == "--url") {
      auto target = parse_loopback_url(value);
      if (!target) {
        return target.error();
      }
      options.url = value;
      options.url_target = target.value();
    } else if (name == "--startup-timeout" || name == "--stop-grace"
               || name == "--request-timeout" || name == "--docker-timeout") {
      auto duration = read_duration(name, value);
      if (!duration) {
        return duration.error();
      }
      auto& target = name == "--startup-timeout" ? options.settings.startup_timeout
                     : name == "--stop-grace"    ? options.settings.stop_grace
                     : name == "--request-timeout" ? options.settings.request_timeout
                                                   : options.docker_timeout;
      target = duration.value();
    } else if (name == "--max-idle-memory") {
      auto size = read_size(name, value, 1, 1024 * gib);
      if (!size) {
        return size.error();
      }
      options.settings.max_idle_memory = size.value();
    } else if (name == "--memory") {
      auto size = read_size(name, value, 6 * mib, 1024 * gib);
      if (!size) {
        return size.error();
      }
      options.resources.memory = size.value();
    } else if (name == "--cpus") {
      auto cpus = decimal_number(value, 0.01, 1024);
      if (!cpus) {
        return usage_error("--cpus: must be a number between 0.01 and 1024, got \"" + value
                           + "\"");
      }
      options.resources.cpus = *cpus;
    } else if (name == "--pids-limit") {
      auto pids = whole_number(value, 8, 1000000);
      if (!pids) {
        return usage_error("--pids-limit: must be a whole number between 8 and 1000000, got \""
                           + value + "\"");
      }
      options.resources.pids_limit = static_cast<int>(*pids);
    } else if (name == "--env") {
      auto equals = value.find('=');
      if (equals == std::string::npos || equals == 0) {
        return usage_error("--env: expected NAME=VALUE, got \"" + value + "\"");
      }
      options.env[value.substr(0, equals)] = value.substr(equals + 1);
    } else if (name == "--docker-socket") {
      if (value.empty() || value.front() != '/') {
        return usage_error("--docker-socket: expected an absolute path, got \"" + value + "\"");
      }
      options.docker_socket = value;
    } else if (name == "--network") {
      if (value != "isolated" && value != "bridge") {
        return usage_error("--network: expected isolated or bridge, got \"" + value + "\"");
      }
      options.network = value == "bridge" ? network_mode::bridge : network_mode::isolated;
    } else if (name == "--init") {
      if (value.empty() || value.front() != '/') {
        return usage_error("--init: expected an absolute path, got \"" + value + "\"");
      }
      options.docker_init = value;
    }
  }
  if (positional.size() > 1) {
    return usage_error("one image at a time, got " + std::to_string(positional.size()));
  }
  if (!positional.empty()) {
    options.image = positional.front();
  }
  if (!options.url.empty() && !positional.empty()) {
    return usage_error("give an IMAGE or --url, not both");
  }
  if (!options.url.empty() && !options.config_file.empty()) {
    return usage_error("--config runs the model's image: it does not go with --url");
  }
  if (options.url.empty() && options.image.empty()) {
    return usage_error("an IMAGE to check, or --url of a running server, is needed");
  }
  return options;
}

std::string usage_text() {
  return R"(usage: janus-check [options] IMAGE
       janus-check [options] --url http://127.0.0.1:PORT
       janus-check [options] --config janusd.yaml --model NAME

Checks that a model container serves the Janus container contract: starts IMAGE in the Docker
engine the way janusd runs it (hardened, with the model's limits, isolated: no network but its
own loopback and a platform endpoint, which needs root), checks each rule and removes the
container. --url checks a server that already runs (no Docker; sigterm and
idle_memory are skipped). Exit status: 0 every required rule holds, 1 a rule failed,
2 usage error, 3 no Docker engine answers or the image is not there.

options:
  --json                    the report as JSON instead of a table
  --startup-timeout D       how long /health may take to answer 200 (30s)
  --stop-grace D            grace period between SIGTERM and the kill (10s)
  --request-timeout D       deadline of each request to the container (10s)
  --max-idle-memory SIZE    fail when the ready container uses more memory
  --memory SIZE             the container's memory limit (512MiB)
  --cpus N                  its CPU quota in cores (1)
  --pids-limit N            its process limit (256)
  --env NAME=VALUE          an environment variable of the container (repeatable)
  --model NAME              the model the chat requests name (janus-check)
  --config FILE             with --model: check that model as this janusd config runs it
  --docker-socket PATH      the Docker Engine API's socket (/var/run/docker.sock)
  --docker-timeout D        bound of each call to the Docker engine (30s)
  --network MODE            isolated (janusd's default) or bridge (published on 127.0.0.1)
  --init PATH               janus-init for isolated containers (beside janus-check)
  --version, -h/--help
Durations: 30s, 250ms, 2m; sizes: 512MiB, 1GiB.
)";
}

} // namespace janus::check
