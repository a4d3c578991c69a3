#include "apps/janusd/platform_stub.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <unistd.h>

#include <vector>

#include "logging/event.hpp"

namespace janus {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto nothrow = net::as_tuple(net::use_awaitable);

std::string not_found_body(std::string_view target) {
  std::string path;
  for (char c : target.substr(0, 200)) {
    // Kept printable and JSON-safe: the path is the container's, echoed for its own reading.
    path += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? c : '?';
  }
  return R"json({"error":{"message":"no platform route for )json" + path
         + R"json( (the platform server is not wired into this janusd yet)","type":)json"
           R"json("invalid_request_error","param":null,"code":"not_found"}})json";
}

} // namespace

/// One endpoint: its acceptor and the connections it has open.
struct platform_stub::endpoint_state {
  explicit endpoint_state(net::io_context& io) : acceptor(io) {
  }

  void close() {
    beast::error_code ignored;
    acceptor.close(ignored);
    for (auto& weak : connections) {
      if (auto connection = weak.lock()) {
        connection->socket().close(ignored);
      }
    }
    connections.clear();
  }

  tcp::acceptor acceptor;
  std::vector<std::weak_ptr<beast::tcp_stream>> connections;
};

namespace {

net::awaitable<void> answer(std::shared_ptr<beast::tcp_stream> stream) {
  beast::flat_buffer buffer;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(16 * 1024);
  stream->expires_after(std::chrono::seconds(10));
  auto [read_ec, read] = co_await http::async_read_header(*stream, buffer, parser, nothrow);
  if (read_ec) {
    co_return;
  }
  http::response<http::string_body> response{http::status::not_found, 11};
  response.set(http::field::content_type, "application/json");
  response.keep_alive(false);
  response.body() = not_found_body(parser.get().target());
  response.prepare_payload();
  co_await http::async_write(*stream, response, nothrow);
  beast::error_code ignored;
  stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
}

} // namespace

net::awaitable<void> platform_stub::accept_loop(std::shared_ptr<endpoint_state> endpoint) {
  net::steady_timer pause{endpoint->acceptor.get_executor()};
  while (endpoint->acceptor.is_open()) {
    auto [ec, socket] = co_await endpoint->acceptor.async_accept(nothrow);
    if (ec) {
      if (ec == net::error::operation_aborted || !endpoint->acceptor.is_open()) {
        co_return;
      }
      // Out of descriptors, or the like: not in a tight loop.
      pause.expires_after(std::chrono::milliseconds(10));
      co_await pause.async_wait(nothrow);
      continue;
    }
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    std::erase_if(endpoint->connections, [](const auto& weak) { return weak.expired(); });
    endpoint->connections.push_back(stream);
    net::co_spawn(endpoint->acceptor.get_executor(), answer(stream), net::detached);
  }
}

platform_stub::platform_stub() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {
}

platform_stub::~platform_stub() {
  net::post(io_, [this] {
    for (auto& [name, endpoint] : endpoints_) {
      endpoint->close();
    }
    endpoints_.clear();
  });
  // After the closes (one thread: in order); what is still pending is dropped with io_.
  net::post(io_, [this] { io_.stop(); });
  work_.reset();
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::map<std::string, std::string> platform_stub::prepare(const platform_owner& owner,
                                                          std::uint16_t port) {
  return {{"JANUS_PLATFORM_URL", "http://127.0.0.1:" + std::to_string(port)}};
}

void platform_stub::serve(const platform_owner& owner,
                          const std::map<std::string, std::string>& env, int listen_fd) {
  net::post(io_, [this, owner, listen_fd] {
    auto endpoint = std::make_shared<endpoint_state>(io_);
    beast::error_code ec;
    endpoint->acceptor.assign(tcp::v4(), listen_fd, ec);
    if (ec) {
      ::close(listen_fd);
      logging::event{"platform stand-in: cannot take the endpoint's socket"}
        .field("container", owner.container_id)
        .field("error", ec.message())
        .warn();
      return;
    }
    if (auto old = endpoints_.find(owner.name); old != endpoints_.end()) {
      old->second->close();
    }
    endpoints_[owner.name] = endpoint;
    net::co_spawn(io_, accept_loop(endpoint), net::detached);
  });
}

void platform_stub::close(const std::string& name) {
  net::post(io_, [this, name] {
    if (auto it = endpoints_.find(name); it != endpoints_.end()) {
      it->second->close();
      endpoints_.erase(it);
    }
  });
}

} // namespace janus
