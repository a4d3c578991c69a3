// What the platform endpoint adds to a call: GET /v1/models of a real janus-baseline, called
// directly and through a platform endpoint (in-process platform_server, route /v1/models ->
// the baseline), each over one keep-alive connection, alternating blocks of calls so that drift
// hits both alike. Prints p50/p90/p99 of both, the added p50 (goal: <= 50 us) and the ratio.
// Run: build/bin/janus_platform_bench [calls=20000]; it stops by itself (loopback only).

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
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

  /// Nanoseconds of one GET `target`, answer read in full; aborts on anything but 200.
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
      std::fprintf(stderr, "unexpected status %u: %s\n", res.result_int(), res.body().c_str());
      std::exit(1);
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

} // namespace

int main(int argc, char** argv) {
  int calls = 20000;
  if (argc > 2 || (argc == 2 && !parse_calls(argv[1], calls))) {
    std::fprintf(stderr, "usage: janus_platform_bench [CALLS]   (CALLS: 100 to 10000000, "
                         "default 20000)\n");
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
  asio::io_context io;
  timed_client direct{io, port, ""};
  timed_client through{io, grant.value().port, "Bearer " + grant.value().token};
  for (int i = 0; i < 500; ++i) { // warm-up: connections, pools, caches
    direct.call("/v1/models");
    through.call("/v1/models");
  }
  std::vector<double> direct_ns;
  std::vector<double> platform_ns;
  constexpr int block = 100;
  for (int done = 0; done < calls; done += block) {
    for (int i = 0; i < block; ++i) {
      direct_ns.push_back(direct.call("/v1/models"));
    }
    for (int i = 0; i < block; ++i) {
      platform_ns.push_back(through.call("/v1/models"));
    }
  }
  auto us = [](double ns) { return ns / 1000.0; };
  double d50 = percentile(direct_ns, 0.5);
  double p50 = percentile(platform_ns, 0.5);
  std::printf("platform endpoint bench: %zu calls each, GET /v1/models of janus-baseline\n",
              direct_ns.size());
  std::printf("  direct:   p50 %8.1f us  p90 %8.1f us  p99 %8.1f us\n", us(d50),
              us(percentile(direct_ns, 0.9)), us(percentile(direct_ns, 0.99)));
  std::printf("  platform: p50 %8.1f us  p90 %8.1f us  p99 %8.1f us\n", us(p50),
              us(percentile(platform_ns, 0.9)), us(percentile(platform_ns, 0.99)));
  std::printf("  added p50: %.1f us (goal <= 50 us), ratio platform/direct p50: %.2f\n",
              us(p50 - d50), p50 / d50);
  return 0;
}
