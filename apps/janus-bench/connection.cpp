#include "apps/janus-bench/connection.hpp"

#include "apps/janus-bench/response_meter.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

namespace janus::bench {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto nothrow = net::as_tuple(net::use_awaitable);
constexpr std::uint32_t header_limit = 64 * 1024;

std::int64_t micros_since(bench_clock::time_point origin) {
  return std::chrono::duration_cast<std::chrono::microseconds>(bench_clock::now() - origin)
    .count();
}

bool is_event_stream(std::string_view content_type) {
  constexpr std::string_view sse = "text/event-stream";
  return content_type.size() >= sse.size()
         && beast::iequals(content_type.substr(0, sse.size()), sse);
}

/// Copies what the meter measured into the result.
void take_measures(response_meter& meter, exchange_result& out) {
  out.first_token_us = meter.first_token_us();
  out.output_tokens = meter.output_tokens();
  out.input_tokens = meter.input_tokens();
  out.chunks = meter.chunks();
  out.tokens_from = meter.tokens_from();
  out.itls = meter.take_itls();
}

} // namespace

connection::connection(net::any_io_executor executor, run_context& context)
  : context_(context), stream_(std::move(executor)) {
  // nop
}

bool connection::is_open() const {
  return open_;
}

void connection::close() {
  open_ = false;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
  buffer_.consume(buffer_.size());
}

net::awaitable<bool> connection::connect(bench_clock::time_point deadline, exchange_result& out) {
  const auto limit = bench_clock::now() + context_.options.connect_timeout;
  const bool deadline_first = deadline <= limit;
  stream_.expires_at(deadline_first ? deadline : limit);
  auto [ec, endpoint] = co_await stream_.async_connect(context_.endpoints, nothrow);
  if (!ec) {
    beast::error_code ignored;
    stream_.socket().set_option(tcp::no_delay(true), ignored);
    open_ = true;
    context_.counters.connected_once.store(true, std::memory_order_relaxed);
    co_return true;
  }
  close();
  const auto where = "connect to " + context_.options.target.host_header() + ": ";
  if (context_.aborting.load(std::memory_order_relaxed)) {
    out.result = error_class::timeout;
    out.message = where + "abandoned at the end of the run";
    out.abandoned = true;
  } else if (ec == beast::error::timeout && deadline_first) {
    out.result = error_class::timeout;
    out.message = where + "the request's deadline passed";
  } else if (ec == beast::error::timeout) {
    out.result = error_class::connect_error;
    out.message = where + "timed out after " + format_duration(context_.options.connect_timeout);
  } else {
    out.result = error_class::connect_error;
    out.message = where + ec.message();
  }
  co_return false;
}

net::awaitable<exchange_result> connection::exchange(std::string_view request,
                                                     bench_clock::time_point scheduled,
                                                     bench_clock::time_point deadline,
                                                     bool drain_cut) {
  exchange_result out;
  const auto finish_as_timeout = [&](std::string_view what) {
    out.result = error_class::timeout;
    out.abandoned = context_.aborting.load(std::memory_order_relaxed) || drain_cut;
    out.message = std::string{what}
                  + (out.abandoned ? ": abandoned at the end of the run"
                                   : ": no answer within --timeout "
                                       + format_duration(context_.options.timeout));
    out.end_us = micros_since(scheduled);
  };
  if (context_.aborting.load(std::memory_order_relaxed) || bench_clock::now() >= deadline) {
    out.sent_us = micros_since(scheduled);
    finish_as_timeout("waiting for a connection");
    co_return out;
  }
  for (int attempt = 0;; ++attempt) {
    const bool fresh = !open_;
    if (fresh && !co_await connect(deadline, out)) {
      out.sent_us = micros_since(scheduled);
      out.end_us = out.sent_us;
      co_return out;
    }
    // A retry on a fresh connection only when a reused one failed before any answer byte.
    const bool may_retry = !fresh && attempt == 0;
    out.sent_us = micros_since(scheduled);
    stream_.expires_at(deadline);
    auto [write_ec, written] = co_await net::async_write(
      stream_, net::buffer(request.data(), request.size()), nothrow);
    if (write_ec) {
      close();
      if (write_ec == beast::error::timeout || context_.aborting.load()) {
        finish_as_timeout("sending the request");
        co_return out;
      }
      if (may_retry) {
        continue;
      }
      out.result = error_class::stream_error;
      out.message = "sending the request: " + write_ec.message();
      out.end_us = micros_since(scheduled);
      co_return out;
    }

    http::response_parser<http::buffer_body> parser;
    parser.header_limit(header_limit);
    parser.body_limit(boost::none);
    auto [head_ec, head_bytes] = co_await http::async_read_header(stream_, buffer_, parser,
                                                                  nothrow);
    if (head_ec) {
      const bool nothing_came = !parser.got_some();
      close();
      if (head_ec == beast::error::timeout || context_.aborting.load()) {
        finish_as_timeout("waiting for the answer");
        co_return out;
      }
      if (may_retry && nothing_came) {
        continue;
      }
      out.result = error_class::stream_error;
      out.message = "reading the answer header: " + head_ec.message();
      out.end_us = micros_since(scheduled);
      co_return out;
    }

    const auto& head = parser.get();
    out.status = head.result_int();
    out.start = parse_start_kind(head["x-janus-start"]);
    response_meter meter{is_event_stream(head[http::field::content_type])};
    beast::error_code body_ec;
    while (!parser.is_done()) {
      parser.get().body().data = body_buffer_.data();
      parser.get().body().size = body_buffer_.size();
      auto [ec, n] = co_await http::async_read_some(stream_, buffer_, parser, nothrow);
      const auto got = body_buffer_.size() - parser.get().body().size;
      if (got > 0) {
        meter.on_body({body_buffer_.data(), got}, micros_since(scheduled));
        if (out.start == start_kind::none) {
          // A stream that waited past janusd's sse_keepalive has it in its first comment.
          out.start = start_kind_in_comment({body_buffer_.data(), got});
        }
      }
      if (ec == http::error::need_buffer) {
        continue;
      }
      if (ec) {
        body_ec = ec;
        break;
      }
    }
    if (body_ec) {
      close();
      meter.finish(false);
      take_measures(meter, out);
      if (body_ec == beast::error::timeout || context_.aborting.load()) {
        finish_as_timeout("reading the answer");
        co_return out;
      }
      out.result = classify_status(out.status, true);
      out.message = out.result == error_class::stream_error
                      ? meter.failure() + " (" + body_ec.message() + ")"
                      : "HTTP " + std::to_string(out.status) + ", body cut: " + body_ec.message();
      out.end_us = micros_since(scheduled);
      co_return out;
    }
    out.end_us = micros_since(scheduled);
    meter.finish(true);
    take_measures(meter, out);
    out.result = classify_status(out.status, meter.failed());
    if (out.result == error_class::stream_error) {
      out.message = meter.failure();
    } else if (out.result != error_class::ok) {
      out.message = "HTTP " + std::to_string(out.status);
      if (meter.failed()) {
        out.message += " (" + meter.failure() + ")";
      }
    }
    if (!parser.keep_alive()) {
      close();
    }
    co_return out;
  }
}

} // namespace janus::bench
