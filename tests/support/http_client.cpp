#include "tests/support/http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <system_error>

namespace janus::test {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr std::uint64_t no_body_limit = std::numeric_limits<std::uint64_t>::max();

std::string lower(std::string_view text) {
  std::string result{text};
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

template <class Fields>
header_map to_header_map(const Fields& fields) {
  header_map result;
  for (const auto& field : fields) {
    auto name = lower(field.name_string());
    auto [it, inserted] = result.emplace(name, std::string(field.value()));
    if (!inserted) {
      it->second += ", ";
      it->second += field.value();
    }
  }
  return result;
}

std::string header_value(const header_map& headers, std::string_view name) {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string{} : it->second;
}

} // namespace

std::string http_result::header(std::string_view name) const {
  return header_value(headers, name);
}

std::string stream_result::header(std::string_view name) const {
  return header_value(headers, name);
}

/// The connection and the event loop that drives its operations one at a time.
class http_client::impl {
public:
  impl(std::uint16_t port, std::chrono::milliseconds timeout)
    : port_(port), timeout_(timeout), stream_(io_) {
    // nop
  }

  http_result request(http::verb method, std::string_view target, std::string_view body,
                      const header_map& headers, bool json) {
    send(method, target, body, headers, json, timeout_);
    http::response_parser<http::string_body> parser;
    parser.body_limit(no_body_limit);
    stream_.expires_after(timeout_);
    auto ec = run([&](auto handler) {
      http::async_read(stream_, buffer_, parser, std::move(handler));
    });
    if (ec) {
      close();
      fail(ec, "reading the response to " + std::string(target));
    }
    auto res = parser.release();
    if (!res.keep_alive()) {
      close();
    }
    http_result result;
    result.status = res.result_int();
    result.headers = to_header_map(res.base());
    result.body = std::move(res.body());
    return result;
  }

  stream_result stream(std::string_view target, std::string_view body,
                       const stream_options& options, const header_map& headers) {
    stream_result result;
    const auto timeout = options.timeout;
    result.sent_at = std::chrono::steady_clock::now();
    send(http::verb::post, target, body, headers, true, timeout);
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(no_body_limit);
    stream_.expires_after(timeout);
    auto header_ec = run([&](auto handler) {
      http::async_read_header(stream_, buffer_, parser, std::move(handler));
    });
    if (header_ec) {
      close();
      fail(header_ec, "reading the response header to " + std::string(target));
    }
    result.headers_at = std::chrono::steady_clock::now();
    result.status = parser.get().result_int();
    result.headers = to_header_map(parser.get().base());
    std::array<char, 16 * 1024> piece;
    std::string unframed;
    while (!parser.is_done()) {
      parser.get().body().data = piece.data();
      parser.get().body().size = piece.size();
      stream_.expires_after(timeout);
      auto ec = run([&](auto handler) {
        http::async_read_some(stream_, buffer_, parser, std::move(handler));
      });
      if (ec == http::error::need_buffer) {
        ec = {};
      }
      const auto now = std::chrono::steady_clock::now();
      const auto size = piece.size() - parser.get().body().size;
      if (size > 0) {
        std::string_view data{piece.data(), size};
        result.pieces.push_back({now, std::string(data)});
        result.body += data;
        unframed += data;
        for (auto end = unframed.find("\n\n"); end != std::string::npos;
             end = unframed.find("\n\n")) {
          result.frames.push_back({now, unframed.substr(0, end)});
          unframed.erase(0, end + 2);
          if (options.on_frame) {
            options.on_frame(result.frames.back());
          }
        }
      }
      if (ec) {
        result.error = ec.message();
        close();
        break;
      }
      if ((options.close_after_bytes && result.body.size() >= *options.close_after_bytes)
          || (options.close_after_frames
              && result.frames.size() >= *options.close_after_frames)) {
        result.closed_by_client = !parser.is_done();
        if (result.closed_by_client) {
          close();
        }
        break;
      }
    }
    result.complete = parser.is_done();
    if (result.complete && !parser.get().keep_alive()) {
      close();
    }
    return result;
  }

