#include "http/replies.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "http/error_response.hpp"
#include "model/openai.hpp"

namespace janus::http {

namespace bhttp = boost::beast::http;

reply json_reply(unsigned status, std::string body) {
  return reply{status, "application/json", std::move(body), 0};
}

reply error_reply(const error_info& error) {
  auto rendered = make_error_response(error);
  return reply{static_cast<unsigned>(rendered.status), "application/json",
               std::move(rendered.body), rendered.retry_after,
               std::string{rendered.www_authenticate}};
}

reply method_not_allowed(std::string_view allowed, std::string_view target) {
  auto answer = error_reply({errc::method_not_allowed, "use " + std::string{allowed} + " for "
                                                         + std::string{target}});
  answer.allow = allowed;
  return answer;
}

reply no_route(std::string_view target) {
  return error_reply({errc::no_route, "no route for " + std::string{target}});
}

reply readiness_reply(bool ready, const std::string& detail) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer{out};
  writer.StartObject();
  writer.Key("status");
  writer.String(ready ? "ready" : "starting");
  writer.Key("detail");
  writer.String(detail.c_str(), static_cast<rapidjson::SizeType>(detail.size()));
  writer.EndObject();
  return json_reply(ready ? 200 : 503, out.GetString());
}

std::string models_body(const std::vector<std::string>& names) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer{out};
  writer.StartObject();
  writer.Key("object");
  writer.String("list");
  writer.Key("data");
  writer.StartArray();
  for (const auto& name : names) {
    writer.StartObject();
    writer.Key("id");
    writer.String(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
    writer.Key("object");
    writer.String("model");
    writer.Key("created");
    writer.Int64(0);
    writer.Key("owned_by");
    writer.String("janus");
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
  return out.GetString();
}

std::optional<reply> answer_to_read_error(const boost::beast::error_code& ec,
                                          std::size_t max_header_bytes, std::size_t max_body_bytes) {
  if (ec == bhttp::error::header_limit) {
    return error_reply({errc::headers_too_large, "the request headers exceed the limit of "
                                                   + std::to_string(max_header_bytes) + " bytes"});
  }
  if (ec == bhttp::error::body_limit) {
    return error_reply({errc::body_too_large, "the request body is larger than the limit of "
                                                + std::to_string(max_body_bytes) + " bytes"});
  }
  static const auto& parse_errors = boost::beast::error_code{bhttp::error::bad_method}.category();
  if (ec.category() == parse_errors && ec != bhttp::error::end_of_stream
      && ec != bhttp::error::partial_message) {
    return error_reply({errc::invalid_request, "cannot parse the request: " + ec.message()});
  }
  return std::nullopt; // closed, reset or timed out: nobody to answer
}

} // namespace janus::http
