#include "http/health_probe.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <memory>

#include "http/upstream_socket.hpp"

namespace janus::http {

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = boost::asio::ip::tcp;

/// One probe in flight; keeps itself alive through its handlers.
class probe : public std::enable_shared_from_this<probe> {
public:
  probe(boost::asio::io_context& io, std::function<void(probe_result)> on_result)
    : stream_(io), on_result_(std::move(on_result)) {
  }

  void run(const endpoint& target, const std::string& path, std::chrono::milliseconds timeout) {
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(target.host, ec);
    if (ec) {
      return finish({false, 0, "bad address " + target.host});
    }
    request_.method(bhttp::verb::get);
    request_.target(path);
    request_.version(11);
    request_.set(bhttp::field::host, target.host);
    request_.keep_alive(false);
    tcp::endpoint peer{address, target.port};
    if (!target.ns) {
      return connect(peer, timeout);
    }
    async_upstream_socket(stream_.get_executor(), target,
                          [self = shared_from_this(), peer, timeout](result<tcp::socket> made) {
                            if (!made) {
                              return self->finish({false, 0, made.error().message});
                            }
                            self->stream_.socket() = std::move(made.value());
                            self->connect(peer, timeout);
                          });
  }

private:
  void connect(const tcp::endpoint& peer, std::chrono::milliseconds timeout) {
    stream_.expires_after(timeout);
    stream_.async_connect(peer, [self = shared_from_this()](beast::error_code ec) {
      self->on_connect(ec);
    });
  }

  void on_connect(beast::error_code ec) {
    if (ec) {
      return fail(ec);
    }
    bhttp::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        return self->fail(ec);
      }
      bhttp::async_read(self->stream_, self->buffer_, self->response_,
                        [self](beast::error_code ec, std::size_t) { self->on_read(ec); });
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      return fail(ec);
    }
    auto status = response_.result_int();
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    if (status == 200) {
      return finish({true, 200, {}});
    }
    finish({false, static_cast<int>(status), "status " + std::to_string(status)});
  }

  void fail(beast::error_code ec) {
    if (ec == boost::asio::error::no_descriptors) {
      return finish({false, 0, ec.message() + " (janusd ran out of file descriptors)", true});
    }
    finish({false, 0, ec == beast::error::timeout ? std::string{"timed out"} : ec.message()});
  }

  void finish(probe_result result) {
    if (on_result_) {
      auto handler = std::move(on_result_);
      on_result_ = nullptr;
      handler(std::move(result));
    }
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::empty_body> request_;
  bhttp::response<bhttp::string_body> response_;
  std::function<void(probe_result)> on_result_;
};

} // namespace

void probe_health(boost::asio::io_context& io, const endpoint& target, const std::string& path,
                  std::chrono::milliseconds timeout, std::function<void(probe_result)> on_result) {
  // The connect (a system call that on loopback also runs the handshake) happens on `io`'s
  // thread, not on the caller's: the caller is an actor, whose thread serves the request path.
  auto started = std::make_shared<probe>(io, std::move(on_result));
  boost::asio::post(io, [started, target, path, timeout] { started->run(target, path, timeout); });
}

} // namespace janus::http
