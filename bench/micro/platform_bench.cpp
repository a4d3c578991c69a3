// What the platform endpoint adds to a call: GET /v1/models of a real janus-baseline, called
// directly, through a platform endpoint (in-process platform_server, route /v1/models -> the
// baseline) and, when Debian's nginx is installed, through nginx (one process, keep-alive
// upstream: what a reference proxy adds to the same call on the same machine at the same time),
// each over one keep-alive connection, in alternating blocks of calls so that drift hits all
// alike. Prints p50/p90/p99 of each, the added p50 (goal: <= 50 us) and the ratios.
// Run: build/bin/janus_platform_bench [CALLS] [--md FILE]; it stops by itself (loopback only).

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "http/platform_server.hpp"
#include "logging/setup.hpp"
#include "metrics/registry.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/ports.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

/// One keep-alive client connection that times each GET.
class timed_client {
public:
  timed_client(asio::io_context& io, std::uint16_t port, std::string authorization)
    : socket_(io), authorization_(std::move(authorization)) {
    socket_.connect({asio::ip::address_v4::loopback(), port});
    socket_.set_option(tcp::no_delay{true});
  }

  /// Nanoseconds of one GET `target`, answer read in full; throws on anything but 200.
  double call(const char* target) {
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    if (!authorization_.empty()) {
      req.set(bhttp::field::authorization, authorization_);
    }
    auto began = clock_type::now();
    bhttp::write(socket_, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(socket_, buffer_, res);
    auto took = clock_type::now() - began;
    if (res.result_int() != 200) {
      throw std::runtime_error("unexpected status " + std::to_string(res.result_int()) + ": "
                               + res.body());
    }
    return std::chrono::duration<double, std::nano>(took).count();
  }

private:
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::string authorization_;
};

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

/// `text` as a number of calls (100 to 10,000,000): a block of 100 of each kind at least.
bool parse_calls(std::string_view text, int& calls) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 100 || value > 10'000'000) {
    return false;
  }
  calls = value;
  return true;
}

void print_row(const char* name, const std::vector<double>& ns) {
  std::printf("  %-9s p50 %8.1f us  p90 %8.1f us  p99 %8.1f us\n", name,
              percentile(ns, 0.5) / 1000.0, percentile(ns, 0.9) / 1000.0,
              percentile(ns, 0.99) / 1000.0);
}

