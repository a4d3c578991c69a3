// New connections to a container, side by side: to a bridged one through its published port on
// the host's 127.0.0.1, and to an isolated one inside its network namespace through sockets of
// janusd's socket factory (a spare taken at once, or one made on the factory's thread). Each
// sample is a whole `GET /health` on a new connection (socket, connect, request, answer, close)
// and, apart, the socket + connect alone. Prints median and p90 in microseconds. Run by
// bench/isolation.sh, which starts the two containers:
//   netns_connect_bench --pid <isolated container's State.Pid> --port <bridged host port> [--n N]

#include "runtime/netns.hpp"
#include "runtime/netns_factory.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct timing {
  double connect_us = 0;
  double exchange_us = 0;
};

/// Connects `fd` to 127.0.0.1:`port` (blocking), sends GET /health, reads the answer to its end.
/// Owns `fd`. False on any failure.
bool health_over(int fd, std::uint16_t port, clock_type::time_point began, timing& out) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return false;
  }
  auto connected = clock_type::now();
  static constexpr char request[] = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::write(fd, request, sizeof(request) - 1) != static_cast<ssize_t>(sizeof(request) - 1)) {
    ::close(fd);
    return false;
  }
  char buffer[1024];
  std::string answer;
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) {
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto done = clock_type::now();
  out.connect_us = std::chrono::duration<double, std::micro>(connected - began).count();
  out.exchange_us = std::chrono::duration<double, std::micro>(done - began).count();
  return answer.starts_with("HTTP/1.1 200");
}

int made_socket(janus::netns& ns) {
  std::promise<janus::result<int>> answer;
  auto got = answer.get_future();
  ns.make_socket([&answer](janus::result<int> made) { answer.set_value(std::move(made)); });
  auto made = got.get();
  return made ? made.value() : -1;
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(rank, values.size() - 1)];
}

struct series {
  const char* name;
  std::vector<timing> samples;
};

void print(const std::vector<series>& all) {
  std::printf("| connection | connect p50 us | connect p90 us | GET /health p50 us | GET /health p90 us |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: |\n");
  for (const auto& s : all) {
    std::vector<double> connect;
    std::vector<double> exchange;
    for (const auto& t : s.samples) {
      connect.push_back(t.connect_us);
      exchange.push_back(t.exchange_us);
    }
    std::printf("| %s | %.0f | %.0f | %.0f | %.0f |\n", s.name, percentile(connect, 50),
                percentile(connect, 90), percentile(exchange, 50), percentile(exchange, 90));
  }
}

} // namespace

int main(int argc, char** argv) {
  pid_t pid = 0;
  int port = 0;
  int n = 500;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--pid") {
      pid = std::atoi(argv[i + 1]);
    } else if (flag == "--port") {
      port = std::atoi(argv[i + 1]);
    } else if (flag == "--n") {
      n = std::atoi(argv[i + 1]);
    }
  }
  if (pid <= 0 || port <= 0 || port > 65535 || n < 10 || n > 100000) {
    std::fprintf(stderr, "usage: netns_connect_bench --pid PID --port HOST_PORT [--n 10..100000]\n");
    return 2;
  }
  janus::netns_factory with_spares{4};
  janus::netns_factory without_spares{0};
  auto spare_ns = with_spares.open(pid);
  auto bare_ns = without_spares.open(pid);
  if (!spare_ns || !bare_ns) {
    std::fprintf(stderr, "netns_connect_bench: %s\n",
                 (spare_ns ? bare_ns : spare_ns).error().message.c_str());
    return 1;
  }
  std::vector<series> all{{"bridged: host socket to the published port", {}},
                          {"isolated: spare socket in its namespace", {}},
                          {"isolated: socket made by the factory", {}}};
  auto host_port = static_cast<std::uint16_t>(port);
  // Interleaved, so that a noisy neighbour hits every kind alike.
  for (int i = 0; i < n; ++i) {
    timing t;
    auto began = clock_type::now();
    if (health_over(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), host_port, began, t)) {
      all[0].samples.push_back(t);
    }
    spare_ns.value()->fill_spares();
    std::this_thread::sleep_for(std::chrono::microseconds(500));
    began = clock_type::now();
    int spare = spare_ns.value()->take_spare();
    if (spare < 0) {
      spare = made_socket(*spare_ns.value());
    }
    if (spare >= 0 && health_over(spare, 8080, began, t)) {
      all[1].samples.push_back(t);
    }
    began = clock_type::now();
    int made = made_socket(*bare_ns.value());
    if (made >= 0 && health_over(made, 8080, began, t)) {
      all[2].samples.push_back(t);
    }
  }
  for (const auto& s : all) {
    if (s.samples.size() < static_cast<std::size_t>(n) * 9 / 10) {
      std::fprintf(stderr, "netns_connect_bench: %s: only %zu of %d samples succeeded\n", s.name,
                   s.samples.size(), n);
      return 1;
    }
  }
  std::printf("New connections, %d samples each, interleaved (socket + connect; and a whole GET "
              "/health on the new connection):\n\n",
              n);
  print(all);
  return 0;
}
