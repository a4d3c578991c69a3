#pragma once

#include "apps/janus-bench/outcome.hpp"
#include "apps/janus-bench/run_context.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace janus::bench {

/// What one exchange measured; times are microseconds from the request's scheduled time.
struct exchange_result {
  error_class result = error_class::ok;
  /// HTTP status, 0 when no response header arrived.
  unsigned status = 0;
  start_kind start = start_kind::none;
  /// When the request's first byte was written (or the attempt failed).
  std::int64_t sent_us = 0;
  /// First content chunk of a stream; -1 for a whole answer or when none came.
  std::int64_t first_token_us = -1;
  std::int64_t end_us = 0;
  std::uint32_t output_tokens = 0;
  std::uint32_t input_tokens = 0;
  std::uint32_t chunks = 0;
  token_source tokens_from = token_source::none;
  /// The gaps between a stream's content chunks, µs.
  std::vector<std::uint32_t> itls;
  /// Why it failed, for the error samples; "" when ok.
  std::string message;
  /// The deadline that expired was the drain cap (or the run was aborted), not the request's.
  bool abandoned = false;
};

/// One HTTP/1.1 keep-alive connection to the target, used by one request at a time. It
/// connects on first use and again after the server closed it; a request that fails before
/// any answer byte on a reused connection (the server closed it while idle) is sent once more
/// on a fresh one. Every wait is bounded by the request's deadline.
class connection {
public:
  connection(boost::asio::any_io_executor executor, run_context& context);

  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Sends `request` (complete HTTP bytes) and reads the answer to its end. `scheduled` is
  /// the origin of every time in the result; `deadline` ends the exchange as a timeout;
  /// `drain_cut` says the deadline is the drain cap rather than the request's own.
  boost::asio::awaitable<exchange_result> exchange(std::string_view request,
                                                   bench_clock::time_point scheduled,
                                                   bench_clock::time_point deadline,
                                                   bool drain_cut);

  /// Closes the socket; an exchange in flight fails at once.
  void close();

  /// True while a TCP connection is open.
  bool is_open() const;

private:
  /// Opens the connection; false when it failed, with the class and message set in `out`.
  boost::asio::awaitable<bool> connect(bench_clock::time_point deadline, exchange_result& out);

  run_context& context_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::array<char, 16 * 1024> body_buffer_;
  bool open_ = false;
};

} // namespace janus::bench