  bool is_open() const {
    return stream_.socket().is_open();
  }

  std::size_t connection_count() const {
    return connections_;
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    buffer_.clear();
  }

private:
  /// Runs one asynchronous operation to completion (or to the stream's timeout).
  template <class Start>
  beast::error_code run(Start start) {
    beast::error_code result = net::error::operation_aborted;
    start([&result](beast::error_code ec, std::size_t) { result = ec; });
    io_.restart();
    io_.run();
    return result;
  }

  void connect(std::chrono::milliseconds timeout) {
    stream_.expires_after(timeout);
    tcp::endpoint endpoint{net::ip::address_v4::loopback(), port_};
    beast::error_code result = net::error::operation_aborted;
    stream_.async_connect(endpoint, [&result](beast::error_code ec) { result = ec; });
    io_.restart();
    io_.run();
    if (result) {
      close();
      fail(result, "connecting");
    }
    ++connections_;
  }

  void send(http::verb method, std::string_view target, std::string_view body,
            const header_map& headers, bool json, std::chrono::milliseconds timeout) {
    if (!is_open()) {
      connect(timeout);
    }
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
    req.set(http::field::user_agent, "janus-test-support");
    if (json) {
      req.set(http::field::content_type, "application/json");
    }
    for (const auto& [name, value] : headers) {
      req.set(name, value);
    }
    req.body() = std::string(body);
    if (!body.empty() || method == http::verb::post || method == http::verb::put) {
      req.prepare_payload();
    }
    stream_.expires_after(timeout);
    auto ec = run([&](auto handler) { http::async_write(stream_, req, std::move(handler)); });
    if (ec) {
      close();
      fail(ec, "sending " + std::string(http::to_string(method)) + " " + std::string(target));
    }
  }

  [[noreturn]] void fail(beast::error_code ec, const std::string& what) const {
    throw std::system_error(ec, "127.0.0.1:" + std::to_string(port_) + ": " + what);
  }

  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
  net::io_context io_{1};
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::size_t connections_ = 0;
};

http_client::http_client(std::uint16_t port, std::chrono::milliseconds timeout)
  : impl_(std::make_unique<impl>(port, timeout)) {
  // nop
}

http_client::~http_client() = default;

http_result http_client::get(std::string_view target, const header_map& headers) {
  return impl_->request(http::verb::get, target, {}, headers, false);
}

http_result http_client::post_json(std::string_view target, std::string_view body,
                                   const header_map& headers) {
  return impl_->request(http::verb::post, target, body, headers, true);
}

http_result http_client::request(std::string_view method, std::string_view target,
                                 std::string_view body, const header_map& headers) {
  auto verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    throw std::invalid_argument("http_client: unknown method " + std::string(method));
  }
  return impl_->request(verb, target, body, headers, false);
}

stream_result http_client::post_json_streaming(std::string_view target, std::string_view body,
                                               const stream_options& options,
                                               const header_map& headers) {
  return impl_->stream(target, body, options, headers);
}

bool http_client::is_open() const {
  return impl_->is_open();
}

std::size_t http_client::connection_count() const {
  return impl_->connection_count();
}

void http_client::close() {
  impl_->close();
}

http_result get(std::uint16_t port, std::string_view target, const header_map& headers) {
  return http_client{port}.get(target, headers);
}

http_result post_json(std::uint16_t port, std::string_view target, std::string_view body,
                      const header_map& headers) {
  return http_client{port}.post_json(target, body, headers);
}

stream_result post_json_streaming(std::uint16_t port, std::string_view target,
                                  std::string_view body, const stream_options& options,
                                  const header_map& headers) {
  return http_client{port}.post_json_streaming(target, body, options, headers);
}

std::vector<std::string> sse_data_lines(std::string_view body) {
  std::vector<std::string> result;
  while (!body.empty()) {
    auto end = body.find('\n');
    auto line = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view{} : body.substr(end + 1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.starts_with("data:")) {
      line.remove_prefix(5);
      if (line.starts_with(' ')) {
        line.remove_prefix(1);
      }
      result.emplace_back(line);
    }
  }
  return result;
}

} // namespace janus::test
