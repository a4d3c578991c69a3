#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>

#include "model/platform_endpoints.hpp"

namespace janus::http {

class platform_context;
class platform_session;
struct platform_shared;

/// One container's platform endpoint: a listening socket whose every connection is that
/// container's (identity by endpoint), and the token it must present. Lives on one
/// platform_context's thread; lifetime is shared_from_this() (its sessions hold it).
class platform_endpoint : public std::enable_shared_from_this<platform_endpoint> {
public:
  platform_endpoint(platform_context& home, platform_shared& shared, endpoint_owner owner,
                    std::string token, boost::asio::ip::tcp::acceptor acceptor);

  /// Starts accepting (call on the home thread).
  void start();

  /// Closes the listener and every live connection (call on the home thread).
  void close();

  const endpoint_owner& owner() const noexcept {
    return owner_;
  }

  const std::string& token() const noexcept {
    return token_;
  }

  platform_context& home() noexcept {
    return home_;
  }

  platform_shared& shared() noexcept {
    return shared_;
  }

  // -- session registry (home thread only) ----------------------------------------------------

  void add(platform_session* session);

  void remove(platform_session* session);

private:
  boost::asio::awaitable<void> accept_loop();

  platform_context& home_;
  platform_shared& shared_;
  endpoint_owner owner_;
  std::string token_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::unordered_set<platform_session*> sessions_;
  bool closed_ = false;
};

} // namespace janus::http
