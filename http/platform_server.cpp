#include "http/platform_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "http/platform_context.hpp"
#include "http/platform_endpoint.hpp"
#include "http/platform_shared.hpp"
#include "logging/event.hpp"

namespace janus::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr int listen_backlog = 1024;

/// The variables of the container contract that point at an endpoint.
std::map<std::string, std::string> contract_env(std::uint16_t port, const std::string& token,
                                                bool egress) {
  auto base = "http://127.0.0.1:" + std::to_string(port);
  std::map<std::string, std::string> env{
    {"JANUS_PLATFORM_URL", base},
    {"JANUS_LLM_API_KEY", token},
    {"JANUS_SEARCH_URL", base + "/search"},
    {"JANUS_MEMORY_URL", base + "/memory"},
  };
  if (egress) {
    // The token as the proxy URL's password: clients send it as Proxy-Authorization (Basic).
    auto proxy = "http://janus:" + token + "@127.0.0.1:" + std::to_string(port);
    env["HTTPS_PROXY"] = proxy;
    env["https_proxy"] = proxy;
    env["NO_PROXY"] = "127.0.0.1,localhost";
    env["no_proxy"] = "127.0.0.1,localhost";
  }
  return env;
}

} // namespace

std::string new_platform_token() {
  unsigned char random[32];
  std::size_t got = 0;
  while (got < sizeof(random)) {
    auto n = ::getrandom(random + got, sizeof(random) - got, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw std::runtime_error(std::string{"getrandom: "} + std::strerror(errno));
    }
    got += static_cast<std::size_t>(n);
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string token;
  token.reserve(sizeof(random) * 2);
  for (auto byte : random) {
    token.push_back(hex[byte >> 4]);
    token.push_back(hex[byte & 0xf]);
  }
  return token;
}

platform_server::platform_server(platform_config cfg, metrics::registry& registry)
  : shared_(std::make_unique<platform_shared>(std::move(cfg), registry)) {
  for (int i = 0; i < shared_->config.threads; ++i) {
    contexts_.push_back(std::make_unique<platform_context>());
  }
}

platform_server::~platform_server() {
  for (auto& context : contexts_) {
    context->stop();
  }
  std::lock_guard lock{mutex_};
  endpoints_.clear();
}

void platform_server::start() {
  for (auto& context : contexts_) {
    context->start();
  }
}

result<platform_grant> platform_server::open(const endpoint_owner& owner) {
  return open_endpoint(owner, -1, {});
}

result<platform_grant> platform_server::open_on(const endpoint_owner& owner, int listen_fd) {
  if (listen_fd < 0) {
    return error_info{errc::internal, "open_on: no listening socket given"};
  }
  return open_endpoint(owner, listen_fd, {});
}

platform_grant platform_server::grant_for(std::uint16_t port) const {
  platform_grant grant;
  grant.port = port;
  grant.token = new_platform_token();
  grant.env = contract_env(port, grant.token, !shared_->egress.empty());
  return grant;
}

result<platform_grant> platform_server::open_on(const endpoint_owner& owner, int listen_fd,
                                                std::string token) {
  if (listen_fd < 0) {
    return error_info{errc::internal, "open_on: no listening socket given"};
  }
  if (token.empty()) {
    ::close(listen_fd);
    return error_info{errc::internal, "open_on: the container's token is empty"};
  }
  return open_endpoint(owner, listen_fd, std::move(token));
}

result<platform_grant> platform_server::open_endpoint(const endpoint_owner& owner,
                                                      int listen_fd, std::string token) {
  auto index = next_context_.fetch_add(1, std::memory_order_relaxed) % contexts_.size();
  auto& context = *contexts_[index];
  tcp::acceptor acceptor{context.io()};
  boost::system::error_code ec;
  if (listen_fd < 0) {
    acceptor.open(tcp::v4(), ec);
    if (!ec) {
      acceptor.bind(tcp::endpoint{asio::ip::address_v4::loopback(), 0}, ec);
    }
    if (!ec) {
      acceptor.listen(listen_backlog, ec);
    }
  } else {
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ec.assign(errno, boost::system::system_category());
      ::close(listen_fd);
    } else {
      acceptor.assign(address.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), listen_fd, ec);
      if (ec) {
        ::close(listen_fd);
      }
    }
  }
  if (ec) {
    return error_info{errc::no_capacity, "cannot open a platform endpoint for container "
                                           + owner.container + ": " + ec.message()};
  }
  auto port = acceptor.local_endpoint(ec).port();
  if (ec) {
    return error_info{errc::no_capacity, "platform endpoint: " + ec.message()};
  }
  platform_grant grant;
  grant.port = port;
  grant.token = token.empty() ? new_platform_token() : std::move(token);
  grant.env = contract_env(port, grant.token, !shared_->egress.empty());
  auto endpoint = std::make_shared<platform_endpoint>(context, *shared_, owner, grant.token,
                                                      std::move(acceptor));
  {
    std::lock_guard lock{mutex_};
    auto [it, added] = endpoints_.emplace(owner.container, endpoint);
    if (!added) {
      return error_info{errc::conflict,
                        "container " + owner.container + " has a platform endpoint already"};
    }
  }
  asio::post(context.io(), [endpoint] { endpoint->start(); });
  logging::event{"platform endpoint opened"}
    .field("model", owner.model)
    .field("container", owner.container)
    .field("port", port)
    .debug();
  return grant;
}

void platform_server::close(const std::string& container) {
  std::shared_ptr<platform_endpoint> endpoint;
  {
    std::lock_guard lock{mutex_};
    auto it = endpoints_.find(container);
    if (it == endpoints_.end()) {
      return;
    }
    endpoint = std::move(it->second);
    endpoints_.erase(it);
  }
  auto& io = endpoint->home().io();
  asio::post(io, [endpoint] { endpoint->close(); });
  logging::event{"platform endpoint closed"}
    .field("model", endpoint->owner().model)
    .field("container", container)
    .debug();
}

std::size_t platform_server::endpoint_count() const {
  std::lock_guard lock{mutex_};
  return endpoints_.size();
}

void platform_server::remove_model_metrics(std::string_view model) {
  shared_->metrics.remove_model(model);
}

} // namespace janus::http