/// Debian's nginx as a single process on `port` in front of the baseline on `upstream`, with a
/// keep-alive upstream pool as bench/nginx.conf.in has; nothing when nginx is not installed.
std::optional<janus::test::child_process> start_nginx(std::uint16_t port, std::uint16_t upstream,
                                                      const std::filesystem::path& dir) {
  const std::filesystem::path nginx = "/usr/sbin/nginx";
  if (!std::filesystem::exists(nginx)) {
    return std::nullopt;
  }
  std::filesystem::create_directories(dir);
  auto conf = dir / "nginx.conf";
  std::ofstream{conf} << "worker_processes 1;\ndaemon off;\nmaster_process off;\n"
                      << "pid " << (dir / "nginx.pid").string() << ";\n"
                      << "error_log " << (dir / "error.log").string() << " warn;\n"
                      << R"(events { worker_connections 64; }
http {
  access_log off;
  keepalive_requests 100000000;
  upstream baseline {
    server 127.0.0.1:)" << upstream << R"(;
    keepalive 4;
    keepalive_requests 100000000;
  }
  server {
    listen 127.0.0.1:)" << port << R"(;
    location / {
      proxy_pass http://baseline;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
)";
  janus::test::child_process process{{nginx.string(), "-p", dir.string(), "-c", conf.string()},
                                     {},
                                     dir / "nginx.log"};
  if (!janus::test::wait_for_http(port, "/v1/models", std::chrono::seconds(10))) {
    std::fprintf(stderr, "nginx did not come up (see %s)\n", (dir / "error.log").c_str());
    return std::nullopt;
  }
  return process;
}

/// The docs/benchmarks.md section of this run (bench/run.sh): the figures and the target row,
/// which bench/report.py also lists at the top.
void write_section(const std::string& path, const std::vector<double>& direct,
                   const std::vector<double>& platform, const std::vector<double>& nginx) {
  std::ofstream out{path};
  auto us = [](const std::vector<double>& ns, double p) { return percentile(ns, p) / 1000.0; };
  out << "## Platform endpoint\n\n"
      << "What a container's platform endpoint adds to a call: `GET /v1/models` of a real "
         "janus-baseline, called directly, through an in-process platform endpoint (route "
         "`/v1/models` to the baseline) and through nginx (one process, keep-alive upstream), "
         "each over one keep-alive connection, in alternating blocks of 100 calls; "
      << direct.size() << " calls each. Command: `build/bin/janus_platform_bench`.\n\n"
      << "| system | p50 µs | p90 µs | p99 µs |\n| --- | ---: | ---: | ---: |\n";
  auto row = [&](const char* name, const std::vector<double>& ns) {
    char line[160];
    std::snprintf(line, sizeof(line), "| %s | %.1f | %.1f | %.1f |\n", name, us(ns, 0.5),
                  us(ns, 0.9), us(ns, 0.99));
    out << line;
  };
  row("direct", direct);
  row("platform endpoint", platform);
  if (!nginx.empty()) {
    row("nginx", nginx);
  }
  double added = us(platform, 0.5) - us(direct, 0.5);
  char line[200];
  out << "\n| measure | value | goal | met |\n| --- | ---: | --- | --- |\n";
  std::snprintf(line, sizeof(line), "| platform endpoint: added p50 over direct | %.1f µs | "
                "≤ 50 µs | %s |\n", added, added <= 50.0 ? "yes" : "**no**");
  out << line;
  if (!nginx.empty()) {
    double nginx_added = us(nginx, 0.5) - us(direct, 0.5);
    std::snprintf(line, sizeof(line), "| (nginx: added p50 over direct, same calls) | %.1f µs | "
                  "(info) | |\n| (platform added / nginx added) | %.2f× | (info) | |\n",
                  nginx_added, added / nginx_added);
    out << line;
  }
}

} // namespace

int run(int argc, char** argv) {
  int calls = 20000;
  std::string md_path;
  bool usage_error = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--md" && i + 1 < argc) {
      md_path = argv[++i];
    } else if (!parse_calls(arg, calls)) {
      usage_error = true;
    }
  }
  if (usage_error) {
    std::fprintf(stderr, "usage: janus_platform_bench [CALLS] [--md FILE]   (CALLS: 100 to "
                         "10000000, default 20000; --md writes a docs/benchmarks.md section)\n");
    return 2;
  }
  janus::logging::configure({spdlog::level::warn, false});
  auto port = janus::test::free_port();
  janus::test::child_process baseline{
    {std::string{JANUS_BIN_DIR} + "/janus-baseline"},
    {{"PORT", std::to_string(port)}, {"HOST", "127.0.0.1"}},
    std::filesystem::temp_directory_path() / "janus-platform-bench-baseline.log"};
  if (!janus::test::wait_for_http(port, "/health", std::chrono::seconds(10))) {
    std::fprintf(stderr, "janus-baseline did not come up\n");
    return 1;
  }
  janus::metrics::registry registry;
  janus::platform_config cfg;
  janus::platform_route route;
  route.prefix = "/v1/models";
  route.upstream = "http://127.0.0.1:" + std::to_string(port) + "/v1/models";
  route.rate = 0;
  cfg.routes.push_back(route);
  janus::http::platform_server server{cfg, registry};
  server.start();
  auto grant = server.open({"bench", "bench-1"});
  if (!grant) {
    std::fprintf(stderr, "%s\n", grant.error().message.c_str());
    return 1;
  }
  auto nginx_port = janus::test::free_port();
  auto nginx = start_nginx(nginx_port, port,
                           std::filesystem::temp_directory_path() / "janus-platform-bench-nginx");
  asio::io_context io;
  timed_client direct{io, port, ""};
  timed_client through{io, grant.value().port, "Bearer " + grant.value().token};
  std::optional<timed_client> via_nginx;
  if (nginx) {
    via_nginx.emplace(io, nginx_port, "");
  }
  for (int i = 0; i < 500; ++i) { // warm-up: connections, pools, caches
    direct.call("/v1/models");
    through.call("/v1/models");
    if (via_nginx) {
      via_nginx->call("/v1/models");
    }
  }
  std::vector<double> direct_ns;
  std::vector<double> platform_ns;
  std::vector<double> nginx_ns;
  constexpr int block = 100;
  for (int done = 0; done < calls; done += block) {
    for (int i = 0; i < block; ++i) {
      direct_ns.push_back(direct.call("/v1/models"));
    }
    for (int i = 0; i < block; ++i) {
      platform_ns.push_back(through.call("/v1/models"));
    }
    for (int i = 0; via_nginx && i < block; ++i) {
      nginx_ns.push_back(via_nginx->call("/v1/models"));
    }
  }
  double d50 = percentile(direct_ns, 0.5);
  double p50 = percentile(platform_ns, 0.5);
  std::printf("platform endpoint bench: %zu calls each, GET /v1/models of janus-baseline\n",
              direct_ns.size());
  print_row("direct:", direct_ns);
  print_row("platform:", platform_ns);
  if (via_nginx) {
    print_row("nginx:", nginx_ns);
  }
  std::printf("  added p50: %.1f us (goal <= 50 us), ratio platform/direct p50: %.2f\n",
              (p50 - d50) / 1000.0, p50 / d50);
  if (via_nginx) {
    double n50 = percentile(nginx_ns, 0.5);
    std::printf("  nginx added p50: %.1f us; platform added / nginx added: %.2f\n",
                (n50 - d50) / 1000.0, (p50 - d50) / (n50 - d50));
  } else {
    std::printf("  nginx: not installed (scripts/install-deps.sh installs it), no comparison\n");
  }
  if (!md_path.empty()) {
    write_section(md_path, direct_ns, platform_ns, nginx_ns);
  }
  return 0;
}

int main(int argc, char** argv) {
  // An exception must still unwind: the baseline's and nginx's destructors stop them.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "janus_platform_bench: %s\n", e.what());
    return 1;
  }
}
