#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace janus::test {

/// A request as a test upstream received it.
struct recorded_request {
  std::string method;
  std::string target;
  /// Fields by lower-case name.
  std::map<std::string, std::string> headers;
  std::string body;
  /// The SNI name of the TLS connection it came on ("" for none or plain HTTP).
  std::string server_name;
  /// Everything received on the connection up to this request's end, for leak checks.
  std::string raw;
};

/// An HTTP/1.1 upstream on 127.0.0.1 for tests, plain or TLS: records every request and answers
/// `200 {"ok":true}` (keep-alive). One thread per connection; stops with the object.
class test_upstream {
public:
  /// Plain HTTP.
  test_upstream();

  /// TLS with this certificate chain and key (PEM files).
  test_upstream(const std::filesystem::path& cert, const std::filesystem::path& key);

  ~test_upstream();

  std::uint16_t port() const {
    return port_;
  }

  std::vector<recorded_request> requests() const;

private:
  void start();
  void serve(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::vector<recorded_request> requests_;
  std::vector<int> open_sockets_;
  std::vector<std::thread> threads_;
  std::thread acceptor_thread_;
  bool stopping_ = false;
};

/// A self-signed certificate for `localhost` and 127.0.0.1 made with the openssl CLI into
/// `dir` as `<name>.pem` and `<name>.key`; it is its own CA. Throws when openssl fails.
struct test_certificate {
  std::filesystem::path cert;
  std::filesystem::path key;
};
test_certificate make_test_certificate(const std::filesystem::path& dir, const std::string& name);

} // namespace janus::test
