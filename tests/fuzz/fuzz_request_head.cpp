// Request heads (http/request_head.cpp) as the session reads them: Beast's parser, then
// judge_head. Beyond not crashing: when judge_head lets a head through, Beast's framing is the
// only possible reading of it (one chunked coding and no length, or at most one plain length),
// so no front end can find another end of the request; an HTTP/1.1 head it lets through has one
// Host; and the verdict does not depend on how the head arrived in pieces.

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <string>

#include "http/request_head.hpp"
#include "tests/fuzz/property.hpp"

namespace {

namespace bhttp = boost::beast::http;

struct judged {
  bool parsed = false;
  janus::http::head_verdict verdict;
  /// Beast's reading of the framing, and the fields it came from.
  bool chunked = false;
  bool has_length = false;
  std::size_t te_fields = 0;
  std::size_t cl_fields = 0;
  std::size_t hosts = 0;
  unsigned version = 11;
};

/// Parses the head of `input` fed in pieces (`pieces` null: in one go) and judges it.
judged judge(std::string_view input, janus::fuzz::piece_lengths* pieces,
             const janus::http::head_policy& policy) {
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.header_limit(16 * 1024);
  parser.skip(false);
  std::string buffered;
  boost::beast::error_code ec;
  std::size_t fed = 0;
  while (!parser.is_header_done()) {
    auto take = pieces == nullptr ? input.size() - fed : std::min(pieces->next(), input.size() - fed);
    buffered.append(input.substr(fed, take));
    fed += take;
    auto used = parser.put(boost::asio::buffer(buffered), ec);
    buffered.erase(0, used);
    if (ec == bhttp::error::need_more && fed < input.size()) {
      ec = {};
      continue;
    }
    if (ec) {
      return {};
    }
  }
  judged out;
  out.parsed = true;
  const auto& head = parser.get();
  std::string_view target = head.target();
  out.verdict = janus::http::judge_head(head, target.substr(0, target.find('?')), policy);
  out.chunked = parser.chunked();
  out.has_length = parser.content_length().has_value();
  out.te_fields = head.count(bhttp::field::transfer_encoding);
  out.cl_fields = head.count(bhttp::field::content_length);
  out.hosts = head.count(bhttp::field::host);
  out.version = head.version();
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace janus;
  static const api_key_set keys = [] {
    api_key_set set;
    set.add_list("sk-fuzz", "auth.api_keys_env");
    return set;
  }();
  http::head_policy policy;
  policy.admin_enabled = true;
  policy.admin_token = "admin-fuzz";
  policy.api_keys = size > 0 && data[0] % 2 == 0 ? &keys : nullptr;
  const auto input = fuzz::text_of(data, size);
  const auto whole = judge(input, nullptr, policy);
  if (!whole.parsed) {
    return 0;
  }
  fuzz::piece_lengths pieces{input};
  const auto split = judge(input, &pieces, policy);
  fuzz::require(split.parsed, "a head parsed whole also parses in pieces");
  fuzz::require(split.verdict.refusal.code == whole.verdict.refusal.code
                  && split.verdict.framing == whole.verdict.framing
                  && split.verdict.expects_continue == whole.verdict.expects_continue,
                "the verdict does not depend on how the head arrived");
  const auto& verdict = whole.verdict;
  fuzz::require(verdict.framing == (verdict.refusal.code == errc::invalid_request),
                "a framing refusal is a 400, and every 400 of the head is about framing");
  if (!verdict.framing) {
    fuzz::require(whole.chunked == (whole.te_fields > 0),
                  "a Transfer-Encoding let through is the chunked framing Beast reads");
    fuzz::require(whole.cl_fields <= 1 && whole.has_length == (whole.cl_fields == 1),
                  "a Content-Length let through is the one length Beast reads");
    fuzz::require(!(whole.chunked && whole.has_length), "never both chunked and a length");
    fuzz::require(whole.hosts <= 1 && (whole.version < 11 || whole.hosts == 1),
                  "one Host (HTTP/1.1), at most one (HTTP/1.0)");
  }
  if (verdict.refusal.code == errc::none) {
    fuzz::require(verdict.target != http::route::unknown, "an unknown path is refused");
  }
  return 0;
}
