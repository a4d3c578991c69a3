#include "apps/janus-bench/bounded_json.hpp"

#include <rapidjson/encodedstream.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

namespace janus::bench {

namespace {

using rapidjson::SizeType;

/// Passes SAX events on to the document being built, refusing to open one level too many.
struct depth_guard {
  rapidjson::Document& doc;
  unsigned limit;
  unsigned depth = 0;

  bool Null() {
    return doc.Null();
  }
  bool Bool(bool b) {
    return doc.Bool(b);
  }
  bool Int(int i) {
    return doc.Int(i);
  }
  bool Uint(unsigned u) {
    return doc.Uint(u);
  }
  bool Int64(std::int64_t i) {
    return doc.Int64(i);
  }
  bool Uint64(std::uint64_t u) {
    return doc.Uint64(u);
  }
  bool Double(double d) {
    return doc.Double(d);
  }
  bool RawNumber(const char* text, SizeType length, bool copy) {
    return doc.RawNumber(text, length, copy);
  }
  bool String(const char* text, SizeType length, bool copy) {
    return doc.String(text, length, copy);
  }
  bool Key(const char* text, SizeType length, bool copy) {
    return doc.Key(text, length, copy);
  }
  bool StartObject() {
    return ++depth <= limit && doc.StartObject();
  }
  bool EndObject(SizeType members) {
    --depth;
    return doc.EndObject(members);
  }
  bool StartArray() {
    return ++depth <= limit && doc.StartArray();
  }
  bool EndArray(SizeType elements) {
    --depth;
    return doc.EndArray(elements);
  }
};

/// The generator Document::Populate runs: one iterative SAX parse of `text`.
struct bounded_parse {
  std::string_view text;
  unsigned limit;

  bool operator()(rapidjson::Document& doc) const {
    depth_guard guard{doc, limit};
    rapidjson::MemoryStream bytes{text.data(), text.size()};
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> input{bytes};
    rapidjson::Reader reader;
    return !reader.Parse<rapidjson::kParseIterativeFlag>(input, guard).IsError();
  }
};

} // namespace

std::optional<rapidjson::Document> parse_bounded_json(std::string_view text,
                                                      unsigned max_depth) {
  rapidjson::Document doc;
  bounded_parse parse{text, max_depth};
  bool ok = false;
  auto run = [&parse, &ok](rapidjson::Document& target) {
    ok = parse(target);
    return ok;
  };
  doc.Populate(run);
  if (!ok) {
    return std::nullopt;
  }
  return doc;
}

} // namespace janus::bench
