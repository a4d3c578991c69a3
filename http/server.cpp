#include "http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <array>
#include <cerrno>
#include <future>
#include <stdexcept>
#include <thread>

#include "http/error_response.hpp"
#include "logging/event.hpp"

namespace janus::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::size_t thread_count(const server_config& cfg) {
  if (cfg.threads > 0) {
    return static_cast<std::size_t>(cfg.threads);
  }
  auto cores = std::thread::hardware_concurrency();
  return cores > 0 ? cores : 1;
}

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

/// Connections refused at once at most; past it a refused connection is closed unanswered.
constexpr std::size_t max_refusing = 64;

/// How long a refused connection may take to read its 503 before it is closed.
constexpr auto refusal_time = std::chrono::milliseconds(500);

/// The shortest and the longest pause between accept attempts while out of descriptors.
constexpr auto first_backoff = std::chrono::milliseconds(10);
constexpr auto longest_backoff = std::chrono::milliseconds(200);

/// Whether an accept failed because janusd (or the system) ran out of descriptors or memory:
/// the pending connection stays in the backlog, and trying again at once would fail again.
bool is_exhaustion(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space
         || ec == asio::error::no_memory
         || (ec.category() == boost::system::system_category() && ec.value() == ENFILE);
}

/// The whole 503 answer to a connection past max_connections.
std::string too_many_connections_answer(std::size_t limit) {
  auto rendered = make_error_response(
    {errc::too_many_connections, "janusd serves at most " + std::to_string(limit)
                                   + " connections at once (server.max_connections); try again later"});
  std::string answer = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n";
  answer += "Retry-After: " + std::to_string(rendered.retry_after) + "\r\n";
  answer += "Connection: close\r\nContent-Length: " + std::to_string(rendered.body.size()) + "\r\n\r\n";
  answer += rendered.body;
  return answer;
}

/// Writes the 503, stops sending, and drops what the client still sends until it closes or
/// refusal_time passed, so the answer is not lost to a reset.
asio::awaitable<void> refuse_connection(tcp::socket socket, std::string answer,
                                        connection_slot place) {
  boost::beast::tcp_stream stream{std::move(socket)};
  stream.expires_after(refusal_time);
  auto [write_ec, written] = co_await asio::async_write(stream, asio::buffer(answer), nothrow);
  boost::system::error_code ec = write_ec;
  if (!ec) {
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }
  std::array<char, 4096> sink;
  while (!ec) {
    std::size_t n = 0;
    std::tie(ec, n) = co_await stream.async_read_some(asio::buffer(sink), nothrow);
  }
  stream.socket().close(ec);
}

/// Runs `work` on the shard's thread and waits for it (main thread only).
template <class Work>
void run_on(shard& target, Work work) {
  std::promise<void> done;
  asio::post(target.io(), [&] {
    work();
    done.set_value();
  });
  done.get_future().wait();
}

} // namespace

server::server(const server_config& cfg, broker& pools, server_hooks hooks)
  : cfg_(cfg),
    pools_(pools),
    hooks_(std::move(hooks)),
    open_connections_(std::make_shared<connection_slot::counter>(0)),
    refusing_(std::make_shared<connection_slot::counter>(0)),
    acceptor_([this, &cfg]() -> asio::io_context& {
      auto n = thread_count(cfg);
      for (std::size_t i = 0; i < n; ++i) {
        shards_.push_back(std::make_unique<shard>(cfg, i));
      }
      return shards_.front()->io();
    }()),
    accept_retry_(acceptor_.get_executor()) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(cfg.host, ec);
  if (ec) {
    throw std::runtime_error("server.listen: bad address " + cfg.host);
  }
  tcp::endpoint where{address, cfg.port};
  acceptor_.open(where.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(where, ec);
  if (ec) {
    throw std::runtime_error("server.listen: cannot listen on " + cfg.host + ":"
                             + std::to_string(cfg.port) + ": " + ec.message());
  }
  acceptor_.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
}

server::~server() {
  stop();
}

void server::start() {
  accepting_ = true;
  for (auto& s : shards_) {
    s->start();
  }
  asio::post(acceptor_.get_executor(), [this] { accept(); });
}

void server::accept() {
  auto& target = *shards_[next_shard_];
  next_shard_ = (next_shard_ + 1) % shards_.size();
  acceptor_.async_accept(target.io(), [this, &target](boost::system::error_code ec, tcp::socket socket) {
    if (!accepting_ || ec == asio::error::operation_aborted) {
      return;
    }
    if (is_exhaustion(ec)) {
      back_off(ec);
      return;
    }
    accept_backoff_ = std::chrono::milliseconds::zero();
    if (!ec) {
      admit(std::move(socket), target);
    }
    accept();
  });
}

void server::admit(tcp::socket socket, shard& target) {
  if (cfg_.max_connections > 0 && open_connections_->load(std::memory_order_relaxed) >= cfg_.max_connections) {
    if (refusing_->load(std::memory_order_relaxed) >= max_refusing) {
      boost::system::error_code ignored;
      socket.close(ignored);
      return;
    }
    refusing_->fetch_add(1, std::memory_order_relaxed);
    connection_slot refusal{refusing_};
    asio::co_spawn(target.io(),
                   refuse_connection(std::move(socket), too_many_connections_answer(cfg_.max_connections),
                                     std::move(refusal)),
                   asio::detached);
    return;
  }
  open_connections_->fetch_add(1, std::memory_order_relaxed);
  connection_slot place{open_connections_};
  // The session is made on its own shard's thread: its registry is that thread's alone.
  asio::post(target.io(), [this, &target, socket = std::move(socket), place = std::move(place)]() mutable {
    std::make_shared<session>(std::move(socket), target, cfg_, pools_, hooks_, std::move(place))->start();
  });
}

void server::back_off(const boost::system::error_code& ec) {
  // Out of descriptors: say so (once a second at most), then try again after a pause that
  // doubles while the shortage lasts; the shard's thread goes on serving meanwhile.
  accept_backoff_ = std::min(std::max(accept_backoff_ * 2, first_backoff), longest_backoff);
  auto now = std::chrono::steady_clock::now();
  if (now - fds_warned_ >= std::chrono::seconds(1)) {
    fds_warned_ = now;
    logging::event{"cannot accept a connection: janusd ran out of file descriptors"}
      .field("detail", ec.message())
      .field("retry_ms", accept_backoff_.count())
      .warn();
  }
  accept_retry_.expires_after(accept_backoff_);
  accept_retry_.async_wait([this](boost::system::error_code wait_ec) {
    if (!wait_ec && accepting_) {
      accept();
    }
  });
}

std::size_t server::drain(std::chrono::milliseconds timeout) {
  run_on(*shards_.front(), [this] {
    accepting_ = false;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
  });
  for (auto& s : shards_) {
    run_on(*s, [&s] { s->drain_sessions(); });
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (connection_count() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto left = connection_count();
  for (auto& s : shards_) {
    run_on(*s, [&s] { s->close_sessions(); });
  }
  return left;
}

void server::stop() {
  accepting_ = false;
  for (auto& s : shards_) {
    s->stop();
  }
}

std::size_t server::connection_count() const {
  std::size_t total = 0;
  for (const auto& s : shards_) {
    total += s->session_count();
  }
  return total;
}

} // namespace janus::http
