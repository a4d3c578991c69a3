#include "tests/integration/test_upstream.hpp"

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <openssl/ssl.h>

#include <sys/socket.h>

#include <cstdlib>
#include <stdexcept>

namespace janus::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

/// Reads one request at a time from `stream`, answers, until the peer leaves.
template <class Stream>
void serve_requests(Stream& stream, const std::string& server_name, std::mutex& mutex,
                    std::vector<recorded_request>& requests) {
  beast::flat_buffer buffer;
  std::string raw;
  while (true) {
    bhttp::request<bhttp::string_body> req;
    beast::error_code ec;
    bhttp::read(stream, buffer, req, ec);
    if (ec) {
      return;
    }
    recorded_request record;
    record.method = std::string{req.method_string()};
    record.target = std::string{req.target()};
    for (const auto& field : req) {
      std::string name{field.name_string()};
      for (auto& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      record.headers[name] = std::string{field.value()};
      raw += name + ": " + std::string{field.value()} + "\n";
    }
    raw += std::string{req.target()} + "\n" + req.body() + "\n";
    record.body = req.body();
    record.server_name = server_name;
    record.raw = raw;
    {
      std::lock_guard lock{mutex};
      requests.push_back(std::move(record));
    }
    bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
    res.set(bhttp::field::content_type, "application/json");
    res.set("x-upstream", "test");
    res.body() = R"({"ok":true})";
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    bhttp::write(stream, res, ec);
    if (ec || !req.keep_alive()) {
      return;
    }
  }
}

} // namespace

test_upstream::test_upstream() : acceptor_(io_) {
  start();
}

test_upstream::test_upstream(const std::filesystem::path& cert, const std::filesystem::path& key)
  : tls_(std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server)), acceptor_(io_) {
  tls_->use_certificate_chain_file(cert.string());
  tls_->use_private_key_file(key.string(), asio::ssl::context::pem);
  start();
}

void test_upstream::start() {
  tcp::endpoint where{asio::ip::address_v4::loopback(), 0};
  acceptor_.open(where.protocol());
  acceptor_.bind(where);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  acceptor_thread_ = std::thread{[this] {
    while (true) {
      beast::error_code ec;
      tcp::socket socket{io_};
      acceptor_.accept(socket, ec);
      std::lock_guard lock{mutex_};
      if (ec || stopping_) {
        return;
      }
      open_sockets_.push_back(socket.native_handle());
      threads_.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
    }
  }};
}

void test_upstream::serve(tcp::socket socket) {
  if (!tls_) {
    serve_requests(socket, "", mutex_, requests_);
    return;
  }
  asio::ssl::stream<tcp::socket> stream{std::move(socket), *tls_};
  beast::error_code ec;
  stream.handshake(asio::ssl::stream_base::server, ec);
  if (ec) {
    return;
  }
  const char* name = ::SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
  serve_requests(stream, name != nullptr ? name : "", mutex_, requests_);
}

test_upstream::~test_upstream() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
    for (int fd : open_sockets_) {
      ::shutdown(fd, SHUT_RDWR);
    }
  }
  ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
  // Wake the blocking accept with a connection of our own.
  {
    beast::error_code ignored;
    tcp::socket poke{io_};
    poke.connect({asio::ip::address_v4::loopback(), port_}, ignored);
  }
  acceptor_thread_.join();
  for (auto& thread : threads_) {
    thread.join();
  }
}

std::vector<recorded_request> test_upstream::requests() const {
  std::lock_guard lock{mutex_};
  return requests_;
}

test_certificate make_test_certificate(const std::filesystem::path& dir, const std::string& name) {
  std::filesystem::create_directories(dir);
  test_certificate out{dir / (name + ".pem"), dir / (name + ".key")};
  auto command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
                 " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "
                 + out.key.string() + " -out " + out.cert.string() + " 2>/dev/null";
  if (std::system(command.c_str()) != 0) {
    throw std::runtime_error("openssl could not make a test certificate: " + command);
  }
  return out;
}

} // namespace janus::test
