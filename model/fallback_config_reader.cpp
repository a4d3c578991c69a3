#include "model/fallback_config_reader.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "model/platform.hpp"
#include "model/platform_config_reader.hpp"

namespace janus {

namespace {

[[noreturn]] void fail(const std::string& key, const std::string& message) {
  throw config_error(key + ": " + message);
}

/// Whether janusd writes header `name` into every chat request it sends, so that a configured
/// one would make it twice (two Content-Types are a 400 at many servers).
bool sent_with_every_request(std::string_view name) {
  static constexpr std::string_view sent[] = {"content-type", "accept", "traceparent",
                                              "tracestate"};
  return std::any_of(std::begin(sent), std::end(sent), [name](std::string_view s) {
    return name.size() == s.size()
           && std::equal(name.begin(), name.end(), s.begin(),
                         [](char a, char b) { return (a | 0x20) == b; });
  });
}

/// An http(s) URL with a host, checked as the platform routes' upstreams are.
void check_url(const std::string& url, const std::string& key) {
  auto parsed = parse_upstream_url(url);
  if (!parsed) {
    fail(key, parsed.error().message);
  }
}

/// Whether the file holds at least one PEM certificate (what verifies an https fallback).
bool has_pem_certificate(const std::string& path) {
  BIO* file = ::BIO_new_file(path.c_str(), "r");
  X509* certificate = file != nullptr ? ::PEM_read_bio_X509(file, nullptr, nullptr, nullptr)
                                      : nullptr;
  bool found = certificate != nullptr;
  ::X509_free(certificate);
  ::BIO_free(file);
  // A failed read leaves its errors queued on this thread: not for the next TLS call to find.
  ::ERR_clear_error();
  return found;
}

/// The reasons of `when`: a list of names (a model whose every request goes upstream is
/// written with `upstream:`).
void read_when(yaml_reader& reader, fallback_config& out) {
  auto node = reader.find("when");
  if (!node) {
    return;
  }
  const std::string key = reader.key_path("when");
  if (node->IsScalar() && node->Scalar() == "always") {
    fail(key, "write `upstream: URL` (and no command or image) for a model whose every request "
              "goes to its direct deployment");
  }
  if (!node->IsSequence()) {
    fail(key, "expected a list of no_capacity, start_failed, queue_full, retries_failed, got "
                + describe(*node));
  }
  for (std::size_t i = 0; i < node->size(); ++i) {
    const std::string item_key = key + "[" + std::to_string(i) + "]";
    auto text = scalar_text((*node)[i], item_key, "a reason");
    auto reason = parse_fallback_reason(text);
    if (!reason) {
      fail(item_key, "expected one of no_capacity, start_failed, queue_full, retries_failed, got "
                       + quoted(text));
    }
    out.when |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(*reason));
  }
}

} // namespace

fallback_config read_fallback_config(yaml_reader& model_reader) {
  fallback_config out;
  const auto upstream = model_reader.read_string("upstream", "");
  auto section = model_reader.read_section("fallback");
  out.url = section.read_string("url", "");
  read_when(section, out);
  out.model = section.read_string("model", "");
  out.api_key_env = section.read_string("api_key_env", "");
  out.ca_file = section.read_string("ca_file", "");
  out.max_connections = section.read_int("max_connections", out.max_connections, 1, 10000);
  std::vector<injected_header> headers;
  if (auto node = section.find("headers")) {
    const auto path = section.key_path("headers");
    for (const auto& entry : mapping_entries(*node, path)) {
      auto header = read_injected_header(entry, path);
      if (sent_with_every_request(header.name)) {
        fail(join_path(path, entry.key), "janusd sends this header with every chat request "
                                         "(Content-Type, Accept, traceparent, tracestate): it "
                                         "cannot be set here");
      }
      if (header.name.size() == 13 && std::equal(header.name.begin(), header.name.end(),
                                                  "authorization", [](char a, char b) {
                                                    return (a | 0x20) == b;
                                                  })
          && !out.api_key_env.empty()) {
        fail(join_path(path, entry.key), "set either api_key_env or an Authorization header");
      }
      headers.push_back(std::move(header));
    }
  }
  section.finish();

  if (!upstream.empty()) {
    if (!out.url.empty() || out.when != 0) {
      fail(model_reader.key_path("upstream"),
           "an upstream-only model sends every request there: leave out fallback.url and "
           "fallback.when");
    }
    check_url(upstream, model_reader.key_path("upstream"));
    out.url = upstream;
    out.always = true;
  } else if (!out.url.empty()) {
    check_url(out.url, section.key_path("url"));
    if (out.when == 0) {
      fail(section.key_path("when"), "required with fallback.url: a list of no_capacity, "
                                     "start_failed, queue_full, retries_failed");
    }
  } else if (out.when != 0 || !out.model.empty() || !out.api_key_env.empty()
             || !headers.empty() || !out.ca_file.empty()) {
    fail(section.key_path("url"), "required: the direct deployment's http(s) URL");
  }
  if (!out.model.empty()) {
    bool plain = std::all_of(out.model.begin(), out.model.end(), [](char c) {
      return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
    });
    if (!plain || out.model.size() > 256) {
      fail(section.key_path("model"), "must be at most 256 printable characters without spaces, "
                                      "quotes or backslashes, got " + quoted(out.model));
    }
  }
  if (!out.ca_file.empty()) {
    std::ifstream probe{out.ca_file};
    if (!probe) {
      fail(section.key_path("ca_file"), "cannot read the file " + quoted(out.ca_file));
    }
    if (!has_pem_certificate(out.ca_file)) {
      fail(section.key_path("ca_file"), "no PEM certificate in " + quoted(out.ca_file));
    }
  }
  if (!out.api_key_env.empty()) {
    const char* value = std::getenv(out.api_key_env.c_str());
    if (value == nullptr || *value == '\0') {
      fail(section.key_path("api_key_env"),
           "the environment variable " + quoted(out.api_key_env) + " is not set or empty");
    }
    std::string_view text{value};
    if (text.find_first_of(std::string_view{"\r\n\0", 3}) != std::string_view::npos) {
      fail(section.key_path("api_key_env"), "the value has a line break or NUL");
    }
    out.headers.push_back(
      injected_header{"Authorization", "Bearer " + std::string{text}, "env " + out.api_key_env});
  }
  for (auto& header : headers) {
    out.headers.push_back(std::move(header));
  }
  return out;
}

} // namespace janus
