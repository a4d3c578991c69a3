#include "http/server.hpp"

#include <boost/asio/post.hpp>

#include <future>
#include <stdexcept>
#include <thread>

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
  : cfg_(cfg), pools_(pools), hooks_(std::move(hooks)), acceptor_([this, &cfg]() -> asio::io_context& {
      auto n = thread_count(cfg);
      for (std::size_t i = 0; i < n; ++i) {
        shards_.push_back(std::make_unique<shard>(cfg, i));
      }
      return shards_.front()->io();
    }()) {
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
    if (!accepting_) {
      return;
    }
    if (!ec) {
      // The session is made on its own shard's thread: its registry is that thread's alone.
      asio::post(target.io(), [this, &target, socket = std::move(socket)]() mutable {
        std::make_shared<session>(std::move(socket), target, cfg_, pools_, hooks_)->start();
      });
    } else if (ec == asio::error::no_descriptors) {
      // Out of file descriptors: say so (once a second at most), back off briefly, never spin.
      auto now = std::chrono::steady_clock::now();
      if (now - fds_warned_ >= std::chrono::seconds(1)) {
        fds_warned_ = now;
        logging::event{"cannot accept a connection: janusd ran out of file descriptors"}
          .field("detail", ec.message())
          .warn();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    accept();
  });
}

std::size_t server::drain(std::chrono::milliseconds timeout) {
  run_on(*shards_.front(), [this] {
    accepting_ = false;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
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
