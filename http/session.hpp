#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/admin_routes.hpp"
#include "http/broker.hpp"
#include "http/chat_proxy.hpp"
#include "http/connection_slot.hpp"
#include "http/replies.hpp"
#include "http/request_head.hpp"
#include "http/sandbox_service.hpp"
#include "http/shard.hpp"
#include "http/socket_deadline.hpp"
#include "http/trace_context.hpp"
#include "model/config.hpp"

namespace janus::http {

class request_metrics;

/// What the server offers its sessions besides the pools.
struct server_hooks {
  /// Renders the Prometheus text exposition for `GET /metrics` from the pools' snapshot.
  std::function<std::string(const std::vector<pool_status>&)> metrics_text;
  /// The request path's metrics by model; null: not counted (requests are still logged).
  request_metrics* requests = nullptr;
  /// The admin API (`/admin/*`); disabled unless it has a broker and a token.
  admin_hooks admin;
  /// Client API keys on `/v1/*` (and `/metrics` when so configured); no keys: open.
  auth_config auth;
  /// The Sandy-compatible routes (`/api/sandboxes/*`); null: disabled (404).
  sandbox_service* sandbox = nullptr;
};

/// One client connection: reads requests with limits, judges each head before its body is
/// read (framing, credentials, route, method, Expect: see judge_head), routes them, and
/// answers; chat completions go through a chat_proxy. Deadlines: `idle_timeout` until the
/// first byte of a request, then `read_timeout` for its head and body together; a request not
/// read in time is logged as 408 and its connection closed without an answer (as nginx does).
/// Lives on its shard's thread; lifetime is shared_from_this(); holds one of the server's
/// connection places until it ends.
class session : public std::enable_shared_from_this<session> {
public:
  using request_type = boost::beast::http::request<boost::beast::http::string_body>;
  using parser_type = boost::beast::http::request_parser<boost::beast::http::string_body>;

  session(boost::asio::ip::tcp::socket socket, shard& home, const server_config& cfg,
          broker& pools, const server_hooks& hooks, connection_slot place = {});

  ~session();

  /// Starts the read loop.
  void start();

  /// Finishes the request in progress (if any), then closes.
  void drain();

  /// Closes the connection at once.
  void close();

private:
  boost::asio::awaitable<void> run();

  /// After refusing a request mid-body: stop sending, drop input briefly, so the answer is read.
  boost::asio::awaitable<void> linger();

  /// Answers one request; returns whether the connection may serve another.
  boost::asio::awaitable<bool> handle(request_type& request, route target,
                                      const std::string& request_id);

  /// Serves a chat completion: the body's check, then a chat_proxy. `pool`: the pool to serve
  /// it (a sandbox container's), whatever the body's `model` says; empty = the body's `model`,
  /// which may not name a sandbox container's pool.
  boost::asio::awaitable<bool> serve_chat(request_type& request, const std::string& request_id,
                                          bool keep_alive, const std::string& pool);

  /// Parses what the buffer holds already, without I/O: up to the end of the head while it is
  /// not done (so the head is judged before any body byte is parsed), else the body.
  /// `need_more`: the parser wants bytes that have not arrived yet.
  boost::beast::error_code parse_buffered(parser_type& parser);

  /// Ends a request that could not be read: its 400, 413 or 431 when it deserves one, or
  /// nothing (timed out: logged as 408; closed or reset by the client).
  boost::asio::awaitable<void> refuse_unread(const boost::beast::error_code& ec, route target,
                                             const std::string& request_id);

  /// Answers a request refused from its head (its body unread); returns whether the connection
  /// may serve another.
  boost::asio::awaitable<bool> refuse(const head_verdict& verdict, std::string_view path,
                                      const std::string& request_id, bool keep_alive);

  auto ask_readiness();

  auto ask_models();

  auto ask_statuses();

  /// Writes one of the engine's own answers (to HEAD: its head alone, with the length a GET
  /// would get); returns whether the connection may serve another.
  boost::asio::awaitable<bool> send(const reply& answer, const std::string& request_id,
                                    bool keep_alive);

  boost::beast::tcp_stream client_;
  /// Bounds the wait for a request's first byte and a chat request's reads from its container
  /// (the hot path's operations, on plain sockets); the rest go through client_'s own expiry.
  socket_deadline deadline_;
  boost::beast::flat_buffer buffer_;
  shard& home_;
  const server_config& cfg_;
  broker& pools_;
  const server_hooks& hooks_;
  head_policy policy_;
  connection_slot place_;
  // -- the request being answered ----------------------------------------------------------
  /// 10 (HTTP/1.0) or 11: an HTTP/1.0 client gets `Connection: keep-alive` when kept.
  unsigned version_ = 11;
  bool head_request_ = false;
  /// The request's trace context (its next hop: janusd's span), in its log lines and sent on.
  trace_context trace_;
  /// Waiting for the next request: drain() may close at once.
  bool idle_ = true;
  bool draining_ = false;
  /// The chat request being served (serve_chat). Here rather than in serve_chat's coroutine
  /// frame, which it would make too big for Asio's frame recycling (bench/README.md, "Coroutine
  /// frames"); last, so it goes before the stream and deadline it uses.
  std::optional<chat_proxy> proxy_;
};

} // namespace janus::http
